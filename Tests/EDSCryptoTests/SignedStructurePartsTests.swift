@testable import EDSCrypto
import Foundation
import Testing

/// The GOST code reads signed structures through the parsing layer (`SignedStructureParts`): real Kalkan-made
/// certificates and OCSP responses split exactly, hostile variants refused within the limits.
@Suite("Signed structures read through the parsing layer")
struct SignedStructurePartsTests {
    /// SEQUENCE { tbs, algorithm, BIT STRING } put back together from the parts, to compare with the original bytes.
    static func reassembled(_ parts: SignedStructureParts, algorithm: [UInt8], extra: [UInt8] = []) -> [UInt8] {
        DER.encode(tag: 0x30, contents: Array(parts.toBeSigned) + algorithm + DER.encode(tag: 0x03, contents: [0] + Array(parts.signature)) + extra)
    }

    @Test("a real NCA GOST certificate (2015 CA, 2004 CA, 2004 leaf) splits into its exact TBS, its Kazakh GOST algorithm and its signature", arguments: [
        NCA.gost2015CA, NCA.gost2004CA, "certs/ceo_valid_sign_2004_gost.cer",
    ])
    func realCertificate(path: String) throws {
        let der = [UInt8](try NCA.certificate(path).derEncoded)
        let parts = try SignedStructureParts(der, limits: .certificate)
        #expect(GOSTAlgorithm.isKazakhGOST(parts.signatureAlgorithmOID), "\(parts.signatureAlgorithmOID)")
        #expect([64, 128].contains(parts.signature.count))
        // Kalkan writes the AlgorithmIdentifier with NULL parameters; with them, the parts give back the exact certificate.
        let algorithm = GOSTDER.sequence([GOSTDER.oid(parts.signatureAlgorithmOID), [0x05, 0x00]])
        #expect(Self.reassembled(parts, algorithm: algorithm) == der, "the parts are not the certificate's own bytes")
    }

    @Test("a BasicOCSPResponse with its certs [0] field is a signed structure; any other fourth field is not")
    func ocspResponseWithCertificates() throws {
        let der = [UInt8](try OCSPResponse.basicResponse(fromResponse: try NCA.data("ocsp/ocsp_response_individual_2015.bin")))
        let parts = try SignedStructureParts(der, limits: .ocsp)
        #expect(GOSTAlgorithm.isKazakhGOST(parts.signatureAlgorithmOID))
        let algorithm = GOSTDER.algorithm(parts.signatureAlgorithmOID)
        let wrongFourth = Self.reassembled(parts, algorithm: algorithm, extra: DER.encode(tag: 0xa1, contents: []))
        #expect(throws: ASN1ParseError.self) { _ = try SignedStructureParts(wrongFourth, limits: .ocsp) }
    }

    @Test("a signature BIT STRING with unused bits, trailing bytes and deep nesting are refused")
    func hostileVariants() throws {
        let der = [UInt8](try NCA.certificate(NCA.gost2015CA).derEncoded)
        let parts = try SignedStructureParts(der, limits: .certificate)
        let algorithm = GOSTDER.algorithm(parts.signatureAlgorithmOID)
        let unusedBits = DER.encode(tag: 0x30, contents: Array(parts.toBeSigned) + algorithm + DER.encode(tag: 0x03, contents: [3] + Array(parts.signature)))
        #expect(throws: ASN1ParseError.self) { _ = try SignedStructureParts(unusedBits, limits: .certificate) }
        #expect(throws: ASN1ParseError.self) { _ = try SignedStructureParts(der + [0], limits: .certificate) }
        let deep: [UInt8] = (0..<200).flatMap { _ in [0x30, 0x80] } + [UInt8](repeating: 0, count: 400)
        #expect(throws: ASN1ParseError.self) { _ = try SignedStructureParts(deep, limits: .certificate) }
        #expect(SignedStructureParts.primitiveContents([0x04, 0x02, 0xaa, 0xbb], tag: 0x04) == [0xaa, 0xbb])
        #expect(SignedStructureParts.primitiveContents([0x04, 0x02, 0xaa, 0xbb, 0x00], tag: 0x04) == nil)
        #expect(SignedStructureParts.primitiveContents([0x02, 0x01, 0x01], tag: 0x04) == nil)
    }
}
