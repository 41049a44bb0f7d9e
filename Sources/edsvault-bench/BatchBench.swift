import EDSCrypto
import Foundation

/// Issue 11's batch row: `edsvault verify --batch LIST` over the same signatures with `--jobs 1` and with one job per
/// core, in the same run. Each signature is over its own 1 KiB document (RSA-2048, the demo employee), the CRLs are
/// passed with `--crl`, offline; JSON Lines go to /dev/null. The target is ≥ 1.8× from 1 to 2 threads.
struct BatchBench {
    /// An archive audit's size: process start-up (~30 ms for the runtime, the trust anchors and the CRLs) is serial.
    /// With a validation at ~60 µs it alone capped the speed-up of 2,000 signatures at ~1.7×; at ~33 µs it took
    /// ~10 % of a 10,000-signature run on two threads, and runs of 0.36 s moved by ±0.1× from one to the next.
    static let defaultSignatures = 20_000

    let certs: URL
    let pki: DemoPKI
    let scratch: URL
    let signatures: Int

    struct Result {
        let signatures: Int
        let threads: Int
        /// Runs of --jobs 1 and --jobs `threads`, interleaved; the best of each is kept (wall clock, and the CPU
        /// time of that run).
        let single: Double
        let all: Double
        let singleCPU: Double
        let allCPU: Double
        /// The machine's load average when the runs started.
        let loadAverage: String
        var singleRate: Double { Double(signatures) / single }
        var allRate: Double { Double(signatures) / all }
        var speedup: Double { single / all }
        /// How much CPU the same work takes on `threads` threads (1.0: no contention at all).
        var cpuEfficiency: Double { singleCPU / allCPU }
        /// An upper bound of the speed-up `threads` free cores would give: `threads` × the CPU efficiency, as if
        /// nothing were serial (start-up and the ordered writes are).
        var idleMachineSpeedup: Double { Double(threads) * cpuEfficiency }
    }

    func run(rounds: Int = 3) throws -> Result {
        let work = scratch.appendingPathComponent("batch")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let edsvault = Subprocess.selfExecutable().deletingLastPathComponent().appendingPathComponent("edsvault")
        guard FileManager.default.isExecutableFile(atPath: edsvault.path) else {
            throw BenchError("\(edsvault.path) not found: build it with `swift build -c release --product edsvault`")
        }
        progress("batch: signing \(signatures) documents")
        var list = ""
        for number in 0..<signatures {
            let document = Data((0..<1024).map { UInt8(truncatingIfNeeded: 0x20 + ($0 * 7 + number) % 90) })
            let name = "document-\(number).txt"
            try document.write(to: work.appendingPathComponent(name))
            let signature = try CMSSigner.sign(.bytes(document), key: pki.rsa.privateKey, certificate: pki.rsa.certificate, chain: pki.rsa.chain)
            try signature.write(to: work.appendingPathComponent(name + ".cms"))
            list += "\(name).cms \(name)\n"
        }
        let listFile = work.appendingPathComponent("list.txt")
        try list.write(to: listFile, atomically: true, encoding: .utf8)
        let threads = ProcessInfo.processInfo.activeProcessorCount
        func verify(jobs: Int) throws -> (wall: Double, cpu: Double) {
            let run = try Subprocess.run(edsvault, [
                "verify", "--batch", listFile.path, "--jobs", "\(jobs)", "--trust", certs.appendingPathComponent("trust/root.pem").path,
                "--crl", certs.appendingPathComponent("crl/nca_demo.crl").path, "--crl", certs.appendingPathComponent("crl/root.crl").path, "--offline",
            ], capture: false)
            guard run.status == 0 else { throw BenchError("edsvault verify --batch --jobs \(jobs) exited \(run.status)") }
            return (run.seconds, run.cpuSeconds)
        }
        let loadAverage = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))
            .map { $0.split(separator: " ").prefix(3).joined(separator: " ") } ?? "?"
        var single = (wall: Double.infinity, cpu: 0.0)
        var all = (wall: Double.infinity, cpu: 0.0)
        for round in 1...rounds {
            progress("batch: round \(round) of \(rounds), --jobs 1 and --jobs \(threads)")
            let one = try verify(jobs: 1)
            if one.wall < single.wall { single = one }
            let many = try verify(jobs: threads)
            if many.wall < all.wall { all = many }
        }
        return Result(
            signatures: signatures, threads: threads, single: single.wall, all: all.wall, singleCPU: single.cpu, allCPU: all.cpu,
            loadAverage: loadAverage)
    }

    static func render(_ result: Result) -> String {
        let met = result.threads < 2 || result.speedup >= 1.8
        return """

            Batch: edsvault verify --batch, \(result.signatures) RSA-2048 signatures, CRLs, offline (best of interleaved runs, process start included)
              load average at start: \(result.loadAverage) (a busy machine leaves the second thread no core to run on)
              --jobs 1                    \(formatNumber(result.singleRate, decimals: 0))/s (\(formatNumber(result.single, decimals: 2)) s, \(formatNumber(result.singleCPU, decimals: 2)) s CPU)
              --jobs \(result.threads)                    \(formatNumber(result.allRate, decimals: 0))/s (\(formatNumber(result.all, decimals: 2)) s, \(formatNumber(result.allCPU, decimals: 2)) s CPU)
              speed-up, wall clock        \(formatNumber(result.speedup, decimals: 2))× (target ≥ 1.80 on 2 threads: \(met ? "ok" : "MISS"))
              CPU for the same work       \(formatNumber(result.cpuEfficiency, decimals: 2)) (1 thread ÷ \(result.threads); 1.00 = no contention)
              on \(result.threads) idle cores              \(formatNumber(result.idleMachineSpeedup, decimals: 2))× (\(result.threads) × that CPU ratio, an upper bound; information)

            """
    }
}
