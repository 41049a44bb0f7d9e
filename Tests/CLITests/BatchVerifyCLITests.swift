import EDSVerification
import Foundation
import Testing

/// `verify --batch`: an archive audit in one process, JSON Lines out in list order, exit status the worst indication.
struct BatchVerifyCLITests {
    static let evidence = ["--trust", "Certs/trust/root.pem", "--crl", "Certs/crl/nca_demo.crl", "--crl", "Certs/crl/root.crl", "--offline"]

    /// Three signed orders in `workspace`; the second document changed after signing; one file that is not a CMS.
    static func archive() throws -> URL {
        let workspace = try Tools.workspace()
        for number in 1...3 {
            let document = workspace.appendingPathComponent("order-\(number).txt")
            try Data("Приказ № \(number)-К\n".utf8).write(to: document)
            let signed = try Tools.eds("sign", document.path, "--key", "Certs/employee.p12", "--password-env", "EDSVAULT_PASSWORD")
            #expect(signed.status == 0, "\(signed.stderr)")
        }
        try Data("Приказ № 2-К (изменён)\n".utf8).write(to: workspace.appendingPathComponent("order-2.txt"))
        try Data("not a signature".utf8).write(to: workspace.appendingPathComponent("garbage.p7s"))
        return workspace
    }

    /// A list written on Windows or by hand: CRLF line ends, tabs between fields, blank and comment lines, spaces
    /// around; relative paths resolve against the list's folder, absolute ones stay. Three fields are refused (64).
    @Test func aListMayUseTabsCRLFCommentsAndAbsolutePaths() throws {
        let workspace = try Self.archive()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let order3 = workspace.appendingPathComponent("order-3.txt")
        let list = workspace.appendingPathComponent("list.txt")
        try Data("# audit of 2026\r\n  order-1.txt.cms\torder-1.txt  \r\n\r\n\t\(order3.path).cms   \(order3.path)\r\n".utf8).write(to: list)
        let result = try Tools.run(Tools.edsvault, ["verify", "--batch", list.path] + Self.evidence)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.map { $0["signatureFile"] as? String } == [workspace.appendingPathComponent("order-1.txt.cms").path, order3.path + ".cms"])
        #expect(lines.map { $0["documentFile"] as? String } == [workspace.appendingPathComponent("order-1.txt").path, order3.path])
        #expect(lines.allSatisfy { $0["indication"] as? String == "TOTAL_PASSED" })
        try Data("order-1.txt.cms order-1.txt extra\n".utf8).write(to: list)
        let refused = try Tools.run(Tools.edsvault, ["verify", "--batch", list.path] + Self.evidence)
        #expect(refused.status == 64 && refused.stderr.contains("list.txt:1: expected `SIGNATURE [DOCUMENT]`"), "\(refused.stderr)")
    }

    @Test func aDirectoryOfPairsGivesOneLinePerSignatureAndTheWorstExitStatus() throws {
        let workspace = try Self.archive()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let result = try Tools.run(Tools.edsvault, ["verify", "--batch", workspace.path, "--jobs", "2"] + Self.evidence)
        #expect(result.status == 1, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.count == 4)
        let byFile = Dictionary(uniqueKeysWithValues: lines.compactMap { $0 }.map { (($0["signatureFile"] as? String).map { URL(fileURLWithPath: $0).lastPathComponent } ?? "", $0) })
        #expect(byFile["order-1.txt.cms"]?["indication"] as? String == "TOTAL_PASSED")
        #expect(byFile["order-2.txt.cms"]?["indication"] as? String == "TOTAL_FAILED")
        #expect(byFile["order-2.txt.cms"]?["subIndication"] as? String == "HASH_FAILURE")
        #expect(byFile["order-3.txt.cms"]?["indication"] as? String == "TOTAL_PASSED")
        #expect(byFile["garbage.p7s"]?["subIndication"] as? String == "FORMAT_FAILURE")
        #expect(byFile["garbage.p7s"]?["error"] is String)
        #expect(result.stderr.contains("4 signature file(s): 2 TOTAL_PASSED, 1 TOTAL_FAILED, 1 INDETERMINATE (1 unreadable)"), "\(result.stderr)")
        // List order: the directory's files sorted by path.
        let order = lines.compactMap { ($0?["signatureFile"] as? String).map { URL(fileURLWithPath: $0).lastPathComponent } }
        #expect(order == ["garbage.p7s", "order-1.txt.cms", "order-2.txt.cms", "order-3.txt.cms"])
    }

    /// The shape of a line as it was when JSONEncoder wrote it (synthesized Codable: absent values left out).
    struct EncoderLine: Codable {
        let signatureFile: String
        let documentFile: String?
        let indication: Indication
        let subIndication: SubIndication?
        let error: String?
        let report: ValidationReport?
    }

    /// Lines are written without JSONEncoder (issue 11) but are still its bytes: each line read back and encoded by
    /// JSONEncoder is the same line.
    @Test func everyLineIsTheBytesJSONEncoderWrites() throws {
        let workspace = try Self.archive()
        defer { try? FileManager.default.removeItem(at: workspace) }
        // A document beside a signature that is not a CMS: the line has both an error and a document file.
        try Data("x".utf8).write(to: workspace.appendingPathComponent("garbage"))
        let result = try Tools.run(Tools.edsvault, ["verify", "--batch", workspace.path, "--jobs", "2"] + Self.evidence)
        #expect(result.status == 1, "\(result.stderr)")
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 4)
        for line in lines {
            let referee = try encoder.encode(try decoder.decode(EncoderLine.self, from: Data(line.utf8)))
            #expect(String(decoding: referee, as: UTF8.self) == String(line))
        }
    }

    /// Lines are written while the workers go on, at most a window of lines ahead: a list longer than that window
    /// (2,600 lines on 3 threads; passing, tampered and unreadable signatures in an irregular order) still comes out
    /// one line per list line, in list order, with the summary counting each.
    @Test func aLongListComesOutInListOrderWhileWorkersRunAhead() throws {
        let workspace = try Self.archive()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let kinds = ["order-1.txt.cms order-1.txt", "order-2.txt.cms order-2.txt", "garbage.p7s", "order-3.txt.cms order-3.txt"]
        let picks = (0..<2_600).map { ($0 * 7 + $0 / 13) % kinds.count }
        let list = workspace.appendingPathComponent("long.list")
        try picks.map { kinds[$0] }.joined(separator: "\n").write(to: list, atomically: true, encoding: .utf8)
        let result = try Tools.run(Tools.edsvault, ["verify", "--batch", list.path, "--jobs", "3"] + Self.evidence)
        #expect(result.status == 1, "\(result.stderr)")
        let files = result.stdout.split(separator: "\n").map {
            ((try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any])?["signatureFile"] as? String
        }
        let expected = picks.map { workspace.appendingPathComponent(String(kinds[$0].split(separator: " ")[0])).path }
        #expect(files == expected)
        let failed = picks.filter { $0 == 1 }.count
        let unreadable = picks.filter { $0 == 2 }.count
        #expect(result.stderr.contains(
            "2600 signature file(s): \(2_600 - failed - unreadable) TOTAL_PASSED, \(failed) TOTAL_FAILED, \(unreadable) INDETERMINATE (\(unreadable) unreadable)"),
            "\(result.stderr)")
    }

    @Test func aListFileNamesPairsRelativeToItsFolder() throws {
        let workspace = try Self.archive()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let list = workspace.appendingPathComponent("audit.list")
        try "# the passing ones\norder-1.txt.cms order-1.txt\n\norder-3.txt.cms order-3.txt\n".write(to: list, atomically: true, encoding: .utf8)
        let result = try Tools.run(Tools.edsvault, ["verify", "--batch", list.path, "--jobs", "1"] + Self.evidence)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").count == 2)
        #expect(result.stderr.contains("2 TOTAL_PASSED"))
    }

    /// Issue 23, item 9: `--jobs 100000000000000000` overflowed `jobs * 256` and died with SIGILL and a backtrace.
    @Test func anAbsurdJobsCountIsAUsageErrorNotACrash() throws {
        let workspace = try Tools.workspace()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let list = workspace.appendingPathComponent("audit.list")
        try "order.txt.cms order.txt\n".write(to: list, atomically: true, encoding: .utf8)
        for jobs in ["100000000000000000", "1025", "9223372036854775807"] {
            let result = try Tools.run(Tools.edsvault, ["verify", "--batch", list.path, "--jobs", jobs, "--trust", "Certs/trust/root.pem"])
            #expect(result.status == 64, "--jobs \(jobs): \(result.stderr)")
            #expect(result.stderr.contains("--jobs must be 1...1024"), "\(result.stderr)")
            #expect(!result.stderr.contains("Stack dump") && !result.stderr.contains("Fatal error"))
        }
        // The largest allowed count still runs (the one item is unreadable: INDETERMINATE, exit 2).
        let allowed = try Tools.run(Tools.edsvault, ["verify", "--batch", list.path, "--jobs", "1024", "--trust", "Certs/trust/root.pem"])
        #expect(allowed.status == 2, "\(allowed.stderr)")
    }

    @Test(arguments: [
        (["verify", "--batch", "x", "--signature", "y.cms"], Int32(64)),
        (["verify", "--batch", "x", "--jobs", "0"], Int32(64)),
        (["verify", "--signature", "y.cms", "--jobs", "2"], Int32(64)),
        (["verify", "--batch", "/nonexistent/list", "--trust", "Certs/trust/root.pem"], Int32(66)),
    ])
    func misuseIsAUsageErrorOrMissingInput(arguments: [String], status: Int32) throws {
        let result = try Tools.run(Tools.edsvault, arguments)
        #expect(result.status == status, "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count <= 3)
    }
}
