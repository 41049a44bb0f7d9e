import EDSCrypto
import EDSVerification
import Foundation
import Testing

@testable import EDSVault
@testable import EDSVaultPostgres

/// Issue 23, finding 1: a proof link proves and never hands over the document unless it was made for that purpose; it
/// expires, it can be listed and revoked; anonymous renders are cached and rate-limited, their audit entries batched.
/// The same on both stores.
@Suite struct ProofLinkStoreTests {
    static func signedDocument(_ store: StoreVault, number: Int = 17) throws -> String {
        let id = try store.vault.put(PG.document(number), metadata: PG.metadata()).id
        try store.vault.sign(id, with: try PG.key("employee"))
        return id
    }

    @Test(arguments: StoreKind.available)
    func aProofLinkNeverHandsOverTheDocumentUnlessMadeWithDocument(_ kind: StoreKind) throws {
        let store = try StoreVault.make(kind)
        let id = try Self.signedDocument(store)
        let proofOnly = try store.vault.createProofLink(for: id)
        let view = try #require(try store.vault.proofView(forToken: proofOnly))
        #expect(view.report.indication == .totalPassed && view.document.id == id)
        #expect(!view.link.withDocument)
        // The card embeds the document: a proof-only link has none, through either entry point.
        #expect(try store.vault.cardMaterial(forToken: proofOnly) == nil)
        var rendered = false
        #expect(try store.vault.anonymousCard(forToken: proofOnly, variant: "x") { _ in rendered = true; return Data() } == nil)
        #expect(!rendered)

        let withDocument = try store.reopened().createProofLink(for: id, withDocument: true)
        let again = try store.reopened()
        #expect(try again.proofView(forToken: withDocument)?.link.withDocument == true)
        #expect(try again.cardMaterial(forToken: withDocument)?.bytes == PG.document())
    }

    @Test(arguments: StoreKind.available)
    func aProofLinkExpiresNinetyDaysAfterItIsMadeOrWhenItsExpirySays(_ kind: StoreKind) throws {
        let store = try StoreVault.make(kind)
        let id = try Self.signedDocument(store)
        let made = Date()
        let token = try store.vault.createProofLink(for: id)
        let link = try #require(try store.vault.proofLinks(for: id).first)
        let expiry = try #require(link.expiresAt)
        #expect(abs(expiry.timeIntervalSince(made) - 90 * 86_400) < 60)
        #expect(link.scope == "proof" && link.state == "active")
        #expect(try store.vault.proof(forToken: token) != nil)

        let short = try store.vault.createProofLink(for: id, expiresAt: Date().addingTimeInterval(1.5))
        #expect(try store.vault.proof(forToken: short) != nil)
        Thread.sleep(forTimeInterval: 2)
        #expect(try store.reopened().proof(forToken: short) == nil)
        #expect(try store.vault.proofLinks(for: id).map(\.state).sorted() == ["active", "expired"])
        #expect(throws: VaultError.self) { try store.vault.createProofLink(for: id, expiresAt: Date().addingTimeInterval(-60)) }
        #expect(throws: VaultError.self) { try store.vault.createProofLink(for: id, expiresAt: Date().addingTimeInterval(4_000 * 86_400)) }
    }

    @Test(arguments: StoreKind.available)
    func aRevokedProofLinkOpensNothingAndIsListedAndAudited(_ kind: StoreKind) throws {
        let store = try StoreVault.make(kind)
        let id = try Self.signedDocument(store)
        let byToken = try store.vault.createProofLink(for: id)
        let byID = try store.vault.createProofLink(for: id, withDocument: true)
        #expect(try store.vault.proof(forToken: byID) != nil)
        let listed = try store.vault.proofLinks(for: id)
        #expect(listed.count == 2)
        let idOfSecond = try #require(listed.first { $0.scope == "document" }?.linkID)

        try store.vault.revokeProofLink(byToken)
        try store.vault.revokeProofLink(idOfSecond, as: .employer(bin: PG.employerBIN))
        let again = try store.reopened()
        #expect(try again.proof(forToken: byToken) == nil)
        #expect(try again.proof(forToken: byID) == nil)
        #expect(try again.cardMaterial(forToken: byID) == nil)
        #expect(try again.proofLinks(for: nil).allSatisfy { $0.state == "revoked" && $0.revokedAt != nil })
        // Only whoever may read the document revokes its links.
        #expect(throws: VaultError.self) { try again.revokeProofLink(idOfSecond, as: .individual(iin: PG.hrIIN)) }
        #expect(throws: VaultError.self) { try again.proofLinks(for: nil, as: .individual(iin: PG.employeeIIN)) }
        let revocations = try again.auditLog().filter { $0.draft.action == "revoke-link" && $0.draft.outcome == "ok" }
        #expect(revocations.count == 2)
        #expect(try again.check().isClean)
    }

    @Test(arguments: StoreKind.available)
    func anonymousProofViewsAreCachedRateLimitedAndAuditedInBatches(_ kind: StoreKind) throws {
        let store = try StoreVault.make(kind)
        let first = try Self.signedDocument(store)
        let second = try Self.signedDocument(store, number: 18)
        let firstToken = try store.vault.createProofLink(for: first)
        let secondToken = try store.vault.createProofLink(for: second)
        let before = try store.vault.auditLog().count

        // 4 renders a minute: a burst of one. The same (document, signatures) again is the cache, not a render.
        store.vault.limitAnonymousRenders(perMinute: 4)
        for _ in 0..<20 { #expect(try store.vault.proof(forToken: firstToken) != nil) }
        #expect(throws: ProofRenderLimited.self) { try store.vault.proof(forToken: secondToken) }
        do {
            _ = try store.vault.proof(forToken: secondToken)
        } catch let limited as ProofRenderLimited {
            #expect(limited.retryAfterSeconds >= 1)
        }

        // Twenty views, no entry yet; one entry for all of them once the batch is written.
        #expect(try store.vault.auditLog().count == before)
        try store.vault.flushAnonymousViews()
        let entries = try store.vault.auditLog().dropFirst(before)
        #expect(entries.count == 1)
        #expect(entries.first?.draft.action == "proof" && entries.first?.draft.object == first)
        #expect(entries.first?.draft.detail == "20 anonymous view(s)")
        #expect(try store.vault.check().isClean)
    }
}
