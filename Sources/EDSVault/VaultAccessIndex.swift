import Foundation

/// What the vault API's authentication keeps in the index, beside the documents: API keys (hashed), one-time sign-in
/// nonces, revoked session tokens and the answers of idempotent requests.
///
/// A separate protocol from `VaultIndex`, implemented by both indexes (`SQLiteVaultIndex+Access.swift`,
/// `PostgresVaultIndex+Access.swift`), so that several `serve` nodes sharing one PostgreSQL vault see the same keys,
/// nonces and logouts. Every method is one transaction.
public protocol VaultAccessIndex: Sendable {
    /// Stores a new key and appends `audit` in the same transaction.
    func insertAPIKey(_ key: IndexedAPIKey, audit: [AuditDraft]) throws
    func apiKey(id: String) throws -> IndexedAPIKey?
    /// Every key, revoked and expired ones included, oldest first.
    func apiKeys() throws -> [IndexedAPIKey]
    /// Marks the key revoked (the first revocation time is kept) and appends `audit`; false when no such key exists.
    func revokeAPIKey(id: String, revokedAt: Date, audit: [AuditDraft]) throws -> Bool
    /// Records when the key was last used (not audited: each request is audited on its own).
    func touchAPIKey(id: String, at: Date) throws

    /// Stores a sign-in nonce (its SHA-256 only) until `expiresAt`; expired nonces are purged on the way.
    func insertSignInNonce(hash: String, expiresAt: Date, now: Date) throws
    /// Deletes the nonce and says whether it existed unexpired: a nonce is consumed once, on whichever node.
    func consumeSignInNonce(hash: String, now: Date) throws -> Bool

    /// Records a logged-out session until its token would have expired anyway, and appends `audit`.
    func revokeSession(id: String, expiresAt: Date, audit: [AuditDraft]) throws
    func isSessionRevoked(id: String) throws -> Bool

    /// The stored answer to an idempotent request (`Idempotency-Key`), if one was recorded under `key`.
    func idempotentResult(key: String) throws -> IdempotentResult?
    /// Records the answer under `key`, unless one is already there; returns the one that is kept. Answers older than
    /// `IdempotentResult.retention` are purged in the same transaction.
    func storeIdempotentResult(_ result: IdempotentResult) throws -> IdempotentResult
}

/// An API key as the index keeps it: never the key itself, only its SHA-256.
public struct IndexedAPIKey: Hashable, Sendable, Codable {
    /// The public part of the key (16 hex digits), shown by `api-key list` and in the audit log.
    public var id: String
    /// SHA-256 (hex) of the whole key.
    public var keyHash: String
    public var role: APIKeyRole
    public var employerBIN: String
    public var createdAt: Date
    public var expiresAt: Date?
    public var revokedAt: Date?
    public var lastUsedAt: Date?
    /// An auditor key granted the documents' bytes (and cards), which auditor keys otherwise never get.
    public var readsDocuments: Bool

    public init(
        id: String, keyHash: String, role: APIKeyRole, employerBIN: String, createdAt: Date, expiresAt: Date?, revokedAt: Date? = nil,
        lastUsedAt: Date? = nil, readsDocuments: Bool = false
    ) {
        self.id = id
        self.keyHash = keyHash
        self.role = role
        self.employerBIN = employerBIN
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.lastUsedAt = lastUsedAt
        self.readsDocuments = readsDocuments
    }

    public func isActive(at moment: Date) -> Bool {
        revokedAt == nil && (expiresAt.map { moment < $0 } ?? true)
    }
}

/// What a service holding an API key may do, always within its one employer's documents.
public enum APIKeyRole: String, CaseIterable, Codable, Sendable {
    /// An HR system: stores, lists and reads the employer's documents, attaches signatures, makes links.
    case hr
    /// Reads metadata, signatures, proofs and audit extracts, never a document's bytes.
    case auditor
    /// Everything HR may, plus erasure (Law 94-V) and audit extracts.
    case `operator`
}

/// A recorded answer to a request carrying `Idempotency-Key`: a retry gets the same answer, a different request
/// under the same key is refused.
public struct IdempotentResult: Hashable, Sendable {
    /// SHA-256 (hex) of the caller's credential id and the Idempotency-Key value.
    public var key: String
    /// SHA-256 (hex) of what the request asked (route and body), to tell a retry from a reuse of the key.
    public var requestHash: String
    public var status: Int
    public var body: Data
    public var createdAt: Date

    /// How long an answer is kept for retries: a day (older ones are purged as new ones are stored).
    public static let retention: TimeInterval = 86_400

    public init(key: String, requestHash: String, status: Int, body: Data, createdAt: Date) {
        self.key = key
        self.requestHash = requestHash
        self.status = status
        self.body = body
        self.createdAt = createdAt
    }
}
