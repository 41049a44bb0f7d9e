import EDSVault
import EDSVerification
import Foundation
import Hummingbird

// The vault API's request and answer bodies (Docs/vault-api.md, /openapi.yaml's VaultDocument and friends).

/// `metadata` part of a put (the contract in Docs/vault-api.md).
struct DocumentMetadataInput: Decodable {
    var ownerIINs: [String]
    var employerBIN: String
    var type: String
    var title: String
    /// As the CLI's `--require`: `owner`, `iin:IIN`, or a role of the employer (`first-head`, `hr`, …).
    var requiredSigners: [String]?
    var fileName: String?

    func metadata(uploadedName: String?) throws -> DocumentMetadata {
        guard !ownerIINs.isEmpty, ownerIINs.count <= 1000 else { throw APIInputError(.badRequest, "metadata.ownerIINs needs 1 to 1000 IINs") }
        guard let documentType = DocumentType(name: type) else {
            throw APIInputError(
                .badRequest, "metadata.type must be one of \(DocumentType.allCases.map(\.rawValue).joined(separator: ", ")), got \(type.prefix(64))")
        }
        guard title.count <= 1000, (requiredSigners?.count ?? 0) <= 100 else {
            throw APIInputError(.badRequest, "metadata.title is at most 1000 characters and requiredSigners at most 100")
        }
        let requirements = try (requiredSigners ?? []).map { try SignerRequirement(parsing: $0, ownerIIN: ownerIINs[0]) }
        return DocumentMetadata(
            ownerIINs: ownerIINs, employerBIN: employerBIN, type: documentType, title: title,
            fileName: fileName ?? uploadedName ?? "document", requiredSigners: requirements)
    }
}

/// A document as the API shows it. An employee sees only their own IIN among the owners (the vault's rule).
struct DocumentView: Encodable {
    var id: String
    var ownerIINs: [String]
    var employerBIN: String
    var type: String
    var title: String
    var fileName: String
    var requiredSigners: [String]
    var missingSigners: [String]?
    var size: Int
    var storedAt: Date
    var status: String
    var signatureCount: Int

    init(_ document: StoredDocument, missing: [SignerRequirement]? = nil) {
        id = document.id
        ownerIINs = document.metadata.ownerIINs
        employerBIN = document.metadata.employerBIN
        type = document.metadata.type.rawValue
        title = document.metadata.title
        fileName = document.metadata.fileName
        requiredSigners = document.metadata.requiredSigners.map(\.description)
        missingSigners = missing?.map(\.description)
        size = document.size
        storedAt = document.storedAt
        status = document.status.rawValue
        signatureCount = document.signatureCount
    }
}

/// The filters of a listing, from the query (`GET /documents`) or a JSON body (`POST /documents/search`, the only
/// place an owner's IIN may be given: IINs never travel in URLs, which proxies and logs keep).
struct DocumentQuery: Decodable {
    var ownerIIN: String?
    var employerBIN: String?
    var type: String?
    var status: String?
    var from: Date?
    var to: Date?
    var limit: Int?
    var cursor: String?

    static let defaultLimit = 100
    static let maximumLimit = 1000

    init(query: Request) throws {
        let parameters = query.uri.queryParameters
        if parameters.get("ownerIIN") != nil || parameters.get("owner-iin") != nil {
            throw APIInputError(.badRequest, "an owner's IIN is never sent in a URL: POST /api/v1/vault/documents/search with {\"ownerIIN\": …}")
        }
        employerBIN = parameters.get("employerBIN")
        type = parameters.get("type")
        status = parameters.get("status")
        from = try parameters.get("from").map { try Self.date($0, name: "from") }
        to = try parameters.get("to").map { try Self.date($0, name: "to") }
        limit = try parameters.get("limit").map { text in
            guard let number = Int(text) else { throw APIInputError(.badRequest, "limit must be a number") }
            return number
        }
        cursor = parameters.get("cursor")
    }

    static func date(_ text: String, name: String) throws -> Date {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        if let date = formatter.date(from: text) { return date }
        throw APIInputError(.badRequest, "\(name) must be an ISO 8601 date or time")
    }

    func validated() throws -> (type: DocumentType?, status: DocumentStatus?, limit: Int, offset: Int) {
        let documentType = try type.map { name in
            guard let value = DocumentType(name: name) else { throw APIInputError(.badRequest, "type is not a document type: \(name.prefix(64))") }
            return value
        }
        let documentStatus = try status.map { name in
            guard let value = DocumentStatus(rawValue: name) else {
                throw APIInputError(.badRequest, "status must be awaiting-signatures or fully-signed")
            }
            return value
        }
        let limit = limit ?? Self.defaultLimit
        guard (1...Self.maximumLimit).contains(limit) else { throw APIInputError(.badRequest, "limit must be 1...\(Self.maximumLimit)") }
        let offset = try cursor.map { text in
            guard let offset = Int(text), offset >= 0 else { throw APIInputError(.badRequest, "cursor is the nextCursor of a previous page") }
            return offset
        } ?? 0
        return (documentType, documentStatus, limit, offset)
    }
}

struct DocumentPage: Encodable {
    var documents: [DocumentView]
    var nextCursor: String?
}

struct SignatureView: Encodable {
    var id: String
    var addedAt: Date
    var signers: [StoredSigner]
}

struct AttachView: Encodable {
    var documentId: String
    var signatureId: String
    var status: String
    var signatureCount: Int
    var missingSigners: [String]
    var awaitingEvidence: String?
}

struct LinkInput: Decodable {
    var expiresAt: Date?
    var withDocument: Bool?
}

struct LinkView: Encodable {
    var token: String
    var path: String
    var linkId: String
    var expiresAt: Date?
    var withDocument: Bool
}

struct AuditEntryView: Encodable {
    var sequence: Int64
    var at: Date
    var actor: String
    var action: String
    var object: String
    var outcome: String
    var detail: String
    var hash: String

    init(_ entry: AuditEntry) {
        sequence = entry.sequence
        at = entry.draft.at
        actor = entry.draft.actor
        action = entry.draft.action
        object = entry.draft.object
        outcome = entry.draft.outcome
        detail = entry.draft.detail
        hash = entry.hash
    }
}
