import EDSCrypto
import EDSVerification
import Foundation

/// What a card is made from.
public struct CardRequest: Sendable {
    /// The signed document, byte for byte: it becomes the first attachment.
    public var document: Data
    /// Its file name (UTF-8), as the first attachment's name.
    public var fileName: String
    /// The title the pages show (a vault document's title, else the file name).
    public var title: String
    /// CMS signatures over the document, detached or attached, one or several signers each.
    public var signatures: [Data]
    public var language: CardLanguage
    /// The proof page's URL, for a card made from the vault: drawn as a QR code on every signature page.
    public var proofURL: String?
    public var issuingSystem: String
    public var createdAt: Date
    /// DejaVuSans.ttf and DejaVuSans-Bold.ttf.
    public var fontDirectory: URL
    /// The document's acquaintance sheet (issue 22), listed on the information page; empty: not shown.
    public var acknowledgements: [CardAcknowledgement] = []

    public init(
        document: Data, fileName: String, title: String? = nil, signatures: [Data], language: CardLanguage = .kazakhRussian,
        proofURL: String? = nil, issuingSystem: String = "EDS Vault", createdAt: Date = Date(),
        fontDirectory: URL = DocumentCard.defaultFontDirectory
    ) {
        self.document = document
        self.fileName = fileName
        self.title = title ?? fileName
        self.signatures = signatures
        self.language = language
        self.proofURL = proofURL
        self.issuingSystem = issuingSystem
        self.createdAt = createdAt
        self.fontDirectory = fontDirectory
    }
}

/// The document card (SIGEX DDC style): one PDF whose embedded files are the document and each signature, and whose
/// pages show who signed what and how to check it. Docs/card.md describes the format.
public enum DocumentCard {
    public static let defaultFontDirectory = URL(
        fileURLWithPath: ProcessInfo.processInfo.environment["EDSVAULT_CARD_FONT_DIR"] ?? "/usr/share/fonts/truetype/dejavu")
    /// More attachments than this is not a card we make or read.
    public static let maximumSignatures = 200
    /// A longer PDF original is attached but not reproduced page by page (the card would dwarf the document).
    public static let maximumShownPages = 1000

    /// Makes the card. `validate` checks one single-signer, detached CMS split from `request.signatures[source]`
    /// against the document (the caller decides the trust anchors, CRLs and validation time); its report is what the
    /// signature's page shows.
    public static func make(_ request: CardRequest, validate: (_ cms: Data, _ source: Int) throws -> ValidationReport) throws -> Data {
        if let reason = executableReason(request.document, name: request.fileName) {
            throw CardError(.invalidInput, "a card never carries an executable: \(request.fileName) \(reason)")
        }
        var pieces: [(cms: Data, source: Int)] = []
        for (source, signature) in request.signatures.enumerated() {
            do {
                pieces += try CMSSignerSplit.detachedPerSigner(signature).map { (cms: $0, source: source) }
            } catch let error as CryptoError {
                throw CardError(.invalidInput, error.reason)
            }
        }
        guard !pieces.isEmpty else { throw CardError(.invalidInput, "a card needs at least one signature") }
        guard pieces.count <= maximumSignatures else { throw CardError(.invalidInput, "more than \(maximumSignatures) signatures") }
        var signed: [(cms: Data, report: SignatureReport, validationTime: Date)] = []
        var documentSummary: DocumentSummary?
        for piece in pieces {
            let report = try validate(piece.cms, piece.source)
            guard report.signatures.count == 1, let signature = report.signatures.first else {
                throw CardError(.invalidInput, "a split signature did not hold exactly one signer")
            }
            documentSummary = documentSummary ?? report.document
            signed.append((cms: piece.cms, report: signature, validationTime: report.validationTime))
        }
        // By signing moment (the timestamp's genTime, else the signer's claim), as the DDC orders attachments.
        signed = signed.enumerated().sorted { lhs, rhs in
            let (left, right) = (signingMoment(lhs.element.report), signingMoment(rhs.element.report))
            if left == right { return lhs.offset < rhs.offset }
            return (left ?? .distantFuture) < (right ?? .distantFuture)
        }.map(\.element)
        let overall = ValidationReport(
            validationTime: signed.map { $0.validationTime }.max() ?? request.createdAt, document: documentSummary,
            signatures: signed.map { $0.report })

        let documentName = safeFileName(request.fileName, fallback: "document")
        var attachments = [
            CardPDF.Attachment(
                key: key(0), fileName: documentName, asciiName: asciiName(documentName, fallback: "document"),
                description: request.language.columns.map(\.originalDescription).joined(separator: " / "),
                mimeType: mimeType(request.document, name: documentName), bytes: request.document)
        ]
        for (index, entry) in signed.enumerated() {
            let who = entry.report.signer?.commonName.map { " " + $0 } ?? ""
            let name = safeFileName("signature-\(index + 1)\(who).cms", fallback: "signature-\(index + 1).cms")
            attachments.append(
                CardPDF.Attachment(
                    key: key(index + 1), fileName: name, asciiName: "signature-\(index + 1).cms",
                    description: request.language.columns.map { "\($0.signatureDescription): \(entry.report.signer?.fullName ?? "?")" }
                        .joined(separator: " / "),
                    mimeType: "application/pkcs7-signature", bytes: entry.cms))
        }
        let manifest = CardManifest(
            format: CardManifest.currentFormat,
            attachments: attachments.enumerated().map { index, attachment in
                CardManifest.Entry(
                    name: attachment.fileName, sha256: Digest.sha256(attachment.bytes).hexString, size: attachment.bytes.count,
                    role: index == 0 ? .document : .signature)
            })

        // A PDF original is shown page by page; one qpdf cannot open (damaged, encrypted) is only attached.
        var originalPages = 0
        if request.document.starts(with: Data("%PDF-".utf8)), let count = try? CardPDF.pageCount(request.document), count <= maximumShownPages {
            originalPages = count
        }

        let renderer = try CardRenderer(fontDirectory: request.fontDirectory)
        let columns = request.language.columns
        let columnWidth = (CardRenderer.contentWidth - CardRenderer.columnGap * Float(columns.count - 1)) / Float(columns.count)
        let signaturePages = signed.enumerated().map { index, entry in
            columns.map { strings in
                renderer.paginate(
                    signatureBlocks(entry.report, number: index + 1, of: signed.count, strings: strings, proofURL: request.proofURL),
                    width: columnWidth)
            }
        }
        let signaturePageCounts = signaturePages.map { $0.map(\.count).max() ?? 1 }
        // The table of contents names pages, and its own length decides them: lay out twice.
        var infoPageCount = 1
        var infoPages: [[[CardRenderer.Placed]]] = []
        for _ in 0..<2 {
            let plan = PagePlan(info: infoPageCount, original: originalPages, signatures: signaturePageCounts)
            infoPages = columns.map { strings in
                renderer.paginate(
                    infoBlocks(request, overall: overall, signed: signed.map { $0.report }, manifest: manifest, plan: plan, strings: strings),
                    width: columnWidth)
            }
            infoPageCount = infoPages.map(\.count).max() ?? 1
        }
        let plan = PagePlan(info: infoPageCount, original: originalPages, signatures: signaturePageCounts)
        let footerTitle = request.title
        func footer(_ page: Int) -> String {
            "\(request.issuingSystem) · \(footerTitle) · " + columns.map { $0.pageOf(page, plan.total) }.joined(separator: " / ")
        }
        renderer.addPages(columns: infoPages) { footer($0 + 1) }
        let watermarkPage = infoPageCount
        if originalPages > 0 { renderer.addWatermarkPage(lines: columns.map(\.watermark)) }
        for (index, pages) in signaturePages.enumerated() {
            let first = plan.firstSignaturePage(index)
            renderer.addPages(columns: pages) { footer(first + $0) }
        }
        let manifestJSON: String
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            manifestJSON = String(decoding: try encoder.encode(manifest), as: UTF8.self)
        }
        return try CardPDF.assemble(
            pages: try renderer.data(), original: originalPages > 0 ? request.document : nil, insertAfter: infoPageCount,
            watermarkPage: watermarkPage, attachments: attachments,
            title: "\(columns.map(\.cardTitle).joined(separator: " / ")): \(request.title)", manifest: manifestJSON)
    }

    /// The signing moment the card orders by: the timestamp's genTime, else the signer's signingTime claim.
    static func signingMoment(_ report: SignatureReport) -> Date? { report.timestamp?.genTime ?? report.signingTime }

    /// Name-tree keys sort as strings, so they are zero-padded positions.
    static func key(_ index: Int) -> String { String(format: "%04d", index) }

    // MARK: - Pages

    struct PagePlan {
        let info: Int
        let original: Int
        let signatures: [Int]
        var total: Int { info + original + signatures.reduce(0, +) }
        func firstSignaturePage(_ index: Int) -> Int { info + original + signatures.prefix(index).reduce(0, +) + 1 }
    }

    private static func infoBlocks(
        _ request: CardRequest, overall: ValidationReport, signed: [SignatureReport], manifest: CardManifest, plan: PagePlan,
        strings t: CardStrings
    ) -> [CardBlock] {
        var blocks: [CardBlock] = [
            .title(t.cardTitle),
            .field(t.documentTitle, request.title),
            .field(t.createdAt, astana(request.createdAt)),
            .field(t.issuedBy, request.issuingSystem),
            .verdict(t.headline(overall.indication), t.meaning(overall.indication), color(overall.indication)),
            .heading(t.contents),
            .paragraph("1. \(t.infoPages) — \(t.pages(1, plan.info))"),
        ]
        blocks.append(
            .paragraph(
                plan.original > 0
                    ? "2. \(t.documentPages) — \(t.pages(plan.info + 1, plan.info + plan.original))" : "2. \(t.documentPages): \(t.notVisualised)"))
        for (index, report) in signed.enumerated() {
            let first = plan.firstSignaturePage(index)
            blocks.append(
                .paragraph(
                    "\(index + 3). \(t.signaturePage) \(index + 1): \(report.signer?.fullName ?? "?") — \(t.pages(first, first + plan.signatures[index] - 1))"
                ))
        }
        blocks += acknowledgementBlocks(request.acknowledgements, strings: t)
        blocks.append(.heading(t.attachments))
        for (index, entry) in manifest.attachments.enumerated() {
            let what = index == 0 ? t.originalDescription : t.signatureDescription
            blocks.append(.field("\(index + 1). \(what)", "\(entry.name)\n\(entry.size) \(t.bytes)\n\(t.sha256): \(entry.sha256)"))
        }
        blocks += [.heading(t.howToVerify), .paragraph(t.howToVerifySteps), .gap(4), .small(t.legalNote)]
        return blocks
    }

    private static func signatureBlocks(_ report: SignatureReport, number: Int, of count: Int, strings t: CardStrings, proofURL: String?)
        -> [CardBlock]
    {
        let signer = report.signer
        let certificate = report.certificate
        var indication = report.indication.rawValue
        if let sub = report.subIndication { indication += " / \(sub.rawValue)" }
        var blocks: [CardBlock] = [
            .title("\(t.signature) \(number) / \(count)"),
            .verdict(t.headline(report.indication), "\(t.meaning(report.indication))\n\(t.indication): \(indication)", color(report.indication)),
            .field(t.signer, signer?.fullName ?? ""),
            .field(t.iin, signer?.iin ?? ""),
        ]
        if signer?.organization != nil || signer?.bin != nil {
            blocks += [.field(t.organisation, signer?.organization ?? ""), .field(t.bin, signer?.bin ?? "")]
        }
        blocks.append(.field(t.roles, (signer?.roles ?? []).map(t.roleName).joined(separator: ", ")))
        if let certificate {
            let holder = certificate.holder == .legalEntity ? t.holderLegalEntity : t.holderIndividual
            blocks += [
                .heading(t.certificateSubject),
                .field(t.certificateSubject, "\(certificate.subject) (\(holder))"),
                .field(t.issuer, certificate.issuer),
                .field(t.serial, certificate.serialNumber),
                .field(t.validity, "\(astana(certificate.notBefore)) — \(astana(certificate.notAfter))"),
                .field(t.policies, certificate.policies.isEmpty ? t.none : certificate.policies.map(oidWithName).joined(separator: "\n")),
                .field(
                    t.extendedKeyUsage,
                    certificate.extendedKeyUsage.isEmpty
                        ? t.none : certificate.extendedKeyUsage.map { "\(t.purposeNames[$0] ?? OIDNames.name($0)) (\($0))" }.joined(separator: "\n")),
            ]
        }
        blocks += [
            .field("\(t.signatureAlgorithm) / \(t.digestAlgorithm)", "\(report.signatureAlgorithm) / \(report.digestAlgorithm)"),
        ]
        if let timestamp = report.timestamp {
            blocks.append(.field(t.timestamp, "\(astana(timestamp.genTime)); \(t.tsa): \(timestamp.tsa); № \(timestamp.serialNumber)"))
        } else {
            blocks.append(.field(t.timestamp, t.timestampNone))
        }
        if let claim = report.signingTime { blocks.append(.field(t.signingTimeClaim, astana(claim))) }
        if let revocation = report.revocation {
            let status =
                switch revocation.status {
                case .good: t.revocationGood
                case .revoked: t.revocationRevoked
                case .unknown: t.revocationUnknown
                }
            var source = revocation.source == .ocsp ? t.ocsp : t.crl
            if let producedAt = revocation.producedAt {
                source += ", \(t.producedAt) \(astana(producedAt))"
            } else if let thisUpdate = revocation.thisUpdate {
                source += ", \(t.thisUpdate) \(astana(thisUpdate))"
            }
            blocks.append(.field(t.revocation, "\(status) — \(source)"))
        } else {
            blocks.append(.field(t.revocation, t.revocationNone))
        }
        blocks.append(.heading(t.checks))
        for check in report.checks {
            // A passed check in one small line, a failed one as a field: what failed is what the reader needs.
            if check.passed {
                blocks.append(.small("✓ \(t.checkName(check.name)): \(check.detail(in: t.report))"))
            } else {
                blocks.append(.field("✗ \(t.checkName(check.name)): \(t.checkFailed)", check.detail(in: t.report)))
            }
        }
        if !report.warnings.isEmpty {
            blocks.append(.heading(t.warnings))
            for warning in report.warnings { blocks.append(.small(report.warning(warning, in: t.report))) }
        }
        if let proofURL, let matrix = QRMatrix(proofURL) {
            blocks += [.gap(6), .qr(matrix, caption: "\(t.qrCaption): \(proofURL)")]
        }
        return blocks
    }

    private static func oidWithName(_ oid: String) -> String {
        let name = OIDNames.name(oid)
        return name == oid ? oid : "\(name) (\(oid))"
    }

    private static func color(_ indication: Indication) -> CardColor {
        switch indication {
        case .totalPassed: .passed
        case .totalFailed: .failed
        case .indeterminate: .indeterminate
        }
    }

    /// Times as people in Kazakhstan read them: Astana time (UTC+6).
    static func astana(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 6 * 3600)
        formatter.dateFormat = "dd.MM.yyyy HH:mm:ss"
        return formatter.string(from: date) + " (UTC+6)"
    }

    // MARK: - Attachments

    /// Why the bytes or name look like a program, or nil. A card is handed to people who open its attachments.
    static func executableReason(_ bytes: Data, name: String) -> String? {
        let head = [UInt8](bytes.prefix(4))
        if head.starts(with: [0x4d, 0x5a]) { return "is a Windows program (MZ)" }
        if head.starts(with: [0x7f, 0x45, 0x4c, 0x46]) { return "is an ELF program" }
        let machOAndJava: [[UInt8]] = [
            [0xfe, 0xed, 0xfa, 0xce], [0xfe, 0xed, 0xfa, 0xcf], [0xce, 0xfa, 0xed, 0xfe], [0xcf, 0xfa, 0xed, 0xfe], [0xca, 0xfe, 0xba, 0xbe],
        ]
        if machOAndJava.contains(head) {
            return "is a Mach-O or Java program"
        }
        if head.starts(with: [0x23, 0x21]) { return "is a script (#!)" }
        let executableExtensions: Set<String> = [
            "exe", "dll", "com", "scr", "msi", "bat", "cmd", "ps1", "vbs", "vbe", "js", "jse", "wsf", "hta", "jar", "sh", "app", "apk", "lnk",
        ]
        let ext = (name as NSString).pathExtension.lowercased()
        if executableExtensions.contains(ext) { return "has the executable extension .\(ext)" }
        return nil
    }

    /// A file name readers can show and save: no directories, no control characters.
    static func safeFileName(_ name: String, fallback: String) -> String {
        let base = name.split(separator: "/").last.map(String.init) ?? ""
        let cleaned = String(base.unicodeScalars.map { $0.properties.generalCategory == .control || $0 == "\\" || $0 == ":" ? "_" : Character($0) })
            .trimmingCharacters(in: .whitespaces)
        return cleaned.isEmpty || cleaned == "." || cleaned == ".." ? fallback : String(cleaned.prefix(200))
    }

    /// /F, for readers without /UF: the name when it is printable ASCII, else the fallback with the name's extension.
    static func asciiName(_ name: String, fallback: String) -> String {
        if name.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7f }) { return name }
        let ext = (name as NSString).pathExtension
        return ext.isEmpty || !ext.unicodeScalars.allSatisfy({ $0.isASCII }) ? fallback : "\(fallback).\(ext)"
    }

    static func mimeType(_ bytes: Data, name: String) -> String {
        if bytes.starts(with: Data("%PDF-".utf8)) { return "application/pdf" }
        switch (name as NSString).pathExtension.lowercased() {
        case "txt": return "text/plain"
        case "xml": return "application/xml"
        case "json": return "application/json"
        case "docx": return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        case "xlsx": return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        default: return "application/octet-stream"
        }
    }
}

/// The card's own list of its attachments, kept as /Info /EDSVaultCard (JSON): what `verify --card` compares the
/// embedded files with, so a removed, added, reordered or changed attachment shows.
struct CardManifest: Codable, Sendable {
    static let currentFormat = "EDSVaultCard/1"

    enum Role: String, Codable, Sendable { case document, signature }

    struct Entry: Codable, Sendable, Equatable {
        var name: String
        var sha256: String
        var size: Int
        var role: Role
    }

    var format: String
    var attachments: [Entry]
}
