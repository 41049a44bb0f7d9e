import Foundation

/// eGov Mobile's QR signing ("API №1 / API №2"), as published by SIGEX's client and the servers in Docs/signing-flows.md
/// (no official specification is public). The field names below are the protocol's, spelled exactly.
enum EGovQR {
    /// The QR code's text: `mobileSign:` and the API №1 URL.
    static func qrText(api1URL: String) -> String { "mobileSign:" + api1URL }

    /// API №1's answer: what the app shows before it fetches anything, and where API №2 is.
    struct API1Response: Encodable {
        var description: String
        /// ISO 8601 with offset, e.g. `2026-12-06T23:10:00.000+00:00`.
        var expiryDate: String
        var organisation: Organisation
        var document: Document

        enum CodingKeys: String, CodingKey {
            case description
            case expiryDate = "expiry_date"
            case organisation, document
        }

        struct Organisation: Encodable {
            var nameRu: String
            var nameKz: String
            var nameEn: String
            var bin: String
        }

        struct Document: Encodable {
            /// The API №2 address.
            var uri: String
            /// `Token`: the app sends `Authorization: Bearer <auth_token>` to API №2.
            var authType: String
            var authToken: String

            enum CodingKeys: String, CodingKey {
                case uri
                case authType = "auth_type"
                case authToken = "auth_token"
            }
        }
    }

    /// API №2's answer to GET, and (with `data` replaced by the CMS) the body of the app's PUT.
    struct API2Documents: Codable {
        var signMethod: String
        var version: Int
        var documentsToSign: [DocumentToSign]

        struct DocumentToSign: Codable {
            var id: Int
            var nameRu: String
            var nameKz: String
            var nameEn: String
            var meta: [Meta]
            var document: DocumentData
        }

        struct Meta: Codable {
            var name: String
            var value: String
        }

        struct DocumentData: Codable {
            var file: File
        }

        struct File: Codable {
            var mime: String
            /// Base64: the document on GET, the CMS on PUT.
            var data: String
        }
    }

    /// The one method the vault asks for: a detached CMS over the document's bytes (the vault keeps detached CMS).
    static let signMethod = "CMS_SIGN_ONLY"

    /// The error shape of the protocol's servers: `{"message": "…"}` with 403 (or 404 for an unknown transaction).
    struct ErrorBody: Encodable {
        var message: String
    }

    /// The CMS of a PUT body: exactly one document to sign, the same method, base64 data. Throws a one-line reason.
    static func signature(fromPut body: Data) throws -> Data {
        let decoded: API2Documents
        do { decoded = try JSONDecoder().decode(API2Documents.self, from: body) } catch {
            throw SigningSessionRefusal(.invalidInput, "the body is not API №2's JSON (signMethod, version, documentsToSign)")
        }
        guard decoded.signMethod == signMethod else {
            throw SigningSessionRefusal(.invalidInput, "signMethod \(decoded.signMethod.prefix(40)) was not offered")
        }
        guard decoded.documentsToSign.count == 1, let document = decoded.documentsToSign.first, document.id == 1 else {
            throw SigningSessionRefusal(.invalidInput, "documentsToSign must hold the one document offered (id 1)")
        }
        guard let cms = Data(base64Encoded: document.document.file.data, options: .ignoreUnknownCharacters), !cms.isEmpty else {
            throw SigningSessionRefusal(.invalidInput, "documentsToSign[0].document.file.data is not base64")
        }
        return cms
    }

    /// The refusal in the app's language; nil: the vault failed.
    static func message(_ kind: SigningSessionRefusal.Kind?, language: PageLanguage) -> String {
        switch (kind, language) {
        case (.unknown?, .russian): "Сессия подписания не найдена"
        case (.unknown?, .kazakh): "Қол қою сессиясы табылмады"
        case (.unknown?, .english): "No such signing session"
        case (.expired?, .russian): "Срок сессии подписания истёк"
        case (.expired?, .kazakh): "Қол қою сессиясының мерзімі өтті"
        case (.expired?, .english): "The signing session expired"
        case (.closed?, .russian): "Сессия подписания уже завершена"
        case (.closed?, .kazakh): "Қол қою сессиясы аяқталған"
        case (.closed?, .english): "The signing session is closed"
        case (.badToken?, .russian): "Неверный токен авторизации"
        case (.badToken?, .kazakh): "Авторизация таңбалауышы қате"
        case (.badToken?, .english): "Wrong authorization token"
        case (.invalidInput?, .russian): "Неверный запрос"
        case (.invalidInput?, .kazakh): "Сұрау қате"
        case (.invalidInput?, .english): "Bad request"
        case (.signatureRefused?, .russian): "Подпись не принята"
        case (.signatureRefused?, .kazakh): "Қолтаңба қабылданбады"
        case (.signatureRefused?, .english): "The signature was not accepted"
        case (nil, .russian): "Хранилище не смогло выполнить запрос"
        case (nil, .kazakh): "Қойма сұрауды орындай алмады"
        case (nil, .english): "The vault could not complete the request"
        }
    }

    static func json(_ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)) ?? Data("{}".utf8)
    }

    /// `2026-12-06T23:10:00.000+00:00`: the offset form the protocol's servers send (Java's ZonedDateTime).
    static func expiry(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date).replacingOccurrences(of: "Z", with: "+00:00")
    }
}
