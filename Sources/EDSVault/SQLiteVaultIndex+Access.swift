import Foundation
import GRDB

/// The vault API's authentication state in the embedded index (migration "v4-api-keys").
extension SQLiteVaultIndex: VaultAccessIndex {
    static let accessMigration = """
        CREATE TABLE api_keys (
            id TEXT PRIMARY KEY, key_hash TEXT NOT NULL, role TEXT NOT NULL, employer_bin TEXT NOT NULL,
            created_at INTEGER NOT NULL, expires_at INTEGER, revoked_at INTEGER, last_used_at INTEGER,
            reads_documents INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE sign_in_nonces (nonce_hash TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
        CREATE INDEX sign_in_nonces_by_expiry ON sign_in_nonces (expires_at);
        CREATE TABLE revoked_sessions (session_id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
        CREATE TABLE idempotent_results (
            key TEXT PRIMARY KEY, request_hash TEXT NOT NULL, status INTEGER NOT NULL, body BLOB NOT NULL,
            created_at INTEGER NOT NULL);
        """

    public func insertAPIKey(_ key: IndexedAPIKey, audit: [AuditDraft]) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO api_keys (id, key_hash, role, employer_bin, created_at, expires_at, revoked_at, last_used_at, reads_documents)
                    VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?)
                    """,
                arguments: [
                    key.id, key.keyHash, key.role.rawValue, key.employerBIN, VaultClock.milliseconds(key.createdAt),
                    key.expiresAt.map(VaultClock.milliseconds), key.readsDocuments,
                ])
            try Self.appendAudit(db, audit)
        }
    }

    static func apiKey(_ row: Row) throws -> IndexedAPIKey {
        guard let role = APIKeyRole(rawValue: row["role"]) else { throw VaultError.corrupted("an API key has an unknown role") }
        let optionalDate = { (column: String) -> Date? in (row[column] as Int64?).map { VaultClock.date(milliseconds: $0) } }
        return IndexedAPIKey(
            id: row["id"], keyHash: row["key_hash"], role: role, employerBIN: row["employer_bin"],
            createdAt: VaultClock.date(milliseconds: row["created_at"]), expiresAt: optionalDate("expires_at"),
            revokedAt: optionalDate("revoked_at"), lastUsedAt: optionalDate("last_used_at"), readsDocuments: row["reads_documents"])
    }

    public func apiKey(id: String) throws -> IndexedAPIKey? {
        try pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM api_keys WHERE id = ?", arguments: [id]).map(Self.apiKey) }
    }

    public func apiKeys() throws -> [IndexedAPIKey] {
        try pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM api_keys ORDER BY created_at, id").map(Self.apiKey) }
    }

    public func revokeAPIKey(id: String, revokedAt: Date, audit: [AuditDraft]) throws -> Bool {
        try write { db in
            try db.execute(
                sql: "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?",
                arguments: [VaultClock.milliseconds(revokedAt), id])
            guard db.changesCount > 0 else { return false }
            try Self.appendAudit(db, audit)
            return true
        }
    }

    public func touchAPIKey(id: String, at moment: Date) throws {
        try write(flushed: false) { db in
            try db.execute(sql: "UPDATE api_keys SET last_used_at = ? WHERE id = ?", arguments: [VaultClock.milliseconds(moment), id])
        }
    }

    public func insertSignInNonce(hash: String, expiresAt: Date, now: Date) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM sign_in_nonces WHERE expires_at <= ?", arguments: [VaultClock.milliseconds(now)])
            try db.execute(
                sql: "INSERT INTO sign_in_nonces (nonce_hash, expires_at) VALUES (?, ?)",
                arguments: [hash, VaultClock.milliseconds(expiresAt)])
        }
    }

    public func consumeSignInNonce(hash: String, now: Date) throws -> Bool {
        try write { db in
            try db.execute(
                sql: "DELETE FROM sign_in_nonces WHERE nonce_hash = ? AND expires_at > ?", arguments: [hash, VaultClock.milliseconds(now)])
            return db.changesCount > 0
        }
    }

    public func revokeSession(id: String, expiresAt: Date, audit: [AuditDraft]) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM revoked_sessions WHERE expires_at <= ?", arguments: [VaultClock.milliseconds(Date())])
            try db.execute(
                sql: "INSERT INTO revoked_sessions (session_id, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                arguments: [id, VaultClock.milliseconds(expiresAt)])
            try Self.appendAudit(db, audit)
        }
    }

    public func isSessionRevoked(id: String) throws -> Bool {
        try pool.read { db in try Bool.fetchOne(db, sql: "SELECT 1 FROM revoked_sessions WHERE session_id = ?", arguments: [id]) ?? false }
    }

    public func idempotentResult(key: String) throws -> IdempotentResult? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM idempotent_results WHERE key = ?", arguments: [key]).map {
                IdempotentResult(
                    key: $0["key"], requestHash: $0["request_hash"], status: $0["status"], body: $0["body"],
                    createdAt: VaultClock.date(milliseconds: $0["created_at"]))
            }
        }
    }

    public func storeIdempotentResult(_ result: IdempotentResult) throws -> IdempotentResult {
        try write { db in
            try db.execute(
                sql: "DELETE FROM idempotent_results WHERE created_at < ?",
                arguments: [VaultClock.milliseconds(result.createdAt.addingTimeInterval(-IdempotentResult.retention))])
            try db.execute(
                sql: """
                    INSERT INTO idempotent_results (key, request_hash, status, body, created_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT DO NOTHING
                    """,
                arguments: [result.key, result.requestHash, result.status, result.body, VaultClock.milliseconds(result.createdAt)])
        }
        return try idempotentResult(key: result.key) ?? result
    }
}
