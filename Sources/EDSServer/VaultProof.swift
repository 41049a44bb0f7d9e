import EDSCard
import EDSVerification
import Foundation

/// One vault document's proof as the proof page shows it: what the vault knows about the document
/// (title, type, file name, digest) and the validation report of its signatures.
public struct VaultProof: Sendable {
    public var title: String
    public var documentType: String
    public var fileName: String
    public var sha256: String
    public var size: Int
    /// The vault's own status word for the document (e.g. "signed", "awaiting signatures").
    public var status: String
    public var report: ValidationReport
    /// The link was made to hand over the document (`vault link --with-document`): the page offers the document card
    /// (PDF), which embeds the document, and says so. Without it the page proves and never offers the document.
    public var withDocument: Bool
    /// When the link stops opening the proof (shown on the page); nil when it does not expire.
    public var expiresAt: Date?
    /// The document's acquaintance sheet (issue 22): empty when it has none (the page then shows nothing of it).
    public var acknowledgements: [AcknowledgementLine] = []

    public init(
        title: String, documentType: String, fileName: String, sha256: String, size: Int, status: String, report: ValidationReport,
        withDocument: Bool = false, expiresAt: Date? = nil
    ) {
        self.title = title
        self.documentType = documentType
        self.fileName = fileName
        self.sha256 = sha256
        self.size = size
        self.status = status
        self.report = report
        self.withDocument = withDocument
        self.expiresAt = expiresAt
    }
}

/// Thrown by a `ProofDirectory` that bounds how often it renders for anonymous visitors: the service answers 429 with
/// `Retry-After`.
public struct ProofRenderBusy: Error, Sendable {
    public var retryAfterSeconds: Int

    public init(retryAfterSeconds: Int) { self.retryAfterSeconds = retryAfterSeconds }
}

/// The seam between the service and the vault: the service only resolves tokens, it never lists or searches.
/// A document hash alone must never open a proof, so implementations look up the unguessable link token only.
public protocol ProofDirectory: Sendable {
    /// The proof for `token`, or nil when no document has this token (the page answers 404).
    ///
    /// It may block (reading blobs, re-validating signatures): the service calls it on its validation threads,
    /// admitted like a validation, never on an event loop.
    func proof(forToken token: String) throws -> VaultProof?
    /// The document card (PDF) for `token`, its QR codes pointing at `proofURL`; nil when the token is unknown or its
    /// link does not carry the document (a card embeds the document: only links made for that purpose hand it over).
    /// It blocks like `proof(forToken:)` and is called the same way.
    func card(forToken token: String, language: CardLanguage, proofURL: String) throws -> Data?
}

extension ProofDirectory {
    /// Directories that make no cards answer every card request with 404.
    public func card(forToken token: String, language: CardLanguage, proofURL: String) throws -> Data? { nil }
}
