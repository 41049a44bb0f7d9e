internal import CHaru
import Foundation

/// What a column of a card page is made of, top to bottom.
enum CardBlock {
    case title(String)
    case heading(String)
    /// A label and its value: beside each other in a wide column, the label above in a narrow one.
    case field(String, String)
    case paragraph(String)
    case small(String)
    /// The validation result: a coloured headline and what it means.
    case verdict(String, String, CardColor)
    case qr(QRMatrix, caption: String)
    case gap(Double)
}

struct CardColor: Sendable {
    let red, green, blue: Float
    static let text = CardColor(red: 0.1, green: 0.1, blue: 0.12)
    static let label = CardColor(red: 0.38, green: 0.4, blue: 0.45)
    static let passed = CardColor(red: 0.05, green: 0.45, blue: 0.2)
    static let failed = CardColor(red: 0.75, green: 0.1, blue: 0.1)
    static let indeterminate = CardColor(red: 0.75, green: 0.45, blue: 0.0)
}

/// The card's own pages, drawn by libharu: A4, margins 30 mm left, 20 mm top, 10 mm right, 20 mm bottom (the DDC
/// layout), DejaVu Sans embedded as a TrueType subset with UTF-8 text, so every Kazakh letter renders and copies.
final class CardRenderer {
    static let millimetre: Float = 72 / 25.4
    static let pageWidth: Float = 210 * millimetre
    static let pageHeight: Float = 297 * millimetre
    static let left: Float = 30 * millimetre
    static let top: Float = 20 * millimetre
    static let right: Float = 10 * millimetre
    static let bottom: Float = 20 * millimetre
    static let contentWidth = pageWidth - left - right
    static let contentHeight = pageHeight - top - bottom
    static let columnGap: Float = 14

    private let document: HPDF_Doc
    private let regular: HPDF_Font
    private let bold: HPDF_Font
    private var widthCache: [UInt32: Float] = [:]
    private var boldWidthCache: [UInt32: Float] = [:]

    /// `fontDirectory` holds DejaVuSans.ttf and DejaVuSans-Bold.ttf (Debian: fonts-dejavu-core).
    init(fontDirectory: URL) throws {
        guard let document = HPDF_New(nil, nil) else { throw CardError(.environment, "libharu could not start") }
        self.document = document
        HPDF_UseUTFEncodings(document)
        HPDF_SetCompressionMode(document, UInt32(HPDF_COMP_ALL))
        HPDF_SetInfoAttr(document, HPDF_INFO_PRODUCER, "EDS Vault (libharu, qpdf)")
        func load(_ file: String) throws -> HPDF_Font {
            let path = fontDirectory.appendingPathComponent(file).path
            guard FileManager.default.isReadableFile(atPath: path), let name = HPDF_LoadTTFontFromFile(document, path, HPDF_TRUE),
                let font = HPDF_GetFont(document, name, "UTF-8")
            else {
                HPDF_Free(document)
                throw CardError(.environment, "the card's font \(path) cannot be loaded (Debian: fonts-dejavu-core)")
            }
            return font
        }
        regular = try load("DejaVuSans.ttf")
        bold = try load("DejaVuSans-Bold.ttf")
    }

    deinit { HPDF_Free(document) }

    // MARK: - Measuring and wrapping

    private func width(of text: String, bold isBold: Bool, size: Float) -> Float {
        var total: Float = 0
        for scalar in text.unicodeScalars {
            let cached = isBold ? boldWidthCache[scalar.value] : widthCache[scalar.value]
            let glyph: Float
            if let cached {
                glyph = cached
            } else {
                // libharu's widths are for the Basic Multilingual Plane, in 1/1000 em.
                let code = scalar.value <= 0xFFFF ? UInt16(scalar.value) : 0xFFFD
                glyph = Float(HPDF_Font_GetUnicodeWidth(isBold ? bold : regular, code))
                if isBold { boldWidthCache[scalar.value] = glyph } else { widthCache[scalar.value] = glyph }
            }
            total += glyph
        }
        return total * size / 1000
    }

    /// Lines no wider than `limit`: broken at spaces, and inside a word only when the word alone is too wide
    /// (hashes, serial numbers, distinguished names).
    func wrap(_ text: String, bold isBold: Bool = false, size: Float, width limit: Float) -> [String] {
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            for word in paragraph.split(separator: " ") {
                let candidate = line.isEmpty ? String(word) : line + " " + word
                if width(of: candidate, bold: isBold, size: size) <= limit {
                    line = candidate
                    continue
                }
                if !line.isEmpty { lines.append(line) }
                line = ""
                for character in word {
                    if width(of: line + String(character), bold: isBold, size: size) > limit && !line.isEmpty {
                        lines.append(line)
                        line = ""
                    }
                    line.append(character)
                }
            }
            lines.append(line)
        }
        return lines
    }

    // MARK: - Layout

    /// A block measured for a column: its height and how to draw it at a top-left corner.
    struct Placed {
        let height: Float
        let draw: (HPDF_Page, Float, Float) -> Void
    }

    /// Blocks laid out in a column of `width`, cut into pages of the content height (a block is never split).
    func paginate(_ blocks: [CardBlock], width: Float) -> [[Placed]] {
        var pages: [[Placed]] = [[]]
        var used: Float = 0
        for block in blocks {
            let placed = place(block, width: width)
            if used + placed.height > Self.contentHeight && !pages[pages.count - 1].isEmpty {
                pages.append([])
                used = 0
            }
            pages[pages.count - 1].append(placed)
            used += placed.height
        }
        return pages
    }

    private func textLines(_ lines: [String], bold isBold: Bool, size: Float, color: CardColor, leading: Float) -> Placed {
        let font = isBold ? bold : regular
        return Placed(height: Float(lines.count) * leading) { page, x, top in
            HPDF_Page_BeginText(page)
            HPDF_Page_SetFontAndSize(page, font, size)
            HPDF_Page_SetRGBFill(page, color.red, color.green, color.blue)
            for (index, line) in lines.enumerated() where !line.isEmpty {
                HPDF_Page_TextOut(page, x, top - Float(index) * leading - size, line)
            }
            HPDF_Page_EndText(page)
        }
    }

    private func stack(_ parts: [Placed], offsets: [Float] = []) -> Placed {
        Placed(height: parts.reduce(0) { $0 + $1.height }) { page, x, top in
            var y = top
            for (index, part) in parts.enumerated() {
                part.draw(page, x + (index < offsets.count ? offsets[index] : 0), y)
                y -= part.height
            }
        }
    }

    private func place(_ block: CardBlock, width: Float) -> Placed {
        switch block {
        case .title(let text):
            return stack([textLines(wrap(text, bold: true, size: 14, width: width), bold: true, size: 14, color: .text, leading: 17), gap(4)])
        case .heading(let text):
            return stack([gap(5), textLines(wrap(text, bold: true, size: 10.5, width: width), bold: true, size: 10.5, color: .text, leading: 13), gap(2)])
        case .paragraph(let text):
            return stack([textLines(wrap(text, size: 9, width: width), bold: false, size: 9, color: .text, leading: 11.5), gap(3)])
        case .small(let text):
            let size: Float = width >= 300 ? 7.5 : 7
            return stack([textLines(wrap(text, size: size, width: width), bold: false, size: size, color: .label, leading: size * 1.22), gap(1.5)])
        case .field(let label, let text):
            let value = text.isEmpty ? "—" : text
            if width >= 300 {
                // Wide column: the label on the left third, the value beside it.
                let labelWidth: Float = 140
                let labelPart = textLines(wrap(label, size: 8, width: labelWidth - 8), bold: false, size: 8, color: .label, leading: 11.5)
                let valuePart = textLines(wrap(value, size: 9, width: width - labelWidth), bold: false, size: 9, color: .text, leading: 11.5)
                return Placed(height: max(labelPart.height, valuePart.height) + 2.5) { page, x, top in
                    labelPart.draw(page, x, top - 0.8)
                    valuePart.draw(page, x + labelWidth, top)
                }
            }
            // Narrow column (two languages side by side): the label above, both smaller, so a signature fits a page.
            return stack([
                textLines(wrap(label, size: 6.5, width: width), bold: false, size: 6.5, color: .label, leading: 7.6),
                textLines(wrap(value, size: 7.8, width: width), bold: false, size: 7.8, color: .text, leading: 9.2), gap(2),
            ])
        case .verdict(let headline, let meaning, let color):
            let head = textLines(wrap(headline, bold: true, size: 13, width: width - 12), bold: true, size: 13, color: color, leading: 16)
            let body = textLines(wrap(meaning, size: 9, width: width - 12), bold: false, size: 9, color: .text, leading: 11.5)
            let inner = stack([gap(5), head, gap(1), body, gap(5)])
            return Placed(height: inner.height + 4) { page, x, top in
                HPDF_Page_SetRGBStroke(page, color.red, color.green, color.blue)
                HPDF_Page_SetLineWidth(page, 1.2)
                HPDF_Page_Rectangle(page, x, top - inner.height, width, inner.height)
                HPDF_Page_Stroke(page)
                inner.draw(page, x + 6, top)
            }
        case .qr(let matrix, let caption):
            let side: Float = 96
            let captionPart = textLines(wrap(caption, size: 7.5, width: width), bold: false, size: 7.5, color: .label, leading: 9.5)
            return Placed(height: side + captionPart.height + 8) { page, x, top in
                // Each dark module a filled square, with the 4-module quiet zone ISO/IEC 18004 asks for.
                let module = side / Float(matrix.size + 8)
                HPDF_Page_SetRGBFill(page, 0, 0, 0)
                for row in 0..<matrix.size {
                    for column in 0..<matrix.size where matrix.isDark(row: row, column: column) {
                        HPDF_Page_Rectangle(
                            page, x + Float(column + 4) * module, top - Float(row + 5) * module, module, module)
                    }
                }
                HPDF_Page_Fill(page)
                captionPart.draw(page, x, top - side - 2)
            }
        case .gap(let height):
            return gap(Float(height))
        }
    }

    private func gap(_ height: Float) -> Placed { Placed(height: height) { _, _, _ in } }

    // MARK: - Drawing

    /// Adds pages: page `n` shows page `n` of every column side by side (missing ones blank), and a footer.
    func addPages(columns: [[[Placed]]], footer: (Int) -> String) {
        let count = columns.map(\.count).max() ?? 0
        let columnWidth = (Self.contentWidth - Self.columnGap * Float(columns.count - 1)) / Float(columns.count)
        for index in 0..<count {
            let page = newPage()
            for (position, column) in columns.enumerated() where index < column.count {
                let x = Self.left + Float(position) * (columnWidth + Self.columnGap)
                var y = Self.pageHeight - Self.top
                for placed in column[index] {
                    placed.draw(page, x, y)
                    y -= placed.height
                }
            }
            if columns.count > 1 {
                let x = Self.left + columnWidth + Self.columnGap / 2
                HPDF_Page_SetRGBStroke(page, 0.85, 0.86, 0.88)
                HPDF_Page_SetLineWidth(page, 0.5)
                HPDF_Page_MoveTo(page, x, Self.bottom)
                HPDF_Page_LineTo(page, x, Self.pageHeight - Self.top)
                HPDF_Page_Stroke(page)
            }
            let text = footer(index)
            HPDF_Page_BeginText(page)
            HPDF_Page_SetFontAndSize(page, regular, 7.5)
            HPDF_Page_SetRGBFill(page, CardColor.label.red, CardColor.label.green, CardColor.label.blue)
            HPDF_Page_TextOut(page, Self.left, Self.bottom / 2, text)
            HPDF_Page_EndText(page)
        }
    }

    /// A page with only `lines` across its diagonal, light and translucent, to be laid over a PDF original's pages.
    func addWatermarkPage(lines: [String]) {
        let page = newPage()
        if let state = HPDF_CreateExtGState(document) {
            HPDF_ExtGState_SetAlphaFill(state, 0.35)
            HPDF_Page_SetExtGState(page, state)
        }
        let size: Float = 30
        let angle = atan2(Self.pageHeight, Self.pageWidth)
        let (cosine, sine) = (cos(angle), sin(angle))
        HPDF_Page_BeginText(page)
        HPDF_Page_SetFontAndSize(page, bold, size)
        HPDF_Page_SetRGBFill(page, 0.55, 0.55, 0.6)
        for (index, line) in lines.enumerated() {
            let lineWidth = width(of: line, bold: true, size: size)
            // Centre each line on the diagonal; lines stack perpendicular to it.
            let offset = (Float(index) - Float(lines.count - 1) / 2) * size * 1.3
            let x = Self.pageWidth / 2 - cosine * lineWidth / 2 + sine * offset
            let y = Self.pageHeight / 2 - sine * lineWidth / 2 - cosine * offset - size / 3
            HPDF_Page_SetTextMatrix(page, cosine, sine, -sine, cosine, x, y)
            HPDF_Page_ShowText(page, line)
        }
        HPDF_Page_EndText(page)
    }

    private func newPage() -> HPDF_Page {
        let page = HPDF_AddPage(document)!
        HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT)
        return page
    }

    /// The pages drawn so far as PDF bytes.
    func data() throws -> Data {
        let ok = HPDF_STATUS(HPDF_OK)
        guard HPDF_GetError(document) == ok, HPDF_SaveToStream(document) == ok else {
            throw CardError(.environment, String(format: "libharu failed (error 0x%04lX)", UInt(HPDF_GetError(document))))
        }
        var out = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            var size = UInt32(buffer.count)
            let status = HPDF_ReadFromStream(document, &buffer, &size)
            out.append(buffer, count: Int(size))
            if status == HPDF_STATUS(HPDF_STREAM_EOF) || size == 0 { break }
            guard status == ok else { throw CardError(.environment, "libharu could not hand over the pages") }
        }
        return out
    }
}
