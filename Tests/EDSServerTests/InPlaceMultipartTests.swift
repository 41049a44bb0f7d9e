import EDSCrypto
@testable import EDSServer
import EDSVerification
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 11: a body whose declared length fits in memory is parsed in place (WholeBodyMultipart); one without a
/// declared length, or larger, streams through MultipartKit (VerificationUpload.streamed is that path over a body in
/// two chunks). Both must read every body alike: the same parts, or the same refusal.
@Suite struct InPlaceMultipartTests {
    struct Parts: Equatable {
        let signature: Data?
        let document: Data?
        let fileName: String?
    }

    static func outcome(_ parse: () throws(UploadError) -> VerificationUpload) -> Result<Parts, UploadError> {
        do throws(UploadError) {
            let upload = try parse()
            defer { upload.discard() }
            var document: Data?
            if case .bytes(let bytes) = upload.document { document = bytes }
            return .success(Parts(signature: upload.signature, document: document, fileName: upload.documentFileName))
        } catch {
            return .failure(error)
        }
    }

    /// (in place, streamed)
    static func bothParsers(_ body: Data, contentType: String) throws -> (Result<Parts, UploadError>, Result<Parts, UploadError>) {
        let boundary = try #require(VerificationUpload.boundary(contentType))
        return (
            outcome { () throws(UploadError) in try WholeBodyMultipart.parse(ByteBuffer(bytes: body), boundary: boundary) },
            outcome { () throws(UploadError) in try VerificationUpload.streamed(ByteBuffer(bytes: body), boundary: boundary) }
        )
    }

    @Test(arguments: HostileBody.all.filter { VerificationUpload.boundary($0.contentType) != nil })
    func hostileBodyIsRefusedAlikeInPlaceAndStreamed(_ hostile: HostileBody) throws {
        let (inPlace, streamed) = try Self.bothParsers(hostile.body, contentType: hostile.contentType)
        #expect(inPlace == streamed)
        if case .failure(let error) = inPlace {
            #expect(error.status == hostile.status)
            #expect(error.message.contains(hostile.message))
        }
    }

    /// A body the in-place parser reads through to the end while the streaming one refuses it would be a way past
    /// the limits: a broken form is refused by both, if not with the same words.
    @Test(arguments: [
        "--b--\r\n", "--b\r\n\r\nabc\r\n--b--", "--b\r\nContent-Disposition: form-data; name=\"signature\"\r\n\r\nabc\r\n--bX",
        "--b\r\nBad Name: x\r\n\r\nabc\r\n--b--", "--b\r\nContent-Disposition form-data\r\n\r\nabc\r\n--b--", "--b\r\n", "--b",
        "--b\r\nContent-Disposition: form-data; name=\"signature\"\r\n\rabc\r\n--b--",
    ])
    func brokenFormIsRefusedByBothParsers(_ body: String) throws {
        let (inPlace, streamed) = try Self.bothParsers(Data(body.utf8), contentType: "multipart/form-data; boundary=b")
        #expect(throws: UploadError.self) { try inPlace.get() }
        #expect(throws: UploadError.self) { try streamed.get() }
    }

    /// Forms as different clients write them: a preamble, an epilogue, header names in any case, extra fields, the
    /// pasted-text field, an empty document part, a quoted boundary parameter.
    static func forms() throws -> [(name: String, contentType: String, body: Data)] {
        let signature = try Demo.sign(with: "employee")
        let document = Demo.document
        let boundary = "b-\(UUID().uuidString)"
        func part(_ headers: String, _ content: Data) -> Data { Data("\r\n--\(boundary)\r\n\(headers)\r\n\r\n".utf8) + content }
        let close = Data("\r\n--\(boundary)--\r\n".utf8)
        let typical = Multipart.verification(signature: signature, document: document)
        return [
            ("browser form", typical.contentType, typical.body),
            (
                "preamble, epilogue, lower-case headers", "multipart/form-data; boundary=\"\(boundary)\"",
                Data("This is the preamble.".utf8)
                    + part("content-disposition: form-data; name=\"signature\"; filename=\"a.cms\"", signature)
                    + Data("\r\n--\(boundary)\r\nCONTENT-DISPOSITION:form-data;name=document;filename=\"приказ №1.txt\"\r\n\r\n".utf8) + document
                    + close + Data("epilogue --\(boundary)--".utf8)
            ),
            (
                "an ignored field, an empty document, a second signature part", "multipart/form-data; boundary=\(boundary)",
                part("Content-Disposition: form-data; name=\"comment\"", Data("hello".utf8))
                    + part("Content-Disposition: form-data; name=\"document\"", Data()) + part("Content-Disposition: form-data; name=\"signature\"", signature)
                    + part("Content-Disposition: form-data; name=\"signature\"", Data("ignored".utf8))
                    + part("Content-Disposition: form-data; name=\"document\"", document) + close
            ),
            (
                "pasted PEM text instead of a file", "multipart/form-data; boundary=\(boundary)",
                part("Content-Disposition: form-data; name=\"signature\"; filename=\"\"", Data())
                    + part(
                        "Content-Disposition: form-data; name=\"signatureText\"",
                        Data("-----BEGIN CMS-----\n\(signature.base64EncodedString())\n-----END CMS-----\n".utf8))
                    + part("Content-Disposition: form-data; name=\"document\"", document) + close
            ),
            ("no signature part", "multipart/form-data; boundary=\(boundary)", part("Content-Disposition: form-data; name=\"document\"", document) + close),
        ]
    }

    @Test(arguments: 0..<5)
    func formFromAnyClientGivesTheSamePartsInPlaceAndStreamed(_ index: Int) throws {
        let form = try Self.forms()[index]
        let (inPlace, streamed) = try Self.bothParsers(form.body, contentType: form.contentType)
        #expect(inPlace == streamed, "\(form.name)")
        let parts = try inPlace.get()
        #expect(parts.document != nil, "\(form.name)")
        #expect((parts.signature != nil) == (index < 4), "\(form.name)")
    }

    @Test func formWithPreambleAndEpilogueVerifiesThroughTheRoute() async throws {
        let form = try Self.forms()[1]
        let response = try await withTestService(try Demo.configuration()) { client in
            try await client.execute(
                uri: "/api/v1/verify", method: .post, headers: [.contentType: form.contentType, .contentLength: "\(form.body.count)"],
                body: ByteBuffer(bytes: form.body))
        }
        #expect(response.status == .ok)
        #expect(response.text.contains("TOTAL_PASSED"))
    }

    @Test func theDocumentsFileNameIsReadFromTheInPlacePart() async throws {
        let form = Multipart.verification(signature: try Demo.sign(with: "employee"), document: Demo.document, documentName: "приказ «17-К».txt")
        let response = try await withTestService(try Demo.configuration()) { client in try await client.post("/verify", form) }
        #expect(response.status == .ok)
        #expect(response.text.contains("приказ «17-К».txt"))
    }
}
