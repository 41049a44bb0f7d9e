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
        let arguments = command == "verify" ? ["verify", "--signature", hostile.path] + Tools.crlArguments : ["inspect", hostile.path]
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

        let result = try Tools.run(Tools.edsvault, ["verify", "--signature", signature.path, document.path, "--format", "json"] + Tools.crlArguments)
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
