import EDSCrypto
import Foundation
import Testing

enum Certs {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Certs")
    static func data(_ path: String) throws -> Data { try Data(contentsOf: directory.appendingPathComponent(path)) }
    static let password = "Demo-2026!"
}

struct PKCS12Tests {
    @Test func legacyRC2KeyFileOpensWithItsChain() throws {
        let bundle = try PKCS12Bundle.open(try Certs.data("employee.p12"), password: Certs.password)
        #expect(bundle.privateKey.matches(bundle.certificate))
        #expect(bundle.certificate.subject.commonName == "ҚАСЫМОВ ӘЛИХАН")
        #expect(bundle.chain.count == 1)
        #expect(bundle.chain.first?.isCertificateAuthority == true)
    }

    @Test func modernAESKeyFileOpens() throws {
        let bundle = try PKCS12Bundle.open(try Certs.data("employee-aes.p12"), password: Certs.password)
        #expect(bundle.certificate.subject.first(DistinguishedName.OID.serialNumber) == "IIN900315301237")
    }

    @Test func ecKeyFileOpens() throws {
        let bundle = try PKCS12Bundle.open(try Certs.data("employee-ec.p12"), password: Certs.password)
        #expect(bundle.certificate.publicKey.algorithm == "EC")
        #expect(bundle.certificate.publicKey.curve == "prime256v1")
    }

    @Test func wrongPasswordIsReportedAsSuch() throws {
        #expect {
            try PKCS12Bundle.open(try Certs.data("employee.p12"), password: "nope")
        } throws: { ($0 as? CryptoError)?.code == .wrongPassword }
    }

    @Test func garbageIsMalformedInput() {
        #expect {
            try PKCS12Bundle.open(Data("not a key".utf8), password: "x")
        } throws: { ($0 as? CryptoError)?.code == .malformedInput }
    }
}

struct CertificateTests {
    @Test func kazakhProfileFieldsAreReadAsUTF8() throws {
        let certificate = try #require(try Certificate.parseAll(try Certs.data("hr.pem")).first)
        #expect(certificate.subject.first(DistinguishedName.OID.organization) == "ТОО «ДЕМО ҚҰРЫЛЫС»")
        #expect(certificate.subject.first(DistinguishedName.OID.organizationalUnit) == "BIN150640123452")
        #expect(certificate.extendedKeyUsage.contains("1.2.398.3.3.4.1.2.4"))
        #expect(certificate.keyUsage == [.digitalSignature, .nonRepudiation])
        #expect(certificate.ocspURLs == ["http://127.0.0.1:18790/"])
        #expect(certificate.crlDistributionURLs == ["http://127.0.0.1:18791/nca_demo.crl"])
        #expect(try Certificate(derEncoded: certificate.derEncoded) == certificate)
    }

    @Test func severalPEMCertificatesInOneFile() throws {
        let bundle = try Certs.data("ca/nca-demo.pem") + (try Certs.data("ca/root.pem"))
        #expect(try Certificate.parseAll(bundle).count == 2)
    }

    @Test func nonCertificateIsRejected() {
        #expect(throws: CryptoError.self) { try Certificate.parseAll(Data([0x30, 0x03, 0x02, 0x01, 0x01])) }
    }

    @Test func streamingDigestMatchesOneShot() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("eds-digest-\(UUID()).bin")
        let payload = Data((0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try payload.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let streamed = try Digest.hashFile(at: url, algorithms: [.sha256, .sha512])
        #expect(streamed.size == UInt64(payload.count))
        #expect(streamed.digests[.sha256] == Digest.sha256(payload))
        #expect(streamed.digests[.sha512] == (try Digest.hash(payload, algorithm: .sha512)))
    }
}

struct CMSTests {
    let document = Data("Еңбек шарты / Трудовой договор № 42\n".utf8)

    func bundle(_ name: String) throws -> PKCS12Bundle { try PKCS12Bundle.open(try Certs.data("\(name).p12"), password: Certs.password) }

    @Test func signedAttributesAreCAdESBES() throws {
        let key = try bundle("employee")
        let moment = Date(timeIntervalSince1970: 1_790_000_000)
        let signature = try CMSSigner.sign(
            .bytes(document), key: key.privateKey, certificate: key.certificate, chain: key.chain,
            parameters: CMSSignerParameters(signingTime: moment))
        let parsed = try CMSSignedData(signature)
        #expect(parsed.isDetached)
        let signer = try #require(parsed.signers.first)
        #expect(Set(signer.signedAttributes.map(\.oid)) == [
            CMSAttribute.OID.contentType, CMSAttribute.OID.messageDigest, CMSAttribute.OID.signingTime, CMSAttribute.OID.signingCertificateV2,
        ])
        #expect(signer.messageDigest == Digest.sha256(document))
        #expect(signer.signingTime == moment)
        #expect(signer.contentTypeAttribute == CMSAttribute.OID.data)
        #expect(signer.signingCertificateReferences.first?.matches(key.certificate) == true)
        #expect(parsed.certificates.count == 2, "signer and intermediate travel with the signature")
    }

    @Test func attachedSignatureEmbedsTheDocument() throws {
        let key = try bundle("employee")
        let signature = try CMSSigner.sign(
            .bytes(document), key: key.privateKey, certificate: key.certificate, parameters: CMSSignerParameters(attached: true))
        #expect(try CMSSignedData(signature).encapsulatedContent == document)
    }

    @Test func addingASignerKeepsEarlierSignerInfosByteIdentical() throws {
        let employee = try bundle("employee")
        let head = try bundle("head")
        let hr = try bundle("hr")
        let first = try CMSSigner.sign(.bytes(document), key: employee.privateKey, certificate: employee.certificate, chain: employee.chain)
        let second = try CMSSigner.addSigner(to: first, document: .bytes(document), key: head.privateKey, certificate: head.certificate, chain: head.chain)
        let third = try CMSSigner.addSigner(to: second, document: .bytes(document), key: hr.privateKey, certificate: hr.certificate)
        let before = try #require(try CMSSignedData(first).encodedSignerInfos())
        let middle = try #require(try CMSSignedData(second).encodedSignerInfos())
        let after = try #require(try CMSSignedData(third).encodedSignerInfos())
        #expect(middle.count == 2 && after.count == 3)
        #expect(Array(middle.prefix(1)) == before)
        #expect(Array(after.prefix(2)) == middle)
        #expect(try CMSSignedData(third).certificates.count == 4)
    }

    @Test func addingASignerOverOtherBytesIsRefused() throws {
        let employee = try bundle("employee")
        let head = try bundle("head")
        let first = try CMSSigner.sign(.bytes(document), key: employee.privateKey, certificate: employee.certificate)
        #expect {
            try CMSSigner.addSigner(to: first, document: .bytes(Data("other".utf8)), key: head.privateKey, certificate: head.certificate)
        } throws: { ($0 as? CryptoError)?.code == .refused }
    }

    @Test func keyOfAnotherCertificateIsRefused() throws {
        let employee = try bundle("employee")
        let head = try bundle("head")
        #expect(throws: CryptoError.self) {
            try CMSSigner.sign(.bytes(document), key: employee.privateKey, certificate: head.certificate)
        }
    }

    @Test func pemAndBase64SignaturesAreAccepted() throws {
        let key = try bundle("employee")
        let der = try CMSSigner.sign(.bytes(document), key: key.privateKey, certificate: key.certificate)
        let base64 = der.base64EncodedString(options: .lineLength64Characters)
        let pem = "-----BEGIN CMS-----\n\(base64)\n-----END CMS-----\n"
        #expect(try CMSSignedData(Data(pem.utf8)).encoded == der)
        #expect(try CMSSignedData(Data(base64.utf8)).encoded == der)
    }

    @Test func brokenSignatureFilesAreMalformedInput() throws {
        let key = try bundle("employee")
        let der = try CMSSigner.sign(.bytes(document), key: key.privateKey, certificate: key.certificate)
        for input in [Data(), Data("hello".utf8), der.prefix(der.count / 2), try Certs.data("employee.pem")] {
            #expect { try CMSSignedData(input) } throws: { ($0 as? CryptoError)?.code == .malformedInput }
        }
    }
}
