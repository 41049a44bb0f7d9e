import EDSCrypto
import EDSVerification
import Foundation
import GRDB
import Testing

@testable import EDSVault

private typealias F = VaultFixtures

/// Issue 23: vaults made by the previous release. Their links (no scope, no life: they handed the document over and
/// never expired) become proof-only and expire 90 days after the upgrade; their trust store, never sealed, is sealed as
/// it is on first open.
@Suite struct VaultUpgradeTests {
    @Test func linksOfAVaultMadeBeforeLinkScopesBecomeProofOnlyAndExpire() throws {
        let (vault, directory) = try F.makeVault()
        let id = try vault.put(F.document(), metadata: F.metadata()).id
        try vault.sign(id, with: try F.key("employee"))
        let token = try vault.createProofLink(for: id, withDocument: true)

        // Back to the previous schema: no scope, no expiry, no revocation; the migration not yet run.
        let queue = try DatabaseQueue(path: directory.appendingPathComponent(Vault.indexFileName).path)
        try queue.write { db in
            try db.execute(
                sql: """
                    DROP INDEX proof_links_by_document;
                    ALTER TABLE proof_links DROP COLUMN expires_at;
                    ALTER TABLE proof_links DROP COLUMN with_document;
                    ALTER TABLE proof_links DROP COLUMN revoked_at;
                    DELETE FROM grdb_migrations WHERE identifier = 'v3-link-scopes';
                    """)
        }
        try queue.close()

        let upgraded = try Vault.open(at: directory, environment: [:])
        let link = try #require(try upgraded.proofLinks(for: id).first)
        #expect(link.scope == "proof" && link.state == "active")
        #expect(abs((link.expiresAt ?? .distantPast).timeIntervalSinceNow - Vault.defaultLinkLifetime) < 120)
        #expect(try upgraded.proof(forToken: token)?.document.id == id)
        #expect(try upgraded.cardMaterial(forToken: token) == nil)
        #expect(try upgraded.check().isClean)
    }

    @Test func aDirectoryVaultMadeBeforeTheSealIsSealedAsItIsOnFirstOpen() throws {
        let (vault, directory) = try F.makeVault()
        let id = try vault.put(F.document(), metadata: F.metadata()).id
        let queue = try DatabaseQueue(path: directory.appendingPathComponent(Vault.indexFileName).path)
        try queue.write { db in try db.execute(sql: "DELETE FROM vault_meta WHERE key IN ('trust_manifest', 'trust_seal')") }
        try queue.close()

        let upgraded = try Vault.open(at: directory, environment: [:])
        #expect(try upgraded.auditLog().last?.draft.detail.hasPrefix("sealed at upgrade: 1 anchor(s)") == true)
        #expect(try upgraded.check().isClean)
        #expect(try upgraded.read(id, as: .operator_).bytes == F.document())
        // From then on the seal holds: a planted anchor is refused.
        let other = try #require(try Certificate.parseAll(try F.data("other/other-root.pem")).first)
        try other.derEncoded.write(to: directory.appendingPathComponent("trust/anchor-\(other.sha256Fingerprint.hexString.prefix(16)).der"))
        #expect(throws: VaultError.self) { try Vault.open(at: directory, environment: [:]) }
    }
}
