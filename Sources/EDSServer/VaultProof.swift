import EDSVerification

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

    public init(title: String, documentType: String, fileName: String, sha256: String, size: Int, status: String, report: ValidationReport) {
        self.title = title
        self.documentType = documentType
        self.fileName = fileName
        self.sha256 = sha256
        self.size = size
        self.status = status
        self.report = report
    }
}

/// The seam between the service and the vault: the service only resolves tokens, it never lists or searches.
/// A document hash alone must never open a proof, so implementations look up the unguessable link token only.
public protocol ProofDirectory: Sendable {
    /// The proof for `token`, or nil when no document has this token (the page answers 404).
    ///
    /// It may block (reading blobs, re-validating signatures): the service calls it on its validation threads,
    /// admitted like a validation, never on an event loop.
    func proof(forToken token: String) throws -> VaultProof?
}
