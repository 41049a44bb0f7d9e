import Foundation
import Testing

/// GOST through the CLI, judged by a GOST implementation we did not write (Tests/Referees/gost_verify.py on PyPI's
/// gostcrypto), and two-signer CMS with real NCA test keys (Tests/Fixtures/nca, a copy of shared/testdata/nca, made by Kalkan).
@Suite(.serialized) struct GOSTInteropTests {
    static let nca = "Tests/Fixtures/nca"

    func referee(_ arguments: String...) throws -> Tools.Result { try Tools.run(Tools.python, ["Tests/Referees/gost_verify.py"] + arguments) }

    @Test func independentGOSTImplementationAcceptsWhatEdsvaultSignsWithTheDemoKeys() throws {
        let work = try Tools.workspace()
        let document = work.appendingPathComponent("order.txt")
        let signature = work.appendingPathComponent("order.cms")
        let employee = try Tools.eds("sign", document.path, "--key", "Certs/employee-gost.p12", "--password-env", "EDSVAULT_PASSWORD", "--out", signature.path)
        #expect(employee.status == 0, "\(employee.stderr)")
        let head = try Tools.eds("sign", document.path, "--key", "Certs/head-gost.p12", "--password-env", "EDSVAULT_PASSWORD", "--add-to", signature.path)
        #expect(head.status == 0, "\(head.stderr)")
        let verdict = try referee("cms", signature.path, document.path)
        #expect(verdict.status == 0, "\(verdict.stdout)\(verdict.stderr)")
        // The referee is really checking: a changed document fails it.
        try Data("changed".utf8).write(to: document)
        #expect(try referee("cms", signature.path, document.path).status != 0)
    }

    @Test func independentGOSTImplementationAcceptsKalkansCertificateSignature() throws {
        let work = try Tools.workspace()
        let leaf = work.appendingPathComponent("leaf.pem")
        let exported = try Tools.openssl(
            "pkcs12", "-in", "\(Self.nca)/keys/individual_valid_2015.p12", "-passin", "pass:Aa123456", "-nokeys", "-clcerts", "-legacy", "-out",
            leaf.path)
        #expect(exported.status == 0, "\(exported.stderr)")
        let verdict = try referee("cert", leaf.path, "\(Self.nca)/ca/nca_gost2015_test.cer")
        #expect(verdict.status == 0, "\(verdict.stdout)\(verdict.stderr)")
    }

    @Test func expiredRealNCAGOSTKeyIsRefusedForSigningNow() throws {
        let work = try Tools.workspace()
        let document = work.appendingPathComponent("order.txt")
        let result = try Tools.run(
            Tools.edsvault,
            ["sign", document.path, "--key", "\(Self.nca)/keys/individual_valid_2015.p12", "--password-env", "GOST_PASSWORD"],
            environment: ["GOST_PASSWORD": "Aa123456"])
        // The key file opens (a GOST key OpenSSL alone cannot read); the certificate expired in 2023, so the law refuses.
        #expect(result.status != 0)
        #expect(result.stderr.contains("expired"), "\(result.stderr)")
    }

    @Test func gostSignatureVerifiesThroughTheCLIWithDemoAnchorsAndCRLs() throws {
        let work = try Tools.workspace()
        let document = work.appendingPathComponent("order.txt")
        let signature = work.appendingPathComponent("order.cms")
        let signed = try Tools.eds("sign", document.path, "--key", "Certs/employee-gost.p12", "--password-env", "EDSVAULT_PASSWORD", "--out", signature.path)
        #expect(signed.status == 0, "\(signed.stderr)")
        let verified = try Tools.eds(
            "verify", "--signature", signature.path, document.path, "--trust", "Certs/trust/gost-root.pem", "--crl", "Certs/crl/gost_nca_demo.crl",
            "--crl", "Certs/crl/gost_root.crl", "--offline", "--format", "json")
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(verified.stdout.contains("GOST 34.310-2015 (512)"))
        #expect(verified.stdout.contains("1.2.398.3.10.1.1.2.3.2"))
    }

    @Test func vaultAcceptsGOSTSignaturesSignedInsideAndAttachedFromOutside() throws {
        let work = try Tools.workspace()
        let document = work.appendingPathComponent("order.txt")
        let vault = work.appendingPathComponent("vault").path
        let crls = ["--crl", "Certs/crl/gost_nca_demo.crl", "--crl", "Certs/crl/gost_root.crl"]
        let initialised = try Tools.run(Tools.edsvault, ["vault", "init", vault, "--trust", "Certs/trust/gost-root.pem"] + crls)
        #expect(initialised.status == 0, "\(initialised.stderr)")
        let put = try Tools.eds(
            "vault", "put", document.path, "--vault", vault, "--owner-iin", "900315301237", "--employer-bin", "150640123452", "--type",
            "order-hiring", "--require", "owner", "--require", "first-head")
        #expect(put.status == 0, "\(put.stderr)")
        let id = put.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let signed = try Tools.eds("vault", "sign", id, "--vault", vault, "--key", "Certs/employee-gost.p12", "--password-env", "EDSVAULT_PASSWORD")
        #expect(signed.status == 0, "\(signed.stderr)")
        let outside = work.appendingPathComponent("head.cms")
        let made = try Tools.eds("sign", document.path, "--key", "Certs/head-gost.p12", "--password-env", "EDSVAULT_PASSWORD", "--out", outside.path)
        #expect(made.status == 0, "\(made.stderr)")
        let attached = try Tools.eds("vault", "attach", id, outside.path, "--vault", vault)
        #expect(attached.status == 0, "\(attached.stderr)")
        #expect((attached.stdout + attached.stderr).contains("fully-signed"))
    }

    @Test func timestampedLongTermGOSTSignatureHoldsOfflineYearsLater() throws {
        let (tsa, port) = try Tools.startReferenceTSA()
        defer {
            kill(tsa.processIdentifier, SIGKILL)
            tsa.waitUntilExit()
        }
        let work = try Tools.workspace()
        let document = work.appendingPathComponent("order.txt")
        let signed = try Tools.eds(
            "sign", document.path, "--key", "Certs/employee-gost.p12", "--password-env", "EDSVAULT_PASSWORD", "--tsa", "http://127.0.0.1:\(port)/",
            "--revocation", "crl", "--crl", "Certs/crl/gost_nca_demo.crl", "--crl", "Certs/crl/gost_root.crl")
        #expect(signed.status == 0, "\(signed.stderr)")
        // The demo TSA is RSA: one mixed trust store, its CRLs given; long after the certificates expired.
        let verified = try Tools.eds(
            "verify", "--signature", document.path + ".cms", document.path, "--trust", "Certs/trust/gost-root.pem", "--trust", "Certs/trust/root.pem",
            "--crl", "Certs/crl/nca_demo.crl", "--crl", "Certs/crl/root.crl", "--offline", "--at", "2040-01-01T00:00:00Z")
        #expect(verified.status == 0, "\(verified.stdout)")
        #expect(verified.stdout.contains("timestamped signing moment"))
    }

    @Test func withoutTheGOSTProviderAGOSTSignerIsIndeterminateAndTheReportNamesThePackage() throws {
        let work = try Tools.workspace()
        let document = work.appendingPathComponent("order.txt")
        let signed = try Tools.eds("sign", document.path, "--key", "Certs/employee-gost.p12", "--password-env", "EDSVAULT_PASSWORD")
        #expect(signed.status == 0, "\(signed.stderr)")
        // OpenSSL finds no provider modules at all: gostprov is missing as on a machine without the package.
        let verified = try Tools.run(
            Tools.edsvault,
            ["verify", "--signature", document.path + ".cms", document.path, "--trust", "Certs/trust/gost-root.pem", "--crl", "Certs/crl/gost_nca_demo.crl", "--offline"],
            environment: ["OPENSSL_MODULES": work.appendingPathComponent("no-modules").path])
        #expect(verified.status == 2, "\(verified.stdout)")
        #expect(verified.stdout.contains("INDETERMINATE / FORMAT_FAILURE"))
        #expect(verified.stdout.contains("libengine-gost-openssl"))
    }

    @Test func rsaSignerAddedToAGOSTSignatureAndBothPassWithBothDemoAnchors() throws {
        let work = try Tools.workspace()
        let document = work.appendingPathComponent("order.txt")
        let signature = document.path + ".cms"
        #expect(try Tools.eds("sign", document.path, "--key", "Certs/employee-gost.p12", "--password-env", "EDSVAULT_PASSWORD").status == 0)
        let added = try Tools.eds("sign", document.path, "--key", "Certs/head.p12", "--password-env", "EDSVAULT_PASSWORD", "--add-to", signature)
        #expect(added.status == 0, "\(added.stderr)")
        // The RSA and the GOST demo roots named together: one mixed trust store.
        let verified = try Tools.eds(
            "verify", "--signature", signature, document.path, "--trust", "Certs/trust/root.pem", "--trust", "Certs/trust/gost-root.pem", "--crl", "Certs/crl/gost_nca_demo.crl", "--crl", "Certs/crl/gost_root.crl",
            "--crl", "Certs/crl/nca_demo.crl", "--crl", "Certs/crl/root.crl", "--offline", "--format", "json")
        #expect(verified.status == 0, "\(verified.stdout)")
        // The GOST SignerInfo is still what the referee accepts.
        #expect(try referee("cms", signature, document.path).status == 0)
    }
}
