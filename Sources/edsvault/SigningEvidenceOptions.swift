import ArgumentParser
import EDSCrypto
import EDSVerification
import Foundation

/// What `sign` and `vault sign` embed besides the signature: a signature timestamp (CAdES-T) and revocation
/// evidence with the certificates (CAdES-LT).
struct SigningEvidenceOptions: ParsableArguments {
    @Option(help: "RFC 3161 time-stamping authority URL: embeds a signature timestamp (CAdES-T).")
    var tsa: String?

    @Option(help: "Embed revocation evidence for offline verification (CAdES-LT): ocsp (signer via its OCSP responder, CAs via CRL), crl, or none.")
    var revocation: String = "none"

    @Option(help: "With --revocation: a CRL file to embed instead of downloading from the certificates' distribution points; repeatable.")
    var crl: [String] = []

    /// The unsigned attributes to add once the signature value exists, or nil when nothing is asked for.
    func unsignedAttributes(for bundle: PKCS12Bundle) throws -> CMSSigner.UnsignedAttributeProvider? {
        let evidence = try longTermEvidence(for: bundle)
        let tsa = self.tsa
        guard tsa != nil || !evidence.isEmpty else { return nil }
        return { @Sendable signatureValue in
            var attributes: [CMSAttribute] = []
            if let tsa {
                let token = try TimeStampClient.timestamp(signatureValue, tsaURL: tsa)
                attributes.append(CMSAttribute(oid: CMSAttribute.OID.signatureTimeStampToken, values: [token.encoded]))
            }
            return attributes + evidence
        }
    }

    /// CAdES-LT values: revocation evidence for every certificate in the signer's chain (OCSP where asked and
    /// available, CRLs otherwise) and the certificates themselves, so `verify --offline` needs nothing but the
    /// signature and the trust anchors.
    private func longTermEvidence(for bundle: PKCS12Bundle) throws -> [CMSAttribute] {
        switch revocation {
        case "none":
            guard crl.isEmpty else { throw CLIFailure(message: "--crl needs --revocation crl or ocsp", code: ExitStatus.usage) }
            return []
        case "crl", "ocsp":
            break
        default:
            throw CLIFailure(message: "--revocation must be crl, ocsp or none", code: ExitStatus.usage)
        }
        var responses: [Data] = []
        var responderCertificates: [Certificate] = []
        var needCRL: [Certificate] = []
        for certificate in [bundle.certificate] + bundle.chain where !certificate.isSelfIssued {
            let issuer = bundle.chain.first { $0 != certificate && certificate.isIssued(by: $0) }
            if revocation == "ocsp", let issuer, let url = certificate.ocspURLs.first {
                let response = try OCSPClient.fetch(certificate: certificate, issuer: issuer, url: url)
                responses.append(response)
                responderCertificates += (try? OCSPResponse(basicResponse: response))?.certificates ?? []
            } else {
                needCRL.append(certificate)
            }
        }
        var crls: [Data] = []
        if !crl.isEmpty {
            for path in crl {
                let data = try InputFiles.read(path, what: "CRL")
                guard let list = try? CertificateRevocationList(data) else {
                    throw CLIFailure(message: "\(path) is not a CRL", code: ExitStatus.dataError)
                }
                crls.append(list.derEncoded)
            }
        } else {
            for certificate in needCRL {
                for url in certificate.crlDistributionURLs.prefix(1) { crls.append(try HTTPTransport.get(url)) }
            }
        }
        guard !crls.isEmpty || !responses.isEmpty else {
            throw CLIFailure(message: "no revocation evidence to embed: the certificates name no CRL distribution point or OCSP responder; pass --crl", code: ExitStatus.usage)
        }
        return [
            CAdESEvidence.certValues([bundle.certificate] + bundle.chain + responderCertificates),
            CAdESEvidence.revocationValues(crls: crls, basicOCSPResponses: responses),
        ]
    }
}
