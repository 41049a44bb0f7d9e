import EDSServer
import Foundation
import Testing

/// A vault and its `edsvault serve` on a free port, made and driven as an operator would (the CLI), for the signing
/// flows of issue 22. SIGKILLed at the end.
final class SigningFixture {
    let workspace: URL
    let vault: URL
    let server: Process
    let base: String

    static let python: String? = {
        let venv = Demo.root.appendingPathComponent(".venv/bin/python").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : nil
    }()

    init() throws {
        workspace = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-signing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        vault = workspace.appendingPathComponent("vault")
        let trust = ["--trust", "Certs/trust/root.pem", "--trust", "Certs/trust/gost-root.pem"]
        let crls = ["crl/nca_demo.crl", "crl/root.crl", "crl/gost_nca_demo.crl", "crl/gost_root.crl"].flatMap { ["--crl", "Certs/\($0)"] }
        let made = try Shell.run(Shell.edsvault, ["vault", "init", vault.path] + trust + crls)
        guard made.status == 0 else { throw FixtureError("vault init: \(made.stderr)") }
        let output = workspace.appendingPathComponent("serve.out")
        let log = workspace.appendingPathComponent("serve.log")
        try Data().write(to: output)
        try Data().write(to: log)
        server = Process()
        server.executableURL = URL(fileURLWithPath: Shell.edsvault)
        server.arguments = ["serve", "--port", "0", "--demo", "--vault", vault.path, "--organisation-name", "ТОО «ДЕМО ҚҰРЫЛЫС»"] + trust
        server.currentDirectoryURL = Demo.root
        server.standardOutput = try FileHandle(forWritingTo: output)
        server.standardError = try FileHandle(forWritingTo: log)
        server.standardInput = FileHandle.nullDevice
        try server.run()
        var found: String?
        let deadline = Date().addingTimeInterval(30)
        while found == nil, Date() < deadline, server.isRunning {
            let printed = String(decoding: (try? Data(contentsOf: output)) ?? Data(), as: UTF8.self)
            if let line = printed.split(separator: "\n").first(where: { $0.hasPrefix("edsvault: listening on ") }) {
                found = String(line.dropFirst("edsvault: listening on ".count))
            } else {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        guard let found else {
            kill(server.processIdentifier, SIGKILL)
            throw FixtureError("serve did not start: \(String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self))")
        }
        base = found
    }

    deinit {
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
        try? FileManager.default.removeItem(at: workspace)
    }

    func edsvault(_ arguments: [String]) throws -> Shell.Result {
        try Shell.run(Shell.edsvault, arguments + ["--vault", vault.path])
    }

    /// Stores an order needing the employee and the first head; returns its id.
    func putOrder(_ text: String, requiring: [String] = ["owner", "first-head"], acknowledging: [String] = []) throws -> String {
        let file = workspace.appendingPathComponent("order-\(UUID().uuidString).txt")
        try Data(text.utf8).write(to: file)
        let put = try edsvault(
            [
                "vault", "put", file.path, "--owner-iin", "900315301237", "--employer-bin", "150640123452", "--type", "order-hiring",
                "--title", "Приказ № 17-К о приёме на работу",
            ] + requiring.flatMap { ["--require", $0] } + acknowledging.flatMap { ["--acknowledge", $0] })
        guard put.status == 0 else { throw FixtureError("vault put: \(put.stderr)") }
        return put.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `vault signing-session create`: the session's token.
    func session(_ document: String, signer: String, expires: String = "30m") throws -> String {
        let created = try Shell.run(
            Shell.edsvault,
            ["vault", "signing-session", "create", "--vault", vault.path, "--document", document, "--signer", signer, "--expires", expires, "--base-url", base])
        guard created.status == 0, let url = created.stdout.split(separator: "\n").first, url.hasPrefix(base + "/sign/") else {
            throw FixtureError("signing-session create: \(created.stdout) \(created.stderr)")
        }
        return String(url.dropFirst((base + "/sign/").count))
    }

    /// The simulated eGov Mobile (Tests/Referees/egov_mobile_sim.py) on the QR text; its JSON answer.
    func egovMobile(_ qr: String, signer: String, extra: [String] = []) throws -> [String: Any] {
        let python = try #require(Self.python, "bash .ci/setup makes .venv with gostcrypto (the simulated eGov Mobile)")
        let key: [String] =
            signer == "gost"
            ? ["--signer", "gost", "--cert", "Certs/employee-gost.pem", "--chain", "Certs/ca/gost-nca-demo.pem", "--p12", "Certs/employee-gost.p12"]
            : ["--signer", "rsa", "--cert", "Certs/head.pem", "--chain", "Certs/ca/nca-demo.pem", "--key", "Certs/keys/head.key"]
        let run = try Shell.run(
            python, ["Tests/Referees/egov_mobile_sim.py", qr] + key + extra, environment: ["EDSVAULT_DEMO_PASSWORD": Demo.password])
        guard run.status == 0, let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] else {
            throw FixtureError("egov_mobile_sim: \(run.status) \(run.stdout) \(run.stderr)")
        }
        return object
    }

    func qr(_ token: String) -> String { "mobileSign:\(base)/egov/api1/\(token)" }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Issue 22: eGov Mobile's QR signing against the real `edsvault serve`, the phone simulated by a Python client that
/// signs with its own GOST 2015 code (gostcrypto) and with `openssl cms` (RSA). The order reaches fully-signed and its
/// proof bundle verifies offline; every refusal answers in the protocol's shape (`{"message"}`, 403/404).
@Suite(.serialized) struct EGovMobileSigningTests {
    @Test func theEmployeeWithGOSTAndTheFirstHeadWithRSASignAnOrderThroughTheQRFlow() throws {
        let fixture = try SigningFixture()
        let document = try fixture.putOrder(
            "ПРИКАЗ № 17-К о приёме на работу. Қасымов Әлихан Серікұлы принят инженером.\n",
            requiring: ["owner", "first-head"], acknowledging: ["900315301237", "851104407890"])
        let employee = try fixture.session(document, signer: "iin:900315301237")
        let head = try fixture.session(document, signer: "role:first-head")

        // The page's QR code is the API №1 URL behind `mobileSign:`.
        let page = try Shell.run(try #require(Shell.which("curl")), ["-s", "\(fixture.base)/sign/\(employee)?lang=ru"]).stdout
        let qrSVG = try #require(QRCode(fixture.qr(employee))).svg(title: "QR-код для eGov Mobile")
        #expect(page.contains(qrSVG))

        let first = try fixture.egovMobile(fixture.qr(employee), signer: "gost", extra: ["--put-twice"])
        #expect(first["api1"] as? Int == 200 && first["api2"] as? Int == 200 && first["put"] as? Int == 200, "\(first)")
        let api1 = try #require(first["api1Body"] as? [String: Any])
        let organisation = try #require(api1["organisation"] as? [String: Any])
        #expect(organisation["bin"] as? String == "150640123452" && organisation["nameRu"] as? String == "ТОО «ДЕМО ҚҰРЫЛЫС»")
        #expect(first["documentSHA256"] as? String == document)
        // The one-time token is spent: the second PUT is refused in the protocol's shape.
        #expect(first["secondPut"] as? Int == 403)
        #expect((first["secondPutBody"] as? [String: Any])?["message"] is String)

        let second = try fixture.egovMobile(fixture.qr(head), signer: "rsa")
        #expect(second["put"] as? Int == 200, "\(second)")

        let listed = try fixture.edsvault(["vault", "list", "--format", "json"])
        #expect(listed.stdout.contains("\"fully-signed\""), "\(listed.stdout)")
        let sessions = try fixture.edsvault(["vault", "signing-session", "list", document])
        #expect(sessions.stdout.split(separator: "\n").count == 2 && !sessions.stdout.contains("waiting"), "\(sessions.stdout)")
        // The session page now says signed, without reload material (no QR, no document).
        let after = try Shell.run(try #require(Shell.which("curl")), ["-s", "\(fixture.base)/sign/\(employee)/status"]).stdout
        #expect(after.contains("\"state\":\"signed\""))

        // The acquaintance sheet: the employee acknowledged by signing, the HR officer has not yet (exit 1).
        let sheet = try fixture.edsvault(["vault", "signing-session", "sheet", document])
        #expect(sheet.status == 1 && sheet.stdout.contains("900315301237  acknowledged") && sheet.stdout.contains("851104407890  not yet"), "\(sheet.stdout)")
        let link = try fixture.edsvault(["vault", "link", document]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let proofPage = try Shell.run(try #require(Shell.which("curl")), ["-s", "\(fixture.base)\(link)?lang=ru"]).stdout
        #expect(proofPage.contains("Лист ознакомления") && proofPage.contains("ознакомлены 1 из 2") && proofPage.contains("8511••••••90"))

        // The document card lists it too (read back by poppler's pdftotext, not by us).
        let card = fixture.workspace.appendingPathComponent("card.pdf")
        let made = try fixture.edsvault(["vault", "card", document, "--as", "bin:150640123452", "--out", card.path, "--lang", "ru"])
        #expect(made.status == 0, "\(made.stderr)")
        let pdftotext = try #require(Shell.which("pdftotext"), "apt-get install poppler-utils")
        let cardText = try Shell.run(pdftotext, ["-raw", "-enc", "UTF-8", card.path, "-"]).stdout
        #expect(cardText.contains("Лист ознакомления") && cardText.contains("ознакомлены 1 из 2") && cardText.contains("8511••••••90"), "\(cardText)")

        let bundle = fixture.workspace.appendingPathComponent("proof.asics")
        let proof = try fixture.edsvault(["vault", "proof", document, "--out", bundle.path])
        #expect(proof.status == 0, "\(proof.stderr)")
        let verified = try Shell.run(
            Shell.edsvault, ["verify", "--bundle", bundle.path, "--trust", "Certs/trust/root.pem", "--trust", "Certs/trust/gost-root.pem"])
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
    }

    @Test func wrongSignerTamperedDocumentBadTokenExpiredAndUnknownSessionsAreRefusedInTheProtocolsShape() throws {
        let fixture = try SigningFixture()
        let document = try fixture.putOrder("ПРИКАЗ № 18-К о переводе.\n")

        // The head's key on the employee's session: the signer is not the expected one.
        let wrong = try fixture.egovMobile(fixture.qr(try fixture.session(document, signer: "iin:900315301237")), signer: "rsa")
        #expect(wrong["put"] as? Int == 403 && ((wrong["putBody"] as? [String: Any])?["message"] as? String)?.hasPrefix("Подпись не принята: the signer is not the one this session expects") == true, "\(wrong)")

        // Other bytes than the document: the signature does not hold.
        let tampered = try fixture.egovMobile(fixture.qr(try fixture.session(document, signer: "iin:900315301237")), signer: "gost", extra: ["--tamper"])
        #expect(tampered["put"] as? Int == 403, "\(tampered)")

        // A wrong API №2 token: no document.
        let badToken = try fixture.egovMobile(fixture.qr(try fixture.session(document, signer: "iin:900315301237")), signer: "gost", extra: ["--bad-token"])
        #expect(badToken["api2"] as? Int == 403 && (badToken["api2Body"] as? [String: Any])?["message"] is String, "\(badToken)")

        // An expired session: API №1 refuses at once.
        let expiring = try fixture.session(document, signer: "iin:900315301237", expires: "\(ISO8601DateFormatter().string(from: Date().addingTimeInterval(2)))")
        Thread.sleep(forTimeInterval: 2.5)
        let expired = try fixture.egovMobile(fixture.qr(expiring), signer: "gost")
        #expect(expired["api1"] as? Int == 403 && ((expired["api1Body"] as? [String: Any])?["message"] as? String)?.hasPrefix("Срок сессии подписания истёк") == true, "\(expired)")

        // An unknown session: 404 {"message"}.
        let unknown = try fixture.egovMobile(fixture.qr("AAAAAAAAAAAAAAAAAAAAAA"), signer: "gost")
        #expect(unknown["api1"] as? Int == 404 && (unknown["api1Body"] as? [String: Any])?["message"] is String, "\(unknown)")

        // Nothing was kept, and every refusal is in the audit log.
        let listed = try fixture.edsvault(["vault", "list", "--format", "json"])
        #expect(listed.stdout.contains("\"signatureCount\" : 0") || listed.stdout.contains("\"signatureCount\":0"), "\(listed.stdout)")
        let audit = try fixture.edsvault(["vault", "audit"])
        let refusals = audit.stdout.split(separator: "\n").filter { $0.contains("refused") && ($0.contains("sign-session") || $0.contains("egov-api2")) }
        #expect(refusals.count >= 3, "\(audit.stdout)")
    }
}
