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
        try EvidenceRequest(tsa: tsa, revocation: revocation, crl: crl).provider(path: [bundle.certificate] + bundle.chain)
    }
}

/// What to add after a signature value exists — the rules `sign`, `vault sign` and `extend` share.
struct EvidenceRequest {
    var tsa: String?
    var mode: RevocationEvidence.Mode?
    var crlFiles: [Data]

    /// From the options `--tsa`, `--revocation ocsp|crl|none` and `--crl` (exit 64 when they do not fit together).
    init(tsa: String?, revocation: String, crl: [String]) throws {
        self.tsa = tsa
        switch revocation {
        case "none":
            guard crl.isEmpty else { throw CLIFailure(message: "--crl needs --revocation crl or ocsp", code: ExitStatus.usage) }
            mode = nil
        case "crl": mode = .crl
        case "ocsp": mode = .ocsp
        default: throw CLIFailure(message: "--revocation must be crl, ocsp or none", code: ExitStatus.usage)
        }
        crlFiles = try InputFiles.crls(crl).map(\.derEncoded)
    }

    /// The provider for a signer whose certificate path (signer first, then its CAs) is `path`.
    ///
    /// With both a TSA and a revocation mode, the TSA's certificates get evidence too (they arrive with the token),
    /// so the timestamp can be trusted offline years later as well. `timestamp: false` when the signer already has
    /// a signature timestamp (`existingToken`, whose TSA still gets evidence); `evidence: false` when it already
    /// has revocationValues. `pool`: further certificates that may issue the path's or the TSA's (trust anchors).
    func provider(
        path: [Certificate], timestamp: Bool = true, evidence: Bool = true, existingToken: TimeStampToken? = nil,
        pool extra: [Certificate] = []
    ) throws -> CMSSigner.UnsignedAttributeProvider? {
        let mode = evidence ? self.mode : nil
        let files = crlFiles
        let chain = Array(path.dropFirst())
        // The signer's evidence is gathered before signing: a responder that cannot be reached fails the command
        // before a timestamp is spent.
        let signerEvidence = try mode.map {
            try RevocationEvidence.gather(for: path, pool: chain + extra, mode: $0, crlFiles: files)
        }
        let tsa = timestamp ? self.tsa : nil
        guard tsa != nil || signerEvidence != nil else { return nil }
        return { @Sendable signatureValue in
            var attributes: [CMSAttribute] = []
            var evidence = signerEvidence
            var token = existingToken
            if let tsa {
                let fresh = try TimeStampClient.timestamp(signatureValue, tsaURL: tsa)
                attributes.append(CMSAttribute(oid: CMSAttribute.OID.signatureTimeStampToken, values: [fresh.encoded]))
                token = fresh
            }
            if let mode, let gathered = evidence, let token {
                let tsaCertificates = token.signedData.certificates
                evidence = gathered.merging(
                    try RevocationEvidence.gather(
                        for: tsaCertificates, pool: tsaCertificates + chain + extra, mode: mode, crlFiles: files,
                        skipping: gathered.coveredCertificates))
            }
            return attributes + (evidence?.attributes ?? [])
        }
    }
}

/// CAdES-LT values (revocationValues, certValues): revocation evidence for every certificate of a path (OCSP where
/// asked and available, CRLs otherwise) and the certificates themselves, so `verify --offline` needs nothing but
/// the signature and the trust anchors.
struct RevocationEvidence: Sendable {
    enum Mode: Sendable { case crl, ocsp }

    var crls: [Data] = []
    var responses: [Data] = []
    var certificates: [Certificate] = []
    /// Certificates whose status this evidence answers (by SHA-256 fingerprint).
    var coveredCertificates: Set<Data> = []

    var attributes: [CMSAttribute] {
        [CAdESEvidence.certValues(certificates), CAdESEvidence.revocationValues(crls: crls, basicOCSPResponses: responses)]
    }

    func merging(_ other: RevocationEvidence) -> RevocationEvidence {
        var merged = self
        merged.crls += other.crls.filter { !crls.contains($0) }
        merged.responses += other.responses
        merged.certificates += other.certificates.filter { !certificates.contains($0) }
        merged.coveredCertificates.formUnion(other.coveredCertificates)
        return merged
    }

    /// With `crlFiles`, those CRLs are the evidence (nothing is downloaded for CRLs).
    static func gather(
        for path: [Certificate], pool: [Certificate], mode: Mode, crlFiles: [Data], skipping covered: Set<Data> = []
    ) throws -> RevocationEvidence {
        var evidence = RevocationEvidence(crls: crlFiles, certificates: path)
        var needCRL: [Certificate] = []
        for certificate in path where !certificate.isSelfIssued && !covered.contains(certificate.sha256Fingerprint) {
            evidence.coveredCertificates.insert(certificate.sha256Fingerprint)
            let issuer = pool.first { $0 != certificate && certificate.isIssued(by: $0) }
            if mode == .ocsp, let issuer, let url = certificate.ocspURLs.first {
                let response = try OCSPClient.fetch(certificate: certificate, issuer: issuer, url: url)
                evidence.responses.append(response)
                evidence.certificates += (try? OCSPResponse(basicResponse: response))?.certificates ?? []
            } else {
                needCRL.append(certificate)
            }
        }
        if crlFiles.isEmpty {
            var fetched = Set<String>()
            for certificate in needCRL {
                for url in certificate.crlDistributionURLs.prefix(1) where fetched.insert(url).inserted {
                    evidence.crls.append(try HTTPTransport.get(url))
                }
            }
        }
        if covered.isEmpty, evidence.crls.isEmpty, evidence.responses.isEmpty {
            throw CLIFailure(
                message: "no revocation evidence to embed: the certificates name no CRL distribution point or OCSP responder; pass --crl",
                code: ExitStatus.usage)
        }
        return evidence
    }
}
