import EDSVerification
import Foundation

/// The languages of the pages: Kazakh (the state language), Russian, English.
public enum PageLanguage: String, CaseIterable, Sendable {
    case kazakh = "kk"
    case russian = "ru"
    case english = "en"

    /// `?lang=` wins (the switch on every page), then the browser's Accept-Language by its q-values, then English:
    /// a reader whose browser asks for none of the three is more likely to read English than Kazakh or Russian.
    ///
    /// Bounded work whatever the client sends: only the header's first `maximumHeaderBytes` and, of those, the first
    /// `maximumRanges` language ranges are read (browsers send a handful; a 63 KB header cost ~75 ms per request).
    public static func negotiate(query: String?, acceptLanguage: String?) -> PageLanguage {
        if let query, query.utf8.count <= 8, let chosen = PageLanguage(rawValue: query.lowercased()) { return chosen }
        guard let acceptLanguage else { return .english }
        var best: (language: PageLanguage, quality: Double, order: Int)?
        let ranges = acceptLanguage.utf8.prefix(maximumHeaderBytes).split(separator: UInt8(ascii: ",")).prefix(maximumRanges)
        for (order, bytes) in ranges.enumerated() {
            let item = String(decoding: bytes, as: UTF8.self)
            let fields = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = fields.first?.lowercased(), !tag.isEmpty else { continue }
            let primary = String(tag.split(separator: "-").first ?? "")
            guard let language = PageLanguage(rawValue: primary) else { continue }
            var quality = 1.0
            for parameter in fields.dropFirst() where parameter.hasPrefix("q=") {
                quality = Double(parameter.dropFirst(2)) ?? 0
            }
            guard quality > 0 else { continue }
            if best == nil || quality > best!.quality { best = (language, quality, order) }
        }
        return best?.language ?? .english
    }

    /// The most of an Accept-Language (or Accept) header that is read.
    static let maximumHeaderBytes = 1024
    /// The most language ranges that are weighed.
    static let maximumRanges = 32

    /// The validator's language for check details and warnings (the same three; details from a JSON report stay English).
    var reportLanguage: ReportLanguage { ReportLanguage(rawValue: rawValue) ?? .english }

    /// The name of the language in itself, for the switch.
    public var endonym: String {
        switch self {
        case .kazakh: "Қазақша"
        case .russian: "Русский"
        case .english: "English"
        }
    }

    public var strings: PageStrings {
        switch self {
        case .english: .english
        case .russian: .russian
        case .kazakh: .kazakh
        }
    }
}

/// Every word the pages show, per language. Check details and warnings come translated from the validator.
public struct PageStrings: Sendable {
    // Upload page
    let uploadTitle, uploadIntro, signatureFile, signaturePaste, signaturePasteHint, documentFile, documentHint, verifyButton: String
    let limitNote: @Sendable (Int) -> String
    let privacyNote, trustedCentres: String
    // Proof card
    let proofTitle, uploadResultTitle, documentSection, title, documentType, fileName, sha256, size, bytes, vaultStatus: String
    let notSupplied, validationTime, result, technicalResult: String
    let passedHeadline, failedHeadline, indeterminateHeadline: String
    let passedMeaning, failedMeaning, indeterminateMeaning: String
    let signature, signer, iin, roles, organisation, bin, email: String
    let certificate, serial, issuer, validity, validFromTo: String
    let holderIndividual, holderLegalEntity: String
    let timestamp, timestampNone, tsa, signingTimeClaim, revocation, revocationNone: String
    let revocationGood, revocationRevoked, revocationUnknown, revocationSourceOCSP, revocationSourceCRL: String
    let algorithms, checks, checkPassed, checkFailed, warnings, errors: String
    let qrCaption, notStored, jsonReport, verifyAnother, language, footer: String
    let checkNames: [String: String]
    let roleNames: [SignerRole: String]
    /// The vault's English status and document-type phrases (VaultProof carries them as text), translated when known.
    let vaultTerms: [String: String]
    // Errors
    let errorTitle, notFoundTitle, notFoundText, back: String

    func checkName(_ name: String) -> String { checkNames[name] ?? name }
    func vaultTerm(_ text: String) -> String { vaultTerms[text] ?? text }

    static let english = PageStrings(
        uploadTitle: "Verify an electronic signature",
        uploadIntro:
            "Upload a CMS signature (.cms, .p7s, .sig — DER, PEM or base64) and, for a detached signature, the signed document. The signature is checked at its signing moment against the certification centres this service trusts.",
        signatureFile: "Signature file", signaturePaste: "…or paste the signature (base64 or PEM)",
        signaturePasteHint: "As NCALayer, SIGEX or ezSigner give it out.", documentFile: "Signed document",
        documentHint: "Needed for a detached signature; leave empty when the document is inside the signature.",
        verifyButton: "Verify", limitNote: { "Up to \($0) MiB in all." },
        privacyNote: "Files are checked in memory and not kept.", trustedCentres: "Trusted certification centres",
        proofTitle: "Electronic signature authenticity proof", uploadResultTitle: "Signature verification result",
        documentSection: "Document", title: "Title", documentType: "Type", fileName: "File", sha256: "SHA-256", size: "Size", bytes: "bytes",
        vaultStatus: "Status in the vault", notSupplied: "not supplied: a detached signature was checked without its document",
        validationTime: "Checked at", result: "Result", technicalResult: "ETSI EN 319 102-1 indication",
        passedHeadline: "Signature valid", failedHeadline: "Signature invalid", indeterminateHeadline: "Signature not confirmed",
        passedMeaning: "The signature is equivalent to a handwritten one (Law 370-II, Art. 10).",
        failedMeaning: "The signature does not hold: the document or signature was altered, or the certificate was revoked or expired.",
        indeterminateMeaning: "The signature could not be confirmed with the evidence available; see the failed checks.",
        signature: "Signature", signer: "Signer", iin: "IIN", roles: "Role", organisation: "Organisation", bin: "BIN", email: "E-mail",
        certificate: "Certificate", serial: "Serial number", issuer: "Issuer", validity: "Valid", validFromTo: "to",
        holderIndividual: "individual", holderLegalEntity: "legal entity",
        timestamp: "Timestamp", timestampNone: "none: the signing moment is the time of this check", tsa: "TSA",
        signingTimeClaim: "Signing time claimed by the signer", revocation: "Revocation status", revocationNone: "no revocation data",
        revocationGood: "not revoked", revocationRevoked: "revoked", revocationUnknown: "unknown",
        revocationSourceOCSP: "OCSP response", revocationSourceCRL: "CRL",
        algorithms: "Algorithms", checks: "Checks", checkPassed: "passed", checkFailed: "failed", warnings: "Warnings", errors: "Errors",
        qrCaption: "Scan to open this proof", notStored: "This result is not stored anywhere; keep the JSON report if you need it later.",
        jsonReport: "JSON report", verifyAnother: "Verify another signature", language: "Language",
        footer: "EDS Vault verification service. Checks follow Law 370-II Art. 10 and ETSI EN 319 102-1.",
        checkNames: [
            "signerCertificate": "Signer certificate", "authenticity": "Authenticity", "integrity": "Integrity", "chain": "Chain of trust",
            "keyUsage": "Key usage", "validityAtSigningMoment": "Validity at the signing moment", "revocation": "Revocation",
            "timestamp": "Timestamp", "algorithms": "Algorithms",
        ],
        roleNames: [
            .individual: "individual", .legalEntity: "legal entity", .firstHead: "first head", .rightToSign: "right to sign",
            .financialSignature: "financial signature", .hr: "HR officer", .employee: "employee",
        ],
        vaultTerms: [:],
        errorTitle: "The signature could not be read", notFoundTitle: "Proof not found",
        notFoundText: "There is no proof at this address, or its link has expired or was revoked. Check the link or the QR code.", back: "Back")

    static let russian = PageStrings(
        uploadTitle: "Проверка электронной подписи",
        uploadIntro:
            "Загрузите подпись CMS (.cms, .p7s, .sig — DER, PEM или base64) и, для открепленной подписи, подписанный документ. Подпись проверяется на момент подписания по удостоверяющим центрам, которым доверяет этот сервис.",
        signatureFile: "Файл подписи", signaturePaste: "…или вставьте подпись (base64 или PEM)",
        signaturePasteHint: "Как ее выдают NCALayer, SIGEX или ezSigner.", documentFile: "Подписанный документ",
        documentHint: "Нужен для открепленной подписи; оставьте пустым, если документ внутри подписи.",
        verifyButton: "Проверить", limitNote: { "Всего до \($0) МиБ." },
        privacyNote: "Файлы проверяются в памяти и не сохраняются.", trustedCentres: "Доверенные удостоверяющие центры",
        proofTitle: "Подтверждение подлинности электронной подписи", uploadResultTitle: "Результат проверки подписи",
        documentSection: "Документ", title: "Название", documentType: "Вид", fileName: "Файл", sha256: "SHA-256", size: "Размер", bytes: "байт",
        vaultStatus: "Статус в хранилище", notSupplied: "не предоставлен: открепленная подпись проверена без документа",
        validationTime: "Время проверки", result: "Результат", technicalResult: "Индикация ETSI EN 319 102-1",
        passedHeadline: "Подпись действительна", failedHeadline: "Подпись недействительна", indeterminateHeadline: "Подпись не подтверждена",
        passedMeaning: "Подпись равнозначна собственноручной (Закон № 370-II, ст. 10).",
        failedMeaning: "Подпись недействительна: документ или подпись изменены, либо сертификат отозван или истек.",
        indeterminateMeaning: "Подпись не удалось подтвердить имеющимися данными; см. непройденные проверки.",
        signature: "Подпись", signer: "Подписант", iin: "ИИН", roles: "Роль", organisation: "Организация", bin: "БИН", email: "E-mail",
        certificate: "Сертификат", serial: "Серийный номер", issuer: "Издатель", validity: "Действителен", validFromTo: "по",
        holderIndividual: "физическое лицо", holderLegalEntity: "юридическое лицо",
        timestamp: "Метка времени", timestampNone: "нет: момент подписания — время этой проверки", tsa: "Служба меток времени",
        signingTimeClaim: "Время подписания, заявленное подписантом", revocation: "Статус отзыва", revocationNone: "нет данных об отзыве",
        revocationGood: "не отозван", revocationRevoked: "отозван", revocationUnknown: "неизвестен",
        revocationSourceOCSP: "ответ OCSP", revocationSourceCRL: "СОС (CRL)",
        algorithms: "Алгоритмы", checks: "Проверки", checkPassed: "пройдена", checkFailed: "не пройдена", warnings: "Предупреждения",
        errors: "Ошибки",
        qrCaption: "Отсканируйте, чтобы открыть это подтверждение",
        notStored: "Результат нигде не сохраняется; сохраните отчет JSON, если он понадобится позже.",
        jsonReport: "Отчет JSON", verifyAnother: "Проверить другую подпись", language: "Язык",
        footer: "Сервис проверки EDS Vault. Проверки по ст. 10 Закона № 370-II и ETSI EN 319 102-1.",
        checkNames: [
            "signerCertificate": "Сертификат подписанта", "authenticity": "Подлинность", "integrity": "Целостность", "chain": "Цепочка доверия",
            "keyUsage": "Назначение ключа", "validityAtSigningMoment": "Срок действия на момент подписания", "revocation": "Отзыв",
            "timestamp": "Метка времени", "algorithms": "Алгоритмы",
        ],
        roleNames: [
            .individual: "физическое лицо", .legalEntity: "юридическое лицо", .firstHead: "первый руководитель", .rightToSign: "право подписи",
            .financialSignature: "финансовая подпись", .hr: "сотрудник отдела кадров", .employee: "сотрудник организации",
        ],
        vaultTerms: [
            "fully signed": "подписан всеми сторонами", "awaiting signatures": "ожидает подписей", "signed": "подписан",
            "employment contract": "трудовой договор", "supplementary agreement": "дополнительное соглашение",
            "personnel order: hiring": "приказ о приёме на работу", "personnel order: transfer": "приказ о переводе",
            "personnel order: leave": "приказ об отпуске", "personnel order: dismissal": "приказ об увольнении",
            "payroll sheet": "расчётная ведомость", "consent to personal-data processing": "согласие на обработку персональных данных",
            "other": "иной документ",
        ],
        errorTitle: "Не удалось прочитать подпись", notFoundTitle: "Подтверждение не найдено",
        notFoundText: "По этому адресу подтверждения нет, или срок ссылки истек, или она отозвана. Проверьте ссылку или QR-код.", back: "Назад")

    static let kazakh = PageStrings(
        uploadTitle: "Электрондық қолтаңбаны тексеру",
        uploadIntro:
            "CMS қолтаңбасын (.cms, .p7s, .sig — DER, PEM немесе base64) және бөлек қолтаңба үшін қол қойылған құжатты жүктеңіз. Қолтаңба осы қызмет сенетін куәландырушы орталықтар бойынша қол қою сәтінде тексеріледі.",
        signatureFile: "Қолтаңба файлы", signaturePaste: "…немесе қолтаңбаны қойыңыз (base64 немесе PEM)",
        signaturePasteHint: "NCALayer, SIGEX немесе ezSigner берген түрде.", documentFile: "Қол қойылған құжат",
        documentHint: "Бөлек қолтаңба үшін қажет; құжат қолтаңбаның ішінде болса, бос қалдырыңыз.",
        verifyButton: "Тексеру", limitNote: { "Барлығы \($0) МиБ-қа дейін." },
        privacyNote: "Файлдар жадта тексеріледі және сақталмайды.", trustedCentres: "Сенімді куәландырушы орталықтар",
        proofTitle: "Электрондық қолтаңбаның түпнұсқалығын растау", uploadResultTitle: "Қолтаңбаны тексеру нәтижесі",
        documentSection: "Құжат", title: "Атауы", documentType: "Түрі", fileName: "Файл", sha256: "SHA-256", size: "Көлемі", bytes: "байт",
        vaultStatus: "Қоймадағы мәртебесі", notSupplied: "берілмеген: бөлек қолтаңба құжатсыз тексерілді",
        validationTime: "Тексеру уақыты", result: "Нәтиже", technicalResult: "ETSI EN 319 102-1 көрсеткіші",
        passedHeadline: "Қолтаңба жарамды", failedHeadline: "Қолтаңба жарамсыз", indeterminateHeadline: "Қолтаңба расталмады",
        passedMeaning: "Қолтаңба қолмен қойылған қолтаңбаға тең (№ 370-II Заң, 10-бап).",
        failedMeaning: "Қолтаңба жарамсыз: құжат не қолтаңба өзгертілген, не куәлік кері қайтарылған немесе мерзімі өткен.",
        indeterminateMeaning: "Қолда бар деректермен қолтаңбаны растау мүмкін болмады; өтпеген тексерулерді қараңыз.",
        signature: "Қолтаңба", signer: "Қол қоюшы", iin: "ЖСН", roles: "Рөлі", organisation: "Ұйым", bin: "БСН", email: "E-mail",
        certificate: "Тіркеу куәлігі", serial: "Сериялық нөмірі", issuer: "Берген орталық", validity: "Жарамдылығы", validFromTo: "—",
        holderIndividual: "жеке тұлға", holderLegalEntity: "заңды тұлға",
        timestamp: "Уақыт белгісі", timestampNone: "жоқ: қол қою сәті — осы тексеру уақыты", tsa: "Уақыт белгісі қызметі",
        signingTimeClaim: "Қол қоюшы мәлімдеген қол қою уақыты", revocation: "Кері қайтарып алу мәртебесі",
        revocationNone: "кері қайтарып алу туралы деректер жоқ",
        revocationGood: "кері қайтарылмаған", revocationRevoked: "кері қайтарылған", revocationUnknown: "белгісіз",
        revocationSourceOCSP: "OCSP жауабы", revocationSourceCRL: "кері қайтарылған куәліктер тізімі (CRL)",
        algorithms: "Алгоритмдер", checks: "Тексерулер", checkPassed: "өтті", checkFailed: "өтпеді", warnings: "Ескертулер", errors: "Қателер",
        qrCaption: "Осы растауды ашу үшін сканерлеңіз",
        notStored: "Нәтиже еш жерде сақталмайды; кейін қажет болса, JSON есебін сақтаңыз.",
        jsonReport: "JSON есебі", verifyAnother: "Басқа қолтаңбаны тексеру", language: "Тіл",
        footer: "EDS Vault тексеру қызметі. Тексерулер № 370-II Заңның 10-бабы және ETSI EN 319 102-1 бойынша.",
        checkNames: [
            "signerCertificate": "Қол қоюшының куәлігі", "authenticity": "Түпнұсқалық", "integrity": "Тұтастық", "chain": "Сенім тізбегі",
            "keyUsage": "Кілттің мақсаты", "validityAtSigningMoment": "Қол қою сәтіндегі жарамдылық", "revocation": "Кері қайтарып алу",
            "timestamp": "Уақыт белгісі", "algorithms": "Алгоритмдер",
        ],
        roleNames: [
            .individual: "жеке тұлға", .legalEntity: "заңды тұлға", .firstHead: "бірінші басшы", .rightToSign: "қол қою құқығы",
            .financialSignature: "қаржылық қолтаңба", .hr: "кадр қызметінің қызметкері", .employee: "ұйым қызметкері",
        ],
        vaultTerms: [
            "fully signed": "барлық тараптар қол қойды", "awaiting signatures": "қолтаңбаларды күтуде", "signed": "қол қойылған",
            "employment contract": "еңбек шарты", "supplementary agreement": "қосымша келісім",
            "personnel order: hiring": "жұмысқа қабылдау туралы бұйрық", "personnel order: transfer": "ауыстыру туралы бұйрық",
            "personnel order: leave": "демалыс туралы бұйрық", "personnel order: dismissal": "жұмыстан босату туралы бұйрық",
            "payroll sheet": "есеп айырысу ведомосы", "consent to personal-data processing": "дербес деректерді өңдеуге келісім",
            "other": "басқа құжат",
        ],
        errorTitle: "Қолтаңбаны оқу мүмкін болмады", notFoundTitle: "Растау табылмады",
        notFoundText: "Бұл мекенжайда растау жоқ, немесе сілтеменің мерзімі өтті не ол кері қайтарылды. Сілтемені немесе QR кодын тексеріңіз.", back: "Артқа")
}
