import Foundation
import Testing

/// NCA RK publishes a base CRL (CRL Distribution Points) and a delta CRL (Freshest CRL). Online `verify` and
/// `sign --revocation crl` fetch both from loopback, so a key revoked since the last base CRL does not verify, and the
/// LT evidence carries the delta.
struct FreshestCRLCLITests {
    /// The demo NCA's base CRL at the path its certificates name (/nca_demo.crl), pointing with Freshest CRL to a
    /// delta (/nca_demo_delta.crl) that lists `revokedSerial` as revoked; both made by `Certs/make-demo-crl`.
    static func publish(into directory: URL, revokedSerial: String, baseNumber: Int = 64) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let base = try Tools.run(
            "Certs/make-demo-crl",
            [directory.appendingPathComponent("nca_demo.crl").path, "--number", "\(baseNumber)", "--extension",
             "freshestCRL = URI:http://127.0.0.1:18791/nca_demo_delta.crl"])
        #expect(base.status == 0, "\(base.stderr)")
        let delta = try Tools.run(
            "Certs/make-demo-crl",
            [directory.appendingPathComponent("nca_demo_delta.crl").path, "--number", "\(baseNumber + 1)", "--delta-of", "\(baseNumber)",
             "--revoke", "\(revokedSerial),260101000000Z,keyCompromise"])
        #expect(delta.status == 0, "\(delta.stderr)")
    }

    /// Serves `directory` on the port the demo certificates' distribution points name, for `body`.
    static func serving<T>(_ directory: URL, _ body: () throws -> T) throws -> T {
        let server = try Tools.startServer(Tools.python, ["-m", "http.server", "18791", "--bind", "127.0.0.1", "--directory", directory.path])
        defer {
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        for _ in 0..<50 {
            if (try? Data(contentsOf: URL(string: "http://127.0.0.1:18791/nca_demo_delta.crl")!)) != nil { break }
            usleep(100_000)
        }
        return try body()
    }

    /// `extend` (CAdES-BES → CAdES-LT) fetches the delta its base CRL names and embeds both in revocationValues, so the
    /// extended signature verifies offline on the pair (here the delta revokes another certificate: the signer holds).
    @Test(.demoPorts) func extendEmbedsTheBaseAndTheDeltaCRL() throws {
        let workspace = try Tools.workspace()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let published = workspace.appendingPathComponent("crl")
        try Self.publish(into: published, revokedSerial: "7E57", baseNumber: 70)
        let (document, bes) = try OCSPInteropTests.ExtendTests.opensslBES("employee", in: workspace)
        let extended = workspace.appendingPathComponent("order-lt.cms").path
        let (tsa, port) = try Tools.startReferenceTSA()
        defer {
            kill(tsa.processIdentifier, SIGKILL)
            tsa.waitUntilExit()
        }
        let result = try Self.serving(published) {
            // No --crl: given CRL files would be the evidence instead of anything downloaded.
            try Tools.eds("extend", bes, "--out", extended, "--tsa", "http://127.0.0.1:\(port)/", "--revocation", "crl")
        }
        #expect(result.status == 0, "\(result.stderr)")

        let values = try Tools.run(Tools.python, ["Tests/Referees/revocation_values.py", extended])
        #expect(values.status == 0, "\(values.stderr)")
        #expect(values.stdout.contains("\"crls\": 2"), "the NCA base CRL and its delta: \(values.stdout)")
        // The demo intermediate names no distribution point: the root's CRL for it comes from the verifier.
        let offline = try Tools.eds(
            "verify", "--signature", extended, document, "--trust", "Certs/trust/root.pem", "--crl", "Certs/crl/root.crl", "--offline",
            "--format", "json")
        #expect(offline.status == 0, "\(offline.stdout)")
        #expect(offline.stdout.contains("with its delta CRL"), "\(offline.stdout)")
    }

    /// `extend` with only stale OCSP answers falls back to the CA's CRL; downloaded, the base comes with its delta, so
    /// the revocation the delta alone lists is in the evidence and offline verification sees it.
    @Test(.demoPorts) func extendFallingBackFromStaleOCSPAnswersEmbedsTheDeltaToo() throws {
        let workspace = try Tools.workspace()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let published = workspace.appendingPathComponent("crl")
        try Self.publish(into: published, revokedSerial: try Self.employeeSerial())
        let (document, bes) = try OCSPInteropTests.ExtendTests.opensslBES("employee", in: workspace)
        let extended = workspace.appendingPathComponent("order-lt.cms").path
        var result: Tools.Result?
        try Self.serving(published) {
            try OCSPInteropTests.ExtendTests.withCachedResponder(staleAnswers: -1) { tsa in
                result = try Tools.eds("extend", bes, "--out", extended, "--tsa", tsa, "--revocation", "ocsp")
            }
        }
        #expect(result?.status == 0, "\(result?.stderr ?? "")")
        let values = try Tools.run(Tools.python, ["Tests/Referees/revocation_values.py", extended])
        #expect(values.stdout.contains("\"crls\": 2") && values.stdout.contains("\"ocspResponses\": 0"), "\(values.stdout)")
        let offline = try Tools.eds(
            "verify", "--signature", extended, document, "--trust", "Certs/trust/root.pem", "--crl", "Certs/crl/root.crl", "--offline")
        // Timestamped after the revocation the delta lists: TOTAL_FAILED (exit 1), not INDETERMINATE.
        #expect(offline.status == 1 && offline.stdout.contains("REVOKED"), "\(offline.stdout)")
    }

    static func employeeSerial() throws -> String {
        let serial = try Tools.openssl("x509", "-in", "Certs/employee.pem", "-noout", "-serial")
        return String(serial.stdout.trimmingCharacters(in: .whitespacesAndNewlines).dropFirst("serial=".count))
    }

    @Test(.demoPorts) func onlineVerifyFetchesTheDeltaItsBaseCRLNames() throws {
        let workspace = try Tools.workspace()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let published = workspace.appendingPathComponent("crl")
        try Self.publish(into: published, revokedSerial: try Self.employeeSerial())
        let order = workspace.appendingPathComponent("order.txt").path
        let signature = workspace.appendingPathComponent("order.cms").path
        let signed = try Tools.eds("sign", order, "--key", "Certs/employee.p12", "--password-env", "EDSVAULT_PASSWORD", "--out", signature)
        #expect(signed.status == 0, "\(signed.stderr)")
        try Self.serving(published) {
            // Online: the base from the distribution point, the delta from the base's Freshest CRL.
            let online = try Tools.eds(
                "verify", "--signature", signature, order, "--trust", "Certs/trust/root.pem", "--crl", "Certs/crl/root.crl", "--format", "json")
            #expect(online.status == 2, "\(online.stdout)")
            #expect(online.stdout.contains("\"subIndication\" : \"REVOKED_NO_POE\"") || online.stdout.contains("\"subIndication\":\"REVOKED_NO_POE\""))
            #expect(online.stdout.contains("with its delta CRL"))

            // LT evidence: sign --revocation crl embeds the base and the delta, so offline verification sees the revocation
            // (the base alone lists nothing).
            let lt = workspace.appendingPathComponent("order-lt.cms").path
            let embedded = try Tools.eds(
                "sign", order, "--key", "Certs/employee.p12", "--password-env", "EDSVAULT_PASSWORD", "--out", lt, "--revocation", "crl")
            #expect(embedded.status == 0, "\(embedded.stderr)")
            let offline = try Tools.eds(
                "verify", "--signature", lt, order, "--trust", "Certs/trust/root.pem", "--crl", "Certs/crl/root.crl", "--offline")
            #expect(offline.status == 2, "\(offline.stdout)")
            #expect(offline.stdout.contains("REVOKED_NO_POE"), "\(offline.stdout)")
        }
    }
}
