// edsvault-bench: EDS Vault's signing, validation and hashing against OpenSSL referees run in the same invocation.
// See Docs/benchmarks.md. Run from the repository root: swift run -c release edsvault-bench [--quick]
import Foundation

func runBenchmark(_ options: Options) throws -> Int32 {
    let loadAverage = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))
        .map { $0.split(separator: " ").prefix(3).joined(separator: " ") }
    let certs = try DemoPKI.locate(options.certs)
    let pki = try DemoPKI.load(from: certs)
    let openssl = options.openssl ?? Subprocess.which("openssl")
    var opensslVersion = "openssl not found: referees skipped"
    if let openssl {
        let version = try Subprocess.run(openssl, ["version"])
        guard version.status == 0 else { throw BenchError("\(openssl.path) version failed: \(version.output)") }
        opensslVersion = version.output.trimmingCharacters(in: .whitespacesAndNewlines) + " (\(openssl.path))"
    }
    let parent = options.temporaryParent ?? FileManager.default.temporaryDirectory
    let scratch = try ScratchDirectory(parent: parent)
    defer { scratch.remove() }

    // Hashing first, while the process is small and before the openssl speed runs.
    let hash = try HashBench(options: options, openssl: openssl, scratch: scratch.url).run()
    let bench = try SignVerifyBench(options: options, pki: pki, openssl: openssl, scratch: scratch.url)
    let signVerify = try KeyAlgorithm.allCases.filter { options.only == nil || options.only == $0 }.map { try bench.run($0) }

    let report = Report(options: options, opensslVersion: opensslVersion, loadAverage: loadAverage, signVerify: signVerify, hash: hash)
    let longTerm = options.only == nil || options.only == .rsa2048 ? try LongTermBench(options: options, pki: pki, openssl: openssl).run() : nil
    // GOST rows when the GOST demo PKI is there (Certs/make-gost-demo-pki.sh).
    let gost = FileManager.default.fileExists(atPath: certs.appendingPathComponent("employee-gost.p12").path)
        ? try GOSTBench(options: options, certs: certs, openssl: openssl, scratch: scratch.url).run() : nil
    // The big-CRL row (issue 11) needs the edsvault executable beside this one and an openssl referee.
    let bigCRL = try openssl.map { try BigCRLBench(certs: certs, openssl: $0, scratch: scratch.url, entries: options.quick ? 50_000 : 500_000).run() }
    // The batch row (issue 11): `verify --batch` on 1 thread and on every core.
    let batch = options.only == nil || options.only == .rsa2048
        ? try BatchBench(certs: certs, pki: pki, scratch: scratch.url, signatures: options.quick ? 400 : BatchBench.defaultSignatures).run() : nil
    print(
        report.render() + (longTerm.map(LongTermBench.render) ?? "") + (gost.map(GOSTBench.render) ?? "")
            + (bigCRL.map(BigCRLBench.render) ?? "") + (batch.map(BatchBench.render) ?? ""))
    let gostMissed = gost.map { $0.validate.perSecond < $0.validateTarget || ($0.hashRatio.map { $0 < 0.9 } ?? false) } ?? false
    let bigCRLMissed = bigCRL.map { $0.timeRatio > 0.5 || $0.ours.peakKiB >= 96 * 1024 } ?? false
    let batchMissed = batch.map { $0.threads >= 2 && $0.speedup < 1.8 } ?? false
    let missed =
        report.targets.contains { $0.status == "MISS" } || (longTerm.map { $0.costFactor >= 2 } ?? false) || gostMissed || bigCRLMissed
        || batchMissed
    return options.strict && missed ? 2 : 0
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("edsvault-bench: \(message)\n".utf8))
    exit(1)
}

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("-h") || arguments.contains("--help") {
    print(Options.usage)
    exit(0)
}
if arguments.first == "hash-only" {
    guard arguments.count == 2 else { fail("usage: edsvault-bench hash-only FILE") }
    do {
        print(try ChildHash.runChild(arguments[1]).line)
        exit(0)
    } catch {
        fail("\(error)")
    }
}
if arguments.first == "big-crl" {
    // `edsvault-bench big-crl [ENTRIES]`: the big-CRL row alone (Certs/ from the current directory).
    do {
        guard let openssl = Subprocess.which("openssl") else { fail("big-crl needs openssl on PATH") }
        let scratch = try ScratchDirectory(parent: FileManager.default.temporaryDirectory)
        defer { scratch.remove() }
        let entries = arguments.count > 1 ? Int(arguments[1]) ?? 500_000 : 500_000
        print(BigCRLBench.render(try BigCRLBench(certs: try DemoPKI.locate(nil), openssl: openssl, scratch: scratch.url, entries: entries).run()))
        exit(0)
    } catch {
        fail("\(error)")
    }
}
if arguments.first == "batch" {
    // `edsvault-bench batch [SIGNATURES]`: the batch row alone (Certs/ from the current directory).
    do {
        let scratch = try ScratchDirectory(parent: FileManager.default.temporaryDirectory)
        defer { scratch.remove() }
        let certs = try DemoPKI.locate(nil)
        let count = arguments.count > 1 ? Int(arguments[1]) ?? BatchBench.defaultSignatures : BatchBench.defaultSignatures
        let result = try BatchBench(certs: certs, pki: try DemoPKI.load(from: certs), scratch: scratch.url, signatures: count).run()
        print(BatchBench.render(result))
        exit(0)
    } catch {
        fail("\(error)")
    }
}
// Loops for a profiler: `lt-loop N [--plain|--cold|--ocsp]`, `sign-loop N [rsa2048|p256]`.
let profilerLoops: [String: ([String]) throws -> Void] = ["lt-loop": LongTermBench.loop, "sign-loop": SignVerifyBench.signLoop]
if let first = arguments.first, let loop = profilerLoops[first] {
    do {
        try loop(Array(arguments.dropFirst()))
        exit(0)
    } catch {
        fail("\(error)")
    }
}
do {
    exit(try runBenchmark(try Options.parse(arguments)))
} catch {
    fail("\(error)")
}
