import EDSCrypto
import Foundation

/// A certificate validated alone, without a signature (`edsvault verify --certificate`): what NCANode's x509 check and
/// `openssl verify` answer, and what an HR officer asks of an employee's certificate before onboarding.
///
/// At the validation time (`policy.validationTime`, default now): the path to the verifier's trust anchors
/// (`ChainValidator.buildPath`, the same path building and constraints as for a signer), the key usage's consistency
/// (RFC 5280 § 4.2.1.3) and what the key is for, each path certificate's validity, revocation of each path
/// certificate with the same evidence rules as for signatures (`RevocationSources`/`RevocationEvaluation`: CRLs
/// the verifier gives, and online OCSP and distribution points), and the algorithm policy.
///
/// The validation time is the moment asked about, not a claim to be proven: a certificate expired, not yet valid or
/// revoked at that moment is TOTAL_FAILED (EXPIRED, NOT_YET_VALID, REVOKED), a revocation after it is a warning.
/// Certificate-policy inputs (user-initial-policy-set, explicit policy, mapping and anyPolicy inhibition) belong to
/// `ValidationPolicy` and path building: this validator passes the policy as it is and reports the leaf's policies.
public struct CertificateValidator: Sendable {
    public let policy: ValidationPolicy

    public init(policy: ValidationPolicy) { self.policy = policy }

    /// `intermediates`: CA certificates the path may use (untrusted; the anchors come from the policy).
    public func validate(certificate: Certificate, intermediates: [Certificate] = []) -> CertificateValidationReport {
        let validationTime = policy.validationTime ?? Date()
        var checks: [Check] = []
        var findings: [(indication: Indication, subIndication: SubIndication, detail: String)] = []
        var warnings: [DetailMessage] = []
        func record(_ check: Check, _ failure: (Indication, SubIndication)? = nil) {
            checks.append(check)
            if !check.passed, let failure { findings.append((failure.0, failure.1, "\(check.name): \(check.detail)")) }
        }
        func record(_ name: String, passed: Bool, _ detail: DetailMessage, _ failure: (Indication, SubIndication)? = nil) {
            record(Check(name: name, passed: passed, detail), failure)
        }

        let facts = SignerCertificateFacts.of(certificate)
        warnings += facts.profileWarnings

        // The path to a trust anchor the verifier chose, and its certificate policies (RFC 5280 § 6.1).
        let built = PathCheck.evaluate(certificate, intermediates: intermediates, policy: policy)
        let path = built.path
        for check in built.checks { record(check.check, check.failure) }

        let keyUsage = Self.keyUsage(of: certificate, facts: facts)
        record(keyUsage.0, keyUsage.1)

        // Validity of every certificate of the path at the validation time, the trust anchor included (an expired
        // root vouches for nothing, as OpenSSL and x509-limbo's rfc5280::validity::expired-root hold).
        let pathCertificates: ArraySlice<Certificate> = path?.certificates[...] ?? [certificate][...]
        let moment = DetailMessage.Argument.message(DetailMessage(.momentValidationTime, .text(ISO8601.string(validationTime))))
        var allValid = true
        for (depth, issued) in pathCertificates.enumerated() {
            let who: DetailMessage.Argument =
                depth == 0 ? .message(DetailMessage(.whoCertificate)) : DetailMessage.who(depth: depth, name: issued.subject.commonName ?? "?")
            if validationTime > issued.notAfter {
                record("validity", passed: false, DetailMessage(.expired, who, .text(ISO8601.string(issued.notAfter)), moment), (.totalFailed, .expired))
                allValid = false
                break
            }
            if validationTime < issued.notBefore {
                record(
                    "validity", passed: false, DetailMessage(.notYetValid, who, .text(ISO8601.string(issued.notBefore)), moment),
                    (.totalFailed, .notYetValid))
                allValid = false
                break
            }
        }
        if allValid { record("validity", passed: true, DetailMessage(.pathValid, moment)) }

        // Revocation at the validation time, from the same sources and by the same rules as a signer's path. The
        // moment needs no proof of existence: it is the one asked about, so a revocation before it is final.
        var revocationSummary: RevocationSummary?
        if let path {
            let sources = RevocationSources(certificates: intermediates, policy: policy)
            let revocation = RevocationEvaluation(path: path, sources: sources, signingMoment: validationTime, proofOfExistence: true).run()
            revocationSummary = revocation.leafSummary
            warnings += revocation.warnings
            for check in revocation.checks { record(Self.aboutTheCertificate(check.check), check.failure) }
        }

        let algorithms = Self.algorithms(path: pathCertificates, facts: facts, minimumRSABits: policy.minimumRSABits)
        record(algorithms.0, algorithms.1)

        let (indication, subIndication) = Indication.verdict(findings, indication: \.indication, subIndication: \.subIndication)
        var report = CertificateValidationReport(
            indication: indication, subIndication: subIndication, validationTime: validationTime, subject: facts.identity,
            certificate: facts.summary, path: path?.certificates.map(CertificateSummary.init) ?? [], revocation: revocationSummary,
            checks: checks, errors: findings.map(\.detail), warnings: [])
        for warning in warnings {
            report.warnings.append(warning.english)
            report.warningMessages[warning.english] = warning
        }
        return report
    }

    /// `check` with "the certificate" where RevocationEvaluation, written for signatures, says "the signer certificate".
    static func aboutTheCertificate(_ check: Check) -> Check {
        func rewrite(_ message: DetailMessage) -> DetailMessage {
            if message.key == .whoSigner { return DetailMessage(.whoCertificate) }
            return DetailMessage(message.key, arguments: message.arguments.map { argument in
                switch argument {
                case .message(let inner): .message(rewrite(inner))
                case .list(let messages): .list(messages.map(rewrite))
                case .text, .foreign: argument
                }
            })
        }
        guard let message = check.message else { return check }
        return Check(name: check.name, passed: check.passed, rewrite(message))
    }

    /// RFC 5280 § 4.2.1.3: a keyUsage extension asserts at least one bit, and keyCertSign only in a CA certificate.
    /// Otherwise the check says what the key is for: a CA's, a document signer's, or an authentication key (which
    /// `verify --signature` refuses as a signer; here it is what the certificate is, not a fault).
    static func keyUsage(of certificate: Certificate, facts: SignerCertificateFacts) -> (Check, (Indication, SubIndication)?) {
        let usage = certificate.keyUsage
        if certificate.hasKeyUsageExtension && usage.isEmpty {
            return (Check(name: "keyUsage", passed: false, DetailMessage(.certificateKeyUsageEmpty)), (.indeterminate, .chainConstraintsFailure))
        }
        if usage.contains(.keyCertSign) && !certificate.isCertificateAuthority {
            return (
                Check(name: "keyUsage", passed: false, DetailMessage(.certificateKeyCertSignWithoutCA)), (.indeterminate, .chainConstraintsFailure)
            )
        }
        if certificate.isCertificateAuthority && usage.contains(.keyCertSign) {
            return (Check(name: "keyUsage", passed: true, DetailMessage(.certificateIsCA, .text(usage.map(\.rawValue).joined(separator: ", ")))), nil)
        }
        let purpose = facts.keyUsage.check
        return (Check(name: "keyUsage", passed: true, purpose.message ?? DetailMessage(.verbatim, .text(purpose.detail))), nil)
    }

    /// The algorithm policy of signatures (DESIGN.md check 4): RSA keys of at least `minimumRSABits`, and no path
    /// certificate signed with MD5 or SHA-1 (self-issued ones aside: their signature is not what the path relies on).
    static func algorithms(
        path: ArraySlice<Certificate>, facts: SignerCertificateFacts, minimumRSABits: Int
    ) -> (Check, (Indication, SubIndication)?) {
        let failure: (Indication, SubIndication) = (.indeterminate, .cryptoConstraintsFailure)
        let key = facts.publicKey
        if key.algorithm == "RSA" && key.bits < minimumRSABits {
            return (Check(name: "algorithms", passed: false, DetailMessage(.rsaTooShort, "\(key.bits)", "\(minimumRSABits)")), failure)
        }
        for issued in path where !issued.isSelfIssued && issued.isSignedWithRetiredDigest {
            let detail = DetailMessage(.weakCertificateSignature, .text(issued.serialNumberHex), .text(issued.signatureAlgorithm))
            return (Check(name: "algorithms", passed: false, detail), failure)
        }
        let signedWith = path.first?.signatureAlgorithm ?? "?"
        return (Check(name: "algorithms", passed: true, DetailMessage(.algorithmsAcceptable, .text(signedWith), .text(facts.publicKeySummary))), nil)
    }
}

extension DetailMessage {
    /// The same phrase with other arguments.
    init(_ key: Key, arguments: [Argument]) {
        self.key = key
        self.arguments = arguments
    }
}
