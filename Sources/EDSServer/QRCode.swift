import CQRencode

/// A QR code (ISO/IEC 18004) made by libqrencode: a square of dark and light modules.
public struct QRCode: Sendable, Equatable {
    /// Modules per side, without the quiet zone.
    public let size: Int
    /// Row-major, `true` for a dark module.
    public let modules: [Bool]

    /// Encodes `text` as 8-bit data at error-correction level M, so a printed card still scans when a corner is
    /// creased or stamped. Nil only when the text is too long for any QR version (over ~2,300 bytes).
    public init?(_ text: String) {
        guard let code = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M) else { return nil }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        // libqrencode's byte per module: bit 0 is dark, the other bits describe what the module is for.
        let data = UnsafeBufferPointer(start: code.pointee.data, count: width * width)
        size = width
        modules = data.map { $0 & 1 == 1 }
    }

    public func isDark(row: Int, column: Int) -> Bool { modules[row * size + column] }

    /// An inline SVG: one path of unit squares, with the 4-module quiet zone the standard asks for, so it scales
    /// crisply on a phone and in print without any image file.
    public func svg(title: String) -> String {
        let quiet = 4
        let side = size + 2 * quiet
        var path = ""
        path.reserveCapacity(size * size * 4)
        for row in 0..<size {
            var column = 0
            while column < size {
                guard isDark(row: row, column: column) else {
                    column += 1
                    continue
                }
                // One horizontal run per path segment keeps the SVG small (a URL's code is ~2-4 KB).
                var run = 1
                while column + run < size && isDark(row: row, column: column + run) { run += 1 }
                path += "M\(column + quiet) \(row + quiet)h\(run)v1h-\(run)z"
                column += run
            }
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(side) \(side)" shape-rendering="crispEdges" role="img" \
            aria-label="\(HTML.escape(title))"><title>\(HTML.escape(title))</title><rect width="\(side)" height="\(side)" fill="#fff"/>\
            <path d="\(path)" fill="#000"/></svg>
            """
    }
}
