import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Content-addressed sealed blobs: `objects/sha256/ab/cdef…`, named by the SHA-256 (hex) of their plaintext.
///
/// A blob reaches its name only complete and on disk: written to `tmp/`, fsynced, renamed, and its directory fsynced,
/// so a crash leaves either no blob or the whole blob under its name.
struct BlobStore: Sendable {
    let root: URL
    let temporary: URL

    init(vaultDirectory: URL) {
        root = vaultDirectory.appendingPathComponent("objects/sha256", isDirectory: true)
        temporary = vaultDirectory.appendingPathComponent("tmp", isDirectory: true)
    }

    func createDirectories() throws {
        try DurableFile.makeDirectory(root)
        try DurableFile.makeDirectory(temporary)
    }

    func url(for objectID: String) -> URL {
        let prefix = String(objectID.prefix(2))
        return root.appendingPathComponent(prefix, isDirectory: true).appendingPathComponent(String(objectID.dropFirst(2)))
    }

    func exists(_ objectID: String) -> Bool {
        FileManager.default.fileExists(atPath: url(for: objectID).path)
    }

    /// The blob under its name, else the copies staged for it under `tmp/` (a committed write whose rename a crash
    /// undid waits there until recovery moves it).
    func candidates(_ objectID: String) -> [Data] {
        if let data = try? Data(contentsOf: url(for: objectID)) { return [data] }
        return leftoverTemporaryFiles().filter { $0.objectID == objectID }.compactMap { try? Data(contentsOf: $0.file) }
    }

    /// As `candidates`, the files rather than their bytes.
    func candidateFiles(_ objectID: String) -> [URL] {
        let published = url(for: objectID)
        if FileManager.default.fileExists(atPath: published.path) { return [published] }
        return leftoverTemporaryFiles().filter { $0.objectID == objectID }.map(\.file)
    }

    func read(_ objectID: String) throws -> Data {
        do {
            return try Data(contentsOf: url(for: objectID))
        } catch {
            // A committed blob whose rename a crash undid waits in tmp/ until recovery moves it.
            if let staged = leftoverTemporaryFiles().first(where: { $0.objectID == objectID }),
                let data = try? Data(contentsOf: staged.file)
            {
                return data
            }
            throw VaultError.corrupted("blob \(objectID) is missing or unreadable")
        }
    }

    /// A blob written and fsynced under `tmp/`, named after its object id so recovery knows what it is.
    struct StagedBlob: Sendable {
        let objectID: String
        let temporaryFile: URL
    }

    /// Step 1 of a write: every blob to `tmp/<object id>.<writer>.tmp`, fsynced, then `tmp/` itself fsynced once.
    /// The fsyncs run in parallel: a disk acknowledges concurrent flushes together, which is what makes group commit
    /// several times faster than flushing one file after another. A blob already under the name is staged again all
    /// the same: sealing is not deterministic (a fresh key and nonce per write), and a file under the name that the
    /// index does not reference (an erasure's blob not yet deleted) must not stand in for the blob being committed.
    func stage(_ blobs: [(objectID: String, bytes: Data)]) throws -> [StagedBlob] {
        guard !blobs.isEmpty else { return [] }
        let temporary = self.temporary
        let files = try ParallelIO.map(blobs) { blob in
            try DurableFile.stage(blob.bytes, in: temporary, prefix: blob.objectID + ".")
        }
        try DurableFile.syncDirectory(temporary)
        return zip(blobs, files).map { StagedBlob(objectID: $0.objectID, temporaryFile: $1) }
    }

    /// Step 3, after the index committed: rename each staged blob into place. No fsync is needed here: if a crash
    /// loses a rename, the blob is still complete under `tmp/` and recovery moves it, since the index names it.
    func publish(_ staged: [StagedBlob]) throws {
        for blob in staged {
            let destination = url(for: blob.objectID)
            let directory = destination.deletingLastPathComponent()
            if !FileManager.default.fileExists(atPath: directory.path) { try DurableFile.makeDirectory(directory) }
            guard rename(blob.temporaryFile.path, destination.path) == 0 else {
                throw VaultError.io("cannot move a blob into place: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// When the index transaction failed: the staged blobs were never acknowledged.
    func discard(_ staged: [StagedBlob]) {
        for blob in staged { unlink(blob.temporaryFile.path) }
    }

    /// Stage and publish with the directories fsynced: for blobs that no index transaction accompanies.
    func write(_ blobs: [(objectID: String, bytes: Data)]) throws {
        let staged = try stage(blobs)
        try publish(staged)
        let directories = Set(staged.map { url(for: $0.objectID).deletingLastPathComponent().path })
        _ = try ParallelIO.map(Array(directories)) { try DurableFile.syncDirectory(URL(fileURLWithPath: $0)) }
    }

    /// Moves a staged blob of a committed write into place (recovery after a crash between commit and rename).
    func adopt(_ temporaryFile: URL, as objectID: String) throws {
        try publish([StagedBlob(objectID: objectID, temporaryFile: temporaryFile)])
        try DurableFile.syncDirectory(url(for: objectID).deletingLastPathComponent())
    }

    func remove(_ objectIDs: [String]) throws {
        var directories = Set<String>()
        for objectID in objectIDs {
            let file = url(for: objectID)
            if unlink(file.path) == 0 { directories.insert(file.deletingLastPathComponent().path) }
        }
        _ = try ParallelIO.map(Array(directories)) { try DurableFile.syncDirectory(URL(fileURLWithPath: $0)) }
    }

    /// Every object id present on disk.
    func allObjectIDs() throws -> [String] {
        var result: [String] = []
        let manager = FileManager.default
        guard let prefixes = try? manager.contentsOfDirectory(atPath: root.path) else { return [] }
        for prefix in prefixes.sorted() where prefix.count == 2 {
            let directory = root.appendingPathComponent(prefix).path
            for name in (try? manager.contentsOfDirectory(atPath: directory)) ?? [] {
                result.append(prefix + name)
            }
        }
        return result
    }

    /// Temporary files left by writes that never finished (a killed process), with the object id each was for.
    func leftoverTemporaryFiles() -> [(file: URL, objectID: String?)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []
        return names.map { name in
            let prefix = name.split(separator: ".", maxSplits: 1).first.map(String.init)
            let objectID = prefix.flatMap { $0.count == 64 && $0.allSatisfy(\.isHexDigit) ? $0 : nil }
            return (temporary.appendingPathComponent(name), objectID)
        }
    }
}

/// Crash-safe file writing.
enum DurableFile {
    /// Writes `data` to a new file in `directory` and fsyncs it; the caller renames it into place.
    static func stage(_ data: Data, in directory: URL, prefix: String = "", permissions: mode_t = 0o600) throws -> URL {
        var pending: Data? = data
        return try stage(pieces: { defer { pending = nil }; return pending }, in: directory, prefix: prefix, permissions: permissions)
    }

    /// As `stage(_:in:prefix:permissions:)`, written piece by piece; the file is removed when a piece or a write fails.
    static func stage(pieces next: () throws -> Data?, in directory: URL, prefix: String = "", permissions: mode_t = 0o600) throws -> URL {
        let name = "\(prefix)\(getpid())-\(UUID().uuidString).tmp"
        let file = directory.appendingPathComponent(name)
        let descriptor = open(file.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
        guard descriptor >= 0 else {
            throw VaultError.io("cannot create \(file.path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        do {
            while let piece = try next() { try writeAll(piece, to: descriptor, path: file.path) }
            guard fsync(descriptor) == 0 else { throw VaultError.io("cannot flush \(file.path) to disk: \(String(cString: strerror(errno)))") }
        } catch {
            unlink(file.path)
            throw error
        }
        return file
    }

    static func writeAll(_ data: Data, to descriptor: Int32, path: String) throws {
        try data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw VaultError.io("cannot write \(path): \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
    }

    /// Replaces `destination` atomically and durably.
    static func write(_ data: Data, to destination: URL, temporaryDirectory: URL, permissions: mode_t = 0o600) throws {
        let staged = try stage(data, in: temporaryDirectory, permissions: permissions)
        guard rename(staged.path, destination.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(staged.path)
            throw VaultError.io("cannot write \(destination.path): \(reason)")
        }
        try syncDirectory(destination.deletingLastPathComponent())
    }

    static func syncDirectory(_ directory: URL) throws {
        let descriptor = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw VaultError.io("cannot open directory \(directory.path)") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw VaultError.io("cannot flush directory \(directory.path)") }
    }

    /// Creates the directory (and parents) and makes each new entry durable in its parent.
    static func makeDirectory(_ directory: URL) throws {
        let manager = FileManager.default
        if manager.fileExists(atPath: directory.path) { return }
        let parent = directory.deletingLastPathComponent()
        try makeDirectory(parent)
        if mkdir(directory.path, 0o700) != 0 && errno != EEXIST {
            throw VaultError.io("cannot create directory \(directory.path): \(String(cString: strerror(errno)))")
        }
        try syncDirectory(parent)
    }
}

/// Runs blocking file operations on a few threads at once (not the cooperative pool, which must not block).
enum ParallelIO {
    /// Enough concurrent fsyncs for the disk to batch them; more threads only add scheduling on 2 cores.
    static let width = 16

    static func map<Input: Sendable, Output: Sendable>(
        _ inputs: [Input], width: Int = width, _ body: @escaping @Sendable (Input) throws -> Output
    ) throws -> [Output] {
        if inputs.count <= 1 { return try inputs.map(body) }
        let results = ResultSlots<Output>(count: inputs.count)
        let group = DispatchGroup()
        let workers = min(width, inputs.count)
        for worker in 0..<workers {
            group.enter()
            let thread = Thread {
                var index = worker
                while index < inputs.count {
                    results.set(index, Result { try body(inputs[index]) })
                    index += workers
                }
                group.leave()
            }
            thread.start()
        }
        group.wait()
        return try results.values()
    }
}

private final class ResultSlots<Output: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<Output, any Error>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<Output, any Error>) {
        lock.withLock { slots[index] = result }
    }

    func values() throws -> [Output] {
        try lock.withLock { try slots.map { try $0!.get() } }
    }
}
