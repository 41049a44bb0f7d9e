import Foundation
import Testing

/// Referees we did not write: OpenSSL's CLI and pyHanko must accept what we sign; we must verify what OpenSSL signs.
@Suite(.serialized) struct InteropTests {
    func sign(_ document: URL, key: String, out: URL, extra: [String] = []) throws {
        let result = try Tools.run(
            Tools.edsvault, ["sign", document.path, "--key", "Certs/\(key).p12", "--password-env", "EDSVAULT_PASSWORD", "--out", out.path] + extra)
        #expect(result.status == 0, "sign failed: \(result.stderr)")
    }

    func opensslVerify(_ signature: URL, content: URL?) throws -> Tools.Result {
        var arguments = ["cms", "-verify", "-binary", "-inform", "DER", "-in", signature.path, "-CAfile", "Certs/ca/root.pem", "-purpose", "any", "-out", "/dev/null"]
        if let content { arguments += ["-content", content.path] }
        return try Tools.run("openssl", arguments)
    }

    func edsVerify(_ signature: URL, _ document: URL?) throws -> Tools.Result {
        try Tools.run(Tools.edsvault, ["verify", "--signature", signature.path] + (document.map { [$0.path] } ?? []) + Tools.trustArguments + Tools.crlArguments)
    }

    @Test func opensslAcceptsOurSingleDoubleAttachedAndECDSASignatures() throws {
        let work = try Tools.workspace()
        let document = work.appendingPathComponent("order.txt")
        let single = work.appendingPathComponent("single.cms")
        try sign(document, key: "employee", out: single)
        #expect(try opensslVerify(single, content: document).status == 0)

        let double = work.appendingPathComponent("double.cms")
        try sign(document, key: "head", out: double, extra: ["--add-to", single.path])
        let both = try opensslVerify(double, content: document)
        #expect(both.status == 0, "\(both.stderr)")
        let printed = try Tools.openssl("cms", "-cmsout", "-print", "-inform", "DER", "-in", double.path)
        #expect(printed.stdout.components(separatedBy: "signatureAlgorithm:").count - 1 == 2)

        let attached = work.appendingPathComponent("attached.cms")
        try sign(document, key: "hr", out: attached, extra: ["--attached"])
        #expect(try opensslVerify(attached, content: nil).status == 0)

        let ec = work.appendingPathComponent("ec.cms")
        try sign(document, key: "employee-ec", out: ec)
        #expect(try opensslVerify(ec, content: document).status == 0)

        // And OpenSSL rejects a tampered document, so the referee is really checking.
        try Data("tampered".utf8).write(to: document)
        #expect(try opensslVerify(single, content: document).status != 0)
    }

    @Test func weVerifyWhatOpenSSLSigns() throws {
        let work = try Tools.workspace()
        let document = work.appendingPathComponent("order.txt")
        let common = ["cms", "-sign", "-binary", "-outform", "DER", "-in", document.path, "-certfile", "Certs/ca/nca-demo.pem"]
        let employee = ["-signer", "Certs/employee.pem", "-inkey", "Certs/keys/employee.key"]
        let head = ["-signer", "Certs/head.pem", "-inkey", "Certs/keys/head.key"]
        let cases: [(String, [String])] = [
            ("plain", employee),
            ("cades", employee + ["-cades"]),
            ("noattr", employee + ["-noattr"]),
            ("two-signers", employee + head + ["-cades"]),
            ("ecdsa", ["-signer", "Certs/employee-ec.pem", "-inkey", "Certs/keys/employee-ec.key"]),
        ]
        for (name, signers) in cases {
            let signature = work.appendingPathComponent("\(name).cms")
            let made = try Tools.run("openssl", common + signers + ["-out", signature.path])
            #expect(made.status == 0, "openssl could not sign \(name): \(made.stderr)")
            let verified = try edsVerify(signature, document)
            #expect(verified.status == 0, "\(name): \(verified.stdout)\(verified.stderr)")
        }
        let json = try Tools.run(
            Tools.edsvault, ["verify", "--signature", work.appendingPathComponent("two-signers.cms").path, document.path, "--format", "json"] + Tools.trustArguments + Tools.crlArguments)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let signatures = try #require(report["signatures"] as? [[String: Any]])
        let iins = signatures.compactMap { ($0["signer"] as? [String: Any])?["iin"] as? String }
        #expect(iins == ["900315301237", "780209303213"])
    }

    @Test func pyHankoValidatesOurDetachedSignatures() throws {
        let work = try Tools.workspace()
        let document = work.appendingPathComponent("order.txt")
        let signature = work.appendingPathComponent("order.cms")
        try sign(document, key: "employee", out: signature)
        try sign(document, key: "hr", out: signature, extra: ["--add-to", signature.path])
        let script = Tools.root.appendingPathComponent("Tests/Referees/pyhanko_validate.py").path
        #expect(FileManager.default.isExecutableFile(atPath: Tools.python), "pyHanko venv missing: run .ci/run (or python3 -m venv .venv && .venv/bin/pip install pyhanko)")
        let accepted = try Tools.run(Tools.python, [script, signature.path, document.path, "Certs/trust/root.pem", "--expect-signers", "2"])
        #expect(accepted.status == 0, "pyHanko: \(accepted.stdout)\(accepted.stderr)")
        try Data("changed".utf8).write(to: document)
        let rejected = try Tools.run(Tools.python, [script, signature.path, document.path, "Certs/trust/root.pem"])
        #expect(rejected.status == 1, "pyHanko must reject a changed document: \(rejected.stdout)")
    }
}

/// `sign --tsa` against a TSA we did not write: OpenSSL's `openssl ts -reply` behind a tiny HTTP front.
@Suite(.serialized) struct TimestampInteropTests {
    @Test func signWithReferenceTSAThenVerifyAfterCertificateExpiry() throws {
        let (server, port) = try Tools.startReferenceTSA()
        defer {
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        let work = try Tools.workspace()
        let document = work.appendingPathComponent("order.txt")
        let signature = work.appendingPathComponent("order.cms")
        let signed = try Tools.run(
            Tools.edsvault,
            ["sign", document.path, "--key", "Certs/hr.p12", "--password-env", "EDSVAULT_PASSWORD", "--out", signature.path,
             "--tsa", "http://127.0.0.1:\(port)/"])
        #expect(signed.status == 0, "\(signed.stderr)")
        // In 2040 the certificate (to 2036) has expired: the timestamp still proves it signed in time.
        let verified = try Tools.run(
            Tools.edsvault, ["verify", "--signature", signature.path, document.path, "--at", "2040-01-01T00:00:00Z"] + Tools.trustArguments + Tools.crlArguments)
        #expect(verified.status == 0, "\(verified.stdout)")
        #expect(verified.stdout.contains("Timestamp: "))
        #expect(verified.stdout.contains("EDS VAULT DEMO TSA"))
        // CAdES-LT with a timestamp: the TSA's certificates get revocation evidence too, so offline, with nothing but
        // the anchors, both the signer and the TSA are known not revoked.
        let longTerm = work.appendingPathComponent("order-lt.cms")
        let signedLT = try Tools.run(
            Tools.edsvault,
            ["sign", document.path, "--key", "Certs/hr.p12", "--password-env", "EDSVAULT_PASSWORD", "--out", longTerm.path,
             "--tsa", "http://127.0.0.1:\(port)/", "--revocation", "crl", "--crl", "Certs/crl/nca_demo.crl", "--crl", "Certs/crl/root.crl"])
        #expect(signedLT.status == 0, "\(signedLT.stderr)")
        let verifiedLT = try Tools.run(
            Tools.edsvault, ["verify", "--trust", "Certs/trust/root.pem", "--signature", longTerm.path, document.path, "--at", "2040-01-01T00:00:00Z", "--offline", "--format", "json"])
        #expect(verifiedLT.status == 0, "\(verifiedLT.stdout)")
        #expect(!verifiedLT.stdout.contains("revocation status of"), "\(verifiedLT.stdout)")
        // Without the timestamp the same question has no answer.
        let unreachable = try Tools.run(
            Tools.edsvault,
            ["sign", document.path, "--key", "Certs/hr.p12", "--password-env", "EDSVAULT_PASSWORD", "--out", work.appendingPathComponent("x.cms").path,
             "--tsa", "http://127.0.0.1:1/"])
        #expect(unreachable.status == 69, "\(unreachable.stderr)")
        #expect(!FileManager.default.fileExists(atPath: work.appendingPathComponent("x.cms").path))
    }
}
