import EDSCrypto
import Foundation

/// What `edsvault verify --certificate` prints (`--format json`) and `CertificateValidator` returns: the blocks of a
/// signature's report that describe its certificate (`subject` as the signer block, `certificate`, `revocation`,
/// `checks`, `errors`, `warnings`) with the path, under the same indications and exit codes.
public struct CertificateValidationReport: Codable, Sendable {
    public var indication: Indication
    public var subIndication: SubIndication?
    public var validationTime: Date
    /// The holder as the Kazakh profile reads the subject (the signer block of a signature's report).
    public var subject: KazakhIdentity
    public var certificate: CertificateSummary
    /// The certification path, the certificate first and the trust anchor last; empty when none was found.
    public var path: [CertificateSummary]
    /// The certificate's own revocation status (the path's CA certificates are in `checks`).
    public var revocation: RevocationSummary?
    public var checks: [Check]
    public var errors: [String]
    public var warnings: [String]
    /// Each warning without a language, by its English text (not part of the JSON).
    var warningMessages: [String: DetailMessage] = [:]

    public init(
        indication: Indication, subIndication: SubIndication?, validationTime: Date, subject: KazakhIdentity, certificate: CertificateSummary,
        path: [CertificateSummary], revocation: RevocationSummary?, checks: [Check], errors: [String], warnings: [String]
    ) {
        self.indication = indication
        self.subIndication = subIndication
        self.validationTime = validationTime
        self.subject = subject
        self.certificate = certificate
        self.path = path
        self.revocation = revocation
        self.checks = checks
        self.errors = errors
        self.warnings = warnings
    }

    enum CodingKeys: String, CodingKey {
        case indication, subIndication, validationTime, subject, certificate, path, revocation, checks, errors, warnings
    }

    /// Absent values are written as null: the shape does not depend on the certificate.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(indication, forKey: .indication)
        try container.encode(subIndication, forKey: .subIndication)
        try container.encode(validationTime, forKey: .validationTime)
        try container.encode(subject, forKey: .subject)
        try container.encode(certificate, forKey: .certificate)
        try container.encode(path, forKey: .path)
        try container.encode(revocation, forKey: .revocation)
        try container.encode(checks, forKey: .checks)
        try container.encode(errors, forKey: .errors)
        try container.encode(warnings, forKey: .warnings)
    }

    /// The JSON report: ISO 8601 UTC dates, sorted keys, null for absent values (as `ValidationReport.jsonData`).
    public func jsonData(pretty: Bool = true) throws -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted] : [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> CertificateValidationReport {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(CertificateValidationReport.self, from: data)
    }

    /// CLI exit status, as `verify`'s: 0 TOTAL_PASSED, 1 TOTAL_FAILED, 2 INDETERMINATE.
    public var exitCode: Int32 {
        switch indication {
        case .totalPassed: 0
        case .totalFailed: 1
        case .indeterminate: 2
        }
    }

    /// A warning in `language` (English when it came from JSON or carries no message).
    public func warning(_ warning: String, in language: ReportLanguage) -> String {
        warningMessages[warning]?.render(language) ?? warning
    }
}

extension TextReport {
    /// The human-readable report of `verify --certificate`, in English, Russian or Kazakh.
    public static func render(_ report: CertificateValidationReport, language: ReportLanguage = .english) -> String {
        let t = language.labels
        let c = CertificateLabels(language)
        var lines: [String] = []
        lines.append("\(t.result): \(headline(report.indication, report.subIndication))")
        lines.append("  \(c.meaning(report.indication))")
        lines.append("\(t.validationTime): \(ISO8601.string(report.validationTime))")
        let subject = report.subject
        let name = [subject.commonName, subject.givenName].compactMap { $0 }.joined(separator: " ")
        lines.append("\(c.holder): \(name.isEmpty ? report.certificate.subject : name)")
        if let iin = subject.iin { lines.append("\(t.iin): \(iin)") }
        if let organization = subject.organization { lines.append("\(t.organisation): \(organization)") }
        if let bin = subject.bin { lines.append("\(t.bin): \(bin)") }
        if let email = subject.email { lines.append("Email: \(email)") }
        if !subject.roles.isEmpty { lines.append("\(t.roles): \(subject.roles.map(t.roleName).joined(separator: ", "))") }
        let certificate = report.certificate
        lines.append(
            "\(t.certificate): \(t.serial) \(certificate.serialNumber), \(t.roleName(certificate.holder == .legalEntity ? .legalEntity : .individual))")
        lines.append("  \(t.issuer): \(certificate.issuer)")
        lines.append("  \(t.valid): \(ISO8601.string(certificate.notBefore))\(t.until)\(ISO8601.string(certificate.notAfter))")
        lines.append("  SHA-256: \(certificate.sha256)")
        if !report.path.isEmpty {
            lines.append("\(c.path):")
            for (depth, entry) in report.path.enumerated() { lines.append("  \(depth). \(entry.subject)") }
        }
        if let revocation = report.revocation {
            let when = (revocation.producedAt ?? revocation.thisUpdate).map { "\(t.dated)\(ISO8601.string($0))" } ?? ""
            let source = t.language == .english ? revocation.source.rawValue : revocation.source.rawValue.uppercased()
            lines.append("\(t.revocation): \(t.status(revocation.status)) (\(source)\(when))")
        }
        lines.append("\(t.checks):")
        for check in report.checks {
            lines.append("  [\(check.passed ? " ok " : "FAIL")] \(c.checkName(check.name, t)): \(check.detail(in: t.language))")
        }
        for warning in report.warnings { lines.append("\(t.warning): \(report.warning(warning, in: t.language))") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The words a certificate's report says that a signature's does not.
    private struct CertificateLabels {
        let holder, path, passed, failed, indeterminate, validity: String

        init(_ language: ReportLanguage) {
            switch language {
            case .english:
                holder = "Holder"
                path = "Path"
                passed = "The certificate is valid at the validation time: it chains to a trusted certification centre, is in its validity period and is not revoked."
                failed = "The certificate is not valid at the validation time: it is expired, not yet valid or revoked."
                indeterminate = "The certificate could not be confirmed with the evidence available; see the failed checks."
                validity = "validity"
            case .russian:
                holder = "Владелец"
                path = "Цепочка"
                passed = "Сертификат действителен на момент проверки: цепочка ведёт к доверенному удостоверяющему центру, срок действия не истёк, сертификат не отозван."
                failed = "Сертификат недействителен на момент проверки: срок его действия истёк или ещё не начался, либо он отозван."
                indeterminate = "Сертификат не удалось подтвердить имеющимися данными; см. непройденные проверки."
                validity = "срок действия"
            case .kazakh:
                holder = "Иесі"
                path = "Тізбек"
                passed = "Куәлік тексеру сәтінде жарамды: тізбегі сенімді куәландырушы орталыққа жетеді, мерзімі өтпеген, кері қайтарып алынбаған."
                failed = "Куәлік тексеру сәтінде жарамсыз: мерзімі өткен не әлі басталмаған, не кері қайтарып алынған."
                indeterminate = "Қолда бар деректермен куәлікті растау мүмкін болмады; өтпеген тексерулерді қараңыз."
                validity = "жарамдылық мерзімі"
            }
        }

        func meaning(_ indication: Indication) -> String {
            switch indication {
            case .totalPassed: passed
            case .totalFailed: failed
            case .indeterminate: indeterminate
            }
        }

        func checkName(_ name: String, _ labels: ReportLanguage.Labels) -> String {
            name == "validity" && labels.language != .english ? validity : labels.checkName(name)
        }
    }
}
