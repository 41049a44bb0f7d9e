import Foundation
import Testing

/// `edsvault verify --certificate`: a certificate validated alone, as a user runs it, on the demo PKI and on real NCA
/// RK test certificates (Tests/Fixtures/nca, made by Kalkan).
@Suite struct VerifyCertificateCLITests {
    static let demoChain = ["--trust", "Certs/trust/root.pem", "--intermediate", "Certs/ca/nca-demo.pem"]
    static let demoCRLs = ["--crl", "Certs/crl/nca_demo.crl", "--crl", "Certs/crl/root.crl", "--offline"]

    func verify(_ arguments: [String]) throws -> Tools.Result {
        try Tools.run(Tools.edsvault, ["verify"] + arguments)
    }

    func json(_ result: Tools.Result) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "not a JSON report: \(result.stdout)\(result.stderr)")
    }

    func failedChecks(_ report: [String: Any]) -> [String] {
        (report["checks"] as? [[String: Any]] ?? []).filter { $0["passed"] as? Bool == false }.map { "\($0["name"] ?? "?"): \($0["detail"] ?? "")" }
    }

    @Test func aValidCertificatePassesWithTheReportsShape() throws {
        let result = try verify(["--certificate", "Certs/employee.pem"] + Self.demoChain + Self.demoCRLs + ["--format", "json"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let report = try json(result)
        #expect(
            Set(report.keys)
                == ["indication", "subIndication", "validationTime", "subject", "certificate", "path", "revocation", "checks", "errors", "warnings"])
        #expect(report["indication"] as? String == "TOTAL_PASSED")
        #expect(report["subIndication"] is NSNull)
        let subject = try #require(report["subject"] as? [String: Any])
        #expect(subject["iin"] as? String == "900315301237")
        #expect(Set(subject.keys) == ["commonName", "surname", "givenName", "iin", "bin", "organization", "email", "roles"])
        let certificate = try #require(report["certificate"] as? [String: Any])
        for key in ["serialNumber", "subject", "issuer", "notBefore", "notAfter", "sha256", "keyUsage", "extendedKeyUsage", "policies", "holder"] {
            #expect(certificate[key] != nil, "certificate.\(key) missing")
        }
        let path = try #require(report["path"] as? [[String: Any]])
        #expect(path.count == 3, "leaf, NCA demo CA, root")
        #expect(path.first?["sha256"] as? String == certificate["sha256"] as? String)
        let revocation = try #require(report["revocation"] as? [String: Any])
        #expect(revocation["status"] as? String == "good")
        #expect(revocation["source"] as? String == "crl")
        let names = (report["checks"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(names == ["chain", "keyUsage", "validity", "revocation", "revocation", "algorithms"])
        #expect(failedChecks(report).isEmpty)
        #expect((report["errors"] as? [String])?.isEmpty == true)
    }

    @Test func aRevokedCertificateFailsAfterItsRevocationAndHoldsBefore() throws {
        // Certs/revoked.pem: revoked on 2025-06-01 (keyCompromise) in Certs/crl/nca_demo.crl.
        let now = try verify(["--certificate", "Certs/revoked.pem"] + Self.demoChain + Self.demoCRLs + ["--format", "json"])
        #expect(now.status == 1, "\(now.stdout)\(now.stderr)")
        let report = try json(now)
        #expect(report["indication"] as? String == "TOTAL_FAILED")
        #expect(report["subIndication"] as? String == "REVOKED")
        let revocation = try #require(report["revocation"] as? [String: Any])
        #expect(revocation["status"] as? String == "revoked")
        #expect(revocation["revocationReason"] as? String == "keyCompromise")

        let before = try verify(
            ["--certificate", "Certs/revoked.pem", "--at", "2025-01-01T00:00:00Z"] + Self.demoChain + Self.demoCRLs + ["--format", "json"])
        #expect(before.status == 0, "a later CRL still speaks for an earlier moment: \(before.stdout)")
        #expect((try json(before)["warnings"] as? [String])?.contains { $0.contains("revoked") } == true)
    }

    @Test func validityIsJudgedAtTheValidationTime() throws {
        let expired = try verify(["--certificate", "Certs/expired.pem"] + Self.demoChain + Self.demoCRLs + ["--format", "json"])
        #expect(expired.status == 1)
        #expect(try json(expired)["subIndication"] as? String == "EXPIRED")

        let inItsTime = try verify(
            ["--certificate", "Certs/expired.pem", "--at", "2020-06-01T00:00:00Z"] + Self.demoChain + Self.demoCRLs + ["--format", "json"])
        #expect(inItsTime.status == 0, "\(inItsTime.stdout)")

        let early = try verify(["--certificate", "Certs/notyetvalid.pem"] + Self.demoChain + Self.demoCRLs + ["--format", "json"])
        #expect(early.status == 1)
        #expect(try json(early)["subIndication"] as? String == "NOT_YET_VALID")
    }

    @Test func missingEvidenceOrPathIsIndeterminate() throws {
        let noCRL = try verify(["--certificate", "Certs/employee.pem", "--offline", "--format", "json"] + Self.demoChain)
        #expect(noCRL.status == 2)
        #expect(try json(noCRL)["subIndication"] as? String == "TRY_LATER")

        let noIntermediate = try verify(
            ["--certificate", "Certs/employee.pem", "--trust", "Certs/trust/root.pem", "--format", "json"] + Self.demoCRLs)
        #expect(noIntermediate.status == 2)
        let report = try json(noIntermediate)
        #expect(report["subIndication"] as? String == "NO_CERTIFICATE_CHAIN_FOUND")
        #expect((report["path"] as? [Any])?.isEmpty == true)
    }

    /// Online (no --offline), the leaf's status comes from the CRL its distribution point names, served on loopback
    /// (no OCSP responder runs while the demo ports are held); the NCA demo CA names none, so its CRL is given.
    @Test(.demoPorts) func onlineTheCRLNamedInTheCertificateIsFetched() throws {
        try Tools.withDemoCRLServer {
            let chain = Self.demoChain + ["--crl", "Certs/crl/root.crl", "--format", "json"]
            let good = try verify(["--certificate", "Certs/employee.pem"] + chain)
            #expect(good.status == 0, "\(good.stdout)\(good.stderr)")
            #expect((try json(good)["revocation"] as? [String: Any])?["source"] as? String == "crl")
            let revoked = try verify(["--certificate", "Certs/revoked.pem"] + chain)
            #expect(revoked.status == 1, "\(revoked.stdout)")
            #expect(try json(revoked)["subIndication"] as? String == "REVOKED")
        }
    }

    @Test func anAuthenticationCertificateIsValidAndSaysWhatItsKeyIsFor() throws {
        let result = try verify(["--certificate", "Certs/auth.pem"] + Self.demoChain + Self.demoCRLs + ["--format", "json"])
        #expect(result.status == 0, "\(result.stdout)")
        let keyUsage = try #require((try json(result)["checks"] as? [[String: Any]])?.first { $0["name"] as? String == "keyUsage" })
        #expect((keyUsage["detail"] as? String)?.contains("authentication") == true)
    }

    @Test func textReportInEveryLanguage() throws {
        let base = ["--certificate", "Certs/revoked.pem"] + Self.demoChain + Self.demoCRLs
        let english = try verify(base)
        #expect(english.status == 1)
        #expect(english.stdout.contains("Result: TOTAL_FAILED / REVOKED"))
        #expect(english.stdout.contains("Holder:"))
        #expect(english.stdout.contains("[FAIL] revocation:"))
        let russian = try verify(base + ["--lang", "ru"])
        #expect(russian.stdout.contains("Результат: TOTAL_FAILED / REVOKED"))
        #expect(russian.stdout.contains("Сертификат недействителен"))
        #expect(russian.stdout.contains("срок действия"))
        let kazakh = try verify(base + ["--lang", "kk"])
        #expect(kazakh.stdout.contains("Нәтиже: TOTAL_FAILED / REVOKED"))
        #expect(kazakh.stdout.contains("Иесі:"))
        #expect(kazakh.stdout.contains("жарамдылық мерзімі"))
    }

    @Test func usageAndInputErrorsHaveTheirExitCodes() throws {
        let work = try Tools.workspace()
        defer { try? FileManager.default.removeItem(at: work) }
        // 64: contradictory or missing options, no anchors.
        #expect(try verify(["--certificate", "Certs/employee.pem", "--signature", "x.cms"] + Self.demoChain).status == 64)
        #expect(try verify(["--certificate", "Certs/employee.pem", "order.txt"] + Self.demoChain).status == 64)
        #expect(try verify(["--signature", "x.cms", "--intermediate", "Certs/ca/nca-demo.pem", "--trust", "Certs/trust/root.pem"]).status == 64)
        let noAnchors = try Tools.run(Tools.edsvault, ["verify", "--certificate", "Certs/employee.pem"], environment: ["EDSVAULT_TRUST_DIR": ""])
        #expect(noAnchors.status == 64)
        // 66: not there.
        let missing = try verify(["--certificate", work.appendingPathComponent("absent.pem").path] + Self.demoChain)
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("not found"))
        #expect(try verify(["--certificate", "Certs/employee.pem", "--intermediate", "Certs/absent.pem", "--trust", "Certs/trust/root.pem"]).status == 66)
        // 65: not a certificate, or more than one.
        let notCertificate = try verify(["--certificate", work.appendingPathComponent("order.txt").path] + Self.demoChain)
        #expect(notCertificate.status == 65)
        #expect(!notCertificate.stderr.isEmpty)
        let two = work.appendingPathComponent("two.pem")
        try (try Data(contentsOf: Tools.root.appendingPathComponent("Certs/employee.pem"))
            + Data(contentsOf: Tools.root.appendingPathComponent("Certs/head.pem"))).write(to: two)
        let both = try verify(["--certificate", two.path] + Self.demoChain)
        #expect(both.status == 65)
        #expect(both.stderr.contains("exactly one"))
        #expect(try verify(["--certificate", "Certs/employee.pem", "--crl", "Certs/employee.pem"] + Self.demoChain).status == 65)
    }

    // Real NCA RK test certificates (2022, RSA and GOST 34.310-2004) with their CA and its CRL, in their time.
    static let nca = "Tests/Fixtures/nca"

    @Test(arguments: [
        ("individual_valid_sign_2004_rsa.cer", "nca_rsa_test.crt", "nca_rsa_test.crl", "signing key"),
        ("individual_valid_sign_2004_rsa_auth.cer", "nca_rsa_test.crt", "nca_rsa_test.crl", "authentication"),
        ("ceo_valid_sign_2004_gost.cer", "nca_gost_test.crt", "nca_gost_test.crl", "signing key"),
    ])
    func realNCACertificatesAreValidInTheirTime(certificate: String, ca: String, crl: String, purpose: String) throws {
        let result = try verify([
            "--certificate", "\(Self.nca)/certs/\(certificate)", "--trust", "\(Self.nca)/ca/\(ca)", "--crl", "\(Self.nca)/crl/\(crl)",
            "--at", "2022-06-01T00:00:00Z", "--offline", "--format", "json",
        ])
        let report = try json(result)
        #expect(result.status == 0, "\(certificate): \(failedChecks(report))")
        #expect((report["subject"] as? [String: Any])?["iin"] as? String == "123456789011")
        #expect((report["revocation"] as? [String: Any])?["status"] as? String == "good")
        let keyUsage = (report["checks"] as? [[String: Any]])?.first { $0["name"] as? String == "keyUsage" }
        #expect((keyUsage?["detail"] as? String)?.contains(purpose) == true, "\(String(describing: keyUsage))")

        // After the CRL's nextUpdate (2022-09-25) and offline, nothing speaks for the certificate: TRY_LATER.
        let later = try verify([
            "--certificate", "\(Self.nca)/certs/\(certificate)", "--trust", "\(Self.nca)/ca/\(ca)", "--crl", "\(Self.nca)/crl/\(crl)",
            "--at", "2022-12-01T00:00:00Z", "--offline", "--format", "json",
        ])
        #expect(later.status == 2)
        #expect(try json(later)["subIndication"] as? String == "TRY_LATER")
    }
}
