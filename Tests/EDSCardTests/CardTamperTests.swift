import EDSCrypto
import EDSVerification
import Foundation
import Testing

@testable import EDSCard

/// A card whose attachments were changed, removed or reordered does not pass. The tampering is done with qpdf's own
/// command line, as someone editing a card would.
struct CardTamperTests {
    /// A card of the demo order signed by the employee and the first head, its attachments saved beside it.
    static func card() throws -> (directory: URL, document: Data, employee: Data, head: Data) {
        let (employee, head) = try DocumentCardTests.twoSignatures()
        let directory = try CardFixtures.scratch()
        try CardFixtures.card(fileName: "order.txt", signatures: [employee, head]).write(to: directory.appendingPathComponent("card.pdf"))
        try CardFixtures.document.write(to: directory.appendingPathComponent("order.txt"))
        try employee.write(to: directory.appendingPathComponent("employee.cms"))
        try head.write(to: directory.appendingPathComponent("head.cms"))
        return (directory, CardFixtures.document, employee, head)
    }

    static func qpdf(_ arguments: [String], in directory: URL) throws -> Data {
        let result = try CardFixtures.run("qpdf", ["card.pdf"] + arguments + ["tampered.pdf"], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        return try Data(contentsOf: directory.appendingPathComponent("tampered.pdf"))
    }

    static func verify(_ card: Data) throws -> ValidationReport { try CardVerifier.verify(card, validator: try CardFixtures.validator()) }

    @Test func theUntouchedCardRewrittenByQpdfStillPasses() throws {
        let (directory, _, _, _) = try Self.card()
        let rewritten = try CardFixtures.run("qpdf", ["card.pdf", "rewritten.pdf"], in: directory)
        #expect(rewritten.status == 0)
        #expect(try Self.verify(try Data(contentsOf: directory.appendingPathComponent("rewritten.pdf"))).indication == .totalPassed)
    }

    @Test func oneChangedByteInTheDocumentFails() throws {
        let (directory, document, _, _) = try Self.card()
        var changed = document
        changed[changed.startIndex + 3] ^= 0x01
        try changed.write(to: directory.appendingPathComponent("changed.txt"))
        let tampered = try Self.qpdf(["--add-attachment", "changed.txt", "--key=0000", "--filename=order.txt", "--replace", "--"], in: directory)
        let report = try Self.verify(tampered)
        #expect(report.indication == .totalFailed)
        #expect(report.signatures.allSatisfy { $0.subIndication == .hashFailure })
    }

    @Test func oneChangedByteInASignatureFails() throws {
        let (directory, _, employee, _) = try Self.card()
        var changed = employee
        changed[changed.endIndex - 5] ^= 0x01
        try changed.write(to: directory.appendingPathComponent("changed.cms"))
        let name = "signature-1 ҚАСЫМОВ ӘЛИХАН.cms"
        let tampered = try Self.qpdf(["--add-attachment", "changed.cms", "--key=0001", "--filename=\(name)", "--replace", "--"], in: directory)
        let report = try Self.verify(tampered)
        #expect(report.indication == .totalFailed)
        #expect(report.signatures[0].checks.contains { $0.name == CardVerifier.checkName && !$0.passed })
    }

    @Test func aRemovedSignatureFails() throws {
        let (directory, _, _, _) = try Self.card()
        let tampered = try Self.qpdf(["--remove-attachment=0002"], in: directory)
        #expect(try CardVerifier.attachments(of: tampered).count == 2)
        let report = try Self.verify(tampered)
        #expect(report.indication == .totalFailed)
        #expect(report.subIndication == .formatFailure)
        let detail = try #require(report.signatures.first?.checks.first { $0.name == CardVerifier.checkName }?.detail)
        #expect(detail.contains("lists 3 attachments but carries 2"))
    }

    @Test func aReorderedPairOfSignaturesFails() throws {
        let (directory, _, _, _) = try Self.card()
        let tampered = try Self.qpdf(
            [
                "--remove-attachment=0001", "--remove-attachment=0002",
                "--add-attachment", "head.cms", "--key=0001", "--filename=signature-1 НҰРЛАНОВ ДӘУЛЕТ.cms", "--",
                "--add-attachment", "employee.cms", "--key=0002", "--filename=signature-2 ҚАСЫМОВ ӘЛИХАН.cms", "--",
            ], in: directory)
        let report = try Self.verify(tampered)
        #expect(report.indication == .totalFailed)
        let detail = try #require(report.signatures.first?.checks.first { $0.name == CardVerifier.checkName }?.detail)
        #expect(detail.contains("reordered"))
        #expect(detail.contains("not in signing order"))
    }

    @Test func aPDFWithoutAttachmentsIsNotACard() throws {
        let original = try CardFixtures.pdfOriginal(pages: 1)
        #expect(throws: CardError.self) { try Self.verify(original) }
        #expect(throws: CardError.self) { try Self.verify(Data("not a pdf".utf8)) }
    }

    /// Reading is bounded: by the number of embedded files and by their decoded size in all.
    @Test func readingStopsAtTheAttachmentLimits() throws {
        let (employee, head) = try DocumentCardTests.twoSignatures()
        let card = try CardFixtures.card(signatures: [employee, head])
        let total = CardFixtures.document.count + employee.count + head.count
        #expect(try CardPDF.read(card, maximumAttachments: 3, maximumBytes: total).attachments.count == 3)
        #expect(throws: CardError.self) { try CardPDF.read(card, maximumAttachments: 2, maximumBytes: total) }
        #expect(throws: CardError.self) { try CardPDF.read(card, maximumAttachments: 3, maximumBytes: total - 1) }
    }

    /// Issue 23, finding 5: a signature attachment over the per-signature limit, and reading past the deadline, stop
    /// the read with the reason.
    @Test func readingStopsAtTheSignatureSizeAndTimeLimits() throws {
        let (employee, head) = try DocumentCardTests.twoSignatures()
        let card = try CardFixtures.card(signatures: [employee, head])
        let total = CardFixtures.document.count + employee.count + head.count
        let largest = max(employee.count, head.count)
        #expect(try CardPDF.read(card, maximumAttachments: 3, maximumBytes: total, maximumSignatureBytes: largest).attachments.count == 3)
        do {
            _ = try CardPDF.read(card, maximumAttachments: 3, maximumBytes: total, maximumSignatureBytes: largest - 1)
            Issue.record("a signature over the per-signature limit was read")
        } catch let error as CardError {
            #expect(error.reason.contains("larger than the limit"), "\(error.reason)")
        }
        do {
            _ = try CardPDF.read(card, maximumAttachments: 3, maximumBytes: total, maximumSeconds: 0)
            Issue.record("a card was read past its deadline")
        } catch let error as CardError {
            #expect(error.reason.contains("took longer than the limit"), "\(error.reason)")
        }
    }
}
