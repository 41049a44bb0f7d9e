import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 21's end-to-end test: Tests/Referees/vault_api_e2e.py (Python `requests` and OpenSSL's CLI, nothing of ours)
/// drives the whole vault API as an HR system would, against `edsvault serve` on a directory vault, and against two
/// `serve` nodes sharing one PostgreSQL vault with requests alternating between them.
@Suite(.serialized) struct VaultAPIEndToEndTests {
    static func referee(vault: String, masterKeyFile: String?, bases: [String]) throws -> Tools.Result {
        var arguments = [
            Tools.root.appendingPathComponent("Tests/Referees/vault_api_e2e.py").path, "--edsvault", Tools.edsvault, "--vault", vault,
            "--certs", Tools.root.appendingPathComponent("Certs").path,
        ]
        if let masterKeyFile { arguments += ["--master-key-file", masterKeyFile] }
        for base in bases { arguments += ["--base", base] }
        return try Tools.run(Tools.python, arguments)
    }

    @Test func anHRSystemInPythonDrivesTheVaultAPIOnADirectoryVault() throws {
        let work = try Tools.workspace()
        defer { try? FileManager.default.removeItem(at: work) }
        let vault = work.appendingPathComponent("vault").path
        let created = try Tools.eds(
            "vault", "init", vault, "--trust", "Certs/trust/root.pem", "--crl", "Certs/crl/root.crl", "--crl", "Certs/crl/nca_demo.crl")
        #expect(created.status == 0, "\(created.stderr)")
        let (server, base) = try Tools.startServe(["--vault", vault, "--demo", "--trust", "Certs/trust/root.pem"])
        defer {
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        let result = try Self.referee(vault: vault, masterKeyFile: nil, bases: [base])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("vault API end to end: ok 1 node(s)"))
    }

    @Test(.disabled(if: PostgresNode.baseURL == nil, "set EDSVAULT_TEST_POSTGRES_URL (bash .ci/postgres prints one)"))
    func anHRSystemInPythonDrivesTwoNodesOfOnePostgreSQLVaultAlternately() throws {
        let shared = try PostgresNode.sharedVault()
        let a = try PostgresNode(shared)
        let b = try PostgresNode(shared)
        let (first, firstBase) = try a.serve()
        defer {
            kill(first.processIdentifier, SIGKILL)
            first.waitUntilExit()
        }
        let (second, secondBase) = try b.serve()
        defer {
            kill(second.processIdentifier, SIGKILL)
            second.waitUntilExit()
        }
        let result = try Self.referee(vault: shared.url, masterKeyFile: shared.keyFile.path, bases: [firstBase, secondBase])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("vault API end to end: ok 2 node(s)"))
    }
}
