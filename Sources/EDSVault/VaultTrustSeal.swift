import EDSCrypto
import Foundation

/// What a vault trusts, as sealed in its index: each trust anchor's and CRL's stored name and SHA-256, and the
/// evidence policy's SHA-256. The index keeps it beside an HMAC-SHA256 under a key derived from the master key, so
/// whoever can write the trust directory (or the `trust_material` table) but does not hold the master key cannot make
/// the vault trust anything: at open the stored material must match the sealed manifest (issue 23, finding 2).
struct TrustManifest: Codable, Equatable, Sendable {
    struct Entry: Codable, Hashable, Sendable {
        var name: String
        var sha256: String
    }

    var format = "eds-vault-trust/1"
    var anchors: [Entry]
    var crls: [Entry]
    /// SHA-256 (hex) of the evidence policy file; nil when the vault has none.
    var evidencePolicy: String?

    init(anchors: [Entry], crls: [Entry], evidencePolicy: String?) {
        self.anchors = anchors.sorted { $0.name < $1.name }
        self.crls = crls.sorted { $0.name < $1.name }
        self.evidencePolicy = evidencePolicy
    }

    init(material: (anchors: [(name: String, der: Data)], crls: [(name: String, der: Data)]), policy: Data?) {
        self.init(
            anchors: material.anchors.map { Entry(name: $0.name, sha256: Digest.sha256($0.der).hexString) },
            crls: material.crls.map { Entry(name: $0.name, sha256: Digest.sha256($0.der).hexString) },
            evidencePolicy: policy.map { Digest.sha256($0).hexString })
    }

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    static func decode(_ json: String) -> TrustManifest? { try? JSONDecoder().decode(TrustManifest.self, from: Data(json.utf8)) }

    /// How `actual` departs from this sealed manifest, one sentence per difference.
    func differences(to actual: TrustManifest) -> [String] {
        var problems: [String] = []
        for (kind, sealed, present) in [("trust anchor", anchors, actual.anchors), ("CRL", crls, actual.crls)] {
            let sealedByName = Dictionary(sealed.map { ($0.name, $0.sha256) }, uniquingKeysWith: { first, _ in first })
            let presentByName = Dictionary(present.map { ($0.name, $0.sha256) }, uniquingKeysWith: { first, _ in first })
            for entry in present {
                guard let digest = sealedByName[entry.name] else {
                    problems.append("\(kind) \(entry.name) is not sealed (added outside `vault trust add`)")
                    continue
                }
                if digest != entry.sha256 { problems.append("\(kind) \(entry.name) was altered (its SHA-256 is not the sealed one)") }
            }
            for entry in sealed where presentByName[entry.name] == nil {
                problems.append("sealed \(kind) \(entry.name) is missing")
            }
        }
        if evidencePolicy != actual.evidencePolicy {
            problems.append("the evidence policy is not the sealed one (changed outside `vault init --tsa`)")
        }
        return problems
    }

    /// For audit details: names and the manifest's own digest (CA names and fingerprints are not personal data).
    var summary: String {
        "\(anchors.count) anchor(s) [\(anchors.map(\.name).joined(separator: ", "))], \(crls.count) CRL(s), "
            + "policy \(evidencePolicy.map { String($0.prefix(16)) } ?? "none"), manifest \(Digest.sha256(Data(json.utf8)).hexString.prefix(16))"
    }
}

/// How `Vault.open` treats a trust store that does not match its seal.
public enum TrustSealCheck: Sendable {
    /// Refuse to open (`VaultError.corrupted`): the default for everything that validates or serves.
    case refuse
    /// Open, so that `vault check` reports the differences and `vault trust list|remove` can repair them.
    case report
}

/// One trust anchor or CRL as `vault trust list` shows it.
public struct TrustEntry: Codable, Hashable, Sendable {
    /// `anchor` or `crl`.
    public var kind: String
    /// The stored name (`anchor-<16 hex>.der`, `<16 hex>.crl`).
    public var name: String
    public var sha256: String
    /// The anchor's subject, or the CRL's issuer; nil when the stored bytes do not parse.
    public var subject: String?
    /// `sealed`, `unsealed` (present but not in the seal), `altered` (not the sealed bytes) or `missing`.
    public var state: String
}

extension Vault {
    func sealValue(_ manifest: TrustManifest) throws -> String {
        try KeyedHash.hmacSHA256(key: keys.trustSeal, Data(("eds-vault trust seal\n" + manifest.json).utf8)).hexString
    }

    /// The sealed manifest, nil when the vault was never sealed; `corrupted` when the seal does not verify.
    func sealedTrustManifest() throws -> TrustManifest? {
        guard let stored = try index.trustSeal() else { return nil }
        guard let manifest = TrustManifest.decode(stored.manifest), try sealValue(manifest) == stored.seal, manifest.json == stored.manifest else {
            throw VaultError.corrupted("the trust seal does not verify: the sealed trust manifest in the index was altered")
        }
        return manifest
    }

    static func actualTrustManifest(_ storage: any VaultStorage) throws -> TrustManifest {
        TrustManifest(material: try storage.trustMaterial(), policy: try storage.evidencePolicy())
    }

    /// Seals what the storage holds now, with `audit` in the same transaction (`vault init`, and a vault made before
    /// sealing on its first open).
    func sealCurrentTrust(audit: (TrustManifest) -> [AuditDraft]) throws {
        let manifest = try Self.actualTrustManifest(storage)
        try index.setTrustSeal(manifest: manifest.json, seal: try sealValue(manifest), audit: audit(manifest))
    }

    /// The differences between the stored trust material and its seal; empty when they match. A vault made before
    /// sealing is sealed here, as it is (audited as `trust`, "sealed at upgrade").
    func verifyTrustSeal() throws -> [String] {
        guard let sealed = try sealedTrustManifest() else {
            try sealCurrentTrust { manifest in
                [AuditDraft(at: VaultClock.now(), actor: "operator", action: "trust", object: "", detail: "sealed at upgrade: \(manifest.summary)")]
            }
            return []
        }
        return sealed.differences(to: try Self.actualTrustManifest(storage))
    }

    /// Every anchor and CRL, sealed or not, with its state against the seal.
    public func trustList() throws -> [TrustEntry] {
        let sealed = try sealedTrustManifest()
        let material = try storage.trustMaterial()
        var entries: [TrustEntry] = []
        for (kind, stored, sealedEntries) in [
            ("anchor", material.anchors, sealed?.anchors ?? []), ("crl", material.crls, sealed?.crls ?? []),
        ] {
            let sealedByName = Dictionary(sealedEntries.map { ($0.name, $0.sha256) }, uniquingKeysWith: { first, _ in first })
            for item in stored {
                let digest = Digest.sha256(item.der).hexString
                let subject =
                    kind == "anchor"
                    ? (try? Certificate(derEncoded: item.der)).map { "\($0.subject)" }
                    : (try? CertificateRevocationList(item.der)).map { "\($0.issuer)" }
                let state = sealedByName[item.name].map { $0 == digest ? "sealed" : "altered" } ?? "unsealed"
                entries.append(TrustEntry(kind: kind, name: item.name, sha256: digest, subject: subject, state: state))
            }
            let present = Set(stored.map(\.name))
            for entry in sealedEntries where !present.contains(entry.name) {
                entries.append(TrustEntry(kind: kind, name: entry.name, sha256: entry.sha256, subject: nil, state: "missing"))
            }
        }
        return entries
    }

    /// Adds trust anchors (PEM or DER, one or many per file) and CRLs, and seals them; audited (`trust`). The vault
    /// open in this process keeps validating with the anchors it opened with: restart `serve` afterwards.
    @discardableResult
    public func trustAdd(anchors: [Data], crls: [Data] = []) throws -> [TrustEntry] {
        let certificates = try anchors.flatMap { data -> [Certificate] in
            do { return try Certificate.parseAll(data) } catch { throw VaultError.invalidInput("a trust anchor file holds no certificate") }
        }
        let lists = try crls.map { data -> CertificateRevocationList in
            do { return try CertificateRevocationList(data) } catch { throw VaultError.invalidInput("a CRL file is not a CRL") }
        }
        guard !certificates.isEmpty || !lists.isEmpty else { throw VaultError.invalidInput("nothing to add") }
        guard var manifest = try sealedTrustManifest() else { throw VaultError.corrupted("the vault's trust was never sealed") }
        let namedAnchors = certificates.map(VaultTrust.named)
        let namedCRLs = lists.map(VaultTrust.named)
        try storage.installTrust(anchors: namedAnchors, crls: namedCRLs)
        func merged(_ entries: [TrustManifest.Entry], _ added: [(name: String, der: Data)]) -> [TrustManifest.Entry] {
            let names = Set(added.map(\.name))
            return entries.filter { !names.contains($0.name) } + added.map { .init(name: $0.name, sha256: Digest.sha256($0.der).hexString) }
        }
        manifest = TrustManifest(
            anchors: merged(manifest.anchors, namedAnchors), crls: merged(manifest.crls, namedCRLs), evidencePolicy: manifest.evidencePolicy)
        let detail =
            (certificates.map { "added anchor \(VaultTrust.named($0).name) (\($0.subject))" }
            + namedCRLs.map { "added CRL \($0.name)" }).joined(separator: "; ")
        try index.setTrustSeal(
            manifest: manifest.json, seal: try sealValue(manifest),
            audit: [AuditDraft(at: VaultClock.now(), actor: "operator", action: "trust", object: "", detail: "\(detail); \(manifest.summary)")])
        return try trustList().filter { entry in (namedAnchors + namedCRLs).contains { $0.name == entry.name } }
    }

    /// Removes anchors or CRLs, named by their stored name or a prefix (≥ 8 hex digits) of their SHA-256, whether
    /// sealed or not (this is also how a file planted in the trust directory is removed); re-seals; audited (`trust`).
    /// The last sealed anchor cannot be removed.
    @discardableResult
    public func trustRemove(_ names: [String]) throws -> [TrustEntry] {
        guard var manifest = try sealedTrustManifest() else { throw VaultError.corrupted("the vault's trust was never sealed") }
        let entries = try trustList()
        var removed: [TrustEntry] = []
        for name in names {
            let wanted = name.lowercased()
            let matches = entries.filter {
                $0.name == name || (wanted.count >= 8 && wanted.allSatisfy(\.isHexDigit) && $0.sha256.hasPrefix(wanted))
            }
            guard !matches.isEmpty else { throw VaultError.notFound("no trust anchor or CRL \(name)") }
            guard Set(matches.map(\.name)).count == 1 else { throw VaultError.invalidInput("\(name) names several trust entries: give more digits") }
            removed += matches.filter { entry in !removed.contains { $0.name == entry.name } }
        }
        let anchorNames = Set(removed.filter { $0.kind == "anchor" }.map(\.name))
        let crlNames = Set(removed.filter { $0.kind == "crl" }.map(\.name))
        manifest = TrustManifest(
            anchors: manifest.anchors.filter { !anchorNames.contains($0.name) }, crls: manifest.crls.filter { !crlNames.contains($0.name) },
            evidencePolicy: manifest.evidencePolicy)
        guard !manifest.anchors.isEmpty else { throw VaultError.invalidInput("a vault needs at least one trust anchor: add another first") }
        try storage.removeTrust(anchors: Array(anchorNames), crls: Array(crlNames))
        let detail = removed.map { "removed \($0.kind) \($0.name) (\($0.state))" }.joined(separator: "; ")
        try index.setTrustSeal(
            manifest: manifest.json, seal: try sealValue(manifest),
            audit: [AuditDraft(at: VaultClock.now(), actor: "operator", action: "trust", object: "", detail: "\(detail); \(manifest.summary)")])
        return removed
    }

    /// Re-seals the evidence policy just written (`setEvidencePolicy`), with its audit entry in the same transaction.
    func resealEvidencePolicy(_ policy: Data, audit: [AuditDraft]) throws {
        guard var manifest = try sealedTrustManifest() else {
            try sealCurrentTrust { _ in audit }
            return
        }
        manifest.evidencePolicy = Digest.sha256(policy).hexString
        try index.setTrustSeal(manifest: manifest.json, seal: try sealValue(manifest), audit: audit)
    }
}
