import EDSCrypto
@testable import EDSVerification
import Foundation
import Testing

/// `CertificateValidator`: a certificate validated alone, on the demo PKI (RSA and GOST).
struct CertificateValidatorTests {
    static func certificate(_ path: String) throws -> Certificate { try #require(try Certificate.parseAll(try DemoPKI.data(path)).first) }

    @Test func theEmptySignedDataTheRevocationSourcesStartFromParses() {
        #expect(CMSSignedData.noSignedData.signers.isEmpty)
        #expect(CMSSignedData.noSignedData.crls.isEmpty)
        #expect(CMSSignedData.noSignedData.trailingByteCount == 0)
    }

    @Test func aValidCertificateWithItsPathAndRevocationStatus() throws {
        let report = CertificateValidator(policy: try DemoPKI.policy()).validate(
            certificate: try Self.certificate("employee.pem"), intermediates: [try Self.certificate("ca/nca-demo.pem")])
        #expect(report.indication == .totalPassed, "\(report.checks.filter { !$0.passed })")
        #expect(report.subject.iin == "900315301237")
        #expect(report.path.count == 3)
        #expect(report.revocation?.status == .good)
        #expect(report.exitCode == 0)
        // The JSON reads back as it was written.
        let decoded = try CertificateValidationReport.decode(try report.jsonData())
        #expect(decoded.checks == report.checks)
        #expect(decoded.certificate == report.certificate)
    }

    @Test func revokedExpiredAndPathlessCertificates() throws {
        let intermediates = [try Self.certificate("ca/nca-demo.pem")]
        let validator = CertificateValidator(policy: try DemoPKI.policy())
        let revoked = validator.validate(certificate: try Self.certificate("revoked.pem"), intermediates: intermediates)
        #expect(revoked.indication == .totalFailed)
        #expect(revoked.subIndication == .revoked)
        #expect(revoked.checks.contains { $0.name == "revocation" && !$0.passed && $0.detail.hasPrefix("the certificate was revoked") })

        let earlier = CertificateValidator(policy: try DemoPKI.policy(at: .iso("2025-01-01T00:00:00Z")))
            .validate(certificate: try Self.certificate("revoked.pem"), intermediates: intermediates)
        #expect(earlier.indication == .totalPassed)
        #expect(!earlier.warnings.isEmpty)

        let expired = validator.validate(certificate: try Self.certificate("expired.pem"), intermediates: intermediates)
        #expect(expired.subIndication == .expired)
        #expect(expired.exitCode == 1)

        let alone = validator.validate(certificate: try Self.certificate("employee.pem"))
        #expect(alone.indication == .indeterminate)
        #expect(alone.subIndication == .noCertificateChainFound)
        #expect(alone.path.isEmpty)
        #expect(alone.exitCode == 2)
    }

    @Test func aCertificateThatIsItselfAnAnchorIsStillJudgedInItsValidity() throws {
        let expired = try Self.certificate("expired.pem")
        let report = CertificateValidator(policy: ValidationPolicy(trustAnchors: [expired], offline: true)).validate(certificate: expired)
        #expect(report.path.count == 1)
        #expect(report.indication == .totalFailed)
        #expect(report.subIndication == .expired)
    }

    @Test func aCACertificateIsJudgedAsOne() throws {
        let report = CertificateValidator(policy: try DemoPKI.policy()).validate(certificate: try Self.certificate("ca/nca-demo.pem"))
        #expect(report.indication == .totalPassed, "\(report.checks.filter { !$0.passed })")
        let keyUsage = try #require(report.checks.first { $0.name == "keyUsage" })
        #expect(keyUsage.detail.hasPrefix("a certification authority's certificate"))
    }

    @Test func aGOSTCertificateValidatesThroughTheGOSTPathBuilder() throws {
        let anchors = try Certificate.parseAll(try DemoPKI.data("trust/gost-root.pem"))
        let crls = [try CertificateRevocationList(try DemoPKI.data("crl/gost_nca_demo.crl")), try CertificateRevocationList(try DemoPKI.data("crl/gost_root.crl"))]
        let policy = ValidationPolicy(trustAnchors: anchors, crls: crls, offline: true)
        let report = CertificateValidator(policy: policy).validate(
            certificate: try Self.certificate("employee-gost.pem"), intermediates: [try Self.certificate("ca/gost-nca-demo.pem")])
        #expect(report.indication == .totalPassed, "\(report.checks.filter { !$0.passed })")
        #expect(report.path.count == 3)
    }

    @Test func theTextReportSpeaksTheReadersLanguage() throws {
        let report = CertificateValidator(policy: try DemoPKI.policy()).validate(
            certificate: try Self.certificate("revoked.pem"), intermediates: [try Self.certificate("ca/nca-demo.pem")])
        #expect(TextReport.render(report).contains("[FAIL] revocation: the certificate was revoked"))
        #expect(TextReport.render(report, language: .russian).contains("[FAIL] отзыв: сертификат отозван"))
        #expect(TextReport.render(report, language: .kazakh).contains("Иесі:"))
    }
}
