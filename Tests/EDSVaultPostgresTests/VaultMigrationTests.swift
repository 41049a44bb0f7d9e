import EDSCrypto
import EDSVerification
import Foundation
import Testing

@testable import EDSVault
@testable import EDSVaultPostgres

/// `Vault.migrate` (`vault migrate DIR postgres://…`) from a directory vault into a fresh schema.
@Suite(.disabled(if: PG.url == nil, "set EDSVAULT_TEST_POSTGRES_URL (bash .ci/postgres prints one)"))
struct VaultMigrationTests {
    /// A directory vault with two owners' documents, signatures, a proof link, an erased employee's tombstone, an
    /// evidence policy and a signature awaiting evidence.
    static func sourceVault() throws -> (vault: Vault, ids: [String], token: String) {
        let source = try StoreVault.make(.directory)
        let vault = source.vault
        var ids: [String] = []
        for number in 1...3 { ids.append(try vault.put(PG.document(number), metadata: PG.metadata()).id) }
        try vault.sign(ids[0], with: try PG.key("employee"))
        let token = try vault.createProofLink(for: ids[0])
        try vault.put(PG.document(40), metadata: PG.metadata(owner: PG.hrIIN))
        try vault.erase(ownerIIN: PG.hrIIN)
        try vault.setEvidencePolicy(try VaultEvidencePolicy(tsa: "http://127.0.0.1:9/", revocation: nil))
        try vault.attach(signature: try PG.sign(PG.document(2), with: "employee"), to: ids[1])
        return (vault, ids, token)
    }

    static func target() throws -> (url: String, keyFile: URL) {
        (try PG.schemaURL(), FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-migrated-\(UUID().uuidString).key"))
    }

    @Test func everyPartOfADirectoryVaultIsMigratedAndARunAgainChangesNothing() throws {
        let (source, ids, token) = try Self.sourceVault()
        let (url, keyFile) = try Self.target()
        let report = try PostgresVault.migrate(source, to: url, masterKeyFile: keyFile, environment: [:])
        #expect(report.check.isClean, "\(report.check.problems)")
        #expect(report.documents == 3 && report.signatures == 2 && report.blobsCopied == 5)
        #expect(try Data(contentsOf: keyFile) == (try Data(contentsOf: source.directory.appendingPathComponent("master.key"))))

        let migrated = try PostgresVault.open(url: url, masterKeyFile: keyFile, environment: [:])
        #expect(try migrated.auditLog() == (try source.auditLog()))
        #expect(try migrated.tombstones() == (try source.tombstones()))
        for (number, id) in zip(1...3, ids) {
            #expect(try migrated.read(id, as: .individual(iin: PG.employeeIIN)).bytes == PG.document(number))
        }
        #expect(try migrated.proof(forToken: token)?.document.id == ids[0])
        #expect(try migrated.evidencePolicy() == (try source.evidencePolicy()))
        #expect(try migrated.signaturesAwaitingEvidence() == (try source.signaturesAwaitingEvidence()))

        // Run again after the migrated vault was used (the reads above are audited there): nothing is copied twice.
        let before = try migrated.auditLog()
        let again = try PostgresVault.migrate(source, to: url, masterKeyFile: keyFile, environment: [:])
        #expect(again.blobsCopied == 0 && again.blobsPresent == 5 && again.check.isClean)
        #expect(try migrated.auditLog() == before, "a run again adds nothing, not even an audit entry")
    }

    /// A run killed after copying some blobs, before the rows: the next run copies the rest and ends clean.
    @Test func aMigrationInterruptedAfterSomeBlobsResumes() throws {
        let (source, ids, _) = try Self.sourceVault()
        let (url, keyFile) = try Self.target()
        let store = try PostgresVaultStore(configuration: try PostgresVaultIndex.Configuration(url: url))
        try store.prepare(creating: true)
        try store.publish(try store.stage([(ids[2], try source.storage.readBlob(ids[2]))]))
        let report = try PostgresVault.migrate(source, to: url, masterKeyFile: keyFile, environment: [:])
        #expect(report.blobsPresent == 1 && report.blobsCopied == 4)
        #expect(report.check.isClean, "\(report.check.problems)")
    }

    @Test func aBlobThatIsNotItsDocumentStopsTheMigrationBeforeAnyRow() throws {
        let (source, ids, _) = try Self.sourceVault()
        let file = source.blobs.url(for: ids[1])
        var sealed = try Data(contentsOf: file)
        sealed[sealed.count / 2] ^= 0x01
        try sealed.write(to: file)
        let (url, keyFile) = try Self.target()
        #expect(throws: VaultError.self) { try PostgresVault.migrate(source, to: url, masterKeyFile: keyFile, environment: [:]) }
        let schema = try #require(URLComponents(string: url)?.queryItems?.first { $0.name == "schema" }?.value)
        #expect(try PG.count("SELECT count(*) FROM \(schema).documents") == 0)
    }

    /// From a directory vault whose index is already in PostgreSQL (`vault init --index-url`), edited there.
    @Test func aBrokenAuditChainStopsTheMigration() throws {
        let (source, _, schema) = try PG.makeVault()
        try source.put(PG.document(), metadata: PG.metadata())
        let (url, keyFile) = try Self.target()
        let environment = PG.environment
        try PG.sql("UPDATE \(schema).audit SET detail = 'edited' WHERE sequence = 2")
        #expect(throws: VaultError.self) { try PostgresVault.migrate(source, to: url, masterKeyFile: keyFile, environment: environment) }
    }

    @Test func aDirectoryVaultWithItsIndexInPostgreSQLMigratesToo() throws {
        let (source, _, _) = try PG.makeVault()
        let id = try source.put(PG.document(), metadata: PG.metadata()).id
        let (url, _) = try Self.target()
        // Its key comes from $EDSVAULT_MASTER_KEY, as the target's then does: no key file at all.
        let report = try PostgresVault.migrate(source, to: url, masterKeyFile: nil, environment: PG.environment)
        #expect(report.check.isClean && report.documents == 1, "\(report.check.problems)")
        let migrated = try PostgresVault.open(url: url, masterKeyFile: nil, environment: PG.environment)
        #expect(try migrated.read(id, as: .operator_).bytes == PG.document())
        // Neither a key file nor the variable: no key, refused.
        #expect(throws: VaultError.self) { try PostgresVault.open(url: url, masterKeyFile: nil, environment: [:]) }
    }

    @Test func aTargetKeyFileWithAnotherKeyIsRefused() throws {
        let (source, _, _) = try Self.sourceVault()
        let (url, keyFile) = try Self.target()
        try Data((String(repeating: "cd", count: 32) + "\n").utf8).write(to: keyFile)
        #expect(throws: VaultError.self) { try PostgresVault.migrate(source, to: url, masterKeyFile: keyFile, environment: [:]) }
    }
}
