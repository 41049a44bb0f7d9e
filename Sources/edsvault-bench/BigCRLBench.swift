import Foundation

/// Issue 11's big-CRL row: `edsvault verify --crl BIG` against `openssl crl -verify` on the same CRL in the same run,
/// time and peak RSS of each process. BIG is the demo NCA's CRL padded to `entries` revoked serials (NCA RK's real
/// GOST CRL lists 500,000, ~26 MB), issued by `openssl ca -gencrl` with the demo NCA key (`Certs/make-big-crl`), so
/// `verify` checks its signature and looks the signer up in it exactly as with the real one; beside it a delta CRL of
/// 1,000 entries (NCA RK publishes a base and a delta), which `verify` must apply too.
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
            "--crl", crl.path, "--crl", work.appendingPathComponent("delta.crl").path, "--crl", certs.appendingPathComponent("crl/root.crl").path,
            "--offline",
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

    /// `Certs/make-big-crl`, the generator the tests use too.
    private func makeCRL(in work: URL) throws -> URL {
        let made = try Subprocess.run(
            certs.appendingPathComponent("make-big-crl"), [work.path, String(entries), "--delta", "1000", "--openssl", openssl.path])
        guard made.status == 0 else { throw BenchError("Certs/make-big-crl failed: \(made.output.suffix(300))") }
        return work.appendingPathComponent("big.crl")
    }

    static func render(_ result: Result) -> String {
        let timeOK = result.timeRatio <= 0.5
        let memoryOK = result.ours.peakKiB < 96 * 1024
        return """

            Big CRL: \(result.entries) entries, \(formatNumber(Double(result.bytes) / 1e6)) MB, + a 1,000-entry delta, one `verify` (load, signatures, lookups)
              edsvault verify --crl       \(formatNumber(result.ours.seconds, decimals: 2)) s, peak RSS \(formatNumber(Double(result.ours.peakKiB) / 1024)) MiB
              openssl crl -verify         \(formatNumber(result.referee.seconds, decimals: 2)) s, peak RSS \(formatNumber(Double(result.referee.peakKiB) / 1024)) MiB
              time ratio                  \(formatNumber(result.timeRatio, decimals: 2)) (target <= 0.50: \(timeOK ? "ok" : "MISS")); peak RSS target < 96 MiB: \(memoryOK ? "ok" : "MISS")

            """
    }
}
