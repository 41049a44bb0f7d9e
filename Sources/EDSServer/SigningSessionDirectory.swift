import Foundation

/// One signing session as the session page and the eGov Mobile API show it (issue 22). Made by the vault's side of the
/// seam (`edsvault serve --vault`); the service never sees the vault itself.
public struct SigningSessionPage: Sendable, Equatable {
    public enum State: String, Sendable { case waiting, signed, refused, expired, cancelled }

    /// Who must sign: a person by IIN, or the holder of a role of the employer (BIN).
    public enum ExpectedSigner: Sendable, Equatable {
        case person(iin: String)
        /// The role's name as the vault spells it (`firstHead`, `hr`, …).
        case role(String, bin: String)
    }

    public var sessionID: String
    public var title: String
    public var documentType: String
    public var fileName: String
    /// The document's media type as guessed from its name and bytes (`application/pdf`, `text/plain`, …).
    public var mime: String
    public var sha256: String
    public var size: Int
    public var signer: ExpectedSigner
    public var employerBIN: String
    public var state: State
    public var expiresAt: Date
    /// Why the session closed, without personal data (shown as is).
    public var detail: String

    public init(
        sessionID: String, title: String, documentType: String, fileName: String, mime: String, sha256: String, size: Int,
        signer: ExpectedSigner, employerBIN: String, state: State, expiresAt: Date, detail: String
    ) {
        self.sessionID = sessionID
        self.title = title
        self.documentType = documentType
        self.fileName = fileName
        self.mime = mime
        self.sha256 = sha256
        self.size = size
        self.signer = signer
        self.employerBIN = employerBIN
        self.state = state
        self.expiresAt = expiresAt
        self.detail = detail
    }
}

/// Why the directory did not serve a session request; the routes turn each kind into its status.
public struct SigningSessionRefusal: Error, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// 404: no session has that token.
        case unknown
        /// 403: the session expired.
        case expired
        /// 403: signed, refused or cancelled (a second post lands here).
        case closed
        /// 403: the API №2 token is missing, wrong, used or expired.
        case badToken
        /// 400: the body is not what the protocol sends.
        case invalidInput
        /// 403: the signature does not hold, or names another signer than the session expects.
        case signatureRefused
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}

/// The seam between the service and the vault's signing sessions (issue 22). Every method is looked up by the session
/// token only, blocks (index, blobs, validation) and is called on the validation threads; unknown tokens throw
/// `SigningSessionRefusal(.unknown, …)`.
public protocol SigningSessionDirectory: Sendable {
    /// The employer's name for eGov Mobile's API №1 (`organisation`): the vault keeps only BINs.
    var organisation: SigningOrganisation { get }
    func session(forToken token: String) throws -> SigningSessionPage
    /// The document of a waiting session (the page shows it, NCALayer signs it).
    func document(forToken token: String) throws -> (session: SigningSessionPage, bytes: Data)
    /// API №1: a fresh one-time API №2 token.
    func issueMobileToken(forToken token: String) throws -> (session: SigningSessionPage, token: String, expiresAt: Date)
    /// API №2 GET: the document, when `mobileToken` is the current API №2 token.
    func mobileDocument(forToken token: String, mobileToken: String?) throws -> (session: SigningSessionPage, bytes: Data)
    /// The signature (a CMS) from eGov Mobile (`mobileToken` set) or NCALayer (nil): validated, checked, kept.
    func complete(forToken token: String, mobileToken: String?, signature: Data) throws -> SigningSessionPage
}

/// API №1's `organisation`: names in Russian, Kazakh and English, and the BIN (per session: the document's employer).
public struct SigningOrganisation: Sendable, Equatable {
    public var nameRu: String
    public var nameKz: String
    public var nameEn: String

    public init(nameRu: String, nameKz: String, nameEn: String) {
        self.nameRu = nameRu
        self.nameKz = nameKz
        self.nameEn = nameEn
    }
}
