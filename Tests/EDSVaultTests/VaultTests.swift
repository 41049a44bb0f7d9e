import EDSCrypto
import EDSVerification
import Foundation
import GRDB
import Testing

@testable import EDSVault

private typealias F = VaultFixtures

@Suite struct VaultStoreTests {
    @Test func storingTheSameBytesTwiceIsOneDocumentAndOneBlob() throws {
        let (vault, directory) = try F.makeVault()
        let first = try vault.put(F.document(), metadata: F.metadata())
        let again = try vault.put(F.document(), metadata: F.metadata())
        #expect(first.id == Digest.sha256(F.document()).hexString)
        #expect(again.id == first.id)
        #expect(try vault.list().count == 1)
        #expect(try BlobStore(vaultDirectory: directory).allObjectIDs() == [first.id])
        #expect(first.status == .awaitingSignatures)
        #expect(first.metadata.requiredSigners == [.person(iin: F.employeeIIN), .employerRole(.firstHead)])
    }

    @Test func anEmployeeStoringBytesAlreadyStoredForAnotherEmployeeIsRefused() throws {
        let (vault, _) = try F.makeVault()
        try vault.put(F.document(), metadata: F.metadata())
        #expect(throws: VaultError.conflict("document \(Digest.sha256(F.document()).hexString) is already stored for another employee")) {
            try vault.put(F.document(), metadata: F.metadata(owner: F.hrIIN), as: .individual(iin: F.hrIIN))
        }
    }

    @Test func theSameBytesTwiceInOneBatchForTwoEmployeesAreOneDocumentWithBothOwners() throws {
        let (vault, directory) = try F.makeVault()
        let stored = try vault.put([(F.document(), F.metadata()), (F.document(), F.metadata(owner: F.hrIIN))])
        #expect(stored.map(\.id) == [stored[0].id, stored[0].id])
        #expect(stored[0].metadata.ownerIINs == [F.employeeIIN, F.hrIIN])
        #expect(try BlobStore(vaultDirectory: directory).allObjectIDs() == [stored[0].id])
        #expect(try vault.auditLog().filter { $0.draft.action == "put" }.count == 1)
    }

    @Test func invalidMetadataIsRefused() throws {
        let (vault, _) = try F.makeVault()
        #expect(throws: VaultError.self) { try vault.put(F.document(), metadata: F.metadata(owner: "12345")) }
        #expect(try vault.list().isEmpty)
    }

    @Test func nothingPersonalIsOnDiskInClear() throws {
        let (vault, directory) = try F.makeVault()
        let document = F.document()
        try vault.put(document, metadata: F.metadata())
        try vault.attach(signature: try F.sign(document, with: "employee"), to: Digest.sha256(document).hexString)
        for needle in [document, Data("Қасымов".utf8), Data(F.employeeIIN.utf8), Data("Приказ № 17-К".utf8), Data(F.employeeName.utf8)] {
            #expect(F.filesContaining(needle, under: directory).isEmpty, "found \(String(decoding: needle, as: UTF8.self)) in clear")
        }
    }

    @Test func aWrongMasterKeyOpensNothing() throws {
        let key = String(repeating: "ab", count: 32)
        let (_, directory) = try F.makeVault(environment: ["EDSVAULT_MASTER_KEY": key])
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("master.key").path))
        #expect(throws: VaultError.wrongMasterKey("the master key does not belong to this vault")) {
            try Vault.open(at: directory, environment: ["EDSVAULT_MASTER_KEY": String(repeating: "cd", count: 32)])
        }
        #expect(throws: VaultError.self) { try Vault.open(at: directory, environment: [:]) }
        _ = try Vault.open(at: directory, environment: ["EDSVAULT_MASTER_KEY": key])
    }

    @Test func aBatchIsStoredInOneGroupCommit() throws {
        let (vault, _) = try F.makeVault()
        let batch = (1...40).map { (F.document($0), F.metadata(owner: $0 % 2 == 0 ? F.employeeIIN : F.hrIIN)) }
        let stored = try vault.put(batch.map { (bytes: $0.0, metadata: $0.1) })
        #expect(stored.count == 40)
        #expect(try vault.list(ownerIIN: F.hrIIN).count == 20)
        #expect(try vault.check().isClean)
    }
}

/// Documents stored before documents could have several owners: sealed under the owner's data key, metadata whole in
/// the document row, an owner row without a wrapped key (what the index migration makes of them).
@Suite struct VaultEarlierFormatTests {
    /// Stores a document exactly as the first format did, through the index and blob store directly.
    static func storeInFirstFormat(_ vault: Vault, document: Data, metadata: DocumentMetadata) throws -> String {
        let id = Digest.sha256(document).hexString
        let lookup = try vault.keys.lookupValue(for: "iin:\(metadata.ownerIIN)")
        let ownerKey = try AES256GCM.generateKey()
        let subject = try vault.index.storeSubjects([
            IndexedSubject(lookup: lookup, pseudonym: "s-first-format", wrappedDataKey: try vault.keys.wrap(dataKey: ownerKey, for: lookup))
        ])[lookup]!
        let key = try vault.dataKey(for: subject)
        try vault.blobs.write([(id, try vault.seal(document, key: key, context: "object:\(id)"))])
        try vault.index.commitDocuments(
            [
                IndexedDocument(
                    id: id, owners: [IndexedOwner(lookup: lookup, wrappedDocumentKey: nil, sealedEntry: nil)],
                    employerBIN: metadata.employerBIN, type: metadata.type.rawValue, size: document.count, storedAt: VaultClock.now(),
                    status: "awaiting-signatures", signatureCount: 0,
                    sealedMetadata: try vault.seal(try JSONEncoder.vault.encode(metadata), key: key, context: "metadata:\(id)"))
            ], subjects: [],
            audit: [AuditDraft(at: VaultClock.now(), actor: "operator", action: "put", object: id)])
        return id
    }

    @Test func aDocumentOfTheFirstFormatIsReadSignedCheckedAndErasedButTakesNoOtherOwner() throws {
        let (vault, directory) = try F.makeVault()
        let document = F.document()
        let id = try Self.storeInFirstFormat(vault, document: document, metadata: F.metadata())
        let record = try vault.document(id, as: .individual(iin: F.employeeIIN))
        #expect(record.metadata.ownerIINs == [F.employeeIIN] && record.metadata.title == "Приказ № 17-К о приёме на работу")
        #expect(record.metadata.requiredSigners == [.person(iin: F.employeeIIN), .employerRole(.firstHead)])
        #expect(try vault.read(id, as: .individual(iin: F.employeeIIN)).bytes == document)
        try vault.sign(id, with: try F.key("employee"))
        #expect(try vault.sign(id, with: try F.key("head")).document.status == .fullySigned)
        #expect(try vault.check().isClean)
        // Its key is the owner's data key: it cannot be wrapped for another owner.
        #expect(throws: VaultError.self) { try vault.put(document, metadata: F.metadata(owner: F.hrIIN)) }
        #expect(try vault.document(id, as: .operator_).metadata.ownerIINs == [F.employeeIIN])
        let erased = try vault.erase(ownerIIN: F.employeeIIN)
        #expect(erased.documents == 1 && erased.signatures == 2)
        #expect(try BlobStore(vaultDirectory: directory).allObjectIDs().isEmpty)
        #expect(try vault.check().isClean)
    }
}

@Suite struct VaultSignatureTests {
    @Test func statusBecomesFullySignedWhenEveryRequiredSignerHasSigned() throws {
        let (vault, _) = try F.makeVault()
        let document = F.document()
        let id = try vault.put(document, metadata: F.metadata()).id

        let employee = try vault.sign(id, with: try F.key("employee"))
        #expect(employee.document.status == .awaitingSignatures)
        #expect(employee.signature.signers.first?.identity.iin == F.employeeIIN)

        // HR may sign, but the order needs the first head: still awaiting.
        let hr = try vault.attach(signature: try F.sign(document, with: "hr"), to: id)
        #expect(hr.document.status == .awaitingSignatures)
        #expect(try vault.missingSigners(of: hr.document, as: .operator_) == [.employerRole(.firstHead)])

        let head = try vault.sign(id, with: try F.key("head"))
        #expect(head.document.status == .fullySigned)
        #expect(try vault.document(id, as: .operator_).signatureCount == 3)
        #expect(try vault.check().isClean)
    }

    @Test func aSignatureOfOtherBytesIsRefusedAndNothingIsKept() throws {
        let (vault, directory) = try F.makeVault()
        let id = try vault.put(F.document(), metadata: F.metadata()).id
        let other = try F.sign(F.document(18), with: "employee")
        do {
            try vault.attach(signature: other, to: id)
            Issue.record("a signature of other bytes was kept")
        } catch let VaultError.signatureRefused(indication, subIndication, detail) {
            #expect(indication == "TOTAL_FAILED")
            #expect(subIndication == "HASH_FAILURE")
            #expect(detail.contains("integrity"))
        }
        #expect(try vault.document(id, as: .operator_).signatureCount == 0)
        #expect(try BlobStore(vaultDirectory: directory).allObjectIDs().count == 1)
        #expect(try vault.auditLog().last?.draft.outcome == "refused")
    }

    @Test func aSignatureFromAnUnknownCAIsRefused() throws {
        let (vault, _) = try F.makeVault()
        let document = F.document()
        let id = try vault.put(document, metadata: F.metadata()).id
        let stranger = try PKCS12Bundle.open(try F.data("other/stranger.p12"), password: F.password)
        let signature = try CMSSigner.sign(
            .bytes(document), key: stranger.privateKey, certificate: stranger.certificate, chain: stranger.chain)
        #expect(throws: VaultError.self) { try vault.attach(signature: signature, to: id) }
        do { try vault.attach(signature: signature, to: id) } catch let VaultError.signatureRefused(indication, subIndication, _) {
            #expect(indication == "INDETERMINATE")
            #expect(subIndication == "NO_CERTIFICATE_CHAIN_FOUND")
        }
        #expect(try vault.document(id, as: .operator_).status == .awaitingSignatures)
    }

    @Test func aRevokedCertificateCannotSignInTheVault() throws {
        let (vault, _) = try F.makeVault()
        let document = F.document()
        let id = try vault.put(document, metadata: F.metadata()).id
        let revoked = try F.key("revoked")
        let signature = try CMSSigner.sign(
            .bytes(document), key: revoked.privateKey, certificate: revoked.certificate, chain: revoked.chain)
        do {
            try vault.attach(signature: signature, to: id)
            Issue.record("a revoked signer was kept")
        } catch let VaultError.signatureRefused(indication, subIndication, _) {
            #expect(indication == "TOTAL_FAILED" || indication == "INDETERMINATE")
            #expect(subIndication?.hasPrefix("REVOKED") == true)
        }
    }

    @Test func attachingTheSameSignatureTwiceKeepsOne() throws {
        let (vault, _) = try F.makeVault()
        let document = F.document()
        let id = try vault.put(document, metadata: F.metadata()).id
        let signature = try F.sign(document, with: "employee")
        try vault.attach(signature: signature, to: id)
        try vault.attach(signature: signature, to: id)
        #expect(try vault.signatures(of: id, as: .operator_).count == 1)
    }

    @Test func aKeyHolderWhoIsNeitherEmployeeNorEmployerCannotSign() throws {
        let (vault, _) = try F.makeVault()
        let id = try vault.put(F.document(), metadata: F.metadata(owner: F.hrIIN, requiring: [.person(iin: F.hrIIN)])).id
        // The employee's key names another IIN and no BIN: not this document's employee, not its employer.
        let refusal = #expect(throws: VaultError.self) { try vault.sign(id, with: try F.key("employee")) }
        guard case .accessDenied(let message)? = refusal else { Issue.record("expected accessDenied, got \(String(describing: refusal))"); return }
        #expect(message.hasPrefix("access refused: no document \(id) that this principal may sign"), "\(message)")
        // The message lands in logs: it names no principal, neither by IIN nor by audit pseudonym.
        #expect(!message.contains(F.employeeIIN))
    }
}

@Suite struct VaultAccessTests {
    @Test func theOwnerAndTheEmployerReadOthersAreRefusedAndAudited() throws {
        let (vault, _) = try F.makeVault()
        let document = F.document()
        let id = try vault.put(document, metadata: F.metadata()).id
        #expect(try vault.read(id, as: .individual(iin: F.employeeIIN)).bytes == document)
        #expect(try vault.read(id, as: .employer(bin: F.employerBIN)).bytes == document)
        #expect(throws: VaultError.self) { try vault.read(id, as: .individual(iin: F.hrIIN)) }
        #expect(throws: VaultError.self) { try vault.read(id, as: .employer(bin: "990240000126")) }

        let audit = try vault.auditLog()
        let reads = audit.filter { $0.draft.action == "read" }
        #expect(reads.map(\.draft.outcome) == ["ok", "ok", "refused", "refused"])
        // Subjects are pseudonyms: no IIN or BIN in the log.
        for entry in audit {
            #expect(!entry.draft.actor.contains(F.employeeIIN) && !entry.draft.actor.contains(F.employerBIN))
            #expect(!entry.draft.detail.contains(F.employeeIIN))
        }
        #expect(reads[0].draft.actor.hasPrefix("s-"))
        #expect(reads[0].draft.actor != reads[1].draft.actor)
    }

    @Test func onlyTheEmployeeOrTheirEmployerMayStoreTheirDocuments() throws {
        let (vault, _) = try F.makeVault()
        try vault.put(F.document(1), metadata: F.metadata(), as: .employer(bin: F.employerBIN))
        try vault.put(F.document(2), metadata: F.metadata(), as: .individual(iin: F.employeeIIN))
        #expect(throws: VaultError.self) { try vault.put(F.document(3), metadata: F.metadata(), as: .individual(iin: F.hrIIN)) }
        #expect(throws: VaultError.self) { try vault.put(F.document(4), metadata: F.metadata(), as: .employer(bin: "990240000126")) }
        #expect(try vault.list().count == 2)
        #expect(try vault.auditLog().filter { $0.draft.action == "put" }.map(\.draft.outcome) == ["ok", "ok", "refused", "refused"])
    }

    @Test func listingShowsEachPrincipalOnlyWhatItMaySee() throws {
        let (vault, _) = try F.makeVault()
        try vault.put(F.document(1), metadata: F.metadata(owner: F.employeeIIN))
        try vault.put(F.document(2), metadata: F.metadata(owner: F.hrIIN))
        #expect(try vault.list(as: .individual(iin: F.employeeIIN)).map(\.metadata.ownerIIN) == [F.employeeIIN])
        #expect(try vault.list(as: .employer(bin: F.employerBIN)).count == 2)
        #expect(try vault.list(as: .employer(bin: "990240000126")).isEmpty)
        #expect(throws: VaultError.self) { try vault.list(ownerIIN: F.hrIIN, as: .individual(iin: F.employeeIIN)) }
    }
}

@Suite struct VaultProofTests {
    @Test func theProofBundleIsAnASiCSContainerWithEverySignature() throws {
        let (vault, _) = try F.makeVault()
        let document = F.document()
        let id = try vault.put(document, metadata: F.metadata()).id
        try vault.sign(id, with: try F.key("employee"))
        try vault.sign(id, with: try F.key("head"))
        let bundle = try vault.proofBundle(for: id)

        // ETSI EN 319 162-1: `mimetype` is the first local file header, stored, with no extra field.
        let bytes = [UInt8](bundle)
        #expect(Array(bytes[0..<4]) == [0x50, 0x4b, 0x03, 0x04])
        #expect(bytes[8] == 0 && bytes[9] == 0, "mimetype must be stored")
        let nameLength = Int(bytes[26]) | Int(bytes[27]) << 8
        #expect(Int(bytes[28]) | Int(bytes[29]) << 8 == 0, "mimetype must have no extra field")
        #expect(String(decoding: bytes[30..<(30 + nameLength)], as: UTF8.self) == "mimetype")
        #expect(String(decoding: bytes[(30 + nameLength)..<(30 + nameLength + ProofBundle.mimeType.utf8.count)], as: UTF8.self) == ProofBundle.mimeType)

        let contents = try ProofBundle.read(bundle)
        #expect(contents.document == document)
        #expect(contents.fileName == "prikaz-17k.txt")
        let policy = ValidationPolicy(trustAnchors: try Certificate.parseAll(try F.data("trust/root.pem")), offline: true)
        let report = try SignatureValidator(policy: policy).validate(signature: contents.signature, document: .bytes(document))
        #expect(report.indication == .totalPassed, "the bundle's own CRLs must suffice offline")
        #expect(report.signatures.count == 2)
    }

    @Test func aProofLinkIsAnUnguessableTokenNotTheDocumentHash() throws {
        let (vault, _) = try F.makeVault()
        let document = F.document()
        let id = try vault.put(document, metadata: F.metadata()).id
        try vault.sign(id, with: try F.key("employee"))
        let token = try vault.createProofLink(for: id)
        #expect(token.count >= 22)  // 128 bits in base64url
        let proof = try #require(try vault.proof(forToken: token))
        #expect(proof.document.id == id)
        #expect(proof.report.indication == .totalPassed)
        #expect(proof.report.signatures.first?.signer?.iin == F.employeeIIN)
        #expect(try vault.proof(forToken: id) == nil)
        #expect(try vault.proof(forToken: "AAAAAAAAAAAAAAAAAAAAAA") == nil)
    }
}

@Suite struct VaultAuditTests {
    @Test func everyActionIsChainedAndCheckVerifiesTheChain() throws {
        let (vault, directory) = try F.makeVault()
        let document = F.document()
        let id = try vault.put(document, metadata: F.metadata()).id
        try vault.sign(id, with: try F.key("employee"))
        _ = try vault.read(id, as: .individual(iin: F.employeeIIN))
        _ = try? vault.read(id, as: .individual(iin: F.hrIIN))
        _ = try vault.proofBundle(for: id)
        let actions = try vault.auditLog().map(\.draft.action)
        #expect(actions == ["init", "put", "attach", "read", "read", "export"])
        #expect(try vault.check().isClean)

        let database = try DatabaseQueue(path: directory.appendingPathComponent(Vault.indexFileName).path)
        try database.write { try $0.execute(sql: "UPDATE audit SET detail = 'nothing happened' WHERE sequence = 3") }
        #expect(try vault.check().problems.contains("audit entry 3 was altered (its hash does not match its content)"))
        try database.write { try $0.execute(sql: "DELETE FROM audit WHERE sequence = 3") }
        #expect(try vault.check().problems.contains("audit entry 3 is missing (found 4 next)"))
    }
}

@Suite struct VaultIntegrityTests {
    @Test func aFlippedByteInABlobIsFound() throws {
        let (vault, directory) = try F.makeVault()
        let id = try vault.put(F.document(), metadata: F.metadata()).id
        let file = BlobStore(vaultDirectory: directory).url(for: id)
        var bytes = try Data(contentsOf: file)
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: file)
        let report = try vault.check()
        #expect(!report.isClean)
        #expect(report.problems.contains { $0.contains(id) && $0.contains("integrity") })
        #expect(throws: VaultError.self) { try vault.read(id, as: .operator_) }
    }

    @Test func missingAndUnreferencedBlobsAreFound() throws {
        let (vault, directory) = try F.makeVault()
        let id = try vault.put(F.document(), metadata: F.metadata()).id
        let blobs = BlobStore(vaultDirectory: directory)
        try FileManager.default.removeItem(at: blobs.url(for: id))
        let stray = String(repeating: "ab", count: 32)
        try blobs.write([(stray, Data("stray".utf8))])
        let problems = try vault.check().problems
        #expect(problems.contains("document \(id): its blob is missing"))
        #expect(problems.contains("blob \(stray) is not referenced by the index"))
    }

    @Test func interruptedWritesAreFinishedOrRolledBackNotReported() throws {
        let (vault, directory) = try F.makeVault()
        let blobs = BlobStore(vaultDirectory: directory)
        // Killed after staging, before the index commit: never acknowledged, so it goes.
        let orphan = Digest.sha256(Data("never acknowledged".utf8)).hexString
        _ = try blobs.stage([(orphan, Data("sealed bytes".utf8))])
        // Killed after the index commit, before the rename: acknowledged, so it is moved into place.
        let id = try vault.put(F.document(), metadata: F.metadata()).id
        try FileManager.default.moveItem(at: blobs.url(for: id), to: directory.appendingPathComponent("tmp/\(id).4242-x.tmp"))
        #expect(try vault.read(id, as: .operator_).bytes == F.document(), "a committed blob is readable before recovery")
        // A temporary file of some other interrupted write.
        try Data("half".utf8).write(to: directory.appendingPathComponent("tmp/99999-dead.tmp"))

        let report = try vault.check()
        #expect(report.isClean, "\(report.problems)")
        #expect(report.recovered == 3)
        #expect(!blobs.exists(orphan))
        #expect(blobs.exists(id))
        #expect(blobs.leftoverTemporaryFiles().isEmpty)
    }

    /// Killed after the commit, before the rename, with the copy of a writer that lost the race for the same bytes
    /// (sealed under its own document key, killed before discarding it) beside it in tmp/: recovery moves the copy that
    /// opens under the committed key into place and deletes the other, whatever order the directory lists them in.
    @Test func recoveryAdoptsTheCommittedCopyNotARacersCopy() throws {
        let (vault, directory) = try F.makeVault()
        let blobs = BlobStore(vaultDirectory: directory)
        let id = try vault.put(F.document(), metadata: F.metadata()).id
        let racer = try AES256GCM.seal(F.document(), key: try AES256GCM.generateKey(), associatedData: Data("object:\(id)".utf8))
        try racer.write(to: directory.appendingPathComponent("tmp/\(id).1-a.tmp"))
        try FileManager.default.moveItem(at: blobs.url(for: id), to: directory.appendingPathComponent("tmp/\(id).2-b.tmp"))
        #expect(try vault.read(id, as: .operator_).bytes == F.document(), "the committed copy is read before recovery")

        let report = try vault.check()
        #expect(report.isClean, "\(report.problems)")
        #expect(report.recovered == 2)
        #expect(blobs.leftoverTemporaryFiles().isEmpty)
        #expect(try vault.read(id, as: .individual(iin: F.employeeIIN)).bytes == F.document())
    }

    @Test func theIndexAndTheAuditLogMustAgree() throws {
        let (vault, directory) = try F.makeVault()
        let id = try vault.put(F.document(), metadata: F.metadata()).id
        let database = try DatabaseQueue(path: directory.appendingPathComponent(Vault.indexFileName).path)
        try database.write {
            try $0.execute(sql: "DELETE FROM document_owners WHERE document_id = ?", arguments: [id])
            try $0.execute(sql: "DELETE FROM documents WHERE id = ?", arguments: [id])
        }
        let problems = try vault.check().problems
        #expect(problems.contains("the audit log records storing document \(id), but it is neither in the index nor erased"))
        #expect(problems.contains("blob \(id) is not referenced by the index"))
    }

    @Test func aSignatureMissingFromTheIndexIsFound() throws {
        let (vault, directory) = try F.makeVault()
        let id = try vault.put(F.document(), metadata: F.metadata()).id
        let signature = try vault.sign(id, with: try F.key("employee")).signature.id
        let database = try DatabaseQueue(path: directory.appendingPathComponent(Vault.indexFileName).path)
        try database.write { try $0.execute(sql: "DELETE FROM signatures WHERE id = ?", arguments: [signature]) }
        let problems = try vault.check().problems
        #expect(problems.contains("the audit log records signature \(id)/\(signature), but the index does not hold it"))
        #expect(problems.contains("document \(id) counts 1 signature(s) but has 0"))
    }
}

@Suite struct VaultErasureTests {
    /// An erasure's blob still on disk (its deletion waits for writers to finish) when the same bytes are stored again
    /// for someone else: the new document gets its own blob, not the erased one sealed under a destroyed key.
    @Test func bytesStoredAgainWhileTheErasedBlobIsStillOnDiskGetTheirOwnBlob() throws {
        let (vault, directory) = try F.makeVault()
        let id = try vault.put(F.document(), metadata: F.metadata()).id
        let file = BlobStore(vaultDirectory: directory).url(for: id)
        let erasedBlob = try Data(contentsOf: file)
        try vault.erase(ownerIIN: F.employeeIIN)
        try erasedBlob.write(to: file)

        try vault.put(F.document(), metadata: F.metadata(owner: F.hrIIN))
        #expect(try vault.read(id, as: .individual(iin: F.hrIIN)).bytes == F.document())
        #expect(try vault.check().isClean)
    }

    @Test func erasureLeavesTombstonesAndNoTraceOfTheEmployee() throws {
        let (vault, directory) = try F.makeVault()
        let document = F.document()
        let id = try vault.put(document, metadata: F.metadata()).id
        try vault.sign(id, with: try F.key("employee"))
        try vault.sign(id, with: try F.key("head"))
        _ = try vault.createProofLink(for: id)
        let colleague = try vault.put(F.document(99), metadata: F.metadata(owner: F.hrIIN)).id
        let lookup = try vault.keys.lookupValue(for: "iin:\(F.employeeIIN)")
        #expect(!F.filesContaining(Data(lookup.utf8), under: directory).isEmpty, "the owner's lookup value is in the index before erasure")

        let report = try vault.erase(ownerIIN: F.employeeIIN)
        #expect(report.documents == 1 && report.signatures == 2)
        #expect(report.tombstones.map(\.documentID) == [id])
        #expect(report.tombstones.first?.signatureCount == 2)

        // Nothing that names or links to the employee is left anywhere under the vault directory: not in clear, not as
        // the index's lookup value, not in SQLite's free pages or write-ahead log.
        for needle in [Data(F.employeeIIN.utf8), Data(F.employeeName.utf8), Data("Приказ № 17-К".utf8), document, Data(lookup.utf8)] {
            #expect(F.filesContaining(needle, under: directory).isEmpty, "found \(String(decoding: needle, as: UTF8.self))")
        }
        #expect(throws: VaultError.notFound("no document \(id) in the vault")) { try vault.read(id, as: .operator_) }
        #expect(try vault.read(colleague, as: .individual(iin: F.hrIIN)).bytes == F.document(99))
        let check = try vault.check()
        #expect(check.isClean, "\(check.problems)")
        #expect(try vault.auditLog().contains { $0.draft.action == "erase" && $0.draft.detail.contains("1 document(s), 2 signature(s)") })
        #expect(try vault.tombstones().map(\.documentID) == [id])
    }
}

/// Issue 23, item 7: what a refused principal learns, and what a refusal leaves behind.
@Suite struct VaultAccessLeakTests {
    static let unknownID = String(repeating: "ab", count: 32)

    @Test func anUnknownDocumentAndAnUnreadableOneGetTheSameRefusal() throws {
        let (vault, _) = try F.makeVault()
        let id = try vault.put(F.document(), metadata: F.metadata()).id
        func refusal(_ documentID: String, as principal: Principal) -> String? {
            do {
                _ = try vault.read(documentID, as: principal)
                return nil
            } catch VaultError.accessDenied(let message) {
                return message.replacingOccurrences(of: documentID, with: "ID")
            } catch {
                return "\(error)"
            }
        }
        for stranger in [Principal.individual(iin: F.hrIIN), .employer(bin: "990240000126")] {
            let existing = refusal(id, as: stranger)
            let unknown = refusal(Self.unknownID, as: stranger)
            #expect(existing != nil && existing == unknown, "\(String(describing: existing)) vs \(String(describing: unknown))")
        }
        // The operator, who may see everything, is told plainly.
        #expect(throws: VaultError.notFound("no document \(Self.unknownID) in the vault")) { try vault.read(Self.unknownID, as: .operator_) }
    }

    @Test func aRefusedPrincipalLeavesNoSubjectRowAndIsNotNamedInTheMessage() throws {
        let (vault, _) = try F.makeVault()
        let id = try vault.put(F.document(), metadata: F.metadata()).id
        let passerBy = "880502300122"
        let lookup = try vault.keys.lookupValue(for: "iin:\(passerBy)")
        for documentID in [id, Self.unknownID] {
            let error = #expect(throws: VaultError.self) { try vault.read(documentID, as: .individual(iin: passerBy)) }
            #expect(!"\(String(describing: error))".contains("s-"), "a pseudonym in \(String(describing: error))")
        }
        #expect(throws: VaultError.self) { try vault.list(ownerIIN: F.employeeIIN, as: .individual(iin: passerBy)) }
        // A listing that shows them nothing is not a refusal, and leaves no subject behind either.
        #expect(try vault.list(as: .individual(iin: passerBy)).isEmpty)
        #expect(try vault.index.subject(lookup: lookup) == nil, "a refused principal string became a subject")
        let refusals = try vault.auditLog().filter { $0.draft.outcome == "refused" }
        #expect(refusals.count == 3 && refusals.allSatisfy { $0.draft.actor == "unknown" })
    }

    @Test func anEmployeeListingASharedOrderSeesNoCoOwnersIIN() throws {
        let (vault, _) = try F.makeVault()
        let colleague = "960817450013"
        // Both owners must sign (`--require owner`, as `vault put` records it for each owner), and the first head.
        var metadata = F.metadata(requiring: [.person(iin: F.employeeIIN), .person(iin: colleague), .employerRole(.firstHead)])
        metadata.ownerIINs = [F.employeeIIN, colleague]
        let id = try vault.put(F.document(), metadata: metadata).id
        #expect(Set(try vault.document(id, as: .operator_).metadata.requiredSigners.map(\.description)).count == 3)
        for document in try vault.list(as: .individual(iin: F.employeeIIN)) + [try vault.document(id, as: .individual(iin: F.employeeIIN))] {
            #expect(document.metadata.ownerIINs == [F.employeeIIN])
            let named = document.metadata.requiredSigners.compactMap { requirement -> String? in
                if case .person(let iin) = requirement { return iin } else { return nil }
            }
            #expect(!named.contains(colleague), "\(document.metadata.requiredSigners)")
        }
        // The employer and the operator still see every owner and requirement.
        let full = try vault.document(id, as: .employer(bin: F.employerBIN))
        #expect(Set(full.metadata.ownerIINs) == [F.employeeIIN, colleague])
    }

    @Test func signingWithAKeyTheVaultDoesNotTrustReadsAndAuditsNothing() throws {
        // This vault trusts only the other root: the demo employee's certificate claims the owner's IIN, unproven.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-test-\(UUID().uuidString)")
        let vault = try Vault.create(at: directory, trustAnchors: [try F.data("other/other-root.pem")])
        defer { try? FileManager.default.removeItem(at: directory) }
        let id = try vault.put(F.document(), metadata: F.metadata()).id
        let before = try vault.auditLog().count
        let error = #expect(throws: VaultError.self) { try vault.sign(id, with: try F.key("employee")) }
        guard case .signatureRefused(_, _, let detail)? = error else {
            Issue.record("expected signatureRefused, got \(String(describing: error))")
            return
        }
        #expect(detail.hasPrefix("the key's certificate is not accepted by this vault"), "\(detail)")
        // Nothing was done as the employee: no entry under their pseudonym, no subject created for them by the attempt.
        let after = try vault.auditLog()
        #expect(after.count == before, "\(after.suffix(2).map(\.draft))")
    }
}

/// Issue 23, item 8: the vault's files are the owner's alone.
@Suite struct VaultFilePermissionTests {
    static func mode(_ path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test func initIntoAnExisting0755DirectoryMakesIt0700AndTheIndexFiles0600() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        defer { try? FileManager.default.removeItem(at: directory) }
        let vault = try Vault.create(at: directory, trustAnchors: [try F.data("trust/root.pem")], crls: [try F.data("crl/root.crl")])
        _ = try vault.put(F.document(), metadata: F.metadata())
        #expect(try Self.mode(directory.path) == 0o700)
        for name in ["index.sqlite", "index.sqlite-wal", "index.sqlite-shm", "master.key"] {
            let path = directory.appendingPathComponent(name).path
            guard FileManager.default.fileExists(atPath: path) else { continue }
            #expect(try Self.mode(path) == 0o600, "\(name)")
        }
        #expect(try Self.mode(directory.appendingPathComponent("index.sqlite").path) == 0o600)
        for file in F.files(under: directory) {
            #expect(try Self.mode(file.path) & 0o077 == 0, "\(file.path) is readable by others")
        }
    }

    @Test(arguments: ["objects", "tmp", "trust"])
    func aPrePlantedSymlinkedSubdirectoryIsRefused(_ name: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-test-\(UUID().uuidString)")
        let elsewhere = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-elsewhere-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        defer {
            try? FileManager.default.removeItem(at: directory)
            try? FileManager.default.removeItem(at: elsewhere)
        }
        try FileManager.default.createSymbolicLink(at: directory.appendingPathComponent(name), withDestinationURL: elsewhere)
        let error = #expect(throws: VaultError.self) {
            try Vault.create(at: directory, trustAnchors: [try F.data("trust/root.pem")])
        }
        #expect("\(String(describing: error))".contains("is a symbolic link"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere.path).isEmpty, "the vault wrote through the link")
    }

    @Test func aSymlinkPlantedInAnExistingVaultIsRefusedAtOpen() throws {
        let (_, directory) = try F.makeVault()
        defer { try? FileManager.default.removeItem(at: directory) }
        let elsewhere = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-elsewhere-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        let objects = directory.appendingPathComponent("objects")
        try FileManager.default.moveItem(at: objects, to: elsewhere.appendingPathComponent("objects"))
        try FileManager.default.createSymbolicLink(at: objects, withDestinationURL: elsewhere.appendingPathComponent("objects"))
        #expect(throws: VaultError.self) { try Vault.open(at: directory) }
    }
}
