import ArgumentParser
import EDSCard
import EDSCrypto
import EDSVault
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
    @discardableResult
    func reportingFailures<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let failure as CLIFailure {
            Terminal.error("edsvault: \(failure.message)")
            throw ExitCode(failure.code)
        } catch let error as CryptoError {
            Terminal.error("edsvault: \(error.description)")
            switch error.code {
            case .fileAccess: throw ExitCode(ExitStatus.noInput)
            case .network: throw ExitCode(ExitStatus.unavailable)
            default: throw ExitCode(ExitStatus.dataError)
            }
        }
    }
}

/// What the CLI prints for people, escaped at this edge (`TerminalText`): names, titles, file names, subjects and
/// messages can come from a certificate, a signature, a request or the vault's metadata, and a control sequence in
/// any of them must not repaint the terminal (a green "TOTAL_PASSED" over the real verdict). Each call prints one
/// line: a line break inside a value is escaped too. Documents (`vault get`) and JSON are written as they are.
enum Terminal {
    /// One line on standard output.
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((TerminalText.escaped(text) + "\n").utf8))
    }

    /// One line of tab-separated fields on standard output, each field escaped (so a tab inside one is `\t`, and the
    /// separators stay tabs).
    static func fields(_ fields: [String]) {
        FileHandle.standardOutput.write(Data((fields.map { TerminalText.escaped($0) }.joined(separator: "\t") + "\n").utf8))
    }

    /// Several lines on standard output, each escaped.
    static func lines(_ lines: [String]) {
        FileHandle.standardOutput.write(Data((lines.map { TerminalText.escaped($0) }.joined(separator: "\n") + "\n").utf8))
    }

    /// One line on standard error.
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((TerminalText.escaped(text) + "\n").utf8))
    }
}

/// The most bytes each kind of input file may hold: a file is refused (exit 65) from its size before it is read, and
/// a file that grows while it is read is refused at the limit, so memory never follows a hostile file (issue 23,
/// item 9: a 1.5 GB `--bundle` reached 1.6 GB RSS before the bundle's own limit refused it). Text forms (PEM, base64)
/// get a third more than the DER limit of what they carry.
enum InputLimit {
    static func text(_ der: Int) -> Int { der / 3 * 4 + 4096 }

    static let signature = text(ASN1Limits.cms.maximumBytes)
    static let proofBundle = ProofBundle.Limits.standard.maximumBundleBytes
    static let card = CardVerifier.maximumAttachmentBytes
    static let document = ProofBundle.Limits.standard.maximumDocumentBytes
    static let keyFile = text(ASN1Limits.pkcs12.maximumBytes)
    static let passwordFile = 64 << 10
    static let crl = text(ASN1Limits.crl.maximumBytes)
    static let certificateFile = text(ASN1Limits.certificateFile.maximumBytes)
    static let batchList = 256 << 20
    /// `inspect`: a certificate, a CMS or a key file, so the largest of the three.
    static let inspected = max(signature, certificateFile, keyFile)
}

enum InputFiles {
    /// The file's bytes, at most `limit` of them: 66 when it is missing or unreadable, 65 when it is larger.
    static func read(_ path: String, what: String, limit: Int) throws -> Data {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw CLIFailure(message: "\(what) not found: \(path)", code: ExitStatus.noInput)
        }
        guard !isDirectory.boolValue else {
            throw CLIFailure(message: "cannot read \(what) \(path): it is a directory", code: ExitStatus.noInput)
        }
        do {
            return try BoundedFile.read(url, limit: limit, what: "a \(what)")
        } catch let error as CryptoError where error.code == .fileAccess {
            throw CLIFailure(message: "cannot read \(what) \(path)", code: ExitStatus.noInput)
        } catch let error as CryptoError {
            throw CLIFailure(message: error.reason, code: ExitStatus.dataError)
        }
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
            let data = try read(path, what: "CRL", limit: InputLimit.crl)
            guard let list = try? CertificateRevocationList(data) else {
                throw CLIFailure(message: "\(path) is not a CRL", code: ExitStatus.dataError)
            }
            return list
        }
    }

    static func certificates(_ path: String) throws -> [Certificate] {
        let data = try read(path, what: "certificate file", limit: InputLimit.certificateFile)
        do {
            return try Certificate.parseAll(data)
        } catch {
            throw CLIFailure(message: "\(path) is not a PEM or DER certificate", code: ExitStatus.dataError)
        }
    }

    /// Writes through a temporary file and a rename, so a failure never leaves half a file behind.
    ///
    /// `private`: the file holds a personnel document (a proof bundle, a document card), so it is created 0600, as
    /// `vault get --out` writes, from its first byte (a temporary file made by mkstemp, never readable by others).
    static func writeAtomically(_ data: Data, to path: String, private: Bool = false) throws {
        let url = URL(fileURLWithPath: path)
        guard `private` else {
            do {
                try data.write(to: url, options: .atomic)
            } catch {
                throw CLIFailure(message: "cannot write \(path): \(error.localizedDescription)", code: ExitStatus.cannotCreate)
            }
            return
        }
        func failure(_ reason: String) -> CLIFailure { CLIFailure(message: "cannot write \(path): \(reason)", code: ExitStatus.cannotCreate) }
        var template = Array((url.deletingLastPathComponent().path + "/.\(url.lastPathComponent).XXXXXX").utf8CString)
        let descriptor = mkstemp(&template)
        guard descriptor >= 0 else { throw failure(String(cString: strerror(errno))) }
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var written = 0
        let complete = data.withUnsafeBytes { buffer -> Bool in
            while written < buffer.count {
                let count = write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                written += count
            }
            return fsync(descriptor) == 0
        }
        let reason = String(cString: strerror(errno))
        close(descriptor)
        guard complete, rename(temporary, url.path) == 0 else {
            let renameReason = complete ? String(cString: strerror(errno)) : reason
            unlink(temporary)
            throw failure(renameReason)
        }
    }
}

/// Trust anchors: exactly what the operator named, nothing found by searching.
///
/// `verify`, `serve` and `vault init` take `--trust CERT` (repeatable) or, without it, every certificate file in
/// `$EDSVAULT_TRUST_DIR`. Neither given is a usage error: a default set would trust whatever sits in the working
/// directory, and the repository's demo anchors, whose private keys are published. A named file that cannot be read
/// or holds no certificate is an error, never skipped, so the operator never trusts less (or other) than they think.
enum TrustAnchors {
    static let environmentVariable = "EDSVAULT_TRUST_DIR"

    /// One anchor and the file it came from, for logs and warnings.
    struct Anchor {
        let certificate: Certificate
        let source: String

        /// The demo PKI under Certs/ (O=EDS Vault Demo): its keys are in the repository, so anyone can sign under it.
        var isDemo: Bool { TrustAnchors.isDemo(certificate) }
    }

    /// A certificate of the demo PKIs under Certs/: organisation "EDS Vault Demo" (RSA and GOST roots) or
    /// "EDS Vault Demo Stranger Org" (the other root). Their private keys are published in this repository.
    static func isDemo(_ certificate: Certificate) -> Bool {
        certificate.subject.all(DistinguishedName.OID.organization).contains { $0.hasPrefix("EDS Vault Demo") }
    }

    static func load(_ paths: [String]) throws -> [Certificate] { try loadNamed(paths).map(\.certificate) }

    /// The anchors of `--trust` files, else of `$EDSVAULT_TRUST_DIR`; exit 64 when neither names any.
    static func loadNamed(_ paths: [String], environment: [String: String] = ProcessInfo.processInfo.environment) throws -> [Anchor] {
        if !paths.isEmpty {
            return try paths.flatMap { path in try InputFiles.certificates(path).map { Anchor(certificate: $0, source: path) } }
        }
        guard let directory = environment[environmentVariable], !directory.isEmpty else {
            throw CLIFailure(
                message: "no trust anchors: name them with --trust CERT or $\(environmentVariable) (nothing is trusted by default)",
                code: ExitStatus.usage)
        }
        let anchors = try directoryFiles(directory).flatMap { path in
            try InputFiles.certificates(path).map { Anchor(certificate: $0, source: path) }
        }
        guard !anchors.isEmpty else {
            throw CLIFailure(message: "no certificates in $\(environmentVariable) (\(directory))", code: ExitStatus.usage)
        }
        return anchors
    }

    /// Every entry of the directory, sorted; hidden files (`.gitkeep`) aside. A subdirectory is an error, not skipped.
    static func directoryFiles(_ directory: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw CLIFailure(message: "$\(environmentVariable) \(directory) not found", code: ExitStatus.noInput)
        }
        guard isDirectory.boolValue else {
            throw CLIFailure(message: "$\(environmentVariable) \(directory) is not a directory", code: ExitStatus.usage)
        }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw CLIFailure(message: "cannot read $\(environmentVariable) \(directory)", code: ExitStatus.noInput)
        }
        return names.filter { !$0.hasPrefix(".") }.sorted().map { URL(fileURLWithPath: directory).appendingPathComponent($0).path }
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
            let data = try InputFiles.read(passwordFile, what: "password file", limit: InputLimit.passwordFile)
            return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        }
        guard isatty(STDIN_FILENO) == 1, let typed = getpass(prompt) else {
            throw CLIFailure(message: "no password: use --password-env VAR or --password-file FILE", code: ExitStatus.usage)
        }
        return String(cString: typed)
    }

    func openKey(_ path: String) throws -> PKCS12Bundle {
        let data = try InputFiles.read(path, what: "key file", limit: InputLimit.keyFile)
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
