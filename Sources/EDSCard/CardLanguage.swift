import EDSVerification
import Foundation

/// The card's languages: Kazakh, Russian, or both side by side (Kazakh left, Russian right), as SIGEX's cards are.
public enum CardLanguage: String, CaseIterable, Sendable {
    case kazakh = "kk"
    case russian = "ru"
    case kazakhRussian = "kk-ru"

    /// One column per language, left to right.
    var columns: [CardStrings] {
        switch self {
        case .kazakh: [.kazakh]
        case .russian: [.russian]
        case .kazakhRussian: [.kazakh, .russian]
        }
    }
}

/// Every word the card shows, in one language. Check details and warnings come translated from the validator.
struct CardStrings: Sendable {
    let report: ReportLanguage
    let cardTitle, watermark, documentTitle, createdAt, issuedBy, contents, attachments, howToVerify, legalNote: String
    let infoPages, documentPages, signaturePage: String
    let pageOf: @Sendable (Int, Int) -> String
    let pages: @Sendable (Int, Int) -> String
    let originalDescription, signatureDescription: String
    let notVisualised, bytes, sha256: String
    let howToVerifySteps: String
    let signature, signer, iin, organisation, bin, roles, holder, holderIndividual, holderLegalEntity: String
    let certificateSubject, issuer, serial, validity, policies, extendedKeyUsage, signatureAlgorithm, digestAlgorithm: String
    let timestamp, timestampNone, tsa, signingTimeClaim, revocation, revocationNone, revocationGood, revocationRevoked, revocationUnknown: String
    let ocsp, crl, producedAt, thisUpdate: String
    let result, indication, passed, failed, indeterminate, passedMeaning, failedMeaning, indeterminateMeaning: String
    let checks, checkPassed, checkFailed, warnings, validationTime, qrCaption, none: String
    let roleNames: [SignerRole: String]
    let checkNames: [String: String]
    let purposeNames: [String: String]

    func roleName(_ role: SignerRole) -> String { roleNames[role] ?? role.englishName }
    func checkName(_ name: String) -> String { checkNames[name] ?? name }

    func headline(_ indication: Indication) -> String {
        switch indication {
        case .totalPassed: passed
        case .totalFailed: failed
        case .indeterminate: indeterminate
        }
    }

    func meaning(_ indication: Indication) -> String {
        switch indication {
        case .totalPassed: passedMeaning
        case .totalFailed: failedMeaning
        case .indeterminate: indeterminateMeaning
        }
    }

    static let russian = CardStrings(
        report: .russian,
        cardTitle: "Карточка электронного документа", watermark: "Визуализация электронного документа",
        documentTitle: "Документ", createdAt: "Карточка сформирована", issuedBy: "Сформировано системой", contents: "Содержание",
        attachments: "Вложения", howToVerify: "Как проверить карточку",
        legalNote:
            "Визуальная часть карточки (страницы) юридической силы не имеет. Юридическую силу имеют вложения: электронный документ и его электронные цифровые подписи (Закон РК № 370-II).",
        infoPages: "Сведения о карточке", documentPages: "Визуализация документа", signaturePage: "Подпись",
        pageOf: { "стр. \($0) из \($1)" }, pages: { $0 == $1 ? "стр. \($0)" : "стр. \($0)–\($1)" },
        originalDescription: "Электронный документ (подлинник)", signatureDescription: "Электронная цифровая подпись (CMS, открепленная)",
        notVisualised: "не отображается (не PDF, PDF не читается или длиннее 1000 страниц); документ приложен к карточке.", bytes: "байт", sha256: "SHA-256",
        howToVerifySteps:
            "1. Откройте вложения карточки (панель «Вложения» любой программы просмотра PDF, или pdfdetach -saveall). 2. Проверьте каждую подпись вместе с документом любым средством проверки ЭЦП (NCALayer, ezSigner, SIGEX, edsvault verify --signature ПОДПИСЬ.cms ДОКУМЕНТ). 3. Или целиком: edsvault verify --card КАРТОЧКА.pdf --trust КОРНЕВОЙ.pem — вложения сверяются с перечнем в карточке и с порядком подписания. Хеши SHA-256 вложений указаны выше.",
        signature: "Подпись", signer: "Подписант", iin: "ИИН", organisation: "Организация", bin: "БИН", roles: "Роли",
        holder: "Владелец сертификата", holderIndividual: "физическое лицо", holderLegalEntity: "юридическое лицо",
        certificateSubject: "Субъект сертификата", issuer: "Издатель", serial: "Серийный номер", validity: "Срок действия",
        policies: "Политики", extendedKeyUsage: "Назначение ключа (EKU)", signatureAlgorithm: "Алгоритм подписи",
        digestAlgorithm: "Алгоритм хеширования",
        timestamp: "Метка времени", timestampNone: "нет: момент подписания — время проверки", tsa: "служба",
        signingTimeClaim: "Время подписания (заявлено подписантом)", revocation: "Проверка отзыва",
        revocationNone: "нет данных об отзыве", revocationGood: "не отозван", revocationRevoked: "отозван", revocationUnknown: "неизвестен",
        ocsp: "ответ OCSP", crl: "СОС (CRL)", producedAt: "сформирован", thisUpdate: "выпущен",
        result: "Результат проверки", indication: "Индикация ETSI EN 319 102-1", passed: "Подпись действительна",
        failed: "Подпись недействительна", indeterminate: "Подпись не подтверждена",
        passedMeaning: "Подпись равнозначна собственноручной (Закон № 370-II, ст. 10).",
        failedMeaning: "Подпись недействительна: документ или подпись изменены, либо сертификат отозван или истек.",
        indeterminateMeaning: "Подпись не удалось подтвердить имеющимися данными; см. непройденные проверки.",
        checks: "Проверки", checkPassed: "пройдена", checkFailed: "не пройдена", warnings: "Предупреждения",
        validationTime: "Время проверки", qrCaption: "Подтверждение подлинности онлайн", none: "нет",
        roleNames: [
            .individual: "физическое лицо", .legalEntity: "юридическое лицо", .firstHead: "первый руководитель", .rightToSign: "право подписи",
            .financialSignature: "финансовая подпись", .hr: "сотрудник отдела кадров", .employee: "сотрудник организации",
        ],
        checkNames: [
            "signerCertificate": "Сертификат подписанта", "authenticity": "Подлинность", "integrity": "Целостность", "chain": "Цепочка доверия",
            "keyUsage": "Назначение ключа", "validityAtSigningMoment": "Срок действия на момент подписания", "revocation": "Отзыв",
            "timestamp": "Метка времени", "algorithms": "Алгоритмы",
        ],
        purposeNames: [
            "1.3.6.1.5.5.7.3.4": "защищенная электронная почта (подпись)", "1.3.6.1.5.5.7.3.2": "аутентификация клиента",
            "1.2.398.3.3.4.1.1": "физическое лицо", "1.2.398.3.3.4.1.2": "юридическое лицо",
            "1.2.398.3.3.4.1.2.1": "первый руководитель", "1.2.398.3.3.4.1.2.2": "право подписи",
            "1.2.398.3.3.4.1.2.3": "финансовая подпись", "1.2.398.3.3.4.1.2.4": "сотрудник отдела кадров",
            "1.2.398.3.3.4.1.2.5": "сотрудник организации",
        ])

    static let kazakh = CardStrings(
        report: .kazakh,
        cardTitle: "Электрондық құжаттың карточкасы", watermark: "Электрондық құжатты бейнелеу",
        documentTitle: "Құжат", createdAt: "Карточка жасалған уақыт", issuedBy: "Жасаған жүйе", contents: "Мазмұны",
        attachments: "Қосымшалар", howToVerify: "Карточканы қалай тексеруге болады",
        legalNote:
            "Карточканың көрінетін бөлігінің (беттерінің) заңды күші жоқ. Заңды күші — қосымшаларда: электрондық құжат және оның электрондық цифрлық қолтаңбалары (ҚР № 370-II Заңы).",
        infoPages: "Карточка туралы мәліметтер", documentPages: "Құжаттың бейнесі", signaturePage: "Қолтаңба",
        pageOf: { "\($0)-бет, барлығы \($1)" }, pages: { $0 == $1 ? "\($0)-бет" : "\($0)–\($1)-беттер" },
        originalDescription: "Электрондық құжат (түпнұсқа)", signatureDescription: "Электрондық цифрлық қолтаңба (CMS, бөлек)",
        notVisualised: "көрсетілмейді (PDF емес, PDF оқылмайды немесе 1000 беттен ұзын); құжат карточкаға қоса тіркелген.", bytes: "байт", sha256: "SHA-256",
        howToVerifySteps:
            "1. Карточканың қосымшаларын ашыңыз (кез келген PDF қарау бағдарламасының «Қосымшалар» тақтасы немесе pdfdetach -saveall). 2. Әр қолтаңбаны құжатпен бірге кез келген ЭЦҚ тексеру құралымен тексеріңіз (NCALayer, ezSigner, SIGEX, edsvault verify --signature ҚОЛТАҢБА.cms ҚҰЖАТ). 3. Немесе тұтасымен: edsvault verify --card КАРТОЧКА.pdf --trust ТҮБІР.pem — қосымшалар карточкадағы тізіммен және қол қою ретімен салыстырылады. Қосымшалардың SHA-256 хештері жоғарыда көрсетілген.",
        signature: "Қолтаңба", signer: "Қол қоюшы", iin: "ЖСН", organisation: "Ұйым", bin: "БСН", roles: "Рөлдері",
        holder: "Куәлік иесі", holderIndividual: "жеке тұлға", holderLegalEntity: "заңды тұлға",
        certificateSubject: "Куәлік субъектісі", issuer: "Берген орталық", serial: "Сериялық нөмірі", validity: "Жарамдылық мерзімі",
        policies: "Саясаттар", extendedKeyUsage: "Кілттің мақсаты (EKU)", signatureAlgorithm: "Қолтаңба алгоритмі",
        digestAlgorithm: "Хэштеу алгоритмі",
        timestamp: "Уақыт белгісі", timestampNone: "жоқ: қол қою сәті — тексеру уақыты", tsa: "қызмет",
        signingTimeClaim: "Қол қою уақыты (қол қоюшының мәлімдемесі)", revocation: "Кері қайтарып алуды тексеру",
        revocationNone: "кері қайтарып алу туралы деректер жоқ", revocationGood: "кері қайтарылмаған", revocationRevoked: "кері қайтарылған",
        revocationUnknown: "белгісіз", ocsp: "OCSP жауабы", crl: "кері қайтарылған куәліктер тізімі (CRL)", producedAt: "жасалған",
        thisUpdate: "шығарылған",
        result: "Тексеру нәтижесі", indication: "ETSI EN 319 102-1 көрсеткіші", passed: "Қолтаңба жарамды", failed: "Қолтаңба жарамсыз",
        indeterminate: "Қолтаңба расталмады",
        passedMeaning: "Қолтаңба қолмен қойылған қолтаңбаға тең (№ 370-II Заң, 10-бап).",
        failedMeaning: "Қолтаңба жарамсыз: құжат не қолтаңба өзгертілген, не куәлік кері қайтарылған немесе мерзімі өткен.",
        indeterminateMeaning: "Қолда бар деректермен қолтаңбаны растау мүмкін болмады; өтпеген тексерулерді қараңыз.",
        checks: "Тексерулер", checkPassed: "өтті", checkFailed: "өтпеді", warnings: "Ескертулер", validationTime: "Тексеру уақыты",
        qrCaption: "Түпнұсқалықты онлайн растау", none: "жоқ",
        roleNames: [
            .individual: "жеке тұлға", .legalEntity: "заңды тұлға", .firstHead: "бірінші басшы", .rightToSign: "қол қою құқығы",
            .financialSignature: "қаржылық қолтаңба", .hr: "кадр қызметінің қызметкері", .employee: "ұйым қызметкері",
        ],
        checkNames: [
            "signerCertificate": "Қол қоюшының куәлігі", "authenticity": "Түпнұсқалық", "integrity": "Тұтастық", "chain": "Сенім тізбегі",
            "keyUsage": "Кілттің мақсаты", "validityAtSigningMoment": "Қол қою сәтіндегі жарамдылық", "revocation": "Кері қайтарып алу",
            "timestamp": "Уақыт белгісі", "algorithms": "Алгоритмдер",
        ],
        purposeNames: [
            "1.3.6.1.5.5.7.3.4": "қорғалған электрондық пошта (қолтаңба)", "1.3.6.1.5.5.7.3.2": "клиентті аутентификациялау",
            "1.2.398.3.3.4.1.1": "жеке тұлға", "1.2.398.3.3.4.1.2": "заңды тұлға",
            "1.2.398.3.3.4.1.2.1": "бірінші басшы", "1.2.398.3.3.4.1.2.2": "қол қою құқығы",
            "1.2.398.3.3.4.1.2.3": "қаржылық қолтаңба", "1.2.398.3.3.4.1.2.4": "кадр қызметінің қызметкері",
            "1.2.398.3.3.4.1.2.5": "ұйым қызметкері",
        ])
}
