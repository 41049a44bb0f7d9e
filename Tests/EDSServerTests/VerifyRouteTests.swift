import EDSCrypto
import EDSServer
import EDSVerification
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// POST /api/v1/verify through the real router, with real signatures.
@Suite struct VerifyRouteTests {
    @Test func healthAnswersOK() async throws {
        try await withTestService(try Demo.configuration()) { client in
            let response = try await client.execute(uri: "/health", method: .get)
            #expect(response.status == .ok)
            #expect(response.text == "{\"status\":\"ok\"}\n")
        }
    }

    @Test func twoSignerLongTermSignatureIsTotalPassedWithTheCLIsJSON() async throws {
        let signature = try Demo.signLongTerm()
        let response = try await withTestService(try Demo.configuration(withCRLs: false)) { client in
            try await client.post("/api/v1/verify", .verification(signature: signature, document: Demo.document))
        }
        #expect(response.status == .ok)
        #expect(response.headers[.contentType] == "application/json; charset=utf-8")
        let report = try ValidationReport.decode(response.data)
        #expect(report.indication == .totalPassed, "\(report.signatures.map(\.checks))")
        #expect(report.signatures.count == 2)
        #expect(report.signatures.allSatisfy { $0.timestamp?.tsa == "EDS VAULT DEMO TSA" && $0.revocation?.source == .crl })
        #expect(report.document?.sha256 == Digest.sha256(Demo.document).hexString)
        // The CLI's encoding (pretty, sorted keys, a final newline): re-encoding the decoded report gives the same bytes.
        #expect(response.data == (try report.jsonData()) + Data("\n".utf8))
        // And the same verdict, check by check, as the validator in process.
        let local = try Demo.validate(signature, document: Demo.document)
        #expect(Self.checks(report) == Self.checks(local))
    }

    @Test func alteredDocumentIsTotalFailedHashFailure() async throws {
        let signature = try Demo.sign(with: "employee")
        let altered = Data([Demo.document[0] ^ 0x01]) + Demo.document.dropFirst()
        let response = try await withTestService(try Demo.configuration()) { client in
            try await client.post("/api/v1/verify", .verification(signature: signature, document: altered))
        }
        #expect(response.status == .ok)
        let report = try ValidationReport.decode(response.data)
        #expect(report.indication == .totalFailed)
        #expect(report.subIndication == .hashFailure)
    }

    @Test func unknownCertificationCentreIsIndeterminate() async throws {
        let signature = try Demo.sign(with: "stranger")
        let response = try await withTestService(try Demo.configuration()) { client in
            try await client.post("/api/v1/verify", .verification(signature: signature, document: Demo.document))
        }
        let report = try ValidationReport.decode(response.data)
        #expect(response.status == .ok)
        #expect(report.indication == .indeterminate)
        #expect(report.subIndication == .noCertificateChainFound)
    }

    @Test func detachedSignatureWithoutItsDocumentIsIndeterminate() async throws {
        let signature = try Demo.sign(with: "employee")
        let response = try await withTestService(try Demo.configuration()) { client in
            try await client.post("/api/v1/verify", .verification(signature: signature, document: nil))
        }
        let report = try ValidationReport.decode(response.data)
        #expect(report.indication == .indeterminate)
        #expect(report.document == nil)
    }

    @Test func attachedSignatureAsPEMAndAsBase64() async throws {
        let der = try Demo.sign(with: "employee", attached: true)
        let base64 = der.base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        let pem = "-----BEGIN CMS-----\n\(base64)\n-----END CMS-----\n"
        try await withTestService(try Demo.configuration()) { client in
            for input in [Data(pem.utf8), Data(base64.utf8)] {
                let response = try await client.post("/api/v1/verify", .verification(signature: input, document: nil))
                #expect(response.status == .ok)
                let report = try ValidationReport.decode(response.data)
                #expect(report.indication == .totalPassed)
                #expect(report.document?.size == UInt64(Demo.document.count))
            }
        }
    }

    @Test func unreadableInputIs4xxWithAMessageAndTheServerStaysUp() async throws {
        try await withTestService(try Demo.configuration()) { client in
            // Not a CMS.
            var response = try await client.post("/api/v1/verify", .verification(signature: Data("hello".utf8), document: nil))
            #expect(response.status == .badRequest)
            #expect(try Self.errorMessage(response).contains("not a CMS"))
            // No signature part.
            var form = Multipart()
            form.add("document", Demo.document, fileName: "order.txt")
            response = try await client.post("/api/v1/verify", form)
            #expect(response.status == .badRequest)
            #expect(try Self.errorMessage(response).contains("signature"))
            // Not multipart at all.
            response = try await client.execute(
                uri: "/api/v1/verify", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: "{}"))
            #expect(response.status == .unsupportedMediaType)
            #expect(try Self.errorMessage(response).contains("multipart/form-data"))
            // A body cut off before its closing boundary.
            let whole = Multipart.verification(signature: try Demo.sign(with: "employee"), document: nil)
            let cut = whole.body.prefix(200)
            response = try await client.execute(
                uri: "/api/v1/verify", method: .post, headers: [.contentType: whole.contentType], body: ByteBuffer(bytes: cut))
            #expect(response.status == .badRequest)
            #expect(try Self.errorMessage(response).contains("closing boundary"))
            // Still serving.
            response = try await client.execute(uri: "/health", method: .get)
            #expect(response.status == .ok)
        }
    }

    @Test func overTheLimitIs413BeforeReading() async throws {
        let limit = 64 << 10
        try await withTestService(try Demo.configuration(maxUploadBytes: limit)) { client in
            let big = Multipart.verification(signature: try Demo.sign(with: "employee"), document: Data(count: 2 * limit))
            // Declared too large: refused from the header alone, and the connection is closed so the rest is never read.
            var response = try await client.post("/api/v1/verify", big)
            #expect(response.status == .contentTooLarge)
            #expect(response.headers[.connection] == "close")
            #expect(try Self.errorMessage(response).contains("\(limit) bytes"))
            // (A chunked body without a length is refused as its bytes pass the limit: ServeEndToEndTests, with curl.)
            // A document just under the limit still verifies.
            let fits = Multipart.verification(signature: try Demo.sign(with: "employee"), document: Data(count: limit - 8 << 10))
            response = try await client.post("/api/v1/verify", fits)
            #expect(response.status == .ok)
        }
    }

    @Test func largeDocumentIsSpooledAndHashedCorrectly() async throws {
        // 3 MiB: over the 1 MiB in-memory threshold, so the document goes through a temporary file.
        let document = Data((0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let signature = try Demo.sign(document, with: "employee")
        let response = try await withTestService(try Demo.configuration()) { client in
            try await client.post("/api/v1/verify", .verification(signature: signature, document: document))
        }
        let report = try ValidationReport.decode(response.data)
        #expect(report.indication == .totalPassed)
        #expect(report.document?.sha256 == Digest.sha256(document).hexString)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path)
            .filter { $0.hasPrefix("edsvault-upload-") }
        #expect(leftovers.isEmpty, "temporary upload files left behind: \(leftovers)")
    }

    @Test func concurrentVerificationsAllGetTheirOwnVerdict() async throws {
        let good = try Demo.sign(with: "employee")
        let stranger = try Demo.sign(with: "stranger")
        try await withTestService(try Demo.configuration()) { client in
            try await withThrowingTaskGroup(of: (Bool, Indication).self) { group in
                for index in 0..<16 {
                    let isGood = index % 2 == 0
                    group.addTask {
                        let response = try await client.post(
                            "/api/v1/verify", .verification(signature: isGood ? good : stranger, document: Demo.document))
                        return (isGood, try ValidationReport.decode(response.data).indication)
                    }
                }
                for try await (isGood, indication) in group {
                    #expect(indication == (isGood ? .totalPassed : .indeterminate))
                }
            }
        }
    }

    @Test func logsCarryNoPersonalData() async throws {
        let log = CapturedLog()
        let signature = try Demo.signLongTerm()
        let token = "tok_" + String(repeating: "a1B2", count: 8)
        let proof = VaultProof(
            title: "Приказ № 17-К", documentType: "order", fileName: "приказ-17к.txt", sha256: Digest.sha256(Demo.document).hexString,
            size: Demo.document.count, status: "signed", report: try Demo.validate(signature, document: Demo.document))
        let configuration = try Demo.configuration(proofs: DictionaryProofDirectory(proofs: [token: proof]))
        try await withTestService(configuration, logger: log.logger) { client in
            _ = try await client.post("/api/v1/verify", .verification(signature: signature, document: Demo.document, documentName: "Қасымов.txt"))
            _ = try await client.post("/verify", .verification(signature: signature, document: Demo.document, documentName: "Қасымов.txt"))
            _ = try await client.execute(uri: "/proofs/\(token)", method: .get)
            _ = try await client.execute(uri: "/proofs/\(token)?format=json", method: .get)
        }
        let text = log.all.joined(separator: "\n")
        #expect(text.contains("indication=TOTAL_PASSED"))
        #expect(text.contains("route=/proofs/{token}") || text.contains("route=/proofs/:token"), "\(text)")
        for secret in ["900315301237", "780209303213", "150640123452", "ҚАСЫМОВ", "Қасымов", "НҰРЛАНОВ", token, "приказ", "Приказ"] {
            #expect(!text.contains(secret), "the log holds \(secret)")
        }
    }

    static func checks(_ report: ValidationReport) -> [[String]] {
        report.signatures.map { $0.checks.map { "\($0.name) \($0.passed) \($0.detail)" } }
    }

    static func errorMessage(_ response: TestResponse) throws -> String {
        struct Body: Decodable {
            struct Inner: Decodable { let message: String }
            let error: Inner
        }
        return try JSONDecoder().decode(Body.self, from: response.data).error.message
    }
}
