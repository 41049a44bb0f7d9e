import EDSServer
import EDSVault
import EDSVerification
import Foundation

/// `serve --vault`: the vault's signing sessions behind the service's seam (issue 22), found by their token only.
struct VaultSigningSessionDirectory: SigningSessionDirectory {
    let vault: Vault
    let organisation: SigningOrganisation

    func session(forToken token: String) throws -> SigningSessionPage {
        try refusals { Self.page(try vault.signingSessionView(forToken: token)) }
    }

    func document(forToken token: String) throws -> (session: SigningSessionPage, bytes: Data) {
        try refusals {
            let (view, bytes) = try vault.signingSessionDocument(forToken: token)
            return (Self.page(view, bytes: bytes), bytes)
        }
    }

    func issueMobileToken(forToken token: String) throws -> (session: SigningSessionPage, token: String, expiresAt: Date) {
        try refusals {
            let (view, mobile) = try vault.issueMobileToken(forToken: token)
            return (Self.page(view), mobile.token, mobile.expiresAt)
        }
    }

    func mobileDocument(forToken token: String, mobileToken: String?) throws -> (session: SigningSessionPage, bytes: Data) {
        try refusals {
            let (view, bytes) = try vault.mobileSigningDocument(forToken: token, mobileToken: mobileToken)
            return (Self.page(view, bytes: bytes), bytes)
        }
    }

    func complete(forToken token: String, mobileToken: String?, signature: Data) throws -> SigningSessionPage {
        try refusals {
            let done = try vault.completeSigningSession(
                forToken: token, channel: mobileToken == nil ? .ncaLayer : .egovMobile, mobileToken: mobileToken, signature: signature)
            return Self.page(SigningSessionView(session: done.session, document: done.signature.document))
        }
    }

    /// The vault's reasons as the seam's kinds; anything else (I/O, a corrupted index) stays an error (500).
    private func refusals<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as SigningSessionError {
            let kind: SigningSessionRefusal.Kind =
                switch error.reason {
                case .unknownSession: .unknown
                case .expired: .expired
                case .closed: .closed
                case .badToken: .badToken
                case .invalidInput: .invalidInput
                case .signatureRefused: .signatureRefused
                }
            throw SigningSessionRefusal(kind, error.message)
        }
    }

    static func page(_ view: SigningSessionView, bytes: Data? = nil) -> SigningSessionPage {
        let signer: SigningSessionPage.ExpectedSigner =
            switch view.session.signer {
            case .person(let iin): .person(iin: iin)
            case .employerRole(let role): .role(role.rawValue, bin: view.session.employerBIN)
            }
        let state: SigningSessionPage.State =
            switch view.session.state {
            case .waiting: .waiting
            case .signed: .signed
            case .refused: .refused
            case .expired: .expired
            case .cancelled: .cancelled
            }
        let metadata = view.document.metadata
        return SigningSessionPage(
            sessionID: view.session.sessionID, title: metadata.title, documentType: metadata.type.englishName, fileName: metadata.fileName,
            mime: mime(fileName: metadata.fileName, bytes: bytes), sha256: view.document.id, size: view.document.size, signer: signer,
            employerBIN: view.session.employerBIN, state: state, expiresAt: view.session.expiresAt, detail: view.session.detail)
    }

    /// The document's media type from its name (and, when at hand, its first bytes): PDF, plain text, XML, else bytes.
    static func mime(fileName: String, bytes: Data?) -> String {
        let name = fileName.lowercased()
        if name.hasSuffix(".pdf") || bytes?.starts(with: Data("%PDF-".utf8)) == true { return "application/pdf" }
        if name.hasSuffix(".txt") || name.hasSuffix(".text") { return "text/plain; charset=utf-8" }
        if name.hasSuffix(".xml") { return "application/xml" }
        return "application/octet-stream"
    }
}
