import Foundation

/// One person on a document's acquaintance sheet, as a proof shows it: the IIN masked (a proof link is anonymous),
/// and when the vault received their acknowledging signature.
public struct AcknowledgementLine: Sendable, Equatable {
    public var iin: String
    public var acknowledgedAt: Date?

    public init(iin: String, acknowledgedAt: Date?) {
        self.iin = iin
        self.acknowledgedAt = acknowledgedAt
    }

    /// `9003••••••37`: enough for the people concerned to find their line, not an IIN for anyone holding the link.
    public var maskedIIN: String {
        guard iin.count == 12 else { return String(repeating: "•", count: iin.count) }
        return String(iin.prefix(4)) + String(repeating: "•", count: 6) + String(iin.suffix(2))
    }
}

/// The proof page's "acquaintance sheet" section (лист ознакомления / танысу парағы), in the page's language.
enum AcknowledgementSection {
    static func strings(_ language: PageLanguage) -> (title: String, summary: (Int, Int) -> String, done: String, pending: String) {
        switch language {
        case .english: ("Acquaintance sheet", { "\($0) of \($1) acknowledged" }, "acknowledged", "not yet")
        case .russian: ("Лист ознакомления", { "ознакомлены \($0) из \($1)" }, "ознакомлен(а)", "ещё нет")
        case .kazakh: ("Танысу парағы", { "\($1) адамның \($0) танысты" }, "танысты", "әлі жоқ")
        }
    }

    static func render(_ lines: [AcknowledgementLine], language: PageLanguage) -> String {
        guard !lines.isEmpty else { return "" }
        let t = strings(language)
        let done = lines.filter { $0.acknowledgedAt != nil }.count
        let items = lines.map { line in
            let mark = line.acknowledgedAt.map { "<span class=\"mark ok\">✓ \(HTML.escape(t.done))</span> \(HTML.escape(HTML.date($0)))" }
                ?? "<span class=\"mark bad\">… \(HTML.escape(t.pending))</span>"
            return "<li class=\"\(line.acknowledgedAt == nil ? "bad" : "ok")\"><span class=\"mono\">\(HTML.escape(line.maskedIIN))</span> \(mark)</li>"
        }.joined()
        return """
            <section class="acknowledgements"><h2>\(HTML.escape(t.title))</h2><p>\(HTML.escape(t.summary(done, lines.count)))</p>
            <ul class="checks">\(items)</ul></section>

            """
    }
}
