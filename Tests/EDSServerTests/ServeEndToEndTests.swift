import EDSServer
import EDSVerification
import Foundation
import Testing

/// Runs programs as a person would, from the repository root.
enum Shell {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String], environment extra: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = Demo.root
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
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

    /// The edsvault binary built beside this test bundle (or $EDSVAULT_BIN).
    static var edsvault: String {
        let candidates = [
            ProcessInfo.processInfo.environment["EDSVAULT_BIN"],
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("edsvault").path(percentEncoded: false),
            Bundle.main.bundleURL.appendingPathComponent("edsvault").path(percentEncoded: false),
            Demo.root.appendingPathComponent(".build/debug/edsvault").path(percentEncoded: false),
        ].compactMap { $0 }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
    }

    static func which(_ tool: String) -> String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return paths.map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// The real `edsvault serve` binary on a free port, driven by curl, killed with SIGKILL at the end.
@Suite(.serialized) struct ServeEndToEndTests {
    @Test func realServerAnswersLikeTheCLIAndRefusesOversizedUploads() throws {
        let curl = try #require(Shell.which("curl"), "curl is needed for the end-to-end test")
        let workspace = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: workspace) }
        let document = workspace.appendingPathComponent("order.txt")
        let signature = workspace.appendingPathComponent("order.txt.cms")
        try Demo.document.write(to: document)
        let signed = try Shell.run(
            Shell.edsvault, ["sign", document.path, "--key", "Certs/employee.p12", "--password-env", "EDS_TEST_PASSWORD", "--out", signature.path],
            environment: ["EDS_TEST_PASSWORD": Demo.password])
        #expect(signed.status == 0, "\(signed.stderr)")

        // --port 0: the kernel picks a free port and the server prints it.
        let log = workspace.appendingPathComponent("serve.log")
        let output = workspace.appendingPathComponent("serve.out")
        try Data().write(to: log)
        try Data().write(to: output)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: Shell.edsvault)
        server.arguments = [
            "serve", "--port", "0", "--trust", "Certs/trust/root.pem", "--demo", "--crl", "Certs/crl/nca_demo.crl", "--crl", "Certs/crl/root.crl", "--max-upload-mib", "1",
        ]
        server.currentDirectoryURL = Demo.root
        server.standardOutput = try FileHandle(forWritingTo: output)
        server.standardError = try FileHandle(forWritingTo: log)
        server.standardInput = FileHandle.nullDevice
        try server.run()
        defer {
            // SIGKILL: nothing of the server may outlive the test, whatever state it is in.
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }

        var base: String?
        let deadline = Date().addingTimeInterval(30)
        while base == nil, Date() < deadline, server.isRunning {
            let printed = String(decoding: (try? Data(contentsOf: output)) ?? Data(), as: UTF8.self)
            if let line = printed.split(separator: "\n").first(where: { $0.hasPrefix("edsvault: listening on ") }) {
                base = String(line.dropFirst("edsvault: listening on ".count))
            } else {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        let url = try #require(base, "the server did not start: \(String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self))")

        let health = try Shell.run(curl, ["-s", "-w", "\n%{http_code}", "\(url)/health"])
        #expect(health.stdout == "{\"status\":\"ok\"}\n\n200")

        // The service's answer is the CLI's JSON report (only the validation time differs).
        let served = try Shell.run(
            curl, ["-s", "-F", "signature=@\(signature.path)", "-F", "document=@\(document.path)", "\(url)/api/v1/verify"])
        let cli = try Shell.run(
            Shell.edsvault,
            ["verify", "--trust", "Certs/trust/root.pem", "--signature", signature.path, document.path, "--crl", "Certs/crl/nca_demo.crl", "--crl", "Certs/crl/root.crl", "--offline",
             "--format", "json"])
        #expect(cli.status == 0, "\(cli.stderr)")
        let servedReport = try ValidationReport.decode(Data(served.stdout.utf8))
        #expect(servedReport.indication == .totalPassed)
        #expect(Self.withoutValidationTime(served.stdout) == Self.withoutValidationTime(cli.stdout))

        // Over --max-upload-mib 1: 413 at once, and the server goes on serving.
        let big = workspace.appendingPathComponent("big.bin")
        try Data(count: 3 << 20).write(to: big)
        let refused = try Shell.run(
            curl, ["-s", "-H", "Expect:", "-w", "\n%{http_code}", "-F", "signature=@\(signature.path)", "-F", "document=@\(big.path)", "\(url)/api/v1/verify"])
        #expect(refused.stdout.hasSuffix("\n413"), "\(refused.stdout) \(refused.stderr)")
        #expect(refused.stdout.contains("{\"error\":{\"message\":"))
        // Chunked, no Content-Length: refused once the bytes received pass the limit; the rest is never read.
        let form = Multipart.verification(signature: try Data(contentsOf: signature), document: Data(count: 3 << 20))
        let formFile = workspace.appendingPathComponent("form.bin")
        try form.body.write(to: formFile)
        let chunked = try Shell.run(
            curl,
            ["-s", "-X", "POST", "-H", "Expect:", "-H", "Transfer-Encoding: chunked", "-H", "Content-Type: \(form.contentType)", "-T", formFile.path,
             "-w", "\n%{http_code}", "\(url)/api/v1/verify"])
        #expect(chunked.stdout.hasSuffix("\n413"), "\(chunked.stdout) \(chunked.stderr)")
        let garbage = try Shell.run(curl, ["-s", "-w", "\n%{http_code}", "-F", "signature=@\(document.path)", "\(url)/api/v1/verify"])
        #expect(garbage.stdout.hasSuffix("\n400"))
        let still = try Shell.run(curl, ["-s", "-o", "/dev/null", "-w", "%{http_code}", "\(url)/health"])
        #expect(still.stdout == "200")

        // The log has one line per request and none of the signer's personal data.
        let logged = String(decoding: try Data(contentsOf: log), as: UTF8.self)
        #expect(logged.contains("route=/api/v1/verify"))
        #expect(!logged.contains("900315301237") && !logged.contains("ҚАСЫМОВ"))
    }

    /// The two runs may straddle a second: the time is also quoted in a check's detail ("… at the validation time T").
    static func withoutValidationTime(_ json: String) -> String {
        json.split(separator: "\n").filter { !$0.contains("\"validationTime\"") && !$0.contains("validation time") }
            .joined(separator: "\n")
    }
}

/// The QR code really scans: libqrencode's modules, rasterised, read back by zbarimg (Debian's zbar-tools).
@Suite struct QRCodeTests {
    @Test func qrCodeScansBackToTheURL() throws {
        let url = "https://eds.example.kz/proofs/pXq7Zr2LkV9sB4nWc8TgHy1J3uAe6DfM"
        let code = try #require(QRCode(url))
        #expect(code.size >= 21 && (code.size - 17) % 4 == 0, "a QR symbol is 17 + 4·version modules wide")
        let svg = code.svg(title: "QR")
        #expect(svg.hasPrefix("<svg") && svg.contains("viewBox=\"0 0 \(code.size + 8) \(code.size + 8)\""))

        let zbarimg = try #require(Shell.which("zbarimg"), "zbarimg (zbar-tools) is needed; .ci/setup installs it")
        // PGM, 6 pixels per module, 4-module white quiet zone.
        let scale = 6
        let side = (code.size + 8) * scale
        var pixels = [UInt8](repeating: 255, count: side * side)
        for row in 0..<code.size {
            for column in 0..<code.size where code.isDark(row: row, column: column) {
                for dy in 0..<scale {
                    for dx in 0..<scale { pixels[((row + 4) * scale + dy) * side + (column + 4) * scale + dx] = 0 }
                }
            }
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-qr-\(UUID().uuidString).pgm")
        try (Data("P5\n\(side) \(side)\n255\n".utf8) + Data(pixels)).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let scanned = try Shell.run(zbarimg, ["-q", "--raw", file.path])
        #expect(scanned.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == url, "\(scanned.stderr)")
    }

    @Test func tooLongForAQRCode() {
        #expect(QRCode(String(repeating: "x", count: 5000)) == nil)
    }
}
