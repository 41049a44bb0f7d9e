import EDSVerification
import Foundation

/// What a caller of the vault API asks to do; each has its rule in `Vault.principal(for:operation:…)`.
public enum VaultAPIOperation: String, CaseIterable, Sendable {
    case put, list, metadata, content, signatures, attach, proof, card, link
    /// Opening a signing session (issue 22): HR (its keys, or a person with the HR role) or the signer themselves.
    case signingSession = "signing-session"
    case revokeLink = "revoke-link"
    case erase, audit
    /// A session's own business (who am I, sign out): no document, no rule beyond holding the credential.
    case session
}

/// A request a rule refuses (403): the rule's name and a one-line reason naming no person.
public struct AccessRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable name for the rule that refused, e.g. `auditor-reads-no-document-bytes`.
    public var rule: String
    public var message: String
    public var description: String { message }
}

extension Vault {
    /// Which vault principal an authenticated caller acts as for `operation`, or an `AccessRefusal` (audited).
    ///
    /// The rules (Docs/vault-api.md, "Access rules"):
    /// - an API key acts for its one employer (`bin:`): `hr` and `operator` keys put, list, read, attach, prove and link;
    ///   `auditor` keys read metadata, signatures, proofs and audit extracts but not a document's bytes (nor its
    ///   card, which embeds them) unless the key was granted them; only `operator` keys erase; `hr` and `operator` keys take audit extracts too;
    /// - a person acts as themselves (`iin:`) on documents naming their IIN: reads and signs their own documents;
    /// - a person whose AUTH certificate carries the employer's BIN and the HR role (.2.4) puts and lists that
    ///   employer's documents; the first head (.2.1) and a right-to-sign holder (.2.2) of that BIN read, list and sign
    ///   them (whether their signature meets a `first-head` requirement is the signature's certificate's business);
    /// - erasure and audit extracts are for keys, never for sessions.
    /// The vault's own rule then applies to the principal (an employer reads only its documents, an employee only theirs).
    public func principal(
        for caller: AuthenticatedPrincipal, operation: VaultAPIOperation, documentID: String? = nil, employerBIN: String? = nil
    ) throws -> Principal {
        switch caller.credential {
        case .apiKey(_, let role, let bin):
            if let rule = Self.refusingRule(role: role, operation: operation, readsDocuments: caller.readsDocuments) {
                throw try refuse(caller, operation, documentID, rule: rule.name, rule.message)
            }
            return .employer(bin: bin)
        case .session(_, let person):
            let employerRoles: Set<SignerRole> = [.hr, .firstHead, .rightToSign]
            let actsForEmployer = person.bin != nil && !employerRoles.isDisjoint(with: person.roles)
            switch operation {
            case .erase, .audit:
                throw try refuse(
                    caller, operation, documentID, rule: "\(operation.rawValue)-needs-a-service-key",
                    "access refused: \(operation == .erase ? "erasure" : "an audit extract") is made with an operator or auditor API key, not a personal session")
            case .put:
                if let bin = person.bin, person.roles.contains(.hr), bin == employerBIN { return .employer(bin: bin) }
                return .individual(iin: person.iin)
            case .list:
                if actsForEmployer, let bin = person.bin, employerBIN == nil || employerBIN == bin { return .employer(bin: bin) }
                return .individual(iin: person.iin)
            case .signingSession:
                // An HR officer of the document's employer opens sessions for anyone; anybody else only for themselves
                // on their own document (`createSigningSession` holds an individual to that).
                if let bin = person.bin, person.roles.contains(.hr), let documentID,
                    let row = try index.document(id: documentID.lowercased()), row.employerBIN == bin
                {
                    return .employer(bin: bin)
                }
                return .individual(iin: person.iin)
            default:
                guard let documentID, let row = try index.document(id: documentID.lowercased()) else { return .individual(iin: person.iin) }
                if try isOwner(.individual(iin: person.iin), of: row) { return .individual(iin: person.iin) }
                if actsForEmployer, let bin = person.bin, bin == row.employerBIN { return .employer(bin: bin) }
                // Not theirs: the vault's rule refuses and audits it, the same answer as for a document that is absent.
                return .individual(iin: person.iin)
            }
        }
    }

    /// The rule that refuses `operation` to a key of `role`, nil when the role allows it.
    static func refusingRule(role: APIKeyRole, operation: VaultAPIOperation, readsDocuments: Bool) -> (name: String, message: String)? {
        switch (role, operation) {
        case (.auditor, .content), (.auditor, .card):
            return readsDocuments
                ? nil : ("auditor-reads-no-document-bytes", "access refused: an auditor key reads metadata and proofs, not the document's bytes")
        case (.auditor, .put), (.auditor, .attach), (.auditor, .link), (.auditor, .revokeLink), (.auditor, .erase),
            (.auditor, .signingSession):
            return ("auditor-changes-nothing", "access refused: an auditor key reads; it does not \(operation.rawValue)")
        case (.hr, .erase):
            return ("erasure-needs-an-operator-key", "access refused: erasure is made with an operator key")
        default:
            return nil
        }
    }

    private func refuse(
        _ caller: AuthenticatedPrincipal, _ operation: VaultAPIOperation, _ documentID: String?, rule: String, _ message: String
    ) throws -> AccessRefusal {
        try index.append(audit: [
            AuditDraft(
                at: VaultClock.now(), actor: caller.credentialName, action: operation.rawValue, object: documentID?.lowercased() ?? "",
                outcome: "refused", detail: "rule \(rule)")
        ])
        return AccessRefusal(rule: rule, message: message)
    }

    /// One audit entry per API request, naming the credential (key id or session id), never a person. Written with the
    /// next flushed commit, as listings are: it records use, it does not change the vault.
    public func auditAPIUse(
        _ caller: AuthenticatedPrincipal, operation: VaultAPIOperation, object: String = "", outcome: String, detail: String = ""
    ) throws {
        try index.append(
            audit: [
                AuditDraft(
                    at: VaultClock.now(), actor: caller.credentialName, action: "api-\(operation.rawValue)", object: object, outcome: outcome,
                    detail: detail)
            ], flushed: false)
    }

    // MARK: - Audit extracts and erasure for one employer

    /// The audit entries about one document (its puts, reads, signatures, links, refusals), if `principal` may see it.
    public func auditExtract(documentID: String, as principal: Principal) throws -> [AuditEntry] {
        let (row, _) = try authorizedDocument(documentID, as: principal, action: "audit")
        return try index.auditEntries().filter { $0.draft.object == row.id || $0.draft.object.hasPrefix(row.id + "/") }
    }

    /// The audit entries about one subject (as actor or named by pseudonym), for an employer the subject has documents
    /// with, or the operator. The subject appears by pseudonym only.
    public func auditExtract(ownerIIN: String, as principal: Principal) throws -> [AuditEntry] {
        let iin = try IdentificationNumber.validated(ownerIIN, kind: "IIN")
        let lookup = try keys.lookupValue(for: "iin:\(iin)")
        try requireEmployerOfSubject(lookup: lookup, principal: principal, action: "audit", everyDocument: false)
        guard let pseudonym = try index.subject(lookup: lookup)?.pseudonym else { return [] }
        return try index.auditEntries().filter { $0.draft.actor == pseudonym || $0.draft.detail.contains(pseudonym) }
    }

    /// Erasure (Law 94-V) asked by an employer: allowed only when every document the subject owns is that employer's
    /// (another employer's documents are not its to destroy). The reason is kept in the audit log.
    public func erase(ownerIIN: String, reason: String, as principal: Principal) throws -> ErasureReport {
        let iin = try IdentificationNumber.validated(ownerIIN, kind: "IIN")
        let why = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !why.isEmpty, why.count <= 500, !why.contains(where: \.isNewline) else {
            throw VaultError.invalidInput("an erasure needs its reason: one line of at most 500 characters")
        }
        let lookup = try keys.lookupValue(for: "iin:\(iin)")
        try requireEmployerOfSubject(lookup: lookup, principal: principal, action: "erase", everyDocument: true)
        let report = try erase(ownerIIN: iin, as: principal)
        try index.append(audit: [
            AuditDraft(
                at: VaultClock.now(), actor: try auditName(for: principal), action: "erase-reason", object: "",
                detail: "\(report.documents) document(s): \(why)")
        ])
        return report
    }

    /// An employer acts on a subject only when the subject has documents with it (all of them, for `everyDocument`).
    /// Otherwise the refusal is audited and answers as for an unknown subject.
    private func requireEmployerOfSubject(lookup: String, principal: Principal, action: String, everyDocument: Bool) throws {
        guard case .employer(let bin) = principal else {
            if case .operator_ = principal { return }
            throw VaultError.accessDenied("access refused: only an employer or the operator may \(action) a subject")
        }
        let documents = try index.documents(ownerLookup: lookup, employerBIN: nil, limit: 100_000)
        let ours = documents.filter { $0.employerBIN == bin }
        let allowed = !ours.isEmpty && (!everyDocument || ours.count == documents.count)
        guard allowed else {
            try index.append(audit: [
                AuditDraft(at: VaultClock.now(), actor: try refusalAuditName(for: principal), action: action, object: "", outcome: "refused")
            ])
            throw VaultError.accessDenied(
                everyDocument && !ours.isEmpty
                    ? "access refused: the subject also has documents of another employer; the vault's operator erases them"
                    : "access refused: no subject with documents of this employer")
        }
    }
}
