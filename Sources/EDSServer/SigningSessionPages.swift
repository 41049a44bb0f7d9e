import Foundation

/// The session page `/sign/{token}` (issue 22), in Kazakh, Russian and English. Every value from the vault goes through
/// `HTML.escape`; the only script is our own `/static/ncalayer-signing.js`, allowed by the page's CSP.
enum SigningPages {
    /// The pages' CSP plus what this page needs: our own script, fetches to itself and NCALayer's WebSocket, the
    /// document in a frame of its own.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; connect-src 'self' \(NCALayerScript.address); style-src 'unsafe-inline'; img-src data:; "
        + "frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    struct Strings {
        let title, documentSection, expectedSigner, personWithIIN, roleOfBIN, expires, stateWaiting, stateSigned, stateRefused: String
        let stateExpired, stateCancelled, egovTitle, egovHint, qrCaption, ncaTitle, ncaHint, ncaButton, storage, openDocument: String
        let ncaConnecting, ncaChoose, ncaSent, ncaRefused, ncaUnreachable, ncaCancelled, sha256, size, fileName, documentType: String
        let roles: [String: String]

        static let english = Strings(
            title: "Sign the document", documentSection: "Document", expectedSigner: "Who signs", personWithIIN: "the person with IIN",
            roleOfBIN: "of the organisation with BIN", expires: "The session ends", stateWaiting: "Waiting for the signature",
            stateSigned: "Signed: the vault kept the signature", stateRefused: "Refused: the signature was not accepted",
            stateExpired: "Expired: ask for a new session", stateCancelled: "Cancelled", egovTitle: "With eGov Mobile",
            egovHint: "Open eGov Mobile, choose signing by QR code and scan this code.", qrCaption: "QR code for eGov Mobile",
            ncaTitle: "With NCALayer on this computer", ncaHint: "NCALayer must be running. Choose where your key is, then sign.",
            ncaButton: "Sign with NCALayer", storage: "Key storage", openDocument: "Open the document",
            ncaConnecting: "Connecting to NCALayer…", ncaChoose: "Choose your key in NCALayer's window.",
            ncaSent: "Signature sent.", ncaRefused: "The vault refused the signature:", ncaUnreachable: "NCALayer is not reachable: is it running?",
            ncaCancelled: "Signing was cancelled in NCALayer.", sha256: "SHA-256", size: "Size, bytes", fileName: "File name",
            documentType: "Type",
            roles: ["firstHead": "the first head", "rightToSign": "a person with the right to sign", "financialSignature": "a financial signatory",
                    "hr": "an HR officer", "employee": "an employee"])

        static let russian = Strings(
            title: "Подписание документа", documentSection: "Документ", expectedSigner: "Кто подписывает", personWithIIN: "лицо с ИИН",
            roleOfBIN: "организации с БИН", expires: "Сессия действует до", stateWaiting: "Ожидается подпись",
            stateSigned: "Подписано: хранилище приняло подпись", stateRefused: "Отклонено: подпись не принята",
            stateExpired: "Срок истёк: запросите новую сессию", stateCancelled: "Отменено", egovTitle: "Через eGov Mobile",
            egovHint: "Откройте eGov Mobile, выберите подписание по QR-коду и отсканируйте этот код.", qrCaption: "QR-код для eGov Mobile",
            ncaTitle: "Через NCALayer на этом компьютере", ncaHint: "NCALayer должен быть запущен. Выберите хранилище ключа и подпишите.",
            ncaButton: "Подписать через NCALayer", storage: "Хранилище ключа", openDocument: "Открыть документ",
            ncaConnecting: "Подключение к NCALayer…", ncaChoose: "Выберите ключ в окне NCALayer.", ncaSent: "Подпись отправлена.",
            ncaRefused: "Хранилище отклонило подпись:", ncaUnreachable: "NCALayer недоступен: он запущен?",
            ncaCancelled: "Подписание отменено в NCALayer.", sha256: "SHA-256", size: "Размер, байт", fileName: "Имя файла",
            documentType: "Тип",
            roles: ["firstHead": "первый руководитель", "rightToSign": "лицо с правом подписи", "financialSignature": "лицо с правом финансовой подписи",
                    "hr": "сотрудник отдела кадров", "employee": "сотрудник"])

        static let kazakh = Strings(
            title: "Құжатқа қол қою", documentSection: "Құжат", expectedSigner: "Кім қол қояды", personWithIIN: "ЖСН иесі",
            roleOfBIN: "БСН ұйымының", expires: "Сессия мерзімі", stateWaiting: "Қолтаңба күтілуде",
            stateSigned: "Қол қойылды: қойма қолтаңбаны қабылдады", stateRefused: "Қабылданбады: қолтаңба қабылданбады",
            stateExpired: "Мерзімі өтті: жаңа сессия сұраңыз", stateCancelled: "Бас тартылды", egovTitle: "eGov Mobile арқылы",
            egovHint: "eGov Mobile қосымшасын ашып, QR-код арқылы қол қоюды таңдаңыз да, осы кодты сканерлеңіз.",
            qrCaption: "eGov Mobile үшін QR-код", ncaTitle: "Осы компьютердегі NCALayer арқылы",
            ncaHint: "NCALayer іске қосылған болуы керек. Кілт қоймасын таңдап, қол қойыңыз.", ncaButton: "NCALayer арқылы қол қою",
            storage: "Кілт қоймасы", openDocument: "Құжатты ашу", ncaConnecting: "NCALayer-ге қосылу…",
            ncaChoose: "NCALayer терезесінде кілтіңізді таңдаңыз.", ncaSent: "Қолтаңба жіберілді.", ncaRefused: "Қойма қолтаңбаны қабылдамады:",
            ncaUnreachable: "NCALayer қолжетімсіз: ол іске қосылған ба?", ncaCancelled: "NCALayer-де қол қоюдан бас тартылды.",
            sha256: "SHA-256", size: "Көлемі, байт", fileName: "Файл атауы", documentType: "Түрі",
            roles: ["firstHead": "бірінші басшысы", "rightToSign": "қол қою құқығы бар тұлғасы", "financialSignature": "қаржылық қол қою құқығы бар тұлғасы",
                    "hr": "кадр қызметкері", "employee": "қызметкері"])

        static func of(_ language: PageLanguage) -> Strings {
            switch language {
            case .english: english
            case .russian: russian
            case .kazakh: kazakh
            }
        }
    }

    /// "the person with IIN 900315301237" / "the first head of the organisation with BIN 150640123452".
    static func signer(_ signer: SigningSessionPage.ExpectedSigner, language: PageLanguage) -> String {
        let t = Strings.of(language)
        switch signer {
        case .person(let iin): return "\(t.personWithIIN) \(iin)"
        case .role(let role, let bin):
            let name = t.roles[role] ?? role
            return language == .kazakh ? "\(bin) \(t.roleOfBIN) \(name)" : "\(name) \(t.roleOfBIN) \(bin)"
        }
    }

    /// API №1's `description`: what eGov Mobile shows before fetching the document.
    static func description(_ session: SigningSessionPage, language: PageLanguage) -> String {
        "\(session.title) (\(session.fileName), SHA-256 \(session.sha256.prefix(16))…)"
    }

    static func stateText(_ state: SigningSessionPage.State, _ t: Strings) -> String {
        switch state {
        case .waiting: t.stateWaiting
        case .signed: t.stateSigned
        case .refused: t.stateRefused
        case .expired: t.stateExpired
        case .cancelled: t.stateCancelled
        }
    }

    /// A file name safe inside a quoted Content-Disposition: ASCII letters, digits, dot, dash and underscore.
    static func asciiFileName(_ name: String) -> String {
        let kept = String(name.unicodeScalars.prefix(100).map { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || ".-_".unicodeScalars.contains($0)) ? Character($0) : "_" })
        return kept.isEmpty ? "document" : kept
    }

    /// NCALayer's key storages (the `storage` argument of `createCAdESFromBase64`).
    static let storages = ["PKCS12", "AKKaztokenStore", "AKKZIDCardStore", "AKEToken72KStore", "AKJaCartaStore"]

    static func session(
        _ session: SigningSessionPage, token: String, documentText: String?, qrText: String, language: PageLanguage, path: String
    ) -> String {
        let t = Strings.of(language)
        let waiting = session.state == .waiting
        let stateClass = session.state == .signed ? "passed" : waiting ? "indeterminate" : "failed"
        let texts = SigningPages.scriptTexts(t).map { "data-text-\($0.key)=\"\(HTML.escape($0.value))\"" }.sorted().joined(separator: " ")
        var document = """
            <dl>
            <dt>\(HTML.escape(language.strings.title))</dt><dd>\(HTML.escape(session.title))</dd>
            <dt>\(HTML.escape(t.documentType))</dt><dd>\(HTML.escape(language.strings.vaultTerm(session.documentType)))</dd>
            <dt>\(HTML.escape(t.fileName))</dt><dd>\(HTML.escape(session.fileName))</dd>
            <dt>\(HTML.escape(t.sha256))</dt><dd class="mono">\(HTML.escape(session.sha256))</dd>
            <dt>\(HTML.escape(t.size))</dt><dd>\(session.size)</dd>
            </dl>
            """
        if waiting {
            if let documentText {
                document += "<pre class=\"document\">\(HTML.escape(documentText))</pre>"
            } else if session.mime == "application/pdf" {
                document += "<iframe class=\"document\" title=\"\(HTML.escape(session.title))\" src=\"\(HTML.escape(path))/document\"></iframe>"
            }
            document += "<a class=\"action\" href=\"\(HTML.escape(path))/document\">\(HTML.escape(t.openDocument))</a>"
        }
        let qr = waiting ? (QRCode(qrText)?.svg(title: t.qrCaption) ?? "") : ""
        let options = storages.map { "<option value=\"\($0)\">\($0 == "PKCS12" ? "PKCS#12 (.p12)" : $0)</option>" }.joined()
        let body = """
            <style>iframe.document{width:100%;height:32rem;border:1px solid var(--line)} pre.document{max-height:24rem;overflow:auto;background:var(--bg);padding:.6rem} select{font:inherit;padding:.4rem;width:100%}</style>
            <div id="signing" data-token="\(HTML.escape(token))" data-state="\(session.state.rawValue)" \(texts)>
            <h1>\(HTML.escape(t.title))</h1>
            <section id="state" class="verdict \(stateClass)">
            <div><p class="status" id="state-text">\(HTML.escape(stateText(session.state, t)))</p>
            <p class="muted">\(HTML.escape(t.expires)): \(HTML.escape(HTML.date(session.expiresAt)))</p></div>
            </section>
            <section><h2>\(HTML.escape(t.expectedSigner))</h2><p id="expected-signer">\(HTML.escape(signer(session.signer, language: language)))</p></section>
            <section><h2>\(HTML.escape(t.documentSection))</h2>\(document)</section>
            \(waiting ? """
            <section class="verdict" id="egov"><div><h2>\(HTML.escape(t.egovTitle))</h2><p>\(HTML.escape(t.egovHint))</p></div>
            <div class="qr" id="egov-qr">\(qr)<small>\(HTML.escape(t.qrCaption))</small></div></section>
            <section id="ncalayer"><h2>\(HTML.escape(t.ncaTitle))</h2><p class="hint">\(HTML.escape(t.ncaHint))</p>
            <label for="ncalayer-storage">\(HTML.escape(t.storage))</label><select id="ncalayer-storage">\(options)</select>
            <button id="ncalayer-sign" type="button">\(HTML.escape(t.ncaButton))</button>
            <p id="ncalayer-message" class="hint" role="status"></p></section>
            """ : "")
            </div>
            <script src="/static/ncalayer-signing.js"></script>
            """
        return HTML.page(title: t.title, language: language, switchPath: path, body: body)
    }

    /// The words the script shows, handed over in data attributes (the script carries no text of its own).
    static func scriptTexts(_ t: Strings) -> [String: String] {
        [
            "waiting": t.stateWaiting, "signed": t.stateSigned, "refused": t.stateRefused, "expired": t.stateExpired,
            "cancelled": t.stateCancelled, "connecting": t.ncaConnecting, "choose": t.ncaChoose, "sent": t.ncaSent,
            "rejected": t.ncaRefused, "unreachable": t.ncaUnreachable, "aborted": t.ncaCancelled,
        ]
    }
}
