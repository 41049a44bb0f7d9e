import EDSCrypto

/// What a report says about a signer's certificate that depends on the certificate alone: computed once per
/// certificate (`Certificate.derived`), since the same employees' certificates come back signature after signature.
/// A class: handing it to a validation retains it once, not each of the dozens of strings it holds.
final class SignerCertificateFacts: Sendable {
    let identity: KazakhIdentity
    let summary: CertificateSummary
    /// The Kazakh profile's warnings (IIN/BIN checksums, a missing IIN).
    let profileWarnings: [DetailMessage]

    init(identity: KazakhIdentity, summary: CertificateSummary, profileWarnings: [DetailMessage]) {
        self.identity = identity
        self.summary = summary
        self.profileWarnings = profileWarnings
    }

    static func of(_ certificate: Certificate) -> SignerCertificateFacts {
        certificate.derived(SignerCertificateFacts.self) { certificate in
            let identity = KazakhIdentity(certificate: certificate)
            return SignerCertificateFacts(identity: identity, summary: CertificateSummary(certificate), profileWarnings: identity.profileWarningMessages)
        }
    }
}

/// Whether a certificate's issuer signed it with MD5 or SHA-1 (ETSI TS 119 312 retires both for signatures).
struct CertificateSignatureStrength: Sendable {
    let isWeak: Bool

    static func of(_ certificate: Certificate) -> CertificateSignatureStrength {
        certificate.derived(CertificateSignatureStrength.self) { certificate in
            let name = certificate.signatureAlgorithm.lowercased()
            return CertificateSignatureStrength(isWeak: name.contains("md5") || name.contains("sha1"))
        }
    }
}
