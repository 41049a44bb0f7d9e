import EDSCrypto
import Foundation

// A document may belong to several employees (one personnel order naming them all). Keys: the document's bytes, its
// shared metadata and its signatures are sealed with a random per-document key; each owner's row holds that key
// wrapped with the owner's data key, and the owner's own metadata (IIN, title, file name, whether they must sign)
// sealed with it. Erasing one owner destroys their data key and their row: the others' rows still open the document.
// When the last owner goes, the document goes. See Docs/vault.md, "Documents with several owners".

/// What every owner of a document shares, sealed with the document's key.
struct SharedMetadata: Codable {
    /// Required signers other than the owners themselves (roles of the employer, other people by IIN).
    var requiredSigners: [SignerRequirement]
    /// The acquaintance sheet's IINs (issue 22); absent in documents stored before it.
    var acknowledgers: [String]?
    // A document stored before documents could have several owners holds its whole metadata here, sealed with the
    // owner's data key; these fields are then present.
    var ownerIIN: String?
    var title: String?
    var fileName: String?
}

/// One owner's own metadata, sealed with their data key.
struct OwnerEntry: Codable {
    var ownerIIN: String
    var title: String
    var fileName: String
    /// The owner's signature is required (`--require owner`, or `iin:` of this owner).
    var signs: Bool
}

/// A document being stored: its bytes, the metadata of the put, and each owner it names.
/// A document's bytes as a put receives them: in memory, or a file read (and sealed) chunk by chunk.
enum PutContent {
    case bytes(Data)
    case file(URL, size: Int)

    var size: Int {
        switch self {
        case .bytes(let bytes): bytes.count
        case .file(_, let size): size
        }
    }
}

struct PutItem {
    struct Owner {
        let lookup: String
        let entry: OwnerEntry
    }

    let id: String
    let content: PutContent
    var metadata: DocumentMetadata
    var owners: [Owner] = []
    var sharedRequirements: [SignerRequirement] = []
    var acknowledgers: [String] = []

    init(id: String, content: PutContent, metadata: DocumentMetadata, keys: VaultKeys) throws {
        self.id = id
        self.content = content
        self.metadata = metadata
        try add(metadata, keys: keys)
    }

    /// Adds the owners and requirements of another put of the same bytes in the same call.
    mutating func add(_ metadata: DocumentMetadata, keys: VaultKeys) throws {
        let requiredPeople = Set(metadata.requiredSigners.compactMap { requirement -> String? in
            if case .person(let iin) = requirement { return iin }
            return nil
        })
        for iin in metadata.ownerIINs where !owners.contains(where: { $0.entry.ownerIIN == iin }) {
            owners.append(
                Owner(
                    lookup: try keys.lookupValue(for: "iin:\(iin)"),
                    entry: OwnerEntry(ownerIIN: iin, title: metadata.title, fileName: metadata.fileName, signs: requiredPeople.contains(iin))))
        }
        for iin in metadata.acknowledgers where !acknowledgers.contains(iin) { acknowledgers.append(iin) }
        let ownerIINs = Set(owners.map(\.entry.ownerIIN))
        for requirement in metadata.requiredSigners where !sharedRequirements.contains(requirement) {
            if case .person(let iin) = requirement, ownerIINs.contains(iin) { continue }
            sharedRequirements.append(requirement)
        }
    }

    /// The owners of this put that the stored document lacks. A document of another employer is a conflict; so is an
    /// employee's put of bytes stored for others (joining would show them the other owners' document record).
    func ownersMissing(from stored: IndexedDocument, actor: Principal) throws -> [Owner] {
        guard stored.employerBIN == metadata.employerBIN else { throw Vault.otherEmployer(id) }
        let present = Set(stored.owners.map(\.lookup))
        let missing = owners.filter { !present.contains($0.lookup) }
        if !missing.isEmpty, case .individual = actor {
            throw VaultError.conflict("document \(id) is already stored for another employee")
        }
        // Its key is its owner's data key: wrapping that for another owner would hand them every document of the first.
        if !missing.isEmpty, stored.owners.contains(where: { $0.wrappedDocumentKey == nil }) {
            throw VaultError.conflict(
                "document \(id) was stored before a document could have several owners and keeps its one owner")
        }
        return missing
    }
}

/// Subject rows read once per call (a listing or a check opens many documents of the same owners).
final class SubjectLookup {
    private let index: any VaultIndex
    private var known: [String: IndexedSubject?] = [:]

    init(index: any VaultIndex) { self.index = index }

    /// Reads the subjects of `lookups` not read yet, at once.
    func load(_ lookups: [String]) throws {
        let missing = lookups.filter { known[$0] == nil }
        guard !missing.isEmpty else { return }
        let found = try index.subjects(lookups: missing)
        for lookup in missing { known[lookup] = .some(found[lookup]) }
    }

    func subject(_ lookup: String) throws -> IndexedSubject? {
        if let cached = known[lookup] { return cached }
        let subject = try index.subject(lookup: lookup)
        known[lookup] = subject
        return subject
    }
}

extension Vault {
    /// The document's key, from the first owner whose data key is there. A document stored before documents could
    /// have several owners has no wrapped key: its key is its owner's data key.
    func documentKey(of row: IndexedDocument, subjects: [String: IndexedSubject]? = nil, lookup: SubjectLookup? = nil) throws -> Data {
        let lookup = lookup ?? SubjectLookup(index: index)
        for owner in row.owners {
            let subject = try subjects.map { $0[owner.lookup] } ?? lookup.subject(owner.lookup)
            guard let subject, let wrappedOwnerKey = subject.wrappedDataKey else { continue }
            let ownerKey = try dataKey(for: subject)
            guard let wrapped = owner.wrappedDocumentKey else { return ownerKey }
            // Cached per document and owner key, like the owners' data keys: listings open the same documents often.
            let cacheName = "document:\(row.id):\(owner.lookup)"
            if let cached = dataKeys.key(lookup: cacheName, wrapped: wrapped + wrappedOwnerKey) { return cached }
            let documentKey = try openSealed(wrapped, key: ownerKey, context: "document-key:\(row.id)")
            dataKeys.store(documentKey, lookup: cacheName, wrapped: wrapped + wrappedOwnerKey)
            return documentKey
        }
        throw VaultError.corrupted("document \(row.id): no owner's data key is left (erased?)")
    }

    /// Each owner's lookup value and opened entry, in the order they were added.
    func ownerEntries(
        of row: IndexedDocument, shared: SharedMetadata, lookup: SubjectLookup? = nil
    ) throws -> [(lookup: String, entry: OwnerEntry)] {
        let lookup = lookup ?? SubjectLookup(index: index)
        return try row.owners.map { owner in
            guard let sealed = owner.sealedEntry else {
                // Stored before documents could have several owners: the one owner's metadata is the shared one.
                let entry = OwnerEntry(
                    ownerIIN: shared.ownerIIN ?? "", title: shared.title ?? "", fileName: shared.fileName ?? "document", signs: false)
                return (owner.lookup, entry)
            }
            guard let subject = try lookup.subject(owner.lookup), subject.wrappedDataKey != nil else {
                throw VaultError.corrupted("the owner's data key is missing (erased?)")
            }
            let json = try openSealed(sealed, key: try dataKey(for: subject), context: "owner:\(row.id)")
            return (owner.lookup, try JSONDecoder.vault.decode(OwnerEntry.self, from: json))
        }
    }

    func sharedMetadata(of row: IndexedDocument, documentKey: Data) throws -> SharedMetadata {
        let json = try openSealed(row.sealedMetadata, key: documentKey, context: "metadata:\(row.id)")
        return try JSONDecoder.vault.decode(SharedMetadata.self, from: json)
    }

    /// The record as `viewer` sees it: an owner sees their own IIN, title and file name and not the other owners'
    /// IINs; the employer and the operator see every owner, the first one's title and file name.
    func open(_ row: IndexedDocument, as viewer: Principal = .operator_, lookup: SubjectLookup? = nil) throws -> StoredDocument {
        let lookup = lookup ?? SubjectLookup(index: index)
        let shared = try sharedMetadata(of: row, documentKey: try documentKey(of: row, lookup: lookup))
        let entries = try ownerEntries(of: row, shared: shared, lookup: lookup)
        guard let first = entries.first else { throw VaultError.corrupted("document \(row.id) has no owner") }
        var shown = first.entry
        var ownerIINs = entries.map(\.entry.ownerIIN)
        var required = entries.filter(\.entry.signs).map { SignerRequirement.person(iin: $0.entry.ownerIIN) }
        var sharedRequired = shared.requiredSigners
        if case .individual(let iin) = viewer {
            let lookup = try keys.lookupValue(for: "iin:\(iin)")
            if let own = entries.first(where: { $0.lookup == lookup }) {
                shown = own.entry
                ownerIINs = [own.entry.ownerIIN]
                // An employee sees their own entry only: a co-owner's IIN stays out of the required signers too.
                let others = Set(entries.map(\.entry.ownerIIN)).subtracting([own.entry.ownerIIN])
                required = own.entry.signs ? [.person(iin: own.entry.ownerIIN)] : []
                sharedRequired.removeAll { if case .person(let other) = $0 { return others.contains(other) } else { return false } }
            }
        }
        var metadata = DocumentMetadata(
            ownerIINs: ownerIINs, employerBIN: row.employerBIN, type: DocumentType(rawValue: row.type) ?? .other,
            title: shown.title, fileName: shown.fileName, requiredSigners: required + sharedRequired)
        metadata.ownerIIN = shown.ownerIIN
        metadata.acknowledgers = shared.acknowledgers ?? []
        if case .individual(let iin) = viewer { metadata.acknowledgers = metadata.acknowledgers.filter { $0 == iin } }
        return StoredDocument(
            id: row.id, metadata: metadata, size: row.size, storedAt: row.storedAt,
            status: DocumentStatus(rawValue: row.status) ?? .awaitingSignatures, signatureCount: row.signatureCount)
    }

    /// Whether `principal` is one of the document's owners.
    func isOwner(_ principal: Principal, of row: IndexedDocument) throws -> Bool {
        guard case .individual(let iin) = principal else { return false }
        let lookup = try keys.lookupValue(for: "iin:\(iin)")
        return row.owners.contains { $0.lookup == lookup }
    }
}
