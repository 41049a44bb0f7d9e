import EDSCrypto
import Foundation

/// The signature timestamp (RFC 3161, CAdES-T id-aa-signatureTimeStampToken): when it holds, its genTime is the
/// signing moment (proof of existence); when it does not, it is reported and not relied on.
struct TimestampEvidence {
    var checks: [Check] = []
    /// What a failed timestamp check means for the signature: without a trustworthy timestamp there is no POE.
    var failure: (Indication, SubIndication) = (.indeterminate, .noPOE)
    var summary: TimestampSummary?
    var isValid = false
    /// The TSA's certificate once found: an archive timestamp must be renewed before it expires (RFC 4998 § 5.3).
    var tsaCertificate: Certificate?
    var warnings: [DetailMessage] = []

    /// RFC 5280 reasons that say the key itself may be in other hands: then a token's genTime proves nothing, whenever
    /// it claims to be from (RFC 3161 § 4). Other reasons (superseded, cessationOfOperation...) leave earlier tokens standing.
    static let compromiseReasons: Set<String> = ["keyCompromise", "cACompromise", "aACompromise"]

    static func evaluate(
        signer: CMSSignerInfo, embedded evidence: EmbeddedEvidence, signedDataCertificates: [Certificate], revocation: RevocationSources,
        policy: ValidationPolicy
    ) -> TimestampEvidence? {
        guard let der = signer.unsignedAttribute(CMSAttribute.OID.signatureTimeStampToken)?.values.first else { return nil }
        let embedded = evidence.certificates
        var evidence = TimestampEvidence()
        func fail(_ detail: DetailMessage) -> TimestampEvidence {
            evidence.checks.append(Check(name: "timestamp", passed: false, detail))
            return evidence
        }
        let token: TimeStampToken
        do {
            // certValues usually are SignedData.certificates' own objects: offered once.
            let more = embedded.filter { extra in !signedDataCertificates.contains { $0 === extra } }
            token = try TimeStampToken(der, reusingCertificates: signedDataCertificates + more)
        } catch {
            return fail(DetailMessage(.timestampUnreadable, "\(error)"))
        }
        guard token.covers(signer.signatureValue) else {
            return fail(DetailMessage(.timestampOverOtherData, .text(ISO8601.string(token.genTime))))
        }
        return judge(token, extraCertificates: embedded, revocation: revocation, policy: policy)
    }

    /// The token's own soundness, whatever it covers: the TSA's signature and ESS binding, a timestamping
    /// certificate valid at genTime with a path to the verifier's anchors, and that path's revocation at genTime.
    /// Signature timestamps and RFC 4998 archive timestamps are judged alike.
    static func judge(
        _ token: TimeStampToken, extraCertificates embedded: [Certificate], revocation: RevocationSources, policy: ValidationPolicy
    ) -> TimestampEvidence {
        var evidence = TimestampEvidence()
        func fail(_ detail: DetailMessage) -> TimestampEvidence {
            evidence.checks.append(Check(name: "timestamp", passed: false, detail))
            return evidence
        }
        let genTime = DetailMessage.Argument.text(ISO8601.string(token.genTime))
        guard let tokenSigner = token.signedData.signers.first else { return fail(DetailMessage(.timestampWithoutSigner)) }
        guard let tsaCertificate = token.signedData.signerCertificate(for: tokenSigner, extra: policy.trustAnchors + embedded) else {
            return fail(DetailMessage(.timestampWithoutTSACertificate))
        }
        let tsaName = tsaCertificate.subject.commonName ?? token.tsaName ?? tsaCertificate.subject.description
        guard let content = token.signedData.encapsulatedContent, let algorithm = tokenSigner.digestAlgorithm,
            let contentDigest = try? Digest.hash(content, algorithm: algorithm)
        else { return fail(DetailMessage(.timestampDigestUnsupported, .text(tokenSigner.digestAlgorithmName))) }
        guard token.isSigned(by: tsaCertificate, contentDigest: contentDigest, context: policy.context) else {
            return fail(DetailMessage(.timestampSignatureInvalid))
        }
        if tokenSigner.hasSignedAttributes && tokenSigner.messageDigest != contentDigest {
            return fail(DetailMessage(.timestampContentAltered))
        }
        // RFC 3161 § 2.4.1 (RFC 5816 for v2): the token must bind the TSA certificate, or another certificate with the
        // same key could pass for the TSA's.
        guard let reference = tokenSigner.signingCertificateReferences.first else { return fail(DetailMessage(.timestampWithoutESS)) }
        guard reference.matches(tsaCertificate) else { return fail(DetailMessage(.timestampESSMismatch)) }
        guard tsaCertificate.extendedKeyUsage.contains(ExtendedKeyUsageOID.timeStamping) else {
            return fail(DetailMessage(.timestampNotTSA, .text(tsaName)))
        }
        guard tsaCertificate.isTimeStampingCertificate else { return fail(DetailMessage(.timestampTSAPurpose, .text(tsaName))) }
        evidence.tsaCertificate = tsaCertificate
        guard tsaCertificate.isValid(at: token.genTime) else { return fail(DetailMessage(.timestampTSANotValid, genTime)) }
        let path: CertificationPath
        switch ChainValidator.buildPath(
            for: tsaCertificate, intermediates: token.signedData.certificates + embedded, anchors: policy.trustAnchors, context: policy.context) {
        case .success(let built):
            path = built
        case .failure(let failure):
            return fail(DetailMessage(.timestampTSANoChain, .text(tsaName), DetailMessage.pathError(code: failure.openSSLCode, english: failure.detail)))
        }

        // The TSA's own certificates, revoked or not, from the same evidence the signer's are judged by.
        var revocationChecks: [Check] = []
        let certificates = path.certificates
        for depth in 0..<max(0, certificates.count - 1) {
            let certificate = certificates[depth]
            let who: DetailMessage.Argument =
                depth == 0 ? .message(DetailMessage(.whoTSA)) : DetailMessage.who(depth: depth, name: certificate.subject.commonName ?? "?")
            var reasons: [DetailMessage] = []
            guard let status = revocation.status(
                of: certificate, issuer: certificates[depth + 1], anchor: path.anchor, pathCertificates: certificates, at: token.genTime,
                reasons: &reasons),
                status.summary.status != .unknown
            else {
                let why: DetailMessage.Argument = reasons.isEmpty ? .message(DetailMessage(.revocationNothingAvailable)) : .list(reasons)
                evidence.warnings.append(DetailMessage(.warningTSARevocationUnknown, who, why))
                continue
            }
            let source = DetailMessage.Argument.message(status.evidence)
            guard status.summary.status == .revoked else {
                revocationChecks.append(Check(name: "timestamp", passed: true, DetailMessage(.revocationGood, who, source)))
                continue
            }
            let revokedAt = status.summary.revocationTime ?? .distantPast
            let when = DetailMessage.Argument.text(ISO8601.string(revokedAt))
            let reason = DetailMessage.reason(status.summary.revocationReason)
            if revokedAt <= token.genTime {
                return fail(DetailMessage(.timestampTSARevokedBefore, who, when, reason, genTime, source))
            }
            if let name = status.summary.revocationReason, compromiseReasons.contains(name) {
                return fail(DetailMessage(.timestampTSACompromised, who, when, reason, source))
            }
            revocationChecks.append(Check(name: "timestamp", passed: true, DetailMessage(.timestampTSARevokedAfter, who, when, reason, genTime, source)))
        }

        evidence.summary = TimestampSummary(genTime: token.genTime, tsa: tsaName, serialNumber: token.serialNumberHex)
        evidence.isValid = true
        evidence.checks.append(Check(name: "timestamp", passed: true, DetailMessage(.timestampValid, .text(tsaName), genTime)))
        evidence.checks += revocationChecks
        return evidence
    }
}
