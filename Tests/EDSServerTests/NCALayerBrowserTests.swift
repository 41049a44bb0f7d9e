import EDSServer
import Foundation
import Testing

/// Issue 22: NCALayer in the browser, end to end. A real headless Chromium (Debian's `chromium`, installed by
/// .ci/setup) opens the session page served by `edsvault serve`, presses "Sign with NCALayer"; the page's own script
/// asks the simulated NCALayer (Tests/Referees/ncalayer_sim.py on wss://127.0.0.1:13579, signing with a .p12 through
/// OpenSSL's CLI) for a CAdES signature and posts it back; the page turns to signed without a reload. Runs in CI.
@Suite(.serialized) struct NCALayerBrowserTests {
    /// The simulated NCALayer on its fixed port, recording each request; SIGKILLed by `stop`.
    final class SimulatedNCALayer {
        let process = Process()
        let record: URL
        /// NCALayer's port is fixed (13579): two checkouts testing at once on this machine take turns, as with the demo
        /// PKI's ports, through an flock(2) on a file in /tmp that the kernel releases if the process dies.
        let lock: Int32

        init(workspace: URL, key: String = "Certs/employee.p12") throws {
            lock = open("/tmp/edsvault-ncalayer-13579.lock", O_CREAT | O_RDONLY | O_CLOEXEC, 0o644)
            guard lock >= 0 else { throw FixtureError("cannot open the NCALayer port lock") }
            let waitUntil = Date().addingTimeInterval(600)
            while flock(lock, LOCK_EX | LOCK_NB) != 0 {
                guard Date() < waitUntil else {
                    close(lock)
                    throw FixtureError("port 13579 stayed taken by another checkout's test for 10 minutes")
                }
                Thread.sleep(forTimeInterval: 0.1)
            }
            let python = try #require(SigningFixture.python, "bash .ci/setup makes .venv with websockets (the simulated NCALayer)")
            record = workspace.appendingPathComponent("ncalayer-\(UUID().uuidString).jsonl")
            let output = workspace.appendingPathComponent("ncalayer-\(UUID().uuidString).out")
            try Data().write(to: output)
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = ["Tests/Referees/ncalayer_sim.py", "--p12", key, "--chain", "Certs/ca/nca-demo.pem", "--record", record.path]
            process.currentDirectoryURL = Demo.root
            process.environment = ProcessInfo.processInfo.environment.merging(["EDSVAULT_DEMO_PASSWORD": Demo.password]) { $1 }
            process.standardOutput = try FileHandle(forWritingTo: output)
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline, process.isRunning,
                !String(decoding: (try? Data(contentsOf: output)) ?? Data(), as: UTF8.self).contains("ncalayer: listening")
            {
                Thread.sleep(forTimeInterval: 0.05)
            }
            guard process.isRunning else {
                close(lock)
                throw FixtureError("the simulated NCALayer did not start (is port 13579 free?)")
            }
        }

        func stop() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            close(lock)
        }

        var requests: [[String: Any]] {
            let lines = String(decoding: (try? Data(contentsOf: record)) ?? Data(), as: UTF8.self).split(separator: "\n")
            return lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }
    }

    /// Chromium through the page (Tests/Referees/chromium_session.py over the DevTools protocol): its JSON answer.
    static func drive(_ url: String, screenshotBefore: URL? = nil, screenshot: URL? = nil) throws -> [String: Any] {
        let chromium = try #require(Shell.which("chromium") ?? Shell.which("chromium-browser"), "bash .ci/setup installs chromium")
        let python = try #require(SigningFixture.python)
        var arguments = ["Tests/Referees/chromium_session.py", chromium, url]
        if let screenshotBefore { arguments += ["--screenshot-before", screenshotBefore.path] }
        if let screenshot { arguments += ["--screenshot", screenshot.path] }
        let run = try Shell.run(python, arguments)
        guard run.status == 0, let line = run.stdout.split(separator: "\n").last,
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else { throw FixtureError("chromium_session: \(run.status) \(run.stdout) \(run.stderr)") }
        return object
    }

    @Test func chromiumAndNCALayerSignTheEmployeesOrderAndThePageTurnsToSignedWithoutReload() throws {
        let fixture = try SigningFixture()
        let text = "ПРИКАЗ № 19-К об отпуске. Қасымов Әлихан Серікұлы.\n"
        let document = try fixture.putOrder(text, requiring: ["owner"])
        let token = try fixture.session(document, signer: "iin:900315301237")
        let ncalayer = try SimulatedNCALayer(workspace: fixture.workspace)
        defer { ncalayer.stop() }

        let before = fixture.workspace.appendingPathComponent("before.png")
        let result = try Self.drive("\(fixture.base)/sign/\(token)?lang=kk", screenshotBefore: before)
        #expect(result["initialState"] as? String == "waiting")
        #expect(result["state"] as? String == "signed", "\(result)")
        #expect((result["cspViolations"] as? [String])?.isEmpty == true, "\(result)")
        #expect((result["console"] as? [String])?.isEmpty == true, "\(result)")

        // The QR code as the browser drew it is what a phone reads: the API №1 URL behind mobileSign:.
        let zbarimg = try #require(Shell.which("zbarimg"), "apt-get install zbar-tools")
        #expect(try Shell.run(zbarimg, ["-q", "--raw", before.path]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == fixture.qr(token))

        // The page asked NCALayer exactly as NCALayer's clients do, over the document's own bytes, detached.
        let request = try #require(ncalayer.requests.first)
        #expect(request["module"] as? String == "kz.gov.pki.knca.commonUtils")
        #expect(request["method"] as? String == "createCAdESFromBase64")
        let args = try #require(request["args"] as? [Any])
        #expect(args.count == 4 && args[0] as? String == "PKCS12" && args[1] as? String == "SIGNATURE" && args[3] as? Bool == false)
        #expect((args[2] as? String).flatMap { Data(base64Encoded: $0) } == Data(text.utf8))

        let listed = try fixture.edsvault(["vault", "list", "--format", "json"])
        #expect(listed.stdout.contains("\"fully-signed\""), "\(listed.stdout)")
        let bundle = fixture.workspace.appendingPathComponent("proof.asics")
        #expect(try fixture.edsvault(["vault", "proof", document, "--out", bundle.path]).status == 0)
        let verified = try Shell.run(Shell.edsvault, ["verify", "--bundle", bundle.path, "--trust", "Certs/trust/root.pem"])
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")

        // Reloaded, the page says signed and no longer offers the document or the QR code.
        let reloaded = try Shell.run(try #require(Shell.which("curl")), ["-s", "\(fixture.base)/sign/\(token)?lang=en"]).stdout
        #expect(reloaded.contains("Signed: the vault kept the signature") && !reloaded.contains("<svg"))
        let documentAfter = try Shell.run(try #require(Shell.which("curl")), ["-s", "-o", "/dev/null", "-w", "%{http_code}", "\(fixture.base)/sign/\(token)/document"])
        #expect(documentAfter.stdout == "403")
    }

    @Test func theEmployeesKeyOnTheFirstHeadsSessionIsRefusedAndThePageSaysSo() throws {
        let fixture = try SigningFixture()
        let document = try fixture.putOrder("ПРИКАЗ № 20-К.\n")
        let token = try fixture.session(document, signer: "role:first-head")
        let ncalayer = try SimulatedNCALayer(workspace: fixture.workspace)
        defer { ncalayer.stop() }
        let result = try Self.drive("\(fixture.base)/sign/\(token)?lang=en")
        #expect(result["state"] as? String == "refused", "\(result)")
        #expect((result["ncalayerMessage"] as? String)?.contains("the signer is not the one this session expects") == true, "\(result)")
        let listed = try fixture.edsvault(["vault", "list", "--format", "json"])
        #expect(!listed.stdout.contains("\"fully-signed\""))
    }
}
