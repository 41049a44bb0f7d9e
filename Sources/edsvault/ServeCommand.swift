import ArgumentParser
import EDSCrypto
import EDSServer
import EDSVault
import EDSVaultPostgres
import EDSVerification
import Foundation

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the verification service: POST /api/v1/verify, the upload page, /proofs/{token}, /openapi.yaml, /health.",
        discussion: """
            Offline by default: a signature is judged from the evidence it carries and the --crl files, never by \
            fetching OCSP/CRLs named in an uploaded certificate (--online allows that). Nothing is trusted by default: \
            name the anchors with --trust or $EDSVAULT_TRUST_DIR; each is logged (subject, SHA-256) at start, and the \
            repository's demo anchors (O=EDS Vault Demo, private keys published) are refused unless --demo is given. \
            Logs go to stderr as key=value lines without personal data. Stops on SIGINT/SIGTERM.
            """
    )

    @Option(
        help: "Vault directory or postgres:// URL whose documents /proofs/{token} shows (default: $EDSVAULT_VAULT; neither: no proofs, /proofs answers 404).")
    var vault: String?

    /// `--vault`, else `$EDSVAULT_VAULT` when set and not empty.
    var vaultLocation: String? {
        if let vault { return vault }
        if let configured = ProcessInfo.processInfo.environment["EDSVAULT_VAULT"], !configured.isEmpty { return configured }
        return nil
    }

    @Option(
        name: .customLong("master-key-file"),
        help: "The master key file of a --vault in PostgreSQL (default: $EDSVAULT_MASTER_KEY_FILE).")
    var masterKeyFile: String?

    @Option(
        name: .customLong("organisation-name"),
        help: "The employer's name eGov Mobile shows for signing sessions (API №1 `organisation`): NAME, or RU|KZ|EN names separated by |.")
    var organisationName: String = "EDS Vault"

    /// `--organisation-name`: one name for all three languages, or `ru|kz|en`.
    var organisationNames: SigningOrganisation {
        let names = organisationName.split(separator: "|", omittingEmptySubsequences: false).map { String($0.prefix(200)) }
        return names.count == 3
            ? SigningOrganisation(nameRu: names[0], nameKz: names[1], nameEn: names[2])
            : SigningOrganisation(nameRu: organisationName, nameKz: organisationName, nameEn: organisationName)
    }

    @Option(help: "TCP port; 0 picks a free one (the chosen port is printed).")
    var port: Int = 8080

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "A trust anchor (PEM or DER, one or many per file); repeatable. Without it: every file in $EDSVAULT_TRUST_DIR; one of the two is required.")
    var trust: [String] = []

    @Flag(help: "Allow the demo trust anchors (O=EDS Vault Demo), whose private keys are published: for demonstrations only.")
    var demo = false

    @Option(help: "A CRL to use as revocation evidence (DER or PEM); repeatable.")
    var crl: [String] = []

    @Flag(help: "Fetch OCSP responses and CRLs from the addresses in the certificates (default: offline).")
    var online = false

    @Option(name: .customLong("max-upload-mib"), help: "Largest request body in MiB; larger uploads get 413.")
    var maxUploadMiB: Int = 100

    @Option(
        name: .customLong("max-connections-per-address"),
        help: "Connections one client address may hold at once; more are closed as they open (behind a proxy, raise it).")
    var maxConnectionsPerAddress: Int = 32

    @Option(
        name: .customLong("request-timeout"),
        help: "Seconds a whole request (headers and body) may take to arrive; its headers must arrive within 30 s.")
    var requestTimeout: Int = 300

    @Option(
        name: .customLong("public-url"),
        help: "The address people reach the service at, for the proof pages' QR codes, e.g. https://eds.example.kz (default: the listen address; never the request's Host header).")
    var publicURL: String?

    @Option(
        name: .customLong("max-signature-mib"),
        help: "Largest signature part in MiB (1 … --max-upload-mib; default 16, or --max-upload-mib when lower); larger ones get 413 as they arrive. Send large attached signatures detached.")
    var maxSignatureMiBOption: Int?

    /// `--max-signature-mib`, else 16 MiB or the upload limit when that is lower.
    var maxSignatureMiB: Int { maxSignatureMiBOption ?? min(ServiceConfiguration.defaultMaxSignatureBytes >> 20, maxUploadMiB) }

    @Option(
        name: .customLong("proof-renders-per-minute"),
        help: "Proof pages and document cards drawn per minute for anonymous link visitors beyond the cache (which keeps each for a minute); more get 429.")
    var proofRendersPerMinute: Int = 120

    @Option(name: .customLong("tls-cert"), help: "The server's certificate chain (PEM): serve HTTPS. With --tls-key.")
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: "The server's private key (PEM), with --tls-cert.")
    var tlsKey: String?

    @Option(name: .customLong("tls-client-ca"), help: "Require client certificates issued by these CAs (PEM): mutual TLS for service clients.")
    var tlsClientCA: String?

    @Flag(
        name: .customLong("insecure-http"),
        help: "Serve the vault API (/api/v1/vault) over plain HTTP on a non-loopback address (credentials then cross the network in clear).")
    var insecureHTTP = false

    @Option(name: .customLong("api-requests-per-minute"), help: "Vault API requests one API key or session may make per minute; more get 429.")
    var apiRequestsPerMinute: Int = 1200

    @Option(name: .customLong("api-requests-per-minute-per-address"), help: "Vault API requests one client address may make per minute.")
    var apiRequestsPerMinutePerAddress: Int = 2400

    /// Whether `host` is a loopback address, where plain HTTP never leaves the machine.
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    mutating func validate() throws {
        guard (1...65535).contains(port) || port == 0 else { throw ValidationError("--port must be 0...65535") }
        guard (1...65536).contains(maxUploadMiB) else { throw ValidationError("--max-upload-mib must be 1...65536") }
        guard (1...100_000).contains(maxConnectionsPerAddress) else { throw ValidationError("--max-connections-per-address must be 1...100000") }
        guard (1...86_400).contains(requestTimeout) else { throw ValidationError("--request-timeout must be 1...86400 seconds") }
        guard (1...max(1, maxUploadMiB)).contains(maxSignatureMiB) else { throw ValidationError("--max-signature-mib must be 1...--max-upload-mib") }
        guard (1...100_000).contains(proofRendersPerMinute) else { throw ValidationError("--proof-renders-per-minute must be 1...100000") }
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        if tlsClientCA != nil && tlsCert == nil { throw ValidationError("--tls-client-ca needs --tls-cert and --tls-key") }
        guard (1...1_000_000).contains(apiRequestsPerMinute), (1...1_000_000).contains(apiRequestsPerMinutePerAddress) else {
            throw ValidationError("--api-requests-per-minute and --api-requests-per-minute-per-address must be 1...1000000")
        }
        guard VerificationService.isLogLevel(logLevel) else { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical") }
        if let publicURL, Self.publicBaseURL(publicURL) == nil {
            throw ValidationError("--public-url must be an http:// or https:// URL with a host and no query, e.g. https://eds.example.kz")
        }
    }

    func run() async throws {
        let configuration = try reportingFailures { () throws -> ServiceConfiguration in
            let anchors = try TrustAnchors.loadNamed(trust)
            if !demo, let anchor = anchors.first(where: \.isDemo) {
                throw CLIFailure(
                    message: "\(anchor.source): \(anchor.certificate.subject) is a demo trust anchor (its private key is published); "
                        + "serve refuses it unless started with --demo",
                    code: ExitStatus.usage)
            }
            let vault = vaultLocation
            let proofs = try vault.map { try Self.proofDirectory(forVault: $0, masterKeyFile: masterKeyFile) }
            proofs?.vault.limitAnonymousRenders(perMinute: proofRendersPerMinute)
            // Proof pages are judged against the vault's own anchors: the same rule applies to them.
            if !demo, let vault, let anchor = proofs?.vault.trustAnchors.first(where: TrustAnchors.isDemo) {
                throw CLIFailure(
                    message: "the vault \(vault) trusts \(anchor.subject), a demo trust anchor (its private key is published); "
                        + "serve refuses it unless started with --demo",
                    code: ExitStatus.usage)
            }
            var configuration = ServiceConfiguration(
                host: host, port: port, trustAnchors: anchors.map(\.certificate), crls: try InputFiles.crls(crl), online: online,
                maxUploadBytes: maxUploadMiB << 20, publicBaseURL: publicURL.flatMap(Self.publicBaseURL), proofs: proofs,
                maxSignatureBytes: maxSignatureMiB << 20)
            if let tlsCert, let tlsKey {
                do { configuration.tls = try ServiceTLS(certificateChain: tlsCert, privateKey: tlsKey, clientCA: tlsClientCA) } catch {
                    throw CLIFailure(message: "\(error)", code: ExitStatus.noInput)
                }
            }
            // The vault API (/api/v1/vault, Docs/vault-api.md) comes with the vault: keys and sessions are the vault's.
            // Bearer credentials travel in clear over plain HTTP, so off loopback it needs TLS or --insecure-http.
            if let vault = proofs?.vault, configuration.tls != nil || Self.isLoopback(host) || insecureHTTP {
                configuration.vaultAPI = try vaultFailures {
                    VaultAPI(
                        vault: vault, authenticator: try VaultAuthenticator(vault: vault), maxDocumentBytes: maxUploadMiB << 20,
                        maxSignatureBytes: maxSignatureMiB << 20,
                        rateLimits: VaultAPIRateLimits(
                            perCredentialPerMinute: apiRequestsPerMinute, perAddressPerMinute: apiRequestsPerMinutePerAddress))
                }
            }
            configuration.maxConnectionsPerAddress = maxConnectionsPerAddress
            configuration.signingSessions = proofs.map { VaultSigningSessionDirectory(vault: $0.vault, organisation: organisationNames) }
            configuration.requestTimeout = .seconds(requestTimeout)
            configuration.requestHeaderTimeout = .seconds(min(30, requestTimeout))
            return configuration
        }
        var notes: [String] = []
        if configuration.proofs != nil, configuration.vaultAPI == nil {
            notes.append("the vault API (/api/v1/vault) is off: plain HTTP on \(host), which is not loopback; give --tls-cert/--tls-key, or --insecure-http")
        }
        if demo, configuration.trustAnchors.contains(where: TrustAnchors.isDemo)
            || (configuration.proofs as? VaultProofDirectory)?.vault.trustAnchors.contains(where: TrustAnchors.isDemo) == true
        {
            notes.append("--demo: trusting the demo anchors, whose private keys are published; anyone can make signatures this service accepts")
        }
        // Anonymous proof views are audited in batches: written every few seconds, and when the service stops.
        let proofVault = (configuration.proofs as? VaultProofDirectory)?.vault
        let flusher = proofVault.map { vault in
            Task.detached {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(2))
                    try? vault.flushAnonymousViews()
                }
            }
        }
        defer {
            flusher?.cancel()
            try? proofVault?.flushAnonymousViews()
        }
        do {
            try await VerificationService.serve(configuration, logLevel: logLevel, notes: notes)
        } catch {
            Terminal.error("edsvault: the service stopped: \(error)")
            throw ExitCode(ExitStatus.unavailable)
        }
    }

    /// `--public-url` without a trailing slash, or nil when it is not an absolute http(s) URL with a host.
    static func publicBaseURL(_ text: String) -> String? {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty,
            components.query == nil, components.fragment == nil, components.user == nil
        else { return nil }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    /// The vault's ProofDirectory for `serve --vault DIR`: tokens from `vault link` open their document's proof.
    static func proofDirectory(forVault location: String, masterKeyFile: String? = nil) throws -> VaultProofDirectory {
        VaultProofDirectory(vault: try VaultOpening.open(location, masterKeyFile: masterKeyFile))
    }
}
