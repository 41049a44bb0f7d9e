import EDSCrypto
import Foundation

/// The human-readable report `edsvault verify` prints by default.
public enum TextReport {
    /// The report as lines for a terminal. Every line is escaped (`TerminalText`): names, issuers, serials and check
    /// details come from the signature, and a control sequence in a CN must not repaint the verdict.
    public static func render(_ report: ValidationReport, language: ReportLanguage = .english) -> String {
        let t = language.labels
        var lines: [String] = []
        lines.append("\(t.result): \(headline(report.indication, report.subIndication))")
        lines.append("  \(t.meaning(report.indication))")
        if let document = report.document {
            lines.append("\(t.document): SHA-256 \(document.sha256), \(document.size) \(t.bytes)")
        } else {
            lines.append("\(t.document): \(t.notSupplied)")
        }
        lines.append("\(t.validationTime): \(ISO8601.string(report.validationTime))")
        for (index, signature) in report.signatures.enumerated() {
            lines.append("")
            lines.append("\(t.signature) \(index + 1) / \(report.signatures.count): \(headline(signature.indication, signature.subIndication))")
            lines += signerLines(signature, t).map { "  " + $0 }
        }
        return lines.map { TerminalText.escaped($0) }.joined(separator: "\n") + "\n"
    }

    static func headline(_ indication: Indication, _ subIndication: SubIndication?) -> String {
        subIndication.map { "\(indication.rawValue) / \($0.rawValue)" } ?? indication.rawValue
    }

    static func signerLines(_ signature: SignatureReport, _ t: ReportLanguage.Labels) -> [String] {
        var lines: [String] = []
        if let signer = signature.signer {
            let name = [signer.commonName, signer.givenName].compactMap { $0 }.joined(separator: " ")
            lines.append("\(t.signer): \(name.isEmpty ? "?" : name)")
            if let iin = signer.iin { lines.append("\(t.iin): \(iin)") }
            if let organization = signer.organization { lines.append("\(t.organisation): \(organization)") }
            if let bin = signer.bin { lines.append("\(t.bin): \(bin)") }
            if let email = signer.email { lines.append("Email: \(email)") }
            if !signer.roles.isEmpty { lines.append("\(t.roles): \(signer.roles.map(t.roleName).joined(separator: ", "))") }
        }
        if let certificate = signature.certificate {
            lines.append("\(t.certificate): \(t.serial) \(certificate.serialNumber), \(t.roleName(certificate.holder == .legalEntity ? .legalEntity : .individual))")
            lines.append("  \(t.issuer): \(certificate.issuer)")
            lines.append("  \(t.valid): \(ISO8601.string(certificate.notBefore))\(t.until)\(ISO8601.string(certificate.notAfter))")
            lines.append("  SHA-256: \(certificate.sha256)")
        }
        lines.append("\(t.algorithms): \(signature.digestAlgorithm), \(signature.signatureAlgorithm)")
        if let claimed = signature.signingTime { lines.append("\(t.signingTimeClaim): \(ISO8601.string(claimed))") }
        if let timestamp = signature.timestamp {
            lines.append("\(t.timestamp): \(ISO8601.string(timestamp.genTime))\(t.by)\(timestamp.tsa), \(t.serial) \(timestamp.serialNumber)")
        }
        if let revocation = signature.revocation {
            let when = (revocation.producedAt ?? revocation.thisUpdate).map { "\(t.dated)\(ISO8601.string($0))" } ?? ""
            let source = t.language == .english ? revocation.source.rawValue : revocation.source.rawValue.uppercased()
            lines.append("\(t.revocation): \(t.status(revocation.status)) (\(source)\(when))")
        }
        lines.append("\(t.checks):")
        for check in signature.checks {
            lines.append("  [\(check.passed ? " ok " : "FAIL")] \(t.checkName(check.name)): \(check.detail(in: t.language))")
        }
        for warning in signature.warnings { lines.append("\(t.warning): \(signature.warning(warning, in: t.language))") }
        return lines
    }
}

/// Languages of the text report: English (default), Russian, Kazakh. Check details and warnings are translated too
/// (DetailMessage); the JSON report stays English.
public enum ReportLanguage: String, CaseIterable, Sendable {
    case english = "en"
    case russian = "ru"
    case kazakh = "kk"

    public struct Labels: Sendable {
        let result, document, bytes, notSupplied, validationTime, signature, signer, iin, organisation, bin, roles: String
        let certificate, serial, issuer, valid, algorithms, signingTimeClaim, timestamp, revocation, checks, warning: String
        let passed, failed, indeterminate: String
        let checkNames: [String: String]
        /// Joiners: "from to until", "genTime by TSA", "CRL of date".
        let until, by, dated: String
        let good, revoked, unknown: String
        let roleNames: [SignerRole: String]
        var language: ReportLanguage = .english

        func meaning(_ indication: Indication) -> String {
            switch indication {
            case .totalPassed: passed
            case .totalFailed: failed
            case .indeterminate: indeterminate
            }
        }

        func checkName(_ name: String) -> String { checkNames[name] ?? name }

        func roleName(_ role: SignerRole) -> String { roleNames[role] ?? role.englishName }

        func status(_ status: RevocationSummary.Status) -> String {
            switch status {
            case .good: good
            case .revoked: revoked
            case .unknown: unknown
            }
        }
    }

    public var labels: Labels {
        var labels = untaggedLabels
        labels.language = self
        return labels
    }

    private var untaggedLabels: Labels {
        switch self {
        case .english:
            Labels(
                result: "Result", document: "Document", bytes: "bytes", notSupplied: "not supplied (detached signature)",
                validationTime: "Validation time", signature: "Signature", signer: "Signer", iin: "IIN", organisation: "Organisation", bin: "BIN",
                roles: "Roles", certificate: "Certificate", serial: "serial", issuer: "issuer", valid: "valid", algorithms: "Algorithms",
                signingTimeClaim: "Signing time (signer's claim)", timestamp: "Timestamp", revocation: "Revocation", checks: "Checks",
                warning: "Warning",
                passed: "The signature is equivalent to a handwritten one (Law 370-II, Art. 10).",
                failed: "The signature does not hold: the document or signature was altered, or the certificate was revoked or expired.",
                indeterminate: "The signature could not be confirmed with the evidence available; see the failed checks.",
                checkNames: [:], until: " to ", by: " by ", dated: " of ", good: "good", revoked: "revoked", unknown: "unknown", roleNames: [:])
        case .russian:
            Labels(
                result: "Результат", document: "Документ", bytes: "байт", notSupplied: "не предоставлен (открепленная подпись)",
                validationTime: "Время проверки", signature: "Подпись", signer: "Подписант", iin: "ИИН", organisation: "Организация", bin: "БИН",
                roles: "Роли", certificate: "Сертификат", serial: "серийный номер", issuer: "издатель", valid: "действителен", algorithms: "Алгоритмы",
                signingTimeClaim: "Время подписания (заявлено подписантом)", timestamp: "Метка времени", revocation: "Статус отзыва", checks: "Проверки",
                warning: "Предупреждение",
                passed: "Подпись равнозначна собственноручной (Закон № 370-II, ст. 10).",
                failed: "Подпись недействительна: документ или подпись изменены, либо сертификат отозван или истек.",
                indeterminate: "Подпись не удалось подтвердить имеющимися данными; см. непройденные проверки.",
                checkNames: [
                    "signerCertificate": "сертификат подписанта", "authenticity": "подлинность", "integrity": "целостность", "chain": "цепочка доверия", "policies": "политики сертификатов",
                    "keyUsage": "назначение ключа", "validityAtSigningMoment": "срок действия на момент подписания", "revocation": "отзыв",
                    "timestamp": "метка времени", "algorithms": "алгоритмы",
                ],
                until: " — ", by: ", служба: ", dated: ", ", good: "не отозван", revoked: "отозван", unknown: "неизвестен",
                roleNames: [
                    .individual: "физическое лицо", .legalEntity: "юридическое лицо", .firstHead: "первый руководитель",
                    .rightToSign: "право подписи", .financialSignature: "финансовая подпись", .hr: "кадровая служба",
                    .employee: "сотрудник",
                ])
        case .kazakh:
            Labels(
                result: "Нәтиже", document: "Құжат", bytes: "байт", notSupplied: "берілмеген (бөлек қолтаңба)",
                validationTime: "Тексеру уақыты", signature: "Қолтаңба", signer: "Қол қоюшы", iin: "ЖСН", organisation: "Ұйым", bin: "БСН",
                roles: "Рөлдер", certificate: "Тіркеу куәлігі", serial: "сериялық нөмір", issuer: "берген", valid: "жарамды", algorithms: "Алгоритмдер",
                signingTimeClaim: "Қол қою уақыты (қол қоюшының мәлімдемесі)", timestamp: "Уақыт белгісі", revocation: "Кері қайтарып алу", checks: "Тексерулер",
                warning: "Ескерту",
                passed: "Қолтаңба қолмен қойылған қолтаңбаға тең (№ 370-II Заң, 10-бап).",
                failed: "Қолтаңба жарамсыз: құжат не қолтаңба өзгертілген, не куәлік кері қайтарылған немесе мерзімі өткен.",
                indeterminate: "Қолда бар деректермен қолтаңбаны растау мүмкін болмады; өтпеген тексерулерді қараңыз.",
                checkNames: [
                    "signerCertificate": "қол қоюшының куәлігі", "authenticity": "түпнұсқалық", "integrity": "тұтастық", "chain": "сенім тізбегі", "policies": "куәлік саясаттары",
                    "keyUsage": "кілттің мақсаты", "validityAtSigningMoment": "қол қою сәтіндегі жарамдылық", "revocation": "кері қайтарып алу",
                    "timestamp": "уақыт белгісі", "algorithms": "алгоритмдер",
                ],
                until: " — ", by: ", қызмет: ", dated: ", ", good: "кері қайтарып алынбаған", revoked: "кері қайтарып алынған", unknown: "белгісіз",
                roleNames: [
                    .individual: "жеке тұлға", .legalEntity: "заңды тұлға", .firstHead: "бірінші басшы", .rightToSign: "қол қою құқығы",
                    .financialSignature: "қаржылық қолтаңба", .hr: "кадр қызметі", .employee: "қызметкер",
                ])
        }
    }
}
