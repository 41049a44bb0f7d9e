import EDSCrypto
import EDSVault
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// The vault index in a PostgreSQL server, for installations that outgrow one machine: several hosts (HR service
/// instances, CLIs) share one index, with the same semantics as the embedded `SQLiteVaultIndex`.
///
/// Transactions: every protocol method is one transaction (READ COMMITTED). Audit entries are chained under
/// `LOCK TABLE audit IN EXCLUSIVE MODE`, taken as the transaction's last step, so two writers anywhere append one
/// unforked chain; plain reads of the log are not blocked by it.
///
/// Durability: `synchronous_commit` stays at the server's default (on): COMMIT returns once the WAL is flushed. Only
/// `append(audit:flushed: false)` turns it off for its own transaction, as the SQLite index does with NORMAL.
///
/// Erasure: deleted rows are gone from every query at commit. PostgreSQL does not overwrite them: the old tuple
/// versions stay in the table files until VACUUM marks the space free and later writes reuse it, and in WAL segments
/// until they are recycled (and in WAL archives and base backups for as long as those are kept). `compact()` runs
/// VACUUM on the tables erasure touches; it does not zero the freed space. See Docs/vault.md, "PostgreSQL index".
///
/// Bridging: the protocol is synchronous. Each call borrows a connection from the index's small pool for its whole
/// transaction and waits on PostgresNIO's EventLoopFuture API from the calling thread; the connections' event loops
/// never block. Calls that overlap (the threads of a `serve` process sharing one vault) get connections of their own,
/// opened on demand up to `maxConnections`; beyond that a call waits for one to come back. A command-line run opens
/// one. Never call it on an event loop thread (NIO traps there).
public final class PostgresVaultIndex: VaultIndex {
    /// Where the index lives: `postgres://user[:password]@host[:port]/database[?schema=NAME][&sslmode=…][&sslrootcert=…]`.
    public struct Configuration: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var username: String
        public var password: String?
        public var database: String
        /// The schema holding the vault's tables (one database can hold several vaults); default `public`.
        public var schema: String
        /// TLS to the server, named as libpq names it (`sslmode`).
        public var tls: TLSMode
        /// PEM file of the certificate authority (or the server's own certificate) that `verify-full` trusts;
        /// nil: the system's roots.
        public var rootCertificate: String?

        public enum TLSMode: String, Sendable, Equatable {
            /// Plain TCP.
            case disable
            /// TLS when the server offers it, else plain; the certificate is not checked (libpq's default).
            case prefer
            /// TLS or no connection; the certificate is not checked (protects against eavesdroppers only).
            case require
            /// TLS, the chain checked against `sslrootcert` (or the system's roots) and the host name against it.
            case verifyFull = "verify-full"
        }

        /// Parses a connection URL. The password comes from the URL or, when it has none, `$PGPASSWORD`.
        public init(url: String, schema: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
            guard let components = URLComponents(string: url),
                components.scheme == "postgres" || components.scheme == "postgresql",
                let host = components.host, !host.isEmpty
            else {
                throw VaultError.invalidInput("not a PostgreSQL URL (postgres://user@host:port/database): \(Self.redacted(url))")
            }
            self.host = host
            port = components.port ?? 5432
            username = components.user ?? environment["PGUSER"] ?? "postgres"
            password = components.password ?? environment["PGPASSWORD"]
            let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
            database = path.isEmpty ? username : path
            let name = schema ?? components.queryItems?.first(where: { $0.name == "schema" })?.value ?? "public"
            // The schema is spliced into SQL as an identifier, so only plain lower-case names are accepted.
            guard name.range(of: "^[a-z_][a-z0-9_]{0,62}$", options: .regularExpression) != nil else {
                throw VaultError.invalidInput("a schema name is lower-case letters, digits and _: \(name)")
            }
            self.schema = name
            let items = components.queryItems ?? []
            let mode = items.first(where: { $0.name == "sslmode" })?.value ?? environment["PGSSLMODE"] ?? "prefer"
            guard let tls = TLSMode(rawValue: mode) else {
                throw VaultError.invalidInput("sslmode is disable, prefer, require or verify-full: \(mode)")
            }
            self.tls = tls
            rootCertificate = items.first(where: { $0.name == "sslrootcert" })?.value ?? environment["PGSSLROOTCERT"]
        }

        /// The URL without the password: what `vault init --index-url` records in `DIR/index.url`.
        public var url: String {
            var components = URLComponents()
            components.scheme = "postgres"
            components.user = username
            components.host = host
            components.port = port
            components.path = "/" + database
            var items: [URLQueryItem] = []
            if schema != "public" { items.append(URLQueryItem(name: "schema", value: schema)) }
            if tls != .prefer { items.append(URLQueryItem(name: "sslmode", value: tls.rawValue)) }
            if let rootCertificate { items.append(URLQueryItem(name: "sslrootcert", value: rootCertificate)) }
            components.queryItems = items.isEmpty ? nil : items
            return components.string ?? "postgres://\(username)@\(host):\(port)/\(database)"
        }

        static func redacted(_ url: String) -> String {
            guard var components = URLComponents(string: url), components.password != nil else { return url }
            components.password = "***"
            return components.string ?? "(unreadable URL)"
        }
    }

    public let configuration: Configuration
    private let pool: ConnectionPool
    // PostgresNIO logs at debug and trace; the CLI's stdout must carry only its own output. Failures are thrown.
    private let logger = Logger(label: "eds.vault.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    /// `maxConnections`: how many calls of this index may run on the server at once (each on its own connection).
    public init(configuration: Configuration, maxConnections: Int = 4) throws {
        self.configuration = configuration
        pool = ConnectionPool(limit: max(1, maxConnections))
        // Connect now, so a wrong URL or an unreachable server fails where the index is opened.
        try withSession { _ in }
    }

    public convenience init(
        url: String, schema: String? = nil, maxConnections: Int = 4,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        try self.init(configuration: try Configuration(url: url, schema: schema, environment: environment), maxConnections: maxConnections)
    }

    deinit {
        // Not waited for: a deinit may run anywhere (even on an event loop). The completion handler keeps the
        // connection alive until the socket is closed, which PostgresNIO requires of a connection it releases.
        for open in pool.drain() {
            open.close().whenComplete { _ in _ = open }
        }
    }

    /// Closes the idle connections; a later call reconnects.
    public func close() {
        for open in pool.drain() { try? open.close().wait() }
    }

    // MARK: - The vault directory's pointer to its index

    /// `DIR/index.url`: present when the vault's index is in PostgreSQL; holds the URL without the password.
    public static let urlFileName = "index.url"

    /// Records the index's URL (without password) in the vault directory, so every later command finds it.
    public static func record(_ configuration: Configuration, inVault directory: URL) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data((configuration.url + "\n").utf8).write(
                to: directory.appendingPathComponent(urlFileName), options: .atomic)
        } catch {
            throw VaultError.io("cannot write \(directory.appendingPathComponent(urlFileName).path): \(error)")
        }
    }

    /// The PostgreSQL index a vault directory points to, or nil when it uses the embedded SQLite index.
    public static func configured(
        forVault directory: URL, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> PostgresVaultIndex? {
        let file = directory.appendingPathComponent(urlFileName)
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        guard let text = try? String(contentsOf: file, encoding: .utf8) else {
            throw VaultError.io("cannot read \(file.path)")
        }
        return try PostgresVaultIndex(url: text.trimmingCharacters(in: .whitespacesAndNewlines), environment: environment)
    }

    // MARK: - Schema

    public func prepare(masterKeyCheck: String, creating: Bool) throws {
        let schema = configuration.schema
        try transaction { db in
            // Two processes preparing at once would race on CREATE … IF NOT EXISTS (it is not atomic in PostgreSQL).
            try db.execute("SELECT pg_advisory_xact_lock(hashtext('eds-vault-schema:' || $1))", [.text(schema)])
            // DDL only when the tables are absent: a role without CREATE rights can open an existing vault. DDL is
            // transactional in PostgreSQL, so a failed first prepare leaves nothing half made.
            let exists = try db.rows("SELECT to_regclass('vault_meta') IS NOT NULL").first?.decode(Bool.self) ?? false
            if !exists {
                try db.execute("CREATE SCHEMA IF NOT EXISTS \"\(schema)\"")
                for statement in Self.schema { try db.execute(statement) }
            }
            // Documents with several owners (as SQLiteVaultIndex's migration "v2-document-owners"): one row per owner
            // with the document's key wrapped for them; a document stored before keeps its owner's key (no wrapped key).
            let hasOwners = try db.rows("SELECT to_regclass('document_owners') IS NOT NULL").first?.decode(Bool.self) ?? false
            if !hasOwners {
                for statement in Self.ownersMigration { try db.execute(statement) }
            }
            // Proof links with a scope and a life (as SQLiteVaultIndex's migration "v3-link-scopes"): links made
            // before become proof-only and expire `Vault.defaultLinkLifetime` after the upgrade.
            let hasScopes = try !db.rows(
                "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'proof_links' AND column_name = 'expires_at'"
            ).isEmpty
            if !hasScopes {
                for statement in Self.linkScopesMigration { try db.execute(statement) }
                try db.execute(
                    "UPDATE proof_links SET expires_at = $1",
                    [.int(Milliseconds.of(Date().addingTimeInterval(Vault.defaultLinkLifetime)))])
            }
            try Self.addPerformanceIndexes(db)
            // The vault API's keys, sign-in nonces, logouts and idempotent answers (PostgresVaultIndex+Access.swift).
            try Self.addAccessTables(db)
            // Signing sessions (issue 22): PostgresVaultIndex+SigningSessions.swift.
            try Self.addSigningSessions(db)
            let stored = try db.rows("SELECT value FROM vault_meta WHERE key = 'master_key_check'").first
                .map { try $0.decode(String.self) }
            if let stored {
                guard stored == masterKeyCheck else {
                    throw VaultError.wrongMasterKey("the master key does not belong to this vault")
                }
            } else if creating {
                try db.execute(
                    "INSERT INTO vault_meta (key, value) VALUES ('master_key_check', $1), ('format', 'eds-vault/1')",
                    [.text(masterKeyCheck)])
            } else {
                throw VaultError.notFound("not a vault (no index metadata): \(configuration.url)")
            }
        }
    }

    /// The SQLite index's tables, in PostgreSQL types: whole milliseconds as BIGINT, sealed values as BYTEA.
    static let schema = [
        "CREATE TABLE IF NOT EXISTS vault_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS subjects (lookup TEXT PRIMARY KEY, pseudonym TEXT NOT NULL UNIQUE, wrapped_data_key BYTEA)",
        """
        CREATE TABLE IF NOT EXISTS documents (
            id TEXT PRIMARY KEY, owner_lookup TEXT NOT NULL, employer_bin TEXT NOT NULL, type TEXT NOT NULL,
            size BIGINT NOT NULL, stored_at BIGINT NOT NULL, status TEXT NOT NULL,
            signature_count BIGINT NOT NULL DEFAULT 0, sealed_metadata BYTEA NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS documents_by_owner ON documents (owner_lookup, stored_at)",
        "CREATE INDEX IF NOT EXISTS documents_by_employer ON documents (employer_bin, stored_at)",
        """
        CREATE TABLE IF NOT EXISTS signatures (
            id TEXT PRIMARY KEY, document_id TEXT NOT NULL REFERENCES documents(id),
            added_at BIGINT NOT NULL, sealed_signers BYTEA NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS signatures_by_document ON signatures (document_id)",
        """
        CREATE TABLE IF NOT EXISTS tombstones (
            document_id TEXT NOT NULL, type TEXT NOT NULL, stored_at BIGINT NOT NULL,
            erased_at BIGINT NOT NULL, signature_count BIGINT NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS proof_links (
            token_hash TEXT PRIMARY KEY, document_id TEXT NOT NULL REFERENCES documents(id), created_at BIGINT NOT NULL)
        """,
        "CREATE TABLE IF NOT EXISTS pending_objects (object_id TEXT PRIMARY KEY, created_at BIGINT NOT NULL)",
        """
        CREATE TABLE IF NOT EXISTS audit (
            sequence BIGINT PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
            object TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL,
            previous_hash TEXT NOT NULL, hash TEXT NOT NULL)
        """,
    ]

    static let ownersMigration = [
        """
        CREATE TABLE document_owners (
            document_id TEXT NOT NULL REFERENCES documents(id), owner_lookup TEXT NOT NULL, ordinal BIGINT NOT NULL,
            wrapped_document_key BYTEA, sealed_entry BYTEA, PRIMARY KEY (document_id, owner_lookup))
        """,
        "CREATE INDEX document_owners_by_owner ON document_owners (owner_lookup, document_id)",
        "INSERT INTO document_owners (document_id, owner_lookup, ordinal) SELECT id, owner_lookup, 0 FROM documents",
        "UPDATE documents SET owner_lookup = ''",
        "DROP INDEX documents_by_owner",
    ]

    static let linkScopesMigration = [
        "ALTER TABLE proof_links ADD COLUMN expires_at BIGINT",
        "ALTER TABLE proof_links ADD COLUMN with_document BOOLEAN NOT NULL DEFAULT FALSE",
        "ALTER TABLE proof_links ADD COLUMN revoked_at BIGINT",
        "CREATE INDEX proof_links_by_document ON proof_links (document_id)",
    ]

    /// Indexes that only make queries faster, added to vaults made before them. `documentPage` pages in byte order
    /// (`id COLLATE "C"`), which the primary key's index (the database's default collation) cannot serve even where
    /// that default is C: without this index each page of `vault check` was a sequential scan and sort of the whole
    /// table (236 ms per page among 1,000,000 rows, `EXPLAIN ANALYZE`). A role that may not create indexes still
    /// opens the vault (the savepoint undoes the failed attempt); the scans are then slower, never wrong.
    private static func addPerformanceIndexes(_ db: Session) throws {
        let exists = try db.rows("SELECT to_regclass('documents_by_id_bytes') IS NOT NULL").first?.decode(Bool.self) ?? false
        guard !exists else { return }
        try db.execute("SAVEPOINT performance_indexes")
        do {
            try db.execute("CREATE INDEX documents_by_id_bytes ON documents (id COLLATE \"C\")")
            try db.execute("RELEASE SAVEPOINT performance_indexes")
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42501" {
            try db.execute("ROLLBACK TO SAVEPOINT performance_indexes")
        }
    }

    // MARK: - Subjects

    public func storeSubjects(_ subjects: [IndexedSubject]) throws -> [String: IndexedSubject] {
        try transaction { db in
            var stored: [String: IndexedSubject] = [:]
            for subject in subjects {
                // Keeps a data key already there, even one a concurrent writer committed after our check: ON CONFLICT
                // re-reads the latest row version, and the caller seals with the key returned here.
                let row = try db.rows(
                    """
                    INSERT INTO subjects (lookup, pseudonym, wrapped_data_key) VALUES ($1, $2, $3)
                    ON CONFLICT (lookup) DO UPDATE
                        SET wrapped_data_key = COALESCE(subjects.wrapped_data_key, excluded.wrapped_data_key)
                    RETURNING lookup, pseudonym, wrapped_data_key
                    """,
                    [.text(subject.lookup), .text(subject.pseudonym), .bytes(subject.wrappedDataKey)])
                if let row = row.first { stored[subject.lookup] = try Self.subject(row) }
            }
            return stored
        }
    }

    public func pseudonyms(for lookups: [String]) throws -> [String: String] {
        // Known subjects are the common case (every audited read names its actor): one SELECT, no write transaction.
        let known = try read { db in
            try db.rows("SELECT lookup, pseudonym FROM subjects WHERE lookup = ANY($1)", [.texts(lookups)])
                .map { try $0.decode((String, String).self) }
        }
        if Set(known.map(\.0)) == Set(lookups) { return Dictionary(known, uniquingKeysWith: { first, _ in first }) }
        return try transaction { db in
            var result: [String: String] = [:]
            for lookup in lookups {
                // A pseudonym is never replaced: the first one stored (perhaps by another writer) is the one returned.
                try db.execute(
                    "INSERT INTO subjects (lookup, pseudonym) VALUES ($1, $2) ON CONFLICT (lookup) DO NOTHING",
                    [.text(lookup), .text(try Self.newPseudonym())])
                if let row = try db.rows("SELECT pseudonym FROM subjects WHERE lookup = $1", [.text(lookup)]).first {
                    result[lookup] = try row.decode(String.self)
                }
            }
            return result
        }
    }

    static func newPseudonym() throws -> String {
        do {
            return "s-" + (try SecureRandom.bytes(12)).hexString
        } catch {
            throw VaultError.io("the random generator failed")
        }
    }

    public func subject(lookup: String) throws -> IndexedSubject? {
        try read { db in
            try db.rows("SELECT lookup, pseudonym, wrapped_data_key FROM subjects WHERE lookup = $1", [.text(lookup)])
                .first.map(Self.subject)
        }
    }

    public func subjects(lookups: [String]) throws -> [String: IndexedSubject] {
        guard !lookups.isEmpty else { return [:] }
        return try read { db in
            let rows = try db.rows(
                "SELECT lookup, pseudonym, wrapped_data_key FROM subjects WHERE lookup = ANY($1)", [.texts(Array(Set(lookups)))])
            return Dictionary(uniqueKeysWithValues: try rows.map(Self.subject).map { ($0.lookup, $0) })
        }
    }

    private static func subject(_ row: PostgresRow) throws -> IndexedSubject {
        let (lookup, pseudonym, key) = try row.decode((String, String, Data?).self)
        return IndexedSubject(lookup: lookup, pseudonym: pseudonym, wrappedDataKey: key)
    }

    // MARK: - Documents and signatures

    public func commitDocuments(
        _ documents: [IndexedDocument], subjects: [IndexedSubject],
        joining: (IndexedDocument, [String: IndexedSubject]) throws -> [IndexedOwner],
        audit: ([DocumentCommit]) -> [AuditDraft]
    ) throws -> [DocumentCommit] {
        try transaction { db in
            if !subjects.isEmpty {
                // FOR SHARE: an erasure of these subjects waits for this commit, or this check sees it done. One
                // statement for the whole batch, rows locked in lookup order (two batches never lock crosswise).
                var current: [String: Data?] = [:]
                for row in try db.rows(
                    "SELECT lookup, wrapped_data_key FROM subjects WHERE lookup = ANY($1) ORDER BY lookup FOR SHARE",
                    [.texts(subjects.map(\.lookup))])
                {
                    let (lookup, key) = try row.decode((String, Data?).self)
                    current[lookup] = key
                }
                for subject in subjects {
                    guard let key = current[subject.lookup], key == subject.wrappedDataKey else {
                        throw VaultError.conflict("the owner's data was erased while the documents were being stored; nothing was stored")
                    }
                }
            }
            let inserted = try Self.insertNew(documents, in: db)
            var outcomes: [DocumentCommit] = []
            for document in documents {
                outcomes.append(inserted.contains(document.id) ? .inserted : try Self.commit(document, in: db, joining: joining))
            }
            try Self.appendAudit(db, audit(outcomes))
            return outcomes
        }
    }

    /// The group commit's fast path: every document of the batch in one multi-row `INSERT … ON CONFLICT DO NOTHING`
    /// and every owner of those inserted in one more, instead of two statements per document. Returns the ids it
    /// inserted; the others (stored by another writer) go through `commit(_:in:joining:)`, which joins them. Rows go in
    /// id order, so two batches sharing documents wait for each other in one order (no deadlock between them).
    private static func insertNew(_ documents: [IndexedDocument], in db: Session) throws -> Set<String> {
        let sorted = documents.sorted { $0.id < $1.id }
        // The same id twice in one statement would make ON CONFLICT see its own row: the per-document path handles it.
        guard sorted.count > 1, zip(sorted, sorted.dropFirst()).allSatisfy({ $0.id != $1.id }) else { return [] }
        let inserted = Set(
            try db.rows(
                """
                INSERT INTO documents
                    (id, owner_lookup, employer_bin, type, size, stored_at, status, signature_count, sealed_metadata)
                SELECT id, '', employer_bin, type, size, stored_at, status, signature_count, sealed_metadata
                FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::bigint[], $8::bytea[])
                    AS batch (id, employer_bin, type, size, stored_at, status, signature_count, sealed_metadata)
                ON CONFLICT (id) DO NOTHING RETURNING id
                """,
                [
                    .texts(sorted.map(\.id)), .texts(sorted.map(\.employerBIN)), .texts(sorted.map(\.type)),
                    .ints(sorted.map { Int64($0.size) }), .ints(sorted.map { Milliseconds.of($0.storedAt) }),
                    .texts(sorted.map(\.status)), .ints(sorted.map { Int64($0.signatureCount) }),
                    .byteArrays(sorted.map(\.sealedMetadata)),
                ]
            ).map { try $0.decode(String.self) })
        let owners = sorted.filter { inserted.contains($0.id) }.flatMap { document in
            document.owners.enumerated().map { (documentID: document.id, ordinal: Int64($0.offset), owner: $0.element) }
        }
        // bytea[] elements cannot be NULL here: owners without a wrapped key (never written by a put today) go one by one.
        let complete = owners.filter { $0.owner.wrappedDocumentKey != nil && $0.owner.sealedEntry != nil }
        if !complete.isEmpty {
            try db.execute(
                """
                INSERT INTO document_owners (document_id, owner_lookup, ordinal, wrapped_document_key, sealed_entry)
                SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bytea[], $5::bytea[])
                """,
                [
                    .texts(complete.map(\.documentID)), .texts(complete.map(\.owner.lookup)), .ints(complete.map(\.ordinal)),
                    .byteArrays(complete.map { $0.owner.wrappedDocumentKey ?? Data() }),
                    .byteArrays(complete.map { $0.owner.sealedEntry ?? Data() }),
                ])
        }
        for incomplete in owners where incomplete.owner.wrappedDocumentKey == nil || incomplete.owner.sealedEntry == nil {
            try insertOwners(db, [incomplete.owner], documentID: incomplete.documentID, after: Int(incomplete.ordinal))
        }
        return inserted
    }

    /// Inserts the row, or joins the stored one. A concurrent insert of the same id makes ON CONFLICT wait for that
    /// transaction: if it commits, the row is read under FOR UPDATE (later joiners queue behind this one); if an
    /// erasure deletes it between the two statements, the insert is tried again.
    private static func commit(
        _ document: IndexedDocument, in db: Session, joining: (IndexedDocument, [String: IndexedSubject]) throws -> [IndexedOwner]
    ) throws -> DocumentCommit {
        for _ in 0..<5 {
            let inserted = try db.rows(
                """
                INSERT INTO documents
                    (id, owner_lookup, employer_bin, type, size, stored_at, status, signature_count, sealed_metadata)
                VALUES ($1, '', $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING RETURNING id
                """,
                [
                    .text(document.id), .text(document.employerBIN), .text(document.type), .int(Int64(document.size)),
                    .int(Milliseconds.of(document.storedAt)), .text(document.status), .int(Int64(document.signatureCount)),
                    .bytes(document.sealedMetadata),
                ])
            if !inserted.isEmpty {
                try insertOwners(db, document.owners, documentID: document.id, after: 0)
                return .inserted
            }
            guard try !db.rows("SELECT 1 FROM documents WHERE id = $1 FOR UPDATE", [.text(document.id)]).isEmpty,
                let stored = try fetchDocuments(db, where: "id = $1", [.text(document.id)], order: "id", limit: 1).first
            else { continue }
            var storedSubjects: [String: IndexedSubject] = [:]
            for row in try db.rows(
                "SELECT lookup, pseudonym, wrapped_data_key FROM subjects WHERE lookup = ANY($1)", [.texts(stored.owners.map(\.lookup))])
            {
                let subject = try Self.subject(row)
                storedSubjects[subject.lookup] = subject
            }
            let added = try joining(stored, storedSubjects).filter { owner in !stored.owners.contains { $0.lookup == owner.lookup } }
            try insertOwners(db, added, documentID: document.id, after: stored.owners.count)
            return added.isEmpty ? .unchanged : .joined(added.map(\.lookup))
        }
        throw VaultError.conflict("document \(document.id) was stored and erased by other writers repeatedly; nothing was stored")
    }

    private static func insertOwners(_ db: Session, _ owners: [IndexedOwner], documentID: String, after ordinal: Int) throws {
        for (position, owner) in owners.enumerated() {
            try db.execute(
                """
                INSERT INTO document_owners (document_id, owner_lookup, ordinal, wrapped_document_key, sealed_entry)
                VALUES ($1, $2, $3, $4, $5)
                """,
                [
                    .text(documentID), .text(owner.lookup), .int(Int64(ordinal + position)), .bytes(owner.wrappedDocumentKey),
                    .bytes(owner.sealedEntry),
                ])
        }
    }

    public func commitSignature(
        _ signature: IndexedSignature, documentID: String, status: String, audit: [AuditDraft]
    ) throws {
        try transaction { db in
            // FOR UPDATE: signatures of one document commit one after the other (the count stays right), and an
            // erasure cannot delete the document between this check and the insert.
            guard try !db.rows("SELECT 1 FROM documents WHERE id = $1 FOR UPDATE", [.text(documentID)]).isEmpty else {
                throw VaultError.notFound("document \(documentID) is not in the vault (erased meanwhile?)")
            }
            try db.execute(
                """
                INSERT INTO signatures (id, document_id, added_at, sealed_signers) VALUES ($1, $2, $3, $4)
                ON CONFLICT (id) DO NOTHING
                """,
                [.text(signature.id), .text(documentID), .int(Milliseconds.of(signature.addedAt)), .bytes(signature.sealedSigners)])
            try db.execute(
                """
                UPDATE documents SET status = $1,
                    signature_count = (SELECT count(*) FROM signatures WHERE document_id = $2) WHERE id = $2
                """,
                [.text(status), .text(documentID)])
            try Self.appendAudit(db, audit)
        }
    }

    public func replaceSignature(_ oldID: String, with signature: IndexedSignature, audit: [AuditDraft]) throws {
        try transaction { db in
            // FOR UPDATE as in commitSignature: the document's signatures change one writer at a time.
            _ = try db.rows("SELECT 1 FROM documents WHERE id = $1 FOR UPDATE", [.text(signature.documentID)])
            guard
                try !db.rows(
                    "DELETE FROM signatures WHERE id = $1 AND document_id = $2 RETURNING id",
                    [.text(oldID), .text(signature.documentID)]
                ).isEmpty
            else {
                throw VaultError.notFound("signature \(oldID) is no longer in the vault (erased meanwhile?)")
            }
            try db.execute(
                """
                INSERT INTO signatures (id, document_id, added_at, sealed_signers) VALUES ($1, $2, $3, $4)
                ON CONFLICT (id) DO NOTHING
                """,
                [.text(signature.id), .text(signature.documentID), .int(Milliseconds.of(signature.addedAt)), .bytes(signature.sealedSigners)])
            try db.execute(
                "UPDATE documents SET signature_count = (SELECT count(*) FROM signatures WHERE document_id = $1) WHERE id = $1",
                [.text(signature.documentID)])
            try db.execute(
                "INSERT INTO pending_objects (object_id, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                [.text(oldID), .int(Milliseconds.of(Date()))])
            try Self.appendAudit(db, audit)
        }
    }

    public func document(id: String) throws -> IndexedDocument? {
        try read { db in try Self.fetchDocuments(db, where: "id = $1", [.text(id)], order: "id", limit: 1).first }
    }

    public func documents(ids: [String]) throws -> [String: IndexedDocument] {
        let unique = Array(Set(ids))
        guard !unique.isEmpty else { return [:] }
        return try read { db in
            let rows = try Self.fetchDocuments(db, where: "id = ANY($1)", [.texts(unique)], order: "id", limit: unique.count)
            return Dictionary(uniqueKeysWithValues: rows.map { ($0.id, $0) })
        }
    }

    public func documents(ownerLookup: String?, employerBIN: String?, limit: Int) throws -> [IndexedDocument] {
        try read { db in
            var conditions: [String] = []
            var values: [Bind] = []
            if let ownerLookup {
                values.append(.text(ownerLookup))
                conditions.append("id IN (SELECT document_id FROM document_owners WHERE owner_lookup = $\(values.count))")
            }
            if let employerBIN {
                values.append(.text(employerBIN))
                conditions.append("employer_bin = $\(values.count)")
            }
            return try Self.fetchDocuments(
                db, where: conditions.isEmpty ? "TRUE" : conditions.joined(separator: " AND "), values, order: "stored_at, id",
                limit: limit)
        }
    }

    public func documentPage(after id: String?, limit: Int) throws -> [IndexedDocument] {
        try read { db in
            // COLLATE "C": byte order, as SQLite compares, whatever the database's locale.
            try Self.fetchDocuments(db, where: "id COLLATE \"C\" > $1", [.text(id ?? "")], order: "id COLLATE \"C\"", limit: limit)
        }
    }

    /// A page of documents with their owners: one query, one row per owner, grouped back into documents. `order`
    /// names columns of `documents` (with an optional COLLATE); `values` are `condition`'s parameters.
    private static func fetchDocuments(
        _ db: Session, where condition: String, _ values: [Bind], order: String, limit: Int
    ) throws -> [IndexedDocument] {
        let ordered = order.split(separator: ",").map { "page.\($0.trimmingCharacters(in: .whitespaces))" }.joined(separator: ", ")
        let rows = try db.rows(
            """
            WITH page AS (
                SELECT id, employer_bin, type, size, stored_at, status, signature_count, sealed_metadata FROM documents
                WHERE \(condition) ORDER BY \(order) LIMIT $\(values.count + 1))
            SELECT page.*, o.owner_lookup, o.wrapped_document_key, o.sealed_entry
            FROM page LEFT JOIN document_owners o ON o.document_id = page.id
            ORDER BY \(ordered), o.ordinal, o.owner_lookup
            """,
            values + [.int(Int64(limit))])
        var documents: [IndexedDocument] = []
        for row in rows {
            let (id, employer, type, size, storedAt, status, signatureCount, sealed, lookup, wrapped, entry) = try row.decode(
                (String, String, String, Int64, Int64, String, Int64, Data, String?, Data?, Data?).self)
            if documents.last?.id != id {
                documents.append(
                    IndexedDocument(
                        id: id, owners: [], employerBIN: employer, type: type, size: Int(size), storedAt: Milliseconds.date(storedAt),
                        status: status, signatureCount: Int(signatureCount), sealedMetadata: sealed))
            }
            if let lookup {
                documents[documents.count - 1].owners.append(IndexedOwner(lookup: lookup, wrappedDocumentKey: wrapped, sealedEntry: entry))
            }
        }
        return documents
    }

    public func allSignatures() throws -> [IndexedSignature] {
        try read { db in
            try db.rows(
                "SELECT id, document_id, added_at, sealed_signers FROM signatures ORDER BY document_id, added_at, id"
            ).map(Self.signature)
        }
    }

    public func signatures(documentID: String) throws -> [IndexedSignature] {
        try read { db in
            try db.rows(
                "SELECT id, document_id, added_at, sealed_signers FROM signatures WHERE document_id = $1 ORDER BY added_at, id",
                [.text(documentID)]
            ).map(Self.signature)
        }
    }

    private static func signature(_ row: PostgresRow) throws -> IndexedSignature {
        let (id, documentID, addedAt, sealed) = try row.decode((String, String, Int64, Data).self)
        return IndexedSignature(id: id, documentID: documentID, addedAt: Milliseconds.date(addedAt), sealedSigners: sealed)
    }

    public func tombstones() throws -> [Tombstone] {
        try read { db in
            try db.rows("SELECT document_id, type, stored_at, erased_at, signature_count FROM tombstones ORDER BY erased_at")
                .map { row in
                    let (documentID, type, storedAt, erasedAt, signatureCount) = try row.decode(
                        (String, String, Int64, Int64, Int64).self)
                    return Tombstone(
                        documentID: documentID, type: DocumentType(rawValue: type) ?? .other, storedAt: Milliseconds.date(storedAt),
                        erasedAt: Milliseconds.date(erasedAt), signatureCount: Int(signatureCount))
                }
        }
    }

    // MARK: - Audit

    public func append(audit: [AuditDraft], flushed: Bool) throws {
        try transaction(flushed: flushed) { db in try Self.appendAudit(db, audit) }
    }

    /// Runs last in the caller's transaction. The EXCLUSIVE lock lets readers of the log through but no other
    /// appender; held until commit, so the tail read here is still the tail when the entries commit. Taking it last
    /// means a transaction never waits for another lock while holding it (no deadlock with other writers).
    static func appendAudit(_ db: Session, _ drafts: [AuditDraft]) throws {
        guard !drafts.isEmpty else { return }
        try db.execute("LOCK TABLE audit IN EXCLUSIVE MODE")
        let tail = try db.rows("SELECT sequence, hash FROM audit ORDER BY sequence DESC LIMIT 1").first
            .map { row -> (sequence: Int64, hash: String) in
                let (sequence, hash) = try row.decode((Int64, String).self)
                return (sequence, hash)
            }
        // One multi-row INSERT for the whole chain segment (a batch of 64 puts appends 64 entries).
        let entries = AuditEntry.chain(drafts, after: tail)
        try db.execute(
            """
            INSERT INTO audit (sequence, at, actor, action, object, outcome, detail, previous_hash, hash)
            SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                $8::text[], $9::text[])
            """,
            [
                .ints(entries.map(\.sequence)), .ints(entries.map { Milliseconds.of($0.draft.at) }),
                .texts(entries.map(\.draft.actor)), .texts(entries.map(\.draft.action)), .texts(entries.map(\.draft.object)),
                .texts(entries.map(\.draft.outcome)), .texts(entries.map(\.draft.detail)), .texts(entries.map(\.previousHash)),
                .texts(entries.map(\.hash)),
            ])
    }

    public func auditEntries() throws -> [AuditEntry] {
        try read { db in
            try db.rows(
                "SELECT sequence, at, actor, action, object, outcome, detail, previous_hash, hash FROM audit ORDER BY sequence"
            ).map { row in
                let (sequence, at, actor, action, object, outcome, detail, previous, hash) = try row.decode(
                    (Int64, Int64, String, String, String, String, String, String, String).self)
                return AuditEntry(
                    sequence: sequence,
                    draft: AuditDraft(
                        at: Milliseconds.date(at), actor: actor, action: action, object: object, outcome: outcome,
                        detail: detail),
                    previousHash: previous, hash: hash)
            }
        }
    }

    // MARK: - Erasure

    public func erase(ownerLookup: String, erasedAt: Date, audit: (Int, Int, Int) -> [AuditDraft]) throws -> IndexedErasure {
        try transaction { db in
            // FOR UPDATE: a signature or a joining owner being committed to one of these documents finishes first (and
            // the owner count below sees it) or waits and then finds the document as this erasure leaves it.
            let owned = try db.rows(
                "SELECT document_id FROM document_owners WHERE owner_lookup = $1", [.text(ownerLookup)]
            ).map { try $0.decode(String.self) }
            let documentIDs = try db.rows(
                "SELECT id FROM documents WHERE id = ANY($1) ORDER BY id FOR UPDATE", [.texts(owned)]
            ).map { try $0.decode(String.self) }
            var objects: [String] = []
            var shared: [String] = []
            var signatureCount = 0
            let erased = Milliseconds.of(erasedAt)
            for documentID in documentIDs {
                let owners = try db.rows("SELECT count(*) FROM document_owners WHERE document_id = $1", [.text(documentID)])
                    .first?.decode(Int64.self) ?? 0
                try db.execute(
                    "DELETE FROM document_owners WHERE document_id = $1 AND owner_lookup = $2", [.text(documentID), .text(ownerLookup)])
                // Another owner keeps the document, its signatures and links: only this owner's row went.
                if owners > 1 {
                    shared.append(documentID)
                    continue
                }
                objects.append(documentID)
                let signatureIDs = try db.rows("SELECT id FROM signatures WHERE document_id = $1", [.text(documentID)])
                    .map { try $0.decode(String.self) }
                signatureCount += signatureIDs.count
                objects += signatureIDs
                try db.execute(
                    """
                    INSERT INTO tombstones (document_id, type, stored_at, erased_at, signature_count)
                    SELECT id, type, stored_at, $1, $2 FROM documents WHERE id = $3
                    """,
                    [.int(erased), .int(Int64(signatureIDs.count)), .text(documentID)])
                try db.execute("DELETE FROM signatures WHERE document_id = $1", [.text(documentID)])
                try db.execute("DELETE FROM proof_links WHERE document_id = $1", [.text(documentID)])
                try db.execute("DELETE FROM documents WHERE id = $1", [.text(documentID)])
            }
            try db.execute("DELETE FROM subjects WHERE lookup = $1", [.text(ownerLookup)])
            for object in objects {
                try db.execute(
                    "INSERT INTO pending_objects (object_id, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    [.text(object), .int(erased)])
            }
            try Self.appendAudit(db, audit(documentIDs.count - shared.count, signatureCount, shared.count))
            return IndexedErasure(objects: objects, sharedDocuments: shared)
        }
    }

    /// VACUUM (not FULL: that takes an exclusive lock on each table) on the tables erasure deletes from: the dead
    /// tuples' space is marked free for reuse and the index entries pointing to them removed. It does not zero that
    /// space, nor touch WAL already written; VACUUM cannot run inside a transaction, so this is its own statement.
    public func compact() throws {
        try withSession { db in
            try db.execute("VACUUM documents, document_owners, signatures, proof_links, subjects, pending_objects")
        }
    }

    // MARK: - Pending objects

    public func pendingObjects() throws -> [String] {
        try read { db in try db.rows("SELECT object_id FROM pending_objects").map { try $0.decode(String.self) } }
    }

    public func clearPending(_ objectIDs: [String]) throws {
        try transaction { db in try Self.deletePending(db, objectIDs) }
    }

    private static func deletePending(_ db: Session, _ objectIDs: [String]) throws {
        guard !objectIDs.isEmpty else { return }
        try db.execute("DELETE FROM pending_objects WHERE object_id = ANY($1)", [.texts(objectIDs)])
    }

    public func referencedObjects() throws -> Set<String> {
        try read { db in
            Set(try db.rows("SELECT id FROM documents UNION ALL SELECT id FROM signatures").map { try $0.decode(String.self) })
        }
    }

    // MARK: - Trust seal

    public func trustSeal() throws -> (manifest: String, seal: String)? {
        try read { db in
            let rows = try db.rows("SELECT key, value FROM vault_meta WHERE key IN ('trust_manifest', 'trust_seal')")
            var values: [String: String] = [:]
            for row in rows {
                let (key, value) = try row.decode((String, String).self)
                values[key] = value
            }
            guard let manifest = values["trust_manifest"], let seal = values["trust_seal"] else { return nil }
            return (manifest, seal)
        }
    }

    public func setTrustSeal(manifest: String, seal: String, audit: [AuditDraft]) throws {
        try transaction { db in
            try db.execute(
                """
                INSERT INTO vault_meta (key, value) VALUES ('trust_manifest', $1), ('trust_seal', $2)
                ON CONFLICT (key) DO UPDATE SET value = excluded.value
                """,
                [.text(manifest), .text(seal)])
            try Self.appendAudit(db, audit)
        }
    }

    // MARK: - Links

    public func insertLink(_ link: IndexedLink, audit: [AuditDraft]) throws {
        try transaction { db in
            try Self.insertLink(db, link, ignoringConflicts: false)
            try Self.appendAudit(db, audit)
        }
    }

    static func insertLink(_ db: Session, _ link: IndexedLink, ignoringConflicts: Bool) throws {
        try db.execute(
            """
            INSERT INTO proof_links (token_hash, document_id, created_at, expires_at, with_document, revoked_at)
            VALUES ($1, $2, $3, $4, $5, $6)\(ignoringConflicts ? " ON CONFLICT DO NOTHING" : "")
            """,
            [
                .text(link.tokenHash), .text(link.documentID), .int(Milliseconds.of(link.createdAt)),
                .optionalInt(link.expiresAt.map(Milliseconds.of)), .bool(link.withDocument),
                .optionalInt(link.revokedAt.map(Milliseconds.of)),
            ])
    }

    static let linkColumns = "token_hash, document_id, created_at, expires_at, with_document, revoked_at"

    static func link(_ row: PostgresRow) throws -> IndexedLink {
        let (token, documentID, createdAt, expiresAt, withDocument, revokedAt) = try row.decode((String, String, Int64, Int64?, Bool, Int64?).self)
        return IndexedLink(
            tokenHash: token, documentID: documentID, createdAt: Milliseconds.date(createdAt), expiresAt: expiresAt.map(Milliseconds.date),
            withDocument: withDocument, revokedAt: revokedAt.map(Milliseconds.date))
    }

    public func link(tokenHash: String) throws -> IndexedLink? {
        try read { db in
            try db.rows("SELECT \(Self.linkColumns) FROM proof_links WHERE token_hash = $1", [.text(tokenHash)]).first.map(Self.link)
        }
    }

    public func links(documentID: String?) throws -> [IndexedLink] {
        try read { db in
            if let documentID {
                return try db.rows(
                    "SELECT \(Self.linkColumns) FROM proof_links WHERE document_id = $1 ORDER BY created_at, token_hash", [.text(documentID)]
                ).map(Self.link)
            }
            return try db.rows("SELECT \(Self.linkColumns) FROM proof_links ORDER BY created_at, token_hash").map(Self.link)
        }
    }

    public func revokeLink(tokenHash: String, revokedAt: Date, audit: [AuditDraft]) throws -> Bool {
        try transaction { db in
            let updated = try db.rows(
                "UPDATE proof_links SET revoked_at = COALESCE(revoked_at, $1) WHERE token_hash = $2 RETURNING token_hash",
                [.int(Milliseconds.of(revokedAt)), .text(tokenHash)])
            guard !updated.isEmpty else { return false }
            try Self.appendAudit(db, audit)
            return true
        }
    }

    // MARK: - Connection and transactions

    /// One statement's parameter. A closed set, so NULLs and arrays are encoded explicitly.
    enum Bind {
        case text(String)
        case int(Int64)
        case optionalInt(Int64?)
        case optionalText(String?)
        case bool(Bool)
        case bytes(Data?)
        case texts([String])
        case ints([Int64])
        case byteArrays([Data])
    }

    /// The connection, for the duration of one call.
    struct Session {
        let connection: PostgresConnection
        let logger: Logger

        func execute(_ sql: String, _ values: [Bind] = []) throws {
            _ = try rows(sql, values)
        }

        func rows(_ sql: String, _ values: [Bind] = []) throws -> [PostgresRow] {
            var bindings = PostgresBindings(capacity: values.count)
            for value in values {
                switch value {
                case .text(let text): bindings.append(text)
                case .int(let number): bindings.append(number)
                case .optionalInt(let number):
                    if let number { bindings.append(number) } else { bindings.appendNull() }
                case .optionalText(let text):
                    if let text { bindings.append(text) } else { bindings.appendNull() }
                case .bool(let flag): bindings.append(flag)
                case .bytes(let data): try bindings.append(data)
                case .texts(let texts): bindings.append(texts)
                case .ints(let numbers): bindings.append(numbers)
                case .byteArrays(let values): bindings.append(values.map { ByteBuffer(bytes: $0) })
                }
            }
            // Waits on the calling thread; the query itself runs on the connection's event loop.
            return try connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger).wait().rows
        }
    }

    /// A single statement is its own transaction in PostgreSQL: reads need no BEGIN.
    func read<T>(_ body: (Session) throws -> T) throws -> T {
        try withSession(body)
    }

    /// One transaction. Deadlocks and serialization failures (which PostgreSQL resolves by aborting one side) are
    /// retried from the start, since nothing of the aborted attempt was kept; any other failure rolls back and throws.
    /// `flushed: false` sets `synchronous_commit = off` for this transaction only.
    func transaction<T>(flushed: Bool = true, _ body: (Session) throws -> T) throws -> T {
        try withSession { db in
            var attempt = 1
            while true {
                do {
                    try db.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
                    if !flushed { try db.execute("SET LOCAL synchronous_commit = off") }
                    let result = try body(db)
                    try db.execute("COMMIT")
                    return result
                } catch {
                    _ = try? db.execute("ROLLBACK")
                    if attempt < 5, let state = (error as? PSQLError)?.serverInfo?[.sqlState], state == "40P01" || state == "40001" {
                        attempt += 1
                        continue
                    }
                    throw error
                }
            }
        }
    }

    /// Runs `body` with a connection of the pool to itself (a lost connection is replaced by a new one).
    func withSession<T>(_ body: (Session) throws -> T) throws -> T {
        let connection = try pool.checkOut(connect: connect)
        defer { pool.checkIn(connection) }
        do {
            return try body(Session(connection: connection, logger: logger))
        } catch let error as VaultError {
            throw error
        } catch {
            throw VaultError.io("vault index (PostgreSQL \(configuration.url)): \(Self.describe(error))")
        }
    }

    private func connect() throws -> PostgresConnection {
        var settings = PostgresConnection.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.username,
            password: configuration.password, database: configuration.database, tls: try Self.tls(configuration))
        // Unqualified table names resolve in the vault's schema; the schema name was checked to be a plain identifier.
        settings.options.additionalStartupParameters = [("search_path", "\"\(configuration.schema)\"")]
        do {
            return try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(), configuration: settings, id: 1, logger: logger
            ).wait()
        } catch {
            throw VaultError.io("cannot connect to the vault index \(configuration.url): \(Self.describe(error))")
        }
    }

    private static func tls(_ configuration: Configuration) throws -> PostgresConnection.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch configuration.tls {
        case .disable:
            return .disable
        case .prefer, .require:
            tls.certificateVerification = .none
        case .verifyFull:
            tls.certificateVerification = .fullVerification
            if let root = configuration.rootCertificate { tls.trustRoots = .file(root) }
        }
        do {
            let context = try NIOSSLContext(configuration: tls)
            return configuration.tls == .prefer ? .prefer(context) : .require(context)
        } catch {
            throw VaultError.invalidInput("TLS settings for the vault index: \(error)")
        }
    }

    /// Whether this index's connection is encrypted (pg_stat_ssl), for tests and diagnostics.
    func connectionIsEncrypted() throws -> Bool {
        try read { db in
            try db.rows("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").first?.decode(Bool.self) ?? false
        }
    }

    /// PSQLError's description hides the server's message (it could hold data); the message and SQLSTATE are what an
    /// operator needs, and carry no personal data here (values are bound, never spliced into SQL).
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let info = error.serverInfo {
            return "\(info[.message] ?? "server error") (SQLSTATE \(info[.sqlState] ?? "?"))"
        }
        if let underlying = error.underlying { return "\(error.code): \(underlying)" }
        return "\(error.code)"
    }
}

/// The index's connections: idle ones are reused (most recently returned first), new ones opened while fewer than
/// `limit` are out, and a caller beyond that waits (on its own thread: the protocol is synchronous) for one to return.
/// A connection that the server or the network closed is dropped when it comes back or is found idle.
final class ConnectionPool: @unchecked Sendable {
    private let condition = NSCondition()
    private var idle: [PostgresConnection] = []
    /// Connections open or being opened, idle or in use.
    private var count = 0
    let limit: Int

    init(limit: Int) { self.limit = limit }

    func checkOut(connect: () throws -> PostgresConnection) throws -> PostgresConnection {
        condition.lock()
        while true {
            while let open = idle.popLast() {
                if !open.isClosed {
                    condition.unlock()
                    return open
                }
                count -= 1
            }
            if count < limit {
                count += 1
                condition.unlock()
                do {
                    return try connect()
                } catch {
                    release()
                    throw error
                }
            }
            condition.wait()
        }
    }

    func checkIn(_ connection: PostgresConnection) {
        if connection.isClosed { return release() }
        condition.lock()
        idle.append(connection)
        condition.signal()
        condition.unlock()
    }

    /// Takes the idle connections out of the pool, for closing.
    func drain() -> [PostgresConnection] {
        condition.lock()
        defer { condition.unlock() }
        let drained = idle
        idle = []
        count -= drained.count
        return drained
    }

    private func release() {
        condition.lock()
        count -= 1
        condition.signal()
        condition.unlock()
    }
}

/// Whole milliseconds since 1970, exactly as the embedded index stores dates (`VaultClock`), so a stored date hashes
/// the same in the audit chain as the one written.
enum Milliseconds {
    static func of(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }
    static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
}
