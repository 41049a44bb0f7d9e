import EDSCrypto
import Foundation

/// Roles NCA RK encodes as extended key usage OIDs under 1.2.398.3.3.4.
public enum SignerRole: String, CaseIterable, Codable, Sendable {
    case individual
    case legalEntity
    case firstHead
    case rightToSign
    case financialSignature
    case hr
    case employee

    public var oid: String {
        switch self {
        case .individual: "1.2.398.3.3.4.1.1"
        case .legalEntity: "1.2.398.3.3.4.1.2"
        case .firstHead: "1.2.398.3.3.4.1.2.1"
        case .rightToSign: "1.2.398.3.3.4.1.2.2"
        case .financialSignature: "1.2.398.3.3.4.1.2.3"
        case .hr: "1.2.398.3.3.4.1.2.4"
        case .employee: "1.2.398.3.3.4.1.2.5"
        }
    }

    public init?(oid: String) {
        guard let role = Self.allCases.first(where: { $0.oid == oid }) else { return nil }
        self = role
    }

    /// Accepts the JSON name ("firstHead") and spelled forms ("first-head", "first head", "HR").
    public init?(name: String) {
        let folded = name.lowercased().filter { $0.isLetter }
        guard let role = Self.allCases.first(where: { $0.rawValue.lowercased() == folded }) else { return nil }
        self = role
    }

    public var englishName: String {
        switch self {
        case .individual: "individual"
        case .legalEntity: "legal entity"
        case .firstHead: "first head"
        case .rightToSign: "right to sign"
        case .financialSignature: "financial signature"
        case .hr: "HR"
        case .employee: "employee"
        }
    }
}

/// Well-known extended key usage purposes.
public enum ExtendedKeyUsageOID {
    public static let serverAuth = "1.3.6.1.5.5.7.3.1"
    public static let clientAuth = "1.3.6.1.5.5.7.3.2"
    public static let emailProtection = "1.3.6.1.5.5.7.3.4"
    public static let timeStamping = "1.3.6.1.5.5.7.3.8"
    public static let ocspSigning = "1.3.6.1.5.5.7.3.9"
}

/// IIN (individual) and BIN (business) identification numbers: 12 digits with a mod-11 check digit.
public enum KazakhIdentificationNumber {
    /// The check-digit rule: weights 1…11 over the first 11 digits, sum mod 11; a result of 10 retries with
    /// weights 3…11,1,2; 10 again means no valid number has these first 11 digits.
    public static func isValid(_ number: String) -> Bool {
        let digits = number.compactMap { $0.wholeNumberValue }
        guard number.count == 12, digits.count == 12 else { return false }
        let first = (0..<11).reduce(0) { $0 + digits[$1] * ($1 + 1) } % 11
        if first != 10 { return first == digits[11] }
        let weights = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]
        let second = (0..<11).reduce(0) { $0 + digits[$1] * weights[$1] } % 11
        return second != 10 && second == digits[11]
    }
}

/// Who a certificate names, read as NCA RK profiles it.
public struct KazakhIdentity: Codable, Hashable, Sendable {
    public var commonName: String?
    public var surname: String?
    /// NCA puts the patronymic in GIVENNAME.
    public var givenName: String?
    public var iin: String?
    public var bin: String?
    public var organization: String?
    public var email: String?
    public var roles: [SignerRole]

    public init(certificate: Certificate) {
        let subject = certificate.subject
        commonName = subject.commonName
        surname = subject.first(DistinguishedName.OID.surname)
        givenName = subject.first(DistinguishedName.OID.givenName)
        iin = subject.all(DistinguishedName.OID.serialNumber).lazy.compactMap { Self.number(after: "IIN", in: $0) }.first
        bin = subject.all(DistinguishedName.OID.organizationalUnit).lazy.compactMap { Self.number(after: "BIN", in: $0) }.first
        organization = subject.first(DistinguishedName.OID.organization)
        email = subject.first(DistinguishedName.OID.emailAddress)
        roles = certificate.extendedKeyUsage.compactMap(SignerRole.init(oid:))
    }

    enum CodingKeys: String, CodingKey { case commonName, surname, givenName, iin, bin, organization, email, roles }

    /// Absent values are written as null: the JSON report's shape does not depend on the certificate.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(commonName, forKey: .commonName)
        try container.encode(surname, forKey: .surname)
        try container.encode(givenName, forKey: .givenName)
        try container.encode(iin, forKey: .iin)
        try container.encode(bin, forKey: .bin)
        try container.encode(organization, forKey: .organization)
        try container.encode(email, forKey: .email)
        try container.encode(roles, forKey: .roles)
    }

    public var holder: CertificateHolder {
        bin != nil || roles.contains(.legalEntity) ? .legalEntity : .individual
    }

    /// "SURNAME NAME PATRONYMIC" where the certificate has them.
    public var fullName: String {
        [commonName, givenName].compactMap { $0 }.joined(separator: " ")
    }

    private static func number(after prefix: String, in value: String) -> String? {
        let upper = value.uppercased()
        guard upper.hasPrefix(prefix) else { return nil }
        let rest = String(value.dropFirst(prefix.count))
        return rest.isEmpty ? nil : rest
    }

    /// Problems worth a warning (never a rejection: test certificates often carry invalid numbers).
    public var profileWarnings: [String] { profileWarningMessages.map(\.english) }

    var profileWarningMessages: [DetailMessage] {
        var warnings: [DetailMessage] = []
        if let iin, !KazakhIdentificationNumber.isValid(iin) { warnings.append(DetailMessage(.warningInvalidIIN, .text(iin))) }
        if let bin, !KazakhIdentificationNumber.isValid(bin) { warnings.append(DetailMessage(.warningInvalidBIN, .text(bin))) }
        if iin == nil { warnings.append(DetailMessage(.warningNoIIN)) }
        return warnings
    }
}

public enum CertificateHolder: String, Codable, Sendable {
    case individual
    case legalEntity
}
