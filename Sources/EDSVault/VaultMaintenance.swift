import EDSCrypto
import Foundation

public struct ErasureReport: Codable, Sendable {
    /// Documents destroyed: the employee was their only owner.
    public var documents: Int
    public var signatures: Int
    public var tombstones: [Tombstone]
    /// Documents the employee shared with other owners: the employee's access and metadata went, the document stays.
    public var sharedDocuments: [String] = []
}

public struct CheckReport: Codable, Sendable {
    public var documents = 0
    public var signatures = 0
    public var blobs = 0
    public var bytesChecked: Int64 = 0
    public var auditEntries = 0
    public var seconds = 0.0
    /// Interrupted writes rolled back before checking (not problems: a crash's normal aftermath).
    public var recovered = 0
    /// Blobs an erasure in another process is still deleting (not problems).
    public var inFlight = 0
    public var problems: [String] = []
    /// Kept signatures still waiting for their timestamp or revocation evidence (not problems: `vault extend --pending`
    /// retries them), as `document/signature`.
    public var awaitingEvidence: [String] = []

    public var isClean: Bool { problems.isEmpty }
    public var megabytesPerSecond: Double { seconds > 0 ? Double(bytesChecked) / 1_000_000 / seconds : 0 }
}

extension Vault {
    // MARK: - Erasure (Law 94-V, Art. 18-1 / 20: destruction of personal data on the subject's request)

    /// Destroys everything the vault holds about an employee as a document owner: their data key (so any copy of
    /// the sealed blobs is unreadable), the blobs, signatures, metadata and proof links. What remains is a tombstone
    /// per document (hash, type, dates, signature count) and the audit log, where the employee was only ever a
    /// random pseudonym, now unlinkable because the subject row that named it is gone.
    @discardableResult
    public func erase(ownerIIN: String, as actor: Principal = .operator_) throws -> ErasureReport {
        let iin = try IdentificationNumber.validated(ownerIIN, kind: "IIN")
        let lookup = try keys.lookupValue(for: "iin:\(iin)")
        let actorName = try auditName(for: actor)
        let erasedAt = VaultClock.now()
        let subjectPseudonym = try index.subject(lookup: lookup)?.pseudonym ?? "none"
        let before = Set(try index.tombstones().map { "\($0.documentID)@\($0.erasedAt.timeIntervalSince1970)" })
        var counts = (documents: 0, signatures: 0)
        let erasure = try storage.whileWriting {
            try index.erase(ownerLookup: lookup, erasedAt: erasedAt) { documents, signatures, shared in
                counts = (documents, signatures)
                return [
                    AuditDraft(
                        at: erasedAt, actor: actorName, action: "erase", object: "",
                        detail: "subject \(subjectPseudonym): \(documents) document(s), \(signatures) signature(s) destroyed"
                            + (shared > 0 ? "; removed from \(shared) document(s) other owners keep" : ""))
                ]
            }
        }
        dataKeys.remove(lookup: lookup)
        // The blobs go once no writer is active: a put of the same bytes that commits meanwhile references its blob
        // again, and recovery deletes only pending blobs nothing references.
        if !erasure.objects.isEmpty { try recoverInterruptedWrites(waiting: true) }
        try index.compact()
        let tombstones = try index.tombstones().filter {
            !before.contains("\($0.documentID)@\($0.erasedAt.timeIntervalSince1970)") && $0.erasedAt == erasedAt
        }
        try removeEvidence(documentIDs: tombstones.map(\.documentID))
        return ErasureReport(
            documents: counts.documents, signatures: counts.signatures, tombstones: tombstones, sharedDocuments: erasure.sharedDocuments)
    }

    // MARK: - Integrity check

    /// Verifies the audit chain, every blob (present, authentic under its owner's key, hashing to its name), that no
    /// blob is unreferenced, and that index and audit log agree. Interrupted writes are rolled back first.
    public func check() throws -> CheckReport {
        var report = CheckReport()
        let started = Date()
        report.recovered = try recoverInterruptedWrites(waiting: true)

        // Listed before the index is read: a blob a concurrent writer adds later is then either referenced or pending.
        let onDisk = Set(try storage.allObjectIDs())
        let audit = try index.auditEntries()
        let references = try index.referencedObjects()
        let pending = Set(try index.pendingObjects())
        report.auditEntries = audit.count
        report.blobs = onDisk.count
        if let broken = AuditChain.firstBreak(in: audit) { report.problems.append(broken) }
        // What the vault trusts must be what was sealed (`vault init`, `vault trust add|remove`).
        do {
            report.problems += try verifyTrustSeal().map { "trust store: \($0)" }
        } catch let error as VaultError {
            report.problems.append("trust store: \(error.description)")
        }

        var auditedPuts = Set<String>()
        var auditedSignatures = Set<String>()
        // Signatures kept as received and later replaced by their extended form (`vault extend --pending`).
        var replacedSignatures = Set<String>()
        var erasedDocuments = Set<String>()
        for entry in audit where entry.draft.outcome == "ok" {
            switch entry.draft.action {
            case "put": auditedPuts.insert(entry.draft.object)
            case "attach": auditedSignatures.insert(entry.draft.object)
            case "extend": replacedSignatures.insert(entry.draft.object)
            default: break
            }
        }
        for tombstone in try index.tombstones() { erasedDocuments.insert(tombstone.documentID) }

        var seenDocuments = Set<String>()
        let signaturesByDocument = Dictionary(grouping: try index.allSignatures(), by: \.documentID)
        var blobChecks: [BlobCheck] = []
        let subjects = SubjectLookup(index: index)
        var after: String?
        while true {
            let rows = try index.documentPage(after: after, limit: 5_000)
            guard let last = rows.last else { break }
            after = last.id
            for row in rows {
                seenDocuments.insert(row.id)
                report.documents += 1
                if !auditedPuts.contains(row.id) { report.problems.append("document \(row.id) has no `put` entry in the audit log") }
                let key: Data
                do {
                    key = try documentKey(of: row, lookup: subjects)
                    let shared = try sharedMetadata(of: row, documentKey: key)
                    // Every owner's row opens under that owner's key.
                    _ = try ownerEntries(of: row, shared: shared, lookup: subjects)
                    if row.owners.isEmpty { report.problems.append("document \(row.id) has no owner") }
                } catch {
                    report.problems.append("document \(row.id): \(error)")
                    continue
                }
                blobChecks.append(BlobCheck(objectID: row.id, key: key, what: "document"))
                let signatures = signaturesByDocument[row.id] ?? []
                if signatures.count != row.signatureCount {
                    report.problems.append("document \(row.id) counts \(row.signatureCount) signature(s) but has \(signatures.count)")
                }
                for signature in signatures {
                    report.signatures += 1
                    if !auditedSignatures.contains("\(row.id)/\(signature.id)") {
                        report.problems.append("signature \(signature.id) has no `attach` entry in the audit log")
                    }
                    blobChecks.append(BlobCheck(objectID: signature.id, key: key, what: "signature"))
                }
            }
        }
        // Decrypting and hashing is the bulk of the work: one worker per core.
        let storage = self.storage
        let outcomes = try ParallelIO.map(blobChecks, width: ProcessInfo.processInfo.activeProcessorCount) { check in
            Self.verifyBlob(check, in: storage, onDisk: onDisk)
        }
        for outcome in outcomes {
            report.bytesChecked += outcome.bytes
            if let problem = outcome.problem { report.problems.append(problem) }
        }
        for documentID in auditedPuts.subtracting(seenDocuments).subtracting(erasedDocuments).sorted() {
            report.problems.append("the audit log records storing document \(documentID), but it is neither in the index nor erased")
        }
        let indexedSignatures = Set(signaturesByDocument.values.joined().map { "\($0.documentID)/\($0.id)" })
        for object in auditedSignatures.subtracting(indexedSignatures).subtracting(replacedSignatures).sorted() {
            let documentID = String(object.prefix { $0 != "/" })
            if !erasedDocuments.contains(documentID) {
                report.problems.append("the audit log records signature \(object), but the index does not hold it")
            }
        }
        for blob in onDisk.subtracting(references).sorted() {
            if pending.contains(blob) {
                report.inFlight += 1
            } else {
                report.problems.append("blob \(blob) is not referenced by the index")
            }
        }
        report.awaitingEvidence = try signaturesAwaitingEvidence().map { "\($0.documentID)/\($0.signatureID)" }
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    struct BlobCheck: Sendable {
        let objectID: String
        let key: Data
        let what: String
    }

    private static func verifyBlob(_ check: BlobCheck, in storage: any VaultStorage, onDisk: Set<String>) -> (bytes: Int64, problem: String?) {
        guard onDisk.contains(check.objectID) else { return (0, "\(check.what) \(check.objectID): its blob is missing") }
        guard let source = try? storage.publishedBlobSource(check.objectID) else {
            return (0, "\(check.what) \(check.objectID): its blob is unreadable")
        }
        // Streamed: a chunked blob is checked chunk by chunk, whatever its size.
        var size: Int64 = 0
        do {
            let opener = try BlobOpener(key: check.key, objectID: check.objectID)
            try source.read { piece in
                size += Int64(piece.count)
                try opener.feed(piece) { _ in }
            }
            try opener.finish { _ in }
        } catch VaultError.corrupted(let reason) where reason.hasSuffix("does not hash to its name") {
            return (size, "\(check.what) \(check.objectID): its blob does not hash to its name")
        } catch {
            return (size, "\(check.what) \(check.objectID) fails its integrity check (altered or corrupted)")
        }
        return (size, nil)
    }
}
