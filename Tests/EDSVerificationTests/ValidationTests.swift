import EDSCrypto
import EDSVerification
import Foundation
import Testing

struct ValidationTests {
    @Test func employeeSignatureVerifiesWithIdentityFromCertificate() throws {
        let signature = try DemoPKI.sign(with: "employee")
        let report = try SignatureValidator(policy: try DemoPKI.policy()).validate(signature: signature, document: .bytes(DemoPKI.document))
        #expect(report.indication == .totalPassed)
        #expect(report.subIndication == nil)
        let signer = try #require(report.signatures.first?.signer)
        #expect(signer.commonName == "ҚАСЫМОВ ӘЛИХАН")
        #expect(signer.givenName == "СЕРІКҰЛЫ")
        #expect(signer.iin == "900315301237")
        #expect(signer.roles == [.individual])
        #expect(report.document?.sha256 == Digest.sha256(DemoPKI.document).hexString)
        #expect(report.signatures[0].checks.allSatisfy { $0.passed })
    }

    @Test func legalEntitySignerReportsOrganisationBinAndRoles() throws {
        let signature = try DemoPKI.sign(with: "head")
        let report = try SignatureValidator(policy: try DemoPKI.policy()).validate(signature: signature, document: .bytes(DemoPKI.document))
        #expect(report.indication == .totalPassed)
        let signer = try #require(report.signatures.first?.signer)
        #expect(signer.bin == "150640123452")
        #expect(signer.organization == "ТОО «ДЕМО ҚҰРЫЛЫС»")
        #expect(signer.roles.contains(.firstHead))
        #expect(report.signatures[0].certificate?.holder == .legalEntity)
    }

    @Test func ecdsaAndAttachedSignaturesVerify() throws {
        let ec = try DemoPKI.sign(with: "employee-ec")
        #expect(try SignatureValidator(policy: try DemoPKI.policy()).validate(signature: ec, document: .bytes(DemoPKI.document)).indication == .totalPassed)
        let attached = try DemoPKI.sign(with: "employee", attached: true)
        let report = try SignatureValidator(policy: try DemoPKI.policy()).validate(signature: attached, document: nil)
        #expect(report.indication == .totalPassed)
        #expect(report.document?.size == UInt64(DemoPKI.document.count))
    }

    @Test func tamperedDocumentIsHashFailure() throws {
        let signature = try DemoPKI.sign(with: "employee")
        var tampered = DemoPKI.document
        tampered[0] ^= 0x01
        let report = try SignatureValidator(policy: try DemoPKI.policy()).validate(signature: signature, document: .bytes(tampered))
        #expect(report.indication == .totalFailed)
        #expect(report.subIndication == .hashFailure)
        #expect(report.signatures[0].checks.contains { $0.name == "integrity" && !$0.passed })
    }

    @Test func flippedSignatureByteIsSigCryptoFailure() throws {
        let signature = try DemoPKI.sign(with: "employee")
        let signer = try #require(try CMSSignedData(signature).signers.first)
        var bytes = [UInt8](signature)
        let value = [UInt8](signer.signatureValue)
        let start = try #require((0...(bytes.count - value.count)).first { bytes[$0..<($0 + value.count)].elementsEqual(value) })
        bytes[start + value.count / 2] ^= 0x80
        let report = try SignatureValidator(policy: try DemoPKI.policy()).validate(signature: Data(bytes), document: .bytes(DemoPKI.document))
        #expect(report.indication == .totalFailed)
        #expect(report.subIndication == .sigCryptoFailure)
    }

    @Test func unknownRootIsNoCertificateChainFound() throws {
        let stranger = try DemoPKI.strangerKey()
        let signature = try CMSSigner.sign(.bytes(DemoPKI.document), key: stranger.privateKey, certificate: stranger.certificate, chain: stranger.chain)
        let report = try SignatureValidator(policy: try DemoPKI.policy()).validate(signature: signature, document: .bytes(DemoPKI.document))
        #expect(report.indication == .indeterminate)
        #expect(report.subIndication == .noCertificateChainFound)
    }

    @Test func missingIntermediateIsNoCertificateChainFound() throws {
        let bundle = try DemoPKI.key("employee")
        let withoutChain = try CMSSigner.sign(.bytes(DemoPKI.document), key: bundle.privateKey, certificate: bundle.certificate, chain: [])
        let report = try SignatureValidator(policy: try DemoPKI.policy()).validate(signature: withoutChain, document: .bytes(DemoPKI.document))
        #expect(report.indication == .indeterminate)
        #expect(report.subIndication == .noCertificateChainFound)
        #expect(report.signatures[0].checks.contains { $0.name == "chain" && $0.detail.contains("no path to a trusted certification centre") })
    }

    @Test func intermediateCAMayBeTheTrustAnchor() throws {
        let signature = try DemoPKI.sign(with: "employee")
        let intermediate = try Certificate.parseAll(try DemoPKI.data("ca/nca-demo.pem"))
        let policy = ValidationPolicy(trustAnchors: intermediate, crls: try DemoPKI.crls, offline: true)
        let report = try SignatureValidator(policy: policy).validate(signature: signature, document: .bytes(DemoPKI.document))
        #expect(report.indication == .totalPassed)
        #expect(report.signatures[0].checks.first { $0.name == "chain" }?.detail.contains("2 certificate(s)") == true)
    }

    @Test func detachedSignatureWithoutDocumentIsSignedDataNotFound() throws {
        let signature = try DemoPKI.sign(with: "employee")
        let report = try SignatureValidator(policy: try DemoPKI.policy()).validate(signature: signature, document: nil)
        #expect(report.indication == .indeterminate)
        #expect(report.subIndication == .signedDataNotFound)
    }

    @Test func noRevocationDataOfflineIsTryLaterNeverASilentPass() throws {
        let signature = try DemoPKI.sign(with: "employee")
        let report = try SignatureValidator(policy: try DemoPKI.policy(crls: false)).validate(signature: signature, document: .bytes(DemoPKI.document))
        #expect(report.indication == .indeterminate)
        #expect(report.subIndication == .tryLater)
    }

    @Test func revokedCertificateWithoutProofOfExistenceIsRevokedNoPOE() throws {
        let revoked = try DemoPKI.key("revoked")
        let signature = try CMSSigner.sign(.bytes(DemoPKI.document), key: revoked.privateKey, certificate: revoked.certificate, chain: revoked.chain)
        let now = try SignatureValidator(policy: try DemoPKI.policy()).validate(signature: signature, document: .bytes(DemoPKI.document))
        #expect(now.indication == .indeterminate)
        #expect(now.subIndication == .revokedNoPOE)
        #expect(now.signatures[0].revocation?.status == .revoked)
        #expect(now.signatures[0].revocation?.revocationTime == .iso("2025-06-01T00:00:00Z"))
        // Validated as of a moment before the revocation (2025-06-01), the same signature holds.
        let before = try SignatureValidator(policy: try DemoPKI.policy(at: .iso("2025-01-15T10:00:00Z")))
            .validate(signature: signature, document: .bytes(DemoPKI.document))
        #expect(before.indication == .totalPassed)
        #expect(before.signatures[0].warnings.contains { $0.contains("revoked on 2025-06-01") })
    }

    @Test func expiredCertificateAtValidationTimeIsOutOfBounds() throws {
        let expired = try DemoPKI.key("expired")
        let signature = try CMSSigner.sign(.bytes(DemoPKI.document), key: expired.privateKey, certificate: expired.certificate, chain: expired.chain)
        let report = try SignatureValidator(policy: try DemoPKI.policy()).validate(signature: signature, document: .bytes(DemoPKI.document))
        #expect(report.indication == .indeterminate)
        #expect(report.subIndication == .outOfBoundsNoPOE)
        let notYet = try DemoPKI.key("notyetvalid")
        let early = try CMSSigner.sign(.bytes(DemoPKI.document), key: notYet.privateKey, certificate: notYet.certificate, chain: notYet.chain)
        let earlyReport = try SignatureValidator(policy: try DemoPKI.policy()).validate(signature: early, document: .bytes(DemoPKI.document))
        #expect(earlyReport.subIndication == .notYetValid)
    }

    @Test func authKeySignatureIsSigConstraintsFailure() throws {
        let auth = try DemoPKI.key("auth")
        let signature = try CMSSigner.sign(.bytes(DemoPKI.document), key: auth.privateKey, certificate: auth.certificate, chain: auth.chain)
        let report = try SignatureValidator(policy: try DemoPKI.policy()).validate(signature: signature, document: .bytes(DemoPKI.document))
        #expect(report.indication == .indeterminate)
        #expect(report.subIndication == .sigConstraintsFailure)
    }

    @Test func sha1DigestIsCryptoConstraintsFailure() throws {
        let bundle = try DemoPKI.key("employee")
        let signature = try CMSSigner.sign(
            .bytes(DemoPKI.document), key: bundle.privateKey, certificate: bundle.certificate, chain: bundle.chain,
            parameters: CMSSignerParameters(digest: .sha1))
        let report = try SignatureValidator(policy: try DemoPKI.policy()).validate(signature: signature, document: .bytes(DemoPKI.document))
        #expect(report.indication == .indeterminate)
        #expect(report.subIndication == .cryptoConstraintsFailureNoPOE)
    }

    @Test func oneBadSignerMakesTheWholeFailWhileOthersStillVerify() throws {
        let first = try DemoPKI.sign(with: "employee")
        let auth = try DemoPKI.key("auth")
        let both = try CMSSigner.addSigner(
            to: first, document: .bytes(DemoPKI.document), key: auth.privateKey, certificate: auth.certificate, chain: auth.chain)
        let report = try SignatureValidator(policy: try DemoPKI.policy()).validate(signature: both, document: .bytes(DemoPKI.document))
        #expect(report.signatures.map(\.indication) == [.totalPassed, .indeterminate])
        #expect(report.indication == .indeterminate)
    }

    @Test func jsonReportKeepsTheContractShape() throws {
        let signature = try DemoPKI.sign(with: "hr")
        let report = try SignatureValidator(policy: try DemoPKI.policy()).validate(signature: signature, document: .bytes(DemoPKI.document))
        let object = try #require(try JSONSerialization.jsonObject(with: report.jsonData()) as? [String: Any])
        #expect(object["indication"] as? String == "TOTAL_PASSED")
        #expect(object["subIndication"] is NSNull)
        #expect(object["validationTime"] is String)
        let signatures = try #require(object["signatures"] as? [[String: Any]])
        let first = try #require(signatures.first)
        for key in ["indication", "subIndication", "signer", "certificate", "signingTime", "timestamp", "revocation",
                    "digestAlgorithm", "signatureAlgorithm", "checks", "errors", "warnings"] {
            #expect(first.keys.contains(key), "missing \(key)")
        }
        let signer = try #require(first["signer"] as? [String: Any])
        #expect(Set(signer.keys) == ["commonName", "surname", "givenName", "iin", "bin", "organization", "email", "roles"])
        #expect(signer["roles"] as? [String] == ["legalEntity", "hr", "employee"])
        let certificate = try #require(first["certificate"] as? [String: Any])
        for key in ["serialNumber", "subject", "issuer", "notBefore", "notAfter", "sha256", "keyUsage", "extendedKeyUsage", "policies", "holder"] {
            #expect(certificate.keys.contains(key), "missing certificate.\(key)")
        }
        let decoded = try ValidationReport.decode(report.jsonData())
        #expect(decoded.signatures.first?.signer?.iin == "851104407890")
    }

    @Test func iinCheckDigitFollowsBothWeightRounds() throws {
        #expect(KazakhIdentificationNumber.isValid("900315301237"))
        #expect(KazakhIdentificationNumber.isValid("150640123452"))
        #expect(!KazakhIdentificationNumber.isValid("900315301238"))
        #expect(!KazakhIdentificationNumber.isValid("90031530123"))
        #expect(!KazakhIdentificationNumber.isValid("90031530123X"))
        // 10000000020: the first round gives 10, so the second weights (3…11, 1, 2) give the check digit.
        #expect(KazakhIdentificationNumber.isValid("100000000205"))
        #expect(!KazakhIdentificationNumber.isValid("100000000200"))
    }
}

struct SigningPolicyTests {
    @Test func authKeyIsRefusedForSigning() throws {
        let auth = try DemoPKI.key("auth")
        #expect(throws: CryptoError.self) { try DocumentSigner.sign(.bytes(DemoPKI.document), with: auth) }
        do {
            _ = try DocumentSigner.sign(.bytes(DemoPKI.document), with: auth)
        } catch let error as CryptoError {
            #expect(error.code == .refused)
            #expect(error.reason.contains("AUTH"))
        }
    }

    @Test func expiredAndNotYetValidCertificatesAreRefused() throws {
        for name in ["expired", "notyetvalid"] {
            let bundle = try DemoPKI.key(name)
            #expect(throws: CryptoError.self) { try DocumentSigner.sign(.bytes(DemoPKI.document), with: bundle) }
        }
    }

    @Test func signingKeyIsAccepted() throws {
        let signature = try DocumentSigner.sign(.bytes(DemoPKI.document), with: try DemoPKI.key("head"))
        #expect(try CMSSignedData(signature).signerCount == 1)
    }
}

struct GOSTSignerTests {
    /// A CMS whose second SignerInfo claims GOST 34.310-2004 (1.2.398.3.10.1.1.1.2) while its certificate holds an RSA
    /// key: that signer fails with the reason (GOST is verified now, GOSTValidationTests) and the RSA signer still verifies.
    @Test func signerClaimingGOSTWithAnRSAKeyFailsAndTheOtherSignerStillVerifies() throws {
        let first = try DemoPKI.sign(with: "employee")
        let head = try DemoPKI.key("head")
        let both = try CMSSigner.addSigner(
            to: first, document: .bytes(DemoPKI.document), key: head.privateKey, certificate: head.certificate, chain: head.chain)
        let signerInfos = try #require(try CMSSignedData(both).encodedSignerInfos())
        let second = [UInt8](signerInfos[1])
        // rsaEncryption and GOST 34.310-2004 signature OIDs have the same encoded length (9 bytes).
        let rsaEncryption: [UInt8] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]
        let gost: [UInt8] = [0x06, 0x09, 0x2A, 0x83, 0x0E, 0x03, 0x0A, 0x01, 0x01, 0x01, 0x02]
        let oidAt = try #require((0...(second.count - rsaEncryption.count)).first { second[$0..<($0 + rsaEncryption.count)].elementsEqual(rsaEncryption) })
        var patchedSigner = second
        patchedSigner.replaceSubrange(oidAt..<(oidAt + gost.count), with: gost)
        var bytes = [UInt8](both)
        let signerAt = try #require((0...(bytes.count - second.count)).first { bytes[$0..<($0 + second.count)].elementsEqual(second) })
        bytes.replaceSubrange(signerAt..<(signerAt + second.count), with: patchedSigner)

        let report = try SignatureValidator(policy: try DemoPKI.policy()).validate(signature: Data(bytes), document: .bytes(DemoPKI.document))
        #expect(report.signatures.count == 2)
        #expect(report.signatures[0].indication == .totalPassed)
        #expect(report.signatures[1].indication == .totalFailed)
        #expect(report.signatures[1].subIndication == .sigCryptoFailure)
        #expect(report.signatures[1].signer?.iin == "780209303213", "the GOST signer is still identified")
        #expect(report.signatures[1].checks.contains { $0.name == "authenticity" && $0.detail.contains("GOST") })
        #expect(report.indication == .totalFailed)
    }
}
