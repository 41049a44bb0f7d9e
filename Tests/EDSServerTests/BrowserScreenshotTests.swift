import EDSCrypto
import EDSServer
import Foundation
import HummingbirdTesting
import Testing

/// The proof page in a real browser: headless Chromium (Debian's `chromium`) loads it from the live service and
/// saves what a person sees on a desktop and on a phone, and prints it to PDF to check the one-page card.
/// Not part of CI (Chromium is a large install): run once with
///   EDSVAULT_SCREENSHOT_DIR=Docs swift test --filter BrowserScreenshotTests
@Suite(.enabled(if: ProcessInfo.processInfo.environment["EDSVAULT_SCREENSHOT_DIR"] != nil))
struct BrowserScreenshotTests {
    @Test func proofPageInChromium() async throws {
        let chromium = try #require(Shell.which("chromium") ?? Shell.which("chromium-browser"), "apt-get install chromium")
        let directory = URL(fileURLWithPath: ProcessInfo.processInfo.environment["EDSVAULT_SCREENSHOT_DIR"]!, relativeTo: Demo.root)
        let token = PageRouteTests.token
        let proof = try PageRouteTests.vaultProof()
        let configuration = try Demo.configuration(proofs: DictionaryProofDirectory(proofs: [token: proof]))
        try await withTestService(configuration, setup: .live) { client in
            let port = try #require(client.port)
            let url = "http://127.0.0.1:\(port)/proofs/\(token)"
            let profile = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-chromium-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: profile) }
            let common = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(profile.path)"]
            for (name, size, language) in [("proof-page.png", "900,2200", "ru"), ("proof-page-phone.png", "390,3000", "kk")] {
                let output = directory.appendingPathComponent(name)
                let shot = try Shell.run(chromium, common + ["--window-size=\(size)", "--screenshot=\(output.path)", "\(url)?lang=\(language)"])
                #expect(FileManager.default.fileExists(atPath: output.path), "\(shot.stderr)")
            }
            let pdf = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-proof-\(UUID().uuidString).pdf")
            defer { try? FileManager.default.removeItem(at: pdf) }
            _ = try Shell.run(chromium, common + ["--no-pdf-header-footer", "--print-to-pdf=\(pdf.path)", "\(url)?lang=ru"])
            let pdfinfo = try #require(Shell.which("pdfinfo"), "apt-get install poppler-utils")
            let info = try Shell.run(pdfinfo, [pdf.path]).stdout
            let pages = info.split(separator: "\n").first { $0.hasPrefix("Pages:") }.flatMap { Int($0.dropFirst(6).trimmingCharacters(in: .whitespaces)) }
            #expect(pages == 1, "the printed proof card should fit one A4 page: \(info)")
            if let pdftoppm = Shell.which("pdftoppm") {
                // The printed card as an image, beside the screenshots.
                let prefix = directory.appendingPathComponent("proof-page-print").path
                _ = try Shell.run(pdftoppm, ["-png", "-r", "80", "-singlefile", pdf.path, prefix])
            }
        }
    }
}
