import EDSCrypto
import Foundation
import GRDB

/// The embedded index: one SQLite database in WAL mode, shared safely by several processes.
///
/// Durability: `synchronous = FULL`, so a committed transaction survives power loss, not only a killed process.
/// Erasure: `secure_delete = ON` overwrites deleted rows in place, and `compact()` truncates the WAL, so erased
/// values are not left in free pages or old log frames.
public final class SQLiteVaultIndex: VaultIndex {
    let pool: DatabasePool
    public let path: String

    public init(path: String) throws {
        var configuration = Configuration()
        // Another process may hold the write lock (a second CLI, the HR service); wait rather than fail.
        configuration.busyMode = .timeout(60)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        // The index holds BINs, hashes, types and the audit log: a new one is made 0600 before SQLite opens it, and
        // SQLite gives its -wal and -shm files the database file's mode (issue 23, item 8: they were 0644).
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        if descriptor >= 0 { close(descriptor) }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw VaultError.io("cannot open the vault index \(path): \(error)")
        }
        self.path = path
    }

    // MARK: - Schema

    public func prepare(masterKeyCheck: String, creating: Bool) throws {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE vault_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    CREATE TABLE subjects (
                        lookup TEXT PRIMARY KEY, pseudonym TEXT NOT NULL UNIQUE, wrapped_data_key BLOB);
                    CREATE TABLE documents (
                        id TEXT PRIMARY KEY, owner_lookup TEXT NOT NULL, employer_bin TEXT NOT NULL, type TEXT NOT NULL,
                        size INTEGER NOT NULL, stored_at INTEGER NOT NULL, status TEXT NOT NULL,
                        signature_count INTEGER NOT NULL DEFAULT 0, sealed_metadata BLOB NOT NULL);
                    CREATE INDEX documents_by_owner ON documents (owner_lookup, stored_at);
                    CREATE INDEX documents_by_employer ON documents (employer_bin, stored_at);
                    CREATE TABLE signatures (
                        id TEXT PRIMARY KEY, document_id TEXT NOT NULL REFERENCES documents(id),
                        added_at INTEGER NOT NULL, sealed_signers BLOB NOT NULL);
                    CREATE INDEX signatures_by_document ON signatures (document_id);
                    CREATE TABLE tombstones (
                        document_id TEXT NOT NULL, type TEXT NOT NULL, stored_at INTEGER NOT NULL,
                        erased_at INTEGER NOT NULL, signature_count INTEGER NOT NULL);
                    CREATE TABLE proof_links (
                        token_hash TEXT PRIMARY KEY, document_id TEXT NOT NULL REFERENCES documents(id),
                        created_at INTEGER NOT NULL);
                    CREATE TABLE pending_objects (object_id TEXT PRIMARY KEY, created_at INTEGER NOT NULL);
                    CREATE TABLE audit (
                        sequence INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
                        object TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL,
                        previous_hash TEXT NOT NULL, hash TEXT NOT NULL);
                    """)
        }
        // Documents with several owners: one row per owner, holding the document's key wrapped for that owner. A
        // document stored before keeps its key (the owner's data key): its owner row has no wrapped key.
        migrator.registerMigration("v2-document-owners") { db in
            try db.execute(sql: Self.ownersMigration)
        }
        // Proof links with a scope and a life (issue 23): links made before become proof-only (they never carry the
        // document again) and expire `Vault.defaultLinkLifetime` after the upgrade.
        migrator.registerMigration("v3-link-scopes") { db in
            try db.execute(sql: Self.linkScopesMigration, arguments: [VaultClock.milliseconds(VaultClock.now().addingTimeInterval(Vault.defaultLinkLifetime))])
        }
        // The vault API's keys, sign-in nonces, logouts and idempotent answers (SQLiteVaultIndex+Access.swift).
        migrator.registerMigration("v4-api-keys") { db in try db.execute(sql: Self.accessMigration) }
        // Signing sessions (issue 22): SQLiteVaultIndex+SigningSessions.swift.
        Self.registerSigningSessionMigration(&migrator)
        do { try migrator.migrate(pool) } catch { throw VaultError.io("cannot prepare the vault index \(path): \(error)") }
        try write { db in
            let stored = try String.fetchOne(db, sql: "SELECT value FROM vault_meta WHERE key = 'master_key_check'")
            if let stored {
                guard stored == masterKeyCheck else {
                    throw VaultError.wrongMasterKey("the master key does not belong to this vault")
                }
            } else if creating {
                try db.execute(
                    sql: "INSERT INTO vault_meta (key, value) VALUES ('master_key_check', ?), ('format', 'eds-vault/1')",
                    arguments: [masterKeyCheck])
            } else {
                throw VaultError.notFound("not a vault (no index metadata): \(path)")
            }
        }
    }

    static let ownersMigration = """
        CREATE TABLE document_owners (
            document_id TEXT NOT NULL REFERENCES documents(id), owner_lookup TEXT NOT NULL, ordinal INTEGER NOT NULL,
            wrapped_document_key BLOB, sealed_entry BLOB, PRIMARY KEY (document_id, owner_lookup));
        CREATE INDEX document_owners_by_owner ON document_owners (owner_lookup, document_id);
        INSERT INTO document_owners (document_id, owner_lookup, ordinal) SELECT id, owner_lookup, 0 FROM documents;
        UPDATE documents SET owner_lookup = '';
        DROP INDEX documents_by_owner;
        """

    static let linkScopesMigration = """
        ALTER TABLE proof_links ADD COLUMN expires_at INTEGER;
        ALTER TABLE proof_links ADD COLUMN with_document INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE proof_links ADD COLUMN revoked_at INTEGER;
        CREATE INDEX proof_links_by_document ON proof_links (document_id);
        UPDATE proof_links SET expires_at = ?;
        """

    // MARK: - Subjects

    public func storeSubjects(_ subjects: [IndexedSubject]) throws -> [String: IndexedSubject] {
        try write { db in
            var stored: [String: IndexedSubject] = [:]
            for subject in subjects {
                if let existing = try Self.subject(db, lookup: subject.lookup), existing.wrappedDataKey != nil {
                    stored[subject.lookup] = existing
                    continue
                }
                try db.execute(
                    sql: """
                        INSERT INTO subjects (lookup, pseudonym, wrapped_data_key) VALUES (?, ?, ?)
                        ON CONFLICT (lookup) DO UPDATE SET wrapped_data_key = excluded.wrapped_data_key
                        """,
                    arguments: [subject.lookup, subject.pseudonym, subject.wrappedDataKey])
                stored[subject.lookup] = try Self.subject(db, lookup: subject.lookup)
            }
            return stored
        }
    }

    public func pseudonyms(for lookups: [String]) throws -> [String: String] {
        // Known subjects are the common case: a read, not a write transaction.
        let known = try pool.read { db in
            try lookups.compactMap { lookup in try Self.subject(db, lookup: lookup).map { (lookup, $0.pseudonym) } }
        }
        if known.count == lookups.count { return Dictionary(known, uniquingKeysWith: { first, _ in first }) }
        return try write { db in
            var result: [String: String] = [:]
            for lookup in lookups {
                if let existing = try Self.subject(db, lookup: lookup) {
                    result[lookup] = existing.pseudonym
                } else {
                    let pseudonym = try Self.newPseudonym()
                    try db.execute(
                        sql: "INSERT INTO subjects (lookup, pseudonym) VALUES (?, ?)", arguments: [lookup, pseudonym])
                    result[lookup] = pseudonym
                }
            }
            return result
        }
    }

    static func newPseudonym() throws -> String {
        "s-" + (try VaultRandom.hex(bytes: 12))
    }

    public func subject(lookup: String) throws -> IndexedSubject? {
        try pool.read { db in try Self.subject(db, lookup: lookup) }
    }

    private static func subject(_ db: Database, lookup: String) throws -> IndexedSubject? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM subjects WHERE lookup = ?", arguments: [lookup]) else {
            return nil
        }
        return IndexedSubject(lookup: row["lookup"], pseudonym: row["pseudonym"], wrappedDataKey: row["wrapped_data_key"])
    }

    // MARK: - Documents and signatures

    public func commitDocuments(
        _ documents: [IndexedDocument], subjects: [IndexedSubject],
        joining: (IndexedDocument, [String: IndexedSubject]) throws -> [IndexedOwner],
        audit: ([DocumentCommit]) -> [AuditDraft]
    ) throws -> [DocumentCommit] {
        try write { db in
            for subject in subjects {
                guard let current = try Self.subject(db, lookup: subject.lookup), current.wrappedDataKey == subject.wrappedDataKey
                else {
                    throw VaultError.conflict("the owner's data was erased while the documents were being stored; nothing was stored")
                }
            }
            var outcomes: [DocumentCommit] = []
            for document in documents {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO documents
                            (id, owner_lookup, employer_bin, type, size, stored_at, status, signature_count, sealed_metadata)
                        VALUES (?, '', ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        document.id, document.employerBIN, document.type, document.size,
                        VaultClock.milliseconds(document.storedAt), document.status, document.signatureCount,
                        document.sealedMetadata,
                    ])
                if db.changesCount == 1 {
                    try Self.insertOwners(db, document.owners, documentID: document.id, after: 0)
                    outcomes.append(.inserted)
                } else if let stored = try Self.fetchDocuments(db, where: "id = ?", [document.id], order: "id", limit: 1).first {
                    // The write lock is held: the row read here is the row this transaction commits against.
                    var storedSubjects: [String: IndexedSubject] = [:]
                    for owner in stored.owners {
                        storedSubjects[owner.lookup] = try Self.subject(db, lookup: owner.lookup)
                    }
                    let added = try joining(stored, storedSubjects).filter { owner in !stored.owners.contains { $0.lookup == owner.lookup } }
                    try Self.insertOwners(db, added, documentID: document.id, after: stored.owners.count)
                    outcomes.append(added.isEmpty ? .unchanged : .joined(added.map(\.lookup)))
                } else {
                    throw VaultError.io("document \(document.id) is neither inserted nor readable in the index")
                }
            }
            try Self.appendAudit(db, audit(outcomes))
            return outcomes
        }
    }

    private static func insertOwners(_ db: Database, _ owners: [IndexedOwner], documentID: String, after ordinal: Int) throws {
        for (position, owner) in owners.enumerated() {
            try db.execute(
                sql: """
                    INSERT INTO document_owners (document_id, owner_lookup, ordinal, wrapped_document_key, sealed_entry)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [documentID, owner.lookup, ordinal + position, owner.wrappedDocumentKey, owner.sealedEntry])
        }
    }

    public func commitSignature(
        _ signature: IndexedSignature, documentID: String, status: String, audit: [AuditDraft]
    ) throws {
        try write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM documents WHERE id = ?", arguments: [documentID]) == true else {
                throw VaultError.notFound("document \(documentID) is not in the vault (erased meanwhile?)")
            }
            try db.execute(
                sql: "INSERT OR IGNORE INTO signatures (id, document_id, added_at, sealed_signers) VALUES (?, ?, ?, ?)",
                arguments: [signature.id, documentID, VaultClock.milliseconds(signature.addedAt), signature.sealedSigners])
            try db.execute(
                sql: """
                    UPDATE documents SET status = ?,
                        signature_count = (SELECT count(*) FROM signatures WHERE document_id = ?) WHERE id = ?
                    """,
                arguments: [status, documentID, documentID])
            try Self.appendAudit(db, audit)
        }
    }

    public func replaceSignature(_ oldID: String, with signature: IndexedSignature, audit: [AuditDraft]) throws {
        try write { db in
            try db.execute(
                sql: "DELETE FROM signatures WHERE id = ? AND document_id = ?", arguments: [oldID, signature.documentID])
            guard db.changesCount == 1 else {
                throw VaultError.notFound("signature \(oldID) is no longer in the vault (erased meanwhile?)")
            }
            try db.execute(
                sql: "INSERT OR IGNORE INTO signatures (id, document_id, added_at, sealed_signers) VALUES (?, ?, ?, ?)",
                arguments: [signature.id, signature.documentID, VaultClock.milliseconds(signature.addedAt), signature.sealedSigners])
            try db.execute(
                sql: "UPDATE documents SET signature_count = (SELECT count(*) FROM signatures WHERE document_id = ?) WHERE id = ?",
                arguments: [signature.documentID, signature.documentID])
            try db.execute(
                sql: "INSERT OR IGNORE INTO pending_objects (object_id, created_at) VALUES (?, ?)",
                arguments: [oldID, VaultClock.milliseconds(VaultClock.now())])
            try Self.appendAudit(db, audit)
        }
    }

    public func document(id: String) throws -> IndexedDocument? {
        try pool.read { db in try Self.fetchDocuments(db, where: "id = ?", [id], order: "id", limit: 1).first }
    }

    public func documents(ownerLookup: String?, employerBIN: String?, limit: Int) throws -> [IndexedDocument] {
        try pool.read { db in
            var conditions: [String] = []
            var arguments: [(any DatabaseValueConvertible)?] = []
            if let ownerLookup {
                conditions.append("id IN (SELECT document_id FROM document_owners WHERE owner_lookup = ?)")
                arguments.append(ownerLookup)
            }
            if let employerBIN {
                conditions.append("employer_bin = ?")
                arguments.append(employerBIN)
            }
            return try Self.fetchDocuments(
                db, where: conditions.isEmpty ? "1" : conditions.joined(separator: " AND "), arguments,
                order: "stored_at, id", limit: limit)
        }
    }

    public func documentPage(after id: String?, limit: Int) throws -> [IndexedDocument] {
        try pool.read { db in try Self.fetchDocuments(db, where: "id > ?", [id ?? ""], order: "id", limit: limit) }
    }

    /// A page of documents with their owners: one query, one row per owner, grouped back into documents.
    private static func fetchDocuments(
        _ db: Database, where condition: String, _ arguments: [(any DatabaseValueConvertible)?], order: String, limit: Int
    ) throws -> [IndexedDocument] {
        let ordered = order.split(separator: ",").map { "page.\($0.trimmingCharacters(in: .whitespaces))" }.joined(separator: ", ")
        let rows = try Row.fetchCursor(
            db,
            sql: """
                WITH page AS (SELECT * FROM documents WHERE \(condition) ORDER BY \(order) LIMIT ?)
                SELECT page.*, o.owner_lookup AS o_lookup, o.wrapped_document_key AS o_key, o.sealed_entry AS o_entry
                FROM page LEFT JOIN document_owners o ON o.document_id = page.id
                ORDER BY \(ordered), o.ordinal, o.owner_lookup
                """,
            arguments: StatementArguments(arguments + [limit]))
        var documents: [IndexedDocument] = []
        while let row = try rows.next() {
            let id: String = row["id"]
            if documents.last?.id != id {
                documents.append(
                    IndexedDocument(
                        id: id, owners: [], employerBIN: row["employer_bin"], type: row["type"], size: row["size"],
                        storedAt: VaultClock.date(milliseconds: row["stored_at"]), status: row["status"],
                        signatureCount: row["signature_count"], sealedMetadata: row["sealed_metadata"]))
            }
            if let lookup: String = row["o_lookup"] {
                documents[documents.count - 1].owners.append(
                    IndexedOwner(lookup: lookup, wrappedDocumentKey: row["o_key"], sealedEntry: row["o_entry"]))
            }
        }
        return documents
    }

    public func allSignatures() throws -> [IndexedSignature] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM signatures ORDER BY document_id, added_at, id").map(Self.signature)
        }
    }

    private static func signature(_ row: Row) -> IndexedSignature {
        IndexedSignature(
            id: row["id"], documentID: row["document_id"], addedAt: VaultClock.date(milliseconds: row["added_at"]),
            sealedSigners: row["sealed_signers"])
    }

    public func signatures(documentID: String) throws -> [IndexedSignature] {
        try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM signatures WHERE document_id = ? ORDER BY added_at, id", arguments: [documentID]
            ).map(Self.signature)
        }
    }

    public func tombstones() throws -> [Tombstone] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM tombstones ORDER BY erased_at").map {
                Tombstone(
                    documentID: $0["document_id"], type: DocumentType(rawValue: $0["type"]) ?? .other,
                    storedAt: VaultClock.date(milliseconds: $0["stored_at"]),
                    erasedAt: VaultClock.date(milliseconds: $0["erased_at"]), signatureCount: $0["signature_count"])
            }
        }
    }

    // MARK: - Audit

    public func append(audit: [AuditDraft], flushed: Bool) throws {
        try write(flushed: flushed) { db in try Self.appendAudit(db, audit) }
    }

    /// Runs inside the caller's write transaction, so the chain's tail cannot move between reading and appending.
    static func appendAudit(_ db: Database, _ drafts: [AuditDraft]) throws {
        guard !drafts.isEmpty else { return }
        let last = try Row.fetchOne(db, sql: "SELECT sequence, hash FROM audit ORDER BY sequence DESC LIMIT 1")
            .map { (sequence: $0["sequence"] as Int64, hash: $0["hash"] as String) }
        for entry in AuditChain.chain(drafts, after: last) {
            try db.execute(
                sql: """
                    INSERT INTO audit (sequence, at, actor, action, object, outcome, detail, previous_hash, hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    entry.sequence, VaultClock.milliseconds(entry.draft.at), entry.draft.actor, entry.draft.action,
                    entry.draft.object, entry.draft.outcome, entry.draft.detail, entry.previousHash, entry.hash,
                ])
        }
    }

    public func auditEntries() throws -> [AuditEntry] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit ORDER BY sequence").map {
                AuditEntry(
                    sequence: $0["sequence"],
                    draft: AuditDraft(
                        at: VaultClock.date(milliseconds: $0["at"]), actor: $0["actor"], action: $0["action"],
                        object: $0["object"], outcome: $0["outcome"], detail: $0["detail"]),
                    previousHash: $0["previous_hash"], hash: $0["hash"])
            }
        }
    }

    // MARK: - Erasure

    public func erase(ownerLookup: String, erasedAt: Date, audit: (Int, Int, Int) -> [AuditDraft]) throws -> IndexedErasure {
        try write { db in
            let documentIDs = try String.fetchAll(
                db, sql: "SELECT document_id FROM document_owners WHERE owner_lookup = ? ORDER BY document_id",
                arguments: [ownerLookup])
            var objects: [String] = []
            var shared: [String] = []
            var signatureCount = 0
            let erased = VaultClock.milliseconds(erasedAt)
            for documentID in documentIDs {
                let owners = try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM document_owners WHERE document_id = ?", arguments: [documentID]) ?? 0
                try db.execute(
                    sql: "DELETE FROM document_owners WHERE document_id = ? AND owner_lookup = ?", arguments: [documentID, ownerLookup])
                // Another owner keeps the document, its signatures and links: only this owner's row went.
                if owners > 1 {
                    shared.append(documentID)
                    continue
                }
                objects.append(documentID)
                let signatureIDs = try String.fetchAll(
                    db, sql: "SELECT id FROM signatures WHERE document_id = ?", arguments: [documentID])
                signatureCount += signatureIDs.count
                objects += signatureIDs
                try db.execute(
                    sql: """
                        INSERT INTO tombstones (document_id, type, stored_at, erased_at, signature_count)
                        SELECT id, type, stored_at, ?, ? FROM documents WHERE id = ?
                        """,
                    arguments: [erased, signatureIDs.count, documentID])
                try db.execute(sql: "DELETE FROM signatures WHERE document_id = ?", arguments: [documentID])
                try db.execute(sql: "DELETE FROM proof_links WHERE document_id = ?", arguments: [documentID])
                try db.execute(sql: "DELETE FROM documents WHERE id = ?", arguments: [documentID])
            }
            try db.execute(sql: "DELETE FROM subjects WHERE lookup = ?", arguments: [ownerLookup])
            for object in objects {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO pending_objects (object_id, created_at) VALUES (?, ?)", arguments: [object, erased])
            }
            try Self.appendAudit(db, audit(documentIDs.count - shared.count, signatureCount, shared.count))
            return IndexedErasure(objects: objects, sharedDocuments: shared)
        }
    }

    public func compact() throws {
        do {
            _ = try pool.writeWithoutTransaction { db in
                try db.checkpoint(.truncate)
            }
        } catch {
            throw VaultError.io("cannot checkpoint the vault index: \(error)")
        }
    }

    // MARK: - Pending objects

    public func pendingObjects() throws -> [String] {
        try pool.read { db in try String.fetchAll(db, sql: "SELECT object_id FROM pending_objects") }
    }

    public func clearPending(_ objectIDs: [String]) throws {
        try write { db in try Self.deletePending(db, objectIDs) }
    }

    private static func deletePending(_ db: Database, _ objectIDs: [String]) throws {
        for object in objectIDs {
            try db.execute(sql: "DELETE FROM pending_objects WHERE object_id = ?", arguments: [object])
        }
    }

    public func referencedObjects() throws -> Set<String> {
        try pool.read { db in
            Set(try String.fetchAll(db, sql: "SELECT id FROM documents UNION ALL SELECT id FROM signatures"))
        }
    }

    // MARK: - Trust seal

    public func trustSeal() throws -> (manifest: String, seal: String)? {
        try pool.read { db in
            let manifest = try String.fetchOne(db, sql: "SELECT value FROM vault_meta WHERE key = 'trust_manifest'")
            let seal = try String.fetchOne(db, sql: "SELECT value FROM vault_meta WHERE key = 'trust_seal'")
            guard let manifest, let seal else { return nil }
            return (manifest, seal)
        }
    }

    public func setTrustSeal(manifest: String, seal: String, audit: [AuditDraft]) throws {
        try write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO vault_meta (key, value) VALUES ('trust_manifest', ?), ('trust_seal', ?)",
                arguments: [manifest, seal])
            try Self.appendAudit(db, audit)
        }
    }

    // MARK: - Links

    public func insertLink(_ link: IndexedLink, audit: [AuditDraft]) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO proof_links (token_hash, document_id, created_at, expires_at, with_document, revoked_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    link.tokenHash, link.documentID, VaultClock.milliseconds(link.createdAt), link.expiresAt.map(VaultClock.milliseconds),
                    link.withDocument ? 1 : 0, link.revokedAt.map(VaultClock.milliseconds),
                ])
            try Self.appendAudit(db, audit)
        }
    }

    static let linkColumns = "token_hash, document_id, created_at, expires_at, with_document, revoked_at"

    static func link(_ row: Row) -> IndexedLink {
        IndexedLink(
            tokenHash: row["token_hash"], documentID: row["document_id"], createdAt: VaultClock.date(milliseconds: row["created_at"]),
            expiresAt: (row["expires_at"] as Int64?).map { VaultClock.date(milliseconds: $0) }, withDocument: (row["with_document"] as Int64? ?? 0) != 0,
            revokedAt: (row["revoked_at"] as Int64?).map { VaultClock.date(milliseconds: $0) })
    }

    public func link(tokenHash: String) throws -> IndexedLink? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.linkColumns) FROM proof_links WHERE token_hash = ?", arguments: [tokenHash]).map(Self.link)
        }
    }

    public func links(documentID: String?) throws -> [IndexedLink] {
        try pool.read { db in
            if let documentID {
                return try Row.fetchAll(
                    db, sql: "SELECT \(Self.linkColumns) FROM proof_links WHERE document_id = ? ORDER BY created_at, token_hash",
                    arguments: [documentID]
                ).map(Self.link)
            }
            return try Row.fetchAll(db, sql: "SELECT \(Self.linkColumns) FROM proof_links ORDER BY created_at, token_hash").map(Self.link)
        }
    }

    public func revokeLink(tokenHash: String, revokedAt: Date, audit: [AuditDraft]) throws -> Bool {
        try write { db in
            guard try Row.fetchOne(db, sql: "SELECT 1 FROM proof_links WHERE token_hash = ?", arguments: [tokenHash]) != nil else { return false }
            try db.execute(
                sql: "UPDATE proof_links SET revoked_at = COALESCE(revoked_at, ?) WHERE token_hash = ?",
                arguments: [VaultClock.milliseconds(revokedAt), tokenHash])
            try Self.appendAudit(db, audit)
            return true
        }
    }

    // MARK: - Transactions

    /// One IMMEDIATE transaction: the write lock is taken up front, so two processes never deadlock upgrading a
    /// read lock. `synchronous` is set per transaction (GRDB sets NORMAL when it enables WAL): FULL flushes the WAL
    /// at commit, so an acknowledged change survives a power cut; NORMAL only for audit entries of listings.
    func write<T>(flushed: Bool = true, _ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                try db.execute(sql: flushed ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch let error as VaultError {
            throw error
        } catch {
            throw VaultError.io("vault index: \(error)")
        }
    }
}

enum VaultRandom {
    static func hex(bytes: Int) throws -> String {
        do {
            return try SecureRandom.bytes(bytes).hexString
        } catch {
            throw VaultError.io("the random generator failed")
        }
    }
}
