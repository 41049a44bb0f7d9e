import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a vault keeps what is not index rows: sealed blobs, trust anchors and CRLs, evidence records, awaiting-evidence
/// markers and the evidence policy. `DirectoryVaultStorage` is the vault directory (the embedded default);
/// EDSVaultPostgres's `PostgresVaultStore` keeps the same in tables beside the index's. See Docs/vault.md.
///
/// Blobs are written in three steps around the index commit that decides which are this writer's: `stage` (complete and
/// durable, but not under the object's name), then `publish` for the documents the index inserted, `discard` for the
/// others. A staged copy of a committed write whose publish a crash lost is adopted by recovery (`leftoverStagedBlobs`,
/// `adopt`); until then `blobCandidates` offers it, and the vault reads only a copy that opens under the committed key.
public protocol VaultStorage: Sendable {
    /// Whether a vault was created here (its trust anchors are stored).
    func isVault() throws -> Bool
    /// Makes what the storage needs (directories, tables); `creating` only for `vault init`.
    func prepare(creating: Bool) throws

    // MARK: Blobs

    /// Writes each sealed blob durably, not yet under its object id's name.
    func stage(_ blobs: [(objectID: String, bytes: Data)]) throws -> [StagedObject]
    /// Puts staged blobs under their names (after the index committed them), replacing a copy already there.
    func publish(_ staged: [StagedObject]) throws
    /// Drops staged blobs the index did not commit.
    func discard(_ staged: [StagedObject])
    /// The blob published under the id, else every staged copy of it.
    func blobCandidates(_ objectID: String) throws -> [Data]
    func blobExists(_ objectID: String) throws -> Bool
    func readBlob(_ objectID: String) throws -> Data
    /// Removes published blobs of `candidates` that are not in `references` (nor, for a shared store, referenced by a
    /// row committed since `references` was read).
    func removeUnreferencedBlobs(_ candidates: [String], references: Set<String>) throws
    /// Every published object id.
    func allObjectIDs() throws -> [String]
    /// Staged blobs no live writer will publish or discard (its process died); only those recovery may act on.
    func leftoverStagedBlobs() throws -> [StagedObject]
    /// The sealed bytes of a staged blob, nil when unreadable.
    func stagedBytes(_ staged: StagedObject) -> Data?
    /// Publishes a leftover staged blob of a committed write (recovery).
    func adopt(_ staged: StagedObject) throws

    // MARK: Streamed blobs (a large document never whole in memory)

    /// As `stage`, for one blob handed over piece by piece (`next` returns nil after the last piece): the storage
    /// writes each piece as it comes. When `next` or a write throws, nothing stays staged.
    func stage(objectID: String, pieces next: () throws -> Data?) throws -> StagedObject
    /// As `blobCandidates`, each copy read piece by piece.
    func blobSources(_ objectID: String) throws -> [BlobSource]
    /// As `readBlob`, piece by piece.
    func publishedBlobSource(_ objectID: String) throws -> BlobSource

    // MARK: Writers and recovery

    /// Runs a write (stage → index commit → publish); recovery waits for writers where the storage needs it to.
    func whileWriting<T>(_ body: () throws -> T) throws -> T
    /// Runs recovery; nil when `waiting` is false and a writer is active (recovery is then skipped, always safe).
    func whileRecovering<T>(waiting: Bool, _ body: () throws -> T) throws -> T?

    // MARK: Trust

    /// Stores the trust anchors' and CRLs' DER encodings under their names (`anchor-….der`, `….crl`).
    func installTrust(anchors: [(name: String, der: Data)], crls: [(name: String, der: Data)]) throws
    /// The stored anchors and CRLs, each list in name order.
    func trustMaterial() throws -> (anchors: [(name: String, der: Data)], crls: [(name: String, der: Data)])
    /// Deletes the named anchors and CRLs (`vault trust remove`); names not stored are ignored.
    func removeTrust(anchors: [String], crls: [String]) throws

    // MARK: Evidence records, awaiting-evidence markers, evidence policy

    func evidenceRecord(document documentID: String, signature signatureID: String) throws -> Data?
    func writeEvidenceRecords(_ records: [(documentID: String, signatureID: String, der: Data)]) throws
    func removeEvidenceRecord(document documentID: String, signature signatureID: String)
    func removeEvidence(documentIDs: [String]) throws

    func markAwaiting(document documentID: String, signature signatureID: String, reason: String) throws
    func clearAwaiting(document documentID: String, signature signatureID: String)
    func isAwaiting(document documentID: String, signature signatureID: String) throws -> Bool
    /// Every marker, as (document id, signature id), in id order.
    func awaitingMarkers() throws -> [(documentID: String, signatureID: String)]

    func evidencePolicy() throws -> Data?
    func writeEvidencePolicy(_ json: Data) throws
}

/// One stored copy of a sealed blob, read piece by piece: `read` hands each piece to its argument in order.
public struct BlobSource {
    public let read: ((Data) throws -> Void) throws -> Void

    public init(read: @escaping ((Data) throws -> Void) throws -> Void) { self.read = read }

    /// A copy already in memory (storages that keep no pieces).
    public static func whole(_ bytes: Data) -> BlobSource { BlobSource { try $0(bytes) } }
}

extension VaultStorage {
    /// For a storage without a streaming write: the pieces gathered, then `stage`.
    public func stage(objectID: String, pieces next: () throws -> Data?) throws -> StagedObject {
        var bytes = Data()
        while let piece = try next() { bytes.append(piece) }
        return try stage([(objectID, bytes)])[0]
    }

    public func blobSources(_ objectID: String) throws -> [BlobSource] { try blobCandidates(objectID).map(BlobSource.whole) }

    public func publishedBlobSource(_ objectID: String) throws -> BlobSource { .whole(try readBlob(objectID)) }
}

/// A blob written by `VaultStorage.stage`: its object id (nil for a leftover whose name gives none) and where the
/// storage keeps it (a temporary file, a row id).
public struct StagedObject: Sendable, Hashable {
    public var objectID: String?
    public var location: String

    public init(objectID: String?, location: String) {
        self.objectID = objectID
        self.location = location
    }
}

/// The vault directory: `objects/sha256/ab/cdef…`, `tmp/`, `trust/`, `evidence/`, `awaiting-evidence/`,
/// `evidence-policy.json`, `writers.lock`: the layout every directory vault has had (Docs/vault.md).
public struct DirectoryVaultStorage: VaultStorage {
    public let directory: URL
    let blobs: BlobStore
    let writers: WriterLock

    public init(directory: URL) {
        self.directory = directory
        blobs = BlobStore(vaultDirectory: directory)
        writers = WriterLock(file: directory.appendingPathComponent("writers.lock"))
    }

    var trustDirectory: URL { directory.appendingPathComponent("trust", isDirectory: true) }
    var evidenceDirectory: URL { directory.appendingPathComponent("evidence", isDirectory: true) }
    var awaitingDirectory: URL { directory.appendingPathComponent("awaiting-evidence", isDirectory: true) }
    var evidencePolicyURL: URL { directory.appendingPathComponent(VaultEvidencePolicy.fileName) }

    public func isVault() -> Bool { FileManager.default.fileExists(atPath: trustDirectory.path) }

    public func prepare(creating: Bool) throws {
        try refuseLinkedDirectories()
        guard creating else { return }
        try DurableFile.makeDirectory(directory)
        // An existing directory keeps the mode it had (0755 from mkdir -p): the vault's is 0700, whoever made it.
        guard chmod(directory.path, 0o700) == 0 else {
            throw VaultError.io("cannot make \(directory.path) private (mode 0700): \(String(cString: strerror(errno)))")
        }
        try blobs.createDirectories()
    }

    /// The vault's own directories, each of which must be a real directory inside it, never a symbolic link: a link
    /// planted before `vault init` (or after) would send the sealed blobs, the staging area or the trust anchors to a
    /// place of someone else's choosing.
    var ownDirectories: [URL] {
        [
            directory.appendingPathComponent("objects", isDirectory: true), blobs.root, blobs.temporary, trustDirectory,
            trustDirectory.appendingPathComponent("crl", isDirectory: true), evidenceDirectory, awaitingDirectory,
        ]
    }

    /// Throws when any of `ownDirectories` is a symbolic link (or not a directory); absent ones are made later.
    func refuseLinkedDirectories() throws {
        for path in ownDirectories.map(\.path) {
            // attributesOfItem does not follow a link (lstat): its type is the entry's own.
            guard let type = (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType else { continue }
            if type != .typeDirectory {
                throw VaultError.conflict(
                    "\(path) is \(type == .typeSymbolicLink ? "a symbolic link" : "not a directory"); a vault's directories must be its own")
            }
        }
    }

    // MARK: Blobs

    public func stage(_ blobs: [(objectID: String, bytes: Data)]) throws -> [StagedObject] {
        try self.blobs.stage(blobs).map { StagedObject(objectID: $0.objectID, location: $0.temporaryFile.path) }
    }

    public func publish(_ staged: [StagedObject]) throws {
        try blobs.publish(staged.map(Self.staged))
    }

    public func discard(_ staged: [StagedObject]) {
        blobs.discard(staged.map(Self.staged))
    }

    private static func staged(_ object: StagedObject) -> BlobStore.StagedBlob {
        BlobStore.StagedBlob(objectID: object.objectID ?? "", temporaryFile: URL(fileURLWithPath: object.location))
    }

    public func blobCandidates(_ objectID: String) -> [Data] { blobs.candidates(objectID) }
    public func blobExists(_ objectID: String) -> Bool { blobs.exists(objectID) }
    public func readBlob(_ objectID: String) throws -> Data { try blobs.read(objectID) }

    /// Runs under the writers' lock taken exclusively: no commit can reference a candidate meanwhile.
    public func removeUnreferencedBlobs(_ candidates: [String], references: Set<String>) throws {
        try blobs.remove(candidates.filter { !references.contains($0) })
    }

    public func allObjectIDs() throws -> [String] { try blobs.allObjectIDs() }

    /// Every file in `tmp/`: recovery runs with the writers' lock held exclusively, so no writer is staging.
    public func leftoverStagedBlobs() -> [StagedObject] {
        blobs.leftoverTemporaryFiles().map { StagedObject(objectID: $0.objectID, location: $0.file.path) }
    }

    public func stagedBytes(_ staged: StagedObject) -> Data? { try? Data(contentsOf: URL(fileURLWithPath: staged.location)) }

    public func stage(objectID: String, pieces next: () throws -> Data?) throws -> StagedObject {
        let file = try DurableFile.stage(pieces: next, in: blobs.temporary, prefix: objectID + ".")
        do { try DurableFile.syncDirectory(blobs.temporary) } catch {
            unlink(file.path)
            throw error
        }
        return StagedObject(objectID: objectID, location: file.path)
    }

    public func blobSources(_ objectID: String) -> [BlobSource] {
        blobs.candidateFiles(objectID).map(Self.fileSource)
    }

    public func publishedBlobSource(_ objectID: String) throws -> BlobSource {
        guard let file = blobs.candidateFiles(objectID).first else { throw VaultError.corrupted("blob \(objectID) is missing or unreadable") }
        return Self.fileSource(file)
    }

    /// A blob file in 1 MiB reads.
    private static func fileSource(_ file: URL) -> BlobSource {
        BlobSource { body in
            let descriptor = open(file.path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw VaultError.corrupted("blob \(file.lastPathComponent) is missing or unreadable") }
            defer { close(descriptor) }
            var piece = Data(count: 1 << 20)
            while true {
                let count = piece.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw VaultError.corrupted("blob \(file.lastPathComponent) is unreadable: \(String(cString: strerror(errno)))")
                }
                if count == 0 { return }
                try body(count == piece.count ? piece : piece.prefix(count))
            }
        }
    }

    public func adopt(_ staged: StagedObject) throws {
        guard let objectID = staged.objectID else { return }
        try blobs.adopt(URL(fileURLWithPath: staged.location), as: objectID)
    }

    // MARK: Writers and recovery

    public func whileWriting<T>(_ body: () throws -> T) throws -> T { try writers.shared(body) }

    public func whileRecovering<T>(waiting: Bool, _ body: () throws -> T) throws -> T? {
        try writers.exclusive(waiting: waiting, body)
    }

    // MARK: Trust

    public func installTrust(anchors: [(name: String, der: Data)], crls: [(name: String, der: Data)]) throws {
        try DurableFile.makeDirectory(trustDirectory.appendingPathComponent("crl", isDirectory: true))
        for anchor in anchors {
            try DurableFile.write(
                anchor.der, to: trustDirectory.appendingPathComponent(anchor.name), temporaryDirectory: blobs.temporary, permissions: 0o600)
        }
        for list in crls {
            try DurableFile.write(
                list.der, to: trustDirectory.appendingPathComponent("crl/\(list.name)"), temporaryDirectory: blobs.temporary,
                permissions: 0o600)
        }
    }

    public func removeTrust(anchors: [String], crls: [String]) throws {
        let files = anchors.map { trustDirectory.appendingPathComponent($0) } + crls.map { trustDirectory.appendingPathComponent("crl/\($0)") }
        for file in files where unlink(file.path) != 0 && errno != ENOENT {
            throw VaultError.io("cannot remove \(file.path): \(String(cString: strerror(errno)))")
        }
        try DurableFile.syncDirectory(trustDirectory)
        try DurableFile.syncDirectory(trustDirectory.appendingPathComponent("crl", isDirectory: true))
    }

    public func trustMaterial() throws -> (anchors: [(name: String, der: Data)], crls: [(name: String, der: Data)]) {
        let manager = FileManager.default
        var anchors: [(name: String, der: Data)] = []
        for name in ((try? manager.contentsOfDirectory(atPath: trustDirectory.path)) ?? []).sorted() where name.hasSuffix(".der") {
            guard let data = manager.contents(atPath: trustDirectory.appendingPathComponent(name).path) else {
                throw VaultError.corrupted("trust anchor \(name) is unreadable")
            }
            anchors.append((name, data))
        }
        var crls: [(name: String, der: Data)] = []
        let crlDirectory = trustDirectory.appendingPathComponent("crl")
        for name in ((try? manager.contentsOfDirectory(atPath: crlDirectory.path)) ?? []).sorted() where name.hasSuffix(".crl") {
            guard let data = manager.contents(atPath: crlDirectory.appendingPathComponent(name).path) else {
                throw VaultError.corrupted("CRL \(name) is unreadable")
            }
            crls.append((name, data))
        }
        guard !anchors.isEmpty else { throw VaultError.corrupted("the vault has no trust anchors under \(trustDirectory.path)") }
        return (anchors, crls)
    }

    // MARK: Evidence records

    func evidenceURL(document documentID: String, signature signatureID: String) -> URL {
        evidenceDirectory.appendingPathComponent(documentID, isDirectory: true).appendingPathComponent("\(signatureID).ers")
    }

    public func evidenceRecord(document documentID: String, signature signatureID: String) throws -> Data? {
        let url = evidenceURL(document: documentID, signature: signatureID)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do { return try Data(contentsOf: url) } catch {
            throw VaultError.corrupted("the evidence record of signature \(signatureID) is unreadable: \(error)")
        }
    }

    public func writeEvidenceRecords(_ records: [(documentID: String, signatureID: String, der: Data)]) throws {
        for record in records {
            let url = evidenceURL(document: record.documentID, signature: record.signatureID)
            try DurableFile.makeDirectory(url.deletingLastPathComponent())
            try DurableFile.write(record.der, to: url, temporaryDirectory: blobs.temporary)
        }
    }

    public func removeEvidenceRecord(document documentID: String, signature signatureID: String) {
        try? FileManager.default.removeItem(at: evidenceURL(document: documentID, signature: signatureID))
    }

    public func removeEvidence(documentIDs: [String]) throws {
        for documentID in documentIDs {
            let folder = evidenceDirectory.appendingPathComponent(documentID, isDirectory: true)
            guard FileManager.default.fileExists(atPath: folder.path) else { continue }
            do { try FileManager.default.removeItem(at: folder) } catch {
                throw VaultError.io("cannot remove the evidence records of \(documentID): \(error)")
            }
        }
    }

    // MARK: Awaiting evidence

    func awaitingURL(document documentID: String, signature signatureID: String) -> URL {
        awaitingDirectory.appendingPathComponent(documentID, isDirectory: true).appendingPathComponent(signatureID)
    }

    public func markAwaiting(document documentID: String, signature signatureID: String, reason: String) throws {
        let url = awaitingURL(document: documentID, signature: signatureID)
        try DurableFile.makeDirectory(url.deletingLastPathComponent())
        try DurableFile.write(Data((reason + "\n").utf8), to: url, temporaryDirectory: blobs.temporary)
    }

    public func clearAwaiting(document documentID: String, signature signatureID: String) {
        let url = awaitingURL(document: documentID, signature: signatureID)
        try? FileManager.default.removeItem(at: url)
        try? FileManager.default.removeItem(at: url.deletingLastPathComponent())  // only when empty
    }

    public func isAwaiting(document documentID: String, signature signatureID: String) -> Bool {
        FileManager.default.fileExists(atPath: awaitingURL(document: documentID, signature: signatureID).path)
    }

    public func awaitingMarkers() -> [(documentID: String, signatureID: String)] {
        let manager = FileManager.default
        guard let documents = try? manager.contentsOfDirectory(atPath: awaitingDirectory.path) else { return [] }
        var markers: [(documentID: String, signatureID: String)] = []
        for documentID in documents.sorted() {
            let folder = awaitingDirectory.appendingPathComponent(documentID, isDirectory: true)
            for signatureID in ((try? manager.contentsOfDirectory(atPath: folder.path)) ?? []).sorted() {
                markers.append((documentID, signatureID))
            }
        }
        return markers
    }

    // MARK: Evidence policy

    public func evidencePolicy() -> Data? { FileManager.default.contents(atPath: evidencePolicyURL.path) }

    public func writeEvidencePolicy(_ json: Data) throws {
        try DurableFile.write(json, to: evidencePolicyURL, temporaryDirectory: blobs.temporary)
    }
}
