import EDSCrypto
import Foundation
import Testing

/// `CMSSignerInfoExtension`: unsigned attributes are added to existing SignerInfos without touching a signed byte.
struct SignerInfoExtensionTests {
    static let document = Data("БҰЙРЫҚ № 9-Ж: extension test.\n".utf8)

    static func employee() throws -> PKCS12Bundle { try PKCS12Bundle.open(try Certs.data("employee.p12"), password: Certs.password) }

    static func sign(with bundle: PKCS12Bundle, unsigned: CMSSigner.UnsignedAttributeProvider? = nil) throws -> Data {
        try CMSSigner.sign(
            .bytes(document), key: bundle.privateKey, certificate: bundle.certificate, chain: bundle.chain, unsignedAttributes: unsigned)
    }

    static func runOpenSSL(_ arguments: [String]) throws -> Int32 { try OpenSSLCLI.run(arguments) }

    static func scratch() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-extension-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// OpenSSL's streaming signer writes BER (indefinite lengths), as Kalkan does: after the extension OpenSSL, the
    /// referee, still verifies the signature over the content and the signed attributes it kept.
    @Test func aBERSignatureExtendedStillVerifiesWithOpenSSL() throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let content = work.appendingPathComponent("order.txt")
        let ber = work.appendingPathComponent("ber.cms")
        let extendedFile = work.appendingPathComponent("extended.cms")
        let caFile = work.appendingPathComponent("ca.pem")
        try Self.document.write(to: content)
        try (Certs.data("ca/root.pem") + Certs.data("ca/nca-demo.pem")).write(to: caFile)
        let certs = Certs.directory.path
        #expect(
            try Self.runOpenSSL([
                "cms", "-sign", "-nodetach", "-stream", "-binary", "-outform", "DER", "-in", content.path, "-signer", "\(certs)/employee.pem",
                "-inkey", "\(certs)/keys/employee.key", "-out", ber.path,
            ]) == 0)
        let original = try Data(contentsOf: ber)
        #expect(original[1] == 0x80, "OpenSSL's streaming output is indefinite-length BER")

        let chain = try Self.employee().chain
        let extended = try CMSSignerInfoExtension.addingUnsignedAttributes([0: [CAdESEvidence.certValues(chain)]], to: original)
        try extended.write(to: extendedFile)
        let verify = ["cms", "-verify", "-binary", "-inform", "DER", "-CAfile", caFile.path, "-purpose", "any", "-out", "/dev/null"]
        #expect(try Self.runOpenSSL(verify + ["-in", ber.path]) == 0)
        #expect(try Self.runOpenSSL(verify + ["-in", extendedFile.path]) == 0)

        let before = try #require(try CMSSignedData(original).signers.first)
        let after = try #require(try CMSSignedData(extended).signers.first)
        #expect(after.signedAttributes == before.signedAttributes)
        #expect(after.signatureValue == before.signatureValue)
        #expect(after.unsignedAttributes.map(\.oid) == [CMSAttribute.OID.certValues])
        #expect(try CMSSignedData(extended).encapsulatedContent == Self.document)
    }

    /// Two signers, only the second extended: the first SignerInfo keeps its exact bytes; nothing to add returns the
    /// input unchanged.
    @Test func signersWithoutAdditionsKeepTheirExactBytes() throws {
        let bundle = try Self.employee()
        let one = try Self.sign(with: bundle)
        #expect(try CMSSignerInfoExtension.addingUnsignedAttributes([:], to: one) == one)
        #expect(try CMSSignerInfoExtension.addingUnsignedAttributes([0: []], to: one) == one)

        let head = try PKCS12Bundle.open(try Certs.data("head.p12"), password: Certs.password)
        let two = try CMSSigner.addSigner(
            to: one, document: .bytes(Self.document), key: head.privateKey, certificate: head.certificate, chain: head.chain)
        let extended = try CMSSignerInfoExtension.addingUnsignedAttributes([1: [CAdESEvidence.certValues(head.chain)]], to: two)
        let before = try #require(try CMSSignedData(two).encodedSignerInfos())
        let after = try #require(try CMSSignedData(extended).encodedSignerInfos())
        #expect(after.count == 2)
        #expect(after[0] == before[0])
        #expect(after[1] != before[1])
        #expect(try CMSSignedData(extended).signers[1].signatureValue == CMSSignedData(two).signers[1].signatureValue)
    }

    /// A second revocationValues (or timestamp) attribute would leave a verifier to choose one: refused.
    @Test func anAttributeTheSignerAlreadyHasIsRefused() throws {
        let bundle = try Self.employee()
        let chain = bundle.chain
        let signed = try Self.sign(with: bundle) { _ in [CAdESEvidence.certValues(chain)] }
        #expect {
            try CMSSignerInfoExtension.addingUnsignedAttributes([0: [CAdESEvidence.certValues(chain)]], to: signed)
        } throws: { ($0 as? CryptoError)?.code == .refused }
        #expect {
            try CMSSignerInfoExtension.addingUnsignedAttributes([1: [CAdESEvidence.certValues(chain)]], to: signed)
        } throws: { ($0 as? CryptoError)?.code == .refused }
    }

    /// Real Kalkan output (an NCA test TSA's token, GOST-signed, which OpenSSL cannot verify): extending it keeps its
    /// signed attributes, signature value, content and certificates.
    @Test func aKalkanSignedDataKeepsWhatItSigned() throws {
        let token = try Data(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/nca/tsp/tsp_token.bin"))
        let original = try CMSSignedData(token)
        let extended = try CMSSignedData(
            try CMSSignerInfoExtension.addingUnsignedAttributes([0: [CAdESEvidence.certValues(original.certificates)]], to: token))
        let before = try #require(original.signers.first)
        let after = try #require(extended.signers.first)
        #expect(after.signedAttributes == before.signedAttributes)
        #expect(after.signatureValue == before.signatureValue)
        #expect(after.signatureAlgorithmOID == before.signatureAlgorithmOID)
        #expect(extended.encapsulatedContent == original.encapsulatedContent)
        #expect(extended.certificates == original.certificates)
        #expect(after.unsignedAttributes.count == before.unsignedAttributes.count + 1)
    }

    @Test func notASignedDataIsMalformedInput() {
        #expect {
            try CMSSignerInfoExtension.addingUnsignedAttributes([0: []], to: Data("not a CMS".utf8))
        } throws: { ($0 as? CryptoError)?.code == .malformedInput }
    }
}
