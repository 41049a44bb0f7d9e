import Foundation

/// Issue 11's big-CRL row: `edsvault verify --crl BIG` against `openssl crl -verify` on the same CRL in the same run,
/// time and peak RSS of each process. BIG is the demo NCA's CRL padded to `entries` revoked serials (NCA RK's real
/// GOST CRL lists 500,000, ~26 MB), issued by `openssl ca -gencrl` with the demo NCA key, so `verify` checks its
/// signature and looks the signer up in it exactly as with the real one.
struct BigCRLBench {
    let certs: URL
    let openssl: URL
    let scratch: URL
    let entries: Int

    struct Result {
        let entries: Int
        let bytes: Int
        let ours: (seconds: Double, peakKiB: Int)
        let referee: (seconds: Double, peakKiB: Int)
        var timeRatio: Double { ours.seconds / referee.seconds }
    }

    func run() throws -> Result {
        let work = scratch.appendingPathComponent("big-crl")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        progress("big CRL: \(entries) entries with openssl ca -gencrl")
        let crl = try makeCRL(in: work)
        let bytes = (try? FileManager.default.attributesOfItem(atPath: crl.path)[.size] as? Int) ?? 0
        let edsvault = Subprocess.selfExecutable().deletingLastPathComponent().appendingPathComponent("edsvault")
        guard FileManager.default.isExecutableFile(atPath: edsvault.path) else {
            throw BenchError("\(edsvault.path) not found: build it with `swift build -c release --product edsvault`")
        }
        let document = work.appendingPathComponent("document.txt")
        try Data("big CRL row\n".utf8).write(to: document)
        setenv("EDSVAULT_BENCH_PASSWORD", DemoPKI.password, 1)
        let signature = work.appendingPathComponent("document.txt.cms")
        let signed = try Subprocess.run(
            edsvault, ["sign", document.path, "--key", certs.appendingPathComponent("employee.p12").path, "--password-env", "EDSVAULT_BENCH_PASSWORD", "--out", signature.path])
        guard signed.status == 0 else { throw BenchError("edsvault sign failed: \(signed.output.suffix(300))") }
        progress("big CRL: edsvault verify --crl")
        let ours = try peak(edsvault, [
            "verify", "--signature", signature.path, document.path, "--trust", certs.appendingPathComponent("trust/root.pem").path,
            "--crl", crl.path, "--crl", certs.appendingPathComponent("crl/root.crl").path, "--offline",
        ])
        progress("big CRL: openssl crl -verify")
        let referee = try peak(openssl, ["crl", "-inform", "DER", "-in", crl.path, "-CAfile", certs.appendingPathComponent("ca/nca-demo.pem").path, "-verify", "-noout"])
        return Result(entries: entries, bytes: bytes, ours: ours, referee: referee)
    }

    /// Wall time and peak RSS of one run (GNU time's %M), which must exit 0.
    private func peak(_ executable: URL, _ arguments: [String]) throws -> (seconds: Double, peakKiB: Int) {
        let time = URL(fileURLWithPath: "/usr/bin/time")
        guard FileManager.default.isExecutableFile(atPath: time.path) else { throw BenchError("/usr/bin/time (GNU time) is needed for peak RSS") }
        let report = scratch.appendingPathComponent("big-crl-time.txt")
        let run = try Subprocess.run(time, ["-f", "%M", "-o", report.path, executable.path] + arguments, capture: false)
        guard run.status == 0 else { throw BenchError("\(executable.lastPathComponent) \(arguments.first ?? "") exited \(run.status)") }
        let kib = Int(try String(contentsOf: report, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        return (run.seconds, kib)
    }

    private func makeCRL(in work: URL) throws -> URL {
        var index = try String(contentsOf: certs.appendingPathComponent("demo-ca/nca/index.txt"), encoding: .utf8)
        if !index.hasSuffix("\n") { index += "\n" }
        var filler = ""
        filler.reserveCapacity(entries * 80)
        for number in 0..<entries {
            filler += "R\t360101000000Z\t250101000000Z,superseded\t\(String(0x1000_0000_0000_0000 + number * 7919, radix: 16, uppercase: true))\tunknown\t/CN=filler \(number)\n"
        }
        try (index + filler).write(to: work.appendingPathComponent("index.txt"), atomically: true, encoding: .utf8)
        try "unique_subject = no\n".write(to: work.appendingPathComponent("index.txt.attr"), atomically: true, encoding: .utf8)
        try "1000\n".write(to: work.appendingPathComponent("crlnumber"), atomically: true, encoding: .utf8)
        let configuration = work.appendingPathComponent("ca.cnf")
        try """
            [ ca ]
            default_ca = big
            [ big ]
            database = \(work.path)/index.txt
            crlnumber = \(work.path)/crlnumber
            default_md = sha256
            default_crl_days = 3650
            certificate = \(certs.path)/ca/nca-demo.pem
            private_key = \(certs.path)/ca/nca-demo.key
            """.write(to: configuration, atomically: true, encoding: .utf8)
        let pem = work.appendingPathComponent("big.crl.pem")
        let der = work.appendingPathComponent("big.crl")
        let made = try Subprocess.run(openssl, ["ca", "-batch", "-config", configuration.path, "-gencrl", "-out", pem.path])
        guard made.status == 0 else { throw BenchError("openssl ca -gencrl failed: \(made.output.suffix(300))") }
        let converted = try Subprocess.run(openssl, ["crl", "-in", pem.path, "-outform", "DER", "-out", der.path])
        guard converted.status == 0 else { throw BenchError("openssl crl -outform DER failed: \(converted.output.suffix(300))") }
        return der
    }

    static func render(_ result: Result) -> String {
        let timeOK = result.timeRatio <= 0.5
        let memoryOK = result.ours.peakKiB < 96 * 1024
        return """

            Big CRL: \(result.entries) entries, \(formatNumber(Double(result.bytes) / 1e6)) MB, one `verify` (load, signature, lookup)
              edsvault verify --crl       \(formatNumber(result.ours.seconds, decimals: 2)) s, peak RSS \(formatNumber(Double(result.ours.peakKiB) / 1024)) MiB
              openssl crl -verify         \(formatNumber(result.referee.seconds, decimals: 2)) s, peak RSS \(formatNumber(Double(result.referee.peakKiB) / 1024)) MiB
              time ratio                  \(formatNumber(result.timeRatio, decimals: 2)) (target <= 0.50: \(timeOK ? "ok" : "MISS")); peak RSS target < 96 MiB: \(memoryOK ? "ok" : "MISS")

            """
    }
}
