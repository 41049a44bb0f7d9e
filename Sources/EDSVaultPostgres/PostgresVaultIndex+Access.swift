import EDSVault
import Foundation
import PostgresNIO

/// The vault API's authentication state in PostgreSQL: the same tables as the SQLite index's migration "v4-api-keys",
/// so two `serve` nodes on one vault share keys, one-time nonces and logouts.
extension PostgresVaultIndex: VaultAccessIndex {
    /// Created when absent (vaults made before the API get them on their next open).
    static func addAccessTables(_ db: Session) throws {
        let exists = try db.rows("SELECT to_regclass('api_keys') IS NOT NULL").first?.decode(Bool.self) ?? false
        guard !exists else { return }
        for statement in accessTables { try db.execute(statement) }
    }

    static let accessTables = [
        """
        CREATE TABLE api_keys (
            id TEXT PRIMARY KEY, key_hash TEXT NOT NULL, role TEXT NOT NULL, employer_bin TEXT NOT NULL,
            created_at BIGINT NOT NULL, expires_at BIGINT, revoked_at BIGINT, last_used_at BIGINT,
            reads_documents BOOLEAN NOT NULL DEFAULT FALSE)
        """,
        "CREATE TABLE sign_in_nonces (nonce_hash TEXT PRIMARY KEY, expires_at BIGINT NOT NULL)",
        "CREATE INDEX sign_in_nonces_by_expiry ON sign_in_nonces (expires_at)",
        "CREATE TABLE revoked_sessions (session_id TEXT PRIMARY KEY, expires_at BIGINT NOT NULL)",
        """
        CREATE TABLE idempotent_results (
            key TEXT PRIMARY KEY, request_hash TEXT NOT NULL, status BIGINT NOT NULL, body BYTEA NOT NULL,
            created_at BIGINT NOT NULL)
        """,
    ]

    static let apiKeyColumns = "id, key_hash, role, employer_bin, created_at, expires_at, revoked_at, last_used_at, reads_documents"

    static func apiKey(_ row: PostgresRow) throws -> IndexedAPIKey {
        let (id, hash, role, bin, createdAt, expiresAt, revokedAt, lastUsedAt, readsDocuments) =
            try row.decode((String, String, String, String, Int64, Int64?, Int64?, Int64?, Bool).self)
        guard let role = APIKeyRole(rawValue: role) else { throw VaultError.corrupted("an API key has an unknown role") }
        return IndexedAPIKey(
            id: id, keyHash: hash, role: role, employerBIN: bin, createdAt: Milliseconds.date(createdAt),
            expiresAt: expiresAt.map(Milliseconds.date), revokedAt: revokedAt.map(Milliseconds.date),
            lastUsedAt: lastUsedAt.map(Milliseconds.date), readsDocuments: readsDocuments)
    }

    public func insertAPIKey(_ key: IndexedAPIKey, audit: [AuditDraft]) throws {
        try transaction { db in
            try db.execute(
                "INSERT INTO api_keys (\(Self.apiKeyColumns)) VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, $7)",
                [
                    .text(key.id), .text(key.keyHash), .text(key.role.rawValue), .text(key.employerBIN),
                    .int(Milliseconds.of(key.createdAt)), .optionalInt(key.expiresAt.map(Milliseconds.of)), .bool(key.readsDocuments),
                ])
            try Self.appendAudit(db, audit)
        }
    }

    public func apiKey(id: String) throws -> IndexedAPIKey? {
        try read { db in try db.rows("SELECT \(Self.apiKeyColumns) FROM api_keys WHERE id = $1", [.text(id)]).first.map(Self.apiKey) }
    }

    public func apiKeys() throws -> [IndexedAPIKey] {
        try read { db in try db.rows("SELECT \(Self.apiKeyColumns) FROM api_keys ORDER BY created_at, id").map(Self.apiKey) }
    }

    public func revokeAPIKey(id: String, revokedAt: Date, audit: [AuditDraft]) throws -> Bool {
        try transaction { db in
            let updated = try db.rows(
                "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 RETURNING id",
                [.int(Milliseconds.of(revokedAt)), .text(id)])
            guard !updated.isEmpty else { return false }
            try Self.appendAudit(db, audit)
            return true
        }
    }

    public func touchAPIKey(id: String, at moment: Date) throws {
        try transaction(flushed: false) { db in
            try db.execute("UPDATE api_keys SET last_used_at = $1 WHERE id = $2", [.int(Milliseconds.of(moment)), .text(id)])
        }
    }

    public func insertSignInNonce(hash: String, expiresAt: Date, now: Date) throws {
        try transaction { db in
            try db.execute("DELETE FROM sign_in_nonces WHERE expires_at <= $1", [.int(Milliseconds.of(now))])
            try db.execute(
                "INSERT INTO sign_in_nonces (nonce_hash, expires_at) VALUES ($1, $2)", [.text(hash), .int(Milliseconds.of(expiresAt))])
        }
    }

    public func consumeSignInNonce(hash: String, now: Date) throws -> Bool {
        // One statement: of two nodes consuming the same nonce at once, only one DELETE returns the row.
        try read { db in
            try !db.rows(
                "DELETE FROM sign_in_nonces WHERE nonce_hash = $1 AND expires_at > $2 RETURNING nonce_hash",
                [.text(hash), .int(Milliseconds.of(now))]
            ).isEmpty
        }
    }

    public func revokeSession(id: String, expiresAt: Date, audit: [AuditDraft]) throws {
        try transaction { db in
            try db.execute("DELETE FROM revoked_sessions WHERE expires_at <= $1", [.int(Milliseconds.of(Date()))])
            try db.execute(
                "INSERT INTO revoked_sessions (session_id, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                [.text(id), .int(Milliseconds.of(expiresAt))])
            try Self.appendAudit(db, audit)
        }
    }

    public func isSessionRevoked(id: String) throws -> Bool {
        try read { db in try !db.rows("SELECT 1 FROM revoked_sessions WHERE session_id = $1", [.text(id)]).isEmpty }
    }

    public func idempotentResult(key: String) throws -> IdempotentResult? {
        try read { db in
            try db.rows("SELECT key, request_hash, status, body, created_at FROM idempotent_results WHERE key = $1", [.text(key)]).first.map {
                let (key, requestHash, status, body, createdAt) = try $0.decode((String, String, Int64, Data, Int64).self)
                return IdempotentResult(
                    key: key, requestHash: requestHash, status: Int(status), body: body,
                    createdAt: Milliseconds.date(createdAt))
            }
        }
    }

    public func storeIdempotentResult(_ result: IdempotentResult) throws -> IdempotentResult {
        try transaction { db in
            try db.execute(
                "DELETE FROM idempotent_results WHERE created_at < $1",
                [.int(Milliseconds.of(result.createdAt.addingTimeInterval(-IdempotentResult.retention)))])
            try db.execute(
                "INSERT INTO idempotent_results (key, request_hash, status, body, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                [
                    .text(result.key), .text(result.requestHash), .int(Int64(result.status)), .bytes(result.body),
                    .int(Milliseconds.of(result.createdAt)),
                ])
        }
        return try idempotentResult(key: result.key) ?? result
    }
}
