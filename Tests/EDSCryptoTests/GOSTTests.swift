import EDSCrypto
import Foundation
import Testing

/// Real NCA RK test material made by Kalkan (a copy of shared/testdata/nca in Tests/Fixtures/nca, see its README): the referee we did not write.
enum NCA {
    static let directory = Certs.directory.deletingLastPathComponent().appendingPathComponent("Tests/Fixtures/nca")
    static func data(_ path: String) throws -> Data { try Data(contentsOf: directory.appendingPathComponent(path)) }
    static func certificate(_ path: String) throws -> Certificate { try Certificate.parseAll(try data(path))[0] }
    static func crl(_ path: String) throws -> CertificateRevocationList { try CertificateRevocationList(try data(path)) }
    static func basicOCSP(_ path: String) throws -> OCSPResponse {
        try OCSPResponse(basicResponse: try OCSPResponse.basicResponse(fromResponse: try data(path)))
    }
    static let gost2015CA = "ca/nca_gost2015_test.cer"
    static let gost2004CA = "ca/nca_gost_test.crt"
    static let individual2015 = "keys/individual_valid_2015.p12"
    static let ceoRevoked2015 = "keys/ceo_revoked_2015.p12"
    static let ceo2004 = "keys/ceo_sign_revoked_2004.p12"
    static let rsa2004 = "keys/individual_valid_sign_2004_rsa.p12"
    static let password2015 = "Aa123456"
    static let password2004 = "Qwerty12"
}

extension Data {
    init(hex: String) {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        self.init(bytes)
    }
}

struct GOSTHashTests {
    /// RFC 5831 § 7.3.1 (test parameters) and the GOST R 34.11-94 test-parameter examples every implementation quotes.
    @Test(arguments: [
        ("", "ce85b99cc46752fffee35cab9a7b0278abb4c2d2055cff685af4912c49490f8d"),
        ("a", "d42c539e367c66e9c88a801f6649349c21871b4344c6a573f849fdce62f314dd"),
        ("message digest", "ad4434ecb18f2c99b60cbe59ec3d2469582b65273f48de72db2fde16a4889a4d"),
        ("This is message, length=32 bytes", "b1c466d37519b82e8319819ff32595e047a28cb6f83eff1c6916a815a637fffa"),
        ("Suppose the original message has length = 50 bytes", "471aba57a60a770d3a76130635c1fbea4ef14de51f78b4ae57dd893b62f55208"),
        (String(repeating: "U", count: 128), "53a3a3ed25180cef0c1d85a074273e551c25660a87062a52d926a9e8fe5733a4"),
    ])
    func gost34311MatchesTheTestParameterExamples(message: String, expected: String) throws {
        #expect(try Digest.hash(Data(message.utf8), algorithm: .gost34311).hexString == expected)
    }

    @Test func gost34311StreamsAcrossChunkBoundaries() throws {
        let message = Data((0..<1000).map { UInt8($0 % 251) })
        var hasher = try StreamingDigest(algorithms: [.gost34311])
        for chunk in stride(from: 0, to: message.count, by: 37) { hasher.update(message[chunk..<min(chunk + 37, message.count)]) }
        #expect(hasher.finish()[.gost34311] == (try Digest.hash(message, algorithm: .gost34311)))
    }

    /// RFC 6986 § 10.1 example M1, through the gostprov provider. Fails (not skips) where the provider is missing.
    @Test(arguments: [
        (DigestAlgorithm.streebog512, "1b54d01a4af5b9d5cc3d86d68d285462b19abc2475222f35c085122be4ba1ffa00ad30f8767b3a82384c6574f024c311e2a481332b08ef7f41797891c1646f48"),
        (DigestAlgorithm.streebog256, "9d151eefd8590b89daa6ba6cb74af9275dd051026bb149a452fd84e5e57b5500"),
    ])
    func streebogMatchesRFC6986(algorithm: DigestAlgorithm, expected: String) throws {
        #expect(algorithm.isAvailable, "the gostprov provider is missing: apt-get install libengine-gost-openssl")
        let message = Data("012345678901234567890123456789012345678901234567890123456789012".utf8)
        #expect(try Digest.hash(message, algorithm: algorithm).hexString == expected)
    }

    @Test func loadingTheGOSTProviderKeepsTheDefaultAndLegacyOnes() throws {
        #expect(DigestAlgorithm.streebog512.isAvailable)
        #expect(try Digest.hash(Data("abc".utf8), algorithm: .sha256).hexString.hasPrefix("ba7816bf"))
        // RC2-40 (legacy provider) still opens NCA's RSA key file.
        let bundle = try PKCS12Bundle.open(try NCA.data(NCA.rsa2004), password: NCA.password2004)
        #expect(bundle.certificate.publicKey.algorithm == "RSA")
    }
}

struct GOSTRealNCATests {
    @Test func gost2004CertificateVerifiesAgainstItsTestNCA() throws {
        let leaf = try NCA.certificate("certs/ceo_valid_sign_2004_gost.cer")
        let ca = try NCA.certificate(NCA.gost2004CA)
        #expect(leaf.isIssued(by: ca))
        #expect(leaf.publicKey.algorithm == "GOST 34.310-2004")
    }

    @Test func gost2015CertificateVerifiesAgainstItsTestNCA() throws {
        let bundle = try PKCS12Bundle.open(try NCA.data(NCA.individual2015), password: NCA.password2015)
        let ca = try NCA.certificate(NCA.gost2015CA)
        #expect(bundle.certificate.isIssued(by: ca))
        #expect(bundle.certificate.publicKey.algorithm == "GOST 34.310-2015 (512)")
        // And not by the other NCA.
        #expect(!bundle.certificate.isIssued(by: try NCA.certificate(NCA.gost2004CA)))
    }

    @Test(arguments: [("crl/nca_gost2022_test.crl", NCA.gost2015CA), ("crl/nca_gost_test.crl", NCA.gost2004CA)])
    func gostCRLVerifiesAgainstItsNCA(crl: String, issuer: String) throws {
        let list = try NCA.crl(crl)
        #expect(list.isSigned(by: try NCA.certificate(issuer)))
    }

    @Test func gostCRLDoesNotVerifyAgainstAnotherNCA() throws {
        #expect(!(try NCA.crl("crl/nca_gost2022_test.crl")).isSigned(by: try NCA.certificate(NCA.gost2004CA)))
    }

    @Test(arguments: [
        "ocsp/ocsp_response_individual_2015.bin", "ocsp/ocsp_response_ceo_2015_revoked.bin", "ocsp/ocsp_response_ceo_sign_2004_revoked.bin",
    ])
    func gostOCSPResponseVerifiesWithItsResponderCertificate(path: String) throws {
        let response = try NCA.basicOCSP(path)
        let signer = try #require(response.verifiedSigner(candidates: []))
        #expect(signer.subject.commonName != nil)
        // The responder is certified by the test NCA: a GOST path of two.
        let anchors = [try NCA.certificate(NCA.gost2015CA), try NCA.certificate(NCA.gost2004CA)]
        guard case .success(let path) = ChainValidator.buildPath(for: signer, intermediates: [], anchors: anchors) else {
            Issue.record("no path for the OCSP responder")
            return
        }
        #expect(path.certificates.count == 2)
    }

    @Test func gostOCSPResponseAnswersForTheRealCertificate() throws {
        let bundle = try PKCS12Bundle.open(try NCA.data(NCA.individual2015), password: NCA.password2015)
        let response = try NCA.basicOCSP("ocsp/ocsp_response_individual_2015.bin")
        let status = try #require(response.status(of: bundle.certificate, issuer: try NCA.certificate(NCA.gost2015CA)))
        guard case .revoked = status.state else {
            Issue.record("NCA's responder said revoked; we read \(status.state)")
            return
        }
    }

    @Test func gostPathIsBuiltInAMixedTrustStore() throws {
        let bundle = try PKCS12Bundle.open(try NCA.data(NCA.individual2015), password: NCA.password2015)
        let anchors = try [NCA.certificate("ca/nca_rsa_test.crt"), NCA.certificate(NCA.gost2004CA), NCA.certificate(NCA.gost2015CA)]
        guard case .success(let path) = ChainValidator.buildPath(for: bundle.certificate, intermediates: [], anchors: anchors) else {
            Issue.record("no GOST path in a mixed store")
            return
        }
        #expect(path.anchor == anchors[2])
        // The RSA path still goes through OpenSSL in the same store.
        let rsa = try NCA.certificate("certs/individual_valid_sign_2004_rsa.cer")
        guard case .success(let rsaPath) = ChainValidator.buildPath(for: rsa, intermediates: [], anchors: anchors) else {
            Issue.record("no RSA path in a mixed store")
            return
        }
        #expect(rsaPath.anchor == anchors[0])
    }

    @Test func gostPathWithoutItsNCAFindsNoTrustAnchor() throws {
        let bundle = try PKCS12Bundle.open(try NCA.data(NCA.individual2015), password: NCA.password2015)
        let result = ChainValidator.buildPath(for: bundle.certificate, intermediates: [], anchors: [try NCA.certificate(NCA.gost2004CA)])
        guard case .failure(let failure) = result else {
            Issue.record("a path without the issuing NCA")
            return
        }
        #expect(failure.kind == .noPathToTrustAnchor)
    }

    /// Kalkan's 2004 TSA token: GOST 34.310-2004 over signed attributes hashed with GOST 34.311-95.
    @Test func kalkanTimestampTokenVerifies() throws {
        let token = try TimeStampToken(try NCA.data("tsp/tsp_token.bin"))
        let signer = try #require(token.signedData.signers.first)
        let tsa = try #require(token.signedData.signerCertificate(for: signer))
        let content = try #require(token.signedData.encapsulatedContent)
        let digest = try Digest.hash(content, algorithm: try #require(signer.digestAlgorithm))
        #expect(signer.messageDigest == digest)
        #expect(token.signedData.verifySignatureValue(of: signer, with: tsa, contentDigest: digest) == .valid)
        guard case .success = ChainValidator.buildPath(for: tsa, intermediates: token.signedData.certificates, anchors: [try NCA.certificate(NCA.gost2004CA)])
        else {
            Issue.record("no path for the TSA")
            return
        }
    }

    /// A flipped bit anywhere in what a certificate's signature covers, or in the signature, is caught.
    @Test(arguments: [0, 100, 400, 700, 860, 900, 1000, 1080])
    func flippedBitInAGOSTCertificateIsCaught(offset: Int) throws {
        let issuer = try NCA.certificate(NCA.gost2015CA)
        let bundle = try PKCS12Bundle.open(try NCA.data(NCA.individual2015), password: NCA.password2015)
        var der = [UInt8](bundle.certificate.derEncoded)
        der[min(offset, der.count - 1)] ^= 0x01
        guard let tampered = try? Certificate(derEncoded: Data(der)) else { return }  // no longer DER at all: also caught
        #expect(!tampered.isIssued(by: issuer))
    }

    @Test(arguments: [10, 60, 120, 200, 300, 400])
    func flippedBitInAGOSTCRLIsCaught(offsetFromEnd: Int) throws {
        var der = [UInt8](try NCA.data("crl/nca_gost2022_test.crl"))
        der[der.count - 1 - offsetFromEnd] ^= 0x01
        guard let tampered = try? CertificateRevocationList(Data(der)) else { return }
        #expect(!tampered.isSigned(by: try NCA.certificate(NCA.gost2015CA)))
    }
}
