import Foundation
import Testing

/// OCSP against OpenSSL's own responder (`openssl ocsp -index`), on the port the demo certificates' AIA names.
/// Every test here (and in the suites nested in it) holds `.demoPorts`: another checkout on this machine waits its turn.
@Suite(.serialized, .demoPorts) struct OCSPInteropTests {
    /// Runs `openssl ocsp` signing with `signer` for the intermediate CA's index, for the duration of `body`.
    func withResponder(signer: String, _ body: () throws -> Void) throws {
        let responder = try Tools.startServer(
            "/usr/bin/openssl",
            [
                "ocsp", "-index", "Certs/demo-ca/nca/index.txt", "-CA", "Certs/ca/nca-demo.pem",
                "-rsigner", "Certs/\(signer).pem", "-rkey", "Certs/\(signer).key", "-port", "18790", "-nmin", "5",
            ])
        defer {
            // openssl ocsp ignores SIGTERM while it waits for a request.
            kill(responder.processIdentifier, SIGKILL)
            responder.waitUntilExit()
        }
        // Wait until it accepts connections (bounded: 5 s).
        for _ in 0..<50 {
            if (try? Tools.openssl("ocsp", "-url", "http://127.0.0.1:18790/", "-issuer", "Certs/ca/nca-demo.pem", "-cert", "Certs/employee.pem",
                                   "-noverify", "-timeout", "1").status) == 0 { break }
            usleep(100_000)
        }
        try body()
    }

    func sign(_ key: String, in work: URL) throws -> (document: URL, signature: URL, result: Tools.Result) {
        let document = work.appendingPathComponent("order.txt")
        let signature = work.appendingPathComponent("\(key).cms")
        let result = try Tools.eds(
            "sign", document.path, "--key", "Certs/\(key).p12", "--password-env", "EDSVAULT_PASSWORD", "--out", signature.path,
            "--revocation", "ocsp", "--crl", "Certs/crl/root.crl")
        return (document, signature, result)
    }

    @Test func embeddedOCSPResponseVerifiesOfflineAndGoesStale() throws {
        let work = try Tools.workspace()
        var signed: (document: URL, signature: URL, result: Tools.Result)?
        try withResponder(signer: "ocsp") { signed = try sign("employee", in: work) }
        let (document, signature, result) = try #require(signed)
        #expect(result.status == 0, "\(result.stderr)")
        let offline = try Tools.eds("verify", "--trust", "Certs/trust/root.pem", "--signature", signature.path, document.path, "--offline")
        #expect(offline.status == 0, "\(offline.stdout)")
        #expect(offline.stdout.contains("Revocation: good (ocsp"))
        #expect(offline.stdout.contains("EDS VAULT DEMO OCSP RESPONDER"))
        // Without a timestamp, a validation an hour later has only a stale response: no silent pass.
        let later = ISO8601DateFormatter().string(from: Date().addingTimeInterval(3600))
        let stale = try Tools.eds("verify", "--trust", "Certs/trust/root.pem", "--signature", signature.path, document.path, "--offline", "--at", later)
        #expect(stale.status == 2)
        #expect(stale.stdout.contains("TRY_LATER"))
        #expect(stale.stdout.contains("older than the signing moment"))
    }

    /// `--tsa` with `--revocation ocsp`: the TSA's certificate gets its own OCSP response, so offline, after the
    /// certificates expired, the timestamp is relied on with its TSA known not revoked (no "status unknown" warning).
    @Test func theTimestampAuthorityGetsEvidenceToo() throws {
        let work = try Tools.workspace()
        let (tsa, port) = try Tools.startReferenceTSA()
        defer {
            kill(tsa.processIdentifier, SIGKILL)
            tsa.waitUntilExit()
        }
        let document = work.appendingPathComponent("order.txt")
        let signature = work.appendingPathComponent("order.cms")
        var signed: Tools.Result?
        try withResponder(signer: "ocsp") {
            signed = try Tools.eds(
                "sign", document.path, "--key", "Certs/employee.p12", "--password-env", "EDSVAULT_PASSWORD", "--out", signature.path,
                "--tsa", "http://127.0.0.1:\(port)/", "--revocation", "ocsp", "--crl", "Certs/crl/root.crl")
        }
        #expect(signed?.status == 0, "\(signed?.stderr ?? "")")
        let verified = try Tools.eds(
            "verify", "--trust", "Certs/trust/root.pem", "--signature", signature.path, document.path, "--offline", "--at", "2040-01-01T00:00:00Z", "--format", "json")
        #expect(verified.status == 0, "\(verified.stdout)")
        #expect(!verified.stdout.contains("revocation status of"), "\(verified.stdout)")
    }

    @Test func revokedStatusComesFromTheResponder() throws {
        let work = try Tools.workspace()
        try withResponder(signer: "ocsp") {
            let openssl = try Tools.run(
                "openssl", ["cms", "-sign", "-binary", "-outform", "DER", "-in", work.appendingPathComponent("order.txt").path,
                            "-signer", "Certs/revoked.pem", "-inkey", "Certs/keys/revoked.key", "-certfile", "Certs/ca/nca-demo.pem",
                            "-out", work.appendingPathComponent("revoked.cms").path])
            #expect(openssl.status == 0)
            // Online: the OCSP responder named in the certificate answers.
            let online = try Tools.eds(
                "verify", "--trust", "Certs/trust/root.pem", "--signature", work.appendingPathComponent("revoked.cms").path, work.appendingPathComponent("order.txt").path,
                "--crl", "Certs/crl/root.crl", "--format", "json")
            #expect(online.status == 2, "\(online.stdout)")
            #expect(online.stdout.contains("REVOKED_NO_POE"))
            #expect(online.stdout.contains("\"source\" : \"ocsp\""))
        }
    }

    @Test func responseFromAnUnauthorisedResponderIsNotEvidence() throws {
        let work = try Tools.workspace()
        // Sign with the rogue responder's answer embedded, then verify offline.
        var signed: (document: URL, signature: URL, result: Tools.Result)?
        try withResponder(signer: "rogue-ocsp") { signed = try sign("head", in: work) }
        let (document, signature, result) = try #require(signed)
        #expect(result.status == 0, "\(result.stderr)")
        let offline = try Tools.eds("verify", "--trust", "Certs/trust/root.pem", "--signature", signature.path, document.path, "--offline")
        #expect(offline.status == 2, "\(offline.stdout)")
        #expect(offline.stdout.contains("TRY_LATER"))
        #expect(offline.stdout.contains("did not authorise"))
    }

    /// Online verification downloads the CRL from the certificate's distribution point (a plain HTTP file server);
    /// in this suite so that no OCSP responder from another test answers first.
    @Test func verifyFetchesTheCRLNamedInTheCertificate() throws {
        try Tools.withDemoCRLServer {
            let work = try Tools.workspace()
            let document = work.appendingPathComponent("order.txt")
            _ = try Tools.eds("sign", document.path, "--key", "Certs/employee.p12", "--password-env", "EDSVAULT_PASSWORD")
            // No OCSP responder runs, so the leaf's status must come from http://127.0.0.1:18791/nca_demo.crl;
            // the intermediate names no distribution point, so its (root) CRL is given.
            let online = try Tools.eds("verify", "--trust", "Certs/trust/root.pem", "--signature", document.path + ".cms", document.path, "--crl", "Certs/crl/root.crl")
            #expect(online.status == 0, "\(online.stdout)")
            #expect(online.stdout.contains("Revocation: good (crl"))
        }
    }
}
