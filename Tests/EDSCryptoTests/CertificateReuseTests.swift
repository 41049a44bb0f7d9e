import Foundation
import Testing

@testable import EDSCrypto

/// Structures whose certificates recur (OCSP responses, timestamp tokens) are read with those certificates kept
/// away from OpenSSL's decoder: what the caller sees must not change.
struct CertificateReuseTests {
    /// A BasicOCSPResponse for the demo employee, signed by the demo delegated responder, made offline with
    /// `openssl ocsp` (request file in, response file out: no server).
    static func basicOCSPResponse() throws -> Data {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("ocsp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let certs = Certs.directory.path
        func openssl(_ arguments: [String]) throws {
            #expect(try OpenSSLCLI.run(arguments) == 0, "openssl \(arguments)")
        }
        let request = work.appendingPathComponent("request.der").path
        let response = work.appendingPathComponent("response.der").path
        try openssl(["ocsp", "-issuer", "\(certs)/ca/nca-demo.pem", "-cert", "\(certs)/employee.pem", "-no_nonce", "-reqout", request])
        try openssl([
            "ocsp", "-index", "\(certs)/demo-ca/nca/index.txt", "-CA", "\(certs)/ca/nca-demo.pem", "-rsigner", "\(certs)/ocsp.pem",
            "-rkey", "\(certs)/ocsp.key", "-reqin", request, "-respout", response,
        ])
        // OCSPResponse ::= SEQUENCE { responseStatus, [0] EXPLICIT ResponseBytes { responseType, response OCTET STRING } }
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: response)))
        let outer = try DER.children(of: try DER.node(in: bytes, at: 0), in: bytes)
        let responseBytes = try DER.children(of: try #require(DER.children(of: outer[1], in: bytes).first), in: bytes)
        return Data(bytes[responseBytes[1].contentRange])
    }

    @Test func ocspResponseReadWithReusedCertificatesMatchesTheFullDecoder() throws {
        let der = try Self.basicOCSPResponse()
        let responder = try #require(try Certificate.parseAll(try Certs.data("ocsp.pem")).first)
        let issuer = try #require(try Certificate.parseAll(try Certs.data("ca/nca-demo.pem")).first)
        let employee = try #require(try Certificate.parseAll(try Certs.data("employee.pem")).first)
        let full = try OCSPResponse(basicResponse: der)
        let reusing = try OCSPResponse(basicResponse: der, reusingCertificates: [responder])
        #expect(full.certificates.map(\.derEncoded) == [responder.derEncoded])
        #expect(reusing.certificates.count == 1 && reusing.certificates[0] === responder)
        #expect(reusing.encoded == der)
        #expect(reusing.producedAt == full.producedAt)
        let signer = try #require(reusing.verifiedSigner(candidates: [issuer]))
        #expect(signer == responder)
        let status = try #require(reusing.status(of: employee, issuer: issuer))
        guard case .good = status.state else { Issue.record("the demo employee is not revoked"); return }
        // Not known beforehand: parsed (and cached) on its own, the same result.
        let unknown = try OCSPResponse(basicResponse: der, reusingCertificates: [])
        #expect(unknown.verifiedSigner(candidates: [issuer]) == responder)
    }

    /// The signature covers tbsResponseData only, but an altered responder certificate must still not pass: reuse
    /// goes by exact bytes, so the altered one is parsed as what it is and its key does not verify the response.
    @Test func alteredResponderCertificateDoesNotSignTheResponse() throws {
        var bytes = [UInt8](try Self.basicOCSPResponse())
        let responder = [UInt8](try #require(try Certificate.parseAll(try Certs.data("ocsp.pem")).first).derEncoded)
        let at = try #require((0...(bytes.count - responder.count)).first { bytes[$0..<($0 + responder.count)].elementsEqual(responder) })
        // Inside the subjectPublicKey's modulus: the key no longer matches the signature.
        let keyAt = try #require((at..<(at + responder.count - 3)).first { bytes[$0] == 0x02 && bytes[$0 + 1] == 0x82 && bytes[$0 + 2] == 0x01 })
        bytes[keyAt + 40] ^= 0x01
        let issuer = try #require(try Certificate.parseAll(try Certs.data("ca/nca-demo.pem")).first)
        let altered = try OCSPResponse(basicResponse: Data(bytes), reusingCertificates: [])
        #expect(altered.verifiedSigner(candidates: [issuer]) == nil)
    }
}
