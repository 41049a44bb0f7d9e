import EDSCard
import EDSCrypto
import EDSVault
import EDSVerification
import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOFoundationCompat

extension VaultAPIRoutes {
    func registerDocuments(on group: RouterGroup<BasicRequestContext>) {
        group.post("documents") { request, context in await self.put(request, context: context) }
        group.get("documents") { request, context in
            do {
                let query = try DocumentQuery(query: request)
                return try await self.list(request, context: context, query: query)
            } catch { return Self.failure(error, context: context) }
        }
        group.post("documents/search") { request, context in
            do {
                let query = try await Self.decodeJSON(DocumentQuery.self, from: request, what: "the search")
                return try await self.list(request, context: context, query: query)
            } catch { return Self.failure(error, context: context) }
        }
        group.get("documents/:id") { request, context in
            await self.documentRoute(request, context: context, operation: .metadata) { vault, id, principal in
                let document = try vault.document(id, as: principal)
                return Self.json(DocumentView(document, missing: try vault.missingSigners(of: document, as: principal)))
            }
        }
        group.get("documents/:id/status") { request, context in
            await self.documentRoute(request, context: context, operation: .metadata) { vault, id, principal in
                let document = try vault.document(id, as: principal)
                let missing = try vault.missingSigners(of: document, as: principal)
                return Self.json([
                    "id": .string(document.id), "status": .string(document.status.rawValue),
                    "signatureCount": .number(document.signatureCount), "missingSigners": .list(missing.map(\.description)),
                ] as [String: JSONValue])
            }
        }
        group.get("documents/:id/content") { request, context in await self.content(request, context: context) }
        group.get("documents/:id/signatures") { request, context in
            await self.documentRoute(request, context: context, operation: .signatures) { vault, id, principal in
                Self.json(try vault.signatures(of: id, as: principal).map { SignatureView(id: $0.id, addedAt: $0.addedAt, signers: $0.signers) })
            }
        }
        group.post("documents/:id/signatures") { request, context in await self.attach(request, context: context) }
        group.get("documents/:id/proof") { request, context in
            await self.documentRoute(request, context: context, operation: .proof) { vault, id, principal in
                Self.bytes(try vault.proofBundle(for: id, as: principal), contentType: "application/vnd.etsi.asic-s+zip", fileName: "\(id).asics")
            }
        }
        group.get("documents/:id/card") { request, context in
            await self.documentRoute(request, context: context, operation: .card) { vault, id, principal in
                let material = try vault.cardMaterial(for: id, as: principal)
                let card = try DocumentCard.make(
                    CardRequest(
                        document: material.bytes, fileName: material.document.metadata.fileName, title: material.document.metadata.title,
                        signatures: material.signatures.map(\.cms), language: .kazakhRussian, proofURL: nil)
                ) { cms, source in
                    try material.signatures[source].validator.validate(signature: cms, document: .bytes(material.bytes))
                }
                return Self.bytes(card, contentType: "application/pdf", fileName: "\(id).pdf")
            }
        }
        group.get("documents/:id/audit") { request, context in
            await self.documentRoute(request, context: context, operation: .audit) { vault, id, principal in
                Self.json(try vault.auditExtract(documentID: id, as: principal).map(AuditEntryView.init))
            }
        }
        group.post("documents/:id/links") { request, context in
            do {
                let id = try Self.documentID(context)
                let input = try await Self.decodeJSON(LinkInput.self, from: request, what: "the link")
                return await self.authenticated(request, context: context, operation: .link, object: id) { caller in
                    let principal = try self.vault.principal(for: caller, operation: .link, documentID: id)
                    let token = try self.vault.createProofLink(
                        for: id, as: principal, withDocument: input.withDocument ?? false, expiresAt: input.expiresAt)
                    let info = try self.vault.proofLinks(for: id, as: principal).last { $0.linkID == Vault.linkID(ofToken: token) }
                    return Self.json(
                        LinkView(
                            token: token, path: "/proofs/\(token)", linkId: info?.linkID ?? Vault.linkID(ofToken: token), expiresAt: info?.expiresAt,
                            withDocument: input.withDocument ?? false), status: .created)
                }
            } catch { return Self.failure(error, context: context) }
        }
    }

    /// A route on one document: the id checked, the caller authenticated, the acting principal chosen by the rules.
    func documentRoute(
        _ request: Request, context: BasicRequestContext, operation: VaultAPIOperation,
        _ body: @escaping @Sendable (Vault, String, Principal) throws -> Response
    ) async -> Response {
        let id: String
        do { id = try Self.documentID(context) } catch { return Self.failure(error, context: context) }
        let vault = self.vault
        return await authenticated(request, context: context, operation: operation, object: id) { caller in
            try body(vault, id, try vault.principal(for: caller, operation: operation, documentID: id))
        }
    }

    // MARK: - Put

    /// `POST /documents`: the caller is authenticated before the body is read; the document part streams to a spool
    /// file (beyond 1 MiB) and from there, sealed chunk by chunk, into the store.
    func put(_ request: Request, context: BasicRequestContext) async -> Response {
        let authorization = request.headers[.authorization]
        let api = self.api
        let vault = self.vault
        do {
            let caller = try await service.pool.run { try api.authenticate(authorization) }
            let upload: VerificationUpload
            do {
                upload = try await VerificationUpload.read(request, limit: min(api.maxDocumentBytes + (1 << 20), service.configuration.maxUploadBytes), signatureLimit: 1 << 20)
            } catch {
                throw APIInputError(error.status, error == .notMultipart ? "expected multipart/form-data with a \"metadata\" part (JSON) and a \"document\" part" : error.message)
            }
            defer { upload.discard() }
            guard let metadataJSON = upload.metadata else {
                throw APIInputError(.badRequest, "no metadata: send the document's description as JSON in the multipart part named \"metadata\"")
            }
            guard let document = upload.document else {
                throw APIInputError(.badRequest, "no document: send the file in the multipart part named \"document\"")
            }
            let input: DocumentMetadataInput
            do { input = try JSONDecoder().decode(DocumentMetadataInput.self, from: metadataJSON) } catch let error as DecodingError {
                throw APIInputError(.badRequest, "metadata is not valid: \(APIInputError.describe(error))")
            }
            let metadata = try input.metadata(uploadedName: upload.documentFileName)
            return try await service.pool.run {
                do {
                    let principal = try vault.principal(for: caller, operation: .put, employerBIN: metadata.employerBIN)
                    let started = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
                    let stored: StoredDocument
                    switch document {
                    case .file(let url): stored = try vault.put(fileAt: url, metadata: metadata, as: principal)
                    case .bytes(let bytes): stored = try vault.put(bytes, metadata: metadata, as: principal)
                    }
                    // A document stored by this call is new (201); the same bytes stored before answer 200.
                    let created = stored.storedAt >= started
                    try? vault.auditAPIUse(caller, operation: .put, object: stored.id, outcome: "ok", detail: created ? "201" : "200")
                    return Self.json(DocumentView(stored), status: created ? .created : .ok)
                } catch {
                    try? vault.auditAPIUse(caller, operation: .put, outcome: Self.status(of: error) == .forbidden ? "refused" : "failed")
                    throw error
                }
            }
        } catch {
            return Self.failure(error, context: context)
        }
    }

    // MARK: - List

    func list(_ request: Request, context: BasicRequestContext, query: DocumentQuery) async throws -> Response {
        let filters = try query.validated()
        let vault = self.vault
        return await authenticated(request, context: context, operation: .list) { caller in
            let principal = try vault.principal(for: caller, operation: .list, employerBIN: query.employerBIN)
            let documents = try vault.list(ownerIIN: query.ownerIIN, employerBIN: query.employerBIN, as: principal)
                .filter { document in
                    (filters.type.map { document.metadata.type == $0 } ?? true) && (filters.status.map { document.status == $0 } ?? true)
                        && (query.from.map { document.storedAt >= $0 } ?? true) && (query.to.map { document.storedAt <= $0 } ?? true)
                }
                .sorted { ($0.storedAt, $0.id) < ($1.storedAt, $1.id) }
            let page = documents.dropFirst(filters.offset).prefix(filters.limit)
            let next = filters.offset + page.count < documents.count ? "\(filters.offset + page.count)" : nil
            return Self.json(DocumentPage(documents: page.map { DocumentView($0) }, nextCursor: next))
        }
    }

    // MARK: - Content

    /// `GET /documents/{id}/content`: the bytes, authenticated chunk by chunk as they leave the store, with one
    /// `Range` honoured (206). The read is audited by the vault when it completes.
    func content(_ request: Request, context: BasicRequestContext) async -> Response {
        let id: String
        do { id = try Self.documentID(context) } catch { return Self.failure(error, context: context) }
        let vault = self.vault
        let rangeHeader = request.headers[.range]
        let metadata: (principal: Principal, document: StoredDocument, caller: AuthenticatedPrincipal)
        do {
            let authorization = request.headers[.authorization]
            let api = self.api
            metadata = try await service.pool.run {
                let caller = try api.authenticate(authorization)
                do {
                    let principal = try vault.principal(for: caller, operation: .content, documentID: id)
                    return (principal, try vault.document(id, as: principal), caller)
                } catch {
                    try? vault.auditAPIUse(caller, operation: .content, object: id, outcome: Self.status(of: error) == .forbidden ? "refused" : "failed")
                    throw error
                }
            }
        } catch { return Self.failure(error, context: context) }
        let size = metadata.document.size
        let range = ByteRange(header: rangeHeader, size: size)
        if range == .unsatisfiable {
            return Self.json(
                ["error": ["message": "the range is outside the document's \(size) bytes"]], status: .rangeNotSatisfiable,
                headers: [.contentRange: "bytes */\(size)"])
        }
        let window: ClosedRange<Int>? = if case .part(let bounds) = range { bounds } else { nil }
        let downloads = api.downloads
        let admitted = downloads.withLockedValue { running in
            guard running < VaultAPI.maxConcurrentDownloads else { return false }
            running += 1
            return true
        }
        guard admitted else { return Self.failure(ValidationPool.Busy(), context: context) }
        let pipe = ChunkPipe()
        let principal = metadata.principal
        let caller = metadata.caller
        Thread.detachNewThread {
            defer { downloads.withLockedValue { $0 -= 1 } }
            do {
                var position = 0
                try vault.read(id, as: principal) { chunk in
                    defer { position += chunk.count }
                    guard let window else { return try pipe.push(ByteBuffer(data: chunk)) }
                    let start = max(window.lowerBound, position)
                    let end = min(window.upperBound + 1, position + chunk.count)
                    guard start < end else {
                        if position > window.upperBound { throw ChunkPipe.Cancelled() }
                        return
                    }
                    try pipe.push(ByteBuffer(data: chunk.subdata(in: (start - position + chunk.startIndex)..<(end - position + chunk.startIndex))))
                }
                try? vault.auditAPIUse(caller, operation: .content, object: id, outcome: "ok", detail: window == nil ? "200" : "206")
                pipe.finish()
            } catch is ChunkPipe.Cancelled {
                pipe.finish()
            } catch {
                pipe.finish(error)
            }
        }
        var headers: HTTPFields = [
            .contentType: "application/octet-stream", .cacheControl: "no-store", .acceptRanges: "bytes",
            .contentDisposition: "attachment; filename=\"\(Self.headerSafe(metadata.document.metadata.fileName))\"",
        ]
        if let window { headers[.contentRange] = "bytes \(window.lowerBound)-\(window.upperBound)/\(size)" }
        let length = window.map { $0.count } ?? size
        let logger = context.logger
        return Response(
            status: window == nil ? .ok : .partialContent, headers: headers,
            body: ResponseBody(contentLength: length) { writer in
                do {
                    while let chunk = try await pipe.next() { try await writer.write(chunk) }
                    try await writer.finish(nil)
                } catch {
                    pipe.cancel()
                    // Headers are gone: the short body (Content-Length unmet) tells the client the read failed.
                    logger.error("vault API content stream failed", metadata: ["error": "\(type(of: error))"])
                    throw error
                }
            })
    }

    /// A file name for a Content-Disposition header: printable ASCII without quotes or backslashes.
    static func headerSafe(_ name: String) -> String {
        let safe = String(name.unicodeScalars.filter { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F && $0 != "\"" && $0 != "\\" })
        return safe.isEmpty ? "document" : String(safe.prefix(200))
    }

    // MARK: - Attach

    /// `POST /documents/{id}/signatures`: the CMS as the body (`application/pkcs7-signature`) or a multipart
    /// `signature` part. With `Idempotency-Key`, a retry of the same request gets the first answer again.
    func attach(_ request: Request, context: BasicRequestContext) async -> Response {
        let id: String
        do { id = try Self.documentID(context) } catch { return Self.failure(error, context: context) }
        let authorization = request.headers[.authorization]
        let api = self.api
        let vault = self.vault
        do {
            let caller = try await service.pool.run { try api.authenticate(authorization) }
            let signature = try await Self.signatureBody(request, limit: api.maxSignatureBytes)
            let idempotencyKey = request.headers[Self.idempotencyKeyField]
            if let idempotencyKey, idempotencyKey.isEmpty || idempotencyKey.utf8.count > 255 {
                throw APIInputError(.badRequest, "Idempotency-Key must be 1 to 255 characters")
            }
            return try await service.pool.run {
                let keyHash = idempotencyKey.map { Digest.sha256(Data("\(caller.credentialName)\n\($0)".utf8)).hexString }
                let requestHash = Digest.sha256(Data("attach \(id)\n".utf8) + Digest.sha256(signature)).hexString
                if let keyHash, let earlier = try vault.idempotentResult(key: keyHash) {
                    guard earlier.requestHash == requestHash else {
                        throw APIInputError(.unprocessableContent, "this Idempotency-Key was used for a different request")
                    }
                    return Response(
                        status: .init(code: earlier.status), headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(data: earlier.body)))
                }
                do {
                    let principal = try vault.principal(for: caller, operation: .attach, documentID: id)
                    let started = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
                    let attached = try vault.attach(signature: signature, to: id, as: principal)
                    let missing = try vault.missingSigners(of: attached.document, as: principal)
                    let view = AttachView(
                        documentId: attached.document.id, signatureId: attached.signature.id, status: attached.document.status.rawValue,
                        signatureCount: attached.document.signatureCount, missingSigners: missing.map(\.description),
                        awaitingEvidence: attached.awaitingEvidence)
                    let status: HTTPResponse.Status = attached.signature.addedAt >= started ? .created : .ok
                    var response = Self.json(view, status: status)
                    if let keyHash {
                        let encoder = JSONEncoder()
                        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                        let body = try encoder.encode(view) + Data("\n".utf8)
                        let kept = try vault.storeIdempotentResult(
                            IdempotentResult(key: keyHash, requestHash: requestHash, status: status.code, body: body, createdAt: Date()))
                        if kept.requestHash != requestHash { throw APIInputError(.unprocessableContent, "this Idempotency-Key was used for a different request") }
                        response.headers[.contentType] = "application/json; charset=utf-8"
                    }
                    try? vault.auditAPIUse(caller, operation: .attach, object: id, outcome: "ok", detail: "\(status.code)")
                    return response
                } catch {
                    try? vault.auditAPIUse(caller, operation: .attach, object: id, outcome: Self.status(of: error) == .forbidden ? "refused" : "failed")
                    throw error
                }
            }
        } catch {
            return Self.failure(error, context: context)
        }
    }

    /// The CMS of an attach or a sign-in: the raw body (`application/pkcs7-signature`, `application/pkcs7-mime`,
    /// `application/octet-stream`) or the multipart `signature` part.
    static func signatureBody(_ request: Request, limit: Int) async throws -> Data {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        if type.hasPrefix("multipart/form-data") {
            let upload: VerificationUpload
            do { upload = try await VerificationUpload.read(request, limit: limit + (64 << 10), signatureLimit: limit) } catch {
                throw APIInputError(error.status, error.message)
            }
            defer { upload.discard() }
            guard let signature = upload.signature else { throw APIInputError(.badRequest, UploadError.missingSignature.message) }
            return signature
        }
        guard ["application/pkcs7-signature", "application/pkcs7-mime", "application/octet-stream"].contains(where: type.hasPrefix) else {
            throw APIInputError(
                .unsupportedMediaType, "send the CMS as application/pkcs7-signature, or as the \"signature\" part of multipart/form-data")
        }
        let body = try await collect(request, limit: limit)
        guard body.readableBytes > 0 else { throw APIInputError(.badRequest, "the body is empty: send the CMS signature") }
        return Data(buffer: body)
    }
}

/// A small JSON value for answers that need no type of their own.
enum JSONValue: Encodable {
    case string(String)
    case number(Int)
    case list([String])

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let text): try container.encode(text)
        case .number(let number): try container.encode(number)
        case .list(let texts): try container.encode(texts)
        }
    }
}

extension VaultAPIRoutes {
    static let idempotencyKeyField = HTTPFields.Element.Name("Idempotency-Key")!
}
