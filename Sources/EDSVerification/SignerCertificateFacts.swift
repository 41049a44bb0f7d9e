import EDSCrypto

/// What a report says about a signer's certificate that depends on the certificate alone: computed once per
/// certificate (`Certificate.derived`), since the same employees' certificates come back signature after signature.
/// A class: handing it to a validation retains it once, not each of the dozens of strings it holds.
final class SignerCertificateFacts: Sendable {
    let identity: KazakhIdentity
    let summary: CertificateSummary
    /// The Kazakh profile's warnings (IIN/BIN checksums, a missing IIN).
    let profileWarnings: [DetailMessage]
    /// The keyUsage check, judged and rendered.
    let keyUsage: KeyUsageVerdict
    let publicKey: PublicKeyDescription
    /// `publicKey.summary` ("RSA 2048"), as the algorithms check names it.
    let publicKeySummary: String

    init(_ certificate: Certificate) {
        let identity = KazakhIdentity(certificate: certificate)
        let publicKey = certificate.publicKey
        self.identity = identity
        summary = CertificateSummary(certificate)
        profileWarnings = identity.profileWarningMessages
        keyUsage = KeyUsageVerdict.judge(certificate)
        self.publicKey = publicKey
        publicKeySummary = publicKey.summary
    }

    static func of(_ certificate: Certificate) -> SignerCertificateFacts {
        certificate.derived(SignerCertificateFacts.self, SignerCertificateFacts.init)
    }
}
