import EDSCrypto
import Foundation

/// Index rows a migration reads beyond what `VaultIndex` offers.
public protocol VaultIndexExporting: VaultIndex {
    /// Every subject row: owners with their wrapped data keys, and audit actors (pseudonym only).
    func allSubjects() throws -> [IndexedSubject]
    func allLinks() throws -> [IndexedLink]
}

/// An index a migration copies rows into, verbatim.
public protocol VaultIndexImporting: VaultIndex {
    /// In one transaction, each row only when absent (so a re-run after an interruption adds what is missing and ends
    /// identical): subjects, documents with their owners, signatures, links; the tombstones when the index has none; the
    /// audit entries after the index's tail, whose hash must be the source's entry's at that sequence (else `conflict`).
    func importRows(_ rows: VaultIndexRows) throws
}

/// A proof link as the index keeps it: the SHA-256 of its token (never the token), its document, its scope and life.
public struct IndexedLink: Hashable, Sendable {
    public var tokenHash: String
    public var documentID: String
    public var createdAt: Date
    /// After this moment the link opens nothing. Nil only for a link whose row predates expiry and was never migrated
    /// (migrations give old links an expiry, so in practice every link has one).
    public var expiresAt: Date?
    /// The link was made to hand over the document (`vault link --with-document`): its card (PDF) embeds the document.
    /// Without it the link proves (signers, times, verdict, the document's hash) and never carries the document's bytes.
    public var withDocument: Bool
    /// When `vault link --revoke` ended it; the row stays for `vault link --list`.
    public var revokedAt: Date?

    public init(
        tokenHash: String, documentID: String, createdAt: Date, expiresAt: Date? = nil, withDocument: Bool = false,
        revokedAt: Date? = nil
    ) {
        self.tokenHash = tokenHash
        self.documentID = documentID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.withDocument = withDocument
        self.revokedAt = revokedAt
    }

    /// A short public name for the link (`vault link --list`, `--revoke`): the first 16 hex digits of the token's hash.
    public var linkID: String { String(tokenHash.prefix(16)) }

    /// Whether the link opens its proof at `date`: not revoked and not expired.
    public func isActive(at date: Date) -> Bool {
        revokedAt == nil && (expiresAt.map { date < $0 } ?? true)
    }
}

public struct VaultIndexRows: Sendable {
    public var subjects: [IndexedSubject] = []
    public var documents: [IndexedDocument] = []
    public var signatures: [IndexedSignature] = []
    public var links: [IndexedLink] = []
    public var tombstones: [Tombstone] = []
    public var audit: [AuditEntry] = []
}

/// What `vault migrate` did.
public struct MigrationReport: Sendable {
    public var documents = 0
    public var signatures = 0
    /// Blobs copied in this run (each opened under its document's key and hashed to its id first).
    public var blobsCopied = 0
    /// Blobs already in the target (a run that resumes an interrupted one).
    public var blobsPresent = 0
    public var bytesCopied: Int64 = 0
    public var auditEntries = 0
    public var evidenceRecords = 0
    /// The target's integrity check after the copy.
    public var check = CheckReport()
}

extension Vault {
    /// Copies this vault into `storage` + `index` (a vault in PostgreSQL): trust anchors and CRLs, every blob (verified
    /// against its id on the way), the index rows, the audit chain verbatim (verified first), evidence records,
    /// awaiting-evidence markers and the evidence policy. The target gets this vault's master key: `masterKeyFile` is
    /// written (mode 0600) when absent, and must hold the same key when present. Resumable: every step skips what the
    /// target already has, and the rows go in one transaction at the end, so a re-run after a kill ends identical.
    /// Writers must be stopped meanwhile (what they write after the copy of the rows is not copied).
    public func migrate(
        to storage: any VaultStorage, index target: any VaultIndexImporting, location: URL, masterKeyFile: URL?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> MigrationReport {
        guard let source = index as? any VaultIndexExporting else {
            throw VaultError.invalidInput("this vault's index cannot be exported")
        }
        var report = MigrationReport()
        let audit = try index.auditEntries()
        if let broken = AuditChain.firstBreak(in: audit) {
            throw VaultError.corrupted("the audit chain does not verify, nothing was migrated: \(broken)")
        }
        let targetKeys = try VaultKeys.loadOrCreate(file: masterKeyFile, environment: environment, master: keys.master)
        guard targetKeys.checkValue == keys.checkValue else {
            throw VaultError.wrongMasterKey(
                "\(masterKeyFile?.path ?? "$\(VaultKeys.environmentVariable)") holds another master key than the vault being migrated")
        }
        try storage.prepare(creating: true)
        try target.prepare(masterKeyCheck: keys.checkValue, creating: true)
        let trust = try self.storage.trustMaterial()
        try storage.installTrust(anchors: trust.anchors, crls: trust.crls)

        var rows = VaultIndexRows(subjects: try source.allSubjects(), links: try source.allLinks(), tombstones: try index.tombstones(), audit: audit)
        let signatures = Dictionary(grouping: try index.allSignatures(), by: \.documentID)
        var records: [(documentID: String, signatureID: String, der: Data)] = []
        let subjects = SubjectLookup(index: index)
        var after: String?
        while true {
            let page = try index.documentPage(after: after, limit: 1_000)
            guard let last = page.last else { break }
            after = last.id
            for row in page {
                let key = try documentKey(of: row, lookup: subjects)
                for objectID in [row.id] + (signatures[row.id] ?? []).map(\.id) {
                    if try storage.blobExists(objectID) {
                        report.blobsPresent += 1
                        continue
                    }
                    let sealed = try self.storage.readBlob(objectID)
                    // The sealed bytes are copied as they are (same key, same format), once they are shown to be this id.
                    do { _ = try SealedBlob.open(sealed, key: key, objectID: objectID) } catch VaultError.corrupted(let reason) {
                        throw VaultError.corrupted("\(reason); nothing more was migrated")
                    }
                    try storage.publish(try storage.stage([(objectID, sealed)]))
                    report.blobsCopied += 1
                    report.bytesCopied += Int64(sealed.count)
                }
                for signature in signatures[row.id] ?? [] {
                    if let der = try self.storage.evidenceRecord(document: row.id, signature: signature.id) {
                        records.append((row.id, signature.id, der))
                    }
                }
                rows.documents.append(row)
                rows.signatures += signatures[row.id] ?? []
            }
        }
        try target.importRows(rows)
        try storage.writeEvidenceRecords(records)
        for awaiting in try signaturesAwaitingEvidence() {
            let reason = "migrated while awaiting evidence"
            try storage.markAwaiting(document: awaiting.documentID, signature: awaiting.signatureID, reason: reason)
        }
        if let policy = try self.storage.evidencePolicy() { try storage.writeEvidencePolicy(policy) }
        // The same master key: the source's sealed trust manifest verifies in the target as it is (no audit entry: the
        // chain is the source's, verbatim).
        if let sealed = try index.trustSeal() { try target.setTrustSeal(manifest: sealed.manifest, seal: sealed.seal, audit: []) }
        // The vault API's keys go along (hashes only; their creation and revocation entries are in the copied chain).
        try migrateAPIKeys(to: target)
        report.documents = rows.documents.count
        report.signatures = rows.signatures.count
        report.auditEntries = audit.count
        report.evidenceRecords = records.count
        let migrated = try Vault.open(storage: storage, index: target, location: location, masterKeyFile: masterKeyFile, environment: environment)
        report.check = try migrated.check()
        return report
    }
}
