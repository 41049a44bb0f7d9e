import Foundation

/// What a verifier's uploaded file turned out to be against a proof: the signed document or not.
enum DocumentComparison: Sendable {
    case matches
    case differs(sha256: String)
}

/// The words of a proof link's scope, its expiry, and the form that compares a verifier's file with the proof.
struct LinkStrings {
    let proofOnly, withDocument, validUntil, compareTitle, compareHint, compareButton, matches, differs, uploadedHash: String
}

extension PageLanguage {
    var linkStrings: LinkStrings {
        switch self {
        case .english:
            LinkStrings(
                proofOnly: "This link proves who signed the document, when, and the verdict, with the document's SHA-256. It does not give out the document.",
                withDocument: "This link was made to hand over the document: its document card (PDF) contains the document itself.",
                validUntil: "Link valid until",
                compareTitle: "Do you hold the document? Check it against this proof",
                compareHint: "The file is hashed (SHA-256) and compared with the signed document's hash; it is not kept.",
                compareButton: "Compare",
                matches: "✓ The file you chose is the signed document: its SHA-256 matches.",
                differs: "✗ The file you chose is not the signed document: its SHA-256 differs.",
                uploadedHash: "SHA-256 of your file")
        case .russian:
            LinkStrings(
                proofOnly: "Эта ссылка подтверждает, кто и когда подписал документ, и результат проверки, с SHA-256 документа. Сам документ по ней не выдается.",
                withDocument: "Эта ссылка создана для передачи документа: карточка документа (PDF) содержит сам документ.",
                validUntil: "Ссылка действительна до",
                compareTitle: "У вас есть документ? Сверьте его с этим подтверждением",
                compareHint: "Файл хешируется (SHA-256) и сравнивается с хешем подписанного документа; он не сохраняется.",
                compareButton: "Сверить",
                matches: "✓ Выбранный файл — подписанный документ: его SHA-256 совпадает.",
                differs: "✗ Выбранный файл — не подписанный документ: его SHA-256 отличается.",
                uploadedHash: "SHA-256 вашего файла")
        case .kazakh:
            LinkStrings(
                proofOnly: "Бұл сілтеме құжатқа кім және қашан қол қойғанын, тексеру нәтижесін құжаттың SHA-256 мәнімен растайды. Құжаттың өзі берілмейді.",
                withDocument: "Бұл сілтеме құжатты беру үшін жасалған: құжат карточкасында (PDF) құжаттың өзі бар.",
                validUntil: "Сілтеме жарамды",
                compareTitle: "Құжат сізде бар ма? Оны осы растаумен салыстырыңыз",
                compareHint: "Файлдың хеші (SHA-256) есептеліп, қол қойылған құжаттың хешімен салыстырылады; файл сақталмайды.",
                compareButton: "Салыстыру",
                matches: "✓ Таңдалған файл — қол қойылған құжат: оның SHA-256 мәні сәйкес келеді.",
                differs: "✗ Таңдалған файл — қол қойылған құжат емес: оның SHA-256 мәні басқа.",
                uploadedHash: "Сіздің файлыңыздың SHA-256 мәні")
        }
    }
}

extension Pages {
    /// The link's scope and expiry, the comparison's outcome when there is one, and the comparison form.
    static func linkSection(_ proof: VaultProof, path: String, language: PageLanguage, comparison: DocumentComparison?) -> String {
        let l = language.linkStrings
        var html = "<section class=\"screen-only\">\n<p>\(HTML.escape(proof.withDocument ? l.withDocument : l.proofOnly))</p>\n"
        if let expiresAt = proof.expiresAt {
            html += "<p class=\"muted\">\(HTML.escape(l.validUntil)): \(HTML.escape(HTML.date(expiresAt)))</p>\n"
        }
        switch comparison {
        case .matches:
            html += "<p class=\"verdict passed\" id=\"comparison\">\(HTML.escape(l.matches))</p>\n"
        case .differs(let sha256):
            html += "<p class=\"verdict failed\" id=\"comparison\">\(HTML.escape(l.differs))<br>"
                + "\(HTML.escape(l.uploadedHash)): <span class=\"mono\">\(HTML.escape(sha256))</span></p>\n"
        case nil:
            break
        }
        // A plain form POST to the proof's own address: works without JavaScript, and the file is only hashed.
        html += """
            <h2>\(HTML.escape(l.compareTitle))</h2>
            <form method="post" action="\(HTML.escape(path))?lang=\(language.rawValue)" enctype="multipart/form-data">
            <input type="file" id="document" name="document">
            <p class="hint">\(HTML.escape(l.compareHint))</p>
            <button type="submit">\(HTML.escape(l.compareButton))</button>
            </form>
            </section>

            """
        return html
    }
}
