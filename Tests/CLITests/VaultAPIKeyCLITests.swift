import Foundation
import Testing

/// The `vault api-key` contract (issue 21): the key alone on the last stdout line, shown once; list never shows it;
/// revoke by key or id; bad input is one line and exit 64/65/66.
@Suite struct VaultAPIKeyCLITests {
    @Test func aKeyIsPrintedOnceListedWithoutItselfAndRevoked() throws {
        let work = try Tools.workspace()
        defer { try? FileManager.default.removeItem(at: work) }
        let vault = work.appendingPathComponent("vault").path
        #expect(try Tools.eds("vault", "init", vault, "--trust", "Certs/trust/root.pem").status == 0)

        let created = try Tools.eds("vault", "api-key", "create", "--vault", vault, "--employer-bin", "150640123452", "--role", "hr", "--expires", "30d")
        #expect(created.status == 0, "\(created.stderr)")
        let key = try #require(created.stdout.split(separator: "\n").last.map(String.init))
        #expect(key.hasPrefix("edsv_") && key.count > 60)
        let id = String(key.dropFirst(5).prefix(16))

        let listed = try Tools.eds("vault", "api-key", "list", "--vault", vault, "--format", "json")
        #expect(listed.status == 0)
        #expect(!listed.stdout.contains(key) && !listed.stdout.contains(String(key.suffix(20))), "list must never show the key")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 1)
        #expect(rows.first?["id"] as? String == id && rows.first?["role"] as? String == "hr" && rows.first?["state"] as? String == "active")
        #expect(rows.first?["employerBIN"] as? String == "150640123452" && rows.first?["expiresAt"] != nil)

        let revoked = try Tools.eds("vault", "api-key", "revoke", key, "--vault", vault)
        #expect(revoked.status == 0)
        #expect(revoked.stdout == "revoked \(id)\n")
        let text = try Tools.eds("vault", "api-key", "list", "--vault", vault)
        #expect(text.stdout.contains("\(id)  hr  bin 150640123452  revoked"))

        let audit = try Tools.eds("vault", "audit", "--vault", vault)
        #expect(audit.stdout.contains("api-key-create") && audit.stdout.contains("api-key-revoke"))
        #expect(!audit.stdout.contains(key))
    }

    @Test func badInputIsOneLineAndTheDocumentedExitCode() throws {
        let work = try Tools.workspace()
        defer { try? FileManager.default.removeItem(at: work) }
        let vault = work.appendingPathComponent("vault").path
        #expect(try Tools.eds("vault", "init", vault, "--trust", "Certs/trust/root.pem").status == 0)
        let badRole = try Tools.eds("vault", "api-key", "create", "--vault", vault, "--employer-bin", "150640123452", "--role", "admin")
        #expect(badRole.status == 64)
        let badBIN = try Tools.eds("vault", "api-key", "create", "--vault", vault, "--employer-bin", "15064", "--role", "hr")
        #expect(badBIN.status == 65)
        #expect(badBIN.stderr.split(separator: "\n").count == 1)
        let grantToHR = try Tools.eds(
            "vault", "api-key", "create", "--vault", vault, "--employer-bin", "150640123452", "--role", "hr", "--grant-document-bytes")
        #expect(grantToHR.status == 64)
        let granted = try Tools.eds(
            "vault", "api-key", "create", "--vault", vault, "--employer-bin", "150640123452", "--role", "auditor", "--grant-document-bytes")
        #expect(granted.status == 0)
        let listed = try Tools.eds("vault", "api-key", "list", "--vault", vault, "--format", "json")
        #expect(listed.stdout.contains("\"readsDocuments\" : true"))
        let unknown = try Tools.eds("vault", "api-key", "revoke", "0123456789abcdef", "--vault", vault)
        #expect(unknown.status == 66)
        let noVault = try Tools.eds("vault", "api-key", "list", "--vault", work.appendingPathComponent("none").path)
        #expect(noVault.status == 66)
    }
}
