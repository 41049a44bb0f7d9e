@testable import EDSServer
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOConcurrencyHelpers
import Testing

/// A session directory in memory: one waiting session, the token `good`, a mobile token `mobile`; records signatures.
final class MemorySessions: SigningSessionDirectory, @unchecked Sendable {
    static let token = "Q2xvc2VkU2Vzc2lvblRvaw"
    static let mobile = "TW9iaWxlVG9rZW5Ub2tlbg"
    let received = NIOLockedValueBox<[Data]>([])
    let organisation = SigningOrganisation(nameRu: "ТОО «Демо»", nameKz: "«Демо» ЖШС", nameEn: "Demo LLP")
    var page = SigningSessionPage(
        sessionID: "0123456789abcdef", title: "Приказ № 17-К <b>", documentType: "personnel order: hiring", fileName: "prikaz.txt",
        mime: "text/plain; charset=utf-8", sha256: String(repeating: "ab", count: 32), size: 12, signer: .role("firstHead", bin: "150640123452"),
        employerBIN: "150640123452", state: .waiting, expiresAt: Date(timeIntervalSince1970: 1_900_000_000), detail: "")
    let document = Data("ПРИКАЗ <i>\n".utf8)

    static let failing = "RmFpbGluZ0ZhaWxpbmdGYQ"
    struct DiskFailure: Error {}

    func lookUp(_ token: String) throws -> SigningSessionPage {
        if token == Self.failing { throw DiskFailure() }
        guard token == Self.token else { throw SigningSessionRefusal(.unknown, "no such signing session") }
        return page
    }
    func session(forToken token: String) throws -> SigningSessionPage { try lookUp(token) }
    func document(forToken token: String) throws -> (session: SigningSessionPage, bytes: Data) { (try lookUp(token), document) }
    func issueMobileToken(forToken token: String) throws -> (session: SigningSessionPage, token: String, expiresAt: Date) {
        (try lookUp(token), Self.mobile, page.expiresAt)
    }
    func mobileDocument(forToken token: String, mobileToken: String?) throws -> (session: SigningSessionPage, bytes: Data) {
        let session = try lookUp(token)
        guard mobileToken == Self.mobile else { throw SigningSessionRefusal(.badToken, "the API №2 token is missing, wrong, used or expired") }
        return (session, document)
    }
    func complete(forToken token: String, mobileToken: String?, signature: Data) throws -> SigningSessionPage {
        var session = try lookUp(token)
        if mobileToken != nil, mobileToken != Self.mobile { throw SigningSessionRefusal(.badToken, "bad token") }
        received.withLockedValue { $0.append(signature) }
        session.state = .signed
        return session
    }
}

/// Issue 22, the HTTP layer of signing sessions: the protocol's exact field names, its `{"message"}` refusals, hostile
/// bodies answered with one clear line and a documented status, the session page's CSP.
@Suite struct SigningSessionRouteTests {
    static func configuration(_ sessions: MemorySessions) throws -> ServiceConfiguration {
        var configuration = try Demo.configuration(publicBaseURL: "https://vault.example.kz")
        configuration.signingSessions = sessions
        return configuration
    }

    static func object(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Any])
    }

    @Test func api1AndApi2AnswerWithTheProtocolsFieldNames() async throws {
        let sessions = MemorySessions()
        try await withTestService(try Self.configuration(sessions)) { client in
            let api1 = try await client.execute(uri: "/egov/api1/\(MemorySessions.token)", method: .get, headers: [.acceptLanguage: "ru"])
            #expect(api1.status == .ok && api1.headers[.cacheControl] == "no-store")
            let one = try Self.object(api1)
            #expect(Set(one.keys) == ["description", "expiry_date", "organisation", "document"])
            #expect(one["expiry_date"] as? String == "2030-03-17T17:46:40.000+00:00")
            #expect(one["organisation"] as? [String: String] == ["nameRu": "ТОО «Демо»", "nameKz": "«Демо» ЖШС", "nameEn": "Demo LLP", "bin": "150640123452"])
            #expect(
                one["document"] as? [String: String]
                    == ["uri": "https://vault.example.kz/egov/api2/\(MemorySessions.token)", "auth_type": "Token", "auth_token": MemorySessions.mobile])

            let api2 = try await client.execute(
                uri: "/egov/api2/\(MemorySessions.token)", method: .get, headers: [.authorization: "Bearer \(MemorySessions.mobile)"])
            let two = try Self.object(api2)
            #expect(Set(two.keys) == ["signMethod", "version", "documentsToSign"])
            #expect(two["signMethod"] as? String == "CMS_SIGN_ONLY" && two["version"] as? Int == 1)
            let first = try #require((two["documentsToSign"] as? [[String: Any]])?.first)
            #expect(Set(first.keys) == ["id", "nameRu", "nameKz", "nameEn", "meta", "document"])
            let file = try #require((first["document"] as? [String: Any])?["file"] as? [String: String])
            #expect(file["mime"] == "text/plain; charset=utf-8" && file["data"].flatMap { Data(base64Encoded: $0) } == sessions.document)
        }
    }

    @Test(arguments: [
        ("not json", 400), ("{}", 400), ("{\"signMethod\":\"XML\",\"version\":1,\"documentsToSign\":[]}", 400),
        ("{\"signMethod\":\"CMS_SIGN_ONLY\",\"version\":1,\"documentsToSign\":[]}", 400),
        ("{\"signMethod\":\"CMS_SIGN_ONLY\",\"version\":1,\"documentsToSign\":[{\"id\":1,\"nameRu\":\"\",\"nameKz\":\"\",\"nameEn\":\"\",\"meta\":[],\"document\":{\"file\":{\"mime\":\"x\",\"data\":\"!!!\"}}}]}", 400),
        ("{\"signMethod\":\"CMS_SIGN_ONLY\",\"version\":1,\"documentsToSign\":[{\"id\":2,\"nameRu\":\"\",\"nameKz\":\"\",\"nameEn\":\"\",\"meta\":[],\"document\":{\"file\":{\"mime\":\"x\",\"data\":\"MAA=\"}}}]}", 400),
        ("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", 400),
    ])
    func aHostileApi2BodyGetsOneLineAndItsStatus(body: String, status: Int) async throws {
        let sessions = MemorySessions()
        try await withTestService(try Self.configuration(sessions)) { client in
            let answer = try await client.execute(
                uri: "/egov/api2/\(MemorySessions.token)", method: .put, headers: [.authorization: "Bearer \(MemorySessions.mobile)"],
                body: ByteBuffer(string: body))
            #expect(Int(answer.status.code) == status)
            let message = try #require(try Self.object(answer)["message"] as? String)
            #expect(!message.isEmpty && !message.contains("\n"))
            #expect(sessions.received.withLockedValue { $0.isEmpty })
        }
    }

    @Test func refusalsSpeakTheAppsLanguageAndAFailingVaultIs500() async throws {
        try await withTestService(try Self.configuration(MemorySessions())) { client in
            for (language, text) in [("kk", "Қол қою сессиясы табылмады: "), ("ru-RU,ru;q=0.9", "Сессия подписания не найдена: "), ("en", "No such signing session: ")] {
                let answer = try await client.execute(uri: "/egov/api1/AAAAAAAAAAAAAAAAAAAAAA", method: .get, headers: [.acceptLanguage: language])
                let message = try Self.object(answer)["message"] as? String
                #expect(answer.status == .notFound && message?.hasPrefix(text) == true, "\(answer.text)")
            }
            let failed = try await client.execute(uri: "/egov/api1/\(MemorySessions.failing)", method: .get, headers: [.acceptLanguage: "ru"])
            let message = try Self.object(failed)["message"] as? String
            #expect(failed.status == .internalServerError && message == "Хранилище не смогло выполнить запрос")
        }
    }

    @Test func unknownTokensBadBearersAndOversizedBodiesAreRefused() async throws {
        let sessions = MemorySessions()
        try await withTestService(try Self.configuration(sessions)) { client in
            for uri in ["/egov/api1/unknown-token-0000000000", "/egov/api1/x", "/egov/api1/%00%00", "/egov/api2/\(String(repeating: "A", count: 300))"] {
                let answer = try await client.execute(uri: uri, method: .get)
                #expect(answer.status == .notFound, "\(uri)")
                #expect(try Self.object(answer)["message"] is String)
            }
            for header in ["", "Bearer", "Bearer wrong", "Basic \(MemorySessions.mobile)", "Bearer " + String(repeating: "x", count: 500)] {
                let answer = try await client.execute(uri: "/egov/api2/\(MemorySessions.token)", method: .get, headers: [.authorization: header])
                #expect(answer.status == .forbidden, "\(header)")
            }
            let big = try await client.execute(
                uri: "/egov/api2/\(MemorySessions.token)", method: .put, headers: [.authorization: "Bearer \(MemorySessions.mobile)"],
                body: ByteBuffer(repeating: 0x41, count: ServiceConfiguration.defaultMaxSignatureBytes * 2 + 1))
            #expect(big.status == .contentTooLarge)
            let notCMS = try await client.execute(uri: "/sign/\(MemorySessions.token)/signature", method: .post, body: ByteBuffer(string: "%%%"))
            #expect(notCMS.status == .badRequest && notCMS.text.contains("not a CMS signature"))
            #expect(sessions.received.withLockedValue { $0.isEmpty })
            let posted = try await client.execute(uri: "/sign/\(MemorySessions.token)/signature", method: .post, body: ByteBuffer(string: "MAA="))
            #expect(posted.status == .ok && posted.text == "{\"state\":\"signed\"}\n")
            #expect(sessions.received.withLockedValue { $0 } == [Data([0x30, 0x00])])
        }
    }

    @Test(arguments: PageLanguage.allCases)
    func theSessionPageRunsOnlyOurScriptAndEscapesTheDocument(language: PageLanguage) async throws {
        let sessions = MemorySessions()
        try await withTestService(try Self.configuration(sessions)) { client in
            let page = try await client.execute(uri: "/sign/\(MemorySessions.token)?lang=\(language.rawValue)", method: .get)
            #expect(page.status == .ok && page.headers[.cacheControl] == "no-store")
            let csp = try #require(page.headers[.contentSecurityPolicy])
            #expect(csp.contains("script-src 'self';") && csp.contains("connect-src 'self' wss://127.0.0.1:13579;") && !csp.contains("script-src 'unsafe"))
            #expect(page.text.contains("<script src=\"/static/ncalayer-signing.js\"></script>"))
            #expect(page.text.components(separatedBy: "<script").count == 2, "one script element, ours")
            #expect(page.text.contains("Приказ № 17-К &lt;b&gt;") && page.text.contains("ПРИКАЗ &lt;i&gt;"))
            #expect(page.text.contains("150640123452") && page.text.contains("<svg"))
            #expect(page.text.contains(language.strings.vaultTerm("personnel order: hiring")))
            let script = try await client.execute(uri: "/static/ncalayer-signing.js", method: .get)
            #expect(script.headers[.contentType] == "application/javascript; charset=utf-8")
            #expect(script.text.contains("kz.gov.pki.knca.commonUtils") && script.text.contains("createCAdESFromBase64"))
            // Other pages keep the strict CSP without scripts.
            let home = try await client.execute(uri: "/", method: .get)
            #expect(home.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'none'; style-src 'unsafe-inline'") == true)
            let status = try await client.execute(uri: "/sign/\(MemorySessions.token)/status", method: .get)
            #expect(status.text == "{\"state\":\"waiting\",\"expiresAt\":\"2030-03-17T17:46:40.000+00:00\"}\n")
            let unknown = try await client.execute(uri: "/sign/nope-nope-nope-nope-nope?lang=\(language.rawValue)", method: .get)
            #expect(unknown.status == .notFound)
        }
    }

    @Test(arguments: PageLanguage.allCases)
    func theProofPageListsTheAcquaintanceSheetWithMaskedIINs(language: PageLanguage) async throws {
        var proof = try PageRouteTests.vaultProof()
        proof.acknowledgements = [
            AcknowledgementLine(iin: "780209303213", acknowledgedAt: Date(timeIntervalSince1970: 1_800_000_000)),
            AcknowledgementLine(iin: "851104407890", acknowledgedAt: nil),
        ]
        let token = ProofLinkRouteTests.token
        try await withTestService(try Demo.configuration(proofs: DictionaryProofDirectory(proofs: [token: proof]))) { client in
            let page = try await client.execute(uri: "/proofs/\(token)?lang=\(language.rawValue)", method: .get)
            let words = AcknowledgementSection.strings(language)
            #expect(page.text.contains(words.title) && page.text.contains(words.summary(1, 2)))
            #expect(page.text.contains("8511••••••90") && page.text.contains("7802••••••13"))
            #expect(!page.text.contains("851104407890"), "an acknowledger who has not signed keeps their IIN off an anonymous page")
        }
        // Without a sheet the page is as before.
        try await withTestService(try Demo.configuration(proofs: DictionaryProofDirectory(proofs: [token: try PageRouteTests.vaultProof()]))) { client in
            let page = try await client.execute(uri: "/proofs/\(token)?lang=\(language.rawValue)", method: .get)
            #expect(!page.text.contains("class=\"acknowledgements\""))
        }
    }
}
