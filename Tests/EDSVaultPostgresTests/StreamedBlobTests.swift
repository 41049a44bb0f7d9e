import EDSCrypto
import Foundation
import Testing

@testable import EDSVault
@testable import EDSVaultPostgres

/// Documents streamed into and out of the vault as chunked sealed blobs (Docs/vault.md, "Sealed blobs"), on both stores.
@Suite struct StreamedBlobTests {
    /// What an attacker with write access to the store does to a chunked blob.
    enum Tamper: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case swapTwoChunks, dropAChunk, truncateTheLastChunk, alterAByte, replaceTheHeaderPrefix

        var testDescription: String { rawValue }
    }

    static let sizes = [0, SealedBlob.chunkSize, 3 * SealedBlob.chunkSize + 123]

    static func document(size: Int, seed: UInt8 = 1) -> Data {
        var bytes = Data(count: size)
        var state = UInt32(seed) &* 2_654_435_761
        for index in 0..<size {
            state = state &* 1_664_525 &+ 1_013_904_223
            bytes[index] = UInt8(truncatingIfNeeded: state >> 24)
        }
        return bytes
    }

    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-stream-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// The stored blob's sealed bytes cut where the chunked format's pieces are: the header with chunk 0, then each chunk.
    static func pieces(of sealed: Data) -> [Data] {
        let sealedChunk = SealedBlob.chunkSize + SealedBlob.tagSize
        var pieces = [Data(sealed.prefix(SealedBlob.headerSize + sealedChunk))]
        var start = sealed.startIndex + SealedBlob.headerSize + sealedChunk
        while start < sealed.endIndex {
            pieces.append(Data(sealed[start..<min(start + sealedChunk, sealed.endIndex)]))
            start += sealedChunk
        }
        return pieces
    }

    /// Replaces the published blob of `id` with `pieces`, through the store's own staging and publishing.
    static func overwrite(_ id: String, with pieces: [Data], in vault: Vault) throws {
        var remaining = pieces[...]
        let staged = try vault.storage.stage(objectID: id) { remaining.popFirst() }
        try vault.storage.publish([staged])
    }

    @Test(arguments: StoreKind.available, sizes)
    func aDocumentStreamedInIsStreamedOutIdenticalAndChecked(_ kind: StoreKind, size: Int) throws {
        let store = try StoreVault.make(kind)
        let folder = try Self.folder()
        let document = Self.document(size: size)
        let input = folder.appendingPathComponent("order.pdf")
        try document.write(to: input)
        let stored = try store.vault.put(fileAt: input, metadata: PG.metadata())
        #expect(stored.id == Digest.sha256(document).hexString)
        #expect(stored.size == size)
        #expect(try store.vault.storage.readBlob(stored.id).first == SealedBlob.chunkedVersion)
        let output = folder.appendingPathComponent("out.pdf")
        try store.reopened().read(stored.id, as: .individual(iin: PG.employeeIIN), writeTo: output)
        #expect(try Data(contentsOf: output) == document)
        #expect(try store.vault.read(stored.id, as: .operator_).bytes == document)
        // The same bytes put from memory are the same document.
        #expect(try store.vault.put(document, metadata: PG.metadata()).id == stored.id)
        let check = try store.vault.check()
        #expect(check.isClean, "\(check.problems)")
    }

    @Test(arguments: StoreKind.available, Tamper.allCases)
    func aTamperedChunkIsCorruptionAndLeavesNoOutputFile(_ kind: StoreKind, tamper: Tamper) throws {
        let store = try StoreVault.make(kind)
        let folder = try Self.folder()
        let input = folder.appendingPathComponent("payroll.pdf")
        try Self.document(size: 3 * SealedBlob.chunkSize + 123).write(to: input)
        let id = try store.vault.put(fileAt: input, metadata: PG.metadata()).id
        var pieces = Self.pieces(of: try store.vault.storage.readBlob(id))
        #expect(pieces.count == 4)
        switch tamper {
        case .swapTwoChunks: pieces.swapAt(1, 2)
        case .dropAChunk: pieces.remove(at: 2)
        case .truncateTheLastChunk: pieces.removeLast()
        case .alterAByte: pieces[1][pieces[1].startIndex + 1000] ^= 0x01
        case .replaceTheHeaderPrefix: pieces[0][pieces[0].startIndex + 6] ^= 0x80
        }
        try Self.overwrite(id, with: pieces, in: store.vault)
        let output = folder.appendingPathComponent("out.pdf")
        #expect(throws: VaultError.corrupted("object \(id) fails its integrity check (altered or corrupted)")) {
            try store.reopened().read(id, as: .operator_, writeTo: output)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["payroll.pdf"], "no output, no temporary file")
        #expect(throws: VaultError.self) { try store.vault.read(id, as: .operator_) }
        let check = try store.vault.check()
        #expect(check.problems == ["document \(id) fails its integrity check (altered or corrupted)"])
    }

    @Test(arguments: StoreKind.available)
    func aFailedReadLeavesAnExistingOutputFileUntouched(_ kind: StoreKind) throws {
        let store = try StoreVault.make(kind)
        let folder = try Self.folder()
        let input = folder.appendingPathComponent("contract.pdf")
        try Self.document(size: 2 * SealedBlob.chunkSize + 5).write(to: input)
        let id = try store.vault.put(fileAt: input, metadata: PG.metadata()).id
        var pieces = Self.pieces(of: try store.vault.storage.readBlob(id))
        pieces[2][pieces[2].startIndex] ^= 0x01
        try Self.overwrite(id, with: pieces, in: store.vault)
        let output = folder.appendingPathComponent("out.pdf")
        try Data("earlier".utf8).write(to: output)
        #expect(throws: VaultError.self) { try store.vault.read(id, as: .operator_, writeTo: output) }
        #expect(try Data(contentsOf: output) == Data("earlier".utf8))
    }

    @Test(arguments: StoreKind.available)
    func aBlobSealedWholeBeforeChunkingStillOpensAndChecks(_ kind: StoreKind) throws {
        let store = try StoreVault.make(kind)
        let document = Self.document(size: SealedBlob.chunkSize + 77, seed: 9)
        let id = try store.vault.put(document, metadata: PG.metadata()).id
        let row = try #require(try store.vault.index.document(id: id))
        let key = try store.vault.documentKey(of: row)
        // Exactly what the vault wrote before chunked blobs: one AES-256-GCM box, associated data `object:<id>`.
        let whole = try AES256GCM.seal(document, key: key, associatedData: Data("object:\(id)".utf8))
        try Self.overwrite(id, with: [whole], in: store.vault)
        #expect(try store.vault.storage.readBlob(id).first == SealedBlob.wholeVersion)
        let again = try store.reopened()
        #expect(try again.read(id, as: .operator_).bytes == document)
        let output = try Self.folder().appendingPathComponent("out.pdf")
        try again.read(id, as: .operator_, writeTo: output)
        #expect(try Data(contentsOf: output) == document)
        #expect(try again.check().isClean)
    }

    @Test(arguments: StoreKind.available)
    func aChunkOfAnotherDocumentDoesNotOpenInPlaceOfItsOwn(_ kind: StoreKind) throws {
        let store = try StoreVault.make(kind)
        let folder = try Self.folder()
        let first = folder.appendingPathComponent("first.pdf")
        let second = folder.appendingPathComponent("second.pdf")
        try Self.document(size: 2 * SealedBlob.chunkSize, seed: 3).write(to: first)
        try Self.document(size: 2 * SealedBlob.chunkSize, seed: 4).write(to: second)
        let firstID = try store.vault.put(fileAt: first, metadata: PG.metadata()).id
        let secondID = try store.vault.put(fileAt: second, metadata: PG.metadata()).id
        var pieces = Self.pieces(of: try store.vault.storage.readBlob(firstID))
        pieces[1] = Self.pieces(of: try store.vault.storage.readBlob(secondID))[1]
        try Self.overwrite(firstID, with: pieces, in: store.vault)
        #expect(throws: VaultError.corrupted("object \(firstID) fails its integrity check (altered or corrupted)")) {
            try store.vault.read(firstID, as: .operator_)
        }
    }

    /// The referee: Python's `cryptography` (OpenSSL underneath, but not our code) opens the stored blob following
    /// only the documented layout (Docs/vault.md, "Sealed blobs") and gets the document back.
    @Test(arguments: StoreKind.available)
    func aChunkedBlobOpensWithPythonCryptographyFollowingTheDocumentedLayout(_ kind: StoreKind) throws {
        let python = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".venv/bin/python")
        try #require(FileManager.default.isExecutableFile(atPath: python.path), "run .ci/setup: it makes .venv")
        let store = try StoreVault.make(kind)
        let folder = try Self.folder()
        let document = Self.document(size: 2 * SealedBlob.chunkSize + 999, seed: 7)
        let input = folder.appendingPathComponent("contract.pdf")
        try document.write(to: input)
        let id = try store.vault.put(fileAt: input, metadata: PG.metadata()).id
        let row = try #require(try store.vault.index.document(id: id))
        let blob = folder.appendingPathComponent("blob")
        try store.vault.storage.readBlob(id).write(to: blob)
        let opened = folder.appendingPathComponent("opened")
        let script = """
            import hashlib, struct, sys
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM
            key, object_id, blob, out = bytes.fromhex(sys.argv[1]), sys.argv[2], open(sys.argv[3], 'rb').read(), sys.argv[4]
            assert blob[0] == 2
            header = blob[:12]
            size, = struct.unpack('>I', header[1:5])
            prefix, body, ad = header[5:12], blob[12:], header + b'object:' + object_id.encode()
            chunks = [body[i:i + size + 16] for i in range(0, len(body), size + 16)] or [b'']
            plain = b''.join(
                AESGCM(key).decrypt(prefix + struct.pack('>I', i) + bytes([i == len(chunks) - 1]), c, ad) for i, c in enumerate(chunks))
            assert hashlib.sha256(plain).hexdigest() == object_id
            open(out, 'wb').write(plain)
            """
        let process = Process()
        process.executableURL = python
        process.arguments = ["-c", script, try store.vault.documentKey(of: row).hexString, id, blob.path, opened.path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(try Data(contentsOf: opened) == document)
    }

    @Test func aMissingFileIsNotFoundAndStoresNothing() throws {
        let store = try StoreVault.make(.directory)
        let missing = try Self.folder().appendingPathComponent("absent.pdf")
        #expect(throws: VaultError.self) { try store.vault.put(fileAt: missing, metadata: PG.metadata()) }
        #expect(try store.blobIDs().isEmpty)
    }
}
