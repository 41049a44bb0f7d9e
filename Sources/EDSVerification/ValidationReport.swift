import EDSCrypto
import Foundation

/// ETSI EN 319 102-1 main status indications.
public enum Indication: String, Codable, Sendable {
    case totalPassed = "TOTAL_PASSED"
    case totalFailed = "TOTAL_FAILED"
    case indeterminate = "INDETERMINATE"
}

/// ETSI EN 319 102-1 sub-indications (§ 5.1.3), spelled as EU DSS reports them.
public enum SubIndication: String, Codable, Sendable, CaseIterable {
    // TOTAL_FAILED
    case formatFailure = "FORMAT_FAILURE"
    case hashFailure = "HASH_FAILURE"
    case sigCryptoFailure = "SIG_CRYPTO_FAILURE"
    case revoked = "REVOKED"
    case expired = "EXPIRED"
    case notYetValid = "NOT_YET_VALID"
    // INDETERMINATE
    case sigConstraintsFailure = "SIG_CONSTRAINTS_FAILURE"
    case chainConstraintsFailure = "CHAIN_CONSTRAINTS_FAILURE"
    case certificateChainGeneralFailure = "CERTIFICATE_CHAIN_GENERAL_FAILURE"
    case cryptoConstraintsFailure = "CRYPTO_CONSTRAINTS_FAILURE"
    case cryptoConstraintsFailureNoPOE = "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"
    case timestampOrderFailure = "TIMESTAMP_ORDER_FAILURE"
    case noSigningCertificateFound = "NO_SIGNING_CERTIFICATE_FOUND"
    case noCertificateChainFound = "NO_CERTIFICATE_CHAIN_FOUND"
    case revokedNoPOE = "REVOKED_NO_POE"
    case revokedCANoPOE = "REVOKED_CA_NO_POE"
    case outOfBoundsNoPOE = "OUT_OF_BOUNDS_NO_POE"
    case outOfBoundsNotRevoked = "OUT_OF_BOUNDS_NOT_REVOKED"
    case noPOE = "NO_POE"
    case tryLater = "TRY_LATER"
    case signedDataNotFound = "SIGNED_DATA_NOT_FOUND"
}

/// The whole report: what `verify --format json` prints and the service answers.
public struct ValidationReport: Codable, Sendable {
    public var indication: Indication
    public var subIndication: SubIndication?
    public var validationTime: Date
    public var document: DocumentSummary?
    public var signatures: [SignatureReport]

    public init(validationTime: Date, document: DocumentSummary?, signatures: [SignatureReport]) {
        self.validationTime = validationTime
        self.document = document
        self.signatures = signatures
        (indication, subIndication) = Self.combine(signatures)
    }

    /// TOTAL_PASSED only when every signature is; TOTAL_FAILED when any failed; else INDETERMINATE.
    /// By index: `first(where:)` copies each report it looks at, and a report holds dozens of strings.
    static func combine(_ signatures: [SignatureReport]) -> (Indication, SubIndication?) {
        if signatures.isEmpty { return (.indeterminate, .signedDataNotFound) }
        if let failed = signatures.indices.first(where: { signatures[$0].indication == .totalFailed }) {
            return (.totalFailed, signatures[failed].subIndication)
        }
        if let open = signatures.indices.first(where: { signatures[$0].indication == .indeterminate }) {
            return (.indeterminate, signatures[open].subIndication)
        }
        return (.totalPassed, nil)
    }

    enum CodingKeys: String, CodingKey { case indication, subIndication, validationTime, document, signatures }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(indication, forKey: .indication)
        try container.encode(subIndication, forKey: .subIndication)
        try container.encode(validationTime, forKey: .validationTime)
        try container.encode(document, forKey: .document)
        try container.encode(signatures, forKey: .signatures)
    }

    /// Stable JSON: ISO 8601 UTC dates, sorted keys, null for absent values — the bytes `JSONEncoder` writes with
    /// `.iso8601` and `[.sortedKeys, .withoutEscapingSlashes]` (+ `.prettyPrinted`), written by `ReportJSONWriter`.
    public func jsonData(pretty: Bool = true) throws -> Data {
        Data(ReportJSONWriter.json(self, pretty: pretty))
    }

    public static func decode(_ data: Data) throws -> ValidationReport {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(ValidationReport.self, from: data)
    }

    /// CLI exit status: 0 TOTAL_PASSED, 1 TOTAL_FAILED, 2 INDETERMINATE.
    public var exitCode: Int32 {
        switch indication {
        case .totalPassed: 0
        case .totalFailed: 1
        case .indeterminate: 2
        }
    }
}

public struct DocumentSummary: Codable, Hashable, Sendable {
    public var sha256: String
    public var size: UInt64
}

public struct SignatureReport: Codable, Sendable {
    public var indication: Indication
    public var subIndication: SubIndication?
    public var signer: SignerSummary?
    public var certificate: CertificateSummary?
    /// The signingTime attribute: the signer's claim, not evidence.
    public var signingTime: Date?
    public var timestamp: TimestampSummary?
    public var revocation: RevocationSummary?
    public var digestAlgorithm: String
    public var signatureAlgorithm: String
    public var checks: [Check]
    public var errors: [String]
    public var warnings: [String]
    /// Each warning without a language, by its English text (not part of the JSON).
    var warningMessages: [String: DetailMessage] = [:]

    /// A warning in `language` (English when it came from JSON or carries no message).
    public func warning(_ warning: String, in language: ReportLanguage) -> String {
        warningMessages[warning]?.render(language) ?? warning
    }

    /// What a vault says about a signature it keeps (EDSVault's proof reports), in every report language.
    public enum KeptSignatureWarning: Sendable {
        /// Judged at the moment the vault received it, for want of an evidence record (the vault's word, not proof).
        case validatedAsOfReceipt(Date)
        /// Kept without the evidence the vault's policy asks for; `vault extend --pending` retries.
        case awaitingEvidence
    }

    /// Appends `warning` to `warnings` (its English text, the JSON contract) with its translations.
    public mutating func addWarning(_ warning: KeptSignatureWarning) {
        let message: DetailMessage
        switch warning {
        case .validatedAsOfReceipt(let moment):
            message = DetailMessage(.warningValidatedAsOfReceipt, .text(ISO8601DateFormatter().string(from: moment)))
        case .awaitingEvidence:
            message = DetailMessage(.warningAwaitingEvidence, .text("vault extend --pending"))  // a command: the same in every language
        }
        warnings.append(message.english)
        warningMessages[message.english] = message
    }

    enum CodingKeys: String, CodingKey {
        case indication, subIndication, signer, certificate, signingTime, timestamp, revocation
        case digestAlgorithm, signatureAlgorithm, checks, errors, warnings
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(indication, forKey: .indication)
        try container.encode(subIndication, forKey: .subIndication)
        try container.encode(signer, forKey: .signer)
        try container.encode(certificate, forKey: .certificate)
        try container.encode(signingTime, forKey: .signingTime)
        try container.encode(timestamp, forKey: .timestamp)
        try container.encode(revocation, forKey: .revocation)
        try container.encode(digestAlgorithm, forKey: .digestAlgorithm)
        try container.encode(signatureAlgorithm, forKey: .signatureAlgorithm)
        try container.encode(checks, forKey: .checks)
        try container.encode(errors, forKey: .errors)
        try container.encode(warnings, forKey: .warnings)
    }
}

/// The signer as the Kazakh profile reads the certificate (the report's `signer` block).
public typealias SignerSummary = KazakhIdentity

public struct CertificateSummary: Codable, Hashable, Sendable {
    public var serialNumber: String
    public var subject: String
    public var issuer: String
    public var notBefore: Date
    public var notAfter: Date
    public var sha256: String
    public var keyUsage: [String]
    public var extendedKeyUsage: [String]
    public var policies: [String]
    public var holder: CertificateHolder

    public init(_ certificate: Certificate) {
        serialNumber = certificate.serialNumberHex
        subject = certificate.subject.description
        issuer = certificate.issuer.description
        notBefore = certificate.notBefore
        notAfter = certificate.notAfter
        sha256 = certificate.sha256Fingerprint.hexString
        keyUsage = certificate.keyUsage.map(\.rawValue)
        extendedKeyUsage = certificate.extendedKeyUsage
        policies = certificate.policies
        holder = KazakhIdentity(certificate: certificate).holder
    }
}

public struct TimestampSummary: Codable, Hashable, Sendable {
    public var genTime: Date
    public var tsa: String
    public var serialNumber: String

    public init(genTime: Date, tsa: String, serialNumber: String) {
        self.genTime = genTime
        self.tsa = tsa
        self.serialNumber = serialNumber
    }
}

public struct RevocationSummary: Codable, Hashable, Sendable {
    public enum Status: String, Codable, Sendable { case good, revoked, unknown }
    public enum Source: String, Codable, Sendable { case ocsp, crl }

    public var status: Status
    public var source: Source
    /// OCSP responses: when the responder signed.
    public var producedAt: Date?
    /// CRLs (and the OCSP single response): the start of the period the status is asserted for.
    public var thisUpdate: Date?
    public var revocationTime: Date?
    public var revocationReason: String?

    public init(status: Status, source: Source, producedAt: Date? = nil, thisUpdate: Date? = nil, revocationTime: Date? = nil, revocationReason: String? = nil) {
        self.status = status
        self.source = source
        self.producedAt = producedAt
        self.thisUpdate = thisUpdate
        self.revocationTime = revocationTime
        self.revocationReason = revocationReason
    }
}

/// One named check with its outcome and the reason a reader needs.
public struct Check: Codable, Hashable, Sendable {
    public var name: String
    public var passed: Bool
    /// In English: the JSON contract.
    public var detail: String
    /// The same detail without a language, for the text report; nil for checks made elsewhere or read from JSON.
    var message: DetailMessage?

    enum CodingKeys: String, CodingKey { case name, passed, detail }

    public init(name: String, passed: Bool, detail: String) {
        self.name = name
        self.passed = passed
        self.detail = detail
    }

    init(name: String, passed: Bool, _ message: DetailMessage) {
        self.init(name: name, passed: passed, detail: message.english)
        self.message = message
    }

    /// The detail in `language` (English when the check came from JSON or carries no message).
    public func detail(in language: ReportLanguage) -> String {
        message?.render(language) ?? detail
    }

    // Equal when what the JSON says is equal: a check read back from JSON equals the one that was written.
    public static func == (lhs: Check, rhs: Check) -> Bool {
        lhs.name == rhs.name && lhs.passed == rhs.passed && lhs.detail == rhs.detail
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(passed)
        hasher.combine(detail)
    }
}

extension Indication {
    /// ETSI EN 319 102-1 as this validator applies it to one signature or certificate: the first TOTAL_FAILED
    /// finding decides, else the first INDETERMINATE one, else TOTAL_PASSED.
    static func verdict<Finding>(
        _ findings: [Finding], indication: (Finding) -> Indication, subIndication: (Finding) -> SubIndication
    ) -> (Indication, SubIndication?) {
        if let failed = findings.first(where: { indication($0) == .totalFailed }) { return (.totalFailed, subIndication(failed)) }
        if let open = findings.first { return (.indeterminate, subIndication(open)) }
        return (.totalPassed, nil)
    }
}
