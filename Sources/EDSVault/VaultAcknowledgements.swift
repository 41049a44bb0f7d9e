import EDSVerification
import Foundation

/// One line of a document's acquaintance sheet ("лист ознакомления", issue 22).
public struct Acknowledgement: Hashable, Sendable, Codable {
    public var iin: String
    /// When the vault received this person's valid signature; nil while they have not acknowledged.
    public var acknowledgedAt: Date?
    public var signatureID: String?

    public init(iin: String, acknowledgedAt: Date?, signatureID: String?) {
        self.iin = iin
        self.acknowledgedAt = acknowledgedAt
        self.signatureID = signatureID
    }

    /// Who has and who has not: each acknowledger with the first kept signature that carries their IIN and held.
    public static func sheet(acknowledgers: [String], signatures: [StoredSignature]) -> [Acknowledgement] {
        acknowledgers.map { iin in
            let first = signatures.sorted { $0.addedAt < $1.addedAt }.first { signature in
                signature.signers.contains { $0.identity.iin == iin && $0.indication == .totalPassed }
            }
            return Acknowledgement(iin: iin, acknowledgedAt: first?.addedAt, signatureID: first?.id)
        }
    }
}

extension Vault {
    /// The document's acquaintance sheet, as `principal` may see it: the employer and the operator every line, an
    /// employee their own line only. Each line is acknowledged once the vault keeps a valid signature carrying that IIN
    /// (made through a signing session for that person, or attached otherwise).
    public func acknowledgementSheet(of documentID: String, as principal: Principal = .operator_) throws -> [Acknowledgement] {
        let (row, record) = try authorizedDocument(documentID, as: principal, action: "acknowledgements")
        return Acknowledgement.sheet(acknowledgers: record.metadata.acknowledgers, signatures: try storedSignatures(of: row))
    }
}
