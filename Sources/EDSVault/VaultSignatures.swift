import EDSCrypto
import EDSVerification
import Foundation

/// A signature the vault accepted, with the validation that admitted it.
public struct AttachedSignature: Sendable {
    public var signature: StoredSignature
    public var document: StoredDocument
    public var report: ValidationReport
    /// Why the signature was kept as received, without the timestamp or revocation evidence the vault's policy asks
    /// for (the TSA or responder could not be reached); nil when it was kept complete. `vault extend --pending` retries.
    public var awaitingEvidence: String?
}

extension Vault {
    // MARK: - Adding signatures

    /// Keeps a signature made elsewhere (NCALayer, `edsvault sign`, another system) after validating it against the
    /// document and the vault's trust anchors and CRLs, offline. Anything short of TOTAL_PASSED is refused with the
    /// report's reason; nothing is stored then. Adding the same signature again is a no-op.
    @discardableResult
    public func attach(signature: Data, to documentID: String, as actor: Principal = .operator_) throws -> AttachedSignature {
        let (row, record) = try authorizedDocument(documentID, as: actor, action: "attach")
        let signedData: CMSSignedData
        do {
            signedData = try CMSSignedData(signature)
        } catch {
            throw VaultError.invalidInput("not a CMS signature: \(error)")
        }
        let key = try documentKey(of: row)
        let document = try openBlob(row.id, key: key)
        let now = VaultClock.now()
        let report: ValidationReport
        do {
            report = try validator(at: now).validate(signedData, document: .bytes(document))
        } catch {
            throw VaultError.invalidInput("the signature cannot be validated: \(error)")
        }
        let actorName = try auditName(for: actor)
        let signatureID = Digest.sha256(signedData.encoded).hexString
        guard report.indication == .totalPassed else {
            try index.append(audit: [
                AuditDraft(
                    at: now, actor: actorName, action: "attach", object: "\(row.id)/\(signatureID)", outcome: "refused",
                    detail: "\(report.indication.rawValue)/\(report.subIndication?.rawValue ?? "-")")
            ])
            throw VaultError.signatureRefused(
                indication: report.indication.rawValue, subIndication: report.subIndication?.rawValue,
                detail: Self.reason(of: report))
        }
        var signers = Self.storedSigners(of: report)
        let existing = try storedSignatures(of: row)
        if existing.contains(where: { $0.id == signatureID }) {
            return AttachedSignature(
                signature: existing.first { $0.id == signatureID }!, document: record, report: report)
        }
        // With a TSA recorded (`vault init --tsa`), the signature is kept extended to CAdES-LT; when that cannot be
        // done now it is kept as received and marked as awaiting evidence, never lost.
        var kept = signedData.encoded
        var awaiting: String?
        if let policy = try evidencePolicy() {
            if let same = keptSignature(matching: signedData, among: existing, key: key) {
                return AttachedSignature(signature: same, document: record, report: report)
            }
            let extension_ = extendedForKeeping(signedData, document: document, policy: policy, validAt: now)
            kept = extension_.bytes
            awaiting = extension_.awaiting
            if let extended = extension_.report { signers = Self.storedSigners(of: extended) }
        }
        let keptID = Digest.sha256(kept).hexString
        let allSigners = existing.flatMap(\.signers) + signers
        let status = Self.status(of: record.metadata, signers: allSigners)
        let stored = StoredSignature(id: keptID, documentID: row.id, addedAt: now, signers: signers)
        try storage.whileWriting {
            let staged = try storage.stage([(keptID, try sealBlob(kept, key: key, objectID: keptID))])
            let sealedSigners = try seal(JSONEncoder.vault.encode(signers), key: key, context: "signers:\(keptID)")
            let who = signers.map { $0.identity.roles.map(\.rawValue).joined(separator: "+") }.joined(separator: ", ")
            let form = awaiting != nil ? "; awaiting evidence" : keptID != signatureID ? "; extended to CAdES-LT" : ""
            do {
                // The marker goes first: a crash after the commit must not leave an awaiting signature unmarked (a
                // marker without its signature is ignored).
                if let awaiting { try markAwaiting(document: row.id, signature: keptID, reason: awaiting) }
                try index.commitSignature(
                    IndexedSignature(id: keptID, documentID: row.id, addedAt: now, sealedSigners: sealedSigners),
                    documentID: row.id, status: status.rawValue,
                    audit: [
                        AuditDraft(
                            at: now, actor: actorName, action: "attach", object: "\(row.id)/\(keptID)",
                            detail: "\(signers.count) signer(s) [\(who)]; status \(status.rawValue)\(form)")
                    ])
            } catch {
                storage.discard(staged)
                if awaiting != nil { clearAwaiting(document: row.id, signature: keptID) }
                throw error
            }
            try storage.publish(staged)
        }
        var updated = record
        updated.status = status
        updated.signatureCount = existing.count + 1
        return AttachedSignature(signature: stored, document: updated, report: report, awaitingEvidence: awaiting)
    }

    /// Signs the stored document with `key` inside the vault and keeps the signature (validated like any other).
    /// The signer acts as who the certificate names: the document's employee (IIN) or its employer (BIN).
    @discardableResult
    public func sign(
        _ documentID: String, with key: PKCS12Bundle, parameters: CMSSignerParameters = CMSSignerParameters(),
        unsignedAttributes: CMSSigner.UnsignedAttributeProvider? = nil
    ) throws -> AttachedSignature {
        // The IIN or BIN the certificate names is only a claim until the certificate is validated: before the vault
        // decrypts the document or writes an audit entry as that principal, a probe signed with the key must pass the
        // vault's own validation (its anchors and CRLs), exactly as the real signature will have to in `attach`.
        try validateSigningKey(key, parameters: parameters)
        let identity = KazakhIdentity(certificate: key.certificate)
        let row = try index.document(id: documentID.lowercased())
        let principal: Principal
        if let row, let bin = identity.bin, bin == row.employerBIN {
            principal = .employer(bin: bin)
        } else if let iin = identity.iin {
            principal = .individual(iin: iin)
        } else {
            throw VaultError.accessDenied("access refused: the key's certificate names neither an IIN nor a BIN")
        }
        let (stored, _) = try authorizedDocument(documentID, as: principal, action: "sign")
        let document = try openBlob(stored.id, key: try documentKey(of: stored))
        let signature: Data
        do {
            signature = try DocumentSigner.sign(
                .bytes(document), with: key, parameters: parameters, unsignedAttributes: unsignedAttributes)
        } catch let error as CryptoError {
            throw VaultError.invalidInput("cannot sign: \(error)")
        }
        return try attach(signature: signature, to: stored.id, as: principal)
    }

    /// Refuses a key whose certificate the vault does not accept (untrusted chain, wrong key usage, expired, revoked):
    /// a probe message is signed with it and validated now, with nothing read from the vault and nothing audited.
    func validateSigningKey(_ key: PKCS12Bundle, parameters: CMSSignerParameters) throws {
        let now = VaultClock.now()
        let probe = Data("edsvault vault sign: signer check \(now.timeIntervalSince1970)".utf8)
        let report: ValidationReport
        do {
            let signature = try DocumentSigner.sign(.bytes(probe), with: key, parameters: parameters)
            report = try validator(at: now).validate(signature: signature, document: .bytes(probe))
        } catch let error as CryptoError {
            throw VaultError.invalidInput("cannot sign: \(error)")
        }
        guard report.indication == .totalPassed else {
            throw VaultError.signatureRefused(
                indication: report.indication.rawValue, subIndication: report.subIndication?.rawValue,
                detail: "the key's certificate is not accepted by this vault: \(Self.reason(of: report))")
        }
    }

    /// Fully signed when every required signer has a valid signature (their IIN, or the employer's BIN and role,
    /// taken from the certificate); with no requirement, when it has at least one valid signature.
    static func status(of metadata: DocumentMetadata, signers: [StoredSigner]) -> DocumentStatus {
        let valid = signers.filter { $0.indication == .totalPassed }.map(\.identity)
        if metadata.requiredSigners.isEmpty { return valid.isEmpty ? .awaitingSignatures : .fullySigned }
        let met = metadata.requiredSigners.allSatisfy { requirement in
            valid.contains { requirement.isMet(by: $0, employerBIN: metadata.employerBIN) }
        }
        return met ? .fullySigned : .awaitingSignatures
    }

    /// Required signers still missing a valid signature.
    public func missingSigners(of document: StoredDocument, as principal: Principal) throws -> [SignerRequirement] {
        let valid = try signatures(of: document.id, as: principal).flatMap(\.signers)
            .filter { $0.indication == .totalPassed }.map(\.identity)
        return document.metadata.requiredSigners.filter { requirement in
            !valid.contains { requirement.isMet(by: $0, employerBIN: document.metadata.employerBIN) }
        }
    }

    func validator(at moment: Date) -> SignatureValidator {
        SignatureValidator(
            policy: ValidationPolicy(trustAnchors: trust.anchors, crls: trust.crls, validationTime: moment, offline: true))
    }

    /// The first reason a report gives for not holding: a failed check's detail, or an error.
    static func reason(of report: ValidationReport) -> String {
        for signature in report.signatures where signature.indication != .totalPassed {
            if let check = signature.checks.first(where: { !$0.passed }) { return "\(check.name): \(check.detail)" }
            if let error = signature.errors.first { return error }
        }
        return report.signatures.isEmpty ? "the CMS holds no signer" : "not every signer holds"
    }

    // MARK: - Proofs

    /// Validates every kept signature again, offline, as of the moment the vault received it (the vault's record is
    /// the proof that the signature existed then; a signature timestamp, when present, still fixes the signing moment).
    public func report(for documentID: String, as principal: Principal = .operator_) throws -> (document: StoredDocument, report: ValidationReport) {
        let (row, record) = try authorizedDocument(documentID, as: principal, action: "proof")
        return (record, try report(row: row))
    }

    func report(row: IndexedDocument) throws -> ValidationReport {
        let key = try documentKey(of: row)
        let document = try openBlob(row.id, key: key)
        var signatures: [SignatureReport] = []
        var summary: DocumentSummary?
        for stored in try index.signatures(documentID: row.id) {
            let cms = try openBlob(stored.id, key: key)
            // With an evidence record that holds for every signer, the signature is proven now, by the record's
            // archive timestamps (RFC 4998), not by the vault's own word about when it received it.
            if let proven = try evidenceProvenReport(signature: cms, signatureID: stored.id, document: document, documentID: row.id) {
                summary = summary ?? proven.document
                signatures += proven.signatures
                continue
            }
            var report = try validator(at: stored.addedAt).validate(signature: cms, document: .bytes(document))
            summary = summary ?? report.document
            let awaiting = try storage.isAwaiting(document: row.id, signature: stored.id)
            for position in report.signatures.indices {
                report.signatures[position].addWarning(.validatedAsOfReceipt(stored.addedAt))
                if awaiting { report.signatures[position].addWarning(.awaitingEvidence) }
            }
            signatures += report.signatures
        }
        return ValidationReport(
            validationTime: VaultClock.now(),
            document: summary, signatures: signatures)
    }

    /// An ASiC-S container (ETSI EN 319 162-1): `mimetype`, the document, and `META-INF/signature.p7s` holding every
    /// kept signature as one detached CMS, with the vault's CRLs in its `crls` field so the bundle alone (and the trust
    /// anchors) is enough to check revocation. `edsvault verify --bundle` checks it offline.
    public func proofBundle(for documentID: String, as principal: Principal = .operator_) throws -> Data {
        let (row, record) = try authorizedDocument(documentID, as: principal, action: "proof")
        let key = try documentKey(of: row)
        let document = try openBlob(row.id, key: key)
        let signatures = try index.signatures(documentID: row.id).map { try openBlob($0.id, key: key) }
        guard !signatures.isEmpty else { throw VaultError.notFound("document \(row.id) has no signature yet") }
        let combined: Data
        do { combined = try CMSCombiner.combineDetached(signatures, extraCRLs: trust.crls.map(\.derEncoded)) } catch {
            throw VaultError.corrupted("the kept signatures cannot be combined: \(error)")
        }
        let records = try evidenceRecords(documentID: row.id).map(\.derEncoded)
        let bundle = try ProofBundle.make(
            document: document, fileName: record.metadata.fileName, signature: combined, evidenceRecords: records)
        try index.append(audit: [
            AuditDraft(
                at: VaultClock.now(), actor: try auditName(for: principal), action: "export", object: row.id,
                detail: "ASiC-S, \(signatures.count) signature(s), \(records.count) evidence record(s)")
        ])
        return bundle
    }

}
