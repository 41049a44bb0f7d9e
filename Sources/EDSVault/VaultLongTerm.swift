import EDSCrypto
import EDSVerification
import Foundation

/// The vault's timestamp authority and revocation policy (`vault init --tsa URL --revocation ocsp|crl|none`), kept in
/// `DIR/evidence-policy.json`: every signature the vault keeps is extended to CAdES-LT with them (issue 14).
public struct VaultEvidencePolicy: Codable, Sendable, Equatable {
    /// RFC 3161 time-stamping authority (plain HTTP, as OCSP/TSA/CRL transport here).
    public var tsa: String
    /// Revocation evidence to embed; nil: the timestamp only (CAdES-T).
    public var revocation: RevocationEvidence.Mode?

    public init(tsa: String, revocation: RevocationEvidence.Mode?) throws {
        guard let url = URL(string: tsa), url.scheme?.lowercased() == "http", url.host != nil else {
            throw VaultError.invalidInput("the TSA must be an http:// URL: \(tsa)")
        }
        self.tsa = tsa
        self.revocation = revocation
    }

    static let fileName = "evidence-policy.json"

    var request: EvidenceRequest { EvidenceRequest(tsa: tsa, mode: revocation) }
}

/// A signature kept as received because its evidence could not be had yet (`DIR/awaiting-evidence/<document>/<signature>`).
public struct AwaitingEvidence: Sendable, Codable, Equatable {
    public var documentID: String
    public var signatureID: String

    public init(documentID: String, signatureID: String) {
        self.documentID = documentID
        self.signatureID = signatureID
    }
}

/// What `vault extend --pending` did with one awaiting signature.
public struct PendingExtension: Sendable {
    public var documentID: String
    /// The id the signature was kept under while it awaited evidence.
    public var previousID: String
    /// The extended signature's id; nil when it still awaits evidence (`reason` says why).
    public var extendedID: String?
    public var reason: String?
}

extension Vault {
    // MARK: - Policy

    /// The vault's evidence policy, or nil when it has none (signatures are kept as received).
    public func evidencePolicy() throws -> VaultEvidencePolicy? {
        guard let data = try storage.evidencePolicy() else { return nil }
        do { return try JSONDecoder().decode(VaultEvidencePolicy.self, from: data) } catch {
            throw VaultError.corrupted("\(VaultEvidencePolicy.fileName) is damaged: \(error)")
        }
    }

    /// Records the policy (written to `tmp/`, fsynced, renamed: never half-written) and audits it.
    public func setEvidencePolicy(_ policy: VaultEvidencePolicy) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json = try encoder.encode(policy)
        try storage.writeEvidencePolicy(json)
        // The policy is part of the sealed trust manifest: re-sealed with its audit entry in one transaction.
        try resealEvidencePolicy(
            json,
            audit: [
                AuditDraft(
                    at: VaultClock.now(), actor: "operator", action: "policy", object: "",
                    detail: "TSA \(policy.tsa), revocation \(policy.revocation?.rawValue ?? "none")")
            ])
    }

    // MARK: - Awaiting evidence

    func markAwaiting(document documentID: String, signature signatureID: String, reason: String) throws {
        try storage.markAwaiting(document: documentID, signature: signatureID, reason: reason)
    }

    func clearAwaiting(document documentID: String, signature signatureID: String) {
        storage.clearAwaiting(document: documentID, signature: signatureID)
    }

    /// Kept signatures whose timestamp or revocation evidence is still missing. Markers of signatures the index no
    /// longer holds (erased, or a commit that failed after the marker was written) are not listed.
    public func signaturesAwaitingEvidence() throws -> [AwaitingEvidence] {
        let markers = try storage.awaitingMarkers().filter { Self.isObjectID($0.documentID) && Self.isObjectID($0.signatureID) }
        var awaiting: [AwaitingEvidence] = []
        for (documentID, marked) in Dictionary(grouping: markers, by: \.documentID).sorted(by: { $0.key < $1.key }) {
            let kept = Set(try index.signatures(documentID: documentID).map(\.id))
            for marker in marked.sorted(by: { $0.signatureID < $1.signatureID }) where kept.contains(marker.signatureID) {
                awaiting.append(AwaitingEvidence(documentID: documentID, signatureID: marker.signatureID))
            }
        }
        return awaiting
    }

    static func isObjectID(_ name: String) -> Bool {
        name.utf8.count == 64 && name.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    // MARK: - Extension

    /// The bytes to keep for a signature that validated: extended to CAdES-LT under the vault's policy and validated
    /// again, or as received (with the reason) when the TSA or responder cannot be reached or the result does not hold.
    /// A signature that already has everything is kept as received, without a reason.
    func extendedForKeeping(
        _ signedData: CMSSignedData, document: Data, policy: VaultEvidencePolicy, validAt moment: Date
    ) -> (bytes: Data, report: ValidationReport?, awaiting: String?) {
        do {
            let plans = try SignatureExtension.plan(signedData, request: policy.request, extra: trust.anchors)
            if plans.allSatisfy(\.isComplete) { return (signedData.encoded, nil, nil) }
            let extended = try SignatureExtension.apply(plans, to: signedData.encoded)
            let report = try validator(at: moment).validate(signature: extended, document: .bytes(document))
            guard report.indication == .totalPassed else {
                return (signedData.encoded, nil, "the extended signature does not hold: \(Self.reason(of: report))")
            }
            return (extended, report, nil)
        } catch {
            return (signedData.encoded, nil, "\(error)")
        }
    }

    /// Retries every signature awaiting evidence: each one extended is replaced by its extended form in one index
    /// transaction (audited: `extend` of the old id, `attach` of the new), its old blob deleted, its marker removed.
    /// One that still cannot be extended stays as it is.
    public func extendPendingSignatures() throws -> [PendingExtension] {
        guard let policy = try evidencePolicy() else {
            throw VaultError.invalidInput("the vault has no timestamp authority: `vault init … --tsa URL` records one")
        }
        var outcomes: [PendingExtension] = []
        for awaiting in try signaturesAwaitingEvidence() {
            outcomes.append(try extendPending(awaiting, policy: policy))
        }
        if outcomes.contains(where: { $0.extendedID != nil }) { try recoverInterruptedWrites(waiting: true) }
        return outcomes
    }

    func extendPending(_ awaiting: AwaitingEvidence, policy: VaultEvidencePolicy) throws -> PendingExtension {
        var outcome = PendingExtension(documentID: awaiting.documentID, previousID: awaiting.signatureID)
        guard let row = try index.document(id: awaiting.documentID),
            let stored = try index.signatures(documentID: row.id).first(where: { $0.id == awaiting.signatureID })
        else {
            clearAwaiting(document: awaiting.documentID, signature: awaiting.signatureID)
            outcome.reason = "no longer in the vault"
            return outcome
        }
        let key = try documentKey(of: row)
        let document = try openBlob(row.id, key: key)
        let signedData: CMSSignedData
        do { signedData = try CMSSignedData(try openBlob(stored.id, key: key)) } catch {
            throw VaultError.corrupted("signature \(stored.id) cannot be read: \(error)")
        }
        // As of now, when the new timestamp is made: a timestamp after the certificate expired would prove nothing, so
        // such a signature stays as it is (the vault's record and `vault timestamp` remain its proof of existence).
        let (bytes, report, reason) = extendedForKeeping(signedData, document: document, policy: policy, validAt: VaultClock.now())
        if let reason {
            try? markAwaiting(document: row.id, signature: stored.id, reason: reason)
            outcome.reason = reason
            return outcome
        }
        let newID = Digest.sha256(bytes).hexString
        let signers = (report.map(Self.storedSigners(of:))) ?? []
        let now = VaultClock.now()
        try storage.whileWriting {
            let staged = try storage.stage([(newID, try sealBlob(bytes, key: key, objectID: newID))])
            do {
                let sealedSigners = try seal(JSONEncoder.vault.encode(signers), key: key, context: "signers:\(newID)")
                try index.replaceSignature(
                    stored.id, with: IndexedSignature(id: newID, documentID: row.id, addedAt: stored.addedAt, sealedSigners: sealedSigners),
                    audit: [
                        AuditDraft(
                            at: now, actor: "operator", action: "extend", object: "\(row.id)/\(stored.id)",
                            detail: "replaced by its CAdES-LT form \(newID)"),
                        AuditDraft(
                            at: now, actor: "operator", action: "attach", object: "\(row.id)/\(newID)",
                            detail: "\(signers.count) signer(s); extended from \(stored.id)"),
                    ])
            } catch {
                storage.discard(staged)
                throw error
            }
            try storage.publish(staged)
        }
        clearAwaiting(document: row.id, signature: stored.id)
        // An evidence record over the old bytes proves nothing about the new ones; `vault timestamp` covers them next.
        storage.removeEvidenceRecord(document: row.id, signature: stored.id)
        outcome.extendedID = newID
        return outcome
    }

    static func storedSigners(of report: ValidationReport) -> [StoredSigner] {
        report.signatures.compactMap { signature -> StoredSigner? in
            guard let identity = signature.signer else { return nil }
            return StoredSigner(
                identity: identity,
                certificateSerial: signature.certificate?.serialNumber ?? "",
                indication: signature.indication, subIndication: signature.subIndication,
                signingMoment: signature.timestamp?.genTime)
        }
    }

    /// Whether a kept signature of the document already holds every signature value of `signedData` (the same
    /// signature attached again, kept in its extended form).
    func keptSignature(matching signedData: CMSSignedData, among existing: [StoredSignature], key: Data) -> StoredSignature? {
        let values = Set(signedData.signers.map(\.signatureValue))
        guard !values.isEmpty else { return nil }
        return existing.first { stored in
            guard let bytes = try? openBlob(stored.id, key: key), let kept = try? CMSSignedData(bytes) else { return false }
            return values.isSubset(of: Set(kept.signers.map(\.signatureValue)))
        }
    }
}
