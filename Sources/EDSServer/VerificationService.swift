import EDSCrypto
import EDSVault
import EDSVerification
import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOFoundationCompat

/// What `edsvault serve` was told: where to listen, whom to trust, how much to accept.
public struct ServiceConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var trustAnchors: [Certificate]
    /// CRLs the operator supplies, used besides what each signature carries.
    public var crls: [CertificateRevocationList]
    /// Fetch OCSP responses and CRLs named in the certificates. Off by default: the service then answers from the
    /// signature's embedded evidence and `crls` alone, so a verdict never depends on a third party being reachable,
    /// an upload cannot make the server issue outbound requests, and the same upload always gets the same answer.
    public var online: Bool
    /// Upper bound of one request body in bytes (default 100 MiB); beyond it the answer is 413.
    public var maxUploadBytes: Int
    /// Upper bound of the `signature` (or `signatureText`) part in bytes (default 16 MiB, at least 1 MiB); beyond it the
    /// answer is 413 as soon as the part grows past it. Documents are spooled to disk; a signature is parsed in memory.
    public var maxSignatureBytes: Int
    public static let defaultMaxSignatureBytes = 16 << 20
    /// Threads that validate: one per core by default.
    public var validationThreads: Int
    /// Validations admitted at once (running or waiting); beyond it the answer is 503.
    public var maxPendingValidations: Int
    /// The address people reach the service at (behind a proxy), for the QR code of a proof page. Without it the
    /// listen address (`http://host:port`) is used; never the request's Host header, which the client chooses: a
    /// forged Host would otherwise put an attacker's address in the QR code of a genuine proof page.
    public var publicBaseURL: String?
    /// Resolves `/proofs/{token}`; nil answers every proof with 404.
    public var proofs: (any ProofDirectory)?
    /// Resolves `/sign/{token}` and eGov Mobile's `/egov/api1|api2/{token}` (issue 22); nil answers them with 404.
    public var signingSessions: (any SigningSessionDirectory)?
    /// Connections one client address may hold at once; one more is closed as it opens (browsers open up to 6).
    public var maxConnectionsPerAddress: Int = 32
    /// Time a request's head (request line and headers) may take to arrive, from the connection's start or the
    /// previous answer: a slow-header client is cut off, whatever byte rate keeps it under the idle timeout.
    public var requestHeaderTimeout: Duration = .seconds(30)
    /// Time a whole request (head and body) may take to arrive; beyond it the connection is closed. 300 s carries the
    /// largest upload (100 MiB) at about 3 Mbit/s.
    public var requestTimeout: Duration = .seconds(300)
    /// The vault API (`/api/v1/vault/…`, VaultAPI.swift); nil: the routes are absent (404).
    public var vaultAPI: VaultAPI?
    /// TLS for every route (`serve --tls-cert/--tls-key`, ServiceTLS.swift); nil: plain HTTP.
    public var tls: ServiceTLS?

    public init(
        host: String = "127.0.0.1", port: Int = 8080, trustAnchors: [Certificate], crls: [CertificateRevocationList] = [],
        online: Bool = false, maxUploadBytes: Int = 100 << 20, validationThreads: Int = ProcessInfo.processInfo.activeProcessorCount,
        maxPendingValidations: Int = 256, publicBaseURL: String? = nil, proofs: (any ProofDirectory)? = nil,
        maxSignatureBytes: Int = ServiceConfiguration.defaultMaxSignatureBytes
    ) {
        self.maxSignatureBytes = max(1 << 20, maxSignatureBytes)
        self.host = host
        self.port = port
        self.trustAnchors = trustAnchors
        self.crls = crls
        self.online = online
        self.maxUploadBytes = maxUploadBytes
        self.validationThreads = validationThreads
        self.maxPendingValidations = maxPendingValidations
        self.publicBaseURL = publicBaseURL
        self.proofs = proofs
    }
}

/// The verification service: the routes of DESIGN.md's service contract on Hummingbird 2.
///
/// Owns a validation thread pool, so use `withService` (or call `shutdown()`) to end it.
public final class VerificationService: Sendable {
    public let configuration: ServiceConfiguration
    let validator: SignatureValidator
    let pool: ValidationPool
    let logger: Logger
    /// Names of the trust anchors for the upload page, computed once.
    let trustedCentres: [String]
    /// The port actually bound (differs from the configured one with port 0), for the proof pages' own URL.
    let boundPort: NIOLockedValueBox<Int>
    /// Per-address connection counts and request deadlines, shared by every connection of this service.
    public let connectionLimits: ConnectionLimits

    public init(configuration: ServiceConfiguration, logger: Logger = Logger(label: "edsvault.serve")) {
        self.configuration = configuration
        self.logger = logger
        // validationTime nil: every request is judged now (at its signing moment where a timestamp proves one).
        validator = SignatureValidator(
            policy: ValidationPolicy(
                trustAnchors: configuration.trustAnchors, crls: configuration.crls, offline: !configuration.online,
                revocationSource: configuration.online ? NetworkRevocationSource() : nil))
        pool = ValidationPool(threads: configuration.validationThreads, maxPending: configuration.maxPendingValidations)
        trustedCentres = configuration.trustAnchors.map { $0.subject.commonName ?? $0.subject.description }
        boundPort = NIOLockedValueBox(configuration.port)
        connectionLimits = ConnectionLimits(
            maxPerAddress: max(1, configuration.maxConnectionsPerAddress),
            headerTimeout: Self.timeAmount(configuration.requestHeaderTimeout), requestTimeout: Self.timeAmount(configuration.requestTimeout))
    }

    /// A configured duration as NIO's, at least a nanosecond and at most about 136 years.
    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(max(1, min(max(seconds, 0), 1 << 32) * 1_000_000_000 + attoseconds / 1_000_000_000))
    }

    /// Where the proof pages say they are (their QR codes): `publicBaseURL`, else the listen address.
    var selfBaseURL: String {
        if let base = configuration.publicBaseURL { return base.hasSuffix("/") ? String(base.dropLast()) : base }
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        return "http://\(host):\(boundPort.withLockedValue { $0 })"
    }

    /// Creates the service, runs `body`, and always stops the validation threads afterwards.
    public static func withService<T: Sendable>(
        _ configuration: ServiceConfiguration, logger: Logger = Logger(label: "edsvault.serve"),
        _ body: (VerificationService) async throws -> T
    ) async throws -> T {
        let service = VerificationService(configuration: configuration, logger: logger)
        do {
            let result = try await body(service)
            try await service.shutdown()
            return result
        } catch {
            try? await service.shutdown()
            throw error
        }
    }

    public func shutdown() async throws { try await pool.shutdown() }

    /// The HTTP application; `onServerRunning` receives the bound port (useful with port 0).
    public func makeApplication(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        makeApplication(router: makeRouter(), onServerRunning: onServerRunning)
    }

    /// The same application plus `POST /bench/ceiling`, for `edsvault-service-bench` only: a verification request that
    /// takes exactly the path of `/api/v1/verify` (middleware, logging, multipart reading, the hand-off to a validation
    /// thread, the report's JSON) except that `report` stands in for the validation. Its rate is the ceiling the service
    /// could reach if validating cost nothing. `edsvault serve` never registers it.
    @_spi(Benchmarking) public func makeApplication(
        benchmarkCeiling report: ValidationReport, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = makeRouter()
        router.post("/bench/ceiling") { request, context in
            try await self.verifyAPI(request, context: context) { _, _ in report }
        }
        return makeApplication(router: router, onServerRunning: onServerRunning)
    }

    /// One header field (name and value) at most 8 KiB, all of them 32 KiB, at most 100 fields: browsers send about 1 KiB.
    static let maxHeaderFieldBytes = 8 << 10
    static let maxHeaderListBytes = 32 << 10

    private func makeApplication(
        router: Router<BasicRequestContext>, onServerRunning: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        let connectionLimits = self.connectionLimits
        return Application(
            router: router,
            // A connection that sends nothing for a minute is closed: a stalled upload must not hold its memory forever.
            // One that trickles is closed at its request deadline, and one address holds a bounded number of them
            // (ConnectionLimits). Header fields are bounded far below NIO's 80 KiB defaults: a 63 KB Accept-Language
            // is refused by the parser, not negotiated.
            server: configuration.tls.map { tls in
                tls.server(
                    .http1(
                        configuration: .init(
                            additionalChannelHandlers: [connectionLimits.handler()], idleTimeout: .seconds(60),
                            httpDecoderConfiguration: .init(
                                maxHeaderFieldSize: Self.maxHeaderFieldBytes, maxHeaderListSize: Self.maxHeaderListBytes, maxHeaderFieldCount: 100))))
            }
                ?? .http1(
                    configuration: .init(
                        additionalChannelHandlers: [connectionLimits.handler()], idleTimeout: .seconds(60),
                        httpDecoderConfiguration: .init(
                            maxHeaderFieldSize: Self.maxHeaderFieldBytes, maxHeaderListSize: Self.maxHeaderListBytes, maxHeaderFieldCount: 100))),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: "edsvault"),
            onServerRunning: { [boundPort] channel in
                let port = channel.localAddress?.port ?? 0
                boundPort.withLockedValue { $0 = port }
                await onServerRunning(port)
            },
            logger: logger)
    }

    /// Serves until SIGINT or SIGTERM, then stops gracefully.
    public func run(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await makeApplication(onServerRunning: onServerRunning).runService()
    }

    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: RequestLogMiddleware())
        router.add(middleware: SecurityHeadersMiddleware())

        router.get("/health") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"ok\"}\n")))
        }
        router.get("/openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
        router.get("/") { request, _ in
            let language = Self.language(request)
            return Self.html(
                Pages.upload(
                    language: language, maxUploadMiB: self.configuration.maxUploadBytes >> 20, trustedCentres: self.trustedCentres))
        }
        router.post("/api/v1/verify") { request, context in
            try await self.verifyAPI(request, context: context)
        }
        router.post("/verify") { request, context in
            try await self.verifyPage(request, context: context)
        }
        router.get("/proofs/:token") { request, context in
            try await self.proof(request, context: context)
        }
        router.post("/proofs/:token") { request, context in
            try await self.compareWithProof(request, context: context)
        }
        if let vaultAPI = configuration.vaultAPI { VaultAPIRoutes(api: vaultAPI, service: self).register(on: router) }
        registerSigningSessionRoutes(on: router)
        return router
    }

    // MARK: Verification

    enum Outcome {
        case report(ValidationReport, fileName: String?)
        case refused(HTTPResponse.Status, String)
    }

    /// What turns an upload into a report on a validation thread: `SignatureValidator.validate` except in the benchmark's ceiling.
    typealias Judge = @Sendable (Data, DocumentSource?) throws -> ValidationReport

    /// Reads the upload and validates it off the event loops. Input problems become `.refused`, never a throw.
    func verify(_ request: Request, context: BasicRequestContext, judge: Judge? = nil) async -> Outcome {
        let upload: VerificationUpload
        do {
            upload = try await VerificationUpload.read(
                request, limit: configuration.maxUploadBytes, signatureLimit: configuration.maxSignatureBytes)
        } catch {
            context.logger.info("upload refused", metadata: ["status": "\(error.status.code)", "reason": "\(Self.reasonCode(error))"])
            return .refused(error.status, error.message)
        }
        defer { upload.discard() }
        guard let signature = upload.signature else {
            context.logger.info("upload refused", metadata: ["status": "400", "reason": "missingSignature"])
            return .refused(.badRequest, UploadError.missingSignature.message)
        }
        let document = upload.document
        let validator = self.validator
        let judge = judge ?? { try validator.validate(signature: $0, document: $1) }
        let started = ContinuousClock.now
        do {
            let report = try await pool.run { try judge(signature, document) }
            // Indications and counts only: names, IINs and file names stay out of the log.
            context.logger.info(
                "verified",
                metadata: [
                    "indication": "\(report.indication.rawValue)", "subIndication": "\(report.subIndication?.rawValue ?? "-")",
                    "signatures": "\(report.signatures.count)", "signatureBytes": "\(signature.count)",
                    "documentBytes": "\(report.document?.size ?? 0)", "validationMs": "\(Self.milliseconds(since: started))",
                ])
            return .report(report, fileName: upload.documentFileName)
        } catch is ValidationPool.Busy {
            context.logger.warning("validation queue full", metadata: ["pending": "\(pool.pendingCount)"])
            return .refused(.serviceUnavailable, "the service is busy; try again in a moment")
        } catch let error as CryptoError {
            switch error.code {
            case .malformedInput, .unsupportedAlgorithm:
                context.logger.info("upload refused", metadata: ["status": "400", "reason": "\(error.code.rawValue)"])
                return .refused(.badRequest, error.reason)
            default:
                context.logger.error("validation failed", metadata: ["code": "\(error.code.rawValue)"])
                return .refused(.internalServerError, "the signature could not be validated: \(error.reason)")
            }
        } catch {
            context.logger.error("validation failed", metadata: ["error": "\(type(of: error))"])
            return .refused(.internalServerError, "the signature could not be validated")
        }
    }

    func verifyAPI(_ request: Request, context: BasicRequestContext, judge: Judge? = nil) async throws -> Response {
        switch await verify(request, context: context, judge: judge) {
        case .report(let report, _):
            return try Self.json(report)
        case .refused(let status, let message):
            throw HTTPError(status, headers: Self.refusalHeaders(status), message: message)
        }
    }

    func verifyPage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let language = Self.language(request)
        switch await verify(request, context: context) {
        case .report(let report, let fileName):
            let json = String(decoding: try report.jsonData(), as: UTF8.self)
            return Self.html(Pages.uploadResult(report: report, fileName: fileName, language: language, json: json), noStore: true)
        case .refused(let status, let message):
            let page = Pages.error(title: language.strings.errorTitle, message: message, language: language, switchPath: "/")
            var response = Self.html(page, status: status)
            response.headers.append(contentsOf: Self.refusalHeaders(status))
            return response
        }
    }

    // MARK: Proofs

    /// Link tokens are base64url/hex of at least 128 bits; anything else is not looked up at all.
    static func plausibleToken(_ token: String) -> Bool {
        (16...256).contains(token.utf8.count)
            && token.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95 }
    }

    /// The proof behind `token` from the directory, on the validation threads under the admission limit: nil for an
    /// unknown, expired or revoked token; a full queue is 503, a directory's render limit 429 with Retry-After.
    func lookUpProof(_ token: String, context: BasicRequestContext) async throws -> VaultProof? {
        guard let directory = configuration.proofs, Self.plausibleToken(token) else { return nil }
        do {
            // Opening blobs and re-validating blocks: on the validation threads, under the same admission limit.
            return try await pool.run { try directory.proof(forToken: token) }
        } catch is ValidationPool.Busy {
            context.logger.warning("validation queue full", metadata: ["pending": "\(pool.pendingCount)", "route": "proof"])
            throw HTTPError(.serviceUnavailable, headers: Self.refusalHeaders(.serviceUnavailable), message: "the service is busy; try again in a moment")
        } catch let busy as ProofRenderBusy {
            throw Self.renderLimited(busy, context: context)
        } catch {
            // The token is a bearer secret: it is never logged.
            context.logger.error("proof lookup failed", metadata: ["error": "\(type(of: error))"])
            throw HTTPError(.internalServerError, message: "the proof could not be read")
        }
    }

    static func renderLimited(_ busy: ProofRenderBusy, context: BasicRequestContext) -> HTTPError {
        context.logger.warning("proof renders limited", metadata: ["retryAfter": "\(busy.retryAfterSeconds)"])
        return HTTPError(
            .tooManyRequests, headers: [.retryAfter: "\(busy.retryAfterSeconds)"], message: "too many proof requests; try again in a moment")
    }

    func proofNotFound(_ request: Request, context: BasicRequestContext, path: String, wantsJSON: Bool) throws -> Response {
        context.logger.info("proof not found")
        if wantsJSON { throw HTTPError(.notFound, message: "no proof at this address") }
        let language = Self.language(request)
        let t = language.strings
        return Self.html(Pages.error(title: t.notFoundTitle, message: t.notFoundText, language: language, switchPath: path), status: .notFound)
    }

    func proof(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        let path = "/proofs/\(token)"
        if Self.wantsPDF(request) { return try await proofCard(request, context: context, token: token, path: path) }
        let wantsJSON = Self.wantsJSON(request)
        guard let proof = try await lookUpProof(token, context: context) else {
            return try proofNotFound(request, context: context, path: path, wantsJSON: wantsJSON)
        }
        context.logger.info("proof served", metadata: ["indication": "\(proof.report.indication.rawValue)", "format": wantsJSON ? "json" : "html"])
        if wantsJSON { return try Self.json(proof.report, noStore: true) }
        return Self.html(Pages.proof(proof, selfURL: selfBaseURL + path, path: path, language: Self.language(request)), noStore: true)
    }

    /// `POST /proofs/{token}`: a verifier who holds the document uploads it (multipart part `document`) and sees whether
    /// its SHA-256 is the signed document's. The file is spooled like a verification upload, hashed, and deleted.
    func compareWithProof(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        let path = "/proofs/\(token)"
        let language = Self.language(request)
        let wantsJSON = Self.wantsJSON(request)
        let upload: VerificationUpload
        do {
            upload = try await VerificationUpload.read(request, limit: configuration.maxUploadBytes)
        } catch {
            context.logger.info("upload refused", metadata: ["status": "\(error.status.code)", "reason": "\(Self.reasonCode(error))"])
            throw HTTPError(error.status, headers: Self.refusalHeaders(error.status), message: error.message)
        }
        defer { upload.discard() }
        guard let document = upload.document else {
            throw HTTPError(.badRequest, message: "no document: send the file in the multipart part named \"document\"")
        }
        guard let proof = try await lookUpProof(token, context: context) else {
            return try proofNotFound(request, context: context, path: path, wantsJSON: wantsJSON)
        }
        let sha256: String
        do {
            sha256 = try await pool.run { try document.digests([.sha256]).digests[.sha256]?.hexString ?? "" }
        } catch is ValidationPool.Busy {
            throw HTTPError(.serviceUnavailable, headers: Self.refusalHeaders(.serviceUnavailable), message: "the service is busy; try again in a moment")
        }
        let matches = sha256 == proof.sha256.lowercased()
        context.logger.info("document compared", metadata: ["matches": "\(matches)"])
        if wantsJSON {
            let json = "{\n  \"matches\" : \(matches),\n  \"sha256\" : \"\(sha256)\",\n  \"documentSHA256\" : \"\(proof.sha256)\"\n}\n"
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        let comparison: DocumentComparison = matches ? .matches : .differs(sha256: sha256)
        return Self.html(
            Pages.proof(proof, selfURL: selfBaseURL + path, path: path, language: language, comparison: comparison), noStore: true)
    }

    // MARK: Helpers

    static func language(_ request: Request) -> PageLanguage {
        PageLanguage.negotiate(query: request.uri.queryParameters.get("lang"), acceptLanguage: request.headers[.acceptLanguage])
    }

    /// `?format=json|html` first (a link can carry it), then Accept: JSON when application/json outranks text/html.
    static func wantsJSON(_ request: Request) -> Bool {
        if let format = request.uri.queryParameters.get("format") { return format.lowercased() == "json" }
        guard let accept = request.headers[.accept] else { return false }
        var json = 0.0
        var html = 0.0
        // Bounded like Accept-Language (PageLanguage.negotiate): the first ranges decide.
        for range in accept.utf8.prefix(PageLanguage.maximumHeaderBytes).split(separator: UInt8(ascii: ",")).prefix(PageLanguage.maximumRanges)
            .map({ String(decoding: $0, as: UTF8.self) })
        {
            let fields = range.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let type = fields.first else { continue }
            let quality = fields.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if type == "application/json" { json = max(json, quality) }
            if type == "text/html" || type == "application/xhtml+xml" { html = max(html, quality) }
        }
        return json > 0 && json > html
    }

    static func json(_ report: ValidationReport, noStore: Bool = false) throws -> Response {
        // Byte for byte what `edsvault verify --format json` prints (its `jsonData()` is this writer too).
        var json = ReportJSONWriter.json(report, pretty: true)
        json.append(0x0A)
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if noStore { headers[.cacheControl] = "no-store" }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json)))
    }

    static func html(_ page: String, status: HTTPResponse.Status = .ok, noStore: Bool = false) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8"]
        // Proof and result pages carry personal data: no shared or browser cache keeps them.
        if noStore { headers[.cacheControl] = "no-store" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    /// A 413 closes the connection, so the rest of an oversized body is never read.
    static func refusalHeaders(_ status: HTTPResponse.Status) -> HTTPFields {
        switch status {
        case .contentTooLarge: [.connection: "close"]
        case .serviceUnavailable: [.retryAfter: "1"]
        default: [:]
        }
    }

    static func reasonCode(_ error: UploadError) -> String {
        switch error {
        case .notMultipart: "notMultipart"
        case .tooLarge: "tooLarge"
        case .signatureTooLarge: "signatureTooLarge"
        case .malformed: "malformed"
        case .missingSignature: "missingSignature"
        }
    }

    /// "12.3": milliseconds to a tenth, for the logs (integer arithmetic: `String(format:)` cost ~2 % of a request).
    static func milliseconds(since start: ContinuousClock.Instant) -> String {
        let elapsed = ContinuousClock.now - start
        let tenths = elapsed.components.seconds * 10_000 + (elapsed.components.attoseconds + 50_000_000_000_000) / 100_000_000_000_000
        return "\(tenths / 10).\(tenths % 10)"
    }
}

// MARK: - edsvault serve

extension VerificationService {
    public static func isLogLevel(_ name: String) -> Bool { Logger.Level(rawValue: name) != nil }

    /// What `edsvault serve` runs: key=value logs on stderr at `logLevel`, one "listening on" line on stdout (the
    /// port matters with --port 0), then requests until SIGINT/SIGTERM, then the validation threads stop.
    public static func serve(_ configuration: ServiceConfiguration, logLevel: String, notes: [String] = []) async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = {
            var logger = Logger(label: "edsvault.serve")
            logger.logLevel = level
            return logger
        }()
        for note in notes { logger.warning("\(note)") }
        // The operator sees exactly whom this service trusts (CA subjects are not personal data).
        for anchor in configuration.trustAnchors {
            logger.info(
                "trust anchor",
                metadata: [
                    "subject": "\(anchor.subject)", "sha256": "\(anchor.sha256Fingerprint.hexString)",
                    "notAfter": "\(anchor.notAfter.formatted(.iso8601))",
                ])
        }
        if configuration.publicBaseURL == nil {
            // A wildcard listen address in a QR code reaches nobody: say so louder.
            let wildcard = ["0.0.0.0", "::", "[::]"].contains(configuration.host)
            logger.log(
                level: wildcard ? .warning : .notice, "no --public-url: proof pages' QR codes carry the listen address",
                metadata: ["host": "\(configuration.host)"])
        }
        try await withService(configuration, logger: logger) { service in
            try await service.run { port in
                FileHandle.standardOutput.write(
                    Data("edsvault: listening on \(configuration.tls == nil ? "http" : "https")://\(configuration.host):\(port)\n".utf8))
                logger.info(
                    "listening",
                    metadata: [
                        "host": "\(configuration.host)", "port": "\(port)", "trustAnchors": "\(configuration.trustAnchors.count)",
                        "crls": "\(configuration.crls.count)", "online": "\(configuration.online)",
                        "maxUploadBytes": "\(configuration.maxUploadBytes)", "validationThreads": "\(configuration.validationThreads)",
                        "proofs": "\(configuration.proofs != nil)",
                    ])
            }
        }
    }
}
