internal import CQRencode

/// A QR code (ISO/IEC 18004) from libqrencode, as dark and light modules for the card to draw as squares.
struct QRMatrix: Sendable {
    /// Modules per side, without the quiet zone.
    let size: Int
    private let modules: [Bool]

    /// Level M, so a printed card still scans when a corner is creased or stamped; nil when the text is too long.
    init?(_ text: String) {
        guard let code = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M) else { return nil }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        // libqrencode's byte per module: bit 0 is dark, the others say what the module is for.
        size = width
        modules = UnsafeBufferPointer(start: code.pointee.data, count: width * width).map { $0 & 1 == 1 }
    }

    func isDark(row: Int, column: Int) -> Bool { modules[row * size + column] }
}
