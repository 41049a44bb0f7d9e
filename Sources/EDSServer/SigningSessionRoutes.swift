import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat

/// The routes of signing sessions (issue 22), every one found by the session's token alone:
/// - `GET /sign/{token}`: the session page (kk/ru/en): the document, the expected signer, the QR, the NCALayer button;
/// - `GET /sign/{token}/status`: `{"state", "expiresAt"}` for the page's polling;
/// - `GET /sign/{token}/document`: the document of a waiting session (shown inline, signed by NCALayer);
/// - `POST /sign/{token}/signature`: the CMS NCALayer made (base64 or DER);
/// - `GET /egov/api1/{token}`: eGov Mobile's API №1; `GET|PUT /egov/api2/{token}`: API №2 (Bearer: the one-time token);
/// - `GET /static/ncalayer-signing.js`: the page's own script.
extension VerificationService {
    func registerSigningSessionRoutes(on router: Router<BasicRequestContext>) {
        router.get("/static/ncalayer-signing.js") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/javascript; charset=utf-8", .cacheControl: "no-cache"],
                body: .init(byteBuffer: ByteBuffer(string: NCALayerScript.source)))
        }
        router.get("/sign/:token") { request, context in try await self.signingPage(request, context: context) }
        router.get("/sign/:token/status") { request, context in try await self.signingStatus(request, context: context) }
        router.get("/sign/:token/document") { request, context in try await self.signingDocument(request, context: context) }
        router.post("/sign/:token/signature") { request, context in try await self.signingSignature(request, context: context) }
        router.get("/egov/api1/:token") { request, context in await self.egovAPI1(request, context: context) }
        router.get("/egov/api2/:token") { request, context in await self.egovAPI2Get(request, context: context) }
        router.put("/egov/api2/:token") { request, context in await self.egovAPI2Put(request, context: context) }
    }

    /// Runs a directory call on the validation threads; nil directory or an implausible token is `unknown`.
    func withSessions<T: Sendable>(
        _ token: String, _ body: @escaping @Sendable (any SigningSessionDirectory) throws -> T
    ) async throws -> T {
        guard let directory = configuration.signingSessions, Self.plausibleToken(token) else {
            throw SigningSessionRefusal(.unknown, "no such signing session")
        }
        do {
            return try await pool.run { try body(directory) }
        } catch is ValidationPool.Busy {
            throw HTTPError(.serviceUnavailable, headers: Self.refusalHeaders(.serviceUnavailable), message: "the service is busy; try again in a moment")
        }
    }

    static func status(of refusal: SigningSessionRefusal) -> HTTPResponse.Status {
        switch refusal.kind {
        case .unknown: .notFound
        case .invalidInput: .badRequest
        case .expired, .closed, .badToken, .signatureRefused: .forbidden
        }
    }

    var api1Base: String { selfBaseURL + "/egov/api1/" }

    // MARK: The page

    func signingPage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        let language = Self.language(request)
        let path = "/sign/\(token)"
        do {
            let session = try await withSessions(token) { try $0.session(forToken: token) }
            context.logger.info("signing page served", metadata: ["session": "\(session.sessionID)", "state": "\(session.state.rawValue)"])
            var text: String?
            if session.state == .waiting, session.mime.hasPrefix("text/"), session.size <= 256 << 10 {
                let bytes = try await withSessions(token) { try $0.document(forToken: token).bytes }
                text = String(decoding: bytes, as: UTF8.self)
            }
            let qr = EGovQR.qrText(api1URL: api1Base + token)
            var response = Self.html(
                SigningPages.session(session, token: token, documentText: text, qrText: qr, language: language, path: path), noStore: true)
            response.headers[.contentSecurityPolicy] = SigningPages.contentSecurityPolicy
            return response
        } catch let refusal as SigningSessionRefusal {
            context.logger.info("signing page refused", metadata: ["status": "\(Self.status(of: refusal).code)"])
            let t = language.strings
            return Self.html(Pages.error(title: t.notFoundTitle, message: t.notFoundText, language: language, switchPath: path), status: .notFound)
        }
    }

    func signingStatus(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        do {
            let session = try await withSessions(token) { try $0.session(forToken: token) }
            let body = "{\"state\":\"\(session.state.rawValue)\",\"expiresAt\":\"\(EGovQR.expiry(session.expiresAt))\"}\n"
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: body)))
        } catch let refusal as SigningSessionRefusal {
            throw HTTPError(Self.status(of: refusal), message: refusal.message)
        }
    }

    func signingDocument(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        do {
            let (session, bytes) = try await withSessions(token) { try $0.document(forToken: token) }
            context.logger.info("signing document served", metadata: ["session": "\(session.sessionID)", "bytes": "\(bytes.count)"])
            return Response(
                status: .ok,
                headers: [
                    .contentType: session.mime, .cacheControl: "no-store",
                    .contentDisposition: "inline; filename=\"\(SigningPages.asciiFileName(session.fileName))\"",
                    // A PDF is shown by the browser's viewer, which a sandboxed document cannot load; anything else is
                    // sandboxed (no script runs in the document, whatever its bytes).
                    .contentSecurityPolicy: session.mime == "application/pdf"
                        ? "default-src 'none'; frame-ancestors 'self'" : "default-src 'none'; frame-ancestors 'self'; sandbox",
                ],
                body: .init(byteBuffer: ByteBuffer(data: bytes)))
        } catch let refusal as SigningSessionRefusal {
            throw HTTPError(Self.status(of: refusal), message: refusal.message)
        }
    }

    /// The CMS from the page (NCALayer's `responseObject`): base64 text, or DER. Answers `{"state": "signed"}`.
    func signingSignature(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        let limit = configuration.maxSignatureBytes * 2
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: limit) } catch {
            throw HTTPError(.contentTooLarge, headers: Self.refusalHeaders(.contentTooLarge), message: "the signature is larger than \(limit) bytes")
        }
        let raw = Data(buffer: body)
        let cms: Data
        if raw.first == 0x30 {
            cms = raw
        } else if let decoded = Data(base64Encoded: String(decoding: raw, as: UTF8.self), options: .ignoreUnknownCharacters), !decoded.isEmpty {
            cms = decoded
        } else {
            throw HTTPError(.badRequest, message: "the body is not a CMS signature (base64 or DER)")
        }
        do {
            let session = try await withSessions(token) { try $0.complete(forToken: token, mobileToken: nil, signature: cms) }
            context.logger.info("signing session signed", metadata: ["session": "\(session.sessionID)", "channel": "ncalayer"])
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: "{\"state\":\"\(session.state.rawValue)\"}\n")))
        } catch let refusal as SigningSessionRefusal {
            context.logger.info("signature refused", metadata: ["status": "\(Self.status(of: refusal).code)", "channel": "ncalayer"])
            throw HTTPError(Self.status(of: refusal), message: refusal.message)
        }
    }

    // MARK: eGov Mobile

    /// The protocol's own answer shape: the JSON, or `{"message"}` with the refusal's status.
    static func egovAnswer(_ status: HTTPResponse.Status, _ body: Data) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(data: body)))
    }

    /// `{"message"}` in the app's language (its Accept-Language, as the protocol's servers answer), the reason's
    /// technical detail after it. Anything that is neither a refusal nor an HTTP error is the vault failing: 500.
    static func egovRefusal(_ error: any Error, request: Request, context: BasicRequestContext, api: String) -> Response {
        let language = PageLanguage.negotiate(query: nil, acceptLanguage: request.headers[.acceptLanguage])
        let status: HTTPResponse.Status
        let message: String
        if let refusal = error as? SigningSessionRefusal {
            status = Self.status(of: refusal)
            message = EGovQR.message(refusal.kind, language: language) + ": " + refusal.message
        } else if let http = error as? HTTPError {
            status = http.status
            message = EGovQR.message(.invalidInput, language: language) + ": " + (http.body ?? "\(http.status.code)")
        } else {
            context.logger.error("egov failure", metadata: ["api": "\(api)", "error": "\(type(of: error))"])
            status = .internalServerError
            message = EGovQR.message(nil, language: language)
        }
        context.logger.info("egov refused", metadata: ["api": "\(api)", "status": "\(status.code)"])
        return egovAnswer(status, EGovQR.json(EGovQR.ErrorBody(message: message)))
    }

    static func bearer(_ request: Request) -> String? {
        guard let header = request.headers[.authorization], header.utf8.count <= 200 else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }

    func egovAPI1(_ request: Request, context: BasicRequestContext) async -> Response {
        let token = context.parameters.get("token") ?? ""
        do {
            let (session, mobile, _) = try await withSessions(token) { try $0.issueMobileToken(forToken: token) }
            guard let organisation = configuration.signingSessions?.organisation else { throw SigningSessionRefusal(.unknown, "no such signing session") }
            let answer = EGovQR.API1Response(
                description: SigningPages.description(session, language: Self.language(request)),
                expiryDate: EGovQR.expiry(session.expiresAt),
                organisation: .init(nameRu: organisation.nameRu, nameKz: organisation.nameKz, nameEn: organisation.nameEn, bin: session.employerBIN),
                document: .init(uri: selfBaseURL + "/egov/api2/" + token, authType: "Token", authToken: mobile))
            context.logger.info("egov api1 served", metadata: ["session": "\(session.sessionID)"])
            return Self.egovAnswer(.ok, EGovQR.json(answer))
        } catch {
            return Self.egovRefusal(error, request: request, context: context, api: "1")
        }
    }

    func egovAPI2Get(_ request: Request, context: BasicRequestContext) async -> Response {
        let token = context.parameters.get("token") ?? ""
        let mobile = Self.bearer(request)
        do {
            let (session, bytes) = try await withSessions(token) { try $0.mobileDocument(forToken: token, mobileToken: mobile) }
            let answer = EGovQR.API2Documents(
                signMethod: EGovQR.signMethod, version: 1,
                documentsToSign: [
                    .init(
                        id: 1, nameRu: session.title, nameKz: session.title, nameEn: session.title,
                        meta: [
                            .init(name: "SHA-256", value: session.sha256), .init(name: "fileName", value: session.fileName),
                            .init(name: "type", value: session.documentType),
                        ],
                        document: .init(file: .init(mime: session.mime, data: bytes.base64EncodedString())))
                ])
            context.logger.info("egov api2 document served", metadata: ["session": "\(session.sessionID)"])
            return Self.egovAnswer(.ok, EGovQR.json(answer))
        } catch {
            return Self.egovRefusal(error, request: request, context: context, api: "2")
        }
    }

    func egovAPI2Put(_ request: Request, context: BasicRequestContext) async -> Response {
        let token = context.parameters.get("token") ?? ""
        let mobile = Self.bearer(request)
        // The CMS in base64 (a detached CMS is small; CMS_WITH_DATA carries the document too).
        let limit = configuration.maxSignatureBytes * 2
        do {
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: limit) } catch {
                throw HTTPError(.contentTooLarge, message: "the body is larger than \(limit) bytes")
            }
            let cms = try EGovQR.signature(fromPut: Data(buffer: body))
            let session = try await withSessions(token) { try $0.complete(forToken: token, mobileToken: mobile ?? "", signature: cms) }
            context.logger.info("signing session signed", metadata: ["session": "\(session.sessionID)", "channel": "egov-mobile"])
            return Self.egovAnswer(.ok, Data("{}".utf8))
        } catch {
            return Self.egovRefusal(error, request: request, context: context, api: "2")
        }
    }
}
