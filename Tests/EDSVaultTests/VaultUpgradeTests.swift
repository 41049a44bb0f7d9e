import EDSCrypto
import EDSVerification
import Foundation
import GRDB
import Testing

@testable import EDSVault

private typealias F = VaultFixtures

/// Issue 23: vaults made by the previous release. Their links (no scope, no life: they handed the document over and
/// never expired) become proof-only and expire 90 days after the upgrade.
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
}
