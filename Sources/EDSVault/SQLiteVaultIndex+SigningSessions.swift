import Foundation
import GRDB

/// Signing sessions in the embedded index: one table, added by the migration "v5-signing-sessions".
extension SQLiteVaultIndex: SigningSessionIndex {
    static func registerSigningSessionMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v5-signing-sessions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE signing_sessions (
                        token_hash TEXT PRIMARY KEY, document_id TEXT NOT NULL REFERENCES documents(id),
                        created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, state TEXT NOT NULL,
                        sealed_signer BLOB NOT NULL, mobile_token_hash TEXT, mobile_token_expires_at INTEGER,
                        signature_id TEXT, closed_at INTEGER, detail TEXT NOT NULL DEFAULT '');
                    CREATE INDEX signing_sessions_by_document ON signing_sessions (document_id, created_at);
                    """)
        }
    }

    static let sessionColumns =
        "token_hash, document_id, created_at, expires_at, state, sealed_signer, mobile_token_hash, mobile_token_expires_at, signature_id, closed_at, detail"

    static func session(_ row: Row) -> IndexedSigningSession {
        IndexedSigningSession(
            tokenHash: row["token_hash"], documentID: row["document_id"], createdAt: VaultClock.date(milliseconds: row["created_at"]),
            expiresAt: VaultClock.date(milliseconds: row["expires_at"]), state: row["state"], sealedSigner: row["sealed_signer"],
            mobileTokenHash: row["mobile_token_hash"],
            mobileTokenExpiresAt: (row["mobile_token_expires_at"] as Int64?).map { VaultClock.date(milliseconds: $0) },
            signatureID: row["signature_id"], closedAt: (row["closed_at"] as Int64?).map { VaultClock.date(milliseconds: $0) },
            detail: row["detail"])
    }

    public func insertSigningSession(_ session: IndexedSigningSession, audit: [AuditDraft]) throws {
        try write { db in
            try db.execute(
                sql: "INSERT INTO signing_sessions (\(Self.sessionColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    session.tokenHash, session.documentID, VaultClock.milliseconds(session.createdAt), VaultClock.milliseconds(session.expiresAt),
                    session.state, session.sealedSigner, session.mobileTokenHash, session.mobileTokenExpiresAt.map(VaultClock.milliseconds),
                    session.signatureID, session.closedAt.map(VaultClock.milliseconds), session.detail,
                ])
            try Self.appendAudit(db, audit)
        }
    }

    public func signingSession(tokenHash: String) throws -> IndexedSigningSession? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.sessionColumns) FROM signing_sessions WHERE token_hash = ?", arguments: [tokenHash])
                .map(Self.session)
        }
    }

    public func signingSessions(documentID: String?) throws -> [IndexedSigningSession] {
        try pool.read { db in
            if let documentID {
                return try Row.fetchAll(
                    db, sql: "SELECT \(Self.sessionColumns) FROM signing_sessions WHERE document_id = ? ORDER BY created_at, token_hash",
                    arguments: [documentID]
                ).map(Self.session)
            }
            return try Row.fetchAll(db, sql: "SELECT \(Self.sessionColumns) FROM signing_sessions ORDER BY created_at, token_hash")
                .map(Self.session)
        }
    }

    public func updateSigningSession(_ updated: IndexedSigningSession, expected: IndexedSigningSession, audit: [AuditDraft]) throws -> Bool {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE signing_sessions SET state = ?, mobile_token_hash = ?, mobile_token_expires_at = ?, signature_id = ?,
                        closed_at = ?, detail = ?
                    WHERE token_hash = ? AND state = ? AND mobile_token_hash IS ?
                    """,
                arguments: [
                    updated.state, updated.mobileTokenHash, updated.mobileTokenExpiresAt.map(VaultClock.milliseconds), updated.signatureID,
                    updated.closedAt.map(VaultClock.milliseconds), updated.detail, expected.tokenHash, expected.state, expected.mobileTokenHash,
                ])
            guard db.changesCount == 1 else { return false }
            try Self.appendAudit(db, audit)
            return true
        }
    }
}
