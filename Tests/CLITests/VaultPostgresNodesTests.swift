import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A vault that lives entirely in PostgreSQL, used from two "nodes": separate processes, each in its own empty working
/// directory, sharing nothing but the database URL and the master key file (issue 13).
@Suite(
    .serialized,
    .disabled(if: PostgresNode.baseURL == nil, "set EDSVAULT_TEST_POSTGRES_URL (bash .ci/postgres prints one)"))
struct VaultPostgresNodesTests {
    static let employee = "900315301237"
    static let employer = "150640123452"

    @Test func aDocumentPutThroughOneNodeIsReadSignedAndProvenThroughTheOther() throws {
        let shared = try PostgresNode.sharedVault()
        let a = try PostgresNode(shared)
        let b = try PostgresNode(shared)
        let order = a.directory.appendingPathComponent("order.txt")
        try Data("Приказ № 9-К о приёме на работу (два узла).\n".utf8).write(to: order)
        let put = try a.eds(
            "vault", "put", "order.txt", "--owner-iin", Self.employee, "--employer-bin", Self.employer, "--type", "order-hiring",
            "--require", "owner")
        #expect(put.status == 0, "\(put.stderr)")
        let id = put.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let read = try b.eds("vault", "get", id, "--as", "iin:\(Self.employee)")
        let original = try String(contentsOf: order, encoding: .utf8)
        #expect(read.status == 0 && read.stdout == original, "\(read.stderr)")
        let signed = try b.eds("vault", "sign", id, "--key", Tools.root.appendingPathComponent("Certs/employee.p12").path, "--password-env", "EDSVAULT_PASSWORD")
        #expect(signed.status == 0 && signed.stdout.contains("fully-signed"), "\(signed.stderr)")
        let bundle = b.directory.appendingPathComponent("order.asics").path
        #expect(try b.eds("vault", "proof", id, "--out", bundle).status == 0)
        let verified = try Tools.eds("verify", "--trust", "Certs/trust/root.pem", "--bundle", bundle, "--format", "json")
        #expect(verified.status == 0, "\(verified.stdout)")

        // A proof link made through one node opens on the service of either.
        let link = try a.eds("vault", "link", id)
        #expect(link.status == 0, "\(link.stderr)")
        let path = link.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // Both services at once, each on the port its kernel picked.
        let (serverA, baseA) = try a.serve()
        defer {
            kill(serverA.processIdentifier, SIGKILL)
            serverA.waitUntilExit()
        }
        let (serverB, baseB) = try b.serve()
        defer {
            kill(serverB.processIdentifier, SIGKILL)
            serverB.waitUntilExit()
        }
        #expect(baseA != baseB)
        for base in [baseA, baseB] {
            let page = try Tools.run("curl", ["-s", "-w", "\n%{http_code}", base + path])
            #expect(page.stdout.hasSuffix("\n200") && page.stdout.contains(id.prefix(16)), "\(page.stdout.suffix(200))")
        }
        #expect(try a.eds("vault", "check").status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: a.directory.path).sorted() == ["order.txt"], "nothing of the vault in a node's directory")
        #expect(try FileManager.default.contentsOfDirectory(atPath: b.directory.path) == ["order.asics"])
    }

    @Test func twoConcurrentWritersLoseNoAcknowledgedDocumentWhenOneIsKilled() throws {
        let shared = try PostgresNode.sharedVault()
        let a = try PostgresNode(shared)
        let b = try PostgresNode(shared)
        // Each writer prints a document's id only once `vault put` acknowledged it.
        let script = """
            for i in $(seq 1 30); do
              printf 'Приказ № %s-К, узел %s\\n' "$i" "$NODE" > "d$i.txt"
              id=$("$EDS" vault put "d$i.txt" --owner-iin 900315301237 --employer-bin 150640123452 --type order-hiring) && echo "$id" >> acked
            done
            """
        let writers = try [a, b].enumerated().map { number, node in try node.script(script, extra: ["NODE": "\(number)"]) }
        let acked = a.directory.appendingPathComponent("acked")
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, ((try? String(contentsOf: acked, encoding: .utf8)) ?? "").split(separator: "\n").count < 5 {
            Thread.sleep(forTimeInterval: 0.05)
        }
        // kill -9 of writer A's whole process group: the shell and whatever `vault put` it is running.
        #expect(getpgid(writers[0].processIdentifier) == writers[0].processIdentifier, "the writer leads its process group")
        kill(-writers[0].processIdentifier, SIGKILL)
        writers[0].waitUntilExit()
        writers[1].waitUntilExit()
        #expect(writers[0].terminationReason == .uncaughtSignal, "writer A was killed, not finished")
        #expect(writers[1].terminationStatus == 0)

        var ids: [String] = []
        for node in [a, b] {
            let text = (try? String(contentsOf: node.directory.appendingPathComponent("acked"), encoding: .utf8)) ?? ""
            ids += text.split(separator: "\n").map(String.init)
        }
        #expect(ids.count >= 35, "A acknowledged at least 5, B all 30")
        let listed = try b.eds("vault", "list", "--format", "json")
        for id in ids {
            #expect(listed.stdout.contains(id), "acknowledged document \(id) is in the vault")
        }
        let check = try b.eds("vault", "check")
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(try a.eds("vault", "get", ids[0], "--as", "iin:\(Self.employee)").status == 0)
    }

    /// `vault migrate` killed with SIGKILL while copying blobs, then run again: it ends with the source's documents,
    /// audit log and a clean check.
    @Test func aMigrationKilledMidwayIsRunAgainAndEndsIdentical() throws {
        let workspace = try Tools.workspace()
        let vault = workspace.appendingPathComponent("vault").path
        let certs = Tools.root.appendingPathComponent("Certs")
        #expect(
            try Tools.eds(
                "vault", "init", vault, "--trust", certs.appendingPathComponent("trust/root.pem").path, "--crl",
                certs.appendingPathComponent("crl/root.crl").path
            ).status == 0)
        var files: [String] = []
        for number in 0..<80 {
            let file = workspace.appendingPathComponent("scan-\(number).bin")
            var bytes = Data(count: 512 * 1024)
            bytes.withUnsafeMutableBytes { buffer in
                for index in stride(from: 0, to: buffer.count, by: 64) { buffer[index] = UInt8.random(in: 0...255) }
            }
            try bytes.write(to: file)
            files.append(file.path)
        }
        let put = try Tools.run(
            Tools.edsvault, ["vault", "put"] + files + ["--vault", vault, "--owner-iin", Self.employee, "--employer-bin", Self.employer, "--type", "other"])
        #expect(put.status == 0, "\(put.stderr)")

        let base = try #require(PostgresNode.baseURL)
        var components = try #require(URLComponents(string: base))
        components.queryItems = [URLQueryItem(name: "schema", value: "t_" + UUID().uuidString.prefix(8).lowercased())]
        let url = try #require(components.string)
        let keyFile = workspace.appendingPathComponent("keys/vault.key").path
        let migrate = ["vault", "migrate", vault, url, "--master-key-file", keyFile]
        let first = Process()
        first.executableURL = URL(fileURLWithPath: Tools.edsvault)
        first.arguments = migrate
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle.nullDevice
        try first.run()
        Thread.sleep(forTimeInterval: 1.0)
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        #expect(first.terminationReason == .uncaughtSignal, "the first run was killed midway, not finished")

        let second = try Tools.run(Tools.edsvault, migrate)
        #expect(second.status == 0 && second.stdout.contains("check: clean"), "\(second.stdout)\(second.stderr)")
        #expect(second.stdout.contains("migrated 80 document(s)"))
        #expect(!second.stdout.contains(", 0 already there"), "the second run resumed the first one's copy: \(second.stdout)")
        let target = ["--vault", url, "--master-key-file", keyFile]
        let sourceAudit = try Tools.run(Tools.edsvault, ["vault", "audit", "--vault", vault])
        let targetAudit = try Tools.run(Tools.edsvault, ["vault", "audit"] + target)
        #expect(sourceAudit.status == 0 && sourceAudit.stdout == targetAudit.stdout)
        let sourceList = try Tools.run(Tools.edsvault, ["vault", "list", "--vault", vault, "--format", "json"])
        let targetList = try Tools.run(Tools.edsvault, ["vault", "list", "--format", "json"] + target)
        #expect(sourceList.stdout == targetList.stdout && !sourceList.stdout.isEmpty)
        #expect(try Tools.run(Tools.edsvault, ["vault", "check"] + target).status == 0)
    }

    @Test func aVaultURLWithoutItsKeyOrServerIsOneLineWithItsExitCode() throws {
        let shared = try PostgresNode.sharedVault()
        let node = try PostgresNode(shared)
        let noKey = try Tools.run(Tools.edsvault, ["vault", "list", "--vault", shared.url], environment: ["EDSVAULT_MASTER_KEY_FILE": ""])
        #expect(noKey.status == 78 && noKey.stderr.split(separator: "\n").count == 1, "\(noKey.stderr)")
        let wrongKey = node.directory.appendingPathComponent("other.key")
        try Data((String(repeating: "ab", count: 32) + "\n").utf8).write(to: wrongKey)
        let wrong = try node.eds("vault", "list", "--master-key-file", wrongKey.path)
        #expect(wrong.status == 78 && wrong.stderr.contains("master key"), "\(wrong.stderr)")
        let unreachable = try Tools.run(
            Tools.edsvault, ["vault", "list", "--vault", "postgres://nobody@127.0.0.1:1/none", "--master-key-file", shared.keyFile.path])
        #expect(unreachable.status == 74 && unreachable.stderr.split(separator: "\n").count == 1, "\(unreachable.stderr)")
        let password = try Tools.run(Tools.edsvault, ["vault", "list", "--vault", "postgres://u:secret@127.0.0.1/db"])
        #expect(password.status == 64 && !password.stderr.contains("secret"))
    }
}

/// One node: an empty working directory; its commands get only the vault URL and the master key file.
struct PostgresNode {
    static let baseURL = ProcessInfo.processInfo.environment["EDSVAULT_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

    struct Shared {
        let url: String
        let keyFile: URL
    }

    let shared: Shared
    let directory: URL

    init(_ shared: Shared) throws {
        self.shared = shared
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-node-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// A new vault in a schema of its own; the master key file (made by init) in a folder of its own.
    static func sharedVault() throws -> Shared {
        let base = try #require(baseURL)
        var components = try #require(URLComponents(string: base))
        components.queryItems = (components.queryItems ?? []).filter { $0.name != "schema" }
            + [URLQueryItem(name: "schema", value: "t_" + UUID().uuidString.prefix(8).lowercased())]
        let url = try #require(components.string)
        let keys = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-keys-\(UUID().uuidString)")
        let keyFile = keys.appendingPathComponent("vault.key")
        let certs = Tools.root.appendingPathComponent("Certs")
        let created = try Tools.run(
            Tools.edsvault,
            [
                "vault", "init", "--store", url, "--master-key-file", keyFile.path, "--trust", certs.appendingPathComponent("trust/root.pem").path,
                "--crl", certs.appendingPathComponent("crl/root.crl").path, "--crl", certs.appendingPathComponent("crl/nca_demo.crl").path,
            ])
        #expect(created.status == 0, "\(created.stderr)")
        return Shared(url: url, keyFile: keyFile)
    }

    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["EDSVAULT_VAULT"] = shared.url
        environment["EDSVAULT_MASTER_KEY_FILE"] = shared.keyFile.path
        environment["EDSVAULT_PASSWORD"] = Tools.password
        environment["EDS"] = Tools.edsvault
        environment.removeValue(forKey: "EDSVAULT_MASTER_KEY")
        return environment
    }

    func process(_ executable: String, _ arguments: [String], extra: [String: String] = [:]) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = environment.merging(extra) { $1 }
        process.standardInput = FileHandle.nullDevice
        return process
    }

    @discardableResult
    func eds(_ arguments: String...) throws -> Tools.Result {
        try Tools.capture(process(Tools.edsvault, arguments))
    }

    /// A bash script; Foundation starts it as the leader of its own process group, so `kill(-pid, SIGKILL)` reaches
    /// the `edsvault` it runs too.
    func script(_ text: String, extra: [String: String]) throws -> Process {
        let process = process("/bin/bash", ["-c", text], extra: extra)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// `serve --port 0` (the kernel picks a free port) on the shared vault, from this node's empty directory.
    func serve() throws -> (Process, String) {
        try Tools.startServe(
            ["--vault", shared.url, "--demo", "--trust", Tools.root.appendingPathComponent("Certs/trust/root.pem").path],
            environment: environment, currentDirectory: directory)
    }
}
