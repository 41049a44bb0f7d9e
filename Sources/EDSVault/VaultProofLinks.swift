import EDSCrypto
import EDSVerification
import Foundation

/// A proof link as `vault link --list` shows it (never the token: only its hash is kept).
public struct ProofLinkInfo: Hashable, Sendable, Codable {
    /// The first 16 hex digits of the token's SHA-256: names the link for `--list` and `--revoke`.
    public var linkID: String
    public var documentID: String
    public var createdAt: Date
    public var expiresAt: Date?
    /// `proof` (signers, times, verdict, the document's hash) or `document` (the card, which embeds the document).
    public var scope: String
    public var revokedAt: Date?
    /// `active`, `expired` or `revoked`, as of the listing.
    public var state: String

    init(_ link: IndexedLink, now: Date) {
        linkID = link.linkID
        documentID = link.documentID
        createdAt = link.createdAt
        expiresAt = link.expiresAt
        scope = link.withDocument ? "document" : "proof"
        revokedAt = link.revokedAt
        state = link.revokedAt != nil ? "revoked" : (link.isActive(at: now) ? "active" : "expired")
    }
}

/// What an anonymous visitor of a proof link sees: the document's record, the fresh report, and the link itself.
public struct ProofLinkView: Sendable {
    public var document: StoredDocument
    public var report: ValidationReport
    /// The link's scope and life: whether it carries the document, when it expires.
    public var link: IndexedLink
    /// The document's acquaintance sheet (issue 22); empty when it has none.
    public var acknowledgements: [Acknowledgement] = []
}

/// Too many anonymous renders (proof pages or cards not in the cache) in a short time: try again after `retryAfter`.
public struct ProofRenderLimited: Error, Sendable {
    public var retryAfterSeconds: Int
}

extension Vault {
    /// A link lives 90 days unless `vault link --expires` says otherwise.
    public static let defaultLinkLifetime: TimeInterval = 90 * 86_400
    /// The longest life a link may be given: ten years (a proof link is a bearer token; renew it rather than keep it).
    public static let maximumLinkLifetime: TimeInterval = 3_650 * 86_400

    /// Creates an unguessable link token (128 random bits) for the document's proof page. Only the token's SHA-256 is
    /// stored, so the index alone opens nothing; the token is printed once.
    ///
    /// The link proves — who signed, when, the verdict, the document's hash — and never hands over the document's
    /// bytes, unless `withDocument` (`vault link --with-document`): then its document card (PDF) embeds the document,
    /// and the proof page says so. It opens nothing after `expiresAt` (default: 90 days from now) or once revoked.
    public func createProofLink(
        for documentID: String, as principal: Principal = .operator_, withDocument: Bool = false, expiresAt: Date? = nil
    ) throws -> String {
        let now = VaultClock.now()
        let expiry = VaultClock.date(milliseconds: VaultClock.milliseconds(expiresAt ?? now.addingTimeInterval(Self.defaultLinkLifetime)))
        guard expiry > now else { throw VaultError.invalidInput("a link's expiry must be in the future") }
        guard expiry.timeIntervalSince(now) <= Self.maximumLinkLifetime + 1 else {
            throw VaultError.invalidInput("a link may live at most \(Int(Self.maximumLinkLifetime / 86_400)) days")
        }
        let (row, _) = try authorizedDocument(documentID, as: principal, action: "link")
        let token: String
        do {
            token = try SecureRandom.bytes(16).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        } catch { throw VaultError.io("the random generator failed") }
        let link = IndexedLink(tokenHash: Self.linkHash(token), documentID: row.id, createdAt: now, expiresAt: expiry, withDocument: withDocument)
        try index.insertLink(
            link,
            audit: [
                AuditDraft(
                    at: now, actor: try auditName(for: principal), action: "link", object: row.id,
                    detail: "\(withDocument ? "with document" : "proof only"), link \(link.linkID), expires \(ISO8601DateFormatter().string(from: expiry))")
            ])
        return token
    }

    /// The links of one document (as `principal` may read it), or of every document (the operator only).
    public func proofLinks(for documentID: String?, as principal: Principal = .operator_) throws -> [ProofLinkInfo] {
        let now = VaultClock.now()
        guard let documentID else {
            guard case .operator_ = principal else { throw VaultError.accessDenied("only the operator lists every link") }
            return try index.links(documentID: nil).map { ProofLinkInfo($0, now: now) }
        }
        let (row, _) = try authorizedDocument(documentID, as: principal, action: "links")
        return try index.links(documentID: row.id).map { ProofLinkInfo($0, now: now) }
    }

    /// Revokes a link, named by its token or its link id (`vault link --list`): from now on it opens nothing. Audited.
    /// Returns the revoked link; `notFound` when no link has that token or id (or the id is ambiguous).
    @discardableResult
    public func revokeProofLink(_ tokenOrLinkID: String, as principal: Principal = .operator_) throws -> ProofLinkInfo {
        let name = tokenOrLinkID.trimmingCharacters(in: .whitespacesAndNewlines)
        var found = name.count <= 64 ? try index.link(tokenHash: Self.linkHash(name)) : nil
        if found == nil, (8...64).contains(name.count), name.allSatisfy(\.isHexDigit) {
            let matches = try index.links(documentID: nil).filter { $0.tokenHash.hasPrefix(name.lowercased()) }
            guard matches.count <= 1 else { throw VaultError.invalidInput("link id \(name) is ambiguous: give more digits") }
            found = matches.first
        }
        guard let link = found else { throw VaultError.notFound("no proof link \(name)") }
        // Revoking is the document's business: whoever may read it (its employee, its employer, the operator).
        let (row, _) = try authorizedDocument(link.documentID, as: principal, action: "revoke-link")
        let now = VaultClock.now()
        guard
            try index.revokeLink(
                tokenHash: link.tokenHash, revokedAt: now,
                audit: [AuditDraft(at: now, actor: try auditName(for: principal), action: "revoke-link", object: row.id, detail: "link \(link.linkID)")])
        else { throw VaultError.notFound("no proof link \(name)") }
        anonymousProofs.forget(documentID: row.id)
        var revoked = link
        revoked.revokedAt = link.revokedAt ?? now
        return ProofLinkInfo(revoked, now: now)
    }

    /// The active link behind `token`: nil when unknown, expired or revoked (all three answer 404 alike).
    func activeLink(forToken token: String) throws -> IndexedLink? {
        guard token.count <= 64, let link = try index.link(tokenHash: Self.linkHash(token)), link.isActive(at: Date()) else { return nil }
        return link
    }

    /// The document, its report and the link for a proof-page token; nil for an unknown, expired or revoked token.
    ///
    /// Anonymous: the report is cached per (document, signatures) for a minute, renders not in the cache are
    /// rate-limited (`ProofRenderLimited`), and the view is audited in batches (`flushAnonymousViews()`).
    public func proofView(forToken token: String) throws -> ProofLinkView? {
        guard let link = try activeLink(forToken: token), let row = try index.document(id: link.documentID) else { return nil }
        let key = try anonymousProofs.key(for: row, index: index, variant: "report")
        let report: ValidationReport
        if case .report(let cached)? = anonymousProofs.cached(key) {
            report = cached
        } else {
            try anonymousProofs.admitRender()
            report = try self.report(row: row)
            anonymousProofs.store(.report(report), for: key)
        }
        let record = try open(row)
        try anonymousProofs.recordView(AuditDraft(at: VaultClock.now(), actor: "link", action: "proof", object: row.id), index: index)
        let sheet = record.metadata.acknowledgers.isEmpty
            ? [] : Acknowledgement.sheet(acknowledgers: record.metadata.acknowledgers, signatures: try storedSignatures(of: row))
        return ProofLinkView(document: record, report: report, link: link, acknowledgements: sheet)
    }

    /// The document and its fresh report for a proof-page token, or nil for an unknown, expired or revoked token.
    public func proof(forToken token: String) throws -> (document: StoredDocument, report: ValidationReport)? {
        try proofView(forToken: token).map { ($0.document, $0.report) }
    }

    /// The document card (PDF) of a link made `withDocument`, drawn by `render` from the vault's material, cached per
    /// (document, signatures, `variant`) and rate-limited as `proofView(forToken:)`. Nil for an unknown, expired or
    /// revoked token, and for a proof-only link: a card embeds the document, which such a link never hands over.
    public func anonymousCard(
        forToken token: String, variant: String, render: (VaultCardMaterial) throws -> Data
    ) throws -> Data? {
        guard let link = try activeLink(forToken: token), link.withDocument, let row = try index.document(id: link.documentID) else {
            return nil
        }
        let key = try anonymousProofs.key(for: row, index: index, variant: "card|" + variant)
        let card: Data
        if case .card(let cached)? = anonymousProofs.cached(key) {
            card = cached
        } else {
            try anonymousProofs.admitRender()
            card = try render(try cardMaterial(row: row, record: try open(row)))
            anonymousProofs.store(.card(card), for: key)
        }
        try anonymousProofs.recordView(
            AuditDraft(at: VaultClock.now(), actor: "link", action: "export", object: row.id, detail: "document card"), index: index)
        return card
    }

    /// Writes the anonymous views recorded since the last write (one transaction). `serve` calls it every few
    /// seconds and when it stops; views are also written once a batch is `AnonymousProofs.batchAge` old or full.
    public func flushAnonymousViews() throws {
        try anonymousProofs.flush(index: index)
    }

    /// Sets the bound on anonymous renders not served from the cache (`serve --proof-renders-per-minute`).
    public func limitAnonymousRenders(perMinute: Int) {
        anonymousProofs.setRenderLimit(perMinute: perMinute)
    }

    static func linkHash(_ token: String) -> String { Digest.sha256(Data(token.utf8)).hexString }
}

/// The anonymous side of proof links: a cache of reports and cards per (document, signatures), a token bucket for
/// renders that miss it, and the batch of view audit entries not yet written.
final class AnonymousProofs: @unchecked Sendable {
    enum Rendered {
        case report(ValidationReport)
        case card(Data)

        var cost: Int {
            switch self {
            case .report: 64 << 10
            case .card(let data): data.count
            }
        }
    }

    /// How long a cached report or card is served (its validation time is at most this old).
    static let lifetime: TimeInterval = 60
    /// Bytes of cached reports and cards at most; a card larger than a quarter of it is never cached.
    static let capacity = 64 << 20
    /// A batch of view entries is written once its oldest entry is this old, or when it holds `batchSize` views.
    static let batchAge: TimeInterval = 5
    static let batchSize = 1_000

    private let lock = NSLock()
    private var entries: [String: (value: Rendered, at: Date)] = [:]
    private var cachedBytes = 0
    private var rendersPerMinute = 120
    private var tokens = 30.0
    private var refilledAt = Date()
    /// Views per (action, object, detail), with the first view's time, in arrival order.
    private var views: [(draft: AuditDraft, count: Int)] = []
    private var viewCount = 0
    private var batchStarted: Date?

    func key(for row: IndexedDocument, index: any VaultIndex, variant: String) throws -> String {
        let signatures = try index.signatures(documentID: row.id).map(\.id).sorted()
        return ([row.id, row.status] + signatures + [variant]).joined(separator: "|")
    }

    func cached(_ key: String) -> Rendered? {
        lock.withLock {
            guard let entry = entries[key] else { return nil }
            guard Date().timeIntervalSince(entry.at) < Self.lifetime else {
                cachedBytes -= entry.value.cost
                entries[key] = nil
                return nil
            }
            return entry.value
        }
    }

    func store(_ value: Rendered, for key: String) {
        guard value.cost <= Self.capacity / 4 else { return }
        lock.withLock {
            let now = Date()
            if let old = entries[key] { cachedBytes -= old.value.cost }
            entries[key] = (value, now)
            cachedBytes += value.cost
            guard cachedBytes > Self.capacity else { return }
            // Oldest first until it fits.
            for (oldKey, old) in entries.sorted(by: { $0.value.at < $1.value.at }) where cachedBytes > Self.capacity {
                entries[oldKey] = nil
                cachedBytes -= old.value.cost
            }
        }
    }

    func forget(documentID: String) {
        lock.withLock {
            for (key, entry) in entries where key.hasPrefix(documentID + "|") {
                entries[key] = nil
                cachedBytes -= entry.value.cost
            }
        }
    }

    func setRenderLimit(perMinute: Int) {
        lock.withLock {
            rendersPerMinute = max(1, perMinute)
            tokens = min(tokens, burst)
        }
    }

    private var burst: Double { Double(max(1, rendersPerMinute / 4)) }

    /// Takes one render from the bucket, or throws `ProofRenderLimited`.
    func admitRender() throws {
        let wait: Int? = lock.withLock {
            let now = Date()
            let rate = Double(rendersPerMinute) / 60
            tokens = min(burst, tokens + now.timeIntervalSince(refilledAt) * rate)
            refilledAt = now
            if tokens >= 1 {
                tokens -= 1
                return nil
            }
            return max(1, Int(((1 - tokens) / rate).rounded(.up)))
        }
        if let wait { throw ProofRenderLimited(retryAfterSeconds: wait) }
    }

    /// Adds one view to the batch; writes the batch when it is old or full enough.
    func recordView(_ draft: AuditDraft, index: any VaultIndex) throws {
        let due: Bool = lock.withLock {
            if let position = views.firstIndex(where: {
                $0.draft.action == draft.action && $0.draft.object == draft.object && $0.draft.detail == draft.detail
            }) {
                views[position].count += 1
            } else {
                views.append((draft, 1))
            }
            viewCount += 1
            let started = batchStarted ?? draft.at
            batchStarted = started
            return viewCount >= Self.batchSize || draft.at.timeIntervalSince(started) >= Self.batchAge
        }
        if due { try flush(index: index) }
    }

    /// One audit entry per (document, action, detail) of the batch, at its first view, naming how many views it holds.
    func flush(index: any VaultIndex) throws {
        let batch: [(draft: AuditDraft, count: Int)] = lock.withLock {
            defer {
                views.removeAll()
                viewCount = 0
                batchStarted = nil
            }
            return views
        }
        guard !batch.isEmpty else { return }
        let drafts = batch.map { view -> AuditDraft in
            var draft = view.draft
            let views = "\(view.count) anonymous view(s)"
            draft.detail = draft.detail.isEmpty ? views : "\(draft.detail), \(views)"
            return draft
        }
        do {
            // Views are not changes: no disk flush of their own (they ride on the next durable commit).
            try index.append(audit: drafts, flushed: false)
        } catch {
            // Put them back: the next flush tries again.
            lock.withLock {
                views = batch + views
                viewCount += batch.reduce(0) { $0 + $1.count }
                batchStarted = batchStarted ?? batch.first?.draft.at
            }
            throw error
        }
    }
}
