import EDSCrypto
import EDSVerification
import Foundation
import PostgresNIO
import Testing

@testable import EDSVault
@testable import EDSVaultPostgres

/// Where a vault under test lives: a directory (files + SQLite), or nothing but PostgreSQL and a master key file.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case directory, postgres

    var testDescription: String { rawValue }

    /// Both when $EDSVAULT_TEST_POSTGRES_URL is set (CI sets it); without it the PostgreSQL half shows as the disabled
    /// `PostgresStoreAvailability` test, never as passed.
    static var available: [StoreKind] { PG.url == nil ? [.directory] : allCases }
}

@Suite(.disabled(if: PG.url != nil, "PostgreSQL is configured: the behaviour suite runs on both stores"))
struct PostgresStoreAvailability {
    @Test(.disabled("set EDSVAULT_TEST_POSTGRES_URL (bash .ci/postgres prints one): the behaviour suite ran on the directory store only"))
    func theBehaviourSuiteRanOnTheDirectoryStoreOnly() {}
}

/// A vault of either kind, and how to open it again as another process would (nothing kept but its location and key).
struct StoreVault {
    let kind: StoreKind
    let vault: Vault
    /// The directory, or a postgres:// URL with its own schema.
    let location: String
    let keyFile: URL

    static func make(_ kind: StoreKind) throws -> StoreVault {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-store-test-\(UUID().uuidString)")
        let anchors = [try PG.data("trust/root.pem")]
        let crls = [try PG.data("crl/root.crl"), try PG.data("crl/nca_demo.crl")]
        switch kind {
        case .directory:
            let vault = try Vault.create(at: folder, trustAnchors: anchors, crls: crls, environment: [:])
            return StoreVault(kind: kind, vault: vault, location: folder.path, keyFile: folder.appendingPathComponent("master.key"))
        case .postgres:
            let url = try PG.schemaURL()
            let keyFile = folder.appendingPathComponent("master.key")
            let vault = try PostgresVault.create(url: url, masterKeyFile: keyFile, trustAnchors: anchors, crls: crls, environment: [:])
            return StoreVault(kind: kind, vault: vault, location: url, keyFile: keyFile)
        }
    }

    func reopened() throws -> Vault {
        switch kind {
        case .directory: try Vault.open(at: URL(fileURLWithPath: location), environment: [:])
        case .postgres: try PostgresVault.open(url: location, masterKeyFile: keyFile, environment: [:])
        }
    }

    /// Object ids of the published blobs.
    func blobIDs() throws -> [String] { try vault.storage.allObjectIDs().sorted() }
}

extension PG {
    /// The test server's URL with a fresh schema of its own.
    static func schemaURL() throws -> String {
        let base = try #require(url)
        var components = try #require(URLComponents(string: base))
        let schema = "t_" + (try SecureRandom.bytes(8)).hexString
        components.queryItems = (components.queryItems ?? []).filter { $0.name != "schema" } + [URLQueryItem(name: "schema", value: schema)]
        return try #require(components.string)
    }
}

@Suite struct VaultStoreBehaviourTests {
    @Test(arguments: StoreKind.available)
    func aDocumentPutIsReadListedAndReadAgainAfterReopening(_ kind: StoreKind) throws {
        let store = try StoreVault.make(kind)
        let document = PG.document()
        let stored = try store.vault.put(document, metadata: PG.metadata())
        #expect(try store.vault.read(stored.id, as: .individual(iin: PG.employeeIIN)).bytes == document)
        #expect(try store.vault.list(ownerIIN: PG.employeeIIN).map(\.id) == [stored.id])
        #expect(try store.blobIDs() == [stored.id])
        let again = try store.reopened()
        #expect(try again.read(stored.id, as: .employer(bin: PG.employerBIN)).bytes == document)
        #expect(again.trustAnchors.count == 1)
        #expect(try again.check().isClean)
    }

    @Test(arguments: StoreKind.available)
    func aDocumentIsSignedAttachedProvenAndChecked(_ kind: StoreKind) throws {
        let store = try StoreVault.make(kind)
        let document = PG.document()
        let id = try store.vault.put(document, metadata: PG.metadata()).id
        try store.vault.sign(id, with: try PG.key("employee"))
        let head = try store.vault.attach(signature: try PG.sign(document, with: "head"), to: id)
        #expect(head.document.status == .fullySigned)
        let again = try store.reopened()
        #expect(try again.signatures(of: id, as: .operator_).count == 2)
        let proof = try again.report(for: id)
        #expect(proof.report.indication == .totalPassed)
        let bundle = try again.proofBundle(for: id, as: .operator_)
        #expect(!bundle.isEmpty)
        let check = try again.check()
        #expect(check.isClean, "\(check.problems)")
        #expect(check.blobs == 3 && check.signatures == 2)
    }

    @Test(arguments: StoreKind.available)
    func erasureDeletesTheBlobsOfTheDocumentsItDeletes(_ kind: StoreKind) throws {
        let store = try StoreVault.make(kind)
        let document = PG.document()
        let id = try store.vault.put(document, metadata: PG.metadata()).id
        try store.vault.sign(id, with: try PG.key("employee"))
        let other = try store.vault.put(PG.document(2), metadata: PG.metadata(owner: PG.hrIIN)).id
        let report = try store.vault.erase(ownerIIN: PG.employeeIIN)
        #expect(report.documents == 1 && report.signatures == 1)
        #expect(try store.blobIDs() == [other])
        #expect(throws: VaultError.self) { try store.vault.read(id, as: .operator_) }
        #expect(try store.reopened().check().isClean)
        if kind == .postgres {
            let schema = try #require(URLComponents(string: store.location)?.queryItems?.first { $0.name == "schema" }?.value)
            let chunks = try PG.sql("SELECT count(*) FROM \(schema).blob_copies WHERE object_id = '\(id)'")
            #expect(try chunks.first?.decode(Int64.self) == 0)
        }
    }

    @Test(arguments: StoreKind.available)
    func theEvidencePolicyAndAwaitingSignaturesAreKeptInTheStore(_ kind: StoreKind) throws {
        let store = try StoreVault.make(kind)
        // Nothing listens on port 9 (discard) on loopback here.
        try store.vault.setEvidencePolicy(try VaultEvidencePolicy(tsa: "http://127.0.0.1:9/", revocation: nil))
        let document = PG.document()
        let id = try store.vault.put(document, metadata: PG.metadata(owner: PG.hrIIN)).id
        let attached = try store.vault.attach(signature: try PG.sign(document, with: "employee"), to: id)
        #expect(attached.awaitingEvidence != nil)
        let again = try store.reopened()
        #expect(try again.evidencePolicy()?.tsa == "http://127.0.0.1:9/")
        #expect(try again.signaturesAwaitingEvidence() == [AwaitingEvidence(documentID: id, signatureID: attached.signature.id)])
        let retried = try again.extendPendingSignatures()
        #expect(retried.count == 1 && retried.first?.extendedID == nil)
        #expect(try again.check().awaitingEvidence == ["\(id)/\(attached.signature.id)"])
    }

    @Test(arguments: StoreKind.available)
    func aCommittedBlobWhosePublishWasLostIsReadAndAdoptedAnOrphanGoes(_ kind: StoreKind) throws {
        let store = try StoreVault.make(kind)
        let document = PG.document()
        let id = try store.vault.put(document, metadata: PG.metadata()).id
        let orphan = Digest.sha256(Data("never acknowledged".utf8)).hexString
        switch kind {
        case .directory:
            let blobs = BlobStore(vaultDirectory: URL(fileURLWithPath: store.location))
            _ = try blobs.stage([(orphan, Data("sealed bytes".utf8))])
            try FileManager.default.moveItem(at: blobs.url(for: id), to: blobs.temporary.appendingPathComponent("\(id).4242-x.tmp"))
        case .postgres:
            // A writer whose connection is gone (its process was killed): staged, never published.
            let dead = try PostgresVaultStore(configuration: try PostgresVaultIndex.Configuration(url: store.location))
            _ = try dead.stage([(orphan, Data("sealed bytes".utf8))])
            dead.close()
            let schema = try #require(URLComponents(string: store.location)?.queryItems?.first { $0.name == "schema" }?.value)
            // Killed after the index commit, before publishing: the copy is still staged, by a writer now gone.
            try PG.sql("UPDATE \(schema).blob_copies SET published = false, writer_pid = 0 WHERE object_id = '\(id)'")
        }
        #expect(try store.vault.read(id, as: .operator_).bytes == document, "a committed blob is readable before recovery")
        let report = try store.vault.check()
        #expect(report.isClean, "\(report.problems)")
        #expect(report.recovered == 2)
        #expect(try store.blobIDs() == [id])
        #expect(try store.vault.storage.leftoverStagedBlobs().isEmpty)
    }

    @Test(arguments: StoreKind.available)
    func aWrongMasterKeyOpensNothing(_ kind: StoreKind) throws {
        let store = try StoreVault.make(kind)
        try Data((String(repeating: "ab", count: 32) + "\n").utf8).write(to: store.keyFile)
        #expect(throws: VaultError.wrongMasterKey("the master key does not belong to this vault")) { try store.reopened() }
    }
}

@Suite(.disabled(if: PG.url == nil, "set EDSVAULT_TEST_POSTGRES_URL (bash .ci/postgres prints one)"))
struct PostgresVaultStoreTests {
    @Test func aLargeDocumentIsKeptInChunksOfOneMebibyte() throws {
        let store = try StoreVault.make(.postgres)
        var document = Data(count: 5 * PostgresVaultStore.chunkSize + 100)
        for index in stride(from: 0, to: document.count, by: 4096) { document[index] = UInt8(truncatingIfNeeded: index / 4096) }
        let id = try store.vault.put(document, metadata: PG.metadata()).id
        let schema = try #require(URLComponents(string: store.location)?.queryItems?.first { $0.name == "schema" }?.value)
        let rows = try PG.sql(
            "SELECT count(*), max(length(k.bytes)) FROM \(schema).blob_chunks k JOIN \(schema).blob_copies c USING (copy_id) WHERE c.object_id = '\(id)'")
        let decoded = try rows.first?.decode((Int64, Int32).self)
        let (count, largest) = try #require(decoded)
        #expect(count == 6 && largest == Int32(PostgresVaultStore.chunkSize))
        #expect(try store.reopened().read(id, as: .operator_).bytes == document)
    }

    @Test func theMasterKeyFileIsMadeWithMode0600AndNeverReachesTheDatabase() throws {
        let store = try StoreVault.make(.postgres)
        let attributes = try FileManager.default.attributesOfItem(atPath: store.keyFile.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let key = try String(contentsOf: store.keyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let schema = try #require(URLComponents(string: store.location)?.queryItems?.first { $0.name == "schema" }?.value)
        #expect(try PG.rowsMentioning(key, in: schema) == 0)
    }

    @Test func creatingAVaultWhereOneIsIsAConflict() throws {
        let store = try StoreVault.make(.postgres)
        #expect(throws: VaultError.self) {
            try PostgresVault.create(url: store.location, masterKeyFile: store.keyFile, trustAnchors: [try PG.data("trust/root.pem")], environment: [:])
        }
    }

    @Test func aSchemaWithoutAVaultIsNotFound() throws {
        let url = try PG.schemaURL()
        let key = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-key-\(UUID().uuidString)")
        try Data((String(repeating: "ab", count: 32) + "\n").utf8).write(to: key)
        #expect(throws: VaultError.self) { try PostgresVault.open(url: url, masterKeyFile: key, environment: [:]) }
    }
}
