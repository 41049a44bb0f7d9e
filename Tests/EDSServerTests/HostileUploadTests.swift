import EDSCrypto
import EDSServer
import EDSVerification
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// One hostile body for POST /api/v1/verify and the answer it must get.
struct HostileBody: Sendable, CustomTestStringConvertible {
    let name: String
    let contentType: String
    let body: Data
    let status: HTTPResponse.Status
    let message: String

    var testDescription: String { name }

    static let boundary = "hostile-boundary"
    static let form = "multipart/form-data; boundary=\(boundary)"

    static func part(_ headers: [String], _ body: String) -> String {
        "--\(boundary)\r\n" + headers.map { "\($0)\r\n" }.joined() + "\r\n" + body + "\r\n"
    }

    static let all: [HostileBody] = [
        HostileBody(
            name: "no boundary anywhere in the body", contentType: form, body: Data(String(repeating: "x", count: 10_000).utf8),
            status: .badRequest, message: "closing boundary"),
        HostileBody(
            name: "parts but no closing boundary", contentType: form,
            body: Data(part(["Content-Disposition: form-data; name=\"signature\""], "abc").utf8), status: .badRequest, message: "closing boundary"),
        HostileBody(
            name: "ten thousand empty parts", contentType: form,
            body: Data((String(repeating: part(["Content-Disposition: form-data; name=\"x\""], ""), count: 10_000) + "--\(boundary)--\r\n").utf8),
            status: .badRequest, message: "more than 16 parts"),
        HostileBody(
            name: "a 200 KB header", contentType: form,
            body: Data((part(["Content-Disposition: form-data; name=\"signature\"", "X-Padding: " + String(repeating: "a", count: 200_000)], "abc")
                + "--\(boundary)--\r\n").utf8),
            status: .badRequest, message: "bytes of headers"),
        HostileBody(
            name: "a thousand headers in one part", contentType: form,
            body: Data((part(["Content-Disposition: form-data; name=\"signature\""] + (0..<1000).map { "X-\($0): y" }, "abc")
                + "--\(boundary)--\r\n").utf8),
            status: .badRequest, message: "more than 16 headers"),
        HostileBody(
            name: "a part without Content-Disposition", contentType: form,
            body: Data((part(["Content-Type: text/plain"], "abc") + "--\(boundary)--\r\n").utf8), status: .badRequest,
            message: "Content-Disposition"),
        HostileBody(
            name: "a multipart/mixed body nested in the signature part", contentType: form,
            body: Data(
                (part(
                    ["Content-Disposition: form-data; name=\"signature\"", "Content-Type: multipart/mixed; boundary=inner"],
                    "--inner\r\nContent-Type: application/pkcs7-signature\r\n\r\n0\u{80}\r\n--inner--")
                    + "--\(boundary)--\r\n").utf8),
            status: .badRequest, message: "not a CMS"),
        // Found by Fuzz/fuzz-multipart: multipart-kit traps on a non-ASCII byte in a header name, which took down
        // the whole service (Fuzz/regressions/multipart-multipartkit-header-index.txt).
        HostileBody(
            name: "a non-ASCII byte in a header name", contentType: form,
            body: Data("--\(boundary)\r\nCont".utf8) + Data([0xff, 0x00]) + Data("ent-Disposition: form-data; name=\"signature\"\r\n\r\nabc\r\n--\(boundary)--\r\n".utf8),
            status: .badRequest, message: "header name has a byte outside ASCII"),
        HostileBody(
            name: "a UTF-8 file name is still fine, an unreadable signature is 400", contentType: form,
            body: Data((part(["Content-Disposition: form-data; name=\"signature\"; filename=\"приказ.cms\""], "abc") + "--\(boundary)--\r\n").utf8),
            status: .badRequest, message: "not a CMS"),
        HostileBody(
            name: "multipart without a boundary parameter", contentType: "multipart/form-data", body: Data("--x--\r\n".utf8),
            status: .unsupportedMediaType, message: "multipart/form-data"),
        HostileBody(
            name: "a boundary longer than 70 characters", contentType: "multipart/form-data; boundary=" + String(repeating: "b", count: 71),
            body: Data("--x--\r\n".utf8), status: .unsupportedMediaType, message: "multipart/form-data"),
    ]
}

/// Issue 10: hostile uploads get a clear 4xx and the service keeps serving.
@Suite struct HostileUploadTests {
    @Test(arguments: HostileBody.all)
    func hostileMultipartBodyIs4xxAndTheServiceStaysUp(_ hostile: HostileBody) async throws {
        try await withTestService(try Demo.configuration()) { client in
            let response = try await client.execute(
                uri: "/api/v1/verify", method: .post,
                headers: [.contentType: hostile.contentType, .contentLength: "\(hostile.body.count)"], body: ByteBuffer(bytes: hostile.body))
            #expect(response.status == hostile.status)
            #expect(try VerifyRouteTests.errorMessage(response).contains(hostile.message))
            #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
        }
    }

    @Test func nestedIndefiniteLengthsOf1_2MBAre400AndTheServiceStaysUp() async throws {
        var nested = [UInt8]()
        for _ in 0..<300_000 { nested += [0x30, 0x80] }
        nested += [UInt8](repeating: 0, count: 600_000)
        let bytes = nested
        try await withTestService(try Demo.configuration()) { client in
            let response = try await client.post("/api/v1/verify", .verification(signature: Data(bytes), document: nil))
            #expect(response.status == .badRequest)
            #expect(try VerifyRouteTests.errorMessage(response).contains("nested deeper than the limit"))
            // Still serving, and still verifying.
            let good = try await client.post("/api/v1/verify", .verification(signature: try Demo.sign(with: "employee"), document: Demo.document))
            #expect(good.status == .ok)
        }
    }

    @Test func trailingBytesAfterTheSignatureAreReportedAsFormatFailure() async throws {
        try await withTestService(try Demo.configuration()) { client in
            let signature = try Demo.sign(with: "employee") + Data(repeating: 0xA5, count: 4096)
            let response = try await client.post("/api/v1/verify", .verification(signature: signature, document: Demo.document))
            #expect(response.status == .ok)
            let report = try ValidationReport.decode(response.data)
            #expect(report.indication == .indeterminate)
            #expect(report.subIndication == .formatFailure)
            #expect(report.signatures[0].checks.contains { $0.detail.hasPrefix("4096 byte(s) follow the CMS object") })
        }
    }
}
