import ArgumentParser
import EDSCrypto
import EDSVerification
import Foundation

struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a document with an NCA-style .p12 key (CMS, CAdES-BES; detached by default)."
    )

    @Argument(help: "The document to sign.")
    var file: String

    @Option(help: "The signer's PKCS#12 key file (.p12), as the certification centre issued it.")
    var key: String

    @OptionGroup var passwords: PasswordOptions

    @Option(help: "Where to write the signature (default: FILE.cms).")
    var out: String?

    @Flag(help: "Embed the document in the signature instead of a detached signature.")
    var attached = false

    @Option(name: .customLong("add-to"), help: "Add this signer to an existing signature; earlier signers stay byte-identical.")
    var addTo: String?

    @Option(help: "RFC 3161 time-stamping authority URL: embeds a signature timestamp (CAdES-T).")
    var tsa: String?

    @Option(help: "Embed revocation evidence for offline verification (CAdES-LT): ocsp (signer via its OCSP responder, CAs via CRL), crl, or none.")
    var revocation: String = "none"

    @Option(help: "With --revocation: a CRL file to embed instead of downloading from the certificates' distribution points; repeatable.")
    var crl: [String] = []

    @Option(help: "Digest algorithm: sha256 (default), sha384, sha512.")
    var digest = "sha256"

    mutating func run() throws {
        try reportingFailures {
            guard let digestAlgorithm = DigestAlgorithm(name: digest), !digestAlgorithm.isBroken else {
                throw CLIFailure(message: "--digest must be sha256, sha384 or sha512", code: ExitStatus.usage)
            }
            if attached && addTo != nil {
                throw CLIFailure(message: "--attached and --add-to cannot be combined: the existing signature decides", code: ExitStatus.usage)
            }
            let document = try InputFiles.document(file)
            let existing = try addTo.map { try InputFiles.read($0, what: "signature") }
            let bundle = try passwords.openKey(key)
            let parameters = CMSSignerParameters(digest: digestAlgorithm, attached: attached)
            let evidence = try longTermEvidence(for: bundle)
            let tsa = self.tsa
            var unsignedAttributes: CMSSigner.UnsignedAttributeProvider?
            if tsa != nil || !evidence.isEmpty {
                unsignedAttributes = { @Sendable signatureValue in
                    var attributes: [CMSAttribute] = []
                    if let tsa {
                        let token = try TimeStampClient.timestamp(signatureValue, tsaURL: tsa)
                        attributes.append(CMSAttribute(oid: CMSAttribute.OID.signatureTimeStampToken, values: [token.encoded]))
                    }
                    return attributes + evidence
                }
            }
            let signature = try DocumentSigner.sign(
                document, with: bundle, existing: existing, parameters: parameters, unsignedAttributes: unsignedAttributes)
            let destination = out ?? addTo ?? file + ".cms"
            try InputFiles.writeAtomically(signature, to: destination)
            let identity = KazakhIdentity(certificate: bundle.certificate)
            let who = [identity.fullName, identity.iin.map { "IIN \($0)" }].compactMap { $0 }.joined(separator: ", ")
            FileHandle.standardError.write(Data("signed by \(who) -> \(destination)\n".utf8))
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
