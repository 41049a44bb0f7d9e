import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 10 item 4: nothing is trusted unless the operator names it (`--trust` or `$EDSVAULT_TRUST_DIR`), a named
/// anchor that cannot be used is an error, and `serve` shows what it trusts and refuses the published demo anchors.
@Suite(.serialized) struct TrustAnchorTests {
    /// Without the variable, whatever the test runner's environment holds.
    static let noTrustDirectory = ["EDSVAULT_TRUST_DIR": ""]

    /// A detached signature of the workspace's order by the demo employee.
    static func signedOrder() throws -> (workspace: URL, document: String, signature: String) {
        let work = try Tools.workspace()
        let document = work.appendingPathComponent("order.txt").path
        let signature = work.appendingPathComponent("order.cms").path
        let signed = try Tools.eds("sign", document, "--key", "Certs/employee.p12", "--password-env", "EDSVAULT_PASSWORD", "--out", signature)
        #expect(signed.status == 0, "\(signed.stderr)")
        return (work, document, signature)
    }

    enum Command: String, CaseIterable, CustomTestStringConvertible {
        case verify, verifyBundle, serve, vaultInit
        var testDescription: String { rawValue }

        func arguments(_ work: URL) -> [String] {
            switch self {
            case .verify: ["verify", "--signature", work.appendingPathComponent("order.cms").path, work.appendingPathComponent("order.txt").path]
            case .verifyBundle: ["verify", "--bundle", work.appendingPathComponent("missing.asics").path]
            case .serve: ["serve", "--port", "0"]
            case .vaultInit: ["vault", "init", work.appendingPathComponent("vault").path]
            }
        }
    }

    /// Run from the repository root, whose Certs/trust/ holds the demo root (and lies above the executable): neither
    /// the working directory nor the executable's parents are searched any more.
    @Test(arguments: Command.allCases)
    func withoutNamedAnchorsTheCommandStopsWithUsageError(_ command: Command) throws {
        let (work, _, _) = try Self.signedOrder()
        let result = try Tools.run(Tools.edsvault, command.arguments(work), environment: Self.noTrustDirectory)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
        #expect(result.stderr.contains("--trust") && result.stderr.contains("EDSVAULT_TRUST_DIR"))
        #expect(result.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: work.appendingPathComponent("vault").path), "no vault half-made")
    }

    @Test func theTrustDirectoryFromTheEnvironmentIsUsedWhenNoTrustIsGiven() throws {
        let (_, document, signature) = try Self.signedOrder()
        let result = try Tools.run(
            Tools.edsvault, ["verify", "--signature", signature, document] + Tools.crlArguments,
            environment: ["EDSVAULT_TRUST_DIR": Tools.root.appendingPathComponent("Certs/trust").path])
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        // --trust wins over the variable: the other root alone finds no chain.
        let named = try Tools.run(
            Tools.edsvault, ["verify", "--signature", signature, document, "--trust", "Certs/other/other-root.pem"] + Tools.crlArguments,
            environment: ["EDSVAULT_TRUST_DIR": Tools.root.appendingPathComponent("Certs/trust").path])
        #expect(named.status == 2 && named.stdout.contains("NO_CERTIFICATE_CHAIN_FOUND"), "\(named.stdout)")
    }

    enum BadAnchor: String, CaseIterable, CustomTestStringConvertible {
        case missingFile, directoryAsFile, notACertificate, emptyFile
        case junkInTrustDirectory, danglingLinkInTrustDirectory, subdirectoryInTrustDirectory, missingTrustDirectory
        var testDescription: String { rawValue }

        var expectedStatus: Int32 {
            switch self {
            case .notACertificate, .emptyFile, .junkInTrustDirectory: 65
            case .missingFile, .directoryAsFile, .danglingLinkInTrustDirectory, .subdirectoryInTrustDirectory, .missingTrustDirectory: 66
            }
        }

        /// The `--trust` arguments and environment naming the good demo root plus this bad one.
        func setUp(in work: URL) throws -> (arguments: [String], environment: [String: String]) {
            let root = Tools.root.appendingPathComponent("Certs/trust/root.pem")
            let directory = work.appendingPathComponent("anchors")
            func trustDirectory(_ add: (URL) throws -> Void) throws -> [String: String] {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                try FileManager.default.copyItem(at: root, to: directory.appendingPathComponent("root.pem"))
                try add(directory)
                return ["EDSVAULT_TRUST_DIR": directory.path]
            }
            switch self {
            case .missingFile:
                return (["--trust", root.path, "--trust", work.appendingPathComponent("absent.pem").path], [:])
            case .directoryAsFile:
                return (["--trust", root.path, "--trust", work.path], [:])
            case .notACertificate:
                return (["--trust", root.path, "--trust", work.appendingPathComponent("order.txt").path], [:])
            case .emptyFile:
                let empty = work.appendingPathComponent("empty.pem")
                try Data().write(to: empty)
                return (["--trust", root.path, "--trust", empty.path], [:])
            case .junkInTrustDirectory:
                return ([], try trustDirectory { try Data("not a certificate\n".utf8).write(to: $0.appendingPathComponent("zz-notes.txt")) })
            case .danglingLinkInTrustDirectory:
                return ([], try trustDirectory { try FileManager.default.createSymbolicLink(atPath: $0.appendingPathComponent("gone.pem").path, withDestinationPath: "/nonexistent/ca.pem") })
            case .subdirectoryInTrustDirectory:
                return ([], try trustDirectory { try FileManager.default.createDirectory(at: $0.appendingPathComponent("old"), withIntermediateDirectories: true) })
            case .missingTrustDirectory:
                return ([], ["EDSVAULT_TRUST_DIR": work.appendingPathComponent("no-such-dir").path])
            }
        }
    }

    /// Before, unreadable anchor files were skipped silently: the operator believed a CA was trusted that was not.
    @Test(arguments: BadAnchor.allCases)
    func anAnchorThatCannotBeUsedIsAnErrorNeverSkipped(_ bad: BadAnchor) throws {
        let (work, document, signature) = try Self.signedOrder()
        let (trust, environment) = try bad.setUp(in: work)
        let result = try Tools.run(
            Tools.edsvault, ["verify", "--signature", signature, document] + trust + Tools.crlArguments,
            environment: Self.noTrustDirectory.merging(environment) { $1 })
        #expect(result.status == bad.expectedStatus, "\(result.stdout) \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
        #expect(result.stdout.isEmpty, "no report on a broken trust set")
    }

    @Test func serveRefusesADemoAnchorUnlessStartedWithDemo() throws {
        for anchor in ["Certs/trust/root.pem", "Certs/other/other-root.pem"] {
            let refused = try Tools.run(Tools.edsvault, ["serve", "--port", "0", "--trust", anchor], environment: Self.noTrustDirectory)
            #expect(refused.status == 64, "\(anchor): \(refused.stderr)")
            #expect(refused.stderr.contains("demo trust anchor") && refused.stderr.contains("--demo"), "\(refused.stderr)")
        }
        let fromDirectory = try Tools.run(
            Tools.edsvault, ["serve", "--port", "0"], environment: ["EDSVAULT_TRUST_DIR": Tools.root.appendingPathComponent("Certs/trust").path])
        #expect(fromDirectory.status == 64 && fromDirectory.stderr.contains("--demo"), "\(fromDirectory.stderr)")
    }

    /// A self-signed root of the organisation's own (not a demo anchor) in `work`: the path of its PEM.
    static func ownRoot(in work: URL) throws -> String {
        let key = work.appendingPathComponent("ca.key").path
        let certificate = work.appendingPathComponent("ca.pem").path
        #expect(
            try Tools.openssl(
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "30", "-subj", "/CN=Own Root/O=Own Org/C=KZ"
            ).status == 0)
        return certificate
    }

    /// `serve --vault` shows proofs judged against the vault's own anchors: a vault made with the demo root is
    /// refused like a demo --trust, whatever --trust says.
    @Test func serveRefusesAVaultThatTrustsADemoAnchorUnlessStartedWithDemo() throws {
        let work = try Tools.workspace()
        let vault = work.appendingPathComponent("vault").path
        #expect(try Tools.run(Tools.edsvault, ["vault", "init", vault, "--trust", "Certs/trust/root.pem"], environment: Self.noTrustDirectory).status == 0)
        let certificate = try TrustAnchorTests.ownRoot(in: work)
        let refused = try Tools.run(
            Tools.edsvault, ["serve", "--port", "0", "--trust", certificate, "--vault", vault], environment: Self.noTrustDirectory)
        #expect(refused.status == 64, "\(refused.stderr)")
        #expect(refused.stderr.contains("the vault") && refused.stderr.contains("--demo"), "\(refused.stderr)")
    }

    /// The SHA-256 fingerprint as the log prints it (lowercase hex), computed by OpenSSL.
    static func fingerprint(_ path: String) throws -> String {
        let printed = try Tools.openssl("x509", "-in", path, "-noout", "-fingerprint", "-sha256").stdout
        let hex = printed.split(separator: "=", maxSplits: 1).last.map(String.init) ?? ""
        return hex.replacingOccurrences(of: ":", with: "").trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    @Test func serveWithDemoLogsEveryAnchorsSubjectAndSHA256() throws {
        let work = try Tools.workspace()
        let log = work.appendingPathComponent("serve.log")
        let output = work.appendingPathComponent("serve.out")
        try Data().write(to: log)
        try Data().write(to: output)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: Tools.edsvault)
        server.arguments = ["serve", "--port", "0", "--demo", "--trust", "Certs/trust/root.pem", "--trust", "Certs/other/other-root.pem"]
        server.currentDirectoryURL = Tools.root
        server.standardOutput = try FileHandle(forWritingTo: output)
        server.standardError = try FileHandle(forWritingTo: log)
        server.standardInput = FileHandle.nullDevice
        try server.run()
        defer {
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        let deadline = Date().addingTimeInterval(30)
        var logged = ""
        while Date() < deadline, server.isRunning, !logged.contains("listening") {
            Thread.sleep(forTimeInterval: 0.05)
            logged = String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self)
        }
        #expect(logged.contains("listening"), "the server did not start: \(logged)")
        let anchorLines = logged.split(separator: "\n").filter { $0.contains("trust anchor") && $0.contains("sha256=") }
        #expect(anchorLines.count == 2, "\(logged)")
        for (path, name) in [("Certs/trust/root.pem", "EDS VAULT DEMO ROOT CA"), ("Certs/other/other-root.pem", "EDS VAULT DEMO OTHER ROOT")] {
            let sha256 = try Self.fingerprint(path)
            #expect(anchorLines.contains { $0.contains(sha256) && $0.contains(name) }, "\(path) \(sha256) not logged: \(logged)")
        }
        #expect(logged.contains("--demo") && logged.contains("published"), "a warning names the demo anchors")
    }

    @Test func vaultInitWarnsAboutADemoAnchorAndNotAboutOthers() throws {
        let work = try Tools.workspace()
        let demo = try Tools.run(
            Tools.edsvault, ["vault", "init", work.appendingPathComponent("demo").path, "--trust", "Certs/trust/root.pem"],
            environment: Self.noTrustDirectory)
        #expect(demo.status == 0, "\(demo.stderr)")
        #expect(demo.stderr.contains("warning") && demo.stderr.contains("demo trust anchor"), "\(demo.stderr)")

        // A CA of one's own (made here, like an organisation's test CA): no warning.
        let key = work.appendingPathComponent("ca.key").path
        let certificate = work.appendingPathComponent("ca.pem").path
        let made = try Tools.openssl(
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "30",
            "-subj", "/CN=Test Org Root/O=Test Org/C=KZ")
        #expect(made.status == 0, "\(made.stderr)")
        let own = try Tools.run(
            Tools.edsvault, ["vault", "init", work.appendingPathComponent("own").path, "--trust", certificate], environment: Self.noTrustDirectory)
        #expect(own.status == 0, "\(own.stderr)")
        #expect(own.stderr.isEmpty, "\(own.stderr)")
    }
}
