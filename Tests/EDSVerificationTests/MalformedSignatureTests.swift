import Foundation
import Testing

@testable import EDSCrypto
@testable import EDSVerification

/// Issue 10: a signature file that is not exactly one well-formed CMS object is reported as malformed
/// (INDETERMINATE / FORMAT_FAILURE, with what was found), even when its signature value verifies.
struct MalformedSignatureTests {
    static let messageDigestOID: [UInt8] = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04]
    static let signingTimeOID: [UInt8] = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05]

    /// The employee's signature over the demo document with its signed attributes rewritten by `rewrite` and signed
    /// again with the employee's key, so the signature value is valid and only the structure is wrong.
    static func resigned(_ rewrite: ([[UInt8]]) throws -> [[UInt8]]) throws -> Data {
        let bundle = try DemoPKI.key("employee")
        let signature = try DemoPKI.sign(with: "employee")
        let layout = try SignedDataLayout(signature)
        let info = try #require(try layout.signerInfos().first)
        let fields = try DER.children(of: try DER.node(in: info, at: 0), in: info)
        #expect(fields[3].tag == 0xa0)
        let attributes = try rewrite(try DER.children(of: fields[3], in: info).map { Array(info[$0.range]) })
        let signedSet = DER.encode(tag: 0x31, contents: attributes.flatMap { $0 })
        let value = try bundle.privateKey.sign(Data(signedSet), digest: .sha256)
        var newFields = fields.map { Array(info[$0.range]) }
        newFields[3] = DER.encode(tag: 0xa0, contents: attributes.flatMap { $0 })
        newFields[5] = DER.encode(tag: 0x04, contents: [UInt8](value))
        return layout.replacingSignerInfos(with: [DER.encode(tag: 0x30, contents: newFields.flatMap { $0 })])
    }

    /// The attribute whose type TLV is `oid`, with its value set replaced by `values(existing)`.
    static func rewriting(_ attribute: [UInt8], oid: [UInt8], values: ([[UInt8]]) -> [[UInt8]]) throws -> [UInt8] {
        guard attribute.starts(with: [0x30]), let parts = try? DER.children(of: try DER.node(in: attribute, at: 0), in: attribute),
            Array(attribute[parts[0].range]) == oid
        else { return attribute }
        let existing = try DER.children(of: parts[1], in: attribute).map { Array(attribute[$0.range]) }
        return DER.encode(tag: 0x30, contents: oid + DER.encode(tag: 0x31, contents: values(existing).flatMap { $0 }))
    }

    static func validate(_ signature: Data) throws -> ValidationReport {
        try SignatureValidator(policy: try DemoPKI.policy()).validate(signature: signature, document: .bytes(DemoPKI.document))
    }

    static func formatDetails(_ report: ValidationReport) -> [String] {
        report.signatures.flatMap { $0.checks.filter { $0.name == "format" && !$0.passed }.map(\.detail) }
    }

    @Test func wellFormedSignatureHasNoFormatFinding() throws {
        let report = try Self.validate(try DemoPKI.sign(with: "employee"))
        #expect(report.indication == .totalPassed)
        #expect(Self.formatDetails(report).isEmpty)
        // The rewriting helper itself keeps a good signature good.
        let same = try Self.validate(try Self.resigned { $0 })
        #expect(same.indication == .totalPassed)
    }

    @Test func trailingMegabyteIsIndeterminateFormatFailureWithTheByteCount() throws {
        var random = SystemRandomNumberGenerator()
        let tail = Data((0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &random) })
        let report = try Self.validate(try DemoPKI.sign(with: "employee") + tail)
        #expect(report.indication == .indeterminate)
        #expect(report.subIndication == .formatFailure)
        #expect(Self.formatDetails(report) == ["1048576 byte(s) follow the CMS object: a signature file must be exactly one ASN.1 object"])
        // The signature value itself still verifies: it is the file that is malformed.
        #expect(report.signatures[0].checks.contains { $0.name == "authenticity" && $0.passed })
    }

    @Test func messageDigestWithTwoValuesIsFormatFailure() throws {
        let signature = try Self.resigned { attributes in
            try attributes.map { try Self.rewriting($0, oid: Self.messageDigestOID) { $0 + [DER.encode(tag: 0x04, contents: [UInt8](repeating: 0, count: 32))] } }
        }
        let signer = try #require(try CMSSignedData(signature).signers.first)
        #expect(signer.formatProblems == [.attributeValueCount(attribute: "messageDigest", count: 2)])
        let report = try Self.validate(signature)
        #expect(report.indication == .indeterminate)
        #expect(report.subIndication == .formatFailure)
        #expect(Self.formatDetails(report) == ["the messageDigest attribute has 2 values; it must have exactly one"])
    }

    @Test func signingTimeWithNoValueIsFormatFailure() throws {
        let signature = try Self.resigned { attributes in try attributes.map { try Self.rewriting($0, oid: Self.signingTimeOID) { _ in [] } } }
        let report = try Self.validate(signature)
        #expect(report.subIndication == .formatFailure)
        #expect(Self.formatDetails(report) == ["the signingTime attribute has 0 values; it must have exactly one"])
    }

    @Test func repeatedSignedAttributeIsFormatFailure() throws {
        let signature = try Self.resigned { attributes in
            let signingTime = try #require(attributes.first { $0.count > 13 && Array($0[2..<13]) == Self.signingTimeOID })
            return attributes + [signingTime]
        }
        let report = try Self.validate(signature)
        #expect(report.indication == .indeterminate)
        #expect(report.subIndication == .formatFailure)
        #expect(Self.formatDetails(report) == ["the signed attribute signingTime appears 2 times; it may appear only once"])
    }

    @Test func formatFindingsAreTranslated() throws {
        let report = try Self.validate(try DemoPKI.sign(with: "employee") + Data([0x05, 0x00]))
        let text = TextReport.render(report, language: .russian)
        #expect(text.contains("за объектом CMS следуют ещё 2 байт"))
    }
}
