import EDSCrypto
import EDSServer
import EDSVerification
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The pages for people: the upload form in three languages, an upload's proof card, vault proofs, the API description.
@Suite struct PageRouteTests {
    @Test func uploadPageFollowsAcceptLanguageAndTheSwitch() async throws {
        try await withTestService(try Demo.configuration()) { client in
            let english = try await client.execute(uri: "/", method: .get)
            #expect(english.status == .ok)
            #expect(english.headers[.contentType] == "text/html; charset=utf-8")
            #expect(english.text.contains("<html lang=\"en\">"))
            #expect(english.text.contains("Verify an electronic signature"))
            #expect(english.text.contains("enctype=\"multipart/form-data\""))
            #expect(english.text.contains("name=\"viewport\""))
            #expect(english.text.contains("EDS VAULT DEMO ROOT CA"), "the trusted centres are listed")

            let russian = try await client.execute(uri: "/", method: .get, headers: [.acceptLanguage: "ru-RU,ru;q=0.9,en-US;q=0.8"])
            #expect(russian.text.contains("<html lang=\"ru\">"))
            #expect(russian.text.contains("Проверка электронной подписи"))
            #expect(russian.text.contains("action=\"/verify?lang=ru\""))

            let kazakh = try await client.execute(uri: "/", method: .get, headers: [.acceptLanguage: "kk-KZ, ru;q=0.5"])
            #expect(kazakh.text.contains("<html lang=\"kk\">"))
            #expect(kazakh.text.contains("Электрондық қолтаңбаны тексеру"))

            // The switch wins over the browser's preference.
            let switched = try await client.execute(uri: "/?lang=kk", method: .get, headers: [.acceptLanguage: "ru"])
            #expect(switched.text.contains("<html lang=\"kk\">"))
            #expect(switched.text.contains("href=\"/?lang=ru\""), "the switch links to the other languages")

            // A language the pages don't have falls back to English; q=0 means "not this one".
            let german = try await client.execute(uri: "/", method: .get, headers: [.acceptLanguage: "de-DE, ru;q=0"])
            #expect(german.text.contains("<html lang=\"en\">"))
        }
    }

    @Test func languageNegotiation() {
        #expect(PageLanguage.negotiate(query: nil, acceptLanguage: nil) == .english)
        #expect(PageLanguage.negotiate(query: nil, acceptLanguage: "en;q=0.4, kk;q=0.6, ru;q=0.5") == .kazakh)
        #expect(PageLanguage.negotiate(query: "RU", acceptLanguage: "kk") == .russian)
        #expect(PageLanguage.negotiate(query: "fr", acceptLanguage: "ru") == .russian)
        #expect(PageLanguage.negotiate(query: nil, acceptLanguage: "*") == .english)
    }

    @Test func formUploadShowsTheProofCardWithEscapedNames() async throws {
        let signature = try Demo.signLongTerm()
        try await withTestService(try Demo.configuration(withCRLs: false)) { client in
            let form = Multipart.verification(signature: signature, document: Demo.document, documentName: "<script>alert(1)</script>.txt")
            let response = try await client.post("/verify?lang=ru", form)
            #expect(response.status == .ok)
            #expect(response.headers[.cacheControl] == "no-store")
            #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            let page = response.text
            #expect(page.contains("Подпись действительна"))
            #expect(page.contains("ҚАСЫМОВ ӘЛИХАН СЕРІКҰЛЫ"))
            #expect(page.contains("900315301237"))
            #expect(page.contains("НҰРЛАНОВ ДӘУЛЕТ БОЛАТҰЛЫ"))
            #expect(page.contains("ТОО «ДЕМО ҚҰРЫЛЫС»"))
            #expect(page.contains("150640123452"))
            #expect(page.contains("первый руководитель"), "roles are named in the page's language")
            #expect(page.contains("хеш SHA-256 документа совпадает с подписанным значением messageDigest"), "check details too")
            #expect(page.contains("EDS VAULT DEMO TSA"))
            #expect(page.contains(Digest.sha256(Demo.document).hexString))
            #expect(!page.contains("<script>alert(1)</script>"))
            #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;.txt"))
            #expect(!page.contains("<svg"), "an upload has no address, so no QR code")
        }
    }

    @Test func formUploadWithPastedBase64AndAnErrorPage() async throws {
        let signature = try Demo.sign(with: "employee", attached: true)
        try await withTestService(try Demo.configuration()) { client in
            var form = Multipart()
            form.add("signature", Data(), fileName: "")  // a file input left empty, as browsers send it
            form.add("signatureText", Data(signature.base64EncodedString().utf8))
            form.add("document", Data(), fileName: "")
            var response = try await client.post("/verify?lang=en", form)
            #expect(response.status == .ok)
            #expect(response.text.contains("Signature valid"))

            var bad = Multipart()
            bad.add("signatureText", Data("not a signature".utf8))
            response = try await client.post("/verify?lang=kk", bad)
            #expect(response.status == .badRequest)
            #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            #expect(response.text.contains("Қолтаңбаны оқу мүмкін болмады"))
        }
    }

    // MARK: Proofs

    static let token = "pXq7Zr2LkV9sB4nWc8TgHy1J3uAe6DfM"

    static func vaultProof() throws -> VaultProof {
        let signature = try Demo.signLongTerm()
        let report = try Demo.validate(signature, document: Demo.document)
        return VaultProof(
            title: "Приказ № 17-К о приёме на работу", documentType: "personnel order: hiring", fileName: "prikaz-17k.txt",
            sha256: Digest.sha256(Demo.document).hexString, size: Demo.document.count, status: "fully signed", report: report)
    }

    @Test func proofsAre404WithoutAVault() async throws {
        try await withTestService(try Demo.configuration()) { client in
            let response = try await client.execute(uri: "/proofs/\(Self.token)", method: .get)
            #expect(response.status == .notFound)
            let json = try await client.execute(uri: "/proofs/\(Self.token)", method: .get, headers: [.accept: "application/json"])
            #expect(json.status == .notFound)
            #expect(try VerifyRouteTests.errorMessage(json) == "no proof at this address")
        }
    }

    @Test func unknownTokensAndDocumentHashesOpenNothing() async throws {
        let proof = try Self.vaultProof()
        let configuration = try Demo.configuration(proofs: DictionaryProofDirectory(proofs: [Self.token: proof]))
        try await withTestService(configuration) { client in
            for uri in ["/proofs/\(proof.sha256)", "/proofs/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "/proofs/short", "/proofs/..%2F..%2Fetc"] {
                let response = try await client.execute(uri: uri, method: .get, headers: [.acceptLanguage: "ru"])
                #expect(response.status == .notFound, "\(uri)")
                #expect(response.text.contains("Подтверждение не найдено"))
            }
        }
    }

    @Test func proofPageIsTheDocumentCardWithAQRCodeOfItsOwnAddress() async throws {
        let proof = try Self.vaultProof()
        let configuration = try Demo.configuration(
            proofs: DictionaryProofDirectory(proofs: [Self.token: proof]), publicBaseURL: "https://eds.example.kz/")
        let response = try await withTestService(configuration) { client in
            try await client.execute(uri: "/proofs/\(Self.token)", method: .get, headers: [.acceptLanguage: "kk"])
        }
        #expect(response.status == .ok)
        #expect(response.headers[.cacheControl] == "no-store")
        let page = response.text
        for expected in [
            "Электрондық қолтаңбаның түпнұсқалығын растау", "Приказ № 17-К о приёме на работу", "prikaz-17k.txt", proof.sha256,
            "Қолтаңба жарамды", "ҚАСЫМОВ ӘЛИХАН СЕРІКҰЛЫ", "900315301237", "НҰРЛАНОВ ДӘУЛЕТ БОЛАТҰЛЫ", "780209303213",
            "ТОО «ДЕМО ҚҰРЫЛЫС»", "150640123452", "бірінші басшы", "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) DEMO",
            proof.report.signatures[0].certificate!.serialNumber, "EDS VAULT DEMO TSA", "кері қайтарылмаған", "CRL", "Тұтастық",
            "Сенім тізбегі", "<svg", "@media print", "Қолтаңба 2 / 2", "жұмысқа қабылдау туралы бұйрық", "барлық тараптар қол қойды",
        ] {
            #expect(page.contains(expected), "the proof page lacks \(expected)")
        }
        #expect(!page.contains("✗"), "every check passed")
        // The QR code carries the page's own public address.
        let url = "https://eds.example.kz/proofs/\(Self.token)"
        let code = try #require(QRCode(url))
        #expect(page.contains(code.svg(title: "Осы растауды ашу үшін сканерлеңіз")))
    }

    @Test func proofAsJSONIsTheReportExactly() async throws {
        let proof = try Self.vaultProof()
        let configuration = try Demo.configuration(proofs: DictionaryProofDirectory(proofs: [Self.token: proof]))
        try await withTestService(configuration) { client in
            let expected = try proof.report.jsonData() + Data("\n".utf8)
            for (uri, accept) in [
                ("/proofs/\(Self.token)", "application/json"), ("/proofs/\(Self.token)", "application/json, text/html;q=0.5"),
                ("/proofs/\(Self.token)?format=json", "text/html"),
            ] {
                let response = try await client.execute(uri: uri, method: .get, headers: [.accept: accept])
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                #expect(response.data == expected)
            }
            let browser = try await client.execute(
                uri: "/proofs/\(Self.token)", method: .get, headers: [.accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"])
            #expect(browser.headers[.contentType] == "text/html; charset=utf-8")
        }
    }

    /// The Host header is the client's to choose: a forged one must not put another address in a genuine proof's
    /// QR code. Without --public-url the page names the listen address (the port actually bound).
    @Test func proofPageNeverTakesItsHostFromTheHostHeader() async throws {
        let proof = try Self.vaultProof()
        let configuration = try Demo.configuration(proofs: DictionaryProofDirectory(proofs: [Self.token: proof]))
        let (page, port) = try await withTestService(configuration, setup: .live) { client in
            // The test client sends Host: localhost; the service listens on 127.0.0.1.
            let response = try await client.execute(uri: "/proofs/\(Self.token)", method: .get)
            return (response.text, try #require(client.port))
        }
        #expect(!page.contains("localhost"))
        let code = try #require(QRCode("http://127.0.0.1:\(port)/proofs/\(Self.token)"))
        #expect(page.contains(code.svg(title: "Scan to open this proof")))
    }

    /// Proof lookups open blobs and re-validate: they take a validation thread and count against the same admission
    /// limit as uploads, so a flood of proof requests gets 503 instead of piling up blocked threads.
    @Test func proofLookupsGoThroughTheValidationAdmissionLimit() async throws {
        let directory = GatedProofDirectory(proof: try Self.vaultProof(), token: Self.token)
        var configuration = try Demo.configuration(proofs: directory)
        configuration.validationThreads = 1
        configuration.maxPendingValidations = 1
        try await withTestService(configuration) { client in
            async let first = client.execute(uri: "/proofs/\(Self.token)", method: .get, headers: [.accept: "application/json"])
            while !directory.hasEntered { try await Task.sleep(for: .milliseconds(10)) }
            let second = try await client.execute(uri: "/proofs/\(Self.token)", method: .get, headers: [.accept: "application/json"])
            #expect(second.status == .serviceUnavailable)
            #expect(second.headers[.retryAfter] == "1")
            directory.open()
            #expect(try await first.status == .ok)
        }
    }

    // MARK: API description

    @Test func openAPIDescribesEveryRoute() async throws {
        let response = try await withTestService(try Demo.configuration()) { client in
            try await client.execute(uri: "/openapi.yaml", method: .get)
        }
        #expect(response.status == .ok)
        #expect(response.headers[.contentType] == "application/yaml; charset=utf-8")
        let yaml = response.text
        #expect(yaml.hasPrefix("openapi: 3.1.0"))
        for path in ["/health:", "/api/v1/verify:", "/:", "/verify:", "/proofs/{token}:", "/openapi.yaml:"] {
            #expect(yaml.contains("\n  \(path)\n"), "openapi.yaml lacks \(path)")
        }
        // A real OpenAPI 3.1 validator (openapi-spec-validator, on this machine's Python) must accept it.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-openapi-\(UUID().uuidString).yaml")
        try response.data.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try Shell.run(
            "/usr/bin/env",
            ["python3", "-c", "import sys, yaml; from openapi_spec_validator import validate; validate(yaml.safe_load(open(sys.argv[1]))); print('valid')", file.path])
        #expect(result.status == 0 && result.stdout.contains("valid"), "\(result.stderr)")
    }
}
