import EDSCrypto
import EDSVerification
import Foundation
import Testing

@testable import EDSVault
@testable import EDSVaultPostgres

/// Issue 21 on both stores: API keys, one-time sign-in nonces, logouts and idempotent answers live in the index, so a
/// second node (a second `Vault` on the same store, as two `serve` processes are) sees what the first did.
@Suite struct VaultAccessStoreTests {
    @Test(arguments: StoreKind.available)
    func anAPIKeyMadeOnOneNodeAuthenticatesOnTheOtherUntilItIsRevoked(_ kind: StoreKind) throws {
        let store = try StoreVault.make(kind)
        let issued = try store.vault.createAPIKey(
            employerBIN: "150640123452", role: .auditor, expiresAt: Date().addingTimeInterval(3600), readsDocuments: true)
        let other = try VaultAuthenticator(vault: try store.reopened())
        let caller = try other.authenticate(authorization: "Bearer \(issued.key)")
        #expect(caller.readsDocuments)
        #expect(caller.credential == .apiKey(id: issued.record.id, role: .auditor, employerBIN: "150640123452"))
        let listed = try #require(try store.vault.apiKeys().first)
        #expect(listed.keyHash == issued.record.keyHash && listed.expiresAt == issued.record.expiresAt && listed.lastUsedAt != nil)
        #expect(try store.vault.revokeAPIKey(issued.key).revokedAt != nil)
        #expect(throws: AuthenticationFailure.revoked) { try other.authenticate(bearer: issued.key) }
        #expect(throws: VaultError.self) { try store.vault.createAPIKey(employerBIN: "1506401234", role: .hr) }
    }

    @Test(arguments: StoreKind.available)
    func aSignInNonceIsConsumedOnceWhicheverNodeCompletesIt(_ kind: StoreKind) throws {
        let store = try StoreVault.make(kind)
        let first = try VaultAuthenticator(vault: store.vault)
        let second = try VaultAuthenticator(vault: try store.reopened())
        let auth = try PG.key("auth")
        let challenge = try first.issueSignInChallenge()
        let cms = try CMSSigner.sign(
            .bytes(Data(challenge.nonce.utf8)), key: auth.privateKey, certificate: auth.certificate, chain: auth.chain,
            parameters: CMSSignerParameters(attached: true))
        let grant = try second.signIn(signature: cms)
        #expect(throws: AuthenticationFailure.self) { try first.signIn(signature: cms) }
        // The token is the vault's (keyed by its master key): the other node accepts it, and a logout on one is seen
        // by both.
        let caller = try first.authenticate(bearer: grant.token)
        guard case .session(_, let person) = caller.credential else {
            Issue.record("not a session")
            return
        }
        #expect(person.iin == "900315301237")
        try second.logout(caller)
        #expect(throws: AuthenticationFailure.revoked) { try first.authenticate(bearer: grant.token) }
    }

    @Test(arguments: StoreKind.available)
    func anIdempotentAnswerIsKeptOnceAndTheFirstWins(_ kind: StoreKind) throws {
        let store = try StoreVault.make(kind)
        let first = IdempotentResult(key: "k", requestHash: "a", status: 201, body: Data("{\"one\":1}".utf8), createdAt: Date())
        #expect(try store.vault.storeIdempotentResult(first).body == first.body)
        let second = IdempotentResult(key: "k", requestHash: "b", status: 200, body: Data("{}".utf8), createdAt: Date())
        let kept = try store.reopened().storeIdempotentResult(second)
        #expect(kept.requestHash == "a" && kept.status == 201 && kept.body == first.body)
        #expect(try store.vault.idempotentResult(key: "absent") == nil)
        // A day later the answer is gone, purged by the next one stored.
        let later = IdempotentResult(
            key: "l", requestHash: "c", status: 201, body: Data("{}".utf8), createdAt: Date().addingTimeInterval(IdempotentResult.retention + 60))
        _ = try store.vault.storeIdempotentResult(later)
        #expect(try store.vault.idempotentResult(key: "k") == nil)
    }

    @Test(.disabled(if: PG.url == nil, "set EDSVAULT_TEST_POSTGRES_URL"))
    func apiKeysGoAlongWhenADirectoryVaultMovesToPostgreSQL() throws {
        let source = try StoreVault.make(.directory).vault
        let kept = try source.createAPIKey(employerBIN: "150640123452", role: .hr)
        let revoked = try source.createAPIKey(employerBIN: "150640123452", role: .auditor)
        try source.revokeAPIKey(revoked.record.id)
        let url = try PG.schemaURL()
        let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-migrated-\(UUID().uuidString).key")
        _ = try PostgresVault.migrate(source, to: url, masterKeyFile: keyFile, environment: [:])
        _ = try PostgresVault.migrate(source, to: url, masterKeyFile: keyFile, environment: [:])
        let migrated = try PostgresVault.open(url: url, masterKeyFile: keyFile, environment: [:])
        #expect(try migrated.apiKeys().map(\.id) == (try source.apiKeys().map(\.id)))
        let authenticator = try VaultAuthenticator(vault: migrated)
        #expect(try authenticator.authenticate(bearer: kept.key).credentialName == "key:\(kept.record.id)")
        #expect(throws: AuthenticationFailure.revoked) { try authenticator.authenticate(bearer: revoked.key) }
    }
}
