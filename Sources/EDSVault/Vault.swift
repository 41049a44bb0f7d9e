import EDSCrypto
import EDSVerification
import Foundation

/// A vault of signed personnel documents: the library the HR service links, and what `edsvault vault …` runs.
///
/// Layout under the vault directory: `objects/sha256/ab/cdef…` (sealed blobs), `index.sqlite` (+ WAL),
/// `trust/` (anchors and CRLs signatures are validated against), `master.key` (unless the key comes from the
/// environment), `tmp/` (writes in progress), `writers.lock`. See Docs/vault.md. A vault whose storage is not a
/// directory (EDSVaultPostgres's `PostgresVaultStore`) keeps all of that in its store and index instead.
public final class Vault: Sendable {
    /// The vault directory; for a vault in a database, the store's URL (without password) as a URL.
    public let directory: URL
    let index: any VaultIndex
    let storage: any VaultStorage
    let keys: VaultKeys
    let trust: VaultTrust
    let dataKeys = DataKeyCache()
    /// Cached anonymous proof renders, their rate limit and the batch of anonymous views not yet audited.
    let anonymousProofs = AnonymousProofs()

    public static let indexFileName = "index.sqlite"

    init(directory: URL, index: any VaultIndex, storage: any VaultStorage, keys: VaultKeys, trust: VaultTrust) {
        self.directory = directory
        self.index = index
        self.storage = storage
        self.keys = keys
        self.trust = trust
    }

    deinit {
        // Anonymous views still in the batch are written when the vault goes (serve also flushes when it stops).
        try? anonymousProofs.flush(index: index)
    }

    /// The directory vault's blob store (tests reach blobs on disk through it).
    var blobs: BlobStore { BlobStore(vaultDirectory: directory) }

    // MARK: - Creating and opening

    /// Creates a vault in `directory` (made if absent; must not already be a vault).
    /// `trustAnchors` and `crls` are the DER or PEM files signatures will be validated against.
    /// `index` replaces the embedded SQLite index (`DIR/index.sqlite`), e.g. with a PostgreSQL one.
    public static func create(
        at directory: URL, trustAnchors: [Data], crls: [Data] = [], index externalIndex: (any VaultIndex)? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> Vault {
        let storage = DirectoryVaultStorage(directory: directory)
        try storage.refuseLinkedDirectories()
        if storage.isVault() {
            throw VaultError.conflict("\(directory.path) is already a vault")
        }
        let (anchors, lists) = try parsedTrust(trustAnchors: trustAnchors, crls: crls)
        try storage.prepare(creating: true)
        let keys = try VaultKeys.create(vaultDirectory: directory, environment: environment)
        try storage.installTrust(anchors: anchors.map(VaultTrust.named), crls: lists.map(VaultTrust.named))
        let index = try externalIndex ?? SQLiteVaultIndex(path: directory.appendingPathComponent(indexFileName).path)
        return try initialize(directory: directory, index: index, storage: storage, keys: keys, anchors: anchors.count, crls: lists.count)
    }

    /// Creates a vault whose every part lives in `storage` and `index` (e.g. one PostgreSQL database), with the master
    /// key from `masterKeyFile`: made (mode 0600) when absent, unless `$EDSVAULT_MASTER_KEY` holds the key. `location`
    /// names the vault in messages and `directory`.
    public static func create(
        storage: any VaultStorage, index: any VaultIndex, location: URL, masterKeyFile: URL?, trustAnchors: [Data],
        crls: [Data] = [], environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> Vault {
        let (anchors, lists) = try parsedTrust(trustAnchors: trustAnchors, crls: crls)
        try storage.prepare(creating: true)
        if try storage.isVault() { throw VaultError.conflict("\(location.absoluteString) is already a vault") }
        let keys = try VaultKeys.loadOrCreate(file: masterKeyFile, environment: environment)
        try storage.installTrust(anchors: anchors.map(VaultTrust.named), crls: lists.map(VaultTrust.named))
        return try initialize(directory: location, index: index, storage: storage, keys: keys, anchors: anchors.count, crls: lists.count)
    }

    private static func parsedTrust(trustAnchors: [Data], crls: [Data]) throws -> ([Certificate], [CertificateRevocationList]) {
        let anchors = try trustAnchors.flatMap { data -> [Certificate] in
            do { return try Certificate.parseAll(data) } catch {
                throw VaultError.invalidInput("a trust anchor file holds no certificate")
            }
        }
        guard !anchors.isEmpty else { throw VaultError.invalidInput("a vault needs at least one trust anchor") }
        let lists = try crls.map { data -> CertificateRevocationList in
            do { return try CertificateRevocationList(data) } catch { throw VaultError.invalidInput("a CRL file is not a CRL") }
        }
        return (anchors, lists)
    }

    private static func initialize(
        directory: URL, index: any VaultIndex, storage: any VaultStorage, keys: VaultKeys, anchors: Int, crls: Int
    ) throws -> Vault {
        try index.prepare(masterKeyCheck: keys.checkValue, creating: true)
        let vault = Vault(directory: directory, index: index, storage: storage, keys: keys, trust: try VaultTrust.load(from: storage))
        // The anchors and CRLs are sealed under the master key in the same transaction as the init entry, which names
        // the sealed manifest: from now on only `vault trust add|remove` changes what the vault trusts.
        try vault.sealCurrentTrust { manifest in
            [
                AuditDraft(
                    at: VaultClock.now(), actor: "operator", action: "init", object: "",
                    detail: "\(anchors) trust anchor(s), \(crls) CRL(s); trust sealed: \(manifest.summary)")
            ]
        }
        return vault
    }

    /// Opens an existing vault and finishes any write a killed process left half done.
    /// `index` must be the index the vault was created with when that was not the embedded one.
    ///
    /// The trust anchors, CRLs and evidence policy must match their seal (made at `init`, changed by `vault trust`):
    /// otherwise the open is refused (`corrupted`), unless `trustCheck` is `.report` (`vault check`, `vault trust`).
    public static func open(
        at directory: URL, index externalIndex: (any VaultIndex)? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment, trustCheck: TrustSealCheck = .refuse
    ) throws -> Vault {
        let storage = DirectoryVaultStorage(directory: directory)
        guard storage.isVault() else {
            throw VaultError.notFound("no vault at \(directory.path) (run `edsvault vault init` first)")
        }
        try storage.refuseLinkedDirectories()
        let keys = try VaultKeys.load(vaultDirectory: directory, environment: environment)
        let index = try externalIndex ?? SQLiteVaultIndex(path: directory.appendingPathComponent(indexFileName).path)
        return try opened(directory: directory, index: index, storage: storage, keys: keys, trustCheck: trustCheck)
    }

    /// Opens a vault kept in `storage` and `index`, with the master key from `masterKeyFile` (or `$EDSVAULT_MASTER_KEY`).
    public static func open(
        storage: any VaultStorage, index: any VaultIndex, location: URL, masterKeyFile: URL?,
        environment: [String: String] = ProcessInfo.processInfo.environment, trustCheck: TrustSealCheck = .refuse
    ) throws -> Vault {
        try storage.prepare(creating: false)
        guard try storage.isVault() else {
            throw VaultError.notFound("no vault at \(location.absoluteString) (run `edsvault vault init` first)")
        }
        let keys = try VaultKeys.load(file: masterKeyFile, environment: environment)
        return try opened(directory: location, index: index, storage: storage, keys: keys, trustCheck: trustCheck)
    }

    private static func opened(
        directory: URL, index: any VaultIndex, storage: any VaultStorage, keys: VaultKeys, trustCheck: TrustSealCheck
    ) throws -> Vault {
        try index.prepare(masterKeyCheck: keys.checkValue, creating: false)
        let trust = try VaultTrust.load(from: storage, lenient: trustCheck == .report)
        let vault = Vault(directory: directory, index: index, storage: storage, keys: keys, trust: trust)
        let problems = try vault.verifyTrustSeal()
        if !problems.isEmpty, trustCheck == .refuse {
            throw VaultError.corrupted(
                "the vault's trust store does not match its seal: \(problems.joined(separator: "; ")). Nothing was opened; "
                    + "`edsvault vault check` lists it, `edsvault vault trust list|remove` repairs it")
        }
        try vault.recoverInterruptedWrites(waiting: false)
        return vault
    }

    /// A vault directory always holds its trust anchors, whichever index it uses.
    static func isVault(_ directory: URL) -> Bool {
        DirectoryVaultStorage(directory: directory).isVault()
    }

    // MARK: - Storing documents

    /// Stores one document. Storing the same bytes again for the same employer adds the owners it names to the stored
    /// document (an order naming several employees, stored once per employee) and returns it; the same bytes for
    /// another employer are a `conflict`.
    @discardableResult
    public func put(_ document: Data, metadata: DocumentMetadata, as actor: Principal = .operator_) throws -> StoredDocument {
        try put([(document, metadata)], as: actor)[0]
    }

    /// Stores documents as one group commit: every blob is flushed to disk (in parallel), then one index transaction
    /// decides what is stored, then the blobs of the documents it inserted move into place. When this returns, every
    /// document is durable and readable by each of its owners; when it throws, nothing of the call was stored.
    /// Concurrent writers of the same bytes: the index keeps one row (and one blob); the others join it as owners.
    public func put(_ documents: [(bytes: Data, metadata: DocumentMetadata)], as actor: Principal = .operator_) throws -> [StoredDocument] {
        try put(contents: documents.map { (.bytes($0.bytes), Digest.sha256($0.bytes).hexString, $0.metadata) }, as: actor)
    }

    /// Stores a document read from a file chunk by chunk: it is hashed in one pass and sealed (chunked format,
    /// Docs/vault.md) in a second, straight into the storage, so memory does not grow with its size.
    @discardableResult
    public func put(fileAt file: URL, metadata: DocumentMetadata, as actor: Principal = .operator_) throws -> StoredDocument {
        try put(filesAt: [(file, metadata)], as: actor)[0]
    }

    /// As `put(_:as:)` (one group commit), each document streamed from its file as `put(fileAt:)` does.
    public func put(filesAt documents: [(file: URL, metadata: DocumentMetadata)], as actor: Principal = .operator_) throws -> [StoredDocument] {
        let contents = try documents.map { document -> (PutContent, String, DocumentMetadata) in
            let hashed: (digests: [DigestAlgorithm: Data], size: UInt64)
            do { hashed = try Digest.hashFile(at: document.file, algorithms: [.sha256]) } catch {
                throw VaultError.notFound("cannot read document \(document.file.path)")
            }
            guard let digest = hashed.digests[.sha256] else { throw VaultError.io("SHA-256 is unavailable") }
            return (.file(document.file, size: Int(hashed.size)), digest.hexString, document.metadata)
        }
        return try put(contents: contents, as: actor)
    }

    private func put(contents documents: [(content: PutContent, id: String, metadata: DocumentMetadata)], as actor: Principal) throws -> [StoredDocument] {
        guard !documents.isEmpty else { return [] }
        let now = VaultClock.now()
        var order: [String] = []
        var items: [String: PutItem] = [:]
        for (content, id, metadata) in documents {
            let metadata = try Self.validated(metadata)
            try authorizeStoring(metadata, as: actor)
            order.append(id)
            // The same bytes twice in one call are one document with the owners of both.
            if var item = items[id] {
                guard item.metadata.employerBIN == metadata.employerBIN else { throw Self.otherEmployer(id) }
                try item.add(metadata, keys: keys)
                items[id] = item
            } else {
                items[id] = try PutItem(id: id, content: content, metadata: metadata, keys: keys)
            }
        }
        var toStore: [PutItem] = []
        // One read for the whole group (a PostgreSQL index answers it in one round trip, not one per document).
        let known = try index.documents(ids: order)
        for id in order where items[id] != nil {
            let item = items.removeValue(forKey: id)!
            // Most puts of known bytes need no write at all; the index decides again inside the commit.
            if let existing = known[id] {
                let missing = try item.ownersMissing(from: existing, actor: actor)
                if missing.isEmpty { continue }
            }
            toStore.append(item)
        }
        if !toStore.isEmpty {
            let actorName = try auditName(for: actor)
            try storage.whileWriting { try store(toStore, at: now, actor: actor, actorName: actorName) }
        }
        var opened: [String: StoredDocument] = [:]
        let rows = try index.documents(ids: order)
        let subjects = SubjectLookup(index: index)
        try subjects.load(rows.values.flatMap { $0.owners.map(\.lookup) })
        return try order.map { id in
            if let done = opened[id] { return done }
            guard let row = rows[id] else { throw VaultError.io("document \(id) vanished after storing") }
            let record = try open(row, as: actor, lookup: subjects)
            opened[id] = record
            return record
        }
    }

    /// Stage → commit → publish. Every blob is sealed with a fresh document key and staged; the index commit says
    /// which rows are this writer's; only their blobs are published. A document another writer stored first keeps
    /// that writer's blob and key: this writer's owners are added with the stored key wrapped for them.
    private func store(_ items: [PutItem], at now: Date, actor: Principal, actorName: String) throws {
        let subjects = try ensureDataKeys(for: Set(items.flatMap { $0.owners.map(\.lookup) }))
        var sealed: [(objectID: String, bytes: Data)] = []
        var files: [(objectID: String, file: URL, key: Data)] = []
        var rows: [IndexedDocument] = []
        for item in items {
            let documentKey = try newKey()
            switch item.content {
            case .bytes(let bytes): sealed.append((item.id, try sealBlob(bytes, key: documentKey, objectID: item.id)))
            case .file(let file, _): files.append((item.id, file, documentKey))
            }
            let shared = try JSONEncoder.vault.encode(SharedMetadata(requiredSigners: item.sharedRequirements, acknowledgers: item.acknowledgers.isEmpty ? nil : item.acknowledgers))
            rows.append(
                IndexedDocument(
                    id: item.id, owners: try item.owners.map { try ownerRow($0, documentID: item.id, documentKey: documentKey, subjects: subjects) },
                    employerBIN: item.metadata.employerBIN, type: item.metadata.type.rawValue, size: item.content.size,
                    storedAt: now, status: DocumentStatus.awaitingSignatures.rawValue, signatureCount: 0,
                    sealedMetadata: try seal(shared, key: documentKey, context: "metadata:\(item.id)")))
        }
        let byID = Dictionary(uniqueKeysWithValues: items.map { ($0.id, $0) })
        var staged = try storage.stage(sealed)
        do {
            for file in files {
                let reader = try SealingFileReader(file: file.file, key: file.key, objectID: file.objectID)
                staged.append(try storage.stage(objectID: file.objectID, pieces: reader.next))
            }
        } catch {
            storage.discard(staged)
            throw error
        }
        let outcomes: [DocumentCommit]
        do {
            outcomes = try index.commitDocuments(
                rows, subjects: Array(subjects.values),
                joining: { stored, ownerSubjects in
                    let item = byID[stored.id]!
                    let missing = try item.ownersMissing(from: stored, actor: actor)
                    guard !missing.isEmpty else { return [] }
                    let documentKey = try self.documentKey(of: stored, subjects: ownerSubjects)
                    return try missing.map { try self.ownerRow($0, documentID: stored.id, documentKey: documentKey, subjects: subjects) }
                },
                audit: { outcomes in
                    zip(rows, outcomes).compactMap { row, outcome in
                        let owners: String
                        switch outcome {
                        case .inserted: owners = row.owners.map { subjects[$0.lookup]?.pseudonym ?? "?" }.joined(separator: " ")
                        case .joined(let added): owners = added.map { subjects[$0]?.pseudonym ?? "?" }.joined(separator: " ")
                        case .unchanged: return nil
                        }
                        let what = outcome == .inserted ? "type \(row.type), \(row.size) bytes, owner(s)" : "owner(s) added"
                        return AuditDraft(at: now, actor: actorName, action: "put", object: row.id, detail: "\(what) \(owners)")
                    }
                })
        } catch {
            storage.discard(staged)
            throw error
        }
        let inserted = Set(zip(rows, outcomes).compactMap { $1 == .inserted ? $0.id : nil })
        storage.discard(staged.filter { !inserted.contains($0.objectID ?? "") })
        try storage.publish(staged.filter { inserted.contains($0.objectID ?? "") })
    }

    /// An owner's row: the document key wrapped with the owner's data key, and the owner's own metadata sealed with it.
    private func ownerRow(
        _ owner: PutItem.Owner, documentID: String, documentKey: Data, subjects: [String: IndexedSubject]
    ) throws -> IndexedOwner {
        guard let subject = subjects[owner.lookup] else { throw VaultError.io("no data key for an owner of \(documentID)") }
        let ownerKey = try dataKey(for: subject)
        return IndexedOwner(
            lookup: owner.lookup,
            wrappedDocumentKey: try seal(documentKey, key: ownerKey, context: "document-key:\(documentID)"),
            sealedEntry: try seal(try JSONEncoder.vault.encode(owner.entry), key: ownerKey, context: "owner:\(documentID)"))
    }

    private func newKey() throws -> Data {
        do { return try AES256GCM.generateKey() } catch { throw VaultError.io("the random generator failed") }
    }

    static func otherEmployer(_ id: String) -> VaultError {
        .conflict("document \(id) is already stored for another employer")
    }

    /// An employee stores only their own documents (a consent, an application); an employer only its own
    /// employees' documents; the operator anything.
    private func authorizeStoring(_ metadata: DocumentMetadata, as actor: Principal) throws {
        let other: String
        switch actor {
        case .operator_: return
        case .individual(let iin) where metadata.ownerIINs == [iin]: return
        case .employer(let bin) where bin == metadata.employerBIN: return
        case .individual: other = "employee"
        case .employer: other = "employer"
        }
        // Messages name no principal (no IIN/BIN, no pseudonym): they end up in logs.
        try index.append(audit: [
            AuditDraft(at: VaultClock.now(), actor: try refusalAuditName(for: actor), action: "put", object: "", outcome: "refused")
        ])
        throw VaultError.accessDenied("access refused: \(actor.kind) may not store documents of another \(other)")
    }

    static func validated(_ metadata: DocumentMetadata) throws -> DocumentMetadata {
        var metadata = metadata
        var owners: [String] = []
        for iin in [metadata.ownerIIN] + metadata.ownerIINs where !iin.isEmpty || owners.isEmpty {
            let valid = try IdentificationNumber.validated(iin, kind: "owner IIN")
            if !owners.contains(valid) { owners.append(valid) }
        }
        metadata.ownerIINs = owners
        metadata.ownerIIN = owners[0]
        metadata.employerBIN = try IdentificationNumber.validated(metadata.employerBIN, kind: "employer BIN")
        var acknowledgers: [String] = []
        for iin in metadata.acknowledgers {
            let valid = try IdentificationNumber.validated(iin, kind: "acknowledging IIN")
            if !acknowledgers.contains(valid) { acknowledgers.append(valid) }
        }
        guard acknowledgers.count <= 1_000 else { throw VaultError.invalidInput("an acquaintance sheet lists at most 1000 people") }
        metadata.acknowledgers = acknowledgers
        metadata.title = metadata.title.trimmingCharacters(in: .whitespacesAndNewlines)
        let name = (metadata.fileName as NSString).lastPathComponent
        metadata.fileName = name.isEmpty || name == "." || name == ".." || name.hasPrefix("META-INF") ? "document" : name
        return metadata
    }

    // MARK: - Reading

    /// The document's bytes and record, if `principal` may read it. Reads and refusals are audited.
    public func read(_ documentID: String, as principal: Principal) throws -> (document: StoredDocument, bytes: Data) {
        let (row, record) = try authorizedDocument(documentID, as: principal, action: "read")
        let bytes = try openBlob(row.id, key: try documentKey(of: row))
        try index.append(audit: [AuditDraft(at: VaultClock.now(), actor: try auditName(for: principal), action: "read", object: row.id)])
        return (record, bytes)
    }

    /// As `read(_:as:)`, the bytes written to `destination` chunk by chunk (memory does not grow with the document):
    /// into a temporary file beside it, fsynced and renamed into place only once every chunk authenticated and the
    /// whole hashes to the id. On any failure nothing is left at `destination` (an existing file there is untouched).
    @discardableResult
    public func read(_ documentID: String, as principal: Principal, writeTo destination: URL) throws -> StoredDocument {
        let (row, record) = try authorizedDocument(documentID, as: principal, action: "read")
        let key = try documentKey(of: row)
        let output = try StreamedOutput(destination: destination)
        do {
            try streamBlob(row.id, key: key, restart: output.restart, emit: output.write)
            try output.commit()
        } catch {
            output.abandon()
            throw error
        }
        try index.append(audit: [AuditDraft(at: VaultClock.now(), actor: try auditName(for: principal), action: "read", object: row.id)])
        return record
    }

    /// As `read(_:as:)`, each plaintext chunk handed to `body` as it authenticates (e.g. to standard output). A
    /// failure can come after some chunks were handed over: the caller must treat them as void when this throws.
    @discardableResult
    public func read(_ documentID: String, as principal: Principal, chunks body: (Data) throws -> Void) throws -> StoredDocument {
        let (row, record) = try authorizedDocument(documentID, as: principal, action: "read")
        let key = try documentKey(of: row)
        var handedOver = false
        try streamBlob(
            row.id, key: key,
            restart: {
                // Chunks of a failed copy already went out: no other copy can be offered after them.
                if handedOver { throw SealedBlob.integrityFailure(row.id) }
            },
            emit: {
                handedOver = true
                try body($0)
            })
        try index.append(audit: [AuditDraft(at: VaultClock.now(), actor: try auditName(for: principal), action: "read", object: row.id)])
        return record
    }

    /// The document's record without its bytes (not audited as a read of the content).
    public func document(_ documentID: String, as principal: Principal) throws -> StoredDocument {
        try authorizedDocument(documentID, as: principal, action: "metadata").record
    }

    /// Documents `principal` may see, optionally narrowed to one owner or employer. The operator sees all.
    public func list(
        ownerIIN: String? = nil, employerBIN: String? = nil, as principal: Principal = .operator_, limit: Int = 10_000
    ) throws -> [StoredDocument] {
        var ownerLookup = try ownerIIN.map { try keys.lookupValue(for: "iin:\(try IdentificationNumber.validated($0, kind: "IIN"))") }
        var employer = try employerBIN.map { try IdentificationNumber.validated($0, kind: "BIN") }
        switch principal {
        case .operator_:
            break
        case .individual(let iin):
            let own = try keys.lookupValue(for: "iin:\(iin)")
            if let ownerLookup, ownerLookup != own { return try refuseListing(principal) }
            ownerLookup = own
        case .employer(let bin):
            if let employer, employer != bin { return try refuseListing(principal) }
            employer = bin
        }
        let rows = try index.documents(ownerLookup: ownerLookup, employerBIN: employer, limit: limit)
        // Listings are audited too, but their entries ride on the next flushed commit rather than waiting for the
        // disk: a listing shows metadata, not the documents, and is the one call an HR screen makes constantly.
        // A principal the listing shows nothing to is not made a subject either (any `--as` string would otherwise
        // leave a permanent row and pseudonym behind): their entry names them `unknown` unless the vault knows them.
        let actor = rows.isEmpty ? try refusalAuditName(for: principal) : try auditName(for: principal)
        try index.append(
            audit: [AuditDraft(at: VaultClock.now(), actor: actor, action: "list", object: "", detail: "\(rows.count) document(s)")],
            flushed: false)
        let lookup = SubjectLookup(index: index)
        return try rows.map { try open($0, as: principal, lookup: lookup) }
    }

    private func refuseListing(_ principal: Principal) throws -> [StoredDocument] {
        try index.append(audit: [
            AuditDraft(at: VaultClock.now(), actor: try refusalAuditName(for: principal), action: "list", object: "", outcome: "refused")
        ])
        throw VaultError.accessDenied("access refused: \(principal.kind) may list only their own documents")
    }

    /// Signatures kept for a document, with the signers as validated when each was added.
    public func signatures(of documentID: String, as principal: Principal) throws -> [StoredSignature] {
        let (row, _) = try authorizedDocument(documentID, as: principal, action: "signatures")
        return try storedSignatures(of: row)
    }

    func storedSignatures(of row: IndexedDocument) throws -> [StoredSignature] {
        let key = try documentKey(of: row)
        return try index.signatures(documentID: row.id).map { signature in
            let json = try openSealed(signature.sealedSigners, key: key, context: "signers:\(signature.id)")
            let signers = try JSONDecoder.vault.decode([StoredSigner].self, from: json)
            return StoredSignature(id: signature.id, documentID: row.id, addedAt: signature.addedAt, signers: signers)
        }
    }

    /// Looks the document up and applies the access rule: the owner reads their own documents, the employer (BIN)
    /// reads its employees', the operator reads all; anyone else is refused, and the refusal is audited.
    ///
    /// To anyone but the operator, a document that exists but is not theirs and a document that does not exist get the
    /// same answer (`accessDenied`, exit 77), audited the same way: ids are content hashes, so a different answer would
    /// confirm that a guessed document (a template order with one name changed) is in the vault.
    func authorizedDocument(_ documentID: String, as principal: Principal, action: String) throws -> (row: IndexedDocument, record: StoredDocument) {
        let id = documentID.lowercased()
        let row = try index.document(id: id)
        let allowed: Bool
        switch principal {
        case .operator_:
            guard let row else { throw VaultError.notFound("no document \(documentID) in the vault") }
            return (row, try open(row, as: principal))
        case .individual: allowed = try row.map { try isOwner(principal, of: $0) } ?? false
        case .employer(let bin): allowed = bin == row?.employerBIN
        }
        guard allowed, let row else {
            try index.append(audit: [
                AuditDraft(at: VaultClock.now(), actor: try refusalAuditName(for: principal), action: action, object: id, outcome: "refused")
            ])
            throw VaultError.accessDenied(
                "access refused: no document \(documentID) that this principal may \(action == "metadata" ? "see" : action)")
        }
        return (row, try open(row, as: principal))
    }

    /// The document's (or a signature's) bytes, opened with the document's key and checked against their name. A
    /// blob whose rename a crash undid is read from `tmp/`; of several staged copies (writers that lost a race and
    /// were killed before discarding theirs), the one that opens under this key is the committed one.
    func openBlob(_ objectID: String, key: Data) throws -> Data {
        var plaintext = Data()
        try streamBlob(objectID, key: key, restart: { plaintext = Data() }, emit: { plaintext.append($0) })
        return plaintext
    }

    /// `openBlob` chunk by chunk: each authenticated plaintext chunk goes to `emit` as it opens. When a copy fails
    /// (a staged copy under another key), `restart` is called before the next copy is tried; when every copy fails,
    /// the last failure is thrown, after whatever was emitted (the caller discards it).
    func streamBlob(_ objectID: String, key: Data, restart: () throws -> Void, emit: (Data) throws -> Void) throws {
        var failure: VaultError = .corrupted("blob \(objectID) is missing or unreadable")
        for (number, source) in try storage.blobSources(objectID).enumerated() {
            do {
                if number > 0 { try restart() }
                let opener = try BlobOpener(key: key, objectID: objectID)
                try source.read { try opener.feed($0, emit: emit) }
                try opener.finish(emit: emit)
                return
            } catch let error as VaultError {
                failure = error
            }
        }
        throw failure
    }

    /// Seals a document's or a signature's bytes for its blob (the chunked format).
    func sealBlob(_ plaintext: Data, key: Data, objectID: String) throws -> Data {
        try SealedBlob.seal(plaintext, key: key, objectID: objectID)
    }

    // MARK: - Audit

    public func auditLog() throws -> [AuditEntry] { try index.auditEntries() }

    public func tombstones() throws -> [Tombstone] { try index.tombstones() }

    /// How a refused principal appears in the audit log: their pseudonym when the vault knows them already, else
    /// `unknown`. A refusal never creates a subject: any string given as `--as` would otherwise leave a permanent row
    /// and pseudonym behind. Refusal messages name no pseudonym (they reach logs and the person refused).
    func refusalAuditName(for principal: Principal) throws -> String {
        if case .operator_ = principal { return "operator" }
        return try index.subject(lookup: try keys.lookupValue(for: principal.description))?.pseudonym ?? "unknown"
    }

    /// How a principal appears in the audit log: a random pseudonym per subject, `operator` for the operator.
    func auditName(for principal: Principal) throws -> String {
        if case .operator_ = principal { return "operator" }
        let lookup = try keys.lookupValue(for: principal.description)
        return try index.pseudonyms(for: [lookup])[lookup] ?? "unknown"
    }

    // MARK: - Keys

    /// The data key of each owner, created (and wrapped by the master key) for owners seen for the first time.
    private func ensureDataKeys(for owners: Set<String>) throws -> [String: IndexedSubject] {
        var known: [String: IndexedSubject] = [:]
        var candidates: [IndexedSubject] = []
        let stored = try index.subjects(lookups: Array(owners))
        for owner in owners {
            if let existing = stored[owner], existing.wrappedDataKey != nil {
                known[owner] = existing
            } else {
                let key = try AES256GCM.generateKey()
                candidates.append(
                    IndexedSubject(
                        lookup: owner, pseudonym: try SQLiteVaultIndex.newPseudonym(),
                        wrappedDataKey: try keys.wrap(dataKey: key, for: owner)))
            }
        }
        // Only new owners cost an index transaction; a concurrent writer's key wins a race for the same owner.
        guard !candidates.isEmpty else { return known }
        return known.merging(try index.storeSubjects(candidates)) { _, stored in stored }
    }

    func dataKey(for subject: IndexedSubject) throws -> Data {
        guard let wrapped = subject.wrappedDataKey else { throw VaultError.corrupted("the owner has no data key") }
        if let cached = dataKeys.key(lookup: subject.lookup, wrapped: wrapped) { return cached }
        let key = try keys.unwrap(wrapped, for: subject.lookup)
        dataKeys.store(key, lookup: subject.lookup, wrapped: wrapped)
        return key
    }

    func dataKey(forOwner lookup: String) throws -> Data {
        guard let subject = try index.subject(lookup: lookup), subject.wrappedDataKey != nil else {
            throw VaultError.corrupted("the owner's data key is missing (erased?)")
        }
        return try dataKey(for: subject)
    }

    func seal(_ plaintext: Data, key: Data, context: String) throws -> Data {
        do { return try AES256GCM.seal(plaintext, key: key, associatedData: Data(context.utf8)) } catch {
            throw VaultError.io("encryption failed: \(error)")
        }
    }

    func openSealed(_ sealed: Data, key: Data, context: String) throws -> Data {
        do { return try AES256GCM.open(sealed, key: key, associatedData: Data(context.utf8)) } catch {
            throw VaultError.corrupted("\(context.split(separator: ":").first ?? "data") \(context.split(separator: ":").last ?? "") fails its integrity check (altered or corrupted)")
        }
    }

    // MARK: - Recovery

    /// Finishes what a killed process left half done: blobs staged for an index transaction that never committed are
    /// removed, blobs of a committed one are moved into place, deletions recorded by a committed erasure are finished.
    /// Runs only when no other process is writing (it takes the writers' lock exclusively); with `waiting: false`
    /// it skips the work if a writer is active, which is always safe: the next open or check does it.
    @discardableResult
    func recoverInterruptedWrites(waiting: Bool) throws -> Int {
        try storage.whileRecovering(waiting: waiting) {
            let pending = try index.pendingObjects()
            let leftovers = try storage.leftoverStagedBlobs()
            guard !pending.isEmpty || !leftovers.isEmpty else { return 0 }
            let references = try index.referencedObjects()
            try storage.removeUnreferencedBlobs(pending, references: references)
            try index.clearPending(pending)
            for leftover in leftovers {
                // Staged for a write the index committed, but the rename was lost: finish it. Otherwise the write
                // was never acknowledged and its staged blob goes. A writer that lost a race for the same bytes and was
                // killed before discarding its copy leaves one sealed under another key: only the copy that opens
                // under the committed document's key is the committed one.
                if let objectID = leftover.objectID, references.contains(objectID), try !storage.blobExists(objectID),
                    try stagedCopy(leftover, opensAs: objectID)
                {
                    try storage.adopt(leftover)
                } else {
                    storage.discard([leftover])
                }
            }
            return pending.count + leftovers.count
        } ?? 0
    }
}

extension Vault {
    /// Whether a staged copy is the committed blob of `objectID` (a document or a signature): it opens under the
    /// document's key and hashes to the name.
    fileprivate func stagedCopy(_ staged: StagedObject, opensAs objectID: String) throws -> Bool {
        var row = try index.document(id: objectID)
        if row == nil, let signature = try index.allSignatures().first(where: { $0.id == objectID }) {
            row = try index.document(id: signature.documentID)
        }
        guard let row, let sealed = storage.stagedBytes(staged) else { return false }
        let key = try documentKey(of: row)
        return (try? SealedBlob.open(sealed, key: key, objectID: objectID)) != nil
    }
}

extension Principal {
    var kind: String {
        switch self {
        case .individual: "an employee"
        case .employer: "an employer"
        case .operator_: "the operator"
        }
    }
}

/// Unwrapped data keys, so a batch or a listing does not unwrap the same key again and again.
final class DataKeyCache: @unchecked Sendable {
    private let lock = NSLock()
    private var keys: [String: (wrapped: Data, key: Data)] = [:]

    func key(lookup: String, wrapped: Data) -> Data? {
        lock.withLock { keys[lookup].flatMap { $0.wrapped == wrapped ? $0.key : nil } }
    }

    func store(_ key: Data, lookup: String, wrapped: Data) {
        lock.withLock {
            if keys.count > 10_000 { keys.removeAll() }
            keys[lookup] = (wrapped, key)
        }
    }

    func remove(lookup: String) {
        _ = lock.withLock { keys.removeValue(forKey: lookup) }
    }
}

extension JSONEncoder {
    static var vault: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}

extension JSONDecoder {
    static var vault: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
