import EDSVault
import Foundation
import PostgresNIO

/// Everything of a vault that a directory vault keeps in files, in tables beside the `PostgresVaultIndex`'s (same
/// schema): sealed blobs, trust anchors and CRLs, evidence records, awaiting-evidence markers, the evidence policy. With
/// it a vault is a PostgreSQL URL and a master key file; any number of hosts share it. See Docs/vault-postgres.md.
///
/// Blobs: a blob is sealed exactly as in a directory vault (AES-256-GCM under the document key, associated data
/// `object:<id>`) and kept as a *copy* (`blob_copies`) whose sealed bytes are split into ≤ 1 MiB rows of `blob_chunks`
/// keyed by (copy id, chunk number): no statement carries more than one chunk, and no row holds a whole large blob. A
/// copy is staged (written, not published) in one transaction, published (`published = true`, at most one per object id)
/// after the index committed the document, or deleted. A staged copy records its writer's backend (pid and start time):
/// recovery acts only on copies whose backend is gone, so it needs no lock against live writers on other hosts.
public final class PostgresVaultStore: VaultStorage {
    /// Sealed bytes per `blob_chunks` row.
    public static let chunkSize = 1 << 20

    public let configuration: PostgresVaultIndex.Configuration
    /// A connection of its own (the index's calls and the store's do not wait for each other).
    private let connection: PostgresVaultIndex

    public init(configuration: PostgresVaultIndex.Configuration) throws {
        self.configuration = configuration
        connection = try PostgresVaultIndex(configuration: configuration)
    }

    /// Closes the store's connection; a later call reconnects.
    public func close() { connection.close() }

    static let schema = [
        """
        CREATE TABLE IF NOT EXISTS blob_copies (
            copy_id TEXT PRIMARY KEY, object_id TEXT NOT NULL, published BOOLEAN NOT NULL DEFAULT false,
            size BIGINT NOT NULL, chunks BIGINT NOT NULL, writer_pid INTEGER NOT NULL, writer_started TIMESTAMPTZ NOT NULL,
            created_at BIGINT NOT NULL)
        """,
        "CREATE UNIQUE INDEX IF NOT EXISTS blob_copies_published ON blob_copies (object_id) WHERE published",
        "CREATE INDEX IF NOT EXISTS blob_copies_by_object ON blob_copies (object_id)",
        """
        CREATE TABLE IF NOT EXISTS blob_chunks (
            copy_id TEXT NOT NULL REFERENCES blob_copies(copy_id) ON DELETE CASCADE, chunk_no INTEGER NOT NULL,
            bytes BYTEA NOT NULL, PRIMARY KEY (copy_id, chunk_no))
        """,
        // Sealed bytes do not compress: EXTERNAL keeps them out of line without trying.
        "ALTER TABLE blob_chunks ALTER COLUMN bytes SET STORAGE EXTERNAL",
        "CREATE TABLE IF NOT EXISTS trust_material (kind TEXT NOT NULL, name TEXT NOT NULL, der BYTEA NOT NULL, PRIMARY KEY (kind, name))",
        """
        CREATE TABLE IF NOT EXISTS evidence_records (
            document_id TEXT NOT NULL, signature_id TEXT NOT NULL, record BYTEA NOT NULL, PRIMARY KEY (document_id, signature_id))
        """,
        """
        CREATE TABLE IF NOT EXISTS awaiting_evidence (
            document_id TEXT NOT NULL, signature_id TEXT NOT NULL, reason TEXT NOT NULL, PRIMARY KEY (document_id, signature_id))
        """,
        "CREATE TABLE IF NOT EXISTS vault_files (name TEXT PRIMARY KEY, content BYTEA NOT NULL)",
    ]

    public func prepare(creating: Bool) throws {
        guard creating else { return }
        let schema = configuration.schema
        try connection.transaction { db in
            try db.execute("SELECT pg_advisory_xact_lock(hashtext('eds-vault-store:' || $1))", [.text(schema)])
            try db.execute("CREATE SCHEMA IF NOT EXISTS \"\(schema)\"")
            for statement in Self.schema { try db.execute(statement) }
        }
    }

    public func isVault() throws -> Bool {
        try connection.read { db in
            guard try db.rows("SELECT to_regclass('trust_material') IS NOT NULL").first?.decode(Bool.self) ?? false else {
                return false
            }
            return try db.rows("SELECT EXISTS (SELECT 1 FROM trust_material WHERE kind = 'anchor')").first?.decode(Bool.self) ?? false
        }
    }

    // MARK: - Blobs

    public func stage(_ blobs: [(objectID: String, bytes: Data)]) throws -> [StagedObject] {
        guard !blobs.isEmpty else { return [] }
        // One transaction (one WAL flush) for the whole group; a reader never sees a copy without all its chunks.
        return try connection.transaction { db in
            try blobs.map { blob in
                let copyID = UUID().uuidString.lowercased()
                let chunks = max(1, (blob.bytes.count + Self.chunkSize - 1) / Self.chunkSize)
                try db.execute(
                    """
                    INSERT INTO blob_copies (copy_id, object_id, size, chunks, writer_pid, writer_started, created_at)
                    SELECT $1, $2, $3, $4, pid, backend_start, $5 FROM pg_stat_activity WHERE pid = pg_backend_pid()
                    """,
                    [.text(copyID), .text(blob.objectID), .int(Int64(blob.bytes.count)), .int(Int64(chunks)), .int(Self.now())])
                for chunk in 0..<chunks {
                    let start = blob.bytes.startIndex + chunk * Self.chunkSize
                    let end = min(start + Self.chunkSize, blob.bytes.endIndex)
                    try db.execute(
                        "INSERT INTO blob_chunks (copy_id, chunk_no, bytes) VALUES ($1, $2, $3)",
                        [.text(copyID), .int(Int64(chunk)), .bytes(Data(blob.bytes[start..<end]))])
                }
                return StagedObject(objectID: blob.objectID, location: copyID)
            }
        }
    }

    public func publish(_ staged: [StagedObject]) throws {
        guard !staged.isEmpty else { return }
        try connection.transaction { db in
            for copy in staged {
                guard let objectID = copy.objectID else { continue }
                // Replaces a published copy of the same id (an erased document's, not yet deleted), as a rename would.
                try db.execute(
                    "DELETE FROM blob_copies WHERE object_id = $1 AND published AND copy_id <> $2", [.text(objectID), .text(copy.location)])
                guard
                    try !db.rows(
                        "UPDATE blob_copies SET published = true WHERE copy_id = $1 RETURNING copy_id", [.text(copy.location)]
                    ).isEmpty
                else {
                    throw VaultError.io("the staged copy of blob \(objectID) is gone (its writer's connection was lost)")
                }
            }
        }
    }

    public func discard(_ staged: [StagedObject]) {
        guard !staged.isEmpty else { return }
        _ = try? connection.transaction { db in
            try db.execute("DELETE FROM blob_copies WHERE copy_id = ANY($1) AND NOT published", [.texts(staged.map(\.location))])
        }
    }

    public func blobCandidates(_ objectID: String) throws -> [Data] {
        try candidateCopies(objectID).compactMap { copyID, chunks, size in try? readCopy(copyID, chunks: Int(chunks), size: Int(size)) }
    }

    /// The published copy alone when there is one; else every staged copy (the vault keeps the one that opens).
    private func candidateCopies(_ objectID: String) throws -> [(copyID: String, chunks: Int64, size: Int64)] {
        let copies = try connection.read { db in
            try db.rows(
                "SELECT copy_id, chunks, size, published FROM blob_copies WHERE object_id = $1 ORDER BY published DESC, created_at",
                [.text(objectID)]
            ).map { try $0.decode((String, Int64, Int64, Bool).self) }
        }
        let chosen = copies.first?.3 == true ? [copies[0]] : copies
        return chosen.map { ($0.0, $0.1, $0.2) }
    }

    public func blobExists(_ objectID: String) throws -> Bool {
        try connection.read { db in
            try db.rows("SELECT EXISTS (SELECT 1 FROM blob_copies WHERE object_id = $1 AND published)", [.text(objectID)])
                .first?.decode(Bool.self) ?? false
        }
    }

    public func readBlob(_ objectID: String) throws -> Data {
        let copy = try connection.read { db in
            try db.rows("SELECT copy_id, chunks, size FROM blob_copies WHERE object_id = $1 AND published", [.text(objectID)])
                .first.map { try $0.decode((String, Int64, Int64).self) }
        }
        guard let (copyID, chunks, size) = copy else { throw VaultError.corrupted("blob \(objectID) is missing or unreadable") }
        return try readCopy(copyID, chunks: Int(chunks), size: Int(size))
    }

    /// Chunk by chunk, one row per statement: no result set ever holds more than one chunk.
    private func readCopy(_ copyID: String, chunks: Int, size: Int) throws -> Data {
        var bytes = Data()
        bytes.reserveCapacity(size)
        try readCopy(copyID, chunks: chunks, size: size) { bytes.append($0) }
        return bytes
    }

    /// Each row's bytes to `body` in chunk order; a missing row or a size that does not add up is corruption.
    private func readCopy(_ copyID: String, chunks: Int, size: Int, _ body: (Data) throws -> Void) throws {
        var total = 0
        for chunk in 0..<chunks {
            let part = try connection.read { db in
                try db.rows("SELECT bytes FROM blob_chunks WHERE copy_id = $1 AND chunk_no = $2", [.text(copyID), .int(Int64(chunk))])
                    .first.map { try $0.decode(Data.self) }
            }
            guard let part else { throw VaultError.corrupted("blob copy \(copyID) lacks chunk \(chunk)") }
            total += part.count
            try body(part)
        }
        guard total == size else { throw VaultError.corrupted("blob copy \(copyID) holds \(total) bytes, not \(size)") }
    }

    private func source(_ copyID: String, chunks: Int64, size: Int64) -> BlobSource {
        BlobSource { body in try self.readCopy(copyID, chunks: Int(chunks), size: Int(size), body) }
    }

    public func blobSources(_ objectID: String) throws -> [BlobSource] {
        try candidateCopies(objectID).map { source($0.copyID, chunks: $0.chunks, size: $0.size) }
    }

    public func publishedBlobSource(_ objectID: String) throws -> BlobSource {
        let copy = try connection.read { db in
            try db.rows("SELECT copy_id, chunks, size FROM blob_copies WHERE object_id = $1 AND published", [.text(objectID)])
                .first.map { try $0.decode((String, Int64, Int64).self) }
        }
        guard let (copyID, chunks, size) = copy else { throw VaultError.corrupted("blob \(objectID) is missing or unreadable") }
        return source(copyID, chunks: chunks, size: size)
    }

    /// One row per piece (a sealed chunk of the chunked format; a larger piece is split at `chunkSize`), all in one
    /// transaction, so a reader never sees a copy without all its chunks and a failed piece leaves nothing staged.
    public func stage(objectID: String, pieces next: () throws -> Data?) throws -> StagedObject {
        let copyID = UUID().uuidString.lowercased()
        var attempts = 0
        try connection.transaction { db in
            // The pieces cannot be read again: a transaction retried after a deadlock gives up instead.
            attempts += 1
            guard attempts == 1 else { throw VaultError.io("staging blob \(objectID) was interrupted by a deadlock; nothing was stored") }
            try db.execute(
                """
                INSERT INTO blob_copies (copy_id, object_id, size, chunks, writer_pid, writer_started, created_at)
                SELECT $1, $2, 0, 0, pid, backend_start, $3 FROM pg_stat_activity WHERE pid = pg_backend_pid()
                """,
                [.text(copyID), .text(objectID), .int(Self.now())])
            var rows = 0
            var size = 0
            while let piece = try next() {
                var start = piece.startIndex
                repeat {
                    let end = min(start + Self.chunkSize, piece.endIndex)
                    try db.execute(
                        "INSERT INTO blob_chunks (copy_id, chunk_no, bytes) VALUES ($1, $2, $3)",
                        [.text(copyID), .int(Int64(rows)), .bytes(Data(piece[start..<end]))])
                    rows += 1
                    start = end
                } while start < piece.endIndex
                size += piece.count
            }
            try db.execute(
                "UPDATE blob_copies SET size = $2, chunks = $3 WHERE copy_id = $1", [.text(copyID), .int(Int64(size)), .int(Int64(rows))])
        }
        return StagedObject(objectID: objectID, location: copyID)
    }

    /// The reference check runs again inside the DELETE: a put of the same bytes that committed since `references` was
    /// read keeps its blob (there is no writers' lock across hosts to rely on).
    public func removeUnreferencedBlobs(_ candidates: [String], references: Set<String>) throws {
        let unreferenced = candidates.filter { !references.contains($0) }
        guard !unreferenced.isEmpty else { return }
        try connection.transaction { db in
            try db.execute(
                """
                DELETE FROM blob_copies c WHERE c.published AND c.object_id = ANY($1)
                    AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = c.object_id)
                    AND NOT EXISTS (SELECT 1 FROM signatures s WHERE s.id = c.object_id)
                """,
                [.texts(unreferenced)])
        }
    }

    public func allObjectIDs() throws -> [String] {
        try connection.read { db in
            try db.rows("SELECT object_id FROM blob_copies WHERE published ORDER BY object_id").map { try $0.decode(String.self) }
        }
    }

    /// Staged copies whose writer's backend is no longer connected: its process died (or lost its connection) between
    /// staging and publishing or discarding.
    public func leftoverStagedBlobs() throws -> [StagedObject] {
        try connection.read { db in
            try db.rows(
                """
                SELECT c.copy_id, c.object_id FROM blob_copies c WHERE NOT c.published AND NOT EXISTS (
                    SELECT 1 FROM pg_stat_activity a WHERE a.pid = c.writer_pid AND a.backend_start = c.writer_started)
                ORDER BY c.created_at
                """
            ).map { row in
                let (copyID, objectID) = try row.decode((String, String).self)
                return StagedObject(objectID: objectID, location: copyID)
            }
        }
    }

    public func stagedBytes(_ staged: StagedObject) -> Data? {
        let copy = try? connection.read { db in
            try db.rows("SELECT chunks, size FROM blob_copies WHERE copy_id = $1", [.text(staged.location)])
                .first.map { try $0.decode((Int64, Int64).self) }
        }
        guard let (chunks, size) = copy else { return nil }
        return try? readCopy(staged.location, chunks: Int(chunks), size: Int(size))
    }

    public func adopt(_ staged: StagedObject) throws {
        guard let objectID = staged.objectID else { return }
        try connection.transaction { db in
            // Another recovery may have adopted a copy meanwhile: the partial unique index would refuse a second.
            if try db.rows("SELECT 1 FROM blob_copies WHERE object_id = $1 AND published", [.text(objectID)]).isEmpty {
                try db.execute("UPDATE blob_copies SET published = true WHERE copy_id = $1", [.text(staged.location)])
            }
        }
    }

    // MARK: - Writers and recovery

    /// No lock: staged copies are told apart by their writers' liveness, and deletions re-check references in SQL.
    public func whileWriting<T>(_ body: () throws -> T) throws -> T { try body() }

    public func whileRecovering<T>(waiting: Bool, _ body: () throws -> T) throws -> T? { try body() }

    // MARK: - Trust

    public func installTrust(anchors: [(name: String, der: Data)], crls: [(name: String, der: Data)]) throws {
        try connection.transaction { db in
            for (kind, items) in [("anchor", anchors), ("crl", crls)] {
                for item in items {
                    try db.execute(
                        "INSERT INTO trust_material (kind, name, der) VALUES ($1, $2, $3) ON CONFLICT (kind, name) DO UPDATE SET der = excluded.der",
                        [.text(kind), .text(item.name), .bytes(item.der)])
                }
            }
        }
    }

    public func removeTrust(anchors: [String], crls: [String]) throws {
        try connection.transaction { db in
            for (kind, names) in [("anchor", anchors), ("crl", crls)] where !names.isEmpty {
                try db.execute("DELETE FROM trust_material WHERE kind = $1 AND name = ANY($2)", [.text(kind), .texts(names)])
            }
        }
    }

    public func trustMaterial() throws -> (anchors: [(name: String, der: Data)], crls: [(name: String, der: Data)]) {
        let rows = try connection.read { db in
            try db.rows("SELECT kind, name, der FROM trust_material ORDER BY kind, name").map { try $0.decode((String, String, Data).self) }
        }
        return (
            rows.filter { $0.0 == "anchor" }.map { ($0.1, $0.2) },
            rows.filter { $0.0 == "crl" }.map { ($0.1, $0.2) }
        )
    }

    // MARK: - Evidence records

    public func evidenceRecord(document documentID: String, signature signatureID: String) throws -> Data? {
        try connection.read { db in
            try db.rows(
                "SELECT record FROM evidence_records WHERE document_id = $1 AND signature_id = $2", [.text(documentID), .text(signatureID)]
            ).first.map { try $0.decode(Data.self) }
        }
    }

    public func writeEvidenceRecords(_ records: [(documentID: String, signatureID: String, der: Data)]) throws {
        guard !records.isEmpty else { return }
        try connection.transaction { db in
            for record in records {
                try db.execute(
                    """
                    INSERT INTO evidence_records (document_id, signature_id, record) VALUES ($1, $2, $3)
                    ON CONFLICT (document_id, signature_id) DO UPDATE SET record = excluded.record
                    """,
                    [.text(record.documentID), .text(record.signatureID), .bytes(record.der)])
            }
        }
    }

    public func removeEvidenceRecord(document documentID: String, signature signatureID: String) {
        _ = try? connection.transaction { db in
            try db.execute(
                "DELETE FROM evidence_records WHERE document_id = $1 AND signature_id = $2", [.text(documentID), .text(signatureID)])
        }
    }

    /// Runs after an erasure (the blobs already went): VACUUM then marks the space of the erased rows and chunks free,
    /// as the index's `compact()` does for its tables (it does not zero it: Docs/vault.md, "Erasure, honestly").
    public func removeEvidence(documentIDs: [String]) throws {
        guard !documentIDs.isEmpty else { return }
        try connection.transaction { db in
            try db.execute("DELETE FROM evidence_records WHERE document_id = ANY($1)", [.texts(documentIDs)])
            try db.execute("DELETE FROM awaiting_evidence WHERE document_id = ANY($1)", [.texts(documentIDs)])
        }
        try connection.withSession { db in
            try db.execute("VACUUM blob_copies, blob_chunks, evidence_records, awaiting_evidence")
        }
    }

    // MARK: - Awaiting evidence

    public func markAwaiting(document documentID: String, signature signatureID: String, reason: String) throws {
        try connection.transaction { db in
            try db.execute(
                """
                INSERT INTO awaiting_evidence (document_id, signature_id, reason) VALUES ($1, $2, $3)
                ON CONFLICT (document_id, signature_id) DO UPDATE SET reason = excluded.reason
                """,
                [.text(documentID), .text(signatureID), .text(reason)])
        }
    }

    public func clearAwaiting(document documentID: String, signature signatureID: String) {
        _ = try? connection.transaction { db in
            try db.execute(
                "DELETE FROM awaiting_evidence WHERE document_id = $1 AND signature_id = $2", [.text(documentID), .text(signatureID)])
        }
    }

    public func isAwaiting(document documentID: String, signature signatureID: String) throws -> Bool {
        try connection.read { db in
            try db.rows(
                "SELECT EXISTS (SELECT 1 FROM awaiting_evidence WHERE document_id = $1 AND signature_id = $2)",
                [.text(documentID), .text(signatureID)]
            ).first?.decode(Bool.self) ?? false
        }
    }

    public func awaitingMarkers() throws -> [(documentID: String, signatureID: String)] {
        try connection.read { db in
            try db.rows("SELECT document_id, signature_id FROM awaiting_evidence ORDER BY document_id, signature_id")
                .map { try $0.decode((String, String).self) }
        }
    }

    // MARK: - Evidence policy

    static let policyName = "evidence-policy.json"

    public func evidencePolicy() throws -> Data? {
        try connection.read { db in
            try db.rows("SELECT content FROM vault_files WHERE name = $1", [.text(Self.policyName)]).first.map { try $0.decode(Data.self) }
        }
    }

    public func writeEvidencePolicy(_ json: Data) throws {
        try connection.transaction { db in
            try db.execute(
                "INSERT INTO vault_files (name, content) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET content = excluded.content",
                [.text(Self.policyName), .bytes(json)])
        }
    }

    static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}

/// A vault that lives entirely in one PostgreSQL database (index, audit chain, blobs, trust, evidence), with its master
/// key in a file that never goes to the database.
public enum PostgresVault {
    /// `$EDSVAULT_MASTER_KEY_FILE`: the master key file of a vault in PostgreSQL when `--master-key-file` is not given.
    public static let masterKeyFileVariable = "EDSVAULT_MASTER_KEY_FILE"

    /// Whether a vault argument names a database rather than a directory.
    public static func isURL(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    /// Creates the vault's tables, its master key file (mode 0600) when absent, and stores the trust anchors and CRLs.
    public static func create(
        url: String, masterKeyFile: URL?, trustAnchors: [Data], crls: [Data] = [],
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> Vault {
        let (store, index, location) = try connect(url: url, environment: environment)
        return try Vault.create(
            storage: store, index: index, location: location, masterKeyFile: masterKeyFile, trustAnchors: trustAnchors,
            crls: crls, environment: environment)
    }

    public static func open(
        url: String, masterKeyFile: URL?, environment: [String: String] = ProcessInfo.processInfo.environment,
        trustCheck: TrustSealCheck = .refuse
    ) throws -> Vault {
        let (store, index, location) = try connect(url: url, environment: environment)
        return try Vault.open(
            storage: store, index: index, location: location, masterKeyFile: masterKeyFile, environment: environment, trustCheck: trustCheck)
    }

    /// Copies `vault` (a directory vault) into the database at `url`: see `Vault.migrate(to:index:location:masterKeyFile:)`.
    public static func migrate(
        _ vault: Vault, to url: String, masterKeyFile: URL?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> MigrationReport {
        let (store, index, location) = try connect(url: url, environment: environment)
        return try vault.migrate(
            to: store, index: index, location: location, masterKeyFile: masterKeyFile, environment: environment)
    }

    /// The store and index of the vault at `url`, and the URL the vault reports as its location.
    private static func connect(
        url: String, environment: [String: String]
    ) throws -> (store: PostgresVaultStore, index: PostgresVaultIndex, location: URL) {
        let configuration = try PostgresVaultIndex.Configuration(url: url, environment: environment)
        let store = try PostgresVaultStore(configuration: configuration)
        let index = try PostgresVaultIndex(configuration: configuration)
        return (store, index, URL(string: configuration.url) ?? URL(fileURLWithPath: "/"))
    }
}
