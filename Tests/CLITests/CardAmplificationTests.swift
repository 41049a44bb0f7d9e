import Foundation
import Testing

/// Issue 23, finding 5: hostile PDFs given to `verify --card`. Before, a 1 MB flate bomb was refused only after
/// 1.08 GB RSS, 201 file specifications naming one 2 MiB stream took 41.9 s and 864 MB, 500 flate streams 27.7 s and
/// 1.19 GB. Each hostile card (Fuzz/corpus/card, made by Fuzz/make-hostile-cards.py; also the fuzz-card seeds) must now
/// be refused (65) quickly and with little memory.
@Suite struct CardAmplificationTests {
    /// Runs `edsvault verify --card FILE` under Python's resource accounting: (exit status, peak RSS in bytes, seconds,
    /// stderr). The Python process has no other children, so RUSAGE_CHILDREN is this run's.
    static func measured(_ card: String) throws -> (status: Int, peakRSS: Int, seconds: Double, stderr: String) {
        let script = """
            import resource, subprocess, sys, time
            started = time.monotonic()
            run = subprocess.run(sys.argv[1:], capture_output=True)
            print(run.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, time.monotonic() - started)
            sys.stderr.write(run.stderr.decode(errors="replace"))
            """
        let result = try Tools.run(
            "python3", ["-c", script, Tools.edsvault, "verify", "--card", card, "--trust", "Certs/trust/root.pem"])
        let fields = result.stdout.split(separator: " ")
        let status = try #require(fields.first.flatMap { Int($0) })
        let kilobytes = try #require(Int(fields[1]))
        let seconds = try #require(Double(fields[2].trimmingCharacters(in: .whitespacesAndNewlines)))
        return (status, kilobytes << 10, seconds, result.stderr)
    }

    @Test(arguments: [
        ("flate-bomb.pdf", "larger than the limit"),
        ("shared-stream.pdf", "shares its file stream with another"),
        ("many-streams.pdf", "too many embedded files (250)"),
    ])
    func aHostileCardIsRefusedQuicklyAndWithLittleMemory(_ file: String, _ reason: String) throws {
        let run = try Self.measured("Fuzz/corpus/card/\(file)")
        print("CardAmplificationTests \(file): exit \(run.status), \(run.peakRSS >> 20) MiB peak RSS, \(String(format: "%.2f", run.seconds)) s")
        #expect(run.status == 65, "\(run.stderr)")
        #expect(run.stderr.contains(reason), "\(run.stderr)")
        #expect(run.peakRSS < 150 << 20, "peak RSS \(run.peakRSS >> 20) MiB")
        #expect(run.seconds < 10)
    }
}
