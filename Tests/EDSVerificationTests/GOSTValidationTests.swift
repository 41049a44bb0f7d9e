import EDSCrypto
import EDSVerification
import Foundation
import Testing

/// Real NCA RK test keys and CAs (Tests/Fixtures/nca, a copy of shared/testdata/nca; made by Kalkan, not by us).
enum RealNCA {
    static let directory = DemoPKI.root.appendingPathComponent("Tests/Fixtures/nca")
    static func data(_ path: String) throws -> Data { try Data(contentsOf: directory.appendingPathComponent(path)) }
    static func certificate(_ path: String) throws -> Certificate { try Certificate.parseAll(try data(path))[0] }

    static func individual2015() throws -> PKCS12Bundle { try PKCS12Bundle.open(try data("keys/individual_valid_2015.p12"), password: "Aa123456") }
    static func ceo2004() throws -> PKCS12Bundle { try PKCS12Bundle.open(try data("keys/ceo_sign_revoked_2004.p12"), password: "Qwerty12") }
    static func rsa2004() throws -> PKCS12Bundle {
        try PKCS12Bundle.open(try data("keys/individual_valid_sign_2004_rsa.p12"), password: "Qwerty12")
    }

    /// Inside both the GOST 2015 individual's (2022-07-28..2023-07-28) and the RSA individual's validity, and inside
    /// both NCA CRLs' periods.
    static let validationTime = Date.iso("2022-09-01T00:00:00Z")
    /// Inside the real RSA individual key's validity (2021-01-18..2022-01-18); its CRL (2022-03-29) was issued after.
    static let rsaValidationTime = Date.iso("2021-06-01T00:00:00Z")

    static func policy(at time: Date = validationTime) throws -> ValidationPolicy {
        ValidationPolicy(
            trustAnchors: [try certificate("ca/nca_gost2015_test.cer"), try certificate("ca/nca_rsa_test.crt"), try certificate("ca/nca_gost_test.crt")],
            crls: [
                try CertificateRevocationList(try data("crl/nca_gost2022_test.crl")), try CertificateRevocationList(try data("crl/nca_rsa_test.crl")),
            ],
            validationTime: time, offline: true)
    }

    static let document = Data("ПРИКАЗ № 18-К. Тесттов Тестт Тесттович принят на работу.\n".utf8)

    static func sign(_ bundle: PKCS12Bundle, document: Data = document, attached: Bool = false, at time: Date = validationTime) throws -> Data {
        try CMSSigner.sign(
            .bytes(document), key: bundle.privateKey, certificate: bundle.certificate, chain: bundle.chain,
            parameters: CMSSignerParameters(attached: attached, signingTime: time))
    }
}

struct GOSTSigningTests {
    @Test func gost2015KeyFileOpensAndItsKeyMatchesTheCertificate() throws {
        let bundle = try RealNCA.individual2015()
        #expect(bundle.privateKey.matches(bundle.certificate))
        #expect(bundle.privateKey.description.algorithm == "GOST 34.310-2015 (512)")
        #expect(bundle.certificate.subject.first(DistinguishedName.OID.serialNumber) == "IIN123456789012")
    }

    @Test func gost2004KeyFileOpensWithItsIntegerKey() throws {
        let bundle = try RealNCA.ceo2004()
        #expect(bundle.privateKey.matches(bundle.certificate))
        #expect(bundle.privateKey.description.algorithm == "GOST 34.310-2004")
    }

    @Test func gostKeyFileWithWrongPasswordIsReportedAsSuch() throws {
        #expect {
            try PKCS12Bundle.open(try RealNCA.data("keys/individual_valid_2015.p12"), password: "wrong")
        } throws: { ($0 as? CryptoError)?.code == .wrongPassword }
    }

    @Test func gost2015SignatureVerifiesWithTheTestNCAAndItsCRL() throws {
        let signature = try RealNCA.sign(try RealNCA.individual2015())
        let report = try SignatureValidator(policy: try RealNCA.policy()).validate(signature: signature, document: .bytes(RealNCA.document))
        let signer = try #require(report.signatures.first)
        #expect(report.indication == .totalPassed, "\(signer.errors)")
        #expect(signer.signatureAlgorithm.contains("GOST 34.310-2015 (512)"))
        #expect(signer.signatureAlgorithm.contains("1.2.398.3.10.1.1.2.3.2"))
        #expect(signer.digestAlgorithm == "Streebog-512 (1.2.398.3.10.1.3.3)")
        #expect(signer.revocation?.status == .good)
    }

    @Test func gost2004SignatureVerifiesCryptographically() throws {
        // The 2004 CEO key is revoked and expired: its signature still verifies, its path and status are judged apart.
        let bundle = try RealNCA.ceo2004()
        let signature = try RealNCA.sign(bundle, at: .iso("2022-06-01T00:00:00Z"))
        let signedData = try CMSSignedData(signature)
        let signer = try #require(signedData.signers.first)
        #expect(signer.digestAlgorithm == .gost34311)
        let digest = try Digest.hash(RealNCA.document, algorithm: .gost34311)
        #expect(signer.messageDigest == digest)
        #expect(signedData.verifySignatureValue(of: signer, with: bundle.certificate, contentDigest: digest) == .valid)
    }

    @Test func attachedGOSTSignatureVerifiesWithoutTheDocument() throws {
        let signature = try RealNCA.sign(try RealNCA.individual2015(), attached: true)
        let report = try SignatureValidator(policy: try RealNCA.policy()).validate(signature: signature, document: nil)
        #expect(report.indication == .totalPassed, "\(report.signatures.first?.errors ?? [])")
    }

    @Test func changedDocumentIsAHashFailure() throws {
        let signature = try RealNCA.sign(try RealNCA.individual2015())
        var changed = RealNCA.document
        changed[0] ^= 0x01
        let report = try SignatureValidator(policy: try RealNCA.policy()).validate(signature: signature, document: .bytes(changed))
        #expect(report.indication == .totalFailed)
        #expect(report.signatures.first?.subIndication == .hashFailure)
    }

    /// Offsets into the SignerInfo's signed attributes and signature value; every flipped bit there must be caught.
    @Test(arguments: [0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 200, 250, 300, 350, 400, 450])
    func flippedBitInTheSignedPartIsCaught(offsetFromSignerInfoEnd: Int) throws {
        let signature = [UInt8](try RealNCA.sign(try RealNCA.individual2015()))
        // SignerInfos are the last bytes of a SignedData without unsigned attributes: count back from the end.
        var tampered = signature
        let position = signature.count - 1 - offsetFromSignerInfoEnd
        tampered[position] ^= 0x01
        let report = try? SignatureValidator(policy: try RealNCA.policy()).validate(signature: Data(tampered), document: .bytes(RealNCA.document))
        #expect(report?.indication != .totalPassed)
    }

    @Test func gostSignerIsAddedNextToAnRSASignerAndBothPass() throws {
        let rsa = try RealNCA.rsa2004()
        let gost = try RealNCA.individual2015()
        let first = try RealNCA.sign(rsa, at: RealNCA.rsaValidationTime)
        let both = try CMSSigner.addSigner(
            to: first, document: .bytes(RealNCA.document), key: gost.privateKey, certificate: gost.certificate, chain: gost.chain,
            parameters: CMSSignerParameters(signingTime: RealNCA.validationTime))
        // The RSA SignerInfo keeps its exact bytes.
        let before = try #require(try CMSSignedData(first).encodedSignerInfos())
        let after = try #require(try CMSSignedData(both).encodedSignerInfos())
        #expect(after.count == 2)
        #expect(after.first == before.first)
        // The real RSA key's certificate (2021-01-18..2022-01-18) and the GOST one (2022-07-28..2023-07-28) were never
        // valid at the same moment: each signer is judged at a time inside its own certificate's validity.
        let atRSA = try SignatureValidator(policy: try RealNCA.policy(at: RealNCA.rsaValidationTime))
            .validate(signature: both, document: .bytes(RealNCA.document))
        let atGOST = try SignatureValidator(policy: try RealNCA.policy()).validate(signature: both, document: .bytes(RealNCA.document))
        #expect(atRSA.signatures.count == 2)
        #expect(atRSA.signatures[0].indication == .totalPassed, "\(atRSA.signatures[0].errors)")
        #expect(atGOST.signatures[1].indication == .totalPassed, "\(atGOST.signatures[1].errors)")
        #expect(atGOST.signatures[1].signatureAlgorithm.contains("GOST 34.310-2015 (512)"))
        // Outside its validity each is INDETERMINATE, never failed: nothing about the signatures themselves is wrong.
        #expect(atRSA.signatures[1].indication == .indeterminate)
        #expect(atGOST.signatures[0].indication == .indeterminate)
    }

    @Test func gostKeyOfTheOtherCertificateIsRefused() throws {
        let gost = try RealNCA.individual2015()
        let other = try RealNCA.ceo2004()
        #expect(throws: CryptoError.self) {
            try CMSSigner.sign(.bytes(RealNCA.document), key: gost.privateKey, certificate: other.certificate)
        }
    }

    /// CAdES-LT with NCA's own GOST-signed OCSP answer (made by Kalkan's responder): it says the certificate was
    /// revoked on 2022-09-02, and the validation reads it as evidence.
    @Test func embeddedNCAGOSTOCSPResponseIsEvidence() throws {
        let bundle = try RealNCA.individual2015()
        let basic = try OCSPResponse.basicResponse(fromResponse: try RealNCA.data("ocsp/ocsp_response_individual_2015.bin"))
        let signature = try CMSSigner.sign(
            .bytes(RealNCA.document), key: bundle.privateKey, certificate: bundle.certificate, chain: bundle.chain,
            parameters: CMSSignerParameters(signingTime: RealNCA.validationTime)
        ) { _ in [CAdESEvidence.revocationValues(crls: [], basicOCSPResponses: [basic])] }
        // Within 5 minutes of the response's thisUpdate (2022-09-02T16:58:34Z), the SIGEX rule for OCSP evidence.
        var policy = try RealNCA.policy(at: .iso("2022-09-02T17:00:00Z"))
        policy.crls = []
        let report = try SignatureValidator(policy: policy).validate(signature: signature, document: .bytes(RealNCA.document))
        let signer = try #require(report.signatures.first)
        #expect(signer.revocation?.status == .revoked, "\(signer.checks.map(\.detail))")
        #expect(signer.revocation?.source == .ocsp)
        #expect(report.indication != .totalPassed)
    }
}
