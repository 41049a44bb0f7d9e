import EDSCard
import EDSVerification
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat

extension VerificationService {
    /// `GET /proofs/{token}` asked for a PDF (`Accept: application/pdf` or `?format=pdf`): the document card, with a QR
    /// code of the proof page on every signature page.
    func proofCard(_ request: Request, context: BasicRequestContext, token: String, path: String) async throws -> Response {
        var card: Data?
        if let directory = configuration.proofs, Self.plausibleToken(token) {
            // The QR code's host is ours (--public-url, else the listen address), never the request's Host header.
            let proofURL = selfBaseURL + path
            let language = Self.language(request).cardLanguage
            do {
                // Reading blobs, validating and drawing block: on the validation threads, under the same admission limit.
                card = try await pool.run { try directory.card(forToken: token, language: language, proofURL: proofURL) }
            } catch is ValidationPool.Busy {
                context.logger.warning("validation queue full", metadata: ["pending": "\(pool.pendingCount)", "route": "card"])
                throw HTTPError(.serviceUnavailable, headers: Self.refusalHeaders(.serviceUnavailable), message: "the service is busy; try again in a moment")
            } catch let busy as ProofRenderBusy {
                throw Self.renderLimited(busy, context: context)
            } catch {
                // The token is a bearer secret: it is never logged.
                context.logger.error("card lookup failed", metadata: ["error": "\(type(of: error))"])
                throw HTTPError(.internalServerError, message: "the document card could not be made")
            }
        }
        guard let card else {
            context.logger.info("proof not found")
            // Unknown, expired, revoked, or a proof-only link: a card embeds the document, which only a link made
            // `--with-document` hands over.
            throw HTTPError(.notFound, message: "no document card at this address: the link is unknown, expired or revoked, or it does not carry the document")
        }
        context.logger.info("proof served", metadata: ["format": "pdf"])
        let headers: HTTPFields = [
            .contentType: "application/pdf", .cacheControl: "no-store", .contentDisposition: "attachment; filename=\"document-card.pdf\"",
        ]
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(data: card)))
    }

    /// `?format=pdf` first, then Accept: PDF when application/pdf outranks both text/html and application/json.
    static func wantsPDF(_ request: Request) -> Bool {
        if let format = request.uri.queryParameters.get("format") { return format.lowercased() == "pdf" }
        guard let accept = request.headers[.accept] else { return false }
        var pdf = 0.0
        var other = 0.0
        for range in accept.split(separator: ",") {
            let fields = range.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let type = fields.first else { continue }
            let quality = fields.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if type == "application/pdf" { pdf = max(pdf, quality) }
            if ["text/html", "application/xhtml+xml", "application/json"].contains(type) { other = max(other, quality) }
        }
        return pdf > 0 && pdf > other
    }
}

extension PageLanguage {
    /// The card in the page's language; an English reader gets both state languages side by side.
    var cardLanguage: CardLanguage {
        switch self {
        case .kazakh: .kazakh
        case .russian: .russian
        case .english: .kazakhRussian
        }
    }

    /// The proof page's link to its document card.
    var cardDownload: String {
        switch self {
        case .kazakh: "Құжат карточкасы (PDF)"
        case .russian: "Карточка документа (PDF)"
        case .english: "Document card (PDF)"
        }
    }
}
