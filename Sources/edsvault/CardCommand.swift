import ArgumentParser
import EDSCard
import EDSCrypto
import EDSVerification
import Foundation

/// `edsvault card`: the document card (SIGEX DDC style) for any CMS signature(s) and the document.
struct CardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "card",
        abstract: "Make a document card: a PDF carrying the document and each signature, with a page per signature.",
        discussion: """
            Several --signature files, or one CMS with several signers, give one embedded CMS per signer (each SignerInfo
            byte-identical), ordered by signing moment. The card shows each signature's validation at the time given
            (--at, default now) against the trust anchors given. Check a card with: edsvault verify --card CARD.pdf.
            Exit status: 0 card written (whatever the signatures' result), 64 usage, 65 input that cannot go into a card,
            66 file not found, 69 the card's fonts are missing, 73 the card cannot be written.
            """
    )

    @Option(help: "A signature (CMS/PKCS#7: DER, PEM or base64); repeatable.")
    var signature: [String] = []

    @Argument(help: "The signed document (optional when the signature is attached).")
    var file: String?

    @Option(help: "Where to write the card (PDF).")
    var out: String

    @Option(help: "Language of the pages: kk, ru or kk-ru (both side by side).")
    var lang: String = CardLanguage.kazakhRussian.rawValue

    @Option(help: "The title the pages show (default: the document's file name).")
    var title: String?

    @Option(help: "A trust anchor (PEM or DER, one or many per file); repeatable. Default: Certs/trust/.")
    var trust: [String] = []

    @Option(help: "A CRL to use as revocation evidence (DER or PEM); repeatable.")
    var crl: [String] = []

    @Option(help: "Validation time, ISO 8601 (default: now).")
    var at: String?

    @Flag(help: "No network: only what the signatures carry and the files given.")
    var offline = false

    mutating func validate() throws {
        if signature.isEmpty { throw ValidationError("missing --signature SIG.cms") }
        if CardLanguage(rawValue: lang) == nil { throw ValidationError("--lang must be kk, ru or kk-ru") }
    }

    mutating func run() throws {
        try reportingFailures {
            let signatures = try signature.map { try InputFiles.read($0, what: "signature", limit: InputLimit.signature) }
            let document: Data
            let fileName: String
            if let file {
                document = try InputFiles.read(file, what: "document", limit: InputLimit.document)
                fileName = URL(fileURLWithPath: file).lastPathComponent
            } else {
                guard let content = try CMSSignedData(signatures[0]).encapsulatedContent else {
                    throw CLIFailure(message: "the signature is detached: give the signed document as FILE", code: ExitStatus.usage)
                }
                document = content
                fileName = "document"
            }
            let policy = ValidationPolicy(
                trustAnchors: try TrustAnchors.load(trust), crls: try InputFiles.crls(crl), validationTime: try at.map(DateArgument.parse),
                offline: offline, revocationSource: offline ? nil : NetworkRevocationSource())
            let validator = SignatureValidator(policy: policy)
            let request = CardRequest(
                document: document, fileName: fileName, title: title, signatures: signatures, language: CardLanguage(rawValue: lang) ?? .kazakhRussian)
            let card = try cardFailures {
                try DocumentCard.make(request) { cms, _ in try validator.validate(signature: cms, document: .bytes(document)) }
            }
            try InputFiles.writeAtomically(card, to: out, private: true)
            Terminal.error("document card -> \(out) (check it with: edsvault verify --card \(out))")
        }
    }
}

/// Card errors as the CLI's one-line messages: 65 for input that cannot go into (or is not) a card, 69 for a machine
/// without the card's fonts.
func cardFailures<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as CardError {
        throw CLIFailure(message: error.reason, code: error.code == .invalidInput ? ExitStatus.dataError : ExitStatus.unavailable)
    }
}
