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
    var warnings: [String] = []

    static func evaluate(
        signer: CMSSignerInfo, embedded evidence: EmbeddedEvidence, signedDataCertificates: [Certificate], policy: ValidationPolicy
    ) -> TimestampEvidence? {
        guard let der = signer.unsignedAttribute(CMSAttribute.OID.signatureTimeStampToken)?.values.first else { return nil }
        let embedded = evidence.certificates
        var evidence = TimestampEvidence()
        func fail(_ detail: String) -> TimestampEvidence {
            evidence.checks.append(Check(name: "timestamp", passed: false, detail: detail))
            return evidence
        }
        let token: TimeStampToken
        do {
            token = try TimeStampToken(der, reusingCertificates: signedDataCertificates + embedded)
        } catch {
            return fail("the timestamp token cannot be read: \(error)")
        }
        guard token.covers(signer.signatureValue) else {
            return fail("the timestamp of \(ISO8601.string(token.genTime)) covers other data, not this signature value")
        }
        guard let tokenSigner = token.signedData.signers.first else { return fail("the timestamp token has no signer") }
        guard let tsaCertificate = token.signedData.signerCertificate(for: tokenSigner, extra: policy.trustAnchors + embedded) else {
            return fail("the TSA certificate is not in the token")
        }
        let tsaName = tsaCertificate.subject.commonName ?? token.tsaName ?? tsaCertificate.subject.description
        guard let content = token.signedData.encapsulatedContent, let algorithm = tokenSigner.digestAlgorithm,
            let contentDigest = try? Digest.hash(content, algorithm: algorithm)
        else { return fail("the timestamp token's digest algorithm \(tokenSigner.digestAlgorithmName) is not supported") }
        guard token.signedData.verifySignatureValue(of: tokenSigner, with: tsaCertificate, contentDigest: contentDigest) == .valid else {
            return fail("the timestamp token's signature does not verify with the TSA certificate")
        }
        if tokenSigner.hasSignedAttributes && tokenSigner.messageDigest != contentDigest {
            return fail("the timestamp token's TSTInfo was altered (messageDigest mismatch)")
        }
        // RFC 3161 § 2.4.1 (RFC 5816 for v2): the token must bind the TSA certificate, or another certificate with the
        // same key could pass for the TSA's.
        guard let reference = tokenSigner.signingCertificateReferences.first else {
            return fail("the timestamp token does not name its TSA certificate (no ESS signing-certificate attribute)")
        }
        guard reference.matches(tsaCertificate) else {
            return fail("the timestamp token's ESS signing-certificate attribute names another certificate")
        }
        guard tsaCertificate.extendedKeyUsage.contains(ExtendedKeyUsageOID.timeStamping) else {
            return fail("\"\(tsaName)\" is not a time-stamping authority (no id-kp-timeStamping EKU)")
        }
        guard tsaCertificate.isTimeStampingCertificate else {
            return fail("\"\(tsaName)\" may not issue timestamps: its extended key usage must be critical and id-kp-timeStamping only (RFC 3161 § 2.3)")
        }
        guard tsaCertificate.isValid(at: token.genTime) else {
            return fail("the TSA certificate was not valid at genTime \(ISO8601.string(token.genTime))")
        }
        switch ChainValidator.buildPath(for: tsaCertificate, intermediates: token.signedData.certificates + embedded, anchors: policy.trustAnchors) {
        case .success:
            break
        case .failure(let failure):
            return fail("the TSA \"\(tsaName)\" does not chain to a trust anchor: \(failure.detail)")
        }
        evidence.summary = TimestampSummary(genTime: token.genTime, tsa: tsaName, serialNumber: token.serialNumberHex)
        evidence.isValid = true
        evidence.checks.append(
            Check(
                name: "timestamp", passed: true,
                detail: "RFC 3161 timestamp by \"\(tsaName)\" at \(ISO8601.string(token.genTime)) covers the signature value; it is the signing moment"))
        evidence.warnings.append("the TSA certificate's own revocation status is not checked")
        return evidence
    }
}
