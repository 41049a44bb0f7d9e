import ArgumentParser
import EDSCrypto
import EDSServer
import EDSVault
import EDSVaultPostgres
import EDSVerification
import Foundation

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the verification service: POST /api/v1/verify, the upload page, /proofs/{token}, /openapi.yaml, /health.",
        discussion: """
            Offline by default: a signature is judged from the evidence it carries and the --crl files, never by
            fetching OCSP/CRLs named in an uploaded certificate (--online allows that). Logs go to stderr as
            key=value lines without personal data. Stops on SIGINT/SIGTERM.
            """
    )

    @Option(help: "Vault directory whose documents /proofs/{token} shows (default: no proofs, /proofs answers 404).")
    var vault: String?

    @Option(help: "TCP port; 0 picks a free one (the chosen port is printed).")
    var port: Int = 8080

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "A trust anchor (PEM or DER, one or many per file); repeatable. Default: Certs/trust/ or $EDSVAULT_TRUST_DIR.")
    var trust: [String] = []

    @Option(help: "A CRL to use as revocation evidence (DER or PEM); repeatable.")
    var crl: [String] = []

    @Flag(help: "Fetch OCSP responses and CRLs from the addresses in the certificates (default: offline).")
    var online = false

    @Option(name: .customLong("max-upload-mib"), help: "Largest request body in MiB; larger uploads get 413.")
    var maxUploadMiB: Int = 100

    @Option(name: .customLong("public-url"), help: "The address people reach the service at (for the QR codes), e.g. https://eds.example.kz.")
    var publicURL: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    mutating func validate() throws {
        guard (1...65535).contains(port) || port == 0 else { throw ValidationError("--port must be 0...65535") }
        guard maxUploadMiB >= 1 else { throw ValidationError("--max-upload-mib must be at least 1") }
        guard VerificationService.isLogLevel(logLevel) else { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical") }
    }

    func run() throws {
        var configuration: ServiceConfiguration?
        try reportingFailures {
            let anchors = try TrustAnchors.load(trust)
            let crls = try InputFiles.crls(crl)
            configuration = ServiceConfiguration(
                host: host, port: port, trustAnchors: anchors, crls: crls, online: online, maxUploadBytes: maxUploadMiB << 20,
                publicBaseURL: publicURL, proofs: try vault.flatMap(Self.proofDirectory(forVault:)))
        }
        guard let configuration else { return }
        let level = logLevel
        try reportingFailures {
            try Self.blockingRun { try await VerificationService.serve(configuration, logLevel: level, notes: []) }
        }
    }

    /// The vault's ProofDirectory for `serve --vault DIR`: tokens from `vault link` open their document's proof.
    static func proofDirectory(forVault path: String) throws -> (any ProofDirectory)? {
        let directory = URL(fileURLWithPath: path)
        return VaultProofDirectory(vault: try vaultFailures {
            try Vault.open(at: directory, index: try PostgresVaultIndex.configured(forVault: directory))
        })
    }

    /// The CLI is synchronous (ParsableCommand); the server is async. The main thread waits here while the
    /// server runs on Swift's concurrency threads and NIO's event loops, until SIGINT/SIGTERM ends it.
    static func blockingRun(_ body: @escaping @Sendable () async throws -> Void) throws {
        let outcome = ServeOutcome()
        let done = DispatchSemaphore(value: 0)
        Task {
            do { try await body() } catch { outcome.set(error) }
            done.signal()
        }
        done.wait()
        if let error = outcome.error {
            throw CLIFailure(message: "the service stopped: \(error)", code: ExitStatus.unavailable)
        }
    }
}

/// The error the server task ended with, handed to the waiting main thread.
private final class ServeOutcome: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: (any Error)?

    func set(_ error: any Error) { lock.withLock { stored = error } }
    var error: (any Error)? { lock.withLock { stored } }
}
