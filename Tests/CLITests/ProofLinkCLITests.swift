import Foundation
import Testing

/// Issue 23, finding 1, end to end: `vault link` makes proof-only links that expire, `--with-document` for the card,
/// `--list` and `--revoke`; `serve --vault` never hands the document to a proof-only link.
@Suite(.serialized) struct ProofLinkCLITests {
    static let trust = ["--trust", "Certs/trust/root.pem"]

    static func signedDocument() throws -> (workspace: URL, vault: String, id: String) {
        let (workspace, vault) = try VaultCLITests.makeVault()
        let id = try Tools.eds(
            "vault", "put", workspace.appendingPathComponent("order.txt").path, "--vault", vault, "--owner-iin", VaultCLITests.employee,
            "--employer-bin", VaultCLITests.employer, "--type", "order-hiring", "--title", "Приказ № 5-К"
        ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try Tools.eds("vault", "sign", id, "--vault", vault, "--key", "Certs/employee.p12", "--password-env", "EDSVAULT_PASSWORD").status == 0)
        return (workspace, vault, id)
    }

    /// Before: any link's `?format=pdf` returned the card with the whole document embedded (the order with its IINs).
    @Test func aDefaultProofLinkNeverServesTheDocument() throws {
        let (workspace, vault, id) = try Self.signedDocument()
        let path = try Tools.eds("vault", "link", id, "--vault", vault).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let (server, url) = try Tools.startServe(["--vault", vault, "--demo"] + Self.trust)
        defer {
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        let card = workspace.appendingPathComponent("card.pdf").path
        for accept in [["-H", "Accept: application/pdf"], []] {
            let fetched = try Tools.run("curl", ["-s", "-o", card] + accept + ["-w", "%{http_code}", url + path + (accept.isEmpty ? "?format=pdf" : "")])
            #expect(fetched.stdout == "404", "\(fetched.stdout)")
            let body = (try? Data(contentsOf: URL(fileURLWithPath: card))) ?? Data()
            #expect(body.range(of: Data("Қасымов".utf8)) == nil && body.range(of: Data("%PDF".utf8)) == nil)
        }
        let page = try Tools.run("curl", ["-s", url + path]).stdout
        #expect(page.contains(id) && !page.contains("format=pdf"))
        // The verifier holding the document checks it on the page.
        let compared = try Tools.run(
            "curl", ["-s", "-F", "document=@\(workspace.appendingPathComponent("order.txt").path)", url + path + "?lang=en"]).stdout
        #expect(compared.contains("its SHA-256 matches"), "\(compared.prefix(300))")
    }

    @Test func linksAreListedRevokedAndExpireFromTheCLI() throws {
        let (_, vault, id) = try Self.signedDocument()
        let made = try Tools.eds("vault", "link", id, "--vault", vault)
        #expect(made.status == 0 && made.stdout.hasPrefix("/proofs/"))
        #expect(made.stderr.contains("proof only"))
        let token = String(made.stdout.trimmingCharacters(in: .whitespacesAndNewlines).dropFirst("/proofs/".count))
        #expect(try Tools.eds("vault", "link", id, "--with-document", "--expires", "2h", "--vault", vault).status == 0)
        #expect(try Tools.eds("vault", "link", id, "--expires", "soon", "--vault", vault).status == 64)
        #expect(try Tools.eds("vault", "link", id, "--expires", "2001-01-01", "--vault", vault).status == 65)
        #expect(try Tools.eds("vault", "link", "--vault", vault).status == 64)

        let listed = try Tools.eds("vault", "link", "--list", id, "--vault", vault, "--format", "json")
        #expect(listed.status == 0)
        let links = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        #expect(links.count == 2)
        #expect(Set(links.compactMap { $0["scope"] as? String }) == ["proof", "document"])
        #expect(links.allSatisfy { ($0["state"] as? String) == "active" && $0["expiresAt"] != nil })
        #expect(!listed.stdout.contains(token), "the token is never stored, so never listed")
        let documentLinkID = try #require(links.first { ($0["scope"] as? String) == "document" }?["linkID"] as? String)

        #expect(try Tools.eds("vault", "link", "--revoke", "/proofs/\(token)", "--vault", vault).status == 0)
        #expect(try Tools.eds("vault", "link", "--revoke", documentLinkID, "--as", "iin:\(VaultCLITests.employee)", "--vault", vault).status == 0)
        #expect(try Tools.eds("vault", "link", "--revoke", "0123456789abcdef", "--vault", vault).status == 66)
        let text = try Tools.eds("vault", "link", "--list", "--vault", vault).stdout
        #expect(text.split(separator: "\n").count == 2 && text.split(separator: "\n").allSatisfy { $0.contains(" revoked ") })
        let audit = try Tools.eds("vault", "audit", "--vault", vault).stdout
        #expect(audit.components(separatedBy: "\trevoke-link\tok\t").count == 3)
        #expect(try Tools.eds("vault", "check", "--vault", vault).status == 0)

        let (server, url) = try Tools.startServe(["--vault", vault, "--demo"] + Self.trust)
        defer {
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        #expect(try Tools.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", url + "/proofs/" + token]).stdout == "404")
    }
}
