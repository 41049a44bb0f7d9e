import Foundation
import Testing

/// `vault put` / `vault get` streaming a document in chunks (Docs/vault.md, "Sealed blobs"), as an operator runs them.
@Suite struct VaultStreamingCLITests {
    static let employee = "900315301237"
    static let employer = "150640123452"

    /// A multi-chunk document put and read back through the CLI is identical; a byte flipped in its stored blob makes
    /// `get --out` fail with exit 74 and one line, leaving no file (nor a temporary one), and `check` names the blob.
    @Test func aStreamedDocumentRoundTripsAndACorruptedOneLeavesNoOutputFile() throws {
        let workspace = try Tools.workspace()
        let vault = workspace.appendingPathComponent("vault").path
        #expect(try Tools.eds("vault", "init", vault, "--trust", "Certs/trust/root.pem").status == 0)
        var document = Data(count: 3 * 512 * 1024 + 321)
        for index in stride(from: 0, to: document.count, by: 97) { document[index] = UInt8(truncatingIfNeeded: index / 97) }
        let input = workspace.appendingPathComponent("payroll.bin")
        try document.write(to: input)
        let put = try Tools.eds(
            "vault", "put", input.path, "--vault", vault, "--owner-iin", Self.employee, "--employer-bin", Self.employer, "--type", "payroll-sheet")
        #expect(put.status == 0, "\(put.stderr)")
        let id = put.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let output = workspace.appendingPathComponent("out").appendingPathComponent("payroll.bin")
        try FileManager.default.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
        let get = try Tools.eds("vault", "get", id, "--vault", vault, "--as", "iin:\(Self.employee)", "--out", output.path)
        #expect(get.status == 0, "\(get.stderr)")
        #expect(try Data(contentsOf: output) == document)
        try FileManager.default.removeItem(at: output)

        let blob = URL(fileURLWithPath: vault).appendingPathComponent("objects/sha256/\(id.prefix(2))/\(id.dropFirst(2))")
        var sealed = try Data(contentsOf: blob)
        #expect(sealed.first == 0x02, "new blobs are chunked")
        sealed[sealed.startIndex + 600_000] ^= 0x01
        try sealed.write(to: blob)
        let failed = try Tools.eds("vault", "get", id, "--vault", vault, "--as", "iin:\(Self.employee)", "--out", output.path)
        #expect(failed.status == 74)
        #expect(failed.stderr == "edsvault: object \(id) fails its integrity check (altered or corrupted)\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: output.deletingLastPathComponent().path).isEmpty)
        let check = try Tools.eds("vault", "check", "--vault", vault)
        #expect(check.status != 0 && check.stdout.contains("document \(id) fails its integrity check"), "\(check.stdout)")
    }

    /// `serve` without `--vault` takes `$EDSVAULT_VAULT`: a vault there that trusts the demo root is refused as with
    /// `--vault` (so the variable was read). Under `timeout`, so a serve that ignored it cannot hang the test.
    @Test func serveTakesTheVaultFromEDSVAULT_VAULT() throws {
        let work = try Tools.workspace()
        let vault = work.appendingPathComponent("vault").path
        #expect(try Tools.eds("vault", "init", vault, "--trust", "Certs/trust/root.pem").status == 0)
        let certificate = try TrustAnchorTests.ownRoot(in: work)
        let refused = try Tools.run(
            "/usr/bin/timeout", ["30", Tools.edsvault, "serve", "--port", "0", "--trust", certificate], environment: ["EDSVAULT_VAULT": vault])
        #expect(refused.status == 64, "\(refused.stderr)")
        #expect(refused.stderr.contains("the vault \(vault)") && refused.stderr.contains("--demo"), "\(refused.stderr)")
    }
}
