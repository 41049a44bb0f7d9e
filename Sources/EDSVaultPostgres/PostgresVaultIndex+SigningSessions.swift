import EDSVault
import Foundation
import PostgresNIO

/// Signing sessions in PostgreSQL: the SQLite index's "v5-signing-sessions" table, in PostgreSQL types.
extension PostgresVaultIndex: SigningSessionIndex {
    /// Adds the table to a vault made before it (inside `prepare`'s transaction, under its advisory lock).
    static func addSigningSessions(_ db: Session) throws {
        let exists = try db.rows("SELECT to_regclass('signing_sessions') IS NOT NULL").first?.decode(Bool.self) ?? false
        guard !exists else { return }
        try db.execute(
            """
            CREATE TABLE signing_sessions (
                token_hash TEXT PRIMARY KEY, document_id TEXT NOT NULL REFERENCES documents(id),
                created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, state TEXT NOT NULL,
                sealed_signer BYTEA NOT NULL, mobile_token_hash TEXT, mobile_token_expires_at BIGINT,
                signature_id TEXT, closed_at BIGINT, detail TEXT NOT NULL DEFAULT '')
            """)
        try db.execute("CREATE INDEX signing_sessions_by_document ON signing_sessions (document_id, created_at)")
    }

    static let sessionColumns =
        "token_hash, document_id, created_at, expires_at, state, sealed_signer, mobile_token_hash, mobile_token_expires_at, signature_id, closed_at, detail"

    static func session(_ row: PostgresRow) throws -> IndexedSigningSession {
        let (token, documentID, createdAt, expiresAt, state, signer, mobile, mobileExpiry, signatureID, closedAt, detail) = try row.decode(
            (String, String, Int64, Int64, String, Data, String?, Int64?, String?, Int64?, String).self)
        return IndexedSigningSession(
            tokenHash: token, documentID: documentID, createdAt: Milliseconds.date(createdAt), expiresAt: Milliseconds.date(expiresAt),
            state: state, sealedSigner: signer, mobileTokenHash: mobile, mobileTokenExpiresAt: mobileExpiry.map(Milliseconds.date),
            signatureID: signatureID, closedAt: closedAt.map(Milliseconds.date), detail: detail)
    }

    public func insertSigningSession(_ session: IndexedSigningSession, audit: [AuditDraft]) throws {
        try transaction { db in
            try db.execute(
                "INSERT INTO signing_sessions (\(Self.sessionColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                [
                    .text(session.tokenHash), .text(session.documentID), .int(Milliseconds.of(session.createdAt)),
                    .int(Milliseconds.of(session.expiresAt)), .text(session.state), .bytes(session.sealedSigner),
                    .optionalText(session.mobileTokenHash), .optionalInt(session.mobileTokenExpiresAt.map(Milliseconds.of)),
                    .optionalText(session.signatureID), .optionalInt(session.closedAt.map(Milliseconds.of)), .text(session.detail),
                ])
            try Self.appendAudit(db, audit)
        }
    }

    public func signingSession(tokenHash: String) throws -> IndexedSigningSession? {
        try read { db in
            try db.rows("SELECT \(Self.sessionColumns) FROM signing_sessions WHERE token_hash = $1", [.text(tokenHash)]).first.map(Self.session)
        }
    }

    public func signingSessions(documentID: String?) throws -> [IndexedSigningSession] {
        try read { db in
            if let documentID {
                return try db.rows(
                    "SELECT \(Self.sessionColumns) FROM signing_sessions WHERE document_id = $1 ORDER BY created_at, token_hash", [.text(documentID)]
                ).map(Self.session)
            }
            return try db.rows("SELECT \(Self.sessionColumns) FROM signing_sessions ORDER BY created_at, token_hash").map(Self.session)
        }
    }

    public func updateSigningSession(_ updated: IndexedSigningSession, expected: IndexedSigningSession, audit: [AuditDraft]) throws -> Bool {
        try transaction { db in
            let changed = try db.rows(
                """
                UPDATE signing_sessions SET state = $1, mobile_token_hash = $2, mobile_token_expires_at = $3, signature_id = $4,
                    closed_at = $5, detail = $6
                WHERE token_hash = $7 AND state = $8 AND mobile_token_hash IS NOT DISTINCT FROM $9
                RETURNING token_hash
                """,
                [
                    .text(updated.state), .optionalText(updated.mobileTokenHash), .optionalInt(updated.mobileTokenExpiresAt.map(Milliseconds.of)),
                    .optionalText(updated.signatureID), .optionalInt(updated.closedAt.map(Milliseconds.of)), .text(updated.detail),
                    .text(expected.tokenHash), .text(expected.state), .optionalText(expected.mobileTokenHash),
                ])
            guard !changed.isEmpty else { return false }
            try Self.appendAudit(db, audit)
            return true
        }
    }
}
