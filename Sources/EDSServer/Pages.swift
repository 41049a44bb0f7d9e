import EDSVerification
import Foundation

/// The pages for people: the upload form, an upload's result, a vault proof, and the error pages.
enum Pages {
    static func upload(language: PageLanguage, maxUploadMiB: Int, trustedCentres: [String]) -> String {
        let t = language.strings
        let centres = trustedCentres.map { "<li>\(HTML.escape($0))</li>" }.joined()
        // A plain form POST: works without JavaScript, on any phone, and the result page is the proof card itself.
        let body = """
            <h1>\(HTML.escape(t.uploadTitle))</h1>
            <form method="post" action="/verify?lang=\(language.rawValue)" enctype="multipart/form-data">
            <p>\(HTML.escape(t.uploadIntro))</p>
            <label for="signature">\(HTML.escape(t.signatureFile))</label>
            <input type="file" id="signature" name="signature" accept=".cms,.p7s,.p7m,.p7b,.sig,.pem,.txt,application/pkcs7-signature,application/pkcs7-mime">
            <label for="signatureText">\(HTML.escape(t.signaturePaste))</label>
            <textarea id="signatureText" name="signatureText" spellcheck="false" autocomplete="off"></textarea>
            <p class="hint">\(HTML.escape(t.signaturePasteHint))</p>
            <label for="document">\(HTML.escape(t.documentFile))</label>
            <input type="file" id="document" name="document">
            <p class="hint">\(HTML.escape(t.documentHint))</p>
            <button type="submit">\(HTML.escape(t.verifyButton))</button>
            <p class="hint">\(HTML.escape(t.limitNote(maxUploadMiB))) \(HTML.escape(t.privacyNote))</p>
            </form>
            <section><h2>\(HTML.escape(t.trustedCentres))</h2><ul>\(centres)</ul></section>

            """
        return HTML.page(title: t.uploadTitle, language: language, switchPath: "/", body: body)
    }

    static func uploadResult(report: ValidationReport, fileName: String?, language: PageLanguage, json: String) -> String {
        let t = language.strings
        let card = ProofCard(
            report: report, facts: .init(fileName: fileName), language: language, selfURL: nil, embeddedJSON: json)
        let body = card.render() + "<a class=\"action\" href=\"/?lang=\(language.rawValue)\">← \(HTML.escape(t.verifyAnother))</a>\n"
        return HTML.page(title: t.uploadResultTitle, language: language, switchPath: "/", body: body)
    }

    /// A vault proof. The document card (PDF), which embeds the document, is offered only by a link made to hand the
    /// document over; every proof page offers to compare a file the visitor holds with the signed document's hash.
    static func proof(
        _ proof: VaultProof, selfURL: String, path: String, language: PageLanguage, comparison: DocumentComparison? = nil
    ) -> String {
        let t = language.strings
        let facts = ProofCard.DocumentFacts(
            title: proof.title, documentType: proof.documentType, fileName: proof.fileName, sha256: proof.sha256, size: proof.size,
            vaultStatus: proof.status)
        let card = ProofCard(report: proof.report, facts: facts, language: language, selfURL: selfURL, embeddedJSON: nil)
        var body = card.render() + AcknowledgementSection.render(proof.acknowledgements, language: language)
            + linkSection(proof, path: path, language: language, comparison: comparison)
            + "<a class=\"action\" href=\"\(HTML.escape(path))?format=json\">\(HTML.escape(t.jsonReport))</a>\n"
        if proof.withDocument {
            body += "<a class=\"action\" href=\"\(HTML.escape(path))?format=pdf&amp;lang=\(language.rawValue)\">\(HTML.escape(language.cardDownload))</a>\n"
        }
        return HTML.page(title: "\(t.proofTitle): \(proof.title)", language: language, switchPath: path, body: body)
    }

    static func error(title: String, message: String, language: PageLanguage, switchPath: String) -> String {
        let t = language.strings
        let body = """
            <h1>\(HTML.escape(title))</h1>
            <section><p>\(HTML.escape(message))</p></section>
            <a class="action" href="/?lang=\(language.rawValue)">← \(HTML.escape(t.back))</a>

            """
        return HTML.page(title: title, language: language, switchPath: switchPath, body: body)
    }
}
