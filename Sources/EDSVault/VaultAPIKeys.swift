import EDSCrypto
import Foundation

/// A key just made: the key itself (shown once, never stored) and what the index keeps about it.
public struct IssuedAPIKey: Sendable {
    /// `edsv_<id>_<secret>`: the whole value goes in `Authorization: Bearer`.
    public var key: String
    public var record: IndexedAPIKey
}

extension Vault {
    /// The index's authentication tables; every index the vault ships with has them.
    var accessIndex: any VaultAccessIndex {
        get throws {
            guard let access = index as? any VaultAccessIndex else {
                throw VaultError.io("this vault's index keeps no API keys or sessions")
            }
            return access
        }
    }

    /// The prefix that tells an API key from a session token in `Authorization: Bearer`.
    static let apiKeyPrefix = "edsv_"

    /// Makes an API key for a service of one employer: 256 random bits, of which only the SHA-256 of the whole key is
    /// stored, so the index alone opens nothing and a lost key cannot be recovered, only revoked and replaced.
    /// `readsDocuments` grants an auditor key the documents' bytes and cards (hr and operator keys always have them).
    public func createAPIKey(employerBIN: String, role: APIKeyRole, expiresAt: Date? = nil, readsDocuments: Bool = false) throws -> IssuedAPIKey {
        let bin = try IdentificationNumber.validated(employerBIN, kind: "employer BIN")
        if readsDocuments && role != .auditor {
            throw VaultError.invalidInput("granting the documents' bytes applies to auditor keys; hr and operator keys read them anyway")
        }
        let now = VaultClock.now()
        if let expiresAt, expiresAt <= now { throw VaultError.invalidInput("an API key's expiry must be in the future") }
        let id: String
        let secret: String
        do {
            id = try SecureRandom.bytes(8).hexString
            secret = Self.base64URL(try SecureRandom.bytes(32))
        } catch { throw VaultError.io("the random generator failed") }
        let key = "\(Self.apiKeyPrefix)\(id)_\(secret)"
        let record = IndexedAPIKey(
            id: id, keyHash: Digest.sha256(Data(key.utf8)).hexString, role: role, employerBIN: bin, createdAt: now,
            expiresAt: expiresAt.map { VaultClock.date(milliseconds: VaultClock.milliseconds($0)) }, readsDocuments: readsDocuments)
        let expiry = record.expiresAt.map { ISO8601DateFormatter().string(from: $0) } ?? "never"
        try accessIndex.insertAPIKey(
            record,
            audit: [
                AuditDraft(
                    at: now, actor: "operator", action: "api-key-create", object: "",
                    detail: "key \(id), role \(role.rawValue)\(readsDocuments ? " with document bytes" : ""), employer \(bin), expires \(expiry)")
            ])
        return IssuedAPIKey(key: key, record: record)
    }

    /// Every API key (never the key itself): ids, roles, employers, expiry, revocation and last use.
    public func apiKeys() throws -> [IndexedAPIKey] { try accessIndex.apiKeys() }

    /// Revokes a key, named by the key itself or its id: from now on it authenticates nothing. Audited.
    @discardableResult
    public func revokeAPIKey(_ keyOrID: String) throws -> IndexedAPIKey {
        let name = keyOrID.trimmingCharacters(in: .whitespacesAndNewlines)
        let id = Self.apiKeyID(of: name) ?? name
        guard id.count == 16, id.allSatisfy(\.isHexDigit), let stored = try accessIndex.apiKey(id: id.lowercased()) else {
            throw VaultError.notFound("no API key \(id.prefix(16))")
        }
        let now = VaultClock.now()
        guard
            try accessIndex.revokeAPIKey(
                id: stored.id, revokedAt: now,
                audit: [AuditDraft(at: now, actor: "operator", action: "api-key-revoke", object: "", detail: "key \(stored.id)")])
        else { throw VaultError.notFound("no API key \(stored.id)") }
        var revoked = stored
        revoked.revokedAt = stored.revokedAt ?? now
        return revoked
    }

    /// The id inside `edsv_<id>_<secret>`, nil when `text` is not shaped like a key.
    static func apiKeyID(of text: String) -> String? {
        guard text.hasPrefix(apiKeyPrefix) else { return nil }
        let parts = text.dropFirst(apiKeyPrefix.count).split(separator: "_", maxSplits: 1)
        guard parts.count == 2, parts[0].count == 16, parts[0].allSatisfy(\.isHexDigit) else { return nil }
        return String(parts[0])
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func data(base64URL text: some StringProtocol) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard base64.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "/") }) else { return nil }
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}

/// Equality of two byte strings in time that depends only on their length, not on where they first differ.
enum ConstantTime {
    static func equal(_ left: Data, _ right: Data) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(left, right) { difference |= a ^ b }
        return difference == 0
    }
}

extension Vault {
    /// The id `vault link --list` shows for a link token (the first 16 hex digits of its SHA-256).
    public static func linkID(ofToken token: String) -> String { String(linkHash(token).prefix(16)) }

    /// The answer recorded for an `Idempotency-Key` (already hashed with the caller's credential), if any.
    public func idempotentResult(key: String) throws -> IdempotentResult? { try accessIndex.idempotentResult(key: key) }

    /// Records an answer for an `Idempotency-Key`; of two concurrent requests the first recorded wins and is returned.
    public func storeIdempotentResult(_ result: IdempotentResult) throws -> IdempotentResult {
        try accessIndex.storeIdempotentResult(result)
    }
}

extension Vault {
    /// The key id a bearer value names when it is shaped like an API key (for the fuzz target; no lookup is made).
    @_spi(Fuzzing) public static func apiKeyShape(_ text: String) -> String? { apiKeyID(of: text) }

    /// `validated(_:)`, the vault's own check of a document's metadata (for the fuzz target).
    @_spi(Fuzzing) public static func validated(publicly metadata: DocumentMetadata) throws -> DocumentMetadata { try validated(metadata) }
}

extension Vault {
    /// Copies the API keys to a migration's target index, as they are (revoked ones stay revoked): a resumed
    /// migration skips the keys already there. Sign-in nonces and logouts are short-lived and stay behind.
    func migrateAPIKeys(to target: any VaultIndex) throws {
        guard let source = index as? any VaultAccessIndex, let destination = target as? any VaultAccessIndex else { return }
        for key in try source.apiKeys() where try destination.apiKey(id: key.id) == nil {
            try destination.insertAPIKey(key, audit: [])
            if let revokedAt = key.revokedAt { _ = try destination.revokeAPIKey(id: key.id, revokedAt: revokedAt, audit: []) }
            if let lastUsedAt = key.lastUsedAt { try destination.touchAPIKey(id: key.id, at: lastUsedAt) }
        }
    }
}
