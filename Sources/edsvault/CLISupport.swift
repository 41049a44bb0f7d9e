import ArgumentParser
import EDSCrypto
import EDSVerification
import Foundation

/// Exit codes of the CLI contract (DESIGN.md), sysexits-compatible.
enum ExitStatus {
    static let usage: Int32 = 64
    static let dataError: Int32 = 65
    static let noInput: Int32 = 66
    static let unavailable: Int32 = 69
    static let cannotCreate: Int32 = 73
}

/// One line on stderr, then the documented exit code: never a stack trace.
struct CLIFailure: Error {
    let message: String
    let code: Int32
}

extension ParsableCommand {
    /// Runs `body`, turning library errors into the CLI's one-line messages and exit codes.
    func reportingFailures(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let failure as CLIFailure {
            FileHandle.standardError.write(Data("edsvault: \(failure.message)\n".utf8))
            throw ExitCode(failure.code)
        } catch let error as CryptoError {
            FileHandle.standardError.write(Data("edsvault: \(error.description)\n".utf8))
            switch error.code {
            case .fileAccess: throw ExitCode(ExitStatus.noInput)
            case .network: throw ExitCode(ExitStatus.unavailable)
            default: throw ExitCode(ExitStatus.dataError)
            }
        }
    }
}

enum InputFiles {
    static func read(_ path: String, what: String) throws -> Data {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw CLIFailure(message: "\(what) not found: \(path)", code: ExitStatus.noInput)
        }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: url.path) else {
            throw CLIFailure(message: "cannot read \(what) \(path)", code: ExitStatus.noInput)
        }
        return data
    }

    /// A document to hash streaming: checked for existence and readability without loading it.
    static func document(_ path: String) throws -> DocumentSource {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CLIFailure(message: "document not found: \(path)", code: ExitStatus.noInput)
        }
        guard !isDirectory.boolValue, FileManager.default.isReadableFile(atPath: path) else {
            throw CLIFailure(message: "cannot read document \(path)", code: ExitStatus.noInput)
        }
        return .file(URL(fileURLWithPath: path))
    }

    /// CRL files (DER or PEM) given with `--crl`.
    static func crls(_ paths: [String]) throws -> [CertificateRevocationList] {
        try paths.map { path in
            let data = try read(path, what: "CRL")
            guard let list = try? CertificateRevocationList(data) else {
                throw CLIFailure(message: "\(path) is not a CRL", code: ExitStatus.dataError)
            }
            return list
        }
    }

    static func certificates(_ path: String) throws -> [Certificate] {
        let data = try read(path, what: "certificate file")
        do {
            return try Certificate.parseAll(data)
        } catch {
            throw CLIFailure(message: "\(path) is not a PEM or DER certificate", code: ExitStatus.dataError)
        }
    }

    /// Writes through a temporary file and a rename, so a failure never leaves half a file behind.
    static func writeAtomically(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw CLIFailure(message: "cannot write \(path): \(error.localizedDescription)", code: ExitStatus.cannotCreate)
        }
    }
}

/// Trust anchors: `--trust` files, else the demo anchors under Certs/trust/.
enum TrustAnchors {
    static func load(_ paths: [String]) throws -> [Certificate] {
        if !paths.isEmpty { return try paths.flatMap { try InputFiles.certificates($0) } }
        guard let directory = defaultDirectory() else {
            throw CLIFailure(message: "no trust anchors: pass --trust CERT or set EDSVAULT_TRUST_DIR", code: ExitStatus.usage)
        }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
        let anchors = files.filter { $0.hasSuffix(".pem") || $0.hasSuffix(".cer") || $0.hasSuffix(".crt") || $0.hasSuffix(".der") }
            .compactMap { try? Certificate.parseAll(Data(contentsOf: directory.appendingPathComponent($0))) }
            .flatMap { $0 }
        guard !anchors.isEmpty else {
            throw CLIFailure(message: "no certificates in \(directory.path): pass --trust CERT", code: ExitStatus.usage)
        }
        return anchors
    }

    /// $EDSVAULT_TRUST_DIR, ./Certs/trust, or Certs/trust beside the package the executable was built in.
    static func defaultDirectory() -> URL? {
        if let configured = ProcessInfo.processInfo.environment["EDSVAULT_TRUST_DIR"], !configured.isEmpty {
            return URL(fileURLWithPath: configured)
        }
        let local = URL(fileURLWithPath: "Certs/trust")
        if FileManager.default.fileExists(atPath: local.path) { return local }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = directory.appendingPathComponent("Certs/trust")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }
}

/// Passwords never come from the command line: an environment variable, a file, or the terminal.
struct PasswordOptions: ParsableArguments {
    @Option(name: .customLong("password-env"), help: "Read the key password from this environment variable.")
    var passwordEnvironment: String?

    @Option(name: .customLong("password-file"), help: "Read the key password from the first line of this file.")
    var passwordFile: String?

    func password(prompt: String) throws -> String {
        if let name = passwordEnvironment {
            guard let value = ProcessInfo.processInfo.environment[name] else {
                throw CLIFailure(message: "environment variable \(name) is not set", code: ExitStatus.usage)
            }
            return value
        }
        if let passwordFile {
            let data = try InputFiles.read(passwordFile, what: "password file")
            return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        }
        guard isatty(STDIN_FILENO) == 1, let typed = getpass(prompt) else {
            throw CLIFailure(message: "no password: use --password-env VAR or --password-file FILE", code: ExitStatus.usage)
        }
        return String(cString: typed)
    }

    func openKey(_ path: String) throws -> PKCS12Bundle {
        let data = try InputFiles.read(path, what: "key file")
        let password = try password(prompt: "Password for \(path): ")
        do {
            return try PKCS12Bundle.open(data, password: password)
        } catch let error as CryptoError where error.code == .wrongPassword {
            throw CLIFailure(message: "wrong password for \(path)", code: ExitStatus.dataError)
        } catch let error as CryptoError {
            throw CLIFailure(message: "\(path): \(error.reason)", code: ExitStatus.dataError)
        }
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

enum DateArgument {
    static func parse(_ text: String) throws -> Date {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        let formatter = ISO8601DateFormatter()
        for options: ISO8601DateFormatter.Options in [[.withFullDate], [.withInternetDateTime, .withFractionalSeconds]] {
            formatter.formatOptions = options
            if let date = formatter.date(from: text) { return date }
        }
        throw CLIFailure(message: "--at expects an ISO 8601 time such as 2026-01-31T12:00:00Z, got \(text)", code: ExitStatus.usage)
    }
}
