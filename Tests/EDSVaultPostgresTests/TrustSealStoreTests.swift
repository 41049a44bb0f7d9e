import EDSCrypto
import EDSVerification
import Foundation
import Testing

@testable import EDSVault
@testable import EDSVaultPostgres

/// Issue 23, finding 2: what a vault trusts is sealed under its master key; an anchor, CRL or policy put into the store
/// any other way is refused at open and reported by `check`. The same on both stores (the directory's `trust/`, the
/// PostgreSQL store's `trust_material` table).
@Suite struct TrustSealStoreTests {
    static func otherRoot() throws -> Data {
        try #require(try Certificate.parseAll(try PG.data("other/other-root.pem")).first).derEncoded
    }

    static func schema(_ store: StoreVault) throws -> String {
        try #require(URLComponents(string: store.location)?.queryItems?.first { $0.name == "schema" }?.value)
    }

    /// What an attacker with write access to the store (not the master key) does: plant a CA, and a CRL.
    static func plant(anchor der: Data, crl: Data?, in store: StoreVault) throws -> String {
        let name = "anchor-\(Digest.sha256(der).hexString.prefix(16)).der"
        switch store.kind {
        case .directory:
            let trust = URL(fileURLWithPath: store.location).appendingPathComponent("trust")
            try der.write(to: trust.appendingPathComponent(name))
            if let crl { try crl.write(to: trust.appendingPathComponent("crl/planted.crl")) }
        case .postgres:
            let schema = try schema(store)
            _ = try PG.sql("INSERT INTO \(schema).trust_material (kind, name, der) VALUES ('anchor', '\(name)', decode('\(der.hexString)', 'hex'))")
            if let crl {
                _ = try PG.sql("INSERT INTO \(schema).trust_material (kind, name, der) VALUES ('crl', 'planted.crl', decode('\(crl.hexString)', 'hex'))")
            }
        }
        return name
    }

    static func reopened(_ store: StoreVault, _ check: TrustSealCheck) throws -> Vault {
        switch store.kind {
        case .directory: try Vault.open(at: URL(fileURLWithPath: store.location), environment: [:], trustCheck: check)
        case .postgres: try PostgresVault.open(url: store.location, masterKeyFile: store.keyFile, environment: [:], trustCheck: check)
        }
    }

    @Test(arguments: StoreKind.available)
    func aCertificateAuthorityPlantedInTheTrustStoreIsRefusedAtOpenAndReportedByCheck(_ kind: StoreKind) throws {
        let store = try StoreVault.make(kind)
        let id = try store.vault.put(PG.document(), metadata: PG.metadata()).id
        let name = try Self.plant(anchor: try Self.otherRoot(), crl: try PG.data("crl/root.crl"), in: store)

        // Refused at open, naming what is not sealed.
        do {
            _ = try store.reopened()
            Issue.record("a vault whose trust store was written to outside `vault trust` opened")
        } catch VaultError.corrupted(let message) {
            #expect(message.contains("\(name) is not sealed") && message.contains("CRL planted.crl is not sealed"), "\(message)")
        }
        // `check` opens to report it.
        let reporting = try Self.reopened(store, .report)
        let check = try reporting.check()
        #expect(!check.isClean)
        #expect(check.problems.contains { $0.contains("trust anchor \(name) is not sealed") })
        let listed = try reporting.trustList()
        #expect(listed.first { $0.name == name }?.state == "unsealed")
        #expect(listed.filter { $0.kind == "anchor" }.count == 2)

        // The operator removes what was planted; the vault opens again and is clean.
        let removed = try reporting.trustRemove([name, "planted.crl"])
        #expect(removed.map(\.state) == ["unsealed", "unsealed"])
        let again = try store.reopened()
        #expect(try again.check().isClean)
        #expect(try again.read(id, as: .operator_).bytes == PG.document())
        #expect(try again.trustList().allSatisfy { $0.state == "sealed" })
    }

    /// Bytes that are no certificate at all: refused like any unsealed entry, and still reported and removable.
    @Test(arguments: StoreKind.available)
    func anUnreadableFilePlantedInTheTrustStoreIsRefusedReportedAndRemovable(_ kind: StoreKind) throws {
        let store = try StoreVault.make(kind)
        let name = try Self.plant(anchor: Data("not a certificate".utf8), crl: nil, in: store)
        #expect(throws: VaultError.self) { try store.reopened() }
        let reporting = try Self.reopened(store, .report)
        #expect(try reporting.check().problems.contains { $0.contains("\(name) is not sealed") })
        #expect(try reporting.trustList().first { $0.name == name }?.subject == nil)
        try reporting.trustRemove([name])
        #expect(try store.reopened().check().isClean)
    }

    @Test(arguments: StoreKind.available)
    func anAlteredSealedAnchorIsRefusedAtOpen(_ kind: StoreKind) throws {
        let store = try StoreVault.make(kind)
        let sealed = try #require(try store.vault.trustList().first { $0.kind == "anchor" })
        let other = try Self.otherRoot()
        switch kind {
        case .directory:
            try other.write(to: URL(fileURLWithPath: store.location).appendingPathComponent("trust/\(sealed.name)"))
        case .postgres:
            _ = try PG.sql("UPDATE \(try Self.schema(store)).trust_material SET der = decode('\(other.hexString)', 'hex') WHERE name = '\(sealed.name)'")
        }
        #expect(throws: VaultError.self) { try store.reopened() }
        #expect(try Self.reopened(store, .report).check().problems.contains { $0.contains("\(sealed.name) was altered") })
    }

    @Test(arguments: StoreKind.available)
    func trustAddAndRemoveAreSealedAndAudited(_ kind: StoreKind) throws {
        let store = try StoreVault.make(kind)
        let added = try store.vault.trustAdd(anchors: [try PG.data("other/other-root.pem")], crls: [try PG.data("crl/gost_root.crl")])
        #expect(added.count == 2 && added.allSatisfy { $0.state == "sealed" })
        let again = try store.reopened()
        #expect(again.trustAnchors.count == 2)
        #expect(try again.check().isClean)
        let anchor = try #require(added.first { $0.kind == "anchor" })
        try again.trustRemove([String(anchor.sha256.prefix(12))])
        let after = try store.reopened()
        #expect(after.trustAnchors.count == 1)
        // The last anchor stays.
        let last = try #require(try after.trustList().first { $0.kind == "anchor" })
        #expect(throws: VaultError.self) { try after.trustRemove([last.name]) }
        let entries = try after.auditLog().filter { $0.draft.action == "trust" }
        #expect(entries.count == 2)
        #expect(entries[0].draft.detail.contains("added anchor \(anchor.name)") && entries[1].draft.detail.contains("removed anchor \(anchor.name)"))
        #expect(try after.auditLog().first?.draft.detail.contains("trust sealed") == true)
        #expect(try after.check().isClean)
    }

    @Test(arguments: StoreKind.available)
    func theEvidencePolicyIsSealedToo(_ kind: StoreKind) throws {
        let store = try StoreVault.make(kind)
        try store.vault.setEvidencePolicy(try VaultEvidencePolicy(tsa: "http://127.0.0.1:9/", revocation: nil))
        #expect(try store.reopened().check().isClean)
        let forged = Data(#"{"tsa":"http://evil.example/"}"#.utf8)
        switch kind {
        case .directory:
            try forged.write(to: URL(fileURLWithPath: store.location).appendingPathComponent("evidence-policy.json"))
        case .postgres:
            try store.vault.storage.writeEvidencePolicy(forged)
        }
        #expect(throws: VaultError.self) { try store.reopened() }
        #expect(try Self.reopened(store, .report).check().problems.contains { $0.contains("evidence policy") })
    }

    /// The directory store's half is `VaultUpgradeTests.aDirectoryVaultMadeBeforeTheSealIsSealedAsItIsOnFirstOpen`.
    @Test(arguments: StoreKind.available.filter { $0 == .postgres })
    func aVaultMadeBeforeTheSealIsSealedAsItIsOnFirstOpen(_ kind: StoreKind) throws {
        let store = try StoreVault.make(kind)
        _ = try PG.sql("DELETE FROM \(try Self.schema(store)).vault_meta WHERE key IN ('trust_manifest', 'trust_seal')")
        let upgraded = try store.reopened()
        #expect(try upgraded.auditLog().last?.draft.detail.hasPrefix("sealed at upgrade: 1 anchor(s)") == true)
        #expect(try upgraded.check().isClean)
        _ = try Self.plant(anchor: try Self.otherRoot(), crl: nil, in: store)
        #expect(throws: VaultError.self) { try store.reopened() }
    }
}
