import EDSCrypto
import Foundation

/// What the verifier decided to trust and when to validate: the inputs that are not in the signature.
public struct ValidationPolicy: Sendable {
    /// Trust anchors; any may be an intermediate CA (partial chain).
    public var trustAnchors: [Certificate]
    /// CRLs the verifier supplies (`--crl`), in addition to what the signature carries.
    public var crls: [CertificateRevocationList]
    /// The validation time (`--at`); nil means now.
    public var validationTime: Date?
    /// No network: only what the signature carries and what the verifier supplied.
    public var offline: Bool
    /// Fetches OCSP responses and CRLs when not offline; nil disables fetching.
    public var revocationSource: (any RevocationSource)?
    public var minimumRSABits: Int

    public init(
        trustAnchors: [Certificate], crls: [CertificateRevocationList] = [], validationTime: Date? = nil, offline: Bool = false,
        revocationSource: (any RevocationSource)? = nil, minimumRSABits: Int = 2048
    ) {
        self.trustAnchors = trustAnchors
        self.crls = crls
        self.validationTime = validationTime
        self.offline = offline
        self.revocationSource = revocationSource
        self.minimumRSABits = minimumRSABits
    }
}

/// Law 370-II Art. 10 checks mapped to ETSI EN 319 102-1: each SignerInfo judged on its own.
public struct SignatureValidator: Sendable {
    public let policy: ValidationPolicy

    public init(policy: ValidationPolicy) { self.policy = policy }

    /// Validates every signer of `signature` over `document` (or the encapsulated content when attached).
    /// Throws only when the input is not a readable CMS or the document cannot be read.
    public func validate(signature: Data, document: DocumentSource?) throws -> ValidationReport {
        let signedData = try CMSSignedData(signature)
        return try validate(signedData, document: document)
    }

    public func validate(_ signedData: CMSSignedData, document: DocumentSource?) throws -> ValidationReport {
        let validationTime = policy.validationTime ?? Date()
        let signers = signedData.signers
        let content: DocumentSource? = document ?? signedData.encapsulatedContent.map { .bytes($0) }
        var digests: [DigestAlgorithm: Data] = [:]
        var summary: DocumentSummary?
        if let content {
            let algorithms = Set(signers.compactMap(\.digestAlgorithm)).union([.sha256])
            let hashed = try content.digests(algorithms)
            digests = hashed.digests
            summary = DocumentSummary(sha256: hashed.digests[.sha256]?.hexString ?? "", size: hashed.size)
        }
        let reports = signers.map { signer in
            SignerValidation(
                signedData: signedData, signer: signer, contentDigests: content == nil ? nil : digests,
                validationTime: validationTime, policy: policy
            ).run()
        }
        return ValidationReport(validationTime: validationTime, document: summary, signatures: reports)
    }
}

/// The checks for one SignerInfo; collects findings and picks the indication the most serious one gives.
struct SignerValidation {
    let signedData: CMSSignedData
    let signer: CMSSignerInfo
    /// nil when no document was supplied for a detached signature.
    let contentDigests: [DigestAlgorithm: Data]?
    let validationTime: Date
    let policy: ValidationPolicy

    private struct Finding {
        let indication: Indication
        let subIndication: SubIndication
        let detail: String
    }

    func run() -> SignatureReport {
        var checks: [Check] = []
        var findings: [Finding] = []
        var warnings: [String] = []
        var report = SignatureReport(
            indication: .indeterminate, subIndication: nil, signer: nil, certificate: nil, signingTime: signer.signingTime,
            timestamp: nil, revocation: nil, digestAlgorithm: signer.digestAlgorithmName,
            signatureAlgorithm: signer.signatureAlgorithmName, checks: [], errors: [], warnings: [])

        func record(_ name: String, passed: Bool, _ detail: String, _ failure: (Indication, SubIndication)? = nil) {
            checks.append(Check(name: name, passed: passed, detail: detail))
            if !passed, let failure { findings.append(Finding(indication: failure.0, subIndication: failure.1, detail: "\(name): \(detail)")) }
        }

        // Which certificate signed: the SignerInfo's identifier, confirmed by the ESS signing-certificate attribute.
        // Parsed once: certificate parsing dominates validation time on OpenSSL 3.0.
        let signedDataCertificates = signedData.certificates
        let embedded = EmbeddedEvidence(signer: signer, signedDataCertificates: signedDataCertificates)
        let extraCertificates = policy.trustAnchors + embedded.certificates
        guard let certificate = signedData.signerCertificate(for: signer, extra: extraCertificates) else {
            record(
                "signerCertificate", passed: false, "no certificate in the signature or the trust anchors matches \(signer.identifier)",
                (.indeterminate, .noSigningCertificateFound))
            return finish(report, checks: checks, findings: findings, warnings: warnings)
        }
        let identity = KazakhIdentity(certificate: certificate)
        report.signer = identity
        report.certificate = CertificateSummary(certificate)
        warnings += identity.profileWarnings
        let references = signer.signingCertificateReferences
        if references.isEmpty {
            record("signerCertificate", passed: true, "found by issuer and serial number \(certificate.serialNumberHex)")
            if signer.hasSignedAttributes {
                warnings.append("no ESS signingCertificateV2 attribute: the signer certificate is not bound into the signature (not CAdES-BES)")
            }
        } else if references[0].matches(certificate) {
            record("signerCertificate", passed: true, "certificate \(certificate.serialNumberHex) is bound by the ESS signing-certificate attribute")
        } else {
            record(
                "signerCertificate", passed: false, "the ESS signing-certificate attribute names a different certificate",
                (.indeterminate, .noSigningCertificateFound))
        }

        // 1. Authenticity: the signature value verifies with the certificate's public key.
        let contentDigest = signer.digestAlgorithm.flatMap { contentDigests?[$0] }
        var algorithmUnsupported = false
        switch signedData.verifySignatureValue(of: signer, with: certificate, contentDigest: contentDigest) {
        case .valid:
            record("authenticity", passed: true, "the signature value verifies with the public key of certificate \(certificate.serialNumberHex)")
        case .invalid(let reason):
            record("authenticity", passed: false, reason, (.totalFailed, .sigCryptoFailure))
        case .unsupported(let reason):
            algorithmUnsupported = true
            record("authenticity", passed: false, "unsupported algorithm: \(reason)", (.indeterminate, .formatFailure))
        }

        // 1b. Integrity: the messageDigest attribute equals the document's digest.
        if !algorithmUnsupported {
            checkIntegrity(contentDigest: contentDigest, record: record)
        }

        // The signing moment: a timestamp's genTime is evidence; signingTime is only the signer's claim.
        let timestamp = TimestampEvidence.evaluate(
            signer: signer, embedded: embedded, signedDataCertificates: signedDataCertificates, policy: policy)
        var signingMoment = validationTime
        var hasProofOfExistence = false
        if let timestamp {
            for check in timestamp.checks { record(check.name, passed: check.passed, check.detail, check.passed ? nil : timestamp.failure) }
            if let verified = timestamp.summary, timestamp.isValid {
                report.timestamp = verified
                signingMoment = verified.genTime
                hasProofOfExistence = true
            }
            warnings += timestamp.warnings
        }
        if let claim = signer.signingTime, hasProofOfExistence, let genTime = report.timestamp?.genTime, claim > genTime.addingTimeInterval(300) {
            warnings.append("the signingTime claim \(ISO8601.string(claim)) is later than the timestamp \(ISO8601.string(genTime))")
        }

        // 2. The certificate chains to a trust anchor the verifier chose.
        let intermediates = signedDataCertificates + embedded.certificates
        var path: CertificationPath?
        switch ChainValidator.buildPath(for: certificate, intermediates: intermediates, anchors: policy.trustAnchors) {
        case .success(let built):
            path = built
            let anchor = built.anchor.map { $0.subject.commonName ?? $0.subject.description } ?? "?"
            record("chain", passed: true, "\(built.certificates.count) certificate(s) up to the trust anchor \"\(anchor)\"")
        case .failure(let failure):
            let subIndication: SubIndication =
                switch failure.kind {
                case .noPathToTrustAnchor: .noCertificateChainFound
                case .constraintsViolated: .chainConstraintsFailure
                case .invalidCertificate: .certificateChainGeneralFailure
                }
            let detail = failure.kind == .noPathToTrustAnchor
                ? "no path to a trusted certification centre: \(failure.detail) (certificate at depth \(failure.depth))"
                : "\(failure.detail) (certificate at depth \(failure.depth))"
            record("chain", passed: false, detail, (.indeterminate, subIndication))
        }

        // 3. Used within its scope: key usage for document signing, validity and revocation at the signing moment.
        checkKeyUsage(certificate, record: record)
        let pathCertificates = path.map { Array($0.certificates.dropLast()) } ?? [certificate]
        checkValidity(pathCertificates, at: signingMoment, proofOfExistence: hasProofOfExistence, record: record)
        if let path {
            let revocation = RevocationEvaluation(
                path: path, signedData: signedData, signedDataCertificates: signedDataCertificates, embedded: embedded, signingMoment: signingMoment,
                proofOfExistence: hasProofOfExistence, policy: policy
            ).run()
            report.revocation = revocation.leafSummary
            warnings += revocation.warnings
            for check in revocation.checks {
                record(check.check.name, passed: check.check.passed, check.check.detail, check.failure)
            }
        }

        // 4. Acceptable algorithms.
        checkAlgorithms(certificate: certificate, path: pathCertificates, proofOfExistence: hasProofOfExistence, record: record)

        return finish(report, checks: checks, findings: findings, warnings: warnings)
    }

    private func checkIntegrity(contentDigest: Data?, record: (String, Bool, String, (Indication, SubIndication)?) -> Void) {
        guard signer.hasSignedAttributes else {
            if contentDigests == nil {
                record("integrity", false, "the signature is detached and no document was given", (.indeterminate, .signedDataNotFound))
            } else {
                record("integrity", true, "no signed attributes: the signature value itself covers the document digest", nil)
            }
            return
        }
        guard let claimed = signer.messageDigest else {
            record("integrity", false, "the signed attributes carry no messageDigest", (.totalFailed, .formatFailure))
            return
        }
        guard contentDigests != nil else {
            record("integrity", false, "the signature is detached and no document was given", (.indeterminate, .signedDataNotFound))
            return
        }
        guard let contentDigest else {
            record("integrity", false, "digest algorithm \(signer.digestAlgorithmName) is not supported", (.indeterminate, .formatFailure))
            return
        }
        if claimed == contentDigest {
            record("integrity", true, "the document's \(signer.digestAlgorithmName) digest matches the signed messageDigest", nil)
        } else {
            record(
                "integrity", false,
                "the document was changed: its \(signer.digestAlgorithmName) digest \(contentDigest.hexString.prefix(16))… differs from the signed \(claimed.hexString.prefix(16))…",
                (.totalFailed, .hashFailure))
        }
        if let contentType = signer.contentTypeAttribute, contentType != signedData.contentTypeOID {
            record("integrity", false, "the contentType attribute (\(contentType)) differs from the encapsulated content type", (.totalFailed, .formatFailure))
        }
    }

    private func checkKeyUsage(_ certificate: Certificate, record: (String, Bool, String, (Indication, SubIndication)?) -> Void) {
        let usage = certificate.keyUsage
        let extended = certificate.extendedKeyUsage
        if certificate.hasKeyUsageExtension && !usage.contains(.nonRepudiation) && !usage.contains(.digitalSignature) {
            record("keyUsage", false, "key usage \(usage.map(\.rawValue)) does not allow signatures", (.indeterminate, .sigConstraintsFailure))
            return
        }
        let isAuthenticationKey =
            (extended.contains(ExtendedKeyUsageOID.clientAuth) && !extended.contains(ExtendedKeyUsageOID.emailProtection))
            || (certificate.hasKeyUsageExtension && !usage.contains(.nonRepudiation) && usage.contains(.keyEncipherment))
        if isAuthenticationKey {
            record(
                "keyUsage", false, "this is an authentication (AUTH) key: it may log in, it may not sign documents",
                (.indeterminate, .sigConstraintsFailure))
            return
        }
        if !extended.isEmpty && !extended.contains(ExtendedKeyUsageOID.emailProtection) && !extended.contains("2.5.29.37.0")
            && extended.allSatisfy({ SignerRole(oid: $0) == nil })
        {
            record("keyUsage", false, "extended key usage \(extended) does not include document signing", (.indeterminate, .sigConstraintsFailure))
            return
        }
        let shown = usage.isEmpty ? "no keyUsage extension" : usage.map(\.rawValue).joined(separator: ", ")
        record("keyUsage", true, "signing key (\(shown))", nil)
    }

    private func checkValidity(
        _ certificates: [Certificate], at moment: Date, proofOfExistence: Bool, record: (String, Bool, String, (Indication, SubIndication)?) -> Void
    ) {
        let momentText = "\(proofOfExistence ? "timestamped signing moment" : "validation time") \(ISO8601.string(moment))"
        for (depth, certificate) in certificates.enumerated() {
            let who = depth == 0 ? "the signer certificate" : "CA certificate \"\(certificate.subject.commonName ?? "?")\""
            if moment > certificate.notAfter {
                record(
                    "validityAtSigningMoment", false, "\(who) expired on \(ISO8601.string(certificate.notAfter)), before the \(momentText)",
                    proofOfExistence ? (.totalFailed, .expired) : (.indeterminate, .outOfBoundsNoPOE))
                return
            }
            if moment < certificate.notBefore {
                record(
                    "validityAtSigningMoment", false, "\(who) is valid only from \(ISO8601.string(certificate.notBefore)), after the \(momentText)",
                    proofOfExistence ? (.totalFailed, .notYetValid) : (.indeterminate, .notYetValid))
                return
            }
        }
        record("validityAtSigningMoment", true, "every certificate in the path was valid at the \(momentText)", nil)
    }

    private func checkAlgorithms(
        certificate: Certificate, path: [Certificate], proofOfExistence: Bool, record: (String, Bool, String, (Indication, SubIndication)?) -> Void
    ) {
        let failure: (Indication, SubIndication) = (.indeterminate, proofOfExistence ? .cryptoConstraintsFailure : .cryptoConstraintsFailureNoPOE)
        if let digest = signer.digestAlgorithm, digest.isBroken {
            record("algorithms", false, "\(digest.rawValue) is no longer an acceptable digest for signatures", failure)
            return
        }
        let key = certificate.publicKey
        if key.algorithm == "RSA" && key.bits < policy.minimumRSABits {
            record("algorithms", false, "RSA-\(key.bits) key is shorter than the required \(policy.minimumRSABits) bits", failure)
            return
        }
        for issued in path where !issued.isSelfIssued {
            let name = issued.signatureAlgorithm.lowercased()
            if name.contains("md5") || name.contains("sha1") {
                record("algorithms", false, "certificate \(issued.serialNumberHex) is signed with \(issued.signatureAlgorithm)", failure)
                return
            }
        }
        record("algorithms", true, "\(signer.digestAlgorithmName) with \(key.summary)", nil)
    }

    private func finish(_ report: SignatureReport, checks: [Check], findings: [Finding], warnings: [String]) -> SignatureReport {
        var report = report
        report.checks = checks
        report.warnings = warnings
        report.errors = findings.map(\.detail)
        if let failed = findings.first(where: { $0.indication == .totalFailed }) {
            report.indication = .totalFailed
            report.subIndication = failed.subIndication
        } else if let open = findings.first {
            report.indication = .indeterminate
            report.subIndication = open.subIndication
        } else {
            report.indication = .totalPassed
            report.subIndication = nil
        }
        return report
    }
}

enum ISO8601 {
    static func string(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
