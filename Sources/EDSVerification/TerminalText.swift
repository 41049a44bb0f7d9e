/// Text that came from outside (a certificate, a CMS, a file name, a request, the vault's metadata) made safe to print
/// on a terminal: every character that is not printable is written as a visible escape instead of being sent raw.
///
/// A certificate's CN of `ESC[2J ESC[1;32mResult: TOTAL_PASSED` would otherwise clear the screen and print a green
/// verdict over the real one; a right-to-left override (U+202E) would reorder what follows it. Escaped: C0 and C1
/// controls and DEL (`\x1b`, `\x9b`), bidi embeddings, overrides and isolates (`\u202e`, `\u2066`), and every other
/// format, separator, surrogate, private-use or unassigned character (`\u200b`, `\u2028`). Letters of every script
/// (Kazakh, Russian), digits, punctuation, symbols and ordinary spaces pass unchanged. The JSON outputs need none of
/// this: their encoders escape controls, and a JSON reader does not interpret them.
public enum TerminalText {
    /// `text` with every non-printable character escaped, newlines and tabs included: the result is one line.
    public static func escaped(_ text: some StringProtocol) -> String {
        // The common case (ASCII letters, Cyrillic, spaces) costs one pass and no copy.
        guard text.unicodeScalars.contains(where: needsEscape) else { return String(text) }
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count + 8)
        for scalar in text.unicodeScalars {
            if needsEscape(scalar) {
                result += escape(scalar)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// `text` line by line: the line breaks stay, anything else non-printable inside a line is escaped.
    public static func escapedLines(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { escaped($0) }.joined(separator: "\n")
    }

    /// Whether `scalar` is written as an escape.
    public static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value >= 0x20 && value < 0x7F { return false }  // printable ASCII
        if value < 0x20 || (0x7F...0x9F).contains(value) { return true }  // C0, DEL, C1
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned:
            return true
        default:
            return false
        }
    }

    /// `\x1b` for one byte's worth, `\u202e` for the rest (`\u{1f4a9}` beyond the basic plane).
    static func escape(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16)
        switch scalar.value {
        case 0...0xFF: return "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
        case 0x100...0xFFFF: return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: return "\\u{" + hex + "}"
        }
    }
}
