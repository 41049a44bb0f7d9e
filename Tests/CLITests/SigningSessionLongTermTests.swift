import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Nested in OCSPInteropTests: extending needs the demo CRL port (18791), held serially with those suites.
extension OCSPInteropTests {
    /// Issue 22: a signature that reaches the vault through a signing session takes the vault's usual path, so a vault
    /// with a TSA keeps it extended to CAdES-LT, and its proof holds after every demo certificate expired.
    @Suite struct SigningSessionLongTermTests {
        @Test func aSessionsSignatureIsKeptExtendedToCAdESLTWhenTheVaultHasATSA() throws {
            let (tsa, port) = try Tools.startReferenceTSA()
            defer {
                kill(tsa.processIdentifier, SIGKILL)
                tsa.waitUntilExit()
            }
            let (workspace, vault) = try VaultLongTermTests.makeVault(index: "sqlite", tsaURL: "http://127.0.0.1:\(port)/")
            defer { try? FileManager.default.removeItem(at: workspace) }
            let id = try VaultLongTermTests.put(in: workspace, vault: vault)
            let created = try Tools.eds(
                "vault", "signing-session", "create", "--vault", vault, "--document", id, "--signer", "iin:\(VaultCLITests.employee)")
            #expect(created.status == 0, "\(created.stderr)")
            let token = try #require(created.stdout.split(separator: "/").last).trimmingCharacters(in: .whitespacesAndNewlines)
            let (server, base) = try Tools.startServe(["--vault", vault, "--demo"] + Tools.trustArguments)
            defer {
                kill(server.processIdentifier, SIGKILL)
                server.waitUntilExit()
            }
            let (_, bes) = try OCSPInteropTests.ExtendTests.opensslBES("employee", in: workspace)
            let posted = try Tools.withDemoCRLServer {
                try Tools.run(
                    "curl", ["-s", "-w", "\n%{http_code}", "--data-binary", "@\(bes)", "-H", "Content-Type: application/octet-stream", "\(base)/sign/\(token)/signature"])
            }
            #expect(posted.stdout.hasSuffix("\n200") && posted.stdout.contains("\"state\":\"signed\""), "\(posted.stdout)")

            // The kept signature is the extended one: its id is not the received bytes' hash.
            let received = String(try Tools.openssl("dgst", "-sha256", "-r", bes).stdout.prefix(64))
            let sessions = try Tools.eds("vault", "signing-session", "list", id, "--vault", vault, "--format", "json")
            #expect(sessions.stdout.contains("\"state\" : \"signed\"") && sessions.stdout.contains("\"signatureID\""), "\(sessions.stdout)")
            #expect(!sessions.stdout.contains(received), "\(sessions.stdout)")
            let verified = try VaultLongTermTests.verifyProofAfterExpiry(id, vault: vault, workspace: workspace)
            #expect(verified.status == 0 && verified.stdout.contains("TOTAL_PASSED"), "\(verified.stdout)\(verified.stderr)")
            let audit = try Tools.eds("vault", "audit", "--vault", vault)
            #expect(audit.stdout.contains("sign-session") && audit.stdout.contains("extended to CAdES-LT"), "\(audit.stdout)")
        }
    }
}
