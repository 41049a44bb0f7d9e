import EDSCrypto
import EDSVerification
import Foundation
import Testing

@testable import EDSVault
@testable import EDSVaultPostgres

/// Issue 22: signing sessions for one expected signer, on both stores. A session takes one signature, from its expected
/// signer, once; every refusal is audited and leaves nothing stored.
@Suite struct SigningSessionStoreTests {
    static func document(_ store: Store, number: Int = 17) throws -> (vault: Vault, id: String) {
        let vault = try store.makeVault().vault
        return (vault, try vault.put(PG.document(number), metadata: PG.metadata()).id)
    }

    static func audit(_ vault: Vault, action: String) throws -> [AuditDraft] {
        try vault.auditLog().map(\.draft).filter { $0.action == action }
    }

    @Test(arguments: Store.available)
    func aSessionForTheEmployeeTakesTheirSignatureOnceAndCloses(store: Store) throws {
        let (vault, id) = try Self.document(store)
        let created = try vault.createSigningSession(for: id, signer: .person(iin: PG.employeeIIN), as: .employer(bin: PG.employerBIN))
        #expect(created.token.count == 22 && Vault.isWellFormedSessionToken(created.token))
        #expect(created.session.state == .waiting && created.session.signer == .person(iin: PG.employeeIIN))
        let done = try vault.completeSigningSession(forToken: created.token, channel: .ncaLayer, signature: try PG.sign(PG.document(), with: "employee"))
        #expect(done.session.state == .signed && done.signature.document.signatureCount == 1)
        let listed = try vault.signingSessions(for: id)
        #expect(listed.count == 1 && listed[0].state == .signed && listed[0].signatureID == done.signature.signature.id)
        // A second post is refused, audited, and stores nothing.
        #expect(throws: SigningSessionError(.closed, "the signing session is signed: it takes one signature, once")) {
            try vault.completeSigningSession(forToken: created.token, channel: .ncaLayer, signature: try PG.sign(PG.document(), with: "employee"))
        }
        #expect(try vault.signatures(of: id, as: .operator_).count == 1)
        let entries = try Self.audit(vault, action: "sign-session")
        #expect(entries.map(\.outcome) == ["ok", "refused"])
        #expect(try Self.audit(vault, action: "signing-session").count == 1)
        // The index holds the token's hash, never the token, and the signer sealed.
        #expect(try vault.signingSessionView(forToken: created.token).session.state == .signed)
    }

    @Test(arguments: Store.available)
    func theFirstHeadsSessionAcceptsTheHeadAndTheDocumentBecomesFullySigned(store: Store) throws {
        let (vault, id) = try Self.document(store)
        let employee = try vault.createSigningSession(for: id, signer: .person(iin: PG.employeeIIN))
        let head = try vault.createSigningSession(for: id, signer: .employerRole(.firstHead))
        try vault.completeSigningSession(forToken: employee.token, channel: .ncaLayer, signature: try PG.sign(PG.document(), with: "employee"))
        let done = try vault.completeSigningSession(forToken: head.token, channel: .ncaLayer, signature: try PG.sign(PG.document(), with: "head"))
        #expect(done.signature.document.status == .fullySigned)
    }

    @Test(arguments: Store.available)
    func aWrongSignerIsRefusedAndTheSessionEndsRefused(store: Store) throws {
        let (vault, id) = try Self.document(store)
        let created = try vault.createSigningSession(for: id, signer: .person(iin: PG.employeeIIN))
        let error = #expect(throws: SigningSessionError.self) {
            try vault.completeSigningSession(forToken: created.token, channel: .ncaLayer, signature: try PG.sign(PG.document(), with: "head"))
        }
        #expect(error?.reason == .signatureRefused && error?.message == "the signer is not the one this session expects")
        #expect(try vault.signingSessionView(forToken: created.token).session.state == .refused)
        #expect(try vault.signatures(of: id, as: .operator_).isEmpty)
        #expect(try Self.audit(vault, action: "sign-session").map(\.outcome) == ["refused"])
    }

    @Test(arguments: Store.available)
    func aSignatureOverOtherBytesIsRefused(store: Store) throws {
        let (vault, id) = try Self.document(store)
        let created = try vault.createSigningSession(for: id, signer: .person(iin: PG.employeeIIN))
        let error = #expect(throws: SigningSessionError.self) {
            try vault.completeSigningSession(forToken: created.token, channel: .ncaLayer, signature: try PG.sign(PG.document(18), with: "employee"))
        }
        #expect(error?.reason == .signatureRefused && error?.message.contains("TOTAL_FAILED") == true)
        #expect(try vault.signatures(of: id, as: .operator_).isEmpty)
    }

    @Test(arguments: Store.available)
    func aCMSCarryingTheDocumentIsRefused(store: Store) throws {
        let (vault, id) = try Self.document(store)
        let created = try vault.createSigningSession(for: id, signer: .person(iin: PG.employeeIIN))
        let bundle = try PG.key("employee")
        let attached = try CMSSigner.sign(
            .bytes(PG.document()), key: bundle.privateKey, certificate: bundle.certificate, chain: bundle.chain,
            parameters: CMSSignerParameters(attached: true))
        let error = #expect(throws: SigningSessionError.self) {
            try vault.completeSigningSession(forToken: created.token, channel: .ncaLayer, signature: attached)
        }
        #expect(error?.message == "the CMS carries the document: sign it detached (CMS_SIGN_ONLY)")
        #expect(try vault.signatures(of: id, as: .operator_).isEmpty)
    }

    @Test(arguments: Store.available)
    func anAuthenticationKeyIsRefused(store: Store) throws {
        let (vault, id) = try Self.document(store)
        let created = try vault.createSigningSession(for: id, signer: .person(iin: PG.employeeIIN))
        let error = #expect(throws: SigningSessionError.self) {
            try vault.completeSigningSession(forToken: created.token, channel: .ncaLayer, signature: try PG.sign(PG.document(), with: "auth"))
        }
        #expect(error?.reason == .signatureRefused)
        #expect(try vault.signatures(of: id, as: .operator_).isEmpty)
    }

    @Test(arguments: Store.available)
    func anExpiredSessionTakesNothing(store: Store) throws {
        let (vault, id) = try Self.document(store)
        let created = try vault.createSigningSession(for: id, signer: .person(iin: PG.employeeIIN), expiresAt: Date().addingTimeInterval(0.3))
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try vault.signingSessionView(forToken: created.token).session.state == .expired)
        #expect(throws: SigningSessionError(.expired, "the signing session expired")) {
            try vault.completeSigningSession(forToken: created.token, channel: .ncaLayer, signature: try PG.sign(PG.document(), with: "employee"))
        }
        #expect(throws: SigningSessionError.self) { try vault.issueMobileToken(forToken: created.token) }
        #expect(try vault.signatures(of: id, as: .operator_).isEmpty)
    }

    @Test(arguments: Store.available)
    func theMobileTokenIsNeededOnceAndOnlyTheLatestHolds(store: Store) throws {
        let (vault, id) = try Self.document(store)
        let created = try vault.createSigningSession(for: id, signer: .person(iin: PG.employeeIIN))
        let first = try vault.issueMobileToken(forToken: created.token).token
        let second = try vault.issueMobileToken(forToken: created.token).token
        #expect(second.expiresAt <= created.session.expiresAt)
        for wrong in [nil, first.token, "not a token", String(repeating: "A", count: 22)] as [String?] {
            #expect(throws: SigningSessionError.self) { try vault.mobileSigningDocument(forToken: created.token, mobileToken: wrong) }
        }
        #expect(try vault.mobileSigningDocument(forToken: created.token, mobileToken: second.token).bytes == PG.document())
        let signature = try PG.sign(PG.document(), with: "employee")
        #expect(throws: SigningSessionError.self) {
            try vault.completeSigningSession(forToken: created.token, channel: .egovMobile, mobileToken: first.token, signature: signature)
        }
        // A bad token does not spend the session.
        let done = try vault.completeSigningSession(forToken: created.token, channel: .egovMobile, mobileToken: second.token, signature: signature)
        #expect(done.session.state == .signed)
        let again = #expect(throws: SigningSessionError.self) {
            try vault.completeSigningSession(forToken: created.token, channel: .egovMobile, mobileToken: second.token, signature: signature)
        }
        #expect(again?.reason == .closed)
    }

    @Test(arguments: Store.available)
    func anEmployeeOpensSessionsOnlyForThemselvesAndCancelledSessionsTakeNothing(store: Store) throws {
        let (vault, id) = try Self.document(store)
        #expect(throws: VaultError.self) {
            try vault.createSigningSession(for: id, signer: .employerRole(.firstHead), as: .individual(iin: PG.employeeIIN))
        }
        #expect(throws: VaultError.self) {
            try vault.createSigningSession(for: id, signer: .person(iin: PG.hrIIN), as: .individual(iin: PG.hrIIN))
        }
        let own = try vault.createSigningSession(for: id, signer: .person(iin: PG.employeeIIN), as: .individual(iin: PG.employeeIIN))
        let cancelled = try vault.cancelSigningSession(own.session.sessionID, as: .employer(bin: PG.employerBIN))
        #expect(cancelled.state == .cancelled)
        #expect(throws: SigningSessionError.self) {
            try vault.completeSigningSession(forToken: own.token, channel: .ncaLayer, signature: try PG.sign(PG.document(), with: "employee"))
        }
        #expect(throws: SigningSessionError(.unknownSession, "no such signing session")) { try vault.signingSessionView(forToken: "x") }
        #expect(throws: VaultError.self) { try vault.createSigningSession(for: id, signer: .person(iin: PG.employeeIIN), expiresAt: Date().addingTimeInterval(-1)) }
    }

    @Test(arguments: Store.available)
    func theAcquaintanceSheetSaysWhoHasAcknowledgedThroughTheirSessionAndWhoHasNot(store: Store) throws {
        let vault = try store.makeVault().vault
        var metadata = PG.metadata()
        metadata.acknowledgers = [PG.hrIIN, "780209303213", PG.hrIIN]
        let id = try vault.put(PG.document(), metadata: metadata).id
        #expect(try vault.document(id, as: .operator_).metadata.acknowledgers == [PG.hrIIN, "780209303213"])
        #expect(try vault.acknowledgementSheet(of: id).map(\.acknowledgedAt) == [nil, nil])

        // The HR officer is not an owner: the employer opens their session; their signature acknowledges.
        let session = try vault.createSigningSession(for: id, signer: .person(iin: PG.hrIIN), as: .employer(bin: PG.employerBIN))
        let done = try vault.completeSigningSession(forToken: session.token, channel: .egovMobile, mobileToken: try vault.issueMobileToken(forToken: session.token).token.token, signature: try PG.sign(PG.document(), with: "hr"))
        let sheet = try vault.acknowledgementSheet(of: id, as: .employer(bin: PG.employerBIN))
        #expect(sheet.map(\.iin) == [PG.hrIIN, "780209303213"])
        #expect(sheet[0].acknowledgedAt != nil && sheet[0].signatureID == done.signature.signature.id && sheet[1].acknowledgedAt == nil)
        // Acknowledging changes nothing about who must sign; an employee sees no one else's line.
        #expect(try vault.document(id, as: .operator_).status == .awaitingSignatures)
        #expect(try vault.acknowledgementSheet(of: id, as: .individual(iin: PG.employeeIIN)).isEmpty)
        #expect(try vault.document(id, as: .individual(iin: PG.employeeIIN)).metadata.acknowledgers.isEmpty)
        let link = try vault.createProofLink(for: id)
        #expect(try #require(try vault.proofView(forToken: link)).acknowledgements.map(\.iin) == [PG.hrIIN, "780209303213"])
        var bad = PG.metadata()
        bad.acknowledgers = ["12345"]
        #expect(throws: VaultError.self) { try vault.put(PG.document(99), metadata: bad) }
    }
}
