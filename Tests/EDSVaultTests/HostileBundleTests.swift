import EDSCrypto
import Foundation
import Testing

@testable import EDSVault

/// One hostile ASiC-S container, built by Python's zipfile (a ZIP writer we did not write), and the refusal it gets.
struct HostileBundle: Sendable, CustomTestStringConvertible {
    let name: String
    /// Python statements over `z` (an open ZipFile) and `mimetype` (the ZipInfo for a stored mimetype entry).
    let script: String
    let message: String
    var testDescription: String { name }

    static let all: [HostileBundle] = [
        HostileBundle(
            name: "a deflate bomb as the document",
            script: "z.writestr('order.txt', b'\\0' * (300 << 20), compress_type=zipfile.ZIP_DEFLATED)",
            message: "larger than the limit"),
        HostileBundle(
            name: "two signatures under one name",
            script: "z.writestr('order.txt', b'doc')\nz.writestr('META-INF/signature.p7s', b'0')",
            message: "two entries named META-INF/signature.p7s"),
        HostileBundle(
            name: "a document path outside the root",
            script: "z.writestr('../../etc/order.txt', b'doc')",
            message: "not a plain file name"),
        HostileBundle(
            name: "a thousand entries",
            script: "[z.writestr('META-INF/x%d' % i, b'') for i in range(1000)]",
            message: "more than 64 entries"),
    ]

    func build(signature: Data) throws -> Data {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("asic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        try signature.write(to: work.appendingPathComponent("signature.p7s"))
        let program = """
            import warnings, zipfile
            warnings.simplefilter('ignore')
            with zipfile.ZipFile('bundle.asics', 'w') as z:
                z.writestr(zipfile.ZipInfo('mimetype'), '\(ProofBundle.mimeType)', compress_type=zipfile.ZIP_STORED)
                z.writestr('META-INF/signature.p7s', open('signature.p7s', 'rb').read())
            \(script.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", program]
        process.currentDirectoryURL = work
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return try Data(contentsOf: work.appendingPathComponent("bundle.asics"))
    }
}

/// `verify --bundle` reads containers from anyone: each hostile one is refused with a clear message.
struct HostileBundleTests {
    @Test(arguments: HostileBundle.all)
    func hostileContainerIsRefusedWithAClearMessage(_ hostile: HostileBundle) throws {
        let bundle = try hostile.build(signature: Data([0x30, 0x00]))
        let error = try #require(throws: VaultError.self) { try ProofBundle.read(bundle) }
        guard case .invalidInput(let message) = error else {
            Issue.record("expected invalidInput, got \(error)")
            return
        }
        #expect(message.contains(hostile.message), "\(message)")
    }

    /// Found by Fuzz/fuzz-asic: a central directory pointing past the end of the data made ZIPFoundation's
    /// in-memory reader trap ("Range requires lowerBound <= upperBound"), killing `verify --bundle`.
    @Test func containerPointingPastItsEndIsRefusedNotACrash() throws {
        let regression = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/regressions/asic-zipfoundation-read-past-end.zip")
        #expect(throws: VaultError.self) { try ProofBundle.read(try Data(contentsOf: regression)) }
    }

    @Test func wellFormedContainerStillReads() throws {
        let bundle = try ProofBundle.make(document: Data("doc".utf8), fileName: "order.txt", signature: Data([0x30, 0x00]))
        let contents = try ProofBundle.read(bundle)
        #expect(contents.fileName == "order.txt")
        #expect(contents.document == Data("doc".utf8))
    }
}
