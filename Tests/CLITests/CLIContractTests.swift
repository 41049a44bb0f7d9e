import Foundation
import Testing

/// The CLI contract of DESIGN.md: exit codes, one-line errors, reports.
@Suite(.serialized) struct CLIContractTests {
    @Test func exitCodesFollowTheIndication() throws {
        let work = try Tools.workspace()
        let document = work.appendingPathComponent("order.txt")
        let signature = work.appendingPathComponent("order.cms")
        let signed = try Tools.eds("sign", document.path, "--key", "Certs/employee.p12", "--password-env", "EDSVAULT_PASSWORD", "--out", signature.path)
        #expect(signed.status == 0)
        #expect(signed.stderr.contains("ҚАСЫМОВ ӘЛИХАН"))

        let passed = try Tools.run(Tools.edsvault, ["verify", "--signature", signature.path, document.path] + Tools.trustArguments + Tools.crlArguments)
        #expect(passed.status == 0)
        #expect(passed.stdout.hasPrefix("Result: TOTAL_PASSED"))
        #expect(passed.stdout.contains("IIN: 900315301237"))

        let unknownRoot = try Tools.run(
            Tools.edsvault, ["verify", "--signature", signature.path, document.path, "--trust", "Certs/other/other-root.pem"] + Tools.crlArguments)
        #expect(unknownRoot.status == 2)
        #expect(unknownRoot.stdout.contains("NO_CERTIFICATE_CHAIN_FOUND"))

        let noRevocation = try Tools.eds("verify", "--trust", "Certs/trust/root.pem", "--signature", signature.path, document.path, "--offline")
        #expect(noRevocation.status == 2)
        #expect(noRevocation.stdout.contains("TRY_LATER"))

        try Data("forged".utf8).write(to: document)
        let failed = try Tools.run(Tools.edsvault, ["verify", "--signature", signature.path, document.path, "--format", "json"] + Tools.trustArguments + Tools.crlArguments)
        #expect(failed.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(failed.stdout.utf8)) as? [String: Any])
        #expect(report["indication"] as? String == "TOTAL_FAILED")
        #expect(report["subIndication"] as? String == "HASH_FAILURE")
    }

    @Test func badInputGetsOneLineAndDocumentedExitCode() throws {
        let work = try Tools.workspace()
        let document = work.appendingPathComponent("order.txt")
        let cases: [([String], Int32)] = [
            (["verify", "--trust", "Certs/trust/root.pem", "--signature", "/nonexistent.cms"], 66),
            (["verify", "--trust", "Certs/trust/root.pem", "--signature", document.path], 65),
            (["verify", "--trust", "Certs/trust/root.pem", "--signature", "Certs/employee.pem"], 65),
            (["verify"], 64),
            (["verify", "--trust", "Certs/trust/root.pem", "--signature", document.path, "--at", "yesterday"], 64),
            (["sign", "/nonexistent.txt", "--key", "Certs/employee.p12", "--password-env", "EDSVAULT_PASSWORD"], 66),
            (["sign", document.path, "--key", "Certs/employee.p12", "--password-env", "WRONG_PASSWORD"], 65),
            (["sign", document.path, "--key", "Certs/auth.p12", "--password-env", "EDSVAULT_PASSWORD"], 65),
            (["sign", document.path, "--key", "Certs/expired.p12", "--password-env", "EDSVAULT_PASSWORD"], 65),
            (["sign", document.path, "--key", document.path, "--password-env", "EDSVAULT_PASSWORD"], 65),
            (["sign", document.path, "--key", "Certs/employee.p12"], 64),
            (["inspect", document.path], 65),
            (["inspect", "/nonexistent"], 66),
        ]
        for (arguments, expected) in cases {
            let result = try Tools.run(Tools.edsvault, arguments, environment: ["WRONG_PASSWORD": "not-it"])
            #expect(result.status == expected, "\(arguments): got \(result.status), stderr \(result.stderr)")
            let lines = result.stderr.split(separator: "\n")
            if expected != 64 {
                #expect(lines.count == 1, "\(arguments): expected one line, got \(result.stderr)")
            }
            #expect(!result.stderr.contains("Fatal error"), "\(arguments) crashed")
        }
        // A refused signature leaves no output file behind.
        #expect(!FileManager.default.fileExists(atPath: document.path + ".cms"))
    }

    @Test func inspectShowsWhoAKeyCertificateOrSignatureNames() throws {
        let key = try Tools.eds("inspect", "Certs/hr.p12", "--password-env", "EDSVAULT_PASSWORD")
        #expect(key.status == 0)
        #expect(key.stdout.contains("BIN: 150640123452"))
        #expect(key.stdout.contains("Roles: legal entity, HR, employee"))
        #expect(key.stdout.contains("SHA-256 fingerprint:"))
        let certificate = try Tools.eds("inspect", "Certs/auth.pem", "--format", "json")
        #expect(certificate.status == 0)
        #expect(certificate.stdout.contains("1.3.6.1.5.5.7.3.2"))
        let work = try Tools.workspace()
        let document = work.appendingPathComponent("order.txt")
        _ = try Tools.eds("sign", document.path, "--key", "Certs/head.p12", "--password-env", "EDSVAULT_PASSWORD")
        let signature = try Tools.eds("inspect", document.path + ".cms")
        #expect(signature.status == 0)
        #expect(signature.stdout.contains("1 signer(s)"))
        #expect(signature.stdout.contains("НҰРЛАНОВ ДӘУЛЕТ"))
    }
}

/// CAdES-LT with CRLs: the signature carries its revocation evidence and certificates.
@Suite(.serialized) struct LongTermEvidenceTests {
    @Test func embeddedCRLsLetVerifyOfflineNeedNothingElse() throws {
        let work = try Tools.workspace()
        let document = work.appendingPathComponent("order.txt")
        let signature = work.appendingPathComponent("order.cms")
        let signed = try Tools.eds(
            "sign", document.path, "--key", "Certs/employee.p12", "--password-env", "EDSVAULT_PASSWORD", "--out", signature.path,
            "--revocation", "crl", "--crl", "Certs/crl/nca_demo.crl", "--crl", "Certs/crl/root.crl")
        #expect(signed.status == 0, "\(signed.stderr)")
        let offline = try Tools.eds("verify", "--trust", "Certs/trust/root.pem", "--signature", signature.path, document.path, "--offline", "--format", "json")
        #expect(offline.status == 0, "\(offline.stdout)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(offline.stdout.utf8)) as? [String: Any])
        let revocation = try #require((report["signatures"] as? [[String: Any]])?.first?["revocation"] as? [String: Any])
        #expect(revocation["status"] as? String == "good")
        #expect(revocation["source"] as? String == "crl")
        // The referee still accepts the signature with the unsigned attributes added.
        let openssl = try Tools.openssl(
            "cms", "-verify", "-binary", "-inform", "DER", "-in", signature.path, "-content", document.path, "-CAfile", "Certs/ca/root.pem",
            "-purpose", "any", "-out", "/dev/null")
        #expect(openssl.status == 0)
        let printed = try Tools.openssl("cms", "-cmsout", "-print", "-inform", "DER", "-in", signature.path)
        #expect(printed.stdout.contains("id-smime-aa-ets-revocationValues"))
        #expect(printed.stdout.contains("id-smime-aa-ets-certValues"))
    }

    @Test func unsupportedRevocationModeIsAUsageError() throws {
        let work = try Tools.workspace()
        let result = try Tools.eds(
            "sign", work.appendingPathComponent("order.txt").path, "--key", "Certs/employee.p12", "--password-env", "EDSVAULT_PASSWORD",
            "--revocation", "carrier-pigeon")
        #expect(result.status == 64)
    }
}

struct ReportLanguageTests {
    @Test func textReportSpeaksRussianAndKazakh() throws {
        let work = try Tools.workspace()
        let document = work.appendingPathComponent("order.txt")
        _ = try Tools.eds("sign", document.path, "--key", "Certs/employee.p12", "--password-env", "EDSVAULT_PASSWORD")
        let base = ["verify", "--signature", document.path + ".cms", document.path] + Tools.trustArguments + Tools.crlArguments
        let russian = try Tools.run(Tools.edsvault, base + ["--lang", "ru"])
        #expect(russian.status == 0)
        #expect(russian.stdout.hasPrefix("Результат: TOTAL_PASSED"))
        #expect(russian.stdout.contains("ИИН: 900315301237"))
        #expect(russian.stdout.contains("равнозначна собственноручной"))
        let kazakh = try Tools.run(Tools.edsvault, base + ["--lang", "kk"])
        #expect(kazakh.stdout.hasPrefix("Нәтиже: TOTAL_PASSED"))
        #expect(kazakh.stdout.contains("ЖСН: 900315301237"))
        #expect(kazakh.stdout.contains("тұтастық"))
        #expect(try Tools.run(Tools.edsvault, base + ["--lang", "de"]).status == 64)
    }

    /// The check lines ("[FAIL] name: detail") and warnings of a text report whose detail is English prose: two
    /// lowercase Latin words in a row. Identifiers (messageDigest, keyCompromise) and acronyms (CRL, OCSP) pass.
    static func untranslatedLines(_ report: String) -> [String] {
        let english = try! Regex("[a-z]{2,} [a-z]{2,}")
        return report.split(separator: "\n").map(String.init).filter { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let isCheck = trimmed.hasPrefix("[ ok ]") || trimmed.hasPrefix("[FAIL]")
            let isWarning = trimmed.hasPrefix("Предупреждение:") || trimmed.hasPrefix("Ескерту:")
            guard isCheck || isWarning, let colon = trimmed.range(of: ": ") else { return false }
            return trimmed[colon.upperBound...].firstMatch(of: english) != nil
        }
    }

    /// `--lang ru|kk` says why a signature fails in Russian or Kazakh, not only what the check is called.
    @Test func failureDetailsAreTranslated() throws {
        let work = try Tools.workspace()
        let document = work.appendingPathComponent("order.txt")
        let signature = work.appendingPathComponent("order.cms")
        _ = try Tools.eds("sign", document.path, "--key", "Certs/employee.p12", "--password-env", "EDSVAULT_PASSWORD", "--out", signature.path)
        // The CLI refuses to sign with revoked-at-signing or expired keys, as a user would meet them: made with openssl.
        func opensslSigned(_ name: String) throws -> String {
            let out = work.appendingPathComponent("\(name).cms").path
            let made = try Tools.openssl(
                "cms", "-sign", "-binary", "-outform", "DER", "-in", document.path, "-signer", "Certs/\(name).pem", "-inkey", "Certs/keys/\(name).key",
                "-out", out)
            #expect(made.status == 0, "\(made.stderr)")
            return out
        }
        let tampered = work.appendingPathComponent("tampered.txt")
        try Data("БҰЙРЫҚ № 6-Ж: басқа мәтін.\n".utf8).write(to: tampered)
        let cases: [(String, [String], Int32)] = [
            ("tampered document", ["--signature", signature.path, tampered.path] + Tools.trustArguments + Tools.crlArguments, 1),
            ("revoked", ["--signature", try opensslSigned("revoked"), document.path] + Tools.trustArguments + Tools.crlArguments, 2),
            ("expired", ["--signature", try opensslSigned("expired"), document.path] + Tools.trustArguments + Tools.crlArguments, 2),
            ("unknown root", ["--signature", signature.path, document.path, "--trust", "Certs/other/other-root.pem"] + Tools.crlArguments, 2),
            ("no revocation data offline", ["--trust", "Certs/trust/root.pem", "--signature", signature.path, document.path, "--offline"], 2),
        ]
        for (name, arguments, status) in cases {
            for language in ["ru", "kk"] {
                let result = try Tools.run(Tools.edsvault, ["verify"] + arguments + ["--lang", language])
                #expect(result.status == status, "\(name) --lang \(language): \(result.stderr)")
                #expect(result.stdout.contains("[FAIL]"), "\(name) --lang \(language)")
                #expect(Self.untranslatedLines(result.stdout).isEmpty, "\(name) --lang \(language): \(Self.untranslatedLines(result.stdout))")
            }
            // JSON keeps the English details (the contract).
            let json = try Tools.run(Tools.edsvault, ["verify"] + arguments + ["--format", "json", "--lang", "ru"])
            #expect(json.stdout.contains("\"detail\" : \"the signature value verifies with the public key of certificate"), "\(name)")
        }
    }
}
