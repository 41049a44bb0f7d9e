import EDSCrypto
import EDSVerification
import Foundation

/// What a document card of a vault document is made from (EDSCard draws it; the vault only hands the material over).
public struct VaultCardMaterial: Sendable {
    public var document: StoredDocument
    public var bytes: Data
    /// Each kept signature with the validator the vault judges it by, as `report(for:)` does: offline, the vault's
    /// trust anchors and CRLs, now and at the moment its RFC 4998 evidence record proves when the record holds for
    /// every signer (`vault timestamp`), else as of the moment the vault received it.
    public var signatures: [(cms: Data, validator: SignatureValidator)]
    /// The document's acquaintance sheet (issue 22); empty when it has none.
    public var acknowledgements: [Acknowledgement] = []
}

extension Vault {
    /// The document, its signatures and their validators, if `principal` may read the document. Audited as an export,
    /// as the ASiC-S proof bundle is: a card carries the document itself.
    public func cardMaterial(for documentID: String, as principal: Principal = .operator_) throws -> VaultCardMaterial {
        let (row, record) = try authorizedDocument(documentID, as: principal, action: "card")
        let material = try cardMaterial(row: row, record: record)
        try index.append(audit: [
            AuditDraft(
                at: VaultClock.now(), actor: try auditName(for: principal), action: "export", object: row.id,
                detail: "document card, \(material.signatures.count) signature(s)")
        ])
        return material
    }

    /// The same for a proof-page token of a link made `withDocument`; nil for an unknown, expired or revoked token and
    /// for a proof-only link (it never hands over the document). The view is audited in the anonymous batch.
    public func cardMaterial(forToken token: String) throws -> VaultCardMaterial? {
        guard let link = try activeLink(forToken: token), link.withDocument, let row = try index.document(id: link.documentID) else {
            return nil
        }
        let material = try cardMaterial(row: row, record: try open(row))
        try anonymousProofs.recordView(
            AuditDraft(at: VaultClock.now(), actor: "link", action: "export", object: row.id, detail: "document card"), index: index)
        return material
    }

    func cardMaterial(row: IndexedDocument, record: StoredDocument) throws -> VaultCardMaterial {
        let key = try documentKey(of: row)
        let bytes = try openBlob(row.id, key: key)
        let signatures = try index.signatures(documentID: row.id).map { stored in
            let cms = try openBlob(stored.id, key: key)
            let proven = evidenceProvenValidator(signature: cms, signatureID: stored.id, document: bytes, documentID: row.id)
            return (cms: cms, validator: proven?.validator ?? validator(at: stored.addedAt))
        }
        guard !signatures.isEmpty else { throw VaultError.notFound("document \(row.id) has no signature yet") }
        let sheet = record.metadata.acknowledgers.isEmpty
            ? [] : Acknowledgement.sheet(acknowledgers: record.metadata.acknowledgers, signatures: try storedSignatures(of: row))
        return VaultCardMaterial(document: record, bytes: bytes, signatures: signatures, acknowledgements: sheet)
    }
}
