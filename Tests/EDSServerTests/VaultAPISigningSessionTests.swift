import EDSServer
import EDSVault
import EDSVerification
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 22 on issue 21's authentication: `POST /api/v1/vault/documents/{id}/signing-sessions`. An HR key opens a
/// session for any signer of its employer's document; an auditor key changes nothing; another employer's key sees no
/// document; the signer is parsed before the vault is asked.
@Suite struct VaultAPISigningSessionTests {
    static let base = "/api/v1/vault"

    static func open(_ client: some TestClientProtocol, _ id: String, bearer: String, _ body: String) async throws -> TestResponse {
        try await client.call(
            "\(base)/documents/\(id)/signing-sessions", .post, bearer: bearer, body: Data(body.utf8), contentType: "application/json")
    }

    @Test func anHRKeyOpensASessionAndTheAnswerCarriesThePageAddress() async throws {
        let fixture = try VaultAPIFixture()
        let hr = try fixture.key(.hr)
        let vault = fixture.vault
        try await fixture.run { client in
            let id = try #require(try await client.put(VaultAPIFixture.putForm(), bearer: hr).json["id"] as? String)
            let made = try await Self.open(client, id, bearer: hr, "{\"signer\":\"role:first-head\",\"expiresAt\":\"\(ISO8601DateFormatter().string(from: Date().addingTimeInterval(600)))\"}")
            #expect(made.status == .created, "\(made.text)")
            let token = try #require(made.json["token"] as? String)
            #expect(made.json["path"] as? String == "/sign/\(token)" && (made.json["url"] as? String)?.hasSuffix("/sign/\(token)") == true)
            #expect(made.json["signer"] as? String == "role:firstHead" && made.json["state"] as? String == "waiting")
            let view = try vault.signingSessionView(forToken: token)
            #expect(view.session.signer == .employerRole(.firstHead) && view.session.documentID == id)
            #expect(try vault.auditLog().contains { $0.draft.action == "signing-session" && $0.draft.outcome == "ok" })
        }
    }

    @Test func auditorsOtherEmployersAndBadSignersAreRefused() async throws {
        let fixture = try VaultAPIFixture()
        let hr = try fixture.key(.hr)
        let auditor = try fixture.key(.auditor)
        let stranger = try fixture.key(.hr, employer: VaultAPIFixture.otherEmployer)
        try await fixture.run { client in
            let id = try #require(try await client.put(VaultAPIFixture.putForm(), bearer: hr).json["id"] as? String)
            let byAuditor = try await Self.open(client, id, bearer: auditor, "{\"signer\":\"iin:\(VaultAPIFixture.employee)\"}")
            #expect(byAuditor.status == .forbidden && byAuditor.errorRule == "auditor-changes-nothing", "\(byAuditor.text)")
            let byStranger = try await Self.open(client, id, bearer: stranger, "{\"signer\":\"iin:\(VaultAPIFixture.employee)\"}")
            #expect(byStranger.status == .forbidden, "\(byStranger.text)")
            for body in ["{\"signer\":\"owner\"}", "{\"signer\":\"role:owner\"}", "{\"signer\":\"iin:12\"}", "{}", "[", "{\"signer\":\"role:ceo\"}"] {
                let bad = try await Self.open(client, id, bearer: hr, body)
                #expect(bad.status == .badRequest, "\(body): \(bad.text)")
                #expect(!bad.errorMessage.isEmpty && !bad.errorMessage.contains("\n"))
            }
            let past = try await Self.open(client, id, bearer: hr, "{\"signer\":\"role:first-head\",\"expiresAt\":\"2001-01-01T00:00:00Z\"}")
            #expect(past.status == .badRequest)
            let none = try await client.call("\(Self.base)/documents/\(String(repeating: "0", count: 64))/signing-sessions", .post, bearer: hr, body: Data("{\"signer\":\"role:hr\"}".utf8), contentType: "application/json")
            #expect(none.status == .notFound || none.status == .forbidden, "\(none.text)")
            let unauthenticated = try await client.call("\(Self.base)/documents/\(id)/signing-sessions", .post, bearer: nil, body: Data("{\"signer\":\"role:hr\"}".utf8), contentType: "application/json")
            #expect(unauthenticated.status == .unauthorized)
        }
    }
}
