import EDSCrypto
import EDSVerification
import Foundation
import Testing

@testable import EDSCard

/// The document card, checked by readers we did not write: qpdf, poppler (pdfdetach, pdftotext, pdfinfo), OpenSSL.
struct DocumentCardTests {
    static let employeeTime = Date(timeIntervalSinceNow: -3600)
    static let headTime = Date(timeIntervalSinceNow: -600)

    /// The demo order signed by the employee, then the first head: two detached signatures.
    static func twoSignatures() throws -> (employee: Data, head: Data) {
        (try CardFixtures.sign(with: "employee", at: employeeTime), try CardFixtures.sign(with: "head", at: headTime))
    }

    /// Writes `card` into a scratch directory and saves every attachment there with pdfdetach.
    static func detached(_ card: Data) throws -> (directory: URL, list: String) {
        let directory = try CardFixtures.scratch()
        try card.write(to: directory.appendingPathComponent("card.pdf"))
        let list = try CardFixtures.run("pdfdetach", ["-list", "-enc", "UTF-8", "card.pdf"], in: directory)
        #expect(list.status == 0, "\(list.stderr)")
        let out = directory.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let saved = try CardFixtures.run("pdfdetach", ["-saveall", "-enc", "UTF-8", "-o", out.path, "card.pdf"], in: directory)
        #expect(saved.status == 0, "\(saved.stderr)")
        return (out, list.stdout)
    }

    @Test func qpdfFindsNoErrorInACard() throws {
        let (employee, head) = try Self.twoSignatures()
        let scratch = try CardFixtures.scratch()
        let path = scratch.appendingPathComponent("card.pdf")
        try CardFixtures.card(signatures: [employee, head]).write(to: path)
        let check = try CardFixtures.run("qpdf", ["--check", path.path])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("No syntax or stream encoding errors found"))
    }

    @Test func attachmentsAreTheDocumentThenEachSignatureInSigningOrderByteIdentical() throws {
        let (employee, head) = try Self.twoSignatures()
        // Given head first: the card orders by signing moment, so the employee's comes first.
        let (directory, list) = try Self.detached(try CardFixtures.card(signatures: [head, employee]))
        let names = list.split(separator: "\n").dropFirst().map { String($0.split(separator: " ", maxSplits: 1)[1]) }
        #expect(names == ["приказ-17-К.txt", "signature-1 ҚАСЫМОВ ӘЛИХАН.cms", "signature-2 НҰРЛАНОВ ДӘУЛЕТ.cms"])
        let saved = names.map { directory.appendingPathComponent($0) }
        #expect(try Data(contentsOf: saved[0]) == CardFixtures.document)
        #expect(try Data(contentsOf: saved[1]) == employee)
        #expect(try Data(contentsOf: saved[2]) == head)
    }

    @Test func everyExtractedSignatureVerifiesWithOpenSSL() throws {
        let (employee, head) = try Self.twoSignatures()
        let (directory, list) = try Self.detached(try CardFixtures.card(signatures: [employee, head]))
        let names = list.split(separator: "\n").dropFirst().map { String($0.split(separator: " ", maxSplits: 1)[1]) }
        for name in names.dropFirst() {
            let result = try CardFixtures.run(
                "openssl",
                [
                    "cms", "-verify", "-binary", "-inform", "DER", "-in", directory.appendingPathComponent(name).path, "-content",
                    directory.appendingPathComponent(names[0]).path, "-CAfile", CardFixtures.root.appendingPathComponent("Certs/trust/root.pem").path,
                    "-purpose", "any", "-out", "/dev/null",
                ])
            #expect(result.status == 0, "\(name): \(result.stderr)")
            #expect(result.stderr.contains("Verification successful"))
        }
    }

    @Test func aSignedDataWithTwoSignersBecomesTwoFilesEachKeepingItsSignerInfo() throws {
        let employee = try CardFixtures.sign(with: "employee", at: Self.employeeTime)
        let both = try CardFixtures.sign(with: "head", at: Self.headTime, adding: employee)
        let pieces = try CMSSignerSplit.detachedPerSigner(both)
        #expect(pieces.count == 2)
        let original = try #require(try CMSSignedData(both).encodedSignerInfos())
        #expect(try pieces.map { try #require(try CMSSignedData($0).encodedSignerInfos()) } == [[original[0]], [original[1]]])
        let validator = try CardFixtures.validator()
        for piece in pieces {
            #expect(try validator.validate(signature: piece, document: .bytes(CardFixtures.document)).indication == .totalPassed)
        }
        let (directory, list) = try Self.detached(try CardFixtures.card(signatures: [both]))
        #expect(list.hasPrefix("3 embedded files"))
        let names = list.split(separator: "\n").dropFirst().map { String($0.split(separator: " ", maxSplits: 1)[1]) }
        #expect(try Data(contentsOf: directory.appendingPathComponent(names[1])) == pieces[0])
    }

    @Test func anAttachedSignatureIsCarriedDetached() throws {
        let bundle = try CardFixtures.key("employee")
        let attached = try CMSSigner.sign(
            .bytes(CardFixtures.document), key: bundle.privateKey, certificate: bundle.certificate, chain: bundle.chain,
            parameters: CMSSignerParameters(attached: true))
        let pieces = try CMSSignerSplit.detachedPerSigner(attached)
        #expect(try CMSSignedData(pieces[0]).isDetached)
        #expect(try CardFixtures.validator().validate(signature: pieces[0], document: .bytes(CardFixtures.document)).indication == .totalPassed)
    }

    @Test(arguments: [CardLanguage.kazakh, .russian, .kazakhRussian])
    func pagesShowTheSignersNameAndIINAndEveryKazakhLetter(language: CardLanguage) throws {
        let (employee, head) = try Self.twoSignatures()
        let scratch = try CardFixtures.scratch()
        let path = scratch.appendingPathComponent("card.pdf")
        try CardFixtures.card(title: "Бұйрық: \(CardFixtures.kazakhLetters)", signatures: [employee, head], language: language).write(to: path)
        // -raw: in drawing order, so each column reads on; lines wrapped in a narrow column are joined again.
        let text = Self.words(try CardFixtures.run("pdftotext", ["-raw", "-enc", "UTF-8", path.path, "-"]).stdout)
        let validator = try CardFixtures.validator()
        for signature in [employee, head] {
            let signer = try #require(try validator.validate(signature: signature, document: .bytes(CardFixtures.document)).signatures.first?.signer)
            #expect(text.contains(try #require(signer.commonName)))
            #expect(text.contains(try #require(signer.iin)))
        }
        #expect(text.contains(CardFixtures.kazakhLetters))
        if language != .russian { #expect(text.contains("Электрондық құжаттың карточкасы")) }
        if language != .kazakh { #expect(text.contains("Карточка электронного документа")) }
    }

    @Test func aPDFOriginalsPagesAppearAfterTheInformationPageUnderTheWatermark() throws {
        let original = try CardFixtures.pdfOriginal(pages: 3)
        let (employee, head) = try Self.twoSignatures(original)
        let scratch = try CardFixtures.scratch()
        let path = scratch.appendingPathComponent("card.pdf")
        try CardFixtures.card(original, fileName: "order.pdf", signatures: [employee, head], language: .russian).write(to: path)
        let info = try CardFixtures.run("pdfinfo", [path.path]).stdout
        #expect(info.range(of: #"Pages:\s+6\n"#, options: .regularExpression) != nil, "\(info)")
        for page in 1...4 {
            // The watermark runs along the diagonal: pdftotext gives it a letter at a time, so spaces are ignored.
            let text = try CardFixtures.run("pdftotext", ["-raw", "-enc", "UTF-8", "-f", "\(page)", "-l", "\(page)", path.path, "-"]).stdout
                .filter { !$0.isWhitespace }
            #expect(text.contains("Визуализацияэлектронногодокумента") == (page > 1), "page \(page)")
            if page > 1 { #expect(text.contains("БҰЙРЫҚ№17-К,бет\(page - 1)")) }
        }
        let signaturePage = try CardFixtures.run("pdftotext", ["-enc", "UTF-8", "-f", "5", "-l", "5", path.path, "-"]).stdout
        #expect(signaturePage.contains("Подпись 1 / 2"))
    }

    /// Text with every run of whitespace made one space.
    static func words(_ text: String) -> String { text.split(whereSeparator: \.isWhitespace).joined(separator: " ") }

    static func twoSignatures(_ document: Data) throws -> (employee: Data, head: Data) {
        (try CardFixtures.sign(document, with: "employee", at: employeeTime), try CardFixtures.sign(document, with: "head", at: headTime))
    }

    @Test func theCardPassesItsOwnVerification() throws {
        let (employee, head) = try Self.twoSignatures()
        let report = try CardVerifier.verify(try CardFixtures.card(signatures: [employee, head]), validator: try CardFixtures.validator())
        #expect(report.indication == .totalPassed)
        #expect(report.signatures.count == 2)
        #expect(report.signatures.allSatisfy { $0.checks.contains { $0.name == CardVerifier.checkName && $0.passed } })
    }

    @Test func aProofURLIsDrawnAsAQRCodeOnEverySignaturePage() throws {
        let (employee, _) = try Self.twoSignatures()
        let scratch = try CardFixtures.scratch()
        let path = scratch.appendingPathComponent("card.pdf")
        let url = "https://eds.example.kz/proofs/AbCdEf0123456789"
        try CardFixtures.card(signatures: [employee], language: .kazakh, proofURL: url).write(to: path)
        let text = try CardFixtures.run("pdftotext", ["-enc", "UTF-8", "-f", "2", "-l", "2", path.path, "-"]).stdout
        #expect(text.contains("Түпнұсқалықты онлайн растау"))
        // zbarimg (zbar-tools, in .ci/setup) reads the drawn code back from a rendering.
        #expect(try CardFixtures.run("pdftoppm", ["-png", "-r", "150", "-f", "2", "-l", "2", path.path, scratch.appendingPathComponent("page").path]).status == 0)
        let rendered = try FileManager.default.contentsOfDirectory(atPath: scratch.path).first { $0.hasPrefix("page") && $0.hasSuffix(".png") }
        let scan = try CardFixtures.run("zbarimg", ["-q", "--raw", scratch.appendingPathComponent(try #require(rendered)).path])
        #expect(scan.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == url)
    }

    @Test(arguments: [Data([0x4d, 0x5a, 0x90, 0x00]), Data([0x7f, 0x45, 0x4c, 0x46]), Data("#!/bin/sh\nrm -rf /\n".utf8)])
    func aProgramIsNeverPutInACard(program: Data) throws {
        let signature = try CardFixtures.sign(program, with: "employee")
        #expect(throws: CardError.self) { try CardFixtures.card(program, fileName: "order.txt", signatures: [signature]) }
    }

    @Test func aNameWithAnExecutableExtensionIsRefused() throws {
        let signature = try CardFixtures.sign(with: "employee")
        #expect(throws: CardError.self) { try CardFixtures.card(fileName: "приказ.exe", signatures: [signature]) }
    }

    /// Every check the validator names and every role has a Kazakh and a Russian name on the pages.
    @Test(arguments: [CardStrings.kazakh, CardStrings.russian])
    func everyCheckAndRoleHasANameInTheCardsLanguage(strings: CardStrings) throws {
        let (employee, head) = try Self.twoSignatures()
        let validator = try CardFixtures.validator()
        let checks = try [employee, head].flatMap { try validator.validate(signature: $0, document: .bytes(CardFixtures.document)).signatures[0].checks }
        #expect(!checks.isEmpty)
        for check in checks { #expect(strings.checkNames[check.name] != nil, "no name for \(check.name)") }
        for role in SignerRole.allCases { #expect(strings.roleNames[role] != nil, "no name for \(role)") }
        for role in SignerRole.allCases { #expect(strings.purposeNames[role.oid] != nil, "no name for \(role.oid)") }
    }
}
