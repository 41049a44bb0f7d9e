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
    /// Evidence records checked over each signature's value (keyed by the SignerInfo's signature value): a signature
    /// without a valid timestamp of its own is judged at the moment its record proves it existed.
    public var evidenceRecords: [Data: EvidenceRecordResult]
    /// Signature verdicts remembered between validations (chain, CRL and OCSP signatures); bounded and thread-safe.
    /// The process-wide default unless the caller (a CLI run, the service, a vault) keeps its own.
    public var context: VerificationContext = .shared
    /// The certificate-policy inputs of path validation (RFC 5280 § 6.1.1): the policies the verifier accepts
    /// (default anyPolicy) and the initial explicit-policy, policy-mapping-inhibit and any-policy-inhibit settings.
    public var certificatePolicies: CertificatePolicyInputs = .default
    /// The RFC 5280 certificate-profile rules paths are held to (`CertificateProfile`): the standard ones, or also
    /// the criticality rules of x509-limbo and `openssl verify -x509_strict` (`verify --strict-profile`).
    public var certificateProfile: CertificateProfile.Rules = .standard

    public init(
        trustAnchors: [Certificate], crls: [CertificateRevocationList] = [], validationTime: Date? = nil, offline: Bool = false,
        revocationSource: (any RevocationSource)? = nil, minimumRSABits: Int = 2048,
        evidenceRecords: [Data: EvidenceRecordResult] = [:]
    ) {
        self.trustAnchors = trustAnchors
        self.crls = crls
        self.validationTime = validationTime
        self.offline = offline
        self.revocationSource = revocationSource
        self.minimumRSABits = minimumRSABits
        self.evidenceRecords = evidenceRecords
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
            var algorithms: Set<DigestAlgorithm> = [.sha256]
            for signer in signers { if let algorithm = signer.digestAlgorithm { algorithms.insert(algorithm) } }
            let hashed = try content.digests(algorithms)
            digests = hashed.digests
            summary = DocumentSummary(sha256: hashed.digests[.sha256]?.hexString ?? "", size: hashed.size)
        }
        let reports = signers.map { signer in
            SignerValidation(signedData: signedData, signer: signer, contentDigests: content == nil ? nil : digests, validationTime: validationTime)
                .run(policy: policy)
        }
        return ValidationReport(validationTime: validationTime, document: summary, signatures: reports)
    }
}

/// The checks for one SignerInfo; collects findings and picks the indication the most serious one gives.
///
/// The policy is borrowed by `run`, not held: a copy of it retains each of its arrays, which every thread validating
/// against the same policy shares.
struct SignerValidation {
    let signedData: CMSSignedData
    let signer: CMSSignerInfo
    /// nil when no document was supplied for a detached signature.
    let contentDigests: [DigestAlgorithm: Data]?
    let validationTime: Date
    /// Read from the SignerInfo once: each read decodes the attribute, or looks the OID up, again.
    let signingTime: Date?
    let digestAlgorithmName: String

    init(signedData: CMSSignedData, signer: CMSSignerInfo, contentDigests: [DigestAlgorithm: Data]?, validationTime: Date) {
        self.signedData = signedData
        self.signer = signer
        self.contentDigests = contentDigests
        self.validationTime = validationTime
        signingTime = signer.signingTime
        digestAlgorithmName = signer.digestAlgorithmName
    }

    private struct Finding {
        let indication: Indication
        let subIndication: SubIndication
        let detail: String
    }

    /// Records one check: its name, outcome and detail, and what a failure means for the signature.
    typealias Recorder = (_ name: String, _ passed: Bool, _ detail: DetailMessage, _ failure: (Indication, SubIndication)?) -> Void

    func run(policy: ValidationPolicy) -> SignatureReport {
        var checks: [Check] = []
        // A plain signature makes nine checks: one allocation rather than five as the array grows.
        checks.reserveCapacity(12)
        var findings: [Finding] = []
        var warnings: [DetailMessage] = []
        // The report is made once, at the end (`finish`): a report holds dozens of strings, and each copy of it on
        // the way retains and releases every one.
        var facts: SignerCertificateFacts?
        var timestampSummary: TimestampSummary?
        var revocationSummary: RevocationSummary?
        func finish() -> SignatureReport {
            report(facts: facts, timestamp: timestampSummary, revocation: revocationSummary, checks: checks, findings: findings, warnings: warnings)
        }

        func record(_ check: Check, _ failure: (Indication, SubIndication)? = nil) {
            checks.append(check)
            if !check.passed, let failure {
                findings.append(Finding(indication: failure.0, subIndication: failure.1, detail: "\(check.name): \(check.detail)"))
            }
        }
        func record(_ name: String, passed: Bool, _ detail: DetailMessage, _ failure: (Indication, SubIndication)? = nil) {
            record(Check(name: name, passed: passed, detail), failure)
        }

        // The signature file as a structure: exactly one object, each single-valued attribute once with one value.
        checkFormat(record: record)

        // Which certificate signed: the SignerInfo's identifier, confirmed by the ESS signing-certificate attribute.
        // Parsed once: certificate parsing dominates validation time on OpenSSL 3.0.
        let signedDataCertificates = signedData.certificates
        let embedded = EmbeddedEvidence(signer: signer, signedDataCertificates: signedDataCertificates)
        // The SignedData's own certificates first (where a signer's nearly always is), the same order as searching
        // them and the extra ones together, without building that array on every validation.
        guard
            let certificate = signedData.signerCertificate(for: signer)
                ?? signedData.signerCertificate(for: signer, extra: policy.trustAnchors + embedded.certificates)
        else {
            let identifier: DetailMessage =
                switch signer.identifier {
                case .issuerAndSerialNumber(let issuer, let serial): DetailMessage(.identifierIssuerSerial, "\(issuer)", .text(serial))
                case .subjectKeyIdentifier(let identifier): DetailMessage(.identifierKeyIdentifier, .text(identifier.hexString))
                }
            record("signerCertificate", passed: false, DetailMessage(.signerCertificateNotFound, .message(identifier)), (.indeterminate, .noSigningCertificateFound))
            return finish()
        }
        let certificateFacts = SignerCertificateFacts.of(certificate)
        warnings += certificateFacts.profileWarnings
        facts = certificateFacts
        let references = signer.signingCertificateReferences
        if references.isEmpty {
            record("signerCertificate", passed: true, DetailMessage(.signerCertificateByIssuerSerial, .text(certificate.serialNumberHex)))
            if signer.hasSignedAttributes { warnings.append(DetailMessage(.warningNoESS)) }
        } else if references[0].matches(certificate) {
            record("signerCertificate", passed: true, DetailMessage(.signerCertificateBoundByESS, .text(certificate.serialNumberHex)))
        } else {
            record("signerCertificate", passed: false, DetailMessage(.signerCertificateESSMismatch), (.indeterminate, .noSigningCertificateFound))
        }

        // 1. Authenticity: the signature value verifies with the certificate's public key.
        let contentDigest = signer.digestAlgorithm.flatMap { contentDigests?[$0] }
        var algorithmUnsupported = false
        switch signedData.verifySignatureValue(of: signer, with: certificate, contentDigest: contentDigest) {
        case .valid:
            record("authenticity", passed: true, DetailMessage(.authenticityValid, .text(certificate.serialNumberHex)))
        case .invalid(let reason):
            record("authenticity", passed: false, DetailMessage(.verbatim, DetailMessage.signatureProblem(reason)), (.totalFailed, .sigCryptoFailure))
        case .unsupported(let reason):
            algorithmUnsupported = true
            record("authenticity", passed: false, DetailMessage(.unsupportedAlgorithm, DetailMessage.signatureProblem(reason)), (.indeterminate, .formatFailure))
        }

        // 1b. Integrity: the messageDigest attribute equals the document's digest.
        if !algorithmUnsupported {
            checkIntegrity(contentDigest: contentDigest, record: record)
        }

        // The signing moment: a timestamp's genTime is evidence; signingTime is only the signer's claim.
        let revocationSources = RevocationSources(
            signedData: signedData, signedDataCertificates: signedDataCertificates, embedded: embedded, policy: policy)
        let timestamp = TimestampEvidence.evaluate(
            signer: signer, embedded: embedded, signedDataCertificates: signedDataCertificates, revocation: revocationSources, policy: policy)
        var signingMoment = validationTime
        var hasProofOfExistence = false
        if let timestamp {
            for check in timestamp.checks { record(check, check.passed ? nil : timestamp.failure) }
            if let verified = timestamp.summary, timestamp.isValid {
                timestampSummary = verified
                signingMoment = verified.genTime
                hasProofOfExistence = true
            }
            warnings += timestamp.warnings
        }
        var provenByEvidenceRecord = false
        // Looked up only when there are records: the key is the whole signature value, hashed for the lookup.
        if !policy.evidenceRecords.isEmpty, let evidenceRecord = policy.evidenceRecords[signer.signatureValue] {
            if let proof = evidenceRecord.proofOfExistence, proof.time <= validationTime {
                if !hasProofOfExistence {
                    record("proofOfExistence", passed: true, proof.detail)
                    signingMoment = proof.time
                    hasProofOfExistence = true
                    provenByEvidenceRecord = true
                }
            } else if let failed = evidenceRecord.checks.first(where: { !$0.passed })?.message {
                warnings.append(failed)
            }
        }
        if let claim = signingTime, hasProofOfExistence, let genTime = timestampSummary?.genTime, claim > genTime.addingTimeInterval(300) {
            warnings.append(DetailMessage(.warningSigningTimeAfterTimestamp, .text(ISO8601.string(claim)), .text(ISO8601.string(genTime))))
        }

        // 2. The certificate chains to a trust anchor the verifier chose.
        let intermediates = signedDataCertificates + embedded.certificates
        let built = PathCheck.evaluate(certificate, intermediates: intermediates, policy: policy)
        let path = built.path
        for check in built.checks { record(check.check, check.failure) }

        // 3. Used within its scope: key usage for document signing, validity and revocation at the signing moment.
        record(certificateFacts.keyUsage.check, certificateFacts.keyUsage.failure)
        // A slice of the path (which the context shares between threads), not a new array retaining each certificate.
        // The trust anchor too: a root that had expired (or was not yet valid) at the signing moment vouches for nothing.
        let pathCertificates: ArraySlice<Certificate> = path.map { $0.certificates[...] } ?? [certificate][...]
        checkValidity(
            pathCertificates, at: signingMoment, proofOfExistence: hasProofOfExistence, byEvidenceRecord: provenByEvidenceRecord, record: record)
        if let path {
            let revocation = RevocationEvaluation(
                path: path, sources: revocationSources, signingMoment: signingMoment, proofOfExistence: hasProofOfExistence
            ).run()
            revocationSummary = revocation.leafSummary
            warnings += revocation.warnings
            for check in revocation.checks { record(check.check, check.failure) }
        }

        // 4. Acceptable algorithms.
        checkAlgorithms(
            signerFacts: certificateFacts, path: pathCertificates, proofOfExistence: hasProofOfExistence, minimumRSABits: policy.minimumRSABits,
            record: record)

        return finish()
    }

    /// Issue 10: trailing bytes and ambiguous attributes make the signature malformed, whatever its value says
    /// (INDETERMINATE / FORMAT_FAILURE, with what was found).
    private func checkFormat(record: Recorder) {
        if signedData.trailingByteCount > 0 {
            record("format", false, DetailMessage(.formatTrailingData, "\(signedData.trailingByteCount)"), (.indeterminate, .formatFailure))
        }
        for problem in signer.formatProblems {
            let detail: DetailMessage =
                switch problem {
                case .attributeValueCount(let attribute, let count): DetailMessage(.formatAttributeValueCount, .text(attribute), "\(count)")
                case .repeatedSignedAttribute(let attribute, let count):
                    DetailMessage(.formatRepeatedSignedAttribute, .text(attribute), "\(count)")
                case .signedAttributesNotDER: DetailMessage(.formatSignedAttributesNotDER)
                case .emptySignedAttributes: DetailMessage(.formatEmptySignedAttributes)
                }
            record("format", false, detail, (.indeterminate, .formatFailure))
        }
    }

    private func checkIntegrity(contentDigest: Data?, record: Recorder) {
        guard signer.hasSignedAttributes else {
            if contentDigests == nil {
                record("integrity", false, DetailMessage(.detachedWithoutDocument), (.indeterminate, .signedDataNotFound))
            } else {
                record("integrity", true, DetailMessage(.noSignedAttributes), nil)
            }
            return
        }
        guard let claimed = signer.messageDigest else {
            record("integrity", false, DetailMessage(.noMessageDigest), (.totalFailed, .formatFailure))
            return
        }
        guard contentDigests != nil else {
            record("integrity", false, DetailMessage(.detachedWithoutDocument), (.indeterminate, .signedDataNotFound))
            return
        }
        guard let contentDigest else {
            record("integrity", false, DetailMessage(.digestAlgorithmUnsupported, .text(digestAlgorithmName)), (.indeterminate, .formatFailure))
            return
        }
        if claimed == contentDigest {
            record("integrity", true, DetailMessage(.digestMatches, .text(digestAlgorithmName)), nil)
        } else {
            let detail = DetailMessage(
                .documentChanged, .text(digestAlgorithmName), "\(contentDigest.hexString.prefix(16))", "\(claimed.hexString.prefix(16))")
            record("integrity", false, detail, (.totalFailed, .hashFailure))
        }
        if let contentType = signer.contentTypeAttribute, contentType != signedData.contentTypeOID {
            record("integrity", false, DetailMessage(.contentTypeDiffers, .text(contentType)), (.totalFailed, .formatFailure))
        }
    }

    private func checkValidity(
        _ certificates: ArraySlice<Certificate>, at moment: Date, proofOfExistence: Bool, byEvidenceRecord: Bool, record: Recorder
    ) {
        let momentKey: DetailMessage.Key =
            byEvidenceRecord ? .momentProofOfExistence : proofOfExistence ? .momentTimestamped : .momentValidationTime
        let momentText = DetailMessage.Argument.message(DetailMessage(momentKey, .text(ISO8601.string(moment))))
        for (depth, certificate) in certificates.enumerated() {
            // Named only in a failure: a certificate's subject is shared by every thread validating its signatures.
            var who: DetailMessage.Argument { DetailMessage.who(depth: depth, name: certificate.subject.commonName ?? "?") }
            if moment > certificate.notAfter {
                record(
                    "validityAtSigningMoment", false, DetailMessage(.expired, who, .text(ISO8601.string(certificate.notAfter)), momentText),
                    proofOfExistence ? (.totalFailed, .expired) : (.indeterminate, .outOfBoundsNoPOE))
                return
            }
            if moment < certificate.notBefore {
                record(
                    "validityAtSigningMoment", false, DetailMessage(.notYetValid, who, .text(ISO8601.string(certificate.notBefore)), momentText),
                    proofOfExistence ? (.totalFailed, .notYetValid) : (.indeterminate, .notYetValid))
                return
            }
        }
        record("validityAtSigningMoment", true, DetailMessage(.pathValid, momentText), nil)
    }

    private func checkAlgorithms(
        signerFacts facts: SignerCertificateFacts, path: ArraySlice<Certificate>, proofOfExistence: Bool, minimumRSABits: Int, record: Recorder
    ) {
        let failure: (Indication, SubIndication) = (.indeterminate, proofOfExistence ? .cryptoConstraintsFailure : .cryptoConstraintsFailureNoPOE)
        if let digest = signer.digestAlgorithm, digest.isBroken {
            record("algorithms", false, DetailMessage(.brokenDigest, .text(digest.rawValue)), failure)
            return
        }
        let key = facts.publicKey
        if key.algorithm == "RSA" && key.bits < minimumRSABits {
            record("algorithms", false, DetailMessage(.rsaTooShort, "\(key.bits)", "\(minimumRSABits)"), failure)
            return
        }
        for issued in path where !issued.isSelfIssued {
            if issued.isSignedWithRetiredDigest {
                record("algorithms", false, DetailMessage(.weakCertificateSignature, .text(issued.serialNumberHex), .text(issued.signatureAlgorithm)), failure)
                return
            }
        }
        record("algorithms", true, DetailMessage(.algorithmsAcceptable, .text(digestAlgorithmName), .text(facts.publicKeySummary)), nil)
    }

    private func report(
        facts: SignerCertificateFacts?, timestamp: TimestampSummary?, revocation: RevocationSummary?, checks: [Check], findings: [Finding],
        warnings: [DetailMessage]
    ) -> SignatureReport {
        let (indication, subIndication) = Indication.verdict(findings, indication: \.indication, subIndication: \.subIndication)
        // Each warning rendered once, for the JSON's list and as the key of its translations.
        var english: [String] = []
        var messages: [String: DetailMessage] = [:]
        if !warnings.isEmpty {
            english.reserveCapacity(warnings.count)
            for warning in warnings {
                let text = warning.english
                english.append(text)
                messages[text] = warning
            }
        }
        // Made in one piece and returned as it is: a report holds dozens of strings, and a copy retains each.
        return SignatureReport(
            indication: indication, subIndication: subIndication, signer: facts?.identity, certificate: facts?.summary,
            signingTime: signingTime, timestamp: timestamp, revocation: revocation, digestAlgorithm: digestAlgorithmName,
            signatureAlgorithm: signer.signatureAlgorithmName, checks: checks, errors: findings.map(\.detail), warnings: english,
            warningMessages: messages)
    }
}

/// The keyUsage check depends on the certificate alone: judged, and its detail rendered, once per signer certificate
/// (`SignerCertificateFacts`).
struct KeyUsageVerdict: Sendable {
    let check: Check
    let failure: (Indication, SubIndication)?

    init(_ passed: Bool, _ detail: DetailMessage, _ failure: (Indication, SubIndication)? = nil) {
        check = Check(name: "keyUsage", passed: passed, detail)
        self.failure = failure
    }

    static func judge(_ certificate: Certificate) -> KeyUsageVerdict {
        let usage = certificate.keyUsage
        let extended = certificate.extendedKeyUsage
        if certificate.hasKeyUsageExtension && !usage.contains(.nonRepudiation) && !usage.contains(.digitalSignature) {
            return KeyUsageVerdict(false, DetailMessage(.keyUsageForbidsSignatures, "\(usage.map(\.rawValue))"), (.indeterminate, .sigConstraintsFailure))
        }
        // The 2022 single GOST key carries clientAuth and nonRepudiation: it signs as well as it authenticates.
        let isAuthenticationKey =
            (extended.contains(ExtendedKeyUsageOID.clientAuth) && !extended.contains(ExtendedKeyUsageOID.emailProtection)
                && !(certificate.hasKeyUsageExtension && usage.contains(.nonRepudiation)))
            || (certificate.hasKeyUsageExtension && !usage.contains(.nonRepudiation) && usage.contains(.keyEncipherment))
        if isAuthenticationKey {
            return KeyUsageVerdict(false, DetailMessage(.authenticationKey), (.indeterminate, .sigConstraintsFailure))
        }
        if !extended.isEmpty && !extended.contains(ExtendedKeyUsageOID.emailProtection) && !extended.contains("2.5.29.37.0")
            && extended.allSatisfy({ SignerRole(oid: $0) == nil })
        {
            return KeyUsageVerdict(false, DetailMessage(.extendedKeyUsageWithoutSigning, "\(extended)"), (.indeterminate, .sigConstraintsFailure))
        }
        let shown: DetailMessage.Argument =
            usage.isEmpty ? .message(DetailMessage(.noKeyUsageExtension)) : .text(usage.map(\.rawValue).joined(separator: ", "))
        return KeyUsageVerdict(true, DetailMessage(.signingKey, shown))
    }
}

enum ISO8601 {
    /// "2026-11-29T10:00:00Z", whole seconds rounded down: Foundation's `.iso8601` format style, which a validation
    /// calls several times (~1.6 µs each). Dates from 1900 to 9999 are formatted here from their UTC fields (the
    /// proleptic Gregorian calendar's civil date from a day count, H. Hinnant's days_from_civil inverse); others
    /// (where Foundation's calendar is Julian, or the year needs more digits) go to Foundation.
    static func string(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        guard seconds >= -2_208_988_800, seconds < 253_402_300_800 else { return date.formatted(.iso8601) }
        let total = Int(seconds)
        let (days, secondOfDay) = total.quotientAndRemainder(dividingBy: 86_400)
        let (dayCount, daySeconds) = secondOfDay < 0 ? (days - 1, secondOfDay + 86_400) : (days, secondOfDay)
        // Days since 0000-03-01 in 400-year eras of 146,097 days.
        let shifted = dayCount + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return String(unsafeUninitializedCapacity: 20) { text in
            func put(_ value: Int, at offset: Int, digits: Int) {
                var remaining = value
                for position in stride(from: offset + digits - 1, through: offset, by: -1) {
                    text[position] = 0x30 + UInt8(remaining % 10)
                    remaining /= 10
                }
            }
            put(year, at: 0, digits: 4)
            text[4] = 0x2D
            put(month, at: 5, digits: 2)
            text[7] = 0x2D
            put(day, at: 8, digits: 2)
            text[10] = 0x54
            put(daySeconds / 3600, at: 11, digits: 2)
            text[13] = 0x3A
            put(daySeconds / 60 % 60, at: 14, digits: 2)
            text[16] = 0x3A
            put(daySeconds % 60, at: 17, digits: 2)
            text[19] = 0x5A
            return 20
        }
    }
}
