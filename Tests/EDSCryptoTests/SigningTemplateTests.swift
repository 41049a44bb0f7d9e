import Foundation
import Synchronization
import Testing

@testable import EDSCrypto

/// Issue 11: after a key's first CMS signature, the next ones come from its template (messageDigest, signingTime and
/// the signature value are new); nothing a verifier sees may differ from what OpenSSL would have made.
@Suite(.serialized) struct SigningTemplateTests {
    static func bundle(_ name: String) throws -> PKCS12Bundle {
        try PKCS12Bundle.open(try Certs.data("\(name).p12"), password: Certs.password)
    }

    /// RSA PKCS#1 v1.5 is deterministic: a template signature must be the very bytes of OpenSSL's for the same
    /// document and moment (every year the signing time's encoding can take: UTCTime, and GeneralizedTime after 2049).
    @Test(arguments: ["2026-11-29T10:00:00Z", "2049-12-31T23:59:59Z", "2050-01-01T00:00:00Z"])
    func rsaTemplateSignatureIsOpenSSLsByteForByte(_ moment: String) throws {
        let signingTime = try #require(ISO8601DateFormatter().date(from: moment))
        let templated = try Self.bundle("employee")
        let parameters = CMSSignerParameters(signingTime: signingTime)
        let sign = { (bundle: PKCS12Bundle, document: String) in
            try CMSSigner.sign(
                .bytes(Data(document.utf8)), key: bundle.privateKey, certificate: bundle.certificate, chain: bundle.chain, parameters: parameters)
        }
        _ = try sign(templated, "first document")
        #expect(templated.privateKey.signingTemplates.withLock { $0.count } == 1)
        let fromTemplate = try sign(templated, "second document")
        // A key never used before signs through OpenSSL.
        let fresh = try Self.bundle("employee")
        let fromOpenSSL = try sign(fresh, "second document")
        #expect(fromTemplate == fromOpenSSL)
    }

    /// ECDSA is randomised, so the referee is OpenSSL's own verifier: `openssl cms -verify` over the template's
    /// signature, and over it with the document changed (it must refuse).
    @Test func ecdsaTemplateSignatureVerifiesWithOpenSSL() throws {
        let bundle = try Self.bundle("employee-ec")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("template-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let document = work.appendingPathComponent("document.txt")
        try Data("an order signed twice".utf8).write(to: document)
        _ = try CMSSigner.sign(.file(document), key: bundle.privateKey, certificate: bundle.certificate, chain: bundle.chain)
        let signature = work.appendingPathComponent("second.cms")
        try CMSSigner.sign(.file(document), key: bundle.privateKey, certificate: bundle.certificate, chain: bundle.chain).write(to: signature)
        #expect(bundle.privateKey.signingTemplates.withLock { $0.count } == 1)
        func verify() throws -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", signature.path, "-content", document.path,
                "-CAfile", Certs.directory.appendingPathComponent("ca/root.pem").path, "-purpose", "any", "-out", "/dev/null",
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
        }
        #expect(try verify() == 0)
        try Data("an order changed".utf8).write(to: document)
        #expect(try verify() != 0)
    }

    /// What the template does not cover still goes through OpenSSL: attached content and unsigned attributes.
    @Test func attachedAndUnsignedAttributeSignaturesMakeNoTemplate() throws {
        let bundle = try Self.bundle("employee")
        var attached = CMSSignerParameters()
        attached.attached = true
        _ = try CMSSigner.sign(.bytes(Data("x".utf8)), key: bundle.privateKey, certificate: bundle.certificate, parameters: attached)
        _ = try CMSSigner.sign(.bytes(Data("x".utf8)), key: bundle.privateKey, certificate: bundle.certificate, unsignedAttributes: { _ in [] })
        #expect(bundle.privateKey.signingTemplates.withLock { $0.count } == 0)
    }

    /// A key checked against one certificate is still refused for another: the template is per certificate.
    @Test func templateDoesNotLetAKeySignForAnotherCertificate() throws {
        let bundle = try Self.bundle("employee")
        _ = try CMSSigner.sign(.bytes(Data("x".utf8)), key: bundle.privateKey, certificate: bundle.certificate)
        let other = try Self.bundle("head")
        #expect {
            try CMSSigner.sign(.bytes(Data("x".utf8)), key: bundle.privateKey, certificate: other.certificate)
        } throws: { ($0 as? CryptoError)?.code == .refused }
    }
}
