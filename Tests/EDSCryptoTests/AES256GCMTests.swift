import Foundation
import Testing

@testable import EDSCrypto

/// AES-256-GCM's two layouts (the whole box and the headerless chunk) and their single EVP implementation.
@Suite struct AES256GCMTests {
    static let key = Data((0..<32).map { UInt8($0) })
    static let nonce = Data((0..<12).map { UInt8(0xA0 + $0) })
    static let associatedData = Data("object:ab12".utf8)

    static func plaintext(size: Int) -> Data { Data(repeating: 0x5A, count: size) }

    /// A chunk longer than one EVP update (an `int` length) goes through in pieces rather than being refused.
    @Test(arguments: [0, 1, AES256GCM.updateSize + 17])
    func aChunkOfAnySizeSealsAndOpensUnderItsNonce(size: Int) throws {
        let plaintext = Self.plaintext(size: size)
        let sealed = try AES256GCM.seal(plaintext, key: Self.key, nonce: Self.nonce, associatedData: Self.associatedData)
        #expect(sealed.count == size + AES256GCM.tagSize)
        #expect(try AES256GCM.open(sealed, key: Self.key, nonce: Self.nonce, associatedData: Self.associatedData) == plaintext)
    }

    /// The whole box is exactly `0x01 ‖ nonce ‖` the chunk the nonce pair makes under that nonce: one cipher, two framings.
    @Test(arguments: [0, 1000, AES256GCM.updateSize + 17])
    func theWholeBoxIsTheHeaderedChunkUnderItsOwnNonce(size: Int) throws {
        let plaintext = Self.plaintext(size: size)
        let box = try AES256GCM.seal(plaintext, key: Self.key, associatedData: Self.associatedData)
        #expect(box.count == size + AES256GCM.overhead)
        #expect(box.first == 0x01)
        let nonce = Data(box[1..<13])
        let chunk = try AES256GCM.seal(plaintext, key: Self.key, nonce: nonce, associatedData: Self.associatedData)
        #expect(box.dropFirst(13) == chunk)
        #expect(try AES256GCM.open(box, key: Self.key, associatedData: Self.associatedData) == plaintext)
    }

    /// A box opens only with its own key and associated data and unaltered; a slice of a larger buffer opens too.
    @Test func aWholeBoxOpensOnlyUnalteredUnderItsKeyAndAssociatedData() throws {
        let plaintext = Data("order No. 17".utf8)
        let box = try AES256GCM.seal(plaintext, key: Self.key, associatedData: Self.associatedData)
        let framed = Data([0xFF]) + box + Data([0xEE])
        #expect(try AES256GCM.open(framed[1..<(framed.count - 1)], key: Self.key, associatedData: Self.associatedData) == plaintext)
        var altered = box
        altered[altered.count - 1] ^= 0x01
        #expect(throws: CryptoError.self) { try AES256GCM.open(altered, key: Self.key, associatedData: Self.associatedData) }
        #expect(throws: CryptoError.self) { try AES256GCM.open(box, key: Self.key, associatedData: Data("object:cd34".utf8)) }
        #expect(throws: CryptoError.self) {
            try AES256GCM.open(box, key: try AES256GCM.generateKey(), associatedData: Self.associatedData)
        }
        #expect(throws: CryptoError.self) { try AES256GCM.open(box.prefix(AES256GCM.overhead - 1), key: Self.key) }
    }

    /// The referee: Python's `cryptography` opens our whole box following only its documented layout.
    @Test func aWholeBoxOpensWithPythonCryptography() throws {
        let python = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".venv/bin/python")
        try #require(FileManager.default.isExecutableFile(atPath: python.path), "run .ci/setup: it makes .venv")
        let plaintext = Data("Приказ о приёме на работу".utf8)
        let box = try AES256GCM.seal(plaintext, key: Self.key, associatedData: Self.associatedData)
        let script = """
            import sys
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM
            key, box, ad = bytes.fromhex(sys.argv[1]), bytes.fromhex(sys.argv[2]), sys.argv[3].encode()
            assert box[0] == 1
            sys.stdout.buffer.write(AESGCM(key).decrypt(box[1:13], box[13:], ad))
            """
        let process = Process()
        process.executableURL = python
        process.arguments = ["-c", script, Self.key.hexString, box.hexString, "object:ab12"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let opened = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(opened == plaintext)
    }
}
