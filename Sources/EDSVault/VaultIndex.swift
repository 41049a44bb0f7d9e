import Foundation

/// The metadata index behind a vault: documents, signatures, subjects (data keys), audit log, links, tombstones.
///
/// The embedded default is SQLite (`SQLiteVaultIndex`); the interface is what a PostgreSQL index must provide for
/// installations that outgrow one machine. Every method is one transaction. Personal data never reaches the index in
/// clear: the vault hands it sealed blobs and HMAC lookup values.
public protocol VaultIndex: Sendable {
    /// Creates the schema if needed and checks that the master key matches the one the index was created with.
    func prepare(masterKeyCheck: String, creating: Bool) throws

    /// Inserts the subjects that are absent (keeping a concurrent writer's data key when there is one) and returns
    /// the stored subject of each lookup value.
    func storeSubjects(_ subjects: [IndexedSubject]) throws -> [String: IndexedSubject]
    /// Pseudonymous subject rows for audit actors (no data key), created when absent.
    func pseudonyms(for lookups: [String]) throws -> [String: String]
    func subject(lookup: String) throws -> IndexedSubject?
    /// The subject rows of those `lookups` that exist (a group commit reads its owners' keys at once).
    func subjects(lookups: [String]) throws -> [String: IndexedSubject]

    /// Decides, in one transaction, what a put stores: each document that is not there yet is inserted with its
    /// owners. For one that is (another writer stored the same bytes first), `joining` is called inside the
    /// transaction with the stored row and its owners' subjects; it returns the owner rows to add, sealed for the
    /// stored document's key, or throws (a conflict), which rolls the whole commit back. `audit` receives each
    /// document's outcome, in order, and returns the entries appended in the same transaction. Only a document whose
    /// outcome is `.inserted` may have its blob published. Fails with `conflict` when a subject's data key changed
    /// (erased meanwhile).
    func commitDocuments(
        _ documents: [IndexedDocument], subjects: [IndexedSubject],
        joining: (_ stored: IndexedDocument, _ ownerSubjects: [String: IndexedSubject]) throws -> [IndexedOwner],
        audit: (_ outcomes: [DocumentCommit]) -> [AuditDraft]
    ) throws -> [DocumentCommit]
    func commitSignature(_ signature: IndexedSignature, documentID: String, status: String, audit: [AuditDraft]) throws
    /// In one transaction: removes signature `oldID` of the document, inserts `signature` in its place (same document,
    /// same count), records `oldID`'s blob as pending deletion and appends `audit`. How a signature kept as received is
    /// replaced by its extended form (`vault extend --pending`). `notFound` when `oldID` is no longer there.
    func replaceSignature(_ oldID: String, with signature: IndexedSignature, audit: [AuditDraft]) throws

    func document(id: String) throws -> IndexedDocument?
    /// The rows of those `ids` that exist (a group commit's check before, and its read-back after).
    func documents(ids: [String]) throws -> [String: IndexedDocument]
    func documents(ownerLookup: String?, employerBIN: String?, limit: Int) throws -> [IndexedDocument]
    func signatures(documentID: String) throws -> [IndexedSignature]
    /// Documents in id order after `id` (keyset paging for scans of the whole index).
    func documentPage(after id: String?, limit: Int) throws -> [IndexedDocument]
    /// Every signature, grouped by document (for the integrity check).
    func allSignatures() throws -> [IndexedSignature]
    func tombstones() throws -> [Tombstone]

    /// Appends audit entries in their own transaction. `flushed: false` lets the commit skip the disk flush (it
    /// survives a killed process, and is flushed with the next durable commit, but not a power cut in between).
    func append(audit: [AuditDraft], flushed: Bool) throws
    func auditEntries() throws -> [AuditEntry]

    /// In one transaction: removes the owner from every document they share with other owners (their owner row
    /// only); deletes the documents they alone own, with their signatures and links, leaving tombstones and marking the
    /// blobs as pending deletion; deletes the owner's subject row; appends the audit entry.
    func erase(
        ownerLookup: String, erasedAt: Date,
        audit: (_ documents: Int, _ signatures: Int, _ sharedDocuments: Int) -> [AuditDraft]
    ) throws -> IndexedErasure
    /// Removes personal data from the database files' free pages and write-ahead log after an erasure.
    func compact() throws

    func pendingObjects() throws -> [String]
    func clearPending(_ objectIDs: [String]) throws
    /// Every blob the index refers to: documents and signatures.
    func referencedObjects() throws -> Set<String>

    /// The sealed trust manifest (`vault_meta`: `trust_manifest`, `trust_seal`), nil before the vault's trust was
    /// first sealed.
    func trustSeal() throws -> (manifest: String, seal: String)?
    /// Replaces the sealed trust manifest and appends `audit`, in one transaction.
    func setTrustSeal(manifest: String, seal: String, audit: [AuditDraft]) throws

    func insertLink(_ link: IndexedLink, audit: [AuditDraft]) throws
    /// The link whose token hashes to `tokenHash`, active or not (the caller checks expiry and revocation).
    func link(tokenHash: String) throws -> IndexedLink?
    /// The links of one document, or of every document when `documentID` is nil, oldest first.
    func links(documentID: String?) throws -> [IndexedLink]
    /// Marks the link revoked (once: a revoked link keeps its first revocation time) and appends `audit`, in one
    /// transaction. False when no such link exists.
    func revokeLink(tokenHash: String, revokedAt: Date, audit: [AuditDraft]) throws -> Bool
}

public struct IndexedSubject: Hashable, Sendable {
    /// HMAC of the principal ("iin:…") under the vault's lookup key.
    public var lookup: String
    /// A random name for the subject in the audit log; destroyed on erasure, so old entries become anonymous.
    public var pseudonym: String
    /// The subject's data key wrapped by the master key; nil for subjects that only appear as audit actors.
    public var wrappedDataKey: Data?

    public init(lookup: String, pseudonym: String, wrappedDataKey: Data?) {
        self.lookup = lookup
        self.pseudonym = pseudonym
        self.wrappedDataKey = wrappedDataKey
    }
}

/// One owner of a document: who, the document's key for them, and their own metadata.
public struct IndexedOwner: Hashable, Sendable {
    /// HMAC of the owner ("iin:…") under the vault's lookup key.
    public var lookup: String
    /// The document's data key wrapped with this owner's data key; nil for a document stored before documents could
    /// have several owners, whose key is the owner's data key itself.
    public var wrappedDocumentKey: Data?
    /// This owner's IIN, title, file name and whether they must sign, sealed with the owner's data key; nil for such an
    /// older document (its sealed metadata holds them).
    public var sealedEntry: Data?

    public init(lookup: String, wrappedDocumentKey: Data?, sealedEntry: Data?) {
        self.lookup = lookup
        self.wrappedDocumentKey = wrappedDocumentKey
        self.sealedEntry = sealedEntry
    }
}

/// What one document's part of a commit did.
public enum DocumentCommit: Hashable, Sendable {
    /// The row is this writer's: its blob is the one to publish.
    case inserted
    /// Another writer's row was kept; these owners (lookup values) were added to it.
    case joined([String])
    /// Another writer's row was kept as it was (every owner was already there).
    case unchanged
}

/// What an erasure did in the index.
public struct IndexedErasure: Hashable, Sendable {
    /// Blobs of the documents deleted (the owner was their only owner) and of their signatures.
    public var objects: [String]
    /// Documents the owner shared with others: only the owner's row went.
    public var sharedDocuments: [String]

    public init(objects: [String], sharedDocuments: [String]) {
        self.objects = objects
        self.sharedDocuments = sharedDocuments
    }
}

public struct IndexedDocument: Hashable, Sendable {
    public var id: String
    /// In the order they were added; never empty for a stored document.
    public var owners: [IndexedOwner]
    public var employerBIN: String
    public var type: String
    public var size: Int
    public var storedAt: Date
    public var status: String
    public var signatureCount: Int
    /// What all owners share (the required signers other than the owners), sealed with the document's key. For a
    /// document stored before documents could have several owners: its whole metadata, sealed with the owner's key.
    public var sealedMetadata: Data

    public init(
        id: String, owners: [IndexedOwner], employerBIN: String, type: String, size: Int, storedAt: Date, status: String,
        signatureCount: Int, sealedMetadata: Data
    ) {
        self.id = id
        self.owners = owners
        self.employerBIN = employerBIN
        self.type = type
        self.size = size
        self.storedAt = storedAt
        self.status = status
        self.signatureCount = signatureCount
        self.sealedMetadata = sealedMetadata
    }
}

public struct IndexedSignature: Hashable, Sendable {
    public var id: String
    public var documentID: String
    public var addedAt: Date
    /// The signers (identity, indication) as validated when added, sealed with the owner's data key.
    public var sealedSigners: Data

    public init(id: String, documentID: String, addedAt: Date, sealedSigners: Data) {
        self.id = id
        self.documentID = documentID
        self.addedAt = addedAt
        self.sealedSigners = sealedSigners
    }
}

/// An audit event before it is chained.
public struct AuditDraft: Hashable, Sendable {
    public var at: Date
    /// A subject pseudonym, or `operator`.
    public var actor: String
    public var action: String
    /// A document id, or `DOCUMENT/SIGNATURE` for signature events; empty when none.
    public var object: String
    public var outcome: String
    /// Free text without personal data.
    public var detail: String

    public init(at: Date, actor: String, action: String, object: String, outcome: String = "ok", detail: String = "") {
        self.at = at
        self.actor = actor
        self.action = action
        self.object = object
        self.outcome = outcome
        self.detail = detail
    }
}

/// A chained audit entry: `hash = SHA-256(sequence ‖ fields ‖ previousHash)`.
public struct AuditEntry: Hashable, Sendable {
    public var sequence: Int64
    public var draft: AuditDraft
    public var previousHash: String
    public var hash: String

    static let genesisHash = String(repeating: "0", count: 64)

    // Public so that an index in another module (EDSVaultPostgres) can return the entries it stored.
    public init(sequence: Int64, draft: AuditDraft, previousHash: String, hash: String) {
        self.sequence = sequence
        self.draft = draft
        self.previousHash = previousHash
        self.hash = hash
    }

    /// Chains `drafts` after the log's tail (nil: the log is empty). An index calls this inside the transaction that
    /// read the tail and inserts the entries, with the tail locked, so the chain never forks.
    public static func chain(_ drafts: [AuditDraft], after tail: (sequence: Int64, hash: String)?) -> [AuditEntry] {
        AuditChain.chain(drafts, after: tail)
    }
}

extension VaultIndex {
    func append(audit: [AuditDraft]) throws { try append(audit: audit, flushed: true) }

    /// Inserts documents no other writer stores (bulk loads, benchmarks): a document already there is left unchanged.
    @discardableResult
    public func commitDocuments(_ documents: [IndexedDocument], subjects: [IndexedSubject], audit: [AuditDraft]) throws -> [DocumentCommit] {
        try commitDocuments(documents, subjects: subjects, joining: { _, _ in [] }, audit: { _ in audit })
    }
}

extension VaultIndex {
    /// One call per lookup: right for an index in the same process (SQLite); a server-backed index answers in one
    /// round trip instead.
    public func subjects(lookups: [String]) throws -> [String: IndexedSubject] {
        var found: [String: IndexedSubject] = [:]
        for lookup in Set(lookups) { if let subject = try subject(lookup: lookup) { found[lookup] = subject } }
        return found
    }

    public func documents(ids: [String]) throws -> [String: IndexedDocument] {
        var found: [String: IndexedDocument] = [:]
        for id in Set(ids) { if let document = try document(id: id) { found[id] = document } }
        return found
    }
}
