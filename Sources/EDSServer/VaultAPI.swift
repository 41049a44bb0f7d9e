import EDSCrypto
import EDSVault
import EDSVerification
import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOFoundationCompat

/// The vault over HTTP (`/api/v1/vault/…`, Docs/vault-api.md): what `edsvault serve --vault` adds for HR systems that
/// cannot link the library. Every route but the sign-in challenge needs `Authorization: Bearer` (an API key or a
/// session token); the vault's own rules and audit apply to the principal the credential proves.
public struct VaultAPI: Sendable {
    public let vault: Vault
    public let authenticator: VaultAuthenticator
    /// Largest document in a put, in bytes (the request's own limit, `maxUploadBytes`, bounds it too).
    public var maxDocumentBytes: Int
    /// Largest signature in an attach or a sign-in, in bytes.
    public var maxSignatureBytes: Int
    /// Largest JSON body (links, erasures, searches, sign-in), in bytes.
    public static let maxJSONBytes = 64 << 10

    /// Requests per minute per credential and per address.
    public let rateLimits: VaultAPIRateLimits
    let credentialBuckets: TokenBuckets
    let addressBuckets: TokenBuckets
    /// Content downloads streaming now, each on a thread of its own (a slow client holds it): at most
    /// `maxConcurrentDownloads`, beyond that 503 with Retry-After.
    let downloads = NIOLockedValueBox(0)
    public static let maxConcurrentDownloads = 64

    public init(
        vault: Vault, authenticator: VaultAuthenticator, maxDocumentBytes: Int = 100 << 20, maxSignatureBytes: Int = 16 << 20,
        rateLimits: VaultAPIRateLimits = VaultAPIRateLimits()
    ) {
        self.vault = vault
        self.authenticator = authenticator
        self.maxDocumentBytes = maxDocumentBytes
        self.maxSignatureBytes = maxSignatureBytes
        self.rateLimits = rateLimits
        credentialBuckets = TokenBuckets(perMinute: rateLimits.perCredentialPerMinute)
        addressBuckets = TokenBuckets(perMinute: rateLimits.perAddressPerMinute)
    }

    /// The caller behind an `Authorization` value, within its credential's rate limit (`RateLimited` beyond it).
    func authenticate(_ authorization: String?) throws -> AuthenticatedPrincipal {
        let caller = try authenticator.authenticate(authorization: authorization)
        if let retryAfter = credentialBuckets.take(caller.credentialName) {
            throw RateLimited(retryAfter: retryAfter, what: "this credential")
        }
        return caller
    }

    public static let basePath = "/api/v1/vault"
}

/// The routes, bound to the service whose validation threads run their blocking vault work.
struct VaultAPIRoutes: Sendable {
    let api: VaultAPI
    let service: VerificationService

    var vault: Vault { api.vault }

    func register(on router: Router<BasicRequestContext>) {
        let group = router.group(RouterPath(VaultAPI.basePath))
        group.add(middleware: VaultAPIAddressLimitMiddleware(buckets: api.addressBuckets))
        registerSignIn(on: group)
        registerDocuments(on: group)
        registerSigningSessions(on: group)
        registerAdministration(on: group)
    }

    // MARK: - Running vault work

    /// Authenticates the request, then runs `body` on a validation thread (vault calls block on disk or on
    /// PostgreSQL), mapping every failure to its documented answer. The use is audited by credential.
    func authenticated(
        _ request: Request, context: BasicRequestContext, operation: VaultAPIOperation, object: String = "",
        _ body: @escaping @Sendable (AuthenticatedPrincipal) throws -> Response
    ) async -> Response {
        let authorization = request.headers[.authorization]
        let api = self.api
        do {
            return try await service.pool.run {
                let caller = try api.authenticate(authorization)
                do {
                    let response = try body(caller)
                    try? api.vault.auditAPIUse(caller, operation: operation, object: object, outcome: "ok", detail: "\(response.status.code)")
                    return response
                } catch {
                    let status = Self.status(of: error)
                    try? api.vault.auditAPIUse(
                        caller, operation: operation, object: object, outcome: status == .forbidden ? "refused" : "failed", detail: "\(status.code)")
                    throw error
                }
            }
        } catch {
            return Self.failure(error, context: context)
        }
    }

    /// Runs unauthenticated vault work (the sign-in exchange) on a validation thread, failures mapped as above.
    func unauthenticated(context: BasicRequestContext, _ body: @escaping @Sendable () throws -> Response) async -> Response {
        do { return try await service.pool.run(body) } catch { return Self.failure(error, context: context) }
    }

    // MARK: - Answers

    /// The status of a failure: the CLI's exit codes mapped to HTTP (77 → 403, 74 → 500, 65 → 400, 66 → 404).
    static func status(of error: any Error) -> HTTPResponse.Status {
        switch error {
        case is AuthenticationFailure: .unauthorized
        case is AccessRefusal: .forbidden
        case is ValidationPool.Busy: .serviceUnavailable
        case is RateLimited: .tooManyRequests
        case let error as APIInputError: error.status
        case let error as VaultError:
            switch error {
            case .invalidInput: .badRequest
            case .notFound: .notFound
            case .accessDenied: .forbidden
            case .conflict: .conflict
            case .signatureRefused: .unprocessableContent
            case .corrupted, .io, .wrongMasterKey: .internalServerError
            }
        default: .internalServerError
        }
    }

    /// One JSON error body, `{"error":{"message", …}}`, as the verification API answers: a 401 says how to
    /// authenticate, a 403 names the refusing rule, a 500 carries a correlation id that the log line carries too
    /// (the message itself stays in the log: it may name paths or the database).
    static func failure(_ error: any Error, context: BasicRequestContext) -> Response {
        let status = status(of: error)
        var fields: [String: String] = [:]
        var headers: HTTPFields = [:]
        var message: String
        switch error {
        case let failure as AuthenticationFailure:
            message = failure.reason
            headers[.wwwAuthenticate] = "Bearer realm=\"edsvault\""
        case let refusal as AccessRefusal:
            message = refusal.message
            fields["rule"] = refusal.rule
        case let error as VaultError:
            message = error.description
            if case .accessDenied = error { fields["rule"] = "document-access" }
            if case .signatureRefused(let indication, let subIndication, _) = error {
                fields["indication"] = indication
                if let subIndication { fields["subIndication"] = subIndication }
            }
        case let error as APIInputError:
            message = error.message
            if status == .contentTooLarge { headers[.connection] = "close" }
        case is ValidationPool.Busy:
            message = "the service is busy; try again in a moment"
            headers[.retryAfter] = "1"
        case let limited as RateLimited:
            message = "too many requests from \(limited.what); try again in \(limited.retryAfter) s"
            headers[.retryAfter] = "\(limited.retryAfter)"
        default:
            message = "the request failed"
        }
        if status == .internalServerError {
            let correlation = UUID().uuidString.lowercased()
            // The type and, for vault errors, the message (no personal data: vault messages name documents by hash).
            context.logger.error(
                "vault API failure",
                metadata: ["correlationId": "\(correlation)", "error": "\(type(of: error))", "detail": "\((error as? VaultError)?.description ?? "-")"])
            message = "the vault could not complete the request (correlation id \(correlation))"
            fields["correlationId"] = correlation
        } else {
            context.logger.info("vault API refusal", metadata: ["status": "\(status.code)", "rule": "\(fields["rule"] ?? "-")"])
        }
        var error: [String: String] = fields
        error["message"] = message.split(whereSeparator: \.isNewline).first.map(String.init) ?? message
        return json(["error": error], status: status, headers: headers)
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        // Answers carry personal data (owners' IINs, titles): never cached by a proxy or a browser.
        headers[.cacheControl] = "no-store"
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(data: data + Data("\n".utf8))))
    }

    static func bytes(_ data: Data, contentType: String, fileName: String? = nil) -> Response {
        var headers: HTTPFields = [.contentType: contentType, .cacheControl: "no-store"]
        if let fileName { headers[.contentDisposition] = "attachment; filename=\"\(fileName)\"" }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(data: data)))
    }

    /// A JSON request body, read up to `VaultAPI.maxJSONBytes` and decoded (400 with the decoder's first complaint).
    static func decodeJSON<T: Decodable>(_ type: T.Type, from request: Request, what: String) async throws -> T {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
            throw APIInputError(.unsupportedMediaType, "\(what) is sent as application/json")
        }
        let body = try await collect(request, limit: VaultAPI.maxJSONBytes)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do { return try decoder.decode(T.self, from: Data(buffer: body)) } catch let error as DecodingError {
            throw APIInputError(.badRequest, "\(what) is not valid: \(APIInputError.describe(error))")
        } catch {
            throw APIInputError(.badRequest, "\(what) is not valid JSON")
        }
    }

    /// The body, at most `limit` bytes (413 beyond: the first byte over stops the read).
    static func collect(_ request: Request, limit: Int) async throws -> ByteBuffer {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw APIInputError(.contentTooLarge, "the body is larger than the limit of \(limit) bytes")
        }
        var request = request
        do { return try await request.collectBody(upTo: limit) } catch {
            throw APIInputError(.contentTooLarge, "the body is larger than the limit of \(limit) bytes")
        }
    }

    /// A document id from the path: 64 hex digits, anything else is 400 before the vault is asked.
    static func documentID(_ context: BasicRequestContext) throws -> String {
        let id = context.parameters.get("id") ?? ""
        guard id.utf8.count == 64, id.allSatisfy(\.isHexDigit) else {
            throw APIInputError(.badRequest, "a document id is the SHA-256 of its bytes: 64 hex digits")
        }
        return id.lowercased()
    }
}

/// Bad input found by the HTTP layer itself (content type, size, JSON), with its status.
struct APIInputError: Error {
    var status: HTTPResponse.Status
    var message: String

    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    /// The decoder's complaint in one line, naming the field.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let names = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return names.isEmpty ? "the body" : names.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context)).\(key.stringValue) is missing".replacingOccurrences(of: "the body.", with: "")
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "\(path(context)) has the wrong type"
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "unreadable"
        }
    }
}
