import EDSVerification
import Foundation

/// The proof card: what ezSigner and SIGEX's document card show (who signed, the certificate, the timestamp, the
/// revocation evidence, each check) plus the reason for every failed check, from one `ValidationReport`.
struct ProofCard {
    /// What is known about the document besides the report: the vault's record, or an upload's file name.
    struct DocumentFacts {
        var title: String?
        var documentType: String?
        var fileName: String?
        var sha256: String?
        var size: Int?
        var vaultStatus: String?
    }

    let report: ValidationReport
    let facts: DocumentFacts
    let language: PageLanguage
    /// The page's own URL: drawn as a QR code. Nil for an upload's result, which has no address.
    let selfURL: String?
    /// The report as JSON, shown folded for a person to copy (uploads, which are not stored).
    let embeddedJSON: String?

    func render() -> String {
        let t = language.strings
        var html = "<h1>\(HTML.escape(selfURL == nil ? t.uploadResultTitle : t.proofTitle))</h1>\n"
        html += verdict()
        html += documentSection()
        for (index, signature) in report.signatures.enumerated() {
            html += signatureSection(signature, number: index + 1, of: report.signatures.count)
        }
        if let embeddedJSON {
            html += """
                <section class="screen-only"><p class="muted">\(HTML.escape(t.notStored))</p>
                <details><summary>\(HTML.escape(t.jsonReport))</summary><pre>\(HTML.escape(embeddedJSON))</pre></details></section>

                """
        }
        return html
    }

    static func statusClass(_ indication: Indication) -> String {
        switch indication {
        case .totalPassed: "passed"
        case .totalFailed: "failed"
        case .indeterminate: "indeterminate"
        }
    }

    static func headline(_ indication: Indication, _ t: PageStrings) -> String {
        switch indication {
        case .totalPassed: "✓ " + t.passedHeadline
        case .totalFailed: "✗ " + t.failedHeadline
        case .indeterminate: "? " + t.indeterminateHeadline
        }
    }

    private func verdict() -> String {
        let t = language.strings
        let meaning =
            switch report.indication {
            case .totalPassed: t.passedMeaning
            case .totalFailed: t.failedMeaning
            case .indeterminate: t.indeterminateMeaning
            }
        let technical = report.subIndication.map { "\(report.indication.rawValue) / \($0.rawValue)" } ?? report.indication.rawValue
        var qr = ""
        if let selfURL, let code = QRCode(selfURL) {
            qr = "<div class=\"qr\">\(code.svg(title: t.qrCaption))<small>\(HTML.escape(t.qrCaption))</small></div>"
        }
        return """
            <section class="verdict \(Self.statusClass(report.indication))">
            <div><p class="status">\(HTML.escape(Self.headline(report.indication, t)))</p>
            <p>\(HTML.escape(meaning))</p>
            <p class="muted">\(HTML.escape(t.technicalResult)): <span class="mono">\(HTML.escape(technical))</span><br>
            \(HTML.escape(t.validationTime)): \(HTML.escape(HTML.date(report.validationTime)))</p></div>
            \(qr)
            </section>

            """
    }

    private func documentSection() -> String {
        let t = language.strings
        var rows: [(String, String)] = []
        if let title = facts.title, !title.isEmpty { rows.append((t.title, HTML.escape(title))) }
        if let type = facts.documentType, !type.isEmpty { rows.append((t.documentType, HTML.escape(t.vaultTerm(type)))) }
        if let fileName = facts.fileName, !fileName.isEmpty { rows.append((t.fileName, HTML.escape(fileName))) }
        let sha256 = facts.sha256 ?? report.document?.sha256
        let size = facts.size.map(UInt64.init) ?? report.document?.size
        if let sha256 {
            rows.append((t.sha256, "<span class=\"mono\">\(HTML.escape(sha256))</span>"))
            if let size { rows.append((t.size, "\(size) \(HTML.escape(t.bytes))")) }
        } else {
            rows.append((t.sha256, HTML.escape(t.notSupplied)))
        }
        if let status = facts.vaultStatus, !status.isEmpty { rows.append((t.vaultStatus, HTML.escape(t.vaultTerm(status)))) }
        return "<section><h2>\(HTML.escape(t.documentSection))</h2>\n\(Self.list(rows))</section>\n"
    }

    private func signatureSection(_ signature: SignatureReport, number: Int, of count: Int) -> String {
        let t = language.strings
        var rows: [(String, String)] = []
        if let signer = signature.signer {
            rows.append((t.signer, HTML.escape(signer.fullName)))
            if let iin = signer.iin { rows.append((t.iin, "<span class=\"mono\">\(HTML.escape(iin))</span>")) }
            if !signer.roles.isEmpty {
                rows.append((t.roles, HTML.escape(signer.roles.map { t.roleNames[$0] ?? $0.englishName }.joined(separator: ", "))))
            }
            if let organization = signer.organization { rows.append((t.organisation, HTML.escape(organization))) }
            if let bin = signer.bin { rows.append((t.bin, "<span class=\"mono\">\(HTML.escape(bin))</span>")) }
            if let email = signer.email { rows.append((t.email, HTML.escape(email))) }
        }
        if let certificate = signature.certificate {
            let holder = certificate.holder == .legalEntity ? t.holderLegalEntity : t.holderIndividual
            rows.append((t.certificate, "\(t.serial) <span class=\"mono\">\(HTML.escape(certificate.serialNumber))</span> (\(HTML.escape(holder)))"))
            rows.append((t.issuer, HTML.escape(certificate.issuer)))
            rows.append((t.validity, "\(HTML.escape(HTML.date(certificate.notBefore))) \(HTML.escape(t.validFromTo)) \(HTML.escape(HTML.date(certificate.notAfter)))"))
        }
        if let timestamp = signature.timestamp {
            rows.append((t.timestamp, "\(HTML.escape(HTML.date(timestamp.genTime))) · \(HTML.escape(t.tsa)): \(HTML.escape(timestamp.tsa))"))
        } else {
            rows.append((t.timestamp, HTML.escape(t.timestampNone)))
        }
        if let claim = signature.signingTime { rows.append((t.signingTimeClaim, HTML.escape(HTML.date(claim)))) }
        rows.append((t.revocation, revocation(signature.revocation)))
        rows.append((t.algorithms, HTML.escape("\(signature.digestAlgorithm), \(signature.signatureAlgorithm)")))

        let checks = signature.checks.map { check in
            let mark = check.passed
                ? "<span class=\"mark ok\">✓ \(HTML.escape(t.checkPassed))</span>"
                : "<span class=\"mark bad\">✗ \(HTML.escape(t.checkFailed))</span>"
            // The detail is its own span so the print sheet can drop it for passed checks and keep the one-page card.
            return "<li class=\"\(check.passed ? "ok" : "bad")\">\(mark) <strong>\(HTML.escape(t.checkName(check.name)))</strong>"
                + "<span class=\"detail\">: \(HTML.escape(check.detail(in: language.reportLanguage)))</span></li>"
        }.joined(separator: "\n")
        let technical = signature.subIndication.map { "\(signature.indication.rawValue) / \($0.rawValue)" } ?? signature.indication.rawValue
        var html = """
            <section class="sig">
            <h2>\(HTML.escape(t.signature)) \(number) / \(count)<span class="badge \(Self.statusClass(signature.indication))">\
            \(HTML.escape(Self.headline(signature.indication, t))) · <span class="mono">\(HTML.escape(technical))</span></span></h2>
            \(Self.list(rows))
            <h2 style="margin-top:.8rem">\(HTML.escape(t.checks))</h2>
            <ul class="checks">
            \(checks)
            </ul>

            """
        if !signature.warnings.isEmpty {
            html += "<p class=\"warnings\"><strong>\(HTML.escape(t.warnings)):</strong> "
                + signature.warnings.map { HTML.escape(signature.warning($0, in: language.reportLanguage)) }.joined(separator: "; ") + "</p>\n"
        }
        if !signature.errors.isEmpty {
            html += "<p class=\"warnings\"><strong>\(HTML.escape(t.errors)):</strong> " + signature.errors.map(HTML.escape).joined(separator: "; ") + "</p>\n"
        }
        return html + "</section>\n"
    }

    private func revocation(_ revocation: RevocationSummary?) -> String {
        let t = language.strings
        guard let revocation else { return HTML.escape(t.revocationNone) }
        let status =
            switch revocation.status {
            case .good: t.revocationGood
            case .revoked: t.revocationRevoked
            case .unknown: t.revocationUnknown
            }
        let source = revocation.source == .ocsp ? t.revocationSourceOCSP : t.revocationSourceCRL
        var text = "\(status) · \(source)"
        if let when = revocation.producedAt ?? revocation.thisUpdate { text += " (\(HTML.date(when)))" }
        if let revoked = revocation.revocationTime { text += " · \(t.revocationRevoked): \(HTML.date(revoked))" }
        if let reason = revocation.revocationReason { text += " · \(reason)" }
        return HTML.escape(text)
    }

    /// `rows` hold already-escaped HTML values.
    static func list(_ rows: [(String, String)]) -> String {
        "<dl>\n" + rows.map { "<dt>\(HTML.escape($0.0))</dt><dd>\($0.1)</dd>" }.joined(separator: "\n") + "\n</dl>\n"
    }
}
