import Foundation
import Testing

/// Issue 10 through the real executable: hostile signature files get one line and exit 65, or a report; the process
/// never dies of them.
@Suite(.serialized) struct HostileInputCLITests {
    /// `30 80` × 300,000 then the end-of-contents octets: 1.2 MB, which crashed the recursive walker (SIGSEGV).
    static func nestedIndefiniteSequences() -> Data {
        var bytes = [UInt8]()
        for _ in 0..<300_000 { bytes += [0x30, 0x80] }
        bytes += [UInt8](repeating: 0, count: 600_000)
        return Data(bytes)
    }

    @Test(arguments: ["verify", "inspect"])
    func nestedIndefiniteLengthsGetOneLineAndExit65(_ command: String) throws {
        let work = try Tools.workspace()
        let hostile = work.appendingPathComponent("nested.cms")
        try Self.nestedIndefiniteSequences().write(to: hostile)
        let arguments = command == "verify" ? ["verify", "--signature", hostile.path] + Tools.trustArguments + Tools.crlArguments : ["inspect", hostile.path]
        let result = try Tools.run(Tools.edsvault, arguments)
        #expect(result.status == 65, "stderr: \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(!result.stderr.contains("Fatal error"))
        if command == "verify" { #expect(result.stderr.contains("nested deeper than the limit")) }
    }

    @Test func validSignatureWithATrailingMegabyteIsIndeterminateFormatFailure() throws {
        let work = try Tools.workspace()
        let document = work.appendingPathComponent("order.txt")
        let signature = work.appendingPathComponent("order.cms")
        let signed = try Tools.eds("sign", document.path, "--key", "Certs/employee.p12", "--password-env", "EDSVAULT_PASSWORD", "--out", signature.path)
        #expect(signed.status == 0)
        let handle = try FileHandle(forWritingTo: signature)
        try handle.seekToEnd()
        var random = SystemRandomNumberGenerator()
        try handle.write(contentsOf: Data((0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &random) }))
        try handle.close()

        let result = try Tools.run(Tools.edsvault, ["verify", "--signature", signature.path, document.path, "--format", "json"] + Tools.trustArguments + Tools.crlArguments)
        #expect(result.status == 2)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(report["indication"] as? String == "INDETERMINATE")
        #expect(report["subIndication"] as? String == "FORMAT_FAILURE")
        #expect(result.stdout.contains("1048576 byte(s) follow the CMS object"))

        let inspected = try Tools.eds("inspect", signature.path)
        #expect(inspected.status == 0)
        #expect(inspected.stdout.contains("malformed: 1048576 byte(s) follow the CMS object"))
    }
}

/// Issue 23, item 3: a certificate whose CN is `ESC[2J ESC[H ESC[1;32mResult: TOTAL_PASSED ESC[0m U+202E…` (and an O
/// with BEL and U+2066) cleared the screen and painted a green verdict over the real one. Every string from a
/// certificate, a CMS, a file name or the vault reaches the terminal escaped (`\x1b`, `\u202e`). The seeds are
/// `Fuzz/corpus/certificate/terminal-escape-subject.der` and `Fuzz/corpus/cms/terminal-escape-signer.der` (a
/// self-signed signer over "ПРИКАЗ № 17-К\n").
@Suite struct TerminalEscapeCLITests {
    static let corpus = Tools.root.appendingPathComponent("Fuzz/corpus")
    static let raw: [String] = ["\u{1B}", "\u{7}", "\u{202E}", "\u{2066}"]

    static func expectEscaped(_ output: String, _ context: String) {
        for control in raw { #expect(!output.contains(control), "\(context): a raw \(control.unicodeScalars.first!.value) reached the terminal") }
        #expect(output.contains("\\x1b[2J\\x1b[H\\x1b[1;32mResult: TOTAL_PASSED\\x1b[0m \\u202eКАСЫМОВ"), "\(context): \(output)")
    }

    @Test(arguments: ["en", "ru", "kk"])
    func aControlSequenceInTheSignersNameIsShownEscapedNotObeyed(_ language: String) throws {
        let work = try Tools.workspace()
        defer { try? FileManager.default.removeItem(at: work) }
        let document = work.appendingPathComponent("order.txt")
        try Data("ПРИКАЗ № 17-К\n".utf8).write(to: document)
        let signature = Self.corpus.appendingPathComponent("cms/terminal-escape-signer.der").path
        let result = try Tools.run(
            Tools.edsvault, ["verify", "--signature", signature, document.path, "--lang", language, "--offline"] + Tools.trustArguments)
        // Self-signed, not under the named anchor: INDETERMINATE, whatever the CN paints.
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stdout.hasPrefix(language == "en" ? "Result: INDETERMINATE" : language == "ru" ? "Результат: INDETERMINATE" : "Нәтиже: INDETERMINATE"))
        Self.expectEscaped(result.stdout, "verify --lang \(language)")
        #expect(result.stdout.contains("Evil\\x07\\u2066Org"))
    }

    @Test(arguments: ["certificate/terminal-escape-subject.der", "cms/terminal-escape-signer.der"])
    func inspectShowsTheControlSequencesEscaped(_ seed: String) throws {
        let result = try Tools.eds("inspect", Self.corpus.appendingPathComponent(seed).path)
        #expect(result.status == 0, "\(result.stderr)")
        Self.expectEscaped(result.stdout, "inspect \(seed)")
    }

    @Test func aFileNameWithAControlSequenceIsEscapedInTheErrorLine() throws {
        let result = try Tools.eds("verify", "--signature", "/nonexistent/\u{1B}[2Jsig\u{202E}.cms", "--trust", "Certs/trust/root.pem")
        #expect(result.status == 66)
        #expect(!result.stderr.contains("\u{1B}") && !result.stderr.contains("\u{202E}"))
        #expect(result.stderr.contains("\\x1b[2Jsig\\u202e.cms"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }
}

/// Issue 23, item 6, through the executable: one line and exit 65, in well under the minutes the counts ask for.
@Suite(.timeLimit(.minutes(1))) struct HostileKeyFileCLITests {
    @Test(arguments: [("p12-mac-iterations-2147483647.p12", "MAC"), ("p12-pbe-iterations-2147483647.p12", "encryption")])
    func aKeyFileAskingForBillionsOfIterationsGetsOneLineAndExit65(_ name: String, _ what: String) throws {
        let path = Tools.root.appendingPathComponent("Fuzz/corpus/pkcs12/\(name)").path
        for arguments in [["inspect", path], ["sign", "Certs/README.md", "--key", path, "--out", "/dev/null"]] {
            let started = Date()
            let result = try Tools.run(Tools.edsvault, arguments + ["--password-env", "EDSVAULT_PASSWORD"])
            #expect(Date().timeIntervalSince(started) < 10)
            #expect(result.status == 65, "\(arguments[0]): \(result.stderr)")
            #expect(result.stderr.contains("asks for 2147483647 \(what) iterations"), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1)
        }
    }
}

/// Issue 23, item 9: an input file is refused from its size, before it is read (a 1.5 GB `--bundle` reached 1.6 GB
/// RSS). The files are sparse: they take no disk.
@Suite struct BoundedInputCLITests {
    static func sparse(_ name: String, size: UInt64, in work: URL) throws -> String {
        let url = work.appendingPathComponent(name)
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: size)
        try handle.close()
        return url.path
    }

    @Test(arguments: [
        (["verify", "--bundle"], "proof bundle", UInt64(1_500_000_000)),
        (["verify", "--signature"], "signature", UInt64(400_000_000)),
        (["inspect"], "file", UInt64(400_000_000)),
        (["verify", "--card"], "card", UInt64(600_000_000)),
    ])
    func anInputLargerThanItsKindCanBeIsRefusedBeforeItIsRead(_ command: [String], _ what: String, _ size: UInt64) throws {
        let work = try Tools.workspace()
        defer { try? FileManager.default.removeItem(at: work) }
        let path = try Self.sparse("huge.bin", size: size, in: work)
        let started = Date()
        let result = try Tools.run(Tools.edsvault, command + [path] + (command[0] == "verify" ? Tools.trustArguments : []))
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.contains("is larger than a \(what) can be"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        // Reading (and zero-filling) 1.5 GB takes seconds; the refusal is immediate.
        #expect(Date().timeIntervalSince(started) < 5)
    }
}
