import EDSCrypto
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The two formats of a sealed blob (a document's or a signature's bytes under its document key), told apart by the
/// first byte. See Docs/vault.md, "Sealed blobs".
///
/// - `0x01`: one AES-256-GCM box over the whole plaintext (`EDSCrypto.AES256GCM`: `0x01 ‖ nonce ‖ ciphertext ‖ tag`,
///   associated data `object:<id>`): every blob written before chunking; still read, never written.
/// - `0x02`: chunked, the STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár ("Online
///   Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance", CRYPTO 2015, § 7; the nOAE scheme that Tink's
///   streaming AEAD also uses). Header `0x02 ‖ chunk size (4 bytes, big-endian) ‖ nonce prefix (7 random bytes)`, then
///   the chunks, each `AES-256-GCM(plaintext chunk) ‖ tag (16)`. Chunk *i* is sealed under the nonce
///   `prefix ‖ i (4 bytes, big-endian) ‖ last (0x01 for the final chunk, else 0x00)` with associated data
///   `header ‖ "object:<id>"`. Every chunk but the last holds exactly `chunk size` plaintext bytes; the last holds
///   0…`chunk size` (an empty document is one empty last chunk). So a chunk moved to another index, another blob or
///   another position fails its tag, and a blob cut after any chunk lacks the one whose last flag is set: reordering,
///   dropping and truncation are all detected. The object id stays the SHA-256 of the whole plaintext, checked at the end.
enum SealedBlob {
    static let wholeVersion: UInt8 = 1
    static let chunkedVersion: UInt8 = 2
    /// Plaintext per chunk: a sealed chunk (plus the header, on the first) fits one 1 MiB row of a PostgreSQL vault.
    static let chunkSize = 512 * 1024
    static let headerSize = 12
    static let prefixSize = 7
    static let tagSize = 16
    /// Bounds on a stored header's chunk size: a hostile header must not make a reader allocate without limit.
    static let chunkSizes = 4096...(4 << 20)

    /// Seals a whole plaintext in the chunked format (the in-memory path: small documents, signatures).
    static func seal(_ plaintext: Data, key: Data, objectID: String) throws -> Data {
        var sealer = try ChunkSealer(key: key, objectID: objectID)
        var sealed = sealer.header
        sealed.reserveCapacity(headerSize + plaintext.count + (plaintext.count / chunkSize + 1) * tagSize)
        var start = plaintext.startIndex
        repeat {
            let end = min(start + chunkSize, plaintext.endIndex)
            sealed.append(try sealer.seal(plaintext[start..<end], last: end == plaintext.endIndex))
            start = end
        } while start < plaintext.endIndex
        return sealed
    }

    /// Opens a sealed blob of either format held whole in memory, checking it hashes to `objectID`.
    static func open(_ sealed: Data, key: Data, objectID: String) throws -> Data {
        let opener = try BlobOpener(key: key, objectID: objectID)
        var plaintext = Data()
        try opener.feed(sealed) { plaintext.append($0) }
        try opener.finish { plaintext.append($0) }
        return plaintext
    }

    static func integrityFailure(_ objectID: String) -> VaultError {
        .corrupted("object \(objectID) fails its integrity check (altered or corrupted)")
    }
}

/// Seals one blob chunk by chunk (STREAM: a nonce per chunk from a random prefix, the index and the last flag).
struct ChunkSealer {
    let key: Data
    let header: Data
    private let prefix: Data
    private let associatedData: Data
    private var index: UInt32 = 0
    private var finished = false

    init(key: Data, objectID: String, chunkSize: Int = SealedBlob.chunkSize) throws {
        self.key = key
        let prefix: Data
        do { prefix = try SecureRandom.bytes(SealedBlob.prefixSize) } catch { throw VaultError.io("the random generator failed") }
        self.prefix = prefix
        var header = Data([SealedBlob.chunkedVersion])
        header.append(contentsOf: withUnsafeBytes(of: UInt32(chunkSize).bigEndian, Array.init))
        header.append(prefix)
        self.header = header
        associatedData = header + Data("object:\(objectID)".utf8)
    }

    /// Seals the next chunk; `last` for the final one (after which nothing more may be sealed).
    mutating func seal(_ chunk: Data, last: Bool) throws -> Data {
        guard !finished, index < UInt32.max else { throw VaultError.io("a blob has too many chunks") }
        let nonce = ChunkNonce.make(prefix: prefix, index: index, last: last)
        index += 1
        finished = last
        do { return try AES256GCM.seal(chunk, key: key, nonce: nonce, associatedData: associatedData) } catch {
            throw VaultError.io("encryption failed: \(error)")
        }
    }
}

enum ChunkNonce {
    static func make(prefix: Data, index: UInt32, last: Bool) -> Data {
        var nonce = prefix
        nonce.append(contentsOf: withUnsafeBytes(of: index.bigEndian, Array.init))
        nonce.append(last ? 1 : 0)
        return nonce
    }
}

/// Opens a sealed blob fed in pieces of any size (file reads, database rows), handing out plaintext as each chunk
/// authenticates; `finish` opens the last chunk and checks the SHA-256 of everything against the object id. A blob in
/// the whole-box format (0x01) is gathered and opened at `finish`, as before chunking.
final class BlobOpener {
    private let key: Data
    private let objectID: String
    private var buffer = Data()
    private var header: Data?
    private var prefix = Data()
    private var associatedData = Data()
    private var sealedChunk = 0
    private var index: UInt32 = 0
    private var whole = false
    private var hasher: StreamingDigest?

    init(key: Data, objectID: String) throws {
        self.key = key
        self.objectID = objectID
        hasher = try StreamingDigest(algorithms: [.sha256])
    }

    func feed(_ piece: Data, emit: (Data) throws -> Void) throws {
        buffer.append(piece)
        if header == nil && !whole {
            guard let version = buffer.first else { return }
            switch version {
            case SealedBlob.wholeVersion:
                whole = true
            case SealedBlob.chunkedVersion:
                guard buffer.count >= SealedBlob.headerSize else { return }
                let header = Data(buffer.prefix(SealedBlob.headerSize))
                let chunkSize = header.dropFirst().prefix(4).reduce(0) { $0 << 8 | Int($1) }
                guard SealedBlob.chunkSizes.contains(chunkSize) else { throw SealedBlob.integrityFailure(objectID) }
                self.header = header
                prefix = Data(header.suffix(SealedBlob.prefixSize))
                associatedData = header + Data("object:\(objectID)".utf8)
                sealedChunk = chunkSize + SealedBlob.tagSize
                buffer.removeFirst(SealedBlob.headerSize)
            default:
                throw SealedBlob.integrityFailure(objectID)
            }
        }
        guard header != nil else { return }
        // A full chunk with more bytes after it is not the last one.
        var offset = buffer.startIndex
        while buffer.endIndex - offset > sealedChunk {
            try open(buffer[offset..<offset + sealedChunk], last: false, emit: emit)
            offset += sealedChunk
        }
        if offset != buffer.startIndex { buffer.removeSubrange(buffer.startIndex..<offset) }
    }

    func finish(emit: (Data) throws -> Void) throws {
        if whole {
            let plaintext: Data
            do { plaintext = try AES256GCM.open(buffer, key: key, associatedData: Data("object:\(objectID)".utf8)) } catch {
                throw SealedBlob.integrityFailure(objectID)
            }
            buffer = Data()
            hasher?.update(plaintext)
            try emit(plaintext)
        } else {
            guard header != nil, buffer.count >= SealedBlob.tagSize else { throw SealedBlob.integrityFailure(objectID) }
            try open(buffer, last: true, emit: emit)
            buffer = Data()
        }
        guard hasher.take()?.finish()[.sha256]?.hexString == objectID else {
            throw VaultError.corrupted("blob \(objectID) does not hash to its name")
        }
    }

    private func open(_ sealed: Data, last: Bool, emit: (Data) throws -> Void) throws {
        let nonce = ChunkNonce.make(prefix: prefix, index: index, last: last)
        let plaintext: Data
        do { plaintext = try AES256GCM.open(Data(sealed), key: key, nonce: nonce, associatedData: associatedData) } catch {
            throw SealedBlob.integrityFailure(objectID)
        }
        guard index < UInt32.max else { throw SealedBlob.integrityFailure(objectID) }
        index += 1
        hasher?.update(plaintext)
        try emit(plaintext)
    }
}

/// A plaintext file read chunk by chunk and sealed on the way (`Vault.put(fileAt:)`): the pieces handed to
/// `VaultStorage.stage(objectID:pieces:)`. It hashes what it reads again, so a file that changed since its id was
/// computed is refused rather than stored under a name it does not hash to.
final class SealingFileReader {
    private let descriptor: Int32
    private let path: String
    private let objectID: String
    private var sealer: ChunkSealer
    private var hasher: StreamingDigest?
    private var lookahead: Data?
    private var started = false
    private var done = false

    init(file: URL, key: Data, objectID: String) throws {
        path = file.path
        self.objectID = objectID
        // Everything that can throw comes before the open: a failed init would not run deinit to close it.
        sealer = try ChunkSealer(key: key, objectID: objectID)
        hasher = try StreamingDigest(algorithms: [.sha256])
        descriptor = Glibc.open(file.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw VaultError.notFound("cannot read document \(file.path): \(String(cString: strerror(errno)))")
        }
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// The next sealed piece (the header rides with the first chunk), nil after the last.
    func next() throws -> Data? {
        guard !done else { return nil }
        let current = try lookahead ?? readChunk()
        let following = try readChunk()
        let last = following.isEmpty
        lookahead = following
        var piece = started ? Data() : sealer.header
        started = true
        if last {
            done = true
            guard hasher.take()?.finish()[.sha256]?.hexString == objectID else {
                throw VaultError.invalidInput("document \(path) changed while it was being stored; nothing was stored")
            }
        }
        piece.append(try sealer.seal(current, last: last))
        return piece
    }

    private func readChunk() throws -> Data {
        var chunk = Data(count: SealedBlob.chunkSize)
        let count = try chunk.withUnsafeMutableBytes { buffer -> Int in
            var filled = 0
            while filled < buffer.count {
                let got = read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
                if got < 0 {
                    if errno == EINTR { continue }
                    throw VaultError.io("cannot read document \(path): \(String(cString: strerror(errno)))")
                }
                if got == 0 { break }
                filled += got
            }
            return filled
        }
        chunk.count = count
        hasher?.update(chunk)
        return chunk
    }
}

/// A file written chunk by chunk that appears under its name only complete: a temporary file beside the destination,
/// fsynced and renamed at `commit`, removed by `abandon`.
final class StreamedOutput {
    let destination: URL
    private let temporary: URL
    private var descriptor: Int32

    init(destination: URL) throws {
        self.destination = destination
        temporary = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).\(getpid())-\(UUID().uuidString).tmp")
        descriptor = Glibc.open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw VaultError.io("cannot write \(destination.path): \(String(cString: strerror(errno)))")
        }
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    func write(_ chunk: Data) throws { try DurableFile.writeAll(chunk, to: descriptor, path: destination.path) }

    /// Back to an empty file (another stored copy is about to be tried).
    func restart() throws {
        guard ftruncate(descriptor, 0) == 0, lseek(descriptor, 0, SEEK_SET) == 0 else {
            throw VaultError.io("cannot write \(destination.path): \(String(cString: strerror(errno)))")
        }
    }

    func commit() throws {
        guard fsync(descriptor) == 0 else { throw VaultError.io("cannot flush \(destination.path): \(String(cString: strerror(errno)))") }
        close(descriptor)
        descriptor = -1
        guard rename(temporary.path, destination.path) == 0 else {
            throw VaultError.io("cannot write \(destination.path): \(String(cString: strerror(errno)))")
        }
        try? DurableFile.syncDirectory(destination.deletingLastPathComponent())
    }

    func abandon() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        unlink(temporary.path)
    }
}
