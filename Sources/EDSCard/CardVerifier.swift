import EDSCrypto
import EDSVerification
import Foundation

/// One embedded file of a card, as read back.
public struct CardAttachment: Sendable {
    public var fileName: String
    public var description: String
    public var bytes: Data
}

/// Reads a card back and validates what it carries, offline: the first attachment is the document, every other one a
/// signature over it.
public enum CardVerifier {
    /// Limits for hostile input (issue 23, finding 5): attachments per card (counted before any is decoded), their
    /// decoded bytes in all (a small compressed stream can claim gigabytes; each stream is first decoded only to count,
    /// so refusing costs no memory), each signature's decoded bytes (a card's signatures are detached CMS), and the
    /// time spent reading and validating. Two file specifications sharing one stream are refused.
    public static let maximumAttachments = DocumentCard.maximumSignatures + 1
    public static let maximumAttachmentBytes = 256 << 20
    public static let maximumSignatureBytes = 16 << 20
    public static let maximumSeconds: Double = 60
    /// The name of the card-level check each signature's report carries.
    public static let checkName = "cardAttachments"

    /// The embedded files in the order readers list them (the name tree's).
    public static func attachments(of pdf: Data) throws -> [CardAttachment] {
        try read(pdf, deadline: Date().addingTimeInterval(maximumSeconds)).attachments.map {
            CardAttachment(fileName: $0.fileName, description: $0.description, bytes: $0.bytes)
        }
    }

    private static func read(_ pdf: Data, deadline: Date) throws -> CardPDF.Contents {
        guard pdf.starts(with: Data("%PDF-".utf8)) else { throw CardError(.invalidInput, "not a PDF (no %PDF- header)") }
        let contents = try CardPDF.read(
            pdf, maximumAttachments: maximumAttachments, maximumBytes: maximumAttachmentBytes, maximumSignatureBytes: maximumSignatureBytes,
            maximumSeconds: max(0, deadline.timeIntervalSinceNow))
        guard contents.attachments.count >= 2 else {
            throw CardError(.invalidInput, "not a document card: it carries \(contents.attachments.count) embedded file(s), a card at least the document and one signature")
        }
        return contents
    }

    /// The report `verify` gives, for every signature the card carries, plus the card check: the attachments are the
    /// ones the card's manifest lists (names, SHA-256, order, count) and the signatures are in signing order. When
    /// that check fails every signature not already TOTAL_FAILED becomes TOTAL_FAILED / FORMAT_FAILURE.
    public static func verify(_ pdf: Data, validator: SignatureValidator) throws -> ValidationReport {
        let deadline = Date().addingTimeInterval(maximumSeconds)
        let contents = try read(pdf, deadline: deadline)
        let document = contents.attachments[0]
        var problems: [String] = []
        var notes: [String] = []
        if let text = contents.manifest {
            problems += manifestProblems(text, attachments: contents.attachments)
        } else {
            notes.append("the card carries no EDS Vault manifest (made elsewhere?): a removed signature cannot be detected, only order and content")
        }

        var signatures: [SignatureReport] = []
        var validationTime: Date?
        var documentSummary: DocumentSummary?
        var previousMoment: (Date, Int)?
        for (offset, attachment) in contents.attachments.enumerated().dropFirst() {
            guard Date() < deadline else {
                throw CardError(
                    .invalidInput, "verifying the card took longer than \(Int(maximumSeconds)) s; gave up at attachment \(offset + 1) of \(contents.attachments.count)")
            }
            let report: ValidationReport
            do {
                report = try validator.validate(signature: attachment.bytes, document: .bytes(document.bytes))
            } catch {
                problems.append("attachment \(offset + 1) (\(attachment.fileName)) is not a readable CMS signature: \(error)")
                continue
            }
            validationTime = validationTime ?? report.validationTime
            documentSummary = documentSummary ?? report.document
            if let moment = report.signatures.compactMap(DocumentCard.signingMoment).min() {
                if let previous = previousMoment, moment < previous.0 {
                    problems.append("attachment \(offset + 1) was signed before attachment \(previous.1 + 1): the signatures are not in signing order")
                }
                previousMoment = (moment, offset)
            }
            signatures += report.signatures
        }

        let passed = problems.isEmpty
        let detail =
            passed
            ? "the \(contents.attachments.count) attachments are the ones the card lists, in signing order" + notes.map { "; " + $0 }.joined()
            : problems.joined(separator: "; ")
        for index in signatures.indices {
            signatures[index].checks.append(Check(name: checkName, passed: passed, detail: detail))
            if !passed {
                signatures[index].errors.append(detail)
                if signatures[index].indication != .totalFailed {
                    signatures[index].indication = .totalFailed
                    signatures[index].subIndication = .formatFailure
                }
            }
        }
        var report = ValidationReport(
            validationTime: validationTime ?? Date(), document: documentSummary, signatures: signatures)
        if !passed && report.indication != .totalFailed {
            report.indication = .totalFailed
            report.subIndication = .formatFailure
        }
        return report
    }

    /// The card's own list against what it carries: count, order, names and bytes.
    static func manifestProblems(_ text: String, attachments: [CardPDF.ReadAttachment]) -> [String] {
        guard let manifest = try? JSONDecoder().decode(CardManifest.self, from: Data(text.utf8)), manifest.format == CardManifest.currentFormat else {
            return ["the card's manifest (/Info /EDSVaultCard) cannot be read"]
        }
        var problems: [String] = []
        if manifest.attachments.count != attachments.count {
            problems.append(
                "the card lists \(manifest.attachments.count) attachments but carries \(attachments.count): an attachment was removed or added")
        }
        let listed = Dictionary(manifest.attachments.enumerated().map { ($1.sha256, $0) }, uniquingKeysWith: { first, _ in first })
        for (index, attachment) in attachments.enumerated() {
            let hash = Digest.sha256(attachment.bytes).hexString
            let position = listed[hash]
            if index < manifest.attachments.count, manifest.attachments[index].sha256 == hash {
                if manifest.attachments[index].name != attachment.fileName {
                    problems.append("attachment \(index + 1) is named \(attachment.fileName), the card lists \(manifest.attachments[index].name)")
                }
            } else if let position {
                problems.append("attachment \(index + 1) (\(attachment.fileName)) is listed as attachment \(position + 1): the attachments were reordered")
            } else {
                problems.append("attachment \(index + 1) (\(attachment.fileName)) is not one the card lists (SHA-256 \(hash)): it was changed or replaced")
            }
        }
        return problems
    }
}
