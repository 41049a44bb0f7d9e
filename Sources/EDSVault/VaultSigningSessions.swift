import EDSCrypto
import EDSVerification
import Foundation

/// Where a signing session stands (issue 22). `expired` is a waiting session past its expiry.
public enum SigningSessionState: String, Codable, Sendable, CaseIterable {
    case waiting, signed, refused, expired, cancelled
}

/// How the signature of a session arrived.
public enum SigningChannel: String, Codable, Sendable {
    /// eGov Mobile's QR signing (API №1 / API №2).
    case egovMobile = "egov-mobile"
    /// NCALayer, driven by the session page's script.
    case ncaLayer = "ncalayer"
}

/// A signing session as `signing-session list` and the status route show it (never a token).
public struct SigningSessionInfo: Hashable, Sendable, Codable {
    public var sessionID: String
    public var documentID: String
    /// The one signer the session accepts: a person (IIN) or a role of the document's employer (BIN + role).
    public var signer: SignerRequirement
    public var employerBIN: String
    public var createdAt: Date
    public var expiresAt: Date
    public var state: SigningSessionState
    public var signatureID: String?
    public var closedAt: Date?
    public var detail: String
}

/// What `createSigningSession` hands back: the token (shown once: the index keeps its hash) and the session.
public struct CreatedSigningSession: Sendable {
    public var token: String
    public var session: SigningSessionInfo
}

/// What a holder of a session token sees: the session and the document's record.
public struct SigningSessionView: Sendable {
    public var session: SigningSessionInfo
    public var document: StoredDocument

    public init(session: SigningSessionInfo, document: StoredDocument) {
        self.session = session
        self.document = document
    }
}

/// A one-time API №2 token handed to eGov Mobile by API №1.
public struct MobileSigningToken: Sendable {
    public var token: String
    public var expiresAt: Date
}

/// Why a signing-session request was not served. Each reason has its own HTTP status at the edge.
public struct SigningSessionError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: String, Sendable {
        /// No session has that token (also: malformed tokens).
        case unknownSession
        /// The session's expiry passed.
        case expired
        /// Signed, refused or cancelled: a session takes one signature, once.
        case closed
        /// The API №2 token is missing, wrong, already used or expired.
        case badToken
        /// The body is not what the protocol sends (not JSON, no CMS, too large).
        case invalidInput
        /// The CMS does not hold (tampered document, broken signature, untrusted or AUTH-only key) or names another
        /// signer than the session expects.
        case signatureRefused
    }

    public var reason: Reason
    public var message: String

    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { message }
}

extension Vault {
    /// A session lives one hour unless its creator says otherwise.
    public static let defaultSigningSessionLifetime: TimeInterval = 3_600
    /// At most seven days: a session token opens the document to whoever holds it.
    public static let maximumSigningSessionLifetime: TimeInterval = 7 * 86_400
    /// An API №2 token lives five minutes (and never past the session): the phone fetches and answers at once.
    public static let mobileTokenLifetime: TimeInterval = 300

    private func sessionIndex() throws -> any SigningSessionIndex {
        guard let sessions = index as? any SigningSessionIndex else {
            throw VaultError.invalidInput("this vault's index keeps no signing sessions")
        }
        return sessions
    }

    static func sessionTokenHash(_ token: String) -> String { Digest.sha256(Data(token.utf8)).hexString }

    /// 128 random bits, base64url without padding (22 characters).
    static func newSessionToken() throws -> String {
        do {
            return try SecureRandom.bytes(16).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        } catch { throw VaultError.io("the random generator failed") }
    }

    /// Tokens are 22 base64url characters; anything else is not looked up at all.
    static func isWellFormedSessionToken(_ token: String) -> Bool {
        token.utf8.count == 22 && token.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x5F }
    }

    // MARK: - Creating, listing, cancelling

    /// Opens a signing session on a stored document for one expected signer, until `expiresAt` (default: one hour).
    ///
    /// The employer (HR) or the operator may open one for anyone the document may need; an employee only for
    /// themselves, on their own document. `.employerRole(role)` expects someone of the document's employer (its BIN)
    /// holding that role (e.g. the first head). The token is returned once; the index keeps its hash. Audited.
    public func createSigningSession(
        for documentID: String, signer: SignerRequirement, expiresAt: Date? = nil, as principal: Principal = .operator_
    ) throws -> CreatedSigningSession {
        let sessions = try sessionIndex()
        let now = VaultClock.now()
        let expiry = VaultClock.date(milliseconds: VaultClock.milliseconds(expiresAt ?? now.addingTimeInterval(Self.defaultSigningSessionLifetime)))
        guard expiry > now else { throw VaultError.invalidInput("a signing session's expiry must be in the future") }
        guard expiry.timeIntervalSince(now) <= Self.maximumSigningSessionLifetime + 1 else {
            throw VaultError.invalidInput("a signing session may live at most \(Int(Self.maximumSigningSessionLifetime / 86_400)) days")
        }
        if case .individual(let iin) = principal, signer != .person(iin: iin) {
            try index.append(audit: [
                AuditDraft(at: now, actor: try refusalAuditName(for: principal), action: "signing-session", object: documentID.lowercased(), outcome: "refused")
            ])
            throw VaultError.accessDenied("access refused: an employee opens signing sessions only for themselves")
        }
        let (row, _) = try authorizedDocument(documentID, as: principal, action: "signing-session")
        let token = try Self.newSessionToken()
        let tokenHash = Self.sessionTokenHash(token)
        let sealed = try seal(Data(signer.description.utf8), key: try documentKey(of: row), context: "signing-session:\(tokenHash)")
        let session = IndexedSigningSession(
            tokenHash: tokenHash, documentID: row.id, createdAt: now, expiresAt: expiry, state: "waiting", sealedSigner: sealed)
        let expected: String
        switch signer {
        case .person: expected = "a person"
        case .employerRole(let role): expected = "the employer's \(role.rawValue)"
        }
        try sessions.insertSigningSession(
            session,
            audit: [
                AuditDraft(
                    at: now, actor: try auditName(for: principal), action: "signing-session", object: row.id,
                    detail: "session \(session.sessionID) for \(expected), expires \(ISO8601DateFormatter().string(from: expiry))")
            ])
        return CreatedSigningSession(token: token, session: try info(session, row: row, now: now))
    }

    /// The sessions of one document (as `principal` may read it), or of every document (the operator only).
    public func signingSessions(for documentID: String?, as principal: Principal = .operator_) throws -> [SigningSessionInfo] {
        let sessions = try sessionIndex()
        let now = VaultClock.now()
        let rows: [IndexedSigningSession]
        if let documentID {
            let (row, _) = try authorizedDocument(documentID, as: principal, action: "signing-sessions")
            rows = try sessions.signingSessions(documentID: row.id)
        } else {
            guard case .operator_ = principal else { throw VaultError.accessDenied("only the operator lists every signing session") }
            rows = try sessions.signingSessions(documentID: nil)
        }
        var documents: [String: IndexedDocument] = [:]
        return try rows.compactMap { session in
            guard let row = try documents[session.documentID] ?? index.document(id: session.documentID) else { return nil }
            documents[row.id] = row
            return try info(session, row: row, now: now)
        }
    }

    /// Cancels a waiting session, named by its token or its session id: from now on it takes no signature. Audited.
    @discardableResult
    public func cancelSigningSession(_ tokenOrSessionID: String, as principal: Principal = .operator_) throws -> SigningSessionInfo {
        let sessions = try sessionIndex()
        let name = tokenOrSessionID.trimmingCharacters(in: .whitespacesAndNewlines)
        var found = Self.isWellFormedSessionToken(name) ? try sessions.signingSession(tokenHash: Self.sessionTokenHash(name)) : nil
        if found == nil, (8...64).contains(name.count), name.allSatisfy(\.isHexDigit) {
            let matches = try sessions.signingSessions(documentID: nil).filter { $0.tokenHash.hasPrefix(name.lowercased()) }
            guard matches.count <= 1 else { throw VaultError.invalidInput("session id \(name) is ambiguous: give more digits") }
            found = matches.first
        }
        guard let session = found else { throw VaultError.notFound("no signing session \(name)") }
        let (row, _) = try authorizedDocument(session.documentID, as: principal, action: "cancel-signing-session")
        let now = VaultClock.now()
        let current = try info(session, row: row, now: now)
        guard current.state == .waiting else {
            throw VaultError.conflict("signing session \(session.sessionID) is \(current.state.rawValue): only a waiting session can be cancelled")
        }
        var updated = session
        updated.state = SigningSessionState.cancelled.rawValue
        updated.mobileTokenHash = nil
        updated.closedAt = now
        updated.detail = "cancelled"
        guard
            try sessions.updateSigningSession(
                updated, expected: session,
                audit: [
                    AuditDraft(
                        at: now, actor: try auditName(for: principal), action: "cancel-signing-session", object: row.id,
                        detail: "session \(session.sessionID)")
                ])
        else { throw VaultError.conflict("signing session \(session.sessionID) changed meanwhile: list it again") }
        return try info(updated, row: row, now: now)
    }

    // MARK: - Anonymous access by token

    /// The session and its document's record for a session token; `unknownSession` for a token no session has.
    /// Expired and closed sessions are shown (the page says so); only `unknownSession` is a 404.
    public func signingSessionView(forToken token: String) throws -> SigningSessionView {
        let (session, row) = try lookUpSession(token)
        return SigningSessionView(session: try info(session, row: row, now: VaultClock.now()), document: try open(row))
    }

    /// The document's bytes for the holder of a waiting session's token (the page shows them; NCALayer signs them).
    /// Audited (batched, as anonymous proof views are).
    public func signingSessionDocument(forToken token: String) throws -> (view: SigningSessionView, bytes: Data) {
        let (session, row) = try lookUpSession(token)
        let view = SigningSessionView(session: try info(session, row: row, now: VaultClock.now()), document: try open(row))
        guard view.session.state == .waiting else { throw Self.notWaiting(view.session) }
        let bytes = try openBlob(row.id, key: try documentKey(of: row))
        try anonymousProofs.recordView(
            AuditDraft(at: VaultClock.now(), actor: "signing-session", action: "read", object: row.id, detail: "session \(session.sessionID)"),
            index: index)
        return (view, bytes)
    }

    /// API №1: a fresh one-time API №2 token for a waiting session (it replaces any earlier one). Audited.
    public func issueMobileToken(forToken token: String) throws -> (view: SigningSessionView, token: MobileSigningToken) {
        let sessions = try sessionIndex()
        let (session, row) = try lookUpSession(token)
        let now = VaultClock.now()
        let current = try info(session, row: row, now: now)
        guard current.state == .waiting else { throw Self.notWaiting(current) }
        let mobile = try Self.newSessionToken()
        var updated = session
        updated.mobileTokenHash = Self.sessionTokenHash(mobile)
        updated.mobileTokenExpiresAt = min(session.expiresAt, VaultClock.date(milliseconds: VaultClock.milliseconds(now.addingTimeInterval(Self.mobileTokenLifetime))))
        guard
            try sessions.updateSigningSession(
                updated, expected: session,
                audit: [
                    AuditDraft(at: now, actor: "signing-session", action: "egov-api1", object: row.id, detail: "session \(session.sessionID): API №2 token issued")
                ])
        else { throw SigningSessionError(.closed, "the signing session changed meanwhile") }
        return (SigningSessionView(session: current, document: try open(row)), MobileSigningToken(token: mobile, expiresAt: updated.mobileTokenExpiresAt!))
    }

    /// API №2 (GET): the document for eGov Mobile, when `mobileToken` is the session's current API №2 token. Audited.
    public func mobileSigningDocument(forToken token: String, mobileToken: String?) throws -> (view: SigningSessionView, bytes: Data) {
        let (session, row) = try lookUpSession(token)
        let now = VaultClock.now()
        let current = try info(session, row: row, now: now)
        guard current.state == .waiting else { throw Self.notWaiting(current) }
        guard Self.mobileTokenHolds(mobileToken, for: session, at: now) else {
            try index.append(audit: [
                AuditDraft(at: now, actor: "signing-session", action: "egov-api2", object: row.id, outcome: "refused", detail: "session \(session.sessionID): bad API №2 token")
            ])
            throw SigningSessionError(.badToken, "the API №2 token is missing, wrong, used or expired")
        }
        let bytes = try openBlob(row.id, key: try documentKey(of: row))
        try index.append(audit: [
            AuditDraft(at: now, actor: "signing-session", action: "egov-api2", object: row.id, detail: "session \(session.sessionID): document sent")
        ])
        return (SigningSessionView(session: current, document: try open(row)), bytes)
    }

    static func mobileTokenHolds(_ mobileToken: String?, for session: IndexedSigningSession, at now: Date) -> Bool {
        guard let mobileToken, isWellFormedSessionToken(mobileToken), let stored = session.mobileTokenHash,
            let expiry = session.mobileTokenExpiresAt, now < expiry
        else { return false }
        // Both sides are SHA-256 hex of the token: comparing hashes leaks nothing about the token itself.
        return stored == sessionTokenHash(mobileToken)
    }

    /// Takes the session's one signature: from eGov Mobile (API №2's PUT, with its one-time token) or from the page
    /// (NCALayer). The session is claimed first (so a second post loses), the CMS is validated against the document, its
    /// every signer must be the expected one with a signing key, and it is kept through `attach` (extended to CAdES-LT
    /// when the vault has a TSA). The session ends `signed`, or `refused` with the reason; both are audited.
    @discardableResult
    public func completeSigningSession(
        forToken token: String, channel: SigningChannel, mobileToken: String? = nil, signature: Data
    ) throws -> (session: SigningSessionInfo, signature: AttachedSignature) {
        let sessions = try sessionIndex()
        let (session, row) = try lookUpSession(token)
        let now = VaultClock.now()
        let current = try info(session, row: row, now: now)
        func refuse(_ reason: SigningSessionError.Reason, _ message: String) throws -> Never {
            try index.append(audit: [
                AuditDraft(
                    at: VaultClock.now(), actor: "signing-session", action: "sign-session", object: row.id, outcome: "refused",
                    detail: "session \(session.sessionID) via \(channel.rawValue): \(message)")
            ])
            throw SigningSessionError(reason, message)
        }
        guard current.state == .waiting else {
            let error = Self.notWaiting(current)
            try refuse(error.reason, error.message)
        }
        if channel == .egovMobile, !Self.mobileTokenHolds(mobileToken, for: session, at: now) {
            try refuse(.badToken, "the API №2 token is missing, wrong, used or expired")
        }
        // Claim: from here on no other request can sign this session, and the API №2 token is spent.
        var claimed = session
        claimed.state = "signing"
        claimed.mobileTokenHash = nil
        guard try sessions.updateSigningSession(claimed, expected: session, audit: []) else {
            try refuse(.closed, "the signing session already took a signature")
        }
        func close(_ state: SigningSessionState, signatureID: String?, detail: String, audit: AuditDraft) throws {
            var closed = claimed
            closed.state = state.rawValue
            closed.signatureID = signatureID
            closed.closedAt = VaultClock.now()
            closed.detail = detail
            _ = try sessions.updateSigningSession(closed, expected: claimed, audit: [audit])
        }
        func refuseAndClose(_ reason: SigningSessionError.Reason, _ message: String) throws -> Never {
            try close(
                .refused, signatureID: nil, detail: message,
                audit: AuditDraft(
                    at: VaultClock.now(), actor: "signing-session", action: "sign-session", object: row.id, outcome: "refused",
                    detail: "session \(session.sessionID) via \(channel.rawValue): \(message)"))
            throw SigningSessionError(reason, message)
        }
        // Everything after the claim either closes the session (signed, or refused with its reason) or, when the vault
        // itself fails (I/O), hands the session back as waiting: a claimed session must never be left stuck.
        func checkAndKeep() throws -> (attached: AttachedSignature, actor: Principal) {
            let signedData: CMSSignedData
            do { signedData = try CMSSignedData(signature) } catch { try refuseAndClose(.signatureRefused, "not a CMS signature") }
            let key = try documentKey(of: row)
            let document = try openBlob(row.id, key: key)
            // The vault keeps detached signatures over the document's exact bytes (eGov Mobile's CMS_SIGN_ONLY, NCALayer
            // with attach = false); a CMS carrying content is refused rather than kept in a form no proof path expects.
            if let content = signedData.encapsulatedContent {
                try refuseAndClose(
                    .signatureRefused,
                    content == document ? "the CMS carries the document: sign it detached (CMS_SIGN_ONLY)" : "the signed content is not the session's document")
            }
            let report: ValidationReport
            do { report = try validator(at: now).validate(signedData, document: .bytes(document)) } catch {
                try refuseAndClose(.signatureRefused, "the signature cannot be validated")
            }
            guard report.indication == .totalPassed else {
                try refuseAndClose(
                    .signatureRefused,
                    "the signature does not hold (\(report.indication.rawValue)/\(report.subIndication?.rawValue ?? "-")): \(Self.reason(of: report))")
            }
            let signers = report.signatures.compactMap(\.signer)
            guard !signers.isEmpty, signers.count == report.signatures.count,
                signers.allSatisfy({ current.signer.isMet(by: $0, employerBIN: row.employerBIN) })
            else { try refuseAndClose(.signatureRefused, "the signer is not the one this session expects") }
            let actor: Principal
            switch current.signer {
            case .person(let iin):
                actor = try isOwner(.individual(iin: iin), of: row) ? .individual(iin: iin) : .employer(bin: row.employerBIN)
            case .employerRole: actor = .employer(bin: row.employerBIN)
            }
            let attached: AttachedSignature
            do {
                attached = try attach(signature: signature, to: row.id, as: actor)
            } catch let error as VaultError {
                switch error {
                case .io, .corrupted, .wrongMasterKey: throw error
                default: try refuseAndClose(.signatureRefused, "the vault did not keep the signature: \(error)")
                }
            }
            return (attached, actor)
        }
        let attached: AttachedSignature
        let actor: Principal
        do {
            (attached, actor) = try checkAndKeep()
        } catch let error as SigningSessionError {
            throw error
        } catch {
            var reopened = claimed
            reopened.state = "waiting"
            _ = try? sessions.updateSigningSession(
                reopened, expected: claimed,
                audit: [
                    AuditDraft(
                        at: VaultClock.now(), actor: "signing-session", action: "sign-session", object: row.id, outcome: "failed",
                        detail: "session \(session.sessionID) via \(channel.rawValue): the vault failed; the session waits again")
                ])
            throw error
        }
        try close(
            .signed, signatureID: attached.signature.id, detail: "signed via \(channel.rawValue)",
            audit: AuditDraft(
                at: VaultClock.now(), actor: try auditName(for: actor), action: "sign-session", object: "\(row.id)/\(attached.signature.id)",
                detail: "session \(session.sessionID) via \(channel.rawValue)"))
        var done = current
        done.state = .signed
        done.signatureID = attached.signature.id
        done.closedAt = VaultClock.now()
        done.detail = "signed via \(channel.rawValue)"
        return (done, attached)
    }

    // MARK: - Helpers

    private func lookUpSession(_ token: String) throws -> (IndexedSigningSession, IndexedDocument) {
        let sessions = try sessionIndex()
        guard Self.isWellFormedSessionToken(token), let session = try sessions.signingSession(tokenHash: Self.sessionTokenHash(token)),
            let row = try index.document(id: session.documentID)
        else { throw SigningSessionError(.unknownSession, "no such signing session") }
        return (session, row)
    }

    private static func notWaiting(_ session: SigningSessionInfo) -> SigningSessionError {
        session.state == .expired
            ? SigningSessionError(.expired, "the signing session expired")
            : SigningSessionError(.closed, "the signing session is \(session.state.rawValue): it takes one signature, once")
    }

    private func info(_ session: IndexedSigningSession, row: IndexedDocument, now: Date) throws -> SigningSessionInfo {
        let opened = try openSealed(session.sealedSigner, key: try documentKey(of: row), context: "signing-session:\(session.tokenHash)")
        let signer = try SignerRequirement(stored: String(decoding: opened, as: UTF8.self))
        let state: SigningSessionState =
            switch session.state {
            case "signed": .signed
            case "refused": .refused
            case "cancelled": .cancelled
            default: now >= session.expiresAt ? .expired : .waiting
            }
        return SigningSessionInfo(
            sessionID: session.sessionID, documentID: session.documentID, signer: signer, employerBIN: row.employerBIN,
            createdAt: session.createdAt, expiresAt: session.expiresAt, state: state, signatureID: session.signatureID,
            closedAt: session.closedAt, detail: session.detail)
    }
}
