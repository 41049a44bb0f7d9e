import Foundation

/// Where a vault keeps its signing sessions (issue 22): beside `VaultIndex`, in the same database, so that a session's
/// change and its audit entry are one transaction. The SQLite and PostgreSQL indexes implement it.
public protocol SigningSessionIndex: Sendable {
    func insertSigningSession(_ session: IndexedSigningSession, audit: [AuditDraft]) throws
    /// The session whose token hashes to `tokenHash`, in whatever state.
    func signingSession(tokenHash: String) throws -> IndexedSigningSession?
    /// The sessions of one document, or of every document when `documentID` is nil, oldest first.
    func signingSessions(documentID: String?) throws -> [IndexedSigningSession]
    /// Replaces the session's row with `updated` and appends `audit`, in one transaction, when the row's state and
    /// mobile token hash are still those of `expected` (compare-and-set: of two requests racing on one session only one
    /// wins). False when the row changed meanwhile or is gone.
    func updateSigningSession(_ updated: IndexedSigningSession, expected: IndexedSigningSession, audit: [AuditDraft]) throws -> Bool
}

/// A signing session as the index keeps it: only hashes of its tokens, and its expected signer sealed.
public struct IndexedSigningSession: Hashable, Sendable {
    /// SHA-256 (hex) of the session token (the `/sign/{token}` path): the index alone opens nothing.
    public var tokenHash: String
    public var documentID: String
    public var createdAt: Date
    public var expiresAt: Date
    /// `waiting`, `signing` (a signature is being checked), `signed`, `refused` or `cancelled`. `expired` is not stored:
    /// a waiting session past `expiresAt` is expired.
    public var state: String
    /// The expected signer (`SignerRequirement`'s stored form), sealed with the document's key: it names a person.
    public var sealedSigner: Data
    /// SHA-256 (hex) of the one-time API №2 token that API №1 handed out last; nil before, and once it was used.
    public var mobileTokenHash: String?
    public var mobileTokenExpiresAt: Date?
    /// The kept signature (its blob id) once the session is signed.
    public var signatureID: String?
    public var closedAt: Date?
    /// Why the session closed, in words without personal data.
    public var detail: String

    public init(
        tokenHash: String, documentID: String, createdAt: Date, expiresAt: Date, state: String, sealedSigner: Data,
        mobileTokenHash: String? = nil, mobileTokenExpiresAt: Date? = nil, signatureID: String? = nil, closedAt: Date? = nil,
        detail: String = ""
    ) {
        self.tokenHash = tokenHash
        self.documentID = documentID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.state = state
        self.sealedSigner = sealedSigner
        self.mobileTokenHash = mobileTokenHash
        self.mobileTokenExpiresAt = mobileTokenExpiresAt
        self.signatureID = signatureID
        self.closedAt = closedAt
        self.detail = detail
    }

    /// A short public name (`signing-session list`, `cancel`): the first 16 hex digits of the token's hash.
    public var sessionID: String { String(tokenHash.prefix(16)) }
}
