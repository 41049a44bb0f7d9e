import EDSCrypto
import Foundation

/// What a SignerInfo carries for long-term validation (CAdES-LT).
struct EmbeddedEvidence {
    let certificates: [Certificate]
    let crls: [Data]
    let basicOCSPResponses: [Data]

    /// `signedDataCertificates`: already parsed; certValues repeating them are not parsed again.
    init(signer: CMSSignerInfo, signedDataCertificates: [Certificate]) {
        certificates = signer.unsignedAttribute(CMSAttribute.OID.certValues)?.values.flatMap {
            CAdESEvidence.certificates(fromCertValues: $0, reusing: signedDataCertificates)
        } ?? []
        var crls: [Data] = []
        var responses: [Data] = []
        for value in signer.unsignedAttribute(CMSAttribute.OID.revocationValues)?.values ?? [] {
            let parsed = CAdESEvidence.revocationValues(value)
            crls += parsed.crls
            responses += parsed.basicOCSPResponses
        }
        self.crls = crls
        self.basicOCSPResponses = responses
    }
}

/// Where fresh revocation data comes from when the verifier is online (CRL distribution points, OCSP).
public protocol RevocationSource: Sendable {
    /// A CRL downloaded from `url`, DER or PEM.
    func fetchCRL(from url: String) throws -> Data
    /// A BasicOCSPResponse DER for `certificate` from the responder at `url`.
    func fetchOCSP(certificate: Certificate, issuer: Certificate, url: String) throws -> Data
}

/// Fetches revocation data over HTTP (CRL distribution points).
public struct NetworkRevocationSource: RevocationSource {
    public init() {}

    /// Kept in `CRLDownloadCache.shared` until the CRL's nextUpdate.
    public func fetchCRL(from url: String) throws -> Data {
        try CRLDownloadCache.shared.crl(from: url) { try HTTPTransport.get($0) }
    }

    public func fetchOCSP(certificate: Certificate, issuer: Certificate, url: String) throws -> Data {
        try OCSPClient.fetch(certificate: certificate, issuer: issuer, url: url)
    }
}
