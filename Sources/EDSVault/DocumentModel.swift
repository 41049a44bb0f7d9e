import EDSCrypto
import EDSVerification
import Foundation

/// The kinds of personnel document a Kazakh employer keeps (Labour Code, Art. 23–35; Law 94-V consents).
public enum DocumentType: String, CaseIterable, Codable, Sendable {
    case employmentContract = "employment-contract"
    case supplementaryAgreement = "supplementary-agreement"
    case hiringOrder = "order-hiring"
    case transferOrder = "order-transfer"
    case leaveOrder = "order-leave"
    case dismissalOrder = "order-dismissal"
    case payrollSheet = "payroll-sheet"
    case personalDataConsent = "personal-data-consent"
    case other

    /// Accepts the canonical name and a few spelled forms ("employment contract", "hiring-order", "consent").
    public init?(name: String) {
        let folded = name.lowercased().filter { $0.isLetter }
        let aliases: [String: DocumentType] = [
            "hiringorder": .hiringOrder, "orderhire": .hiringOrder, "transfer": .transferOrder,
            "transferorder": .transferOrder, "leave": .leaveOrder, "leaveorder": .leaveOrder,
            "dismissal": .dismissalOrder, "dismissalorder": .dismissalOrder, "payroll": .payrollSheet,
            "consent": .personalDataConsent, "contract": .employmentContract, "supplementary": .supplementaryAgreement,
        ]
        if let match = Self.allCases.first(where: { $0.rawValue.filter(\.isLetter) == folded }) {
            self = match
        } else if let alias = aliases[folded] {
            self = alias
        } else {
            return nil
        }
    }

    public var englishName: String {
        switch self {
        case .employmentContract: "employment contract"
        case .supplementaryAgreement: "supplementary agreement"
        case .hiringOrder: "personnel order: hiring"
        case .transferOrder: "personnel order: transfer"
        case .leaveOrder: "personnel order: leave"
        case .dismissalOrder: "personnel order: dismissal"
        case .payrollSheet: "payroll sheet"
        case .personalDataConsent: "consent to personal-data processing"
        case .other: "other"
        }
    }
}

/// Who is asking: an individual by IIN or a legal entity (the employer's signatories and HR) by BIN.
/// The HR service authenticates its users; the vault enforces what each principal may see.
public enum Principal: Hashable, Sendable, CustomStringConvertible {
    case individual(iin: String)
    case employer(bin: String)
    /// Whoever holds the vault directory and its master key (the CLI without `--as`). Audited as such.
    case operator_

    /// Parses `iin:123456789012` or `bin:123456789012`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw VaultError.invalidInput("principal must be iin:IIN or bin:BIN, got \(text)") }
        let number = try IdentificationNumber.validated(parts[1], kind: parts[0].uppercased())
        switch parts[0].lowercased() {
        case "iin": self = .individual(iin: number)
        case "bin": self = .employer(bin: number)
        default: throw VaultError.invalidInput("principal must be iin:IIN or bin:BIN, got \(text)")
        }
    }

    public var description: String {
        switch self {
        case .individual(let iin): "iin:\(iin)"
        case .employer(let bin): "bin:\(bin)"
        case .operator_: "operator"
        }
    }
}

enum IdentificationNumber {
    /// Twelve digits. The check digit is not enforced (test certificates carry invalid ones, as DESIGN.md notes).
    static func validated(_ text: String, kind: String) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.count == 12, trimmed.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw VaultError.invalidInput("\(kind) must be 12 digits, got \(text)")
        }
        return trimmed
    }
}

/// One signature a document needs before it is fully signed.
public enum SignerRequirement: Hashable, Codable, Sendable, CustomStringConvertible {
    /// A named person: the signer's certificate must carry this IIN.
    case person(iin: String)
    /// Someone acting for the document's employer: the certificate must carry the employer's BIN and this role.
    case employerRole(SignerRole)

    /// `iin:IIN`, a bare 12-digit IIN, `owner` (the document's employee), or a role of the employer's BIN:
    /// `first-head`, `hr`, `right-to-sign`, `financial`, `employee`.
    public init(parsing text: String, ownerIIN: String) throws {
        let lowered = text.lowercased()
        if lowered == "owner" || lowered == "employee-owner" {
            self = .person(iin: ownerIIN)
        } else if lowered.hasPrefix("iin:") {
            self = .person(iin: try IdentificationNumber.validated(String(text.dropFirst(4)), kind: "IIN"))
        } else if text.count == 12, text.allSatisfy(\.isNumber) {
            self = .person(iin: text)
        } else if let role = SignerRole(name: lowered == "financial" ? "financialSignature" : text),
            role != .individual, role != .legalEntity
        {
            self = .employerRole(role)
        } else {
            throw VaultError.invalidInput(
                "required signer must be owner, iin:IIN or a role (first-head, hr, right-to-sign, financial, employee), got \(text)")
        }
    }

    public var description: String {
        switch self {
        case .person(let iin): "iin:\(iin)"
        case .employerRole(let role): "role:\(role.rawValue)"
        }
    }

    init(stored: String) throws {
        if stored.hasPrefix("iin:") {
            self = .person(iin: String(stored.dropFirst(4)))
        } else if stored.hasPrefix("role:"), let role = SignerRole(rawValue: String(stored.dropFirst(5))) {
            self = .employerRole(role)
        } else {
            throw VaultError.corrupted("unknown signer requirement \(stored)")
        }
    }

    public init(from decoder: any Decoder) throws {
        try self.init(stored: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// Whether a signer with this identity, on a document of `employerBIN`, meets the requirement.
    public func isMet(by signer: KazakhIdentity, employerBIN: String) -> Bool {
        switch self {
        case .person(let iin): signer.iin == iin
        // A right-to-sign holder (.2.2) signs for the organisation as its first head does (issue 21): either meets
        // a `first-head` requirement; nobody else does.
        case .employerRole(.firstHead): signer.bin == employerBIN && (signer.roles.contains(.firstHead) || signer.roles.contains(.rightToSign))
        case .employerRole(let role): signer.bin == employerBIN && signer.roles.contains(role)
        }
    }
}

public enum DocumentStatus: String, Codable, Sendable {
    case awaitingSignatures = "awaiting-signatures"
    case fullySigned = "fully-signed"
}

/// What the HR service hands the vault with a document.
public struct DocumentMetadata: Codable, Hashable, Sendable {
    /// The document's first owner, or, when an owner reads it, that owner (the single field of the first format).
    public var ownerIIN: String
    /// Every employee the document belongs to (a personnel order may name several), `ownerIIN` first. An employee
    /// reading the document sees only their own IIN here: the other owners' IINs are the other owners' data.
    public var ownerIINs: [String]
    public var employerBIN: String
    public var type: DocumentType
    public var title: String
    /// The original file name, used for the document inside a proof bundle.
    public var fileName: String
    public var requiredSigners: [SignerRequirement]
    /// The acquaintance sheet ("лист ознакомления", issue 22): people (IINs) who must acknowledge the document by
    /// signing it (each through a signing session). It does not change the document's status; `acknowledgementSheet`
    /// says who has and who has not. An employee reading the document sees only their own IIN here.
    public var acknowledgers: [String] = []

    public init(
        ownerIIN: String, employerBIN: String, type: DocumentType, title: String, fileName: String = "document",
        requiredSigners: [SignerRequirement] = []
    ) {
        self.init(
            ownerIINs: [ownerIIN], employerBIN: employerBIN, type: type, title: title, fileName: fileName,
            requiredSigners: requiredSigners)
    }

    /// A document of several employees: each of them and the employer may read it; erasing one of them removes that
    /// employee's access and personal metadata only. `.person(iin:)` of an owner among `requiredSigners` makes that
    /// owner's signature required.
    public init(
        ownerIINs: [String], employerBIN: String, type: DocumentType, title: String, fileName: String = "document",
        requiredSigners: [SignerRequirement] = []
    ) {
        self.ownerIIN = ownerIINs.first ?? ""
        self.ownerIINs = ownerIINs
        self.employerBIN = employerBIN
        self.type = type
        self.title = title
        self.fileName = fileName
        self.requiredSigners = requiredSigners
    }

    private enum CodingKeys: String, CodingKey {
        case ownerIIN, ownerIINs, employerBIN, type, title, fileName, requiredSigners, acknowledgers
    }

    /// Reads the first format too (no `ownerIINs`: the one owner).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        ownerIIN = try container.decode(String.self, forKey: .ownerIIN)
        ownerIINs = try container.decodeIfPresent([String].self, forKey: .ownerIINs) ?? [ownerIIN]
        employerBIN = try container.decode(String.self, forKey: .employerBIN)
        type = try container.decode(DocumentType.self, forKey: .type)
        title = try container.decode(String.self, forKey: .title)
        fileName = try container.decode(String.self, forKey: .fileName)
        requiredSigners = try container.decode([SignerRequirement].self, forKey: .requiredSigners)
        acknowledgers = try container.decodeIfPresent([String].self, forKey: .acknowledgers) ?? []
    }
}

/// One signer inside a stored signature, as the vault's validation saw it when the signature was added.
public struct StoredSigner: Codable, Hashable, Sendable {
    public var identity: KazakhIdentity
    public var certificateSerial: String
    public var indication: Indication
    public var subIndication: SubIndication?
    public var signingMoment: Date?
}

/// A signature the vault keeps: one CMS blob holding one or more SignerInfos.
public struct StoredSignature: Codable, Hashable, Sendable {
    /// SHA-256 of the CMS bytes (hex): the blob's name.
    public var id: String
    public var documentID: String
    public var addedAt: Date
    public var signers: [StoredSigner]
}

/// A document as the index knows it, with its personal metadata opened.
public struct StoredDocument: Codable, Hashable, Sendable {
    /// SHA-256 of the document bytes (hex).
    public var id: String
    public var metadata: DocumentMetadata
    public var size: Int
    public var storedAt: Date
    public var status: DocumentStatus
    public var signatureCount: Int
}

/// What erasure leaves of a document: no personal data.
public struct Tombstone: Codable, Hashable, Sendable {
    public var documentID: String
    public var type: DocumentType
    public var storedAt: Date
    public var erasedAt: Date
    public var signatureCount: Int

    // Public so that an index in another module (EDSVaultPostgres) can return the tombstones it stored.
    public init(documentID: String, type: DocumentType, storedAt: Date, erasedAt: Date, signatureCount: Int) {
        self.documentID = documentID
        self.type = type
        self.storedAt = storedAt
        self.erasedAt = erasedAt
        self.signatureCount = signatureCount
    }
}

public enum VaultError: Error, CustomStringConvertible, Sendable, Equatable {
    case invalidInput(String)
    case notFound(String)
    case accessDenied(String)
    /// A signature the vault will not keep: the validation's indication and reason.
    case signatureRefused(indication: String, subIndication: String?, detail: String)
    case conflict(String)
    case corrupted(String)
    case wrongMasterKey(String)
    case io(String)

    public var description: String {
        switch self {
        case .invalidInput(let message), .notFound(let message), .accessDenied(let message), .conflict(let message),
            .corrupted(let message), .wrongMasterKey(let message), .io(let message):
            message
        case .signatureRefused(let indication, let subIndication, let detail):
            "signature refused: \(indication)\(subIndication.map { "/\($0)" } ?? ""): \(detail)"
        }
    }
}
