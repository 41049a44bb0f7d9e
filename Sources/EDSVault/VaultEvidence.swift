import EDSCrypto
import EDSVerification
import Foundation

/// What one `vault timestamp` run did.
public struct ArchiveTimestampRun: Sendable, Hashable {
    /// Signatures that got their first evidence record in this run.
    public var covered = 0
    /// Records whose latest archive timestamp was renewed (its TSA certificate expires within the window).
    public var renewed = 0
    /// Records left as they were.
    public var unchanged = 0
    /// Archive timestamps requested from the TSA (at most one per kind of work: a hash tree covers them all).
    public var timeStampRequests = 0
}

/// RFC 4998 evidence records for the vault: every kept signature, together with its document, under one archive
/// timestamp per run, renewed before the TSA's certificate expires. A record proves the signature existed when it was
/// first timestamped, so it still validates after the signer's certificate (and its own timestamp's TSA) expired.
///
/// Records live beside the blobs in `evidence/<document id>/<signature id>.ers`: they hold only hash values and the TSA's
/// tokens (no personal data), are written atomically, and are deleted with the document on erasure.
extension Vault {
    /// The evidence record of one kept signature, nil when it has none; a record that cannot be read is corruption.
    func evidenceRecord(document documentID: String, signature signatureID: String) throws -> EvidenceRecord? {
        guard let der = try storage.evidenceRecord(document: documentID, signature: signatureID) else { return nil }
        do {
            return try EvidenceRecord(derEncoded: der)
        } catch {
            throw VaultError.corrupted("the evidence record of signature \(signatureID) is damaged: \(error)")
        }
    }

    /// The evidence record of each kept signature of the document that has one, in the order the signatures were kept.
    func evidenceRecords(documentID: String) throws -> [EvidenceRecord] {
        try index.signatures(documentID: documentID).compactMap { try evidenceRecord(document: documentID, signature: $0.id) }
    }

    /// Adds an evidence record for every kept signature that has none, and renews (RFC 4998 § 5.2) every record whose
    /// latest archive timestamp's TSA certificate ends within `renewalWindow` of `now`. Each kind of work is one
    /// hash tree and one request to the TSA, whatever the number of documents. Meant to run daily.
    public func timestampEvidence(
        timestamp: ArchiveTimeStamper, renewalWindow: TimeInterval = 365 * 86_400, now: Date? = nil
    ) throws -> ArchiveTimestampRun {
        let now = now ?? VaultClock.now()
        var run = ArchiveTimestampRun()
        var uncovered: [(documentID: String, signatureID: String, objects: [Data])] = []
        var due: [(documentID: String, signatureID: String, record: EvidenceRecord)] = []
        for row in try index.documents(ownerLookup: nil, employerBIN: nil, limit: Int.max) {
            var document: Data?
            for signature in try index.signatures(documentID: row.id) {
                if let record = try evidenceRecord(document: row.id, signature: signature.id) {
                    if Self.renewalDue(record, before: now.addingTimeInterval(renewalWindow)) {
                        due.append((row.id, signature.id, record))
                    } else {
                        run.unchanged += 1
                    }
                    continue
                }
                let key = try documentKey(of: row)
                let bytes = try document ?? openBlob(row.id, key: key)
                document = bytes
                let cms = try openBlob(signature.id, key: key)
                let values: [Data]
                do { values = try CMSSignedData(cms).signers.map(\.signatureValue) } catch {
                    throw VaultError.corrupted("kept signature \(signature.id) cannot be read: \(error)")
                }
                // One group per SignerInfo value; a kept CMS has one signer, a combined one several.
                uncovered.append((row.id, signature.id, [bytes] + values))
            }
        }
        var written: [(documentID: String, signatureID: String, der: Data)] = []
        if !uncovered.isEmpty {
            // The document's and each signature value's hash form one group: the record proves both existed together.
            let groups = try uncovered.map { entry in try entry.objects.map { try Digest.hash($0, algorithm: .sha256) } }
            let records = try EvidenceRecordBuilder.make(groups: groups, algorithm: .sha256, timestamp: timestamp)
            run.timeStampRequests += 1
            run.covered = records.count
            for (entry, record) in zip(uncovered, records) {
                written.append((entry.documentID, entry.signatureID, record.derEncoded))
            }
        }
        if !due.isEmpty {
            let renewed = try EvidenceRecordBuilder.renewTimeStamps(due.map(\.record), timestamp: timestamp)
            run.timeStampRequests += 1
            run.renewed = renewed.count
            for (entry, record) in zip(due, renewed) {
                written.append((entry.documentID, entry.signatureID, record.derEncoded))
            }
        }
        try storage.writeEvidenceRecords(written)
        if !written.isEmpty {
            try index.append(audit: [
                AuditDraft(
                    at: VaultClock.now(), actor: "operator", action: "timestamp", object: "",
                    detail: "evidence records: \(run.covered) new, \(run.renewed) renewed, \(run.unchanged) unchanged")
            ])
        }
        return run
    }

    /// True when the latest archive timestamp's TSA certificate ends before `deadline` (or cannot be read: renewing
    /// an unreadable record's last stamp is not possible, so those are reported by `check`, not renewed here).
    static func renewalDue(_ record: EvidenceRecord, before deadline: Date) -> Bool {
        guard let latest = record.latestTimeStamp, let token = try? TimeStampToken(latest.timeStamp),
            let signer = token.signedData.signers.first,
            let tsa = token.signedData.signerCertificate(for: signer)
        else { return false }
        return tsa.notAfter < deadline
    }

    /// The report of a kept signature validated now, each signer judged at the moment its evidence record proves; nil
    /// when the signature has no record or the record does not hold for every signer.
    func evidenceProvenReport(signature: Data, signatureID: String, document: Data, documentID: String) throws -> ValidationReport? {
        guard let proven = evidenceProvenValidator(signature: signature, signatureID: signatureID, document: document, documentID: documentID)
        else { return nil }
        return try proven.validator.validate(proven.signedData, document: .bytes(document))
    }

    /// The validator that judges a kept signature now, each signer at the moment its evidence record proves (the
    /// record's results in the policy); nil when the signature has no record or it does not hold for every signer.
    func evidenceProvenValidator(signature: Data, signatureID: String, document: Data, documentID: String)
        -> (validator: SignatureValidator, signedData: CMSSignedData)?
    {
        guard let record = try? evidenceRecord(document: documentID, signature: signatureID),
            let signedData = try? CMSSignedData(signature)
        else { return nil }
        var policy = validator(at: VaultClock.now()).policy
        policy.evidenceRecords = EvidenceRecordValidator.results([record], document: document, signature: signedData, policy: policy)
        guard !policy.evidenceRecords.isEmpty, policy.evidenceRecords.values.allSatisfy(\.holds) else { return nil }
        return (SignatureValidator(policy: policy), signedData)
    }

    /// Removes the evidence records of documents that no longer exist (after erasure).
    func removeEvidence(documentIDs: [String]) throws {
        try storage.removeEvidence(documentIDs: documentIDs)
    }
}
