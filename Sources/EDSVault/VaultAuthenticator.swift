import EDSCrypto
import EDSVerification
import Foundation

/// A person proven by their NCA AUTH certificate: who the certificate names, nothing the client said.
public struct SignedInPerson: Codable, Hashable, Sendable {
    public var iin: String
    /// The organisation's BIN when the certificate is a legal entity's employee's (OU = BIN…).
    public var bin: String?
    /// The Kazakh roles the certificate carries (first head, right to sign, HR, employee, …).
    public var roles: [SignerRole]

    public init(iin: String, bin: String?, roles: [SignerRole]) {
        self.iin = iin
        self.bin = bin
        self.roles = roles
    }
}

/// Who a request to the vault API comes from, as proven by its bearer credential.
public struct AuthenticatedPrincipal: Hashable, Sendable {
    public enum Credential: Hashable, Sendable {
        /// A service of one employer (an HR system), by API key.
        case apiKey(id: String, role: APIKeyRole, employerBIN: String)
        /// A person signed in with their AUTH certificate, by session token.
        case session(id: String, person: SignedInPerson)
    }

    public var credential: Credential
    /// When the credential stops working (a key without expiry: nil).
    public var expiresAt: Date?
    /// An auditor key granted the documents' bytes (`api-key create --grant-document-bytes`).
    public var readsDocuments: Bool

    public init(credential: Credential, expiresAt: Date?, readsDocuments: Bool = false) {
        self.credential = credential
        self.expiresAt = expiresAt
        self.readsDocuments = readsDocuments
    }

    /// How the audit log and the service's logs name the caller: the key id, or the session id. Never an IIN.
    public var credentialName: String {
        switch credential {
        case .apiKey(let id, _, _): "key:\(id)"
        case .session(let id, _): "session:\(id)"
        }
    }
}

/// Why a bearer credential was not accepted: the answer is 401, whatever the reason (which is for the caller's logs).
public struct AuthenticationFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }

    static let missing = AuthenticationFailure(reason: "no credential: send Authorization: Bearer <API key or session token>")
    static let unknown = AuthenticationFailure(reason: "the credential is not valid")
    static let expired = AuthenticationFailure(reason: "the credential has expired")
    static let revoked = AuthenticationFailure(reason: "the credential has been revoked")
}

/// Turns `Authorization: Bearer …` values into proven principals: API keys (`edsv_…`, checked against their stored
/// SHA-256) and session tokens (`edst.…`, HMAC-signed by the vault, checked against the logouts in the index).
///
/// Shared by every request of a `serve` process; holds nothing but the vault and the session key, so two nodes with
/// the same vault (and master key) accept each other's tokens.
public final class VaultAuthenticator: Sendable {
    public let vault: Vault
    /// HMAC-SHA256 key of session tokens, derived from the vault's master key.
    let sessionKey: Data
    /// How long a session token lives.
    public let sessionLifetime: TimeInterval
    /// How long a sign-in nonce may wait for its signature.
    public let nonceLifetime: TimeInterval
    /// Last use is written at most this often per key (each request is audited on its own anyway).
    static let lastUseResolution: TimeInterval = 60

    public init(vault: Vault, sessionLifetime: TimeInterval = 15 * 60, nonceLifetime: TimeInterval = 120) throws {
        self.vault = vault
        self.sessionLifetime = sessionLifetime
        self.nonceLifetime = nonceLifetime
        sessionKey = try KeyedHash.expandKey(vault.keys.master, info: "eds-vault/v1/api-session-tokens")
    }

    static let sessionPrefix = "edst."

    /// The principal behind an `Authorization` header value (`Bearer …`); `AuthenticationFailure` when there is none
    /// or it does not hold.
    public func authenticate(authorization: String?) throws -> AuthenticatedPrincipal {
        guard let authorization, authorization.utf8.count <= 4096 else { throw AuthenticationFailure.missing }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw AuthenticationFailure.missing }
        return try authenticate(bearer: parts[1].trimmingCharacters(in: .whitespaces))
    }

    /// The principal behind a bearer credential.
    public func authenticate(bearer: String, now: Date = Date()) throws -> AuthenticatedPrincipal {
        if let id = Vault.apiKeyID(of: bearer) { return try authenticateKey(bearer, id: id.lowercased(), now: now) }
        if bearer.hasPrefix(Self.sessionPrefix) { return try authenticateSession(bearer, now: now) }
        throw AuthenticationFailure.unknown
    }

    private func authenticateKey(_ key: String, id: String, now: Date) throws -> AuthenticatedPrincipal {
        let access = try vault.accessIndex
        guard let stored = try access.apiKey(id: id), let expected = Data(hex: stored.keyHash),
            ConstantTime.equal(Digest.sha256(Data(key.utf8)), expected)
        else { throw AuthenticationFailure.unknown }
        if stored.revokedAt != nil { throw AuthenticationFailure.revoked }
        if let expiry = stored.expiresAt, now >= expiry { throw AuthenticationFailure.expired }
        if stored.lastUsedAt.map({ now.timeIntervalSince($0) >= Self.lastUseResolution }) ?? true {
            try access.touchAPIKey(id: id, at: VaultClock.now())
        }
        return AuthenticatedPrincipal(
            credential: .apiKey(id: stored.id, role: stored.role, employerBIN: stored.employerBIN), expiresAt: stored.expiresAt,
            readsDocuments: stored.readsDocuments)
    }

    // MARK: - Session tokens

    /// What a session token carries, signed.
    struct SessionClaims: Codable {
        var sid: String
        var person: SignedInPerson
        /// Expiry, milliseconds since 1970.
        var exp: Int64
    }

    /// `edst.<base64url claims>.<base64url HMAC-SHA256 of everything before the last dot>`.
    func mintSession(for person: SignedInPerson, now: Date) throws -> (token: String, claims: SessionClaims) {
        let id: String
        do { id = try SecureRandom.bytes(16).hexString } catch { throw VaultError.io("the random generator failed") }
        let claims = SessionClaims(sid: id, person: person, exp: VaultClock.milliseconds(now.addingTimeInterval(sessionLifetime)))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let signed = Self.sessionPrefix + Vault.base64URL(try encoder.encode(claims))
        let mac = try KeyedHash.hmacSHA256(key: sessionKey, Data(signed.utf8))
        return (signed + "." + Vault.base64URL(mac), claims)
    }

    /// The claims of a token this vault signed; `AuthenticationFailure` for anything else.
    func sessionClaims(_ token: String, now: Date) throws -> SessionClaims {
        guard token.utf8.count <= 2048, let dot = token.lastIndex(of: "."), dot > token.startIndex else { throw AuthenticationFailure.unknown }
        let signed = String(token[..<dot])
        guard let mac = Vault.data(base64URL: token[token.index(after: dot)...]),
            ConstantTime.equal(mac, try KeyedHash.hmacSHA256(key: sessionKey, Data(signed.utf8))),
            let payload = Vault.data(base64URL: signed.dropFirst(Self.sessionPrefix.count)),
            let claims = try? JSONDecoder().decode(SessionClaims.self, from: payload)
        else { throw AuthenticationFailure.unknown }
        guard VaultClock.milliseconds(now) < claims.exp else { throw AuthenticationFailure.expired }
        return claims
    }

    private func authenticateSession(_ token: String, now: Date) throws -> AuthenticatedPrincipal {
        let claims = try sessionClaims(token, now: now)
        if try vault.accessIndex.isSessionRevoked(id: claims.sid) { throw AuthenticationFailure.revoked }
        return AuthenticatedPrincipal(
            credential: .session(id: claims.sid, person: claims.person), expiresAt: VaultClock.date(milliseconds: claims.exp))
    }

    /// Ends a session: its token is refused from now on, on every node of the vault. Audited.
    public func logout(_ principal: AuthenticatedPrincipal) throws {
        guard case .session(let id, let person) = principal.credential else {
            throw VaultError.invalidInput("only a session signs out; an API key is revoked with `edsvault vault api-key revoke`")
        }
        let now = VaultClock.now()
        try vault.accessIndex.revokeSession(
            id: id, expiresAt: principal.expiresAt ?? now.addingTimeInterval(sessionLifetime),
            audit: [
                AuditDraft(
                    at: now, actor: try vault.auditName(for: .individual(iin: person.iin)), action: "sign-out", object: "",
                    detail: "session \(id)")
            ])
    }
}
