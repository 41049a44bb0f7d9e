import EDSCrypto
import EDSVerification
import Foundation
import Testing

@testable import EDSVault
@testable import EDSVaultPostgres

/// The two indexes a vault runs on: the embedded SQLite one always, PostgreSQL when $EDSVAULT_TEST_POSTGRES_URL names
/// a test server.
enum Store: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    static let available: [Store] = PG.url == nil ? [.sqlite] : [.sqlite, .postgres]

    var testDescription: String { rawValue }

    /// A new vault on this store, and a function opening it again (another writer, as a second process would be).
    func makeVault() throws -> (vault: Vault, directory: URL, reopen: @Sendable () throws -> Vault) {
        switch self {
        case .postgres:
            let (vault, directory, schema) = try PG.makeVault()
            return (vault, directory, { try Vault.open(at: directory, index: try PG.index(schema: schema), environment: PG.environment) })
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-shared-\(UUID().uuidString)")
            let vault = try Vault.create(
                at: directory, trustAnchors: [try PG.data("trust/root.pem")],
                crls: [try PG.data("crl/root.crl"), try PG.data("crl/nca_demo.crl")], environment: PG.environment)
            return (vault, directory, { try Vault.open(at: directory, environment: PG.environment) })
        }
    }
}

/// A personnel document naming several employees (issue 10): each owner and the employer read it, each owner's access
/// is audited, erasing one owner leaves the others theirs, and concurrent puts of the same bytes never lose one.
@Suite struct SharedDocumentTests {
    static let employee = PG.employeeIIN
    static let colleague = PG.hrIIN
    static let stranger = "780209303213"
    static let otherEmployer = "990240000126"

    static func shared(
        _ owners: [String] = [employee, colleague], employer: String = PG.employerBIN,
        requiring: [SignerRequirement] = [.employerRole(.firstHead)], title: String = "Приказ № 17-К"
    ) -> DocumentMetadata {
        DocumentMetadata(
            ownerIINs: owners, employerBIN: employer, type: .hiringOrder, title: title, fileName: "prikaz-17k.txt",
            requiredSigners: requiring)
    }

    @Test(arguments: Store.available)
    func eachOwnerAndTheEmployerReadADocumentNamingTwoEmployeesAndEachReadIsAudited(store: Store) throws {
        let (vault, directory, _) = try store.makeVault()
        let document = PG.document()
        let stored = try vault.put(document, metadata: Self.shared())
        #expect(stored.metadata.ownerIINs == [Self.employee, Self.colleague])
        #expect(stored.metadata.ownerIIN == Self.employee)
        for reader in [Principal.individual(iin: Self.employee), .individual(iin: Self.colleague), .employer(bin: PG.employerBIN)] {
            #expect(try vault.read(stored.id, as: reader).bytes == document)
        }
        #expect(throws: VaultError.self) { try vault.read(stored.id, as: .individual(iin: Self.stranger)) }
        let reads = try vault.auditLog().filter { $0.draft.action == "read" }
        #expect(reads.map(\.draft.outcome) == ["ok", "ok", "ok", "refused"])
        #expect(Set(reads.map(\.draft.actor)).count == 4, "each reader is audited under their own pseudonym")
        #expect(try BlobStore(vaultDirectory: directory).allObjectIDs() == [stored.id])
        #expect(try vault.check().isClean)
    }

    @Test(arguments: Store.available)
    func eachOwnerFindsTheDocumentAndSeesOnlyTheirOwnIINTheEmployerSeesEveryOwner(store: Store) throws {
        let (vault, _, _) = try store.makeVault()
        let id = try vault.put(PG.document(), metadata: Self.shared()).id
        for owner in [Self.employee, Self.colleague] {
            let listed = try vault.list(as: .individual(iin: owner))
            #expect(listed.map(\.id) == [id])
            #expect(listed.first?.metadata.ownerIINs == [owner] && listed.first?.metadata.ownerIIN == owner)
            #expect(try vault.list(ownerIIN: owner).map(\.id) == [id])
        }
        #expect(try vault.list(as: .individual(iin: Self.stranger)).isEmpty)
        #expect(try vault.list(as: .employer(bin: PG.employerBIN)).first?.metadata.ownerIINs == [Self.employee, Self.colleague])
    }

    @Test(arguments: Store.available)
    func theSameBytesForAnotherEmployeeOfTheSameEmployerAddThatOwner(store: Store) throws {
        let (vault, directory, _) = try store.makeVault()
        let first = try vault.put(PG.document(), metadata: PG.metadata(owner: Self.employee), as: .employer(bin: PG.employerBIN))
        let second = try vault.put(PG.document(), metadata: PG.metadata(owner: Self.colleague), as: .employer(bin: PG.employerBIN))
        #expect(second.id == first.id)
        #expect(second.metadata.ownerIINs == [Self.employee, Self.colleague])
        #expect(try vault.read(first.id, as: .individual(iin: Self.colleague)).bytes == PG.document())
        #expect(try vault.read(first.id, as: .individual(iin: Self.employee)).bytes == PG.document())
        // Again for an owner it already has: nothing changes, nothing is audited as stored.
        try vault.put(PG.document(), metadata: PG.metadata(owner: Self.colleague))
        #expect(try vault.auditLog().filter { $0.draft.action == "put" }.count == 2)
        #expect(try BlobStore(vaultDirectory: directory).allObjectIDs() == [first.id])
        #expect(try vault.check().isClean)
    }

    @Test(arguments: Store.available)
    func theSameBytesForAnotherEmployerAreAConflictAndAnEmployeeCannotJoinOthersDocument(store: Store) throws {
        let (vault, _, _) = try store.makeVault()
        let id = try vault.put(PG.document(), metadata: PG.metadata(owner: Self.employee)).id
        #expect(throws: VaultError.conflict("document \(id) is already stored for another employer")) {
            try vault.put(PG.document(), metadata: Self.shared([Self.colleague], employer: Self.otherEmployer))
        }
        // An employee storing bytes someone else's document has would see that document's record: refused.
        #expect(throws: VaultError.conflict("document \(id) is already stored for another employee")) {
            try vault.put(PG.document(), metadata: PG.metadata(owner: Self.colleague), as: .individual(iin: Self.colleague))
        }
        #expect(try vault.document(id, as: .operator_).metadata.ownerIINs == [Self.employee])
        #expect(try vault.check().isClean)
    }

    @Test(arguments: Store.available)
    func requiringTheOwnerMeansEveryNamedOwner(store: Store) throws {
        let (vault, _, _) = try store.makeVault()
        let document = PG.document()
        let id = try vault.put(
            document, metadata: Self.shared(requiring: [.person(iin: Self.employee), .person(iin: Self.colleague)])
        ).id
        #expect(try vault.document(id, as: .operator_).metadata.requiredSigners == [.person(iin: Self.employee), .person(iin: Self.colleague)])
        #expect(try vault.attach(signature: try PG.sign(document, with: "employee"), to: id).document.status == .awaitingSignatures)
        #expect(try vault.missingSigners(of: try vault.document(id, as: .operator_), as: .operator_) == [.person(iin: Self.colleague)])
        #expect(try vault.attach(signature: try PG.sign(document, with: "hr"), to: id).document.status == .fullySigned)
    }

    @Test(arguments: Store.available)
    func erasingOneOfTwoOwnersRemovesOnlyTheirAccessAndMetadata(store: Store) throws {
        let (vault, directory, _) = try store.makeVault()
        let document = PG.document()
        let id = try vault.put(document, metadata: Self.shared(title: "Қасымов Ә.С. және Ахметова Д.Б.")).id
        try vault.attach(signature: try PG.sign(document, with: "employee"), to: id)
        let lookup = try vault.keys.lookupValue(for: "iin:\(Self.employee)")
        func traces() throws -> Int {
            switch store {
            case .sqlite: return PG.filesContaining(Data(lookup.utf8), under: directory).count
            case .postgres:
                let schema = try #require(try PostgresVaultIndex.configured(forVault: directory)).configuration.schema
                return Int(try PG.rowsMentioning(lookup, in: schema))
            }
        }
        #expect(try traces() > 0, "the owner's lookup value is in the index before erasure")

        let report = try vault.erase(ownerIIN: Self.employee)
        #expect(report.documents == 0 && report.tombstones.isEmpty)
        #expect(report.sharedDocuments == [id])
        // Nothing of the erased employee's index rows is left: not their lookup value, not their data key. (Checked
        // before they try to read: a refused principal gets an audit pseudonym row like any other.)
        #expect(try traces() == 0)
        // The colleague and the employer keep the document and its signature; the erased employee reads nothing.
        #expect(try vault.read(id, as: .individual(iin: Self.colleague)).bytes == document)
        #expect(try vault.read(id, as: .employer(bin: PG.employerBIN)).bytes == document)
        #expect(throws: VaultError.self) { try vault.read(id, as: .individual(iin: Self.employee)) }
        #expect(try vault.list(ownerIIN: Self.employee).isEmpty)
        let kept = try vault.document(id, as: .operator_)
        #expect(kept.metadata.ownerIINs == [Self.colleague] && kept.signatureCount == 1)
        #expect(try vault.auditLog().contains { $0.draft.action == "erase" && $0.draft.detail.contains("removed from 1 document(s)") })
        var check = try vault.check()
        #expect(check.isClean, "\(check.problems)")

        // The last owner's erasure destroys the document.
        let last = try vault.erase(ownerIIN: Self.colleague)
        #expect(last.documents == 1 && last.signatures == 1 && last.tombstones.map(\.documentID) == [id])
        #expect(try BlobStore(vaultDirectory: directory).allObjectIDs().isEmpty)
        check = try vault.check()
        #expect(check.isClean, "\(check.problems)")
    }

    /// Two writers (separate index connections, as two processes) store the same bytes at the same moment, one for
    /// each of two employees, round after round: both are acknowledged and both employees read every document.
    @Test(arguments: Store.available)
    func twoWritersOfTheSameBytesForTwoEmployeesBothKeepTheirAccess(store: Store) throws {
        let (vault, _, reopen) = try store.makeVault()
        let writers = [vault, try reopen()]
        let rounds = 30
        let failures = NIOLockedFailures()
        for round in 0..<rounds {
            let document = PG.document(5_000 + round)
            DispatchQueue.concurrentPerform(iterations: 2) { writer in
                do {
                    let owner = writer == 0 ? Self.employee : Self.colleague
                    try writers[writer].put(document, metadata: PG.metadata(owner: owner))
                } catch {
                    failures.add("round \(round), writer \(writer): \(error)")
                }
            }
        }
        #expect(failures.all.isEmpty, "\(failures.all)")
        for owner in [Self.employee, Self.colleague] {
            let visible = try vault.list(as: .individual(iin: owner))
            #expect(visible.count == rounds, "\(owner) sees \(visible.count) of \(rounds)")
            for document in visible { _ = try vault.read(document.id, as: .individual(iin: owner)) }
        }
        let check = try vault.check()
        #expect(check.isClean, "\(check.problems)")
    }
}
