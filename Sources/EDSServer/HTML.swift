import Foundation

/// Minimal HTML building: every value from a certificate, a file name or a vault record goes through `escape`,
/// because certificate subjects and upload names are attacker-controlled text.
enum HTML {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// Dates as a person reads them, always UTC so the printed card means the same everywhere.
    static func date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d UTC", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }

    /// A whole page: language switch on top, the content, a footer. `switchPath` is the path the language links keep.
    static func page(title: String, language: PageLanguage, switchPath: String, body: String) -> String {
        let t = language.strings
        let switcher = PageLanguage.allCases.map { other in
            other == language
                ? "<strong lang=\"\(other.rawValue)\">\(other.endonym)</strong>"
                : "<a lang=\"\(other.rawValue)\" hreflang=\"\(other.rawValue)\" href=\"\(escape(switchPath))?lang=\(other.rawValue)\">\(other.endonym)</a>"
        }.joined(separator: " · ")
        return """
            <!doctype html>
            <html lang="\(language.rawValue)">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="referrer" content="no-referrer">
            <title>\(escape(title))</title>
            <style>\(stylesheet)</style>
            </head>
            <body>
            <nav class="lang" aria-label="\(escape(t.language))">\(switcher)</nav>
            <main>
            \(body)
            </main>
            <footer>\(escape(t.footer))</footer>
            </body>
            </html>

            """
    }

    /// Mobile first (one column, large touch targets), two columns of facts from 40rem up, and a print sheet that
    /// fits the card on one A4 page: no navigation or forms, smaller type, the QR code kept beside the headline.
    static let stylesheet = """
        :root{--ok:#0a7a33;--bad:#b3261e;--warn:#8a5a00;--ink:#1b1f24;--muted:#5b6470;--line:#d9dee4;--bg:#f6f7f9}
        *{box-sizing:border-box}
        body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--ink);background:var(--bg)}
        main{max-width:48rem;margin:0 auto;padding:1rem}
        nav.lang{max-width:48rem;margin:0 auto;padding:.6rem 1rem 0;text-align:right;font-size:.95rem}
        nav.lang a{color:var(--ink);padding:.3rem .2rem}
        h1{font-size:1.45rem;margin:.4rem 0 1rem;line-height:1.25}
        h2{font-size:1.1rem;margin:0 0 .6rem}
        section,form{background:#fff;border:1px solid var(--line);border-radius:.6rem;padding:1rem;margin:0 0 1rem}
        label{display:block;font-weight:600;margin:.8rem 0 .3rem}
        .hint,.muted{color:var(--muted);font-size:.9rem}
        input[type=file],textarea{width:100%;font:inherit;padding:.5rem;border:1px solid var(--line);border-radius:.4rem;background:#fff}
        textarea{min-height:6rem;font-family:ui-monospace,monospace;font-size:.8rem}
        button{margin-top:1rem;width:100%;font:inherit;font-weight:600;padding:.8rem;border:0;border-radius:.5rem;background:#1f4fa3;color:#fff}
        .verdict{display:flex;gap:1rem;align-items:flex-start;justify-content:space-between;border-left:.5rem solid var(--warn)}
        .verdict.passed{border-left-color:var(--ok)} .verdict.failed{border-left-color:var(--bad)}
        .verdict .status{font-size:1.35rem;font-weight:700;margin:0 0 .3rem}
        .passed .status{color:var(--ok)} .failed .status{color:var(--bad)} .indeterminate .status{color:var(--warn)}
        .qr{flex:0 0 auto;width:8.5rem;text-align:center}
        .qr svg{width:8.5rem;height:8.5rem;display:block}
        .qr small{display:block;color:var(--muted);font-size:.72rem;line-height:1.2}
        dl{display:grid;grid-template-columns:1fr;gap:.15rem .9rem;margin:0}
        dt{color:var(--muted);font-size:.85rem;margin-top:.4rem}
        dd{margin:0;overflow-wrap:anywhere}
        @media (min-width:40rem){dl{grid-template-columns:minmax(9rem,14rem) 1fr}dt{margin-top:0}}
        .mono{font-family:ui-monospace,"SFMono-Regular",Menlo,monospace;font-size:.85em;overflow-wrap:anywhere}
        ul.checks{list-style:none;padding:0;margin:.4rem 0 0}
        ul.checks li{padding:.35rem 0;border-top:1px solid var(--line)}
        .mark{display:inline-block;min-width:5.5rem;font-weight:700}
        @media (max-width:30rem){.verdict{flex-direction:column}.qr{align-self:center}.mark{min-width:0;margin-right:.3rem}}
        .mark.ok{color:var(--ok)} .mark.bad{color:var(--bad)}
        .sig h2 .badge{font-size:.85rem;font-weight:600;margin-left:.4rem}
        .badge.passed{color:var(--ok)} .badge.failed{color:var(--bad)} .badge.indeterminate{color:var(--warn)}
        .warnings{color:var(--warn)}
        details{margin-top:.6rem} pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.75rem}
        footer{max-width:48rem;margin:0 auto;padding:0 1rem 2rem;color:var(--muted);font-size:.8rem}
        a.action{display:inline-block;margin:.2rem 0 1rem}
        @media print{
          @page{size:A4;margin:10mm}
          body{background:#fff;font-size:8.5pt;line-height:1.25}
          nav.lang,form,a.action,details,.screen-only{display:none!important}
          main{max-width:none;padding:0}
          h1{font-size:14pt;margin:0 0 3mm}
          h2{font-size:10.5pt;margin:0 0 1.5mm}
          section{border:1px solid #999;border-radius:0;padding:2.5mm 3mm;margin:0 0 2.5mm;break-inside:avoid}
          .verdict{border-left-width:2mm}
          .qr,.qr svg{width:32mm;height:auto} .qr svg{height:32mm}
          dl{grid-template-columns:38mm 1fr;gap:0 3mm} dt{margin:0;font-size:8pt}
          ul.checks{display:flex;flex-wrap:wrap;gap:.6mm 4mm}
          ul.checks li{padding:0;border:0;font-size:7.5pt}
          ul.checks li.ok .detail{display:none}
          ul.checks li.bad{flex-basis:100%}
          .mark{min-width:0}
          .muted,.hint{font-size:8pt} .qr small{font-size:7pt} .verdict .status{font-size:13pt}
          footer{padding:0;font-size:7.5pt}
        }
        """
}
