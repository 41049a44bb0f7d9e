import Foundation
import Testing

/// `edsvault card`, `edsvault vault card` and `edsvault verify --card`, as a user runs them, checked by pdfdetach,
/// pdftotext and OpenSSL.
@Suite(.serialized) struct CardCLITests {
    static let trust = ["--trust", "Certs/trust/root.pem"]

    /// The demo order signed by the employee, then the first head (each a detached CMS with signingTime).
    static func signedOrder() throws -> (work: URL, document: URL, employee: URL, head: URL) {
        let work = try Tools.workspace()
        let document = work.appendingPathComponent("order.txt")
        let employee = work.appendingPathComponent("employee.cms")
        let head = work.appendingPathComponent("head.cms")
        for (key, out) in [("employee", employee), ("head", head)] {
            let signed = try Tools.eds("sign", document.path, "--key", "Certs/\(key).p12", "--password-env", "EDSVAULT_PASSWORD", "--out", out.path)
            #expect(signed.status == 0, "\(signed.stderr)")
            // signingTime has whole seconds: the head signs in a later second, so the order is not a tie.
            if key == "employee" { Thread.sleep(forTimeInterval: 1.1) }
        }
        return (work, document, employee, head)
    }

    @Test func aCardOfTheSignedOrderCarriesItAndPassesVerifyCard() throws {
        let (work, document, employee, head) = try Self.signedOrder()
        let card = work.appendingPathComponent("card.pdf").path
        let made = try Tools.run(
            Tools.edsvault, ["card", "--signature", head.path, "--signature", employee.path, document.path, "--out", card] + Self.trust + Tools.crlArguments)
        #expect(made.status == 0, "\(made.stderr)")

        let out = work.appendingPathComponent("detached")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        #expect(try Tools.run("pdfdetach", ["-saveall", "-enc", "UTF-8", "-o", out.path, card]).status == 0)
        let list = try Tools.run("pdfdetach", ["-list", "-enc", "UTF-8", card]).stdout
        #expect(list == "3 embedded files\n1: order.txt\n2: signature-1 ҚАСЫМОВ ӘЛИХАН.cms\n3: signature-2 НҰРЛАНОВ ДӘУЛЕТ.cms\n")
        #expect(try Data(contentsOf: out.appendingPathComponent("order.txt")) == Data(contentsOf: document))
        #expect(try Data(contentsOf: out.appendingPathComponent("signature-1 ҚАСЫМОВ ӘЛИХАН.cms")) == Data(contentsOf: employee))
        #expect(try Data(contentsOf: out.appendingPathComponent("signature-2 НҰРЛАНОВ ДӘУЛЕТ.cms")) == Data(contentsOf: head))
        for name in ["signature-1 ҚАСЫМОВ ӘЛИХАН.cms", "signature-2 НҰРЛАНОВ ДӘУЛЕТ.cms"] {
            let checked = try Tools.openssl(
                "cms", "-verify", "-binary", "-inform", "DER", "-in", out.appendingPathComponent(name).path, "-content", document.path,
                "-CAfile", "Certs/trust/root.pem", "-purpose", "any", "-out", "/dev/null")
            #expect(checked.status == 0, "\(name): \(checked.stderr)")
        }
        let text = try Tools.run("pdftotext", ["-enc", "UTF-8", card, "-"]).stdout
        for expected in ["ҚАСЫМОВ ӘЛИХАН", "900315301237", "НҰРЛАНОВ ДӘУЛЕТ", "780209303213", "Қол қоюшы", "Подписант"] {
            #expect(text.contains(expected), "\(expected) not on the pages")
        }

        let verified = try Tools.run(Tools.edsvault, ["verify", "--card", card] + Self.trust + Tools.crlArguments)
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(verified.stdout.hasPrefix("Result: TOTAL_PASSED"))
        let json = try Tools.run(Tools.edsvault, ["verify", "--card", card, "--format", "json"] + Self.trust + Tools.crlArguments)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(report["indication"] as? String == "TOTAL_PASSED")
        #expect((report["signatures"] as? [Any])?.count == 2)
    }

    @Test func aCardWithAChangedByteFailsVerifyCard() throws {
        let (work, document, employee, head) = try Self.signedOrder()
        let card = work.appendingPathComponent("card.pdf").path
        #expect(try Tools.run(Tools.edsvault, ["card", "--signature", employee.path, "--signature", head.path, document.path, "--out", card] + Self.trust + Tools.crlArguments).status == 0)
        var changed = try Data(contentsOf: document)
        changed[changed.startIndex] ^= 0x20
        let changedPath = work.appendingPathComponent("changed.txt")
        try changed.write(to: changedPath)
        let tampered = work.appendingPathComponent("tampered.pdf").path
        let edited = try Tools.run("qpdf", [card, "--add-attachment", changedPath.path, "--key=0000", "--filename=order.txt", "--replace", "--", tampered])
        #expect(edited.status == 0, "\(edited.stderr)")
        let verified = try Tools.run(Tools.edsvault, ["verify", "--card", tampered] + Self.trust + Tools.crlArguments)
        #expect(verified.status == 1)
        #expect(verified.stdout.contains("TOTAL_FAILED"))
    }

    @Test func badInputGetsOneLineAndTheDocumentedExitCode() throws {
        let (work, document, employee, _) = try Self.signedOrder()
        let card = work.appendingPathComponent("card.pdf").path
        // Hostile cards: a truncated one, and a PDF whose only attachment is a signature.
        let good = work.appendingPathComponent("good.pdf").path
        #expect(try Tools.run(Tools.edsvault, ["card", "--signature", employee.path, document.path, "--out", good] + Self.trust + Tools.crlArguments).status == 0)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        let truncated = work.appendingPathComponent("truncated.pdf").path
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
        let oneAttachment = work.appendingPathComponent("one.pdf").path
        #expect(try Tools.run("qpdf", [good, "--remove-attachment=0000", oneAttachment]).status == 0)
        let cases: [([String], Int32)] = [
            (["verify", "--card", truncated], 65),
            (["verify", "--card", oneAttachment], 65),
            (["card", "--signature", employee.path, document.path, "--out", "/nonexistent-dir/card.pdf"], 73),
            (["card", "--signature", document.path, document.path, "--out", card], 65),
            (["card", "--signature", "/nonexistent.cms", document.path, "--out", card], 66),
            (["card", "--signature", employee.path, "/nonexistent.txt", "--out", card], 66),
            (["card", "--signature", employee.path, document.path, "--out", card, "--lang", "en"], 64),
            (["verify", "--card", document.path], 65),
            (["verify", "--card", "/nonexistent.pdf"], 66),
            (["verify", "--card", card, "--signature", employee.path], 64),
        ]
        for (arguments, expected) in cases {
            let result = try Tools.run(Tools.edsvault, arguments + Self.trust + (arguments[0] == "card" ? Tools.crlArguments : []))
            #expect(result.status == expected, "\(arguments): got \(result.status), stderr \(result.stderr)")
            if expected != 64 { #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)") }
        }
        #expect(!FileManager.default.fileExists(atPath: card), "a failed card left a file behind")
    }

    @Test func theVaultCardFollowsTheReadRulesAndIsAudited() throws {
        let work = try Tools.workspace()
        let vault = work.appendingPathComponent("vault").path
        #expect(try Tools.run(Tools.edsvault, ["vault", "init", vault, "--crl", "Certs/crl/root.crl", "--crl", "Certs/crl/nca_demo.crl"] + Self.trust).status == 0)
        let put = try Tools.eds(
            "vault", "put", work.appendingPathComponent("order.txt").path, "--vault", vault, "--owner-iin", "900315301237", "--employer-bin",
            "150640123452", "--type", "order-hiring", "--title", "Приказ № 17-К")
        let id = put.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        for key in ["employee", "head"] {
            #expect(try Tools.eds("vault", "sign", id, "--vault", vault, "--key", "Certs/\(key).p12", "--password-env", "EDSVAULT_PASSWORD").status == 0)
        }
        let card = work.appendingPathComponent("card.pdf").path
        let made = try Tools.eds("vault", "card", id, "--vault", vault, "--as", "iin:900315301237", "--out", card, "--lang", "ru")
        #expect(made.status == 0, "\(made.stderr)")
        let verified = try Tools.run(Tools.edsvault, ["verify", "--card", card] + Self.trust + Tools.crlArguments)
        #expect(verified.status == 0, "\(verified.stdout)")
        let text = try Tools.run("pdftotext", ["-enc", "UTF-8", card, "-"]).stdout
        #expect(text.contains("Приказ № 17-К"))

        let refused = try Tools.eds("vault", "card", id, "--vault", vault, "--as", "iin:851104407890", "--out", work.appendingPathComponent("no.pdf").path)
        #expect(refused.status == 77)
        #expect(!FileManager.default.fileExists(atPath: work.appendingPathComponent("no.pdf").path))
        let audit = try Tools.eds("vault", "audit", "--vault", vault).stdout
        #expect(audit.contains("document card, 2 signature(s)"))
        #expect(audit.contains("refused"))
    }

    /// `GET /proofs/{token}` of a link made `--with-document`, asking for a PDF, gets the card, whose signature pages
    /// carry the proof page's QR code.
    @Test func aLinkMadeWithTheDocumentServesTheCardAsPDF() throws {
        let work = try Tools.workspace()
        let vault = work.appendingPathComponent("vault").path
        #expect(try Tools.run(Tools.edsvault, ["vault", "init", vault, "--crl", "Certs/crl/root.crl", "--crl", "Certs/crl/nca_demo.crl"] + Self.trust).status == 0)
        let id = try Tools.eds(
            "vault", "put", work.appendingPathComponent("order.txt").path, "--vault", vault, "--owner-iin", "900315301237", "--employer-bin",
            "150640123452", "--type", "order-hiring", "--title", "Приказ № 17-К"
        ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try Tools.eds("vault", "sign", id, "--vault", vault, "--key", "Certs/employee.p12", "--password-env", "EDSVAULT_PASSWORD").status == 0)
        let path = try Tools.eds("vault", "link", id, "--with-document", "--vault", vault).stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let (server, url) = try Tools.startServe(["--vault", vault, "--demo"] + Self.trust)
        defer {
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }

        let card = work.appendingPathComponent("served.pdf").path
        let fetched = try Tools.run("curl", ["-s", "-H", "Accept: application/pdf", "-H", "Accept-Language: ru", "-o", card, "-w", "%{http_code} %{content_type}", url + path])
        #expect(fetched.stdout == "200 application/pdf", "\(fetched.stdout)")
        let verified = try Tools.run(Tools.edsvault, ["verify", "--card", card] + Self.trust + Tools.crlArguments)
        #expect(verified.status == 0, "\(verified.stdout)")
        let text = try Tools.run("pdftotext", ["-enc", "UTF-8", card, "-"]).stdout
        #expect(text.contains(url + path), "the QR caption names the proof page")
        #expect(text.contains("Карточка электронного документа"))
        let page = try Tools.run("curl", ["-s", url + path]).stdout
        #expect(page.contains("\(path)?format=pdf"))
        #expect(try Tools.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Accept: application/pdf", url + "/proofs/AAAAAAAAAAAAAAAAAAAAAA"]).stdout == "404")
    }
}
