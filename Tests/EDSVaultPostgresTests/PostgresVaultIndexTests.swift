import EDSCrypto
import EDSVerification
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOPosix
import PostgresNIO
import Testing

@testable import EDSVault
@testable import EDSVaultPostgres

/// The vault's behaviours against a real PostgreSQL server (`.ci/postgres` starts one; `.ci/run` exports its URL).
/// Without $EDSVAULT_TEST_POSTGRES_URL the suite shows as disabled, never as passed.
@Suite(.disabled(if: PG.url == nil, "set EDSVAULT_TEST_POSTGRES_URL (bash .ci/postgres prints one)"))
struct PostgresVaultIndexTests {
    @Test func storingTheSameBytesTwiceIsOneDocumentAndOneBlob() throws {
        let (vault, directory, _) = try PG.makeVault()
        let first = try vault.put(PG.document(), metadata: PG.metadata())
        let again = try vault.put(PG.document(), metadata: PG.metadata())
        #expect(first.id == Digest.sha256(PG.document()).hexString)
        #expect(again.id == first.id)
        #expect(try vault.list().count == 1)
        #expect(try BlobStore(vaultDirectory: directory).allObjectIDs() == [first.id])
        #expect(first.metadata.requiredSigners == [.person(iin: PG.employeeIIN), .employerRole(.firstHead)])
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent(Vault.indexFileName).path))
        #expect(throws: VaultError.conflict("document \(first.id) is already stored for another employee")) {
            try vault.put(PG.document(), metadata: PG.metadata(owner: PG.hrIIN), as: .individual(iin: PG.hrIIN))
        }
        #expect(try vault.check().isClean)
    }

    @Test func aBatchIsOneGroupCommitAndAnOpenedVaultSeesIt() throws {
        let (vault, directory, schema) = try PG.makeVault()
        let batch = (0..<20).map { (PG.document($0), PG.metadata(owner: $0 % 2 == 0 ? PG.employeeIIN : PG.hrIIN)) }
        #expect(try vault.put(batch).count == 20)
        let reopened = try Vault.open(at: directory, index: try PG.index(schema: schema), environment: PG.environment)
        #expect(try reopened.list(ownerIIN: PG.hrIIN).count == 10)
        #expect(try reopened.list(employerBIN: PG.employerBIN, limit: 5).count == 5)
        #expect(try reopened.check().isClean)
    }

    @Test func aWrongMasterKeyOpensNothing() throws {
        let (_, directory, schema) = try PG.makeVault()
        let other = ["EDSVAULT_MASTER_KEY": String(repeating: "ab", count: 32)]
        #expect(throws: VaultError.wrongMasterKey("the master key does not belong to this vault")) {
            try Vault.open(at: directory, index: try PG.index(schema: schema), environment: other)
        }
    }

    @Test func statusBecomesFullySignedAndASignatureIsKeptOnce() throws {
        let (vault, _, _) = try PG.makeVault()
        let document = PG.document()
        let id = try vault.put(document, metadata: PG.metadata()).id
        let employee = try vault.sign(id, with: try PG.key("employee"))
        #expect(employee.document.status == .awaitingSignatures)
        let hr = try PG.sign(document, with: "hr")
        try vault.attach(signature: hr, to: id)
        try vault.attach(signature: hr, to: id)
        #expect(try vault.missingSigners(of: try vault.document(id, as: .operator_), as: .operator_) == [.employerRole(.firstHead)])
        let head = try vault.sign(id, with: try PG.key("head"))
        #expect(head.document.status == .fullySigned)
        #expect(try vault.document(id, as: .operator_).signatureCount == 3)
        #expect(try vault.signatures(of: id, as: .operator_).count == 3)
        #expect(try vault.check().isClean)
    }

    @Test func theOwnerAndTheEmployerReadOthersAreRefusedAndAudited() throws {
        let (vault, _, _) = try PG.makeVault()
        let document = PG.document()
        let id = try vault.put(document, metadata: PG.metadata()).id
        #expect(try vault.read(id, as: .individual(iin: PG.employeeIIN)).bytes == document)
        #expect(try vault.read(id, as: .employer(bin: PG.employerBIN)).bytes == document)
        #expect(throws: VaultError.self) { try vault.read(id, as: .individual(iin: PG.hrIIN)) }
        #expect(throws: VaultError.self) { try vault.read(id, as: .employer(bin: "990240000126")) }
        let reads = try vault.auditLog().filter { $0.draft.action == "read" }
        #expect(reads.map(\.draft.outcome) == ["ok", "ok", "refused", "refused"])
        #expect(reads[0].draft.actor.hasPrefix("s-") && reads[0].draft.actor != reads[1].draft.actor)
        #expect(try vault.list(as: .individual(iin: PG.employeeIIN)).count == 1)
        #expect(try vault.list(as: .employer(bin: "990240000126")).isEmpty)

        let token = try vault.createProofLink(for: id)
        #expect(try vault.proof(forToken: token)?.document.id == id)
        #expect(try vault.proof(forToken: id) == nil)
    }

    @Test func everyActionIsChainedAndCheckFindsTampering() throws {
        let (vault, _, schema) = try PG.makeVault()
        let id = try vault.put(PG.document(), metadata: PG.metadata()).id
        try vault.sign(id, with: try PG.key("employee"))
        _ = try vault.read(id, as: .individual(iin: PG.employeeIIN))
        _ = try? vault.read(id, as: .individual(iin: PG.hrIIN))
        _ = try vault.proofBundle(for: id)
        #expect(try vault.auditLog().map(\.draft.action) == ["init", "put", "attach", "read", "read", "export"])
        #expect(try vault.check().isClean)

        try PG.sql("UPDATE \(schema).audit SET detail = 'nothing happened' WHERE sequence = 3")
        #expect(try vault.check().problems.contains("audit entry 3 was altered (its hash does not match its content)"))
        try PG.sql("DELETE FROM \(schema).audit WHERE sequence = 3")
        #expect(try vault.check().problems.contains("audit entry 3 is missing (found 4 next)"))
    }

    @Test func erasureLeavesTombstonesAndNoRowOfTheEmployee() throws {
        let (vault, _, schema) = try PG.makeVault()
        let document = PG.document()
        let id = try vault.put(document, metadata: PG.metadata()).id
        try vault.sign(id, with: try PG.key("employee"))
        try vault.sign(id, with: try PG.key("head"))
        _ = try vault.createProofLink(for: id)
        let colleague = try vault.put(PG.document(99), metadata: PG.metadata(owner: PG.hrIIN)).id
        let lookup = try vault.keys.lookupValue(for: "iin:\(PG.employeeIIN)")
        #expect(try PG.rowsMentioning(lookup, in: schema) > 0, "the owner's lookup value is in the index before erasure")

        let report = try vault.erase(ownerIIN: PG.employeeIIN)
        #expect(report.documents == 1 && report.signatures == 2)
        #expect(report.tombstones.map(\.documentID) == [id])
        #expect(report.tombstones.first?.signatureCount == 2)
        // No row of any table in the vault's schema holds the lookup value, the document id outside tombstones and
        // the audit log, or the employee's signatures.
        #expect(try PG.rowsMentioning(lookup, in: schema) == 0)
        #expect(try PG.count("SELECT count(*) FROM \(schema).documents WHERE id = '\(id)'") == 0)
        #expect(try PG.count("SELECT count(*) FROM \(schema).signatures WHERE document_id = '\(id)'") == 0)
        #expect(try PG.count("SELECT count(*) FROM \(schema).proof_links WHERE document_id = '\(id)'") == 0)
        #expect(try PG.count("SELECT count(*) FROM \(schema).pending_objects") == 0)
        #expect(throws: VaultError.notFound("no document \(id) in the vault")) { try vault.read(id, as: .operator_) }
        #expect(try vault.read(colleague, as: .individual(iin: PG.hrIIN)).bytes == PG.document(99))
        let check = try vault.check()
        #expect(check.isClean, "\(check.problems)")
        #expect(try vault.tombstones().map(\.documentID) == [id])
        #expect(try vault.auditLog().contains { $0.draft.action == "erase" && $0.draft.detail.contains("1 document(s), 2 signature(s)") })
    }

    /// Two writers, each on its own connection (as two processes would be), append to one chain at the same time:
    /// the chain has no gap and no fork, and every writer's entries are in it.
    @Test func twoWritersOnSeparateConnectionsAppendOneUnforkedChain() throws {
        let (vault, directory, schema) = try PG.makeVault()
        let second = try Vault.open(at: directory, index: try PG.index(schema: schema), environment: PG.environment)
        let writers = [vault, second]
        let rounds = 15
        let failures = NIOLockedFailures()
        DispatchQueue.concurrentPerform(iterations: 2) { writer in
            do {
                for round in 0..<rounds {
                    let number = 1000 + writer * rounds + round
                    let owner = writer == 0 ? PG.employeeIIN : PG.hrIIN
                    try writers[writer].put(PG.document(number), metadata: PG.metadata(owner: owner))
                    _ = try writers[writer].list()
                }
            } catch {
                failures.add("writer \(writer): \(error)")
            }
        }
        #expect(failures.all.isEmpty, "\(failures.all)")
        let audit = try vault.auditLog()
        #expect(audit.map(\.sequence) == Array(1...Int64(audit.count)))
        #expect(audit.filter { $0.draft.action == "put" }.count == 2 * rounds)
        #expect(audit.filter { $0.draft.action == "list" }.count == 2 * rounds)
        #expect(zip(audit.dropFirst(), audit).allSatisfy { $0.previousHash == $1.hash })
        let check = try second.check()
        #expect(check.isClean, "\(check.problems)")
        #expect(try vault.list().count == 2 * rounds)
    }

    /// The figure in Docs/vault.md ("PostgreSQL index"): one employer's listing of 2,000 index rows, PostgreSQL on
    /// loopback beside the embedded SQLite index, index only (no unsealing), median of 5. Printed, not asserted.
    @Test func listingTwoThousandRowsIsTimedBesideSQLite() throws {
        let schema = "t_" + (try SecureRandom.bytes(8)).hexString
        let sqlitePath = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-pg-bench-\(UUID().uuidString).sqlite")
        let indices: [(String, any VaultIndex)] = [
            ("PostgreSQL", try PG.index(schema: schema)), ("SQLite", try SQLiteVaultIndex(path: sqlitePath.path)),
        ]
        let rows = (0..<2_000).map { number in
            IndexedDocument(
                id: Digest.sha256(PG.document(number)).hexString,
                owners: [IndexedOwner(lookup: "owner-\(number % 50)", wrappedDocumentKey: nil, sealedEntry: nil)], employerBIN: PG.employerBIN,
                type: "order-hiring", size: 100, storedAt: Date(timeIntervalSince1970: 1_790_000_000 + Double(number)),
                status: "awaiting-signatures", signatureCount: 0, sealedMetadata: Data(repeating: 7, count: 200))
        }
        for (name, index) in indices {
            try index.prepare(masterKeyCheck: "check", creating: true)
            for batch in stride(from: 0, to: rows.count, by: 500) {
                try index.commitDocuments(Array(rows[batch..<(batch + 500)]), subjects: [], audit: [])
            }
            var seconds: [Double] = []
            for _ in 0..<5 {
                let start = DispatchTime.now().uptimeNanoseconds
                #expect(try index.documents(ownerLookup: nil, employerBIN: PG.employerBIN, limit: 10_000).count == 2_000)
                seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            print("listing 2,000 index rows, \(name): \(String(format: "%.1f", seconds.sorted()[2] * 1000)) ms (median of 5)")
        }
    }

    @Test(.enabled(if: PG.serverCertificate != nil, "no certificate of the test server (.ci/postgres makes one)"))
    func tlsIsUsedAsAskedAndVerifyFullChecksTheCertificate() throws {
        var configuration = try PostgresVaultIndex.Configuration(url: try #require(PG.url))
        configuration.tls = .disable
        #expect(try !PostgresVaultIndex(configuration: configuration).connectionIsEncrypted())
        configuration.tls = .prefer
        #expect(try PostgresVaultIndex(configuration: configuration).connectionIsEncrypted())
        configuration.tls = .require
        #expect(try PostgresVaultIndex(configuration: configuration).connectionIsEncrypted())

        // verify-full: the chain and the host name (the certificate names localhost and 127.0.0.1).
        configuration.tls = .verifyFull
        configuration.host = "localhost"
        configuration.rootCertificate = PG.serverCertificate
        #expect(try PostgresVaultIndex(configuration: configuration).connectionIsEncrypted())
        #expect(configuration.url.contains("sslmode=verify-full") && configuration.url.contains("sslrootcert="))
        configuration.rootCertificate = PG.certs.appendingPathComponent("trust/root.pem").path
        #expect(throws: VaultError.self, "a server certificate the given root did not issue is refused") {
            try PostgresVaultIndex(configuration: configuration)
        }
    }

    @Test func theURLIsRecordedWithoutItsPasswordAndFoundAgain() throws {
        let configuration = try PostgresVaultIndex.Configuration(
            url: "postgres://hr:s3cret@db.example:6543/vault?schema=tenant_1", environment: [:])
        #expect(configuration.password == "s3cret")
        #expect(configuration.url == "postgres://hr@db.example:6543/vault?schema=tenant_1")
        let fromEnvironment = try PostgresVaultIndex.Configuration(
            url: "postgres://hr@db.example/vault", environment: ["PGPASSWORD": "from-env"])
        #expect(fromEnvironment.password == "from-env" && fromEnvironment.port == 5432 && fromEnvironment.schema == "public")
        #expect(throws: VaultError.self) { try PostgresVaultIndex.Configuration(url: "postgres://h/db?schema=x;drop", environment: [:]) }
        #expect(throws: VaultError.self) { try PostgresVaultIndex.Configuration(url: "mysql://h/db", environment: [:]) }

        let (_, directory, schema) = try PG.makeVault()
        let recorded = try String(contentsOf: directory.appendingPathComponent(PostgresVaultIndex.urlFileName), encoding: .utf8)
        #expect(recorded.contains("schema=\(schema)") && !recorded.contains("s3cret"))
        let found = try #require(try PostgresVaultIndex.configured(forVault: directory))
        #expect(found.configuration.schema == schema)
        #expect(try Vault.open(at: directory, index: found, environment: PG.environment).list().isEmpty)
        #expect(try PostgresVaultIndex.configured(forVault: FileManager.default.temporaryDirectory) == nil)
    }
}

/// Errors collected from concurrent writers.
final class NIOLockedFailures: Sendable {
    private let box = NIOLockedValueBox<[String]>([])
    func add(_ failure: String) { box.withLockedValue { $0.append(failure) } }
    var all: [String] { box.withLockedValue { $0 } }
}

/// The demo PKI under Certs/ (password in Certs/README.md), and a fresh schema per vault so tests run in parallel.
enum PG {
    static let url = ProcessInfo.processInfo.environment["EDSVAULT_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    /// The test server's self-signed certificate: $EDSVAULT_TEST_POSTGRES_CA, else where .ci/postgres copies it.
    static let serverCertificate: String? = {
        let environment = ProcessInfo.processInfo.environment
        let port = url.flatMap { URLComponents(string: $0)?.port } ?? 54329
        let path = environment["EDSVAULT_TEST_POSTGRES_CA"] ?? "/tmp/edsvault-postgres-\(port).crt"
        return url != nil && FileManager.default.fileExists(atPath: path) ? path : nil
    }()
    static let certs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Certs")
    static let password = "Demo-2026!"
    static let employeeIIN = "900315301237"
    static let hrIIN = "851104407890"
    static let employerBIN = "150640123452"
    /// A master key from the environment, so a second `Vault.open` in the test opens the same vault.
    static let environment = ["EDSVAULT_MASTER_KEY": String(repeating: "5a", count: 32)]

    static func data(_ path: String) throws -> Data { try Data(contentsOf: certs.appendingPathComponent(path)) }
    static func key(_ name: String) throws -> PKCS12Bundle { try PKCS12Bundle.open(try data("\(name).p12"), password: password) }

    static func index(schema: String) throws -> PostgresVaultIndex {
        try PostgresVaultIndex(url: try #require(url), schema: schema)
    }

    /// A new vault whose index is in its own schema of the test database; the URL is recorded as the CLI does.
    static func makeVault() throws -> (vault: Vault, directory: URL, schema: String) {
        let schema = "t_" + (try SecureRandom.bytes(8)).hexString
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-pg-test-\(UUID().uuidString)")
        let index = try index(schema: schema)
        try PostgresVaultIndex.record(index.configuration, inVault: directory)
        let vault = try Vault.create(
            at: directory, trustAnchors: [try data("trust/root.pem")],
            crls: [try data("crl/root.crl"), try data("crl/nca_demo.crl")], index: index, environment: environment)
        return (vault, directory, schema)
    }

    static func metadata(owner: String = employeeIIN) -> DocumentMetadata {
        DocumentMetadata(
            ownerIIN: owner, employerBIN: employerBIN, type: .hiringOrder, title: "Приказ № 17-К о приёме на работу",
            fileName: "prikaz-17k.txt",
            requiredSigners: owner == employeeIIN ? [.person(iin: employeeIIN), .employerRole(.firstHead)] : [])
    }

    static func document(_ number: Int = 17) -> Data {
        Data("ПРИКАЗ № \(number)-К о приёме на работу. Қасымов Әлихан Серікұлы принят инженером с 01.12.2026.\n".utf8)
    }

    static func sign(_ document: Data, with name: String) throws -> Data {
        let bundle = try key(name)
        return try CMSSigner.sign(.bytes(document), key: bundle.privateKey, certificate: bundle.certificate, chain: bundle.chain)
    }

    /// Runs SQL on a connection of its own, as another client of the server (a tamperer, an inspector) would.
    @discardableResult
    static func sql(_ statement: String) throws -> [PostgresRow] {
        let configuration = try PostgresVaultIndex.Configuration(url: try #require(url))
        let connection = try PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(),
            configuration: .init(
                host: configuration.host, port: configuration.port, username: configuration.username,
                password: configuration.password, database: configuration.database, tls: .disable),
            id: 2, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        ).wait()
        defer { try? connection.close().wait() }
        return try connection.query(
            PostgresQuery(unsafeSQL: statement), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        ).wait().rows
    }

    static func count(_ statement: String) throws -> Int64 {
        try sql(statement).first?.decode(Int64.self) ?? -1
    }

    /// The files under `directory` whose bytes contain `needle`.
    static func filesContaining(_ needle: Data, under directory: URL) -> [String] {
        let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey])
        var found: [String] = []
        while let url = enumerator?.nextObject() as? URL {
            if let contents = try? Data(contentsOf: url), contents.range(of: needle) != nil { found.append(url.lastPathComponent) }
        }
        return found
    }

    /// Rows of every table in `schema` whose text form contains `needle` (a hex lookup value: no quoting needed).
    static func rowsMentioning(_ needle: String, in schema: String) throws -> Int64 {
        let tables = try sql("SELECT table_name::text FROM information_schema.tables WHERE table_schema = '\(schema)'")
            .map { try $0.decode(String.self) }
        precondition(needle.allSatisfy(\.isHexDigit))
        return try tables.reduce(0) { total, table in
            total + (try count("SELECT count(*) FROM \(schema).\(table) AS t WHERE t::text LIKE '%\(needle)%'"))
        }
    }
}
