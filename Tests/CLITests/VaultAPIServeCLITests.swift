import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `serve` and the vault API's transport: HTTPS with --tls-cert/--tls-key, and plain HTTP for the API only on
/// loopback unless --insecure-http (the verification routes keep answering either way).
@Suite(.serialized) struct VaultAPIServeCLITests {
    static func curl(_ arguments: String...) throws -> Tools.Result { try Tools.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}"] + arguments) }

    static func vault(in work: URL) throws -> String {
        let vault = work.appendingPathComponent("vault").path
        #expect(try Tools.eds("vault", "init", vault, "--trust", "Certs/trust/root.pem").status == 0)
        return vault
    }

    @Test func serveSpeaksHTTPSWithTheGivenCertificateAndKey() throws {
        let work = try Tools.workspace()
        defer { try? FileManager.default.removeItem(at: work) }
        let vault = try Self.vault(in: work)
        let cert = work.appendingPathComponent("tls.pem").path
        let key = work.appendingPathComponent("tls.key").path
        let made = try Tools.openssl(
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1")
        #expect(made.status == 0, "\(made.stderr)")
        let (server, base) = try Tools.startServe(["--vault", vault, "--demo", "--trust", "Certs/trust/root.pem", "--tls-cert", cert, "--tls-key", key])
        defer {
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        #expect(base.hasPrefix("https://"))
        #expect(try Self.curl("--cacert", cert, "\(base)/health").stdout == "200")
        #expect(try Self.curl("--cacert", cert, "\(base)/api/v1/vault/documents").stdout == "401")
        #expect(try Self.curl(base.replacingOccurrences(of: "https://", with: "http://") + "/health").stdout != "200")

        let mismatched = try Tools.eds("serve", "--vault", vault, "--demo", "--trust", "Certs/trust/root.pem", "--tls-cert", cert)
        #expect(mismatched.status == 64)
        let missing = try Tools.eds(
            "serve", "--port", "0", "--vault", vault, "--demo", "--trust", "Certs/trust/root.pem", "--tls-cert", cert, "--tls-key", "/nonexistent.key")
        #expect(missing.status == 66)
    }

    @Test func theVaultAPIIsOffOverPlainHTTPOffLoopbackUnlessInsecureHTTPIsGiven() throws {
        let work = try Tools.workspace()
        defer { try? FileManager.default.removeItem(at: work) }
        let vault = try Self.vault(in: work)
        let (plain, plainBase) = try Tools.startServe(["--vault", vault, "--demo", "--trust", "Certs/trust/root.pem", "--host", "0.0.0.0"])
        let plainLocal = plainBase.replacingOccurrences(of: "0.0.0.0", with: "127.0.0.1")
        #expect(try Self.curl("\(plainLocal)/health").stdout == "200")
        #expect(try Self.curl("\(plainLocal)/api/v1/vault/documents").stdout == "404")
        kill(plain.processIdentifier, SIGKILL)
        plain.waitUntilExit()

        let (insecure, insecureBase) = try Tools.startServe(
            ["--vault", vault, "--demo", "--trust", "Certs/trust/root.pem", "--host", "0.0.0.0", "--insecure-http"])
        defer {
            kill(insecure.processIdentifier, SIGKILL)
            insecure.waitUntilExit()
        }
        #expect(try Self.curl(insecureBase.replacingOccurrences(of: "0.0.0.0", with: "127.0.0.1") + "/api/v1/vault/documents").stdout == "401")
    }
}
