import EDSCrypto
import Foundation

/// Proof that the signed data existed at `time`, from evidence outside the signature (an RFC 4998 evidence record).
/// With it, a signature is judged at that moment, as a signature timestamp would let it be (ETSI EN 319 102-1
/// § 5.6.2.4: proof of existence).
public struct ProofOfExistence: Sendable, Hashable {
    public let time: Date
    /// The TSA whose archive timestamp gives the time.
    public let authority: String
    /// How many archive timestamps renewed the first one.
    public let renewals: Int

    public init(time: Date, authority: String, renewals: Int) {
        self.time = time
        self.authority = authority
        self.renewals = renewals
    }

    var detail: DetailMessage {
        DetailMessage(.evidenceRecordValid, .text(ISO8601.string(time)), .text(authority), "\(renewals)")
    }
}

/// The outcome of checking an evidence record over some data objects.
public struct EvidenceRecordResult: Sendable {
    /// nil when the record does not hold.
    public let proofOfExistence: ProofOfExistence?
    /// One check per archive timestamp, in order, and the overall verdict.
    public let checks: [Check]
    /// The latest archive timestamp's time and TSA, for proof pages.
    public let latestTimeStamp: TimestampSummary?

    public var holds: Bool { proofOfExistence != nil }
    /// Why it does not hold, in English.
    public var failure: String? { checks.first { !$0.passed }?.detail }
}

/// RFC 4998 § 5.3 verification: the first archive timestamp covers the data objects through its reduced hash tree;
/// each later one in a chain covers the previous one's timeStamp field; each chain after the first covers the data
/// objects again under a new hash algorithm together with the chains before it (hash-tree renewal). Every archive
/// timestamp is an RFC 3161 token judged like a signature timestamp, and must have been renewed before its TSA
/// certificate expired; the latest must still be valid at the validation time.
public enum EvidenceRecordValidator {
    /// `dataObjects`: the bytes the record protects, each of which must be in the record's first hash list (for the
    /// vault: the document and a signature's value, as a signature timestamp covers the value, ETSI EN 319 122-1).
    public static func validate(_ record: EvidenceRecord, dataObjects: [Data], policy: ValidationPolicy) -> EvidenceRecordResult {
        let validationTime = policy.validationTime ?? Date()
        var checks: [Check] = []
        func fail(_ detail: DetailMessage) -> EvidenceRecordResult {
            checks.append(Check(name: "evidenceRecord", passed: false, DetailMessage(.evidenceRecordInvalid, .message(detail))))
            return EvidenceRecordResult(proofOfExistence: nil, checks: checks, latestTimeStamp: nil)
        }
        let stamps = record.chains.enumerated().flatMap { chainIndex, chain in
            chain.enumerated().map { (chain: chainIndex, position: $0.offset, stamp: $0.element) }
        }
        guard !stamps.isEmpty, !dataObjects.isEmpty else { return fail(DetailMessage(.evidenceRecordEmpty)) }
        var tokens: [TimeStampToken] = []
        for entry in stamps {
            do {
                tokens.append(try TimeStampToken(entry.stamp.timeStamp))
            } catch {
                return fail(DetailMessage(.evidenceRecordTimestampUnreadable, .text("\(tokens.count + 1)"), .text("\(error)")))
            }
        }
        var summaries: [TimestampSummary] = []
        for (index, entry) in stamps.enumerated() {
            let token = tokens[index]
            let number = DetailMessage.Argument.text("\(index + 1)")
            guard let algorithm = entry.stamp.digestAlgorithm ?? token.imprintAlgorithm else {
                return fail(DetailMessage(.evidenceRecordAlgorithmUnsupported, number, .text(OIDNames.name(token.imprintAlgorithmOID))))
            }
            if algorithm.isBroken { return fail(DetailMessage(.evidenceRecordAlgorithmUnsupported, number, .text(algorithm.rawValue))) }
            // What this archive timestamp must cover (§ 5.3 steps 1–3).
            let covered: [Data]
            do {
                if entry.position == 0 {
                    covered = try EvidenceRecordBuilder.renewedObjectHashes(
                        record: record, chainCount: entry.chain, objects: dataObjects, algorithm: algorithm)
                } else {
                    covered = [try Digest.hash(stamps[index - 1].stamp.renewalInput, algorithm: algorithm)]
                }
            } catch {
                return fail(DetailMessage(.evidenceRecordAlgorithmUnsupported, number, .text(algorithm.rawValue)))
            }
            let root: Data?
            if let tree = entry.stamp.reducedHashTree {
                root = try? ArchiveHashTree.recoverRoot(reducedTree: tree, objectHashes: covered, algorithm: algorithm)
            } else {
                root = covered.count == 1 ? covered[0] : try? ArchiveHashTree.recoverRoot(reducedTree: [covered], objectHashes: covered, algorithm: algorithm)
            }
            guard let root else {
                return fail(DetailMessage(entry.position == 0 ? .evidenceRecordObjectNotCovered : .evidenceRecordRenewalBroken, number))
            }
            guard token.imprint == root, token.imprintAlgorithmOID == algorithm.oid else {
                return fail(DetailMessage(.evidenceRecordRootMismatch, number))
            }
            if index > 0, token.genTime < tokens[index - 1].genTime {
                return fail(DetailMessage(.evidenceRecordRenewalBroken, number))
            }
            let judged = TimestampEvidence.judge(
                token, extraCertificates: [], revocation: RevocationSources(archiveTimeStamp: token, policy: policy), policy: policy)
            guard judged.isValid, let summary = judged.summary, let tsaCertificate = judged.tsaCertificate else {
                let reason = judged.checks.first { !$0.passed }?.message ?? DetailMessage(.timestampSignatureInvalid)
                return fail(DetailMessage(.evidenceRecordTimestampInvalid, number, .message(reason)))
            }
            // Renewed in time: the next archive timestamp (or, for the latest, the validation time) falls within the
            // TSA certificate's validity.
            let protectedUntil = index + 1 < tokens.count ? tokens[index + 1].genTime : validationTime
            if protectedUntil > tsaCertificate.notAfter {
                return fail(
                    DetailMessage(
                        .evidenceRecordRenewalLate, number, .text(ISO8601.string(tsaCertificate.notAfter)),
                        .text(ISO8601.string(protectedUntil))))
            }
            summaries.append(summary)
            checks.append(
                Check(
                    name: "evidenceRecord", passed: true,
                    DetailMessage(.evidenceRecordTimestampValid, number, .text(summary.tsa), .text(ISO8601.string(summary.genTime)))))
        }
        let first = summaries[0]
        // An archive timestamp made after the validation time proves nothing at that time.
        guard first.genTime <= validationTime else { return fail(DetailMessage(.evidenceRecordRenewalBroken, "1")) }
        let proof = ProofOfExistence(time: first.genTime, authority: first.tsa, renewals: summaries.count - 1)
        checks.append(Check(name: "evidenceRecord", passed: true, proof.detail))
        return EvidenceRecordResult(proofOfExistence: proof, checks: checks, latestTimeStamp: summaries.last)
    }
}

extension RevocationSources {
    /// Evidence for an archive timestamp's TSA: what the token carries and what the verifier supplied.
    convenience init(archiveTimeStamp token: TimeStampToken, policy: ValidationPolicy) {
        self.init(
            signedData: token.signedData, signedDataCertificates: token.signedData.certificates,
            embedded: EmbeddedEvidence(certificates: [], crls: [], basicOCSPResponses: []), policy: policy)
    }
}

extension EmbeddedEvidence {
    init(certificates: [Certificate], crls: [Data], basicOCSPResponses: [Data]) {
        self.certificates = certificates
        self.crls = crls
        self.basicOCSPResponses = basicOCSPResponses
    }
}

extension EvidenceRecordValidator {
    /// Checks `records` for each SignerInfo of `signature` over `document` and its signature value: the map a
    /// `ValidationPolicy.evidenceRecords` takes. Per signer, the record proving the earliest existence wins; a signer no
    /// record covers gets the first record's reason.
    public static func results(
        _ records: [EvidenceRecord], document: Data, signature: CMSSignedData, policy: ValidationPolicy
    ) -> [Data: EvidenceRecordResult] {
        var results: [Data: EvidenceRecordResult] = [:]
        for signer in signature.signers {
            for record in records {
                let result = validate(record, dataObjects: [document, signer.signatureValue], policy: policy)
                guard let kept = results[signer.signatureValue] else {
                    results[signer.signatureValue] = result
                    continue
                }
                if let time = result.proofOfExistence?.time, time < kept.proofOfExistence?.time ?? .distantFuture {
                    results[signer.signatureValue] = result
                }
            }
        }
        return results
    }
}
