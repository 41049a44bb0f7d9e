@testable import EDSCrypto
import Foundation
import Testing

/// `BERWalker` reads CMS, RSASSA-PSS parameters and signed structures by offset after `ASN1Scanner` has checked the
/// whole object: the ranges it gives are the input's own, BER's indefinite lengths and chunked strings read as
/// X.690 defines them, and what is not the structure asked for is refused with where it was found.
@Suite("Reading scanned ASN.1 by offset")
struct BERWalkerTests {
    @Test("indefinite-length elements end at their own end-of-contents, nested or not")
    func indefiniteLengths() throws {
        // SEQUENCE (indefinite) { SEQUENCE (indefinite) { INTEGER 5 } OCTET STRING 'ab' }, then two trailing bytes.
        let bytes: [UInt8] = [0x30, 0x80, 0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00, 0x04, 0x02, 0x61, 0x62, 0x00, 0x00, 0xff, 0xff]
        #expect(throws: ASN1ParseError(.trailingData(count: 2), at: 15)) { try BERWalker(bytes, rules: .ber, limits: .cms) }
        let walker = try BERWalker(bytes, rules: .ber, limits: .cms, allowingTrailingData: true)
        #expect(walker.trailingByteCount == 2)
        #expect(walker.root.range == 0..<15)
        #expect(walker.root.contentRange == 2..<13)
        let fields = try walker.fields(of: walker.root, tag: 0x30, "the root")
        #expect(fields.map(\.range) == [2..<9, 9..<13])
        let inner = try walker.fields(of: fields[0], tag: 0x30, "the inner sequence")
        #expect(try walker.integerValue(inner[0], "the integer") == 5)
        #expect(try walker.octetStringContents(fields[1], "the string") == Array("ab".utf8))
        // DER has no indefinite lengths.
        #expect(throws: ASN1ParseError(.indefiniteLengthNotAllowed, at: 0)) { try BERWalker(Array(bytes[0..<15]), rules: .der, limits: .cms) }
    }

    @Test("a constructed OCTET STRING (BER) reads as its chunks joined; a chunk of another type is refused")
    func chunkedOctetString() throws {
        // [OCTET STRING constructed] { 'ab', [constructed] { 'c' } }
        let chunked: [UInt8] = [0x24, 0x80, 0x04, 0x02, 0x61, 0x62, 0x24, 0x03, 0x04, 0x01, 0x63, 0x00, 0x00]
        let walker = try BERWalker(chunked, rules: .ber, limits: .cms)
        #expect(try walker.octetStringContents(walker.root, "the content") == Array("abc".utf8))
        let wrongChunk: [UInt8] = [0x24, 0x04, 0x02, 0x02, 0x61, 0x62]
        let wrong = try BERWalker(wrongChunk, rules: .ber, limits: .cms)
        #expect(throws: ASN1ParseError(.structure("a chunk of the content is not an OCTET STRING"), at: 2)) {
            try wrong.octetStringContents(wrong.root, "the content")
        }
    }

    @Test("small INTEGERs must be minimal two's complement that fits an Int", arguments: [
        ([0x02, 0x01, 0x00], 0), ([0x02, 0x01, 0x7f], 127), ([0x02, 0x02, 0x00, 0x80], 128), ([0x02, 0x01, 0xff], -1),
        ([0x02, 0x02, 0xff, 0x7f], -129),
    ] as [([UInt8], Int)])
    func minimalIntegers(encoding: [UInt8], value: Int) throws {
        let walker = try BERWalker(encoding, rules: .der, limits: .certificate)
        #expect(try walker.integerValue(walker.root, "the version") == value)
    }

    @Test("a redundant leading octet, an empty or an oversized INTEGER is refused", arguments: [
        [0x02, 0x02, 0x00, 0x01], [0x02, 0x02, 0xff, 0x80], [0x02, 0x00], [0x02, 0x09, 0x01, 0, 0, 0, 0, 0, 0, 0, 0], [0x04, 0x01, 0x01],
    ] as [[UInt8]])
    func nonMinimalIntegers(encoding: [UInt8]) throws {
        let walker = try BERWalker(encoding, rules: .ber, limits: .certificate)
        #expect(throws: ASN1ParseError(.structure("the version is not a small INTEGER"), at: 0)) { try walker.integerValue(walker.root, "the version") }
    }

    @Test("OIDs: the known ones by table, any other decoded, a non-minimal arc refused")
    func objectIdentifiers() throws {
        let sha256 = try BERWalker(try DER.objectIdentifier("2.16.840.1.101.3.4.2.1"), rules: .der, limits: .certificate)
        #expect(try sha256.objectIdentifier(sha256.root, "the OID") == "2.16.840.1.101.3.4.2.1")
        let unknown = try BERWalker(try DER.objectIdentifier("1.3.6.1.4.1.99999.7"), rules: .der, limits: .certificate)
        #expect(try unknown.objectIdentifier(unknown.root, "the OID") == "1.3.6.1.4.1.99999.7")
        // 0x80 opens an arc with a redundant leading group (X.690 § 8.19.2).
        let padded = try BERWalker([0x06, 0x03, 0x2b, 0x80, 0x01], rules: .der, limits: .certificate)
        #expect(throws: ASN1ParseError(.structure("the OID is not an OBJECT IDENTIFIER"), at: 0)) { try padded.objectIdentifier(padded.root, "the OID") }
    }

    @Test("fields are read only from a constructed element with the tag asked for; elements with high tag numbers are skipped over")
    func fieldsAndTags() throws {
        // SEQUENCE { [APPLICATION 100] primitive 'x', NULL }
        let bytes: [UInt8] = [0x30, 0x06, 0x5f, 0x64, 0x01, 0x78, 0x05, 0x00]
        let walker = try BERWalker(bytes, rules: .der, limits: .certificate)
        let fields = try walker.fields(of: walker.root, tag: 0x30, "the sequence")
        #expect(fields.map(\.tagOctet) == [0x5f, 0x05])
        #expect(fields[0].range == 2..<6)
        #expect(throws: ASN1ParseError(.structure("a SET"), at: 0)) { try walker.fields(of: walker.root, tag: 0x31, "a SET") }
        #expect(throws: ASN1ParseError(.structure("a NULL's fields"), at: 6)) { try walker.fields(of: fields[1], tag: 0x05, "a NULL's fields") }
    }

    @Test("a real Kalkan timestamp token reads to the certificates OpenSSL prints, its TSTInfo and one signer")
    func realSignedData() throws {
        let token = try NCA.data("tsp/tsp_token.bin")
        let structure = try SignedDataStructure([UInt8](token))
        #expect(structure.eContentType == CMSAttribute.OID.tstInfo)
        #expect(structure.eContent?.first == 0x30)
        #expect(structure.signerInfos.count == 1)
        let printed = FileManager.default.temporaryDirectory.appendingPathComponent("walker-\(UUID().uuidString).pem")
        defer { try? FileManager.default.removeItem(at: printed) }
        let status = try OpenSSLCLI.run([
            "pkcs7", "-inform", "DER", "-in", NCA.directory.appendingPathComponent("tsp/tsp_token.bin").path, "-print_certs", "-out", printed.path,
        ])
        #expect(status == 0)
        let openSSLCertificates = try Certificate.parseAll(try Data(contentsOf: printed)).map(\.derEncoded)
        #expect(!openSSLCertificates.isEmpty)
        #expect(structure.certificateRanges.map { Data(structure.bytes[$0]) } == openSSLCertificates)
    }

    @Test("the scan's fast header path agrees with the full header reader wherever it answers", arguments: [ASN1EncodingRules.ber, .der])
    func commonHeaderAgreesWithReadHeader(rules: ASN1EncodingRules) {
        let identifiers: [UInt8] = [0x02, 0x04, 0x06, 0x30, 0x31, 0xa0, 0x80, 0x1f, 0x3f, 0x00, 0x20]
        let lengths: [[UInt8]] = [
            [0x00], [0x05], [0x7f], [0x80], [0x81, 0x05], [0x81, 0x7f], [0x81, 0x80], [0x81, 0xff], [0x82, 0x00, 0x80], [0x82, 0x00, 0xff],
            [0x82, 0x01, 0x00], [0x82, 0xff, 0xff], [0x83, 0x01, 0x00, 0x00], [0xff],
        ]
        var answered = 0
        for identifier in identifiers {
            for length in lengths {
                for contentBytes in [0, 5, 127, 128, 300, 70_000] {
                    let bytes = [identifier] + length + [UInt8](repeating: 0x41, count: contentBytes)
                    bytes.withUnsafeBufferPointer { buffer in
                        guard let common = ASN1Scanner.commonHeader(buffer, at: 0, bound: buffer.count, rules: rules) else { return }
                        answered += 1
                        #expect((try? ASN1Scanner.readHeader(buffer, at: 0, bound: buffer.count, rules: rules)) == common, "\(bytes.prefix(5))")
                    }
                }
            }
        }
        #expect(answered > 50)
    }
}
