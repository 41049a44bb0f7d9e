import Foundation
import Testing

/// Runs edsvault, openssl and the pyHanko referee as a user would, from the repository root.
enum Tools {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let password = "Demo-2026!"

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static var edsvault: String {
        let candidates = [
            ProcessInfo.processInfo.environment["EDSVAULT_BIN"],
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("edsvault").path(percentEncoded: false),
            root.appendingPathComponent(".build/debug/edsvault").path(percentEncoded: false),
        ].compactMap { $0 }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
    }

    static var python: String {
        ProcessInfo.processInfo.environment["EDSVAULT_PYTHON"] ?? root.appendingPathComponent(".venv/bin/python").path
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String], environment extra: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
        process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
        process.currentDirectoryURL = root
        var environment = ProcessInfo.processInfo.environment
        environment["EDSVAULT_PASSWORD"] = password
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        return try capture(process)
    }

    /// Runs a prepared process to its end with stdin closed, collecting its status and output.
    static func capture(_ process: Process) throws -> Result {
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read before waiting: a full pipe would block the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func eds(_ arguments: String...) throws -> Result { try run(edsvault, arguments) }
    static func openssl(_ arguments: String...) throws -> Result { try run("openssl", arguments) }

    /// A scratch directory with a personnel document in it.
    static func workspace() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data("БҰЙРЫҚ № 5-Ж: Қасымов Ә.С. жұмысқа қабылдансын.\nПриказ № 5-К о приёме на работу.\n".utf8)
            .write(to: directory.appendingPathComponent("order.txt"))
        return directory
    }

    /// A server process (an absolute executable, no shim) started from the repository root with its output
    /// discarded; the caller kills it with SIGKILL and waits for it.
    static func startServer(_ executable: String, _ arguments: [String]) throws -> Process {
        let server = Process()
        server.executableURL = URL(fileURLWithPath: executable)
        server.arguments = arguments
        server.currentDirectoryURL = root
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        return server
    }

    /// Serves Certs/crl where the demo certificates' CRL distribution points say (http://127.0.0.1:18791/…) for
    /// the duration of `body`; killed before this returns.
    static func withDemoCRLServer<T>(_ body: () throws -> T) throws -> T {
        let server = try startServer(python, ["-m", "http.server", "18791", "--bind", "127.0.0.1", "--directory", "Certs/crl"])
        defer {
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        for _ in 0..<50 {
            if (try? Data(contentsOf: URL(string: "http://127.0.0.1:18791/nca_demo.crl")!)) != nil { break }
            usleep(100_000)
        }
        return try body()
    }

    /// `edsvault serve --port 0 ARGUMENTS` (the kernel picks a free port) from the repository root, waiting up to 30 s
    /// for its "listening on" line; returns the process and its base URL. The caller kills it with SIGKILL and waits.
    static func startServe(_ arguments: [String], environment: [String: String]? = nil, currentDirectory: URL? = nil) throws -> (server: Process, base: String) {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-serve-\(UUID().uuidString).out")
        try Data().write(to: output)
        defer { try? FileManager.default.removeItem(at: output) }
        let server = Process()
        server.executableURL = URL(fileURLWithPath: edsvault)
        server.arguments = ["serve", "--port", "0"] + arguments
        server.currentDirectoryURL = currentDirectory ?? root
        if let environment { server.environment = environment }
        server.standardOutput = try FileHandle(forWritingTo: output)
        server.standardError = FileHandle.nullDevice
        server.standardInput = FileHandle.nullDevice
        try server.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, server.isRunning {
            let printed = String(decoding: (try? Data(contentsOf: output)) ?? Data(), as: UTF8.self)
            if let line = printed.split(separator: "\n").first(where: { $0.hasPrefix("edsvault: listening on ") }) {
                return (server, String(line.dropFirst("edsvault: listening on ".count)))
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
        throw ServeDidNotStart(arguments: arguments)
    }

    struct ServeDidNotStart: Error, CustomStringConvertible {
        let arguments: [String]
        var description: String { "edsvault serve \(arguments.joined(separator: " ")) did not start within 30 s" }
    }

    /// The reference TSA (Tests/Referees/tsa_server.py, Python's own RFC 3161 stack) on a loopback port; the caller
    /// kills it with SIGKILL.
    /// `signer`: another certificate for the demo TSA key (a test's long-lived TSA), instead of Certs/tsa.pem.
    /// `port`: a given one (a test that needs the TSA's URL before it runs), instead of one the kernel picks (so
    /// tests running at once, in this checkout or another, never race for a port).
    static func startReferenceTSA(signer: String? = nil, port given: Int? = nil) throws -> (server: Process, port: Int) {
        let server = Process()
        // The venv's interpreter itself, not a shim script: killing a shim would leave the server holding our pipes.
        server.executableURL = URL(fileURLWithPath: python)
        server.arguments = ["Tests/Referees/tsa_server.py", String(given ?? 0)] + (signer.map { [$0] } ?? [])
        server.currentDirectoryURL = root
        let ready = Pipe()
        server.standardOutput = ready
        server.standardError = FileHandle.nullDevice
        try server.run()
        // "ready PORT"
        let line = String(decoding: ready.fileHandleForReading.availableData, as: UTF8.self)
        guard let port = line.split(separator: " ").last.flatMap({ Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) else {
            server.terminate()
            throw ReferenceTSAFailure(output: line)
        }
        return (server, port)
    }

    struct ReferenceTSAFailure: Error, CustomStringConvertible {
        let output: String
        var description: String { "the reference TSA did not start (it said \"\(output)\")" }
    }

    /// The demo root, named explicitly: nothing is trusted by default.
    static let trustArguments = ["--trust", "Certs/trust/root.pem"]
    static let crlArguments = ["--crl", "Certs/crl/nca_demo.crl", "--crl", "Certs/crl/root.crl", "--offline"]
}

/// The loopback ports the demo certificates name (OCSP 18790, CRL 18791) exist once per machine. A test that serves
/// them, or relies on nobody serving them, holds this lock for its duration: an flock(2) on a file in /tmp, which the
/// kernel releases if the process dies. Two checkouts running `swift test` at once then take turns instead of
/// failing to bind, or answering each other's requests with another demo PKI's keys.
struct DemoPortsLock: SuiteTrait, TestTrait, TestScoping {
    static let defaultPath = "/tmp/edsvault-demo-ports.lock"
    var path = DemoPortsLock.defaultPath

    var isRecursive: Bool { true }

    /// Each test case holds the lock, not the suite: a suite-wide hold would make a nested test wait for its parent.
    func scopeProvider(for test: Test, testCase: Test.Case?) -> DemoPortsLock? { testCase == nil ? nil : self }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let held = try await acquire()
        defer { close(held) }
        try await function()
    }

    /// Waits (without blocking a thread of the cooperative pool) until this process holds the lock; closing the returned
    /// descriptor releases it.
    func acquire() async throws -> Int32 {
        // Close-on-exec: a server started under the lock must not keep holding it after the test.
        let descriptor = open(path, O_CREAT | O_RDONLY | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw LockFailure(path: path, reason: String(cString: strerror(errno))) }
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                throw LockFailure(path: path, reason: reason)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return descriptor
    }

    struct LockFailure: Error, CustomStringConvertible {
        let path: String
        let reason: String
        var description: String { "cannot lock \(path): \(reason)" }
    }
}

extension Trait where Self == DemoPortsLock {
    /// The demo certificates' OCSP and CRL ports, held across processes for each test case (`DemoPortsLock`).
    static var demoPorts: Self { DemoPortsLock() }
}
