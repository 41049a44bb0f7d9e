import EDSCrypto
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct HashResult {
    let bytes: UInt64
    let writeSeconds: Double
    /// Best in-process `Digest.hashFile` time.
    let oursSeconds: Double
    /// Best `openssl dgst -sha256` process time (nil without openssl).
    let opensslSeconds: Double?
    let child: ChildHash
    /// The same child over /dev/null: what the process needs before hashing anything.
    let baselineRSSKiB: Int

    var oursMBps: Double { Double(bytes) / 1e6 / oursSeconds }
    var opensslMBps: Double? { opensslSeconds.map { Double(bytes) / 1e6 / $0 } }
    /// The child's own VmHWM (/proc/self/status), read just before it exits.
    ///
    /// Not getrusage(RUSAGE_CHILDREN).ru_maxrss: Linux keeps the pre-exec address space's high-water mark across
    /// execve, and before exec a spawned (or forked) child runs in the parent's address space (or a copy of it), so
    /// a child's ru_maxrss is at least the parent's RSS at spawn time. Under `swift run`, which execs this binary,
    /// RUSAGE_CHILDREN also still holds the swift-build processes swift run waited for (120 MiB here).
    var peakRSSKiB: Int { child.peakRSSKiB }
}

/// What `edsvault-bench hash-only FILE` prints: one line of key=value pairs.
struct ChildHash {
    let sha256: String
    let bytes: UInt64
    let seconds: Double
    let peakRSSKiB: Int

    var line: String { "sha256=\(sha256) bytes=\(bytes) seconds=\(seconds) peak_rss_kib=\(peakRSSKiB)" }

    init(sha256: String, bytes: UInt64, seconds: Double, peakRSSKiB: Int) {
        self.sha256 = sha256
        self.bytes = bytes
        self.seconds = seconds
        self.peakRSSKiB = peakRSSKiB
    }

    init(parsing output: String) throws {
        var fields: [String: String] = [:]
        for line in output.split(separator: "\n") where line.hasPrefix("sha256=") {
            for pair in line.split(separator: " ") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
            }
        }
        guard let sha256 = fields["sha256"], let bytes = fields["bytes"].flatMap(UInt64.init),
            let seconds = fields["seconds"].flatMap(Double.init), let peak = fields["peak_rss_kib"].flatMap(Int.init)
        else { throw BenchError("unexpected output from the hash-only child: \(output.suffix(500))") }
        self.init(sha256: sha256, bytes: bytes, seconds: seconds, peakRSSKiB: peak)
    }

    /// The child side: hash `path` once and report.
    static func runChild(_ path: String) throws -> ChildHash {
        let ((digests, size), seconds) = try Stopwatch.time { try Digest.hashFile(at: URL(fileURLWithPath: path), algorithms: [.sha256]) }
        return ChildHash(sha256: digests[.sha256]?.hexString ?? "", bytes: size, seconds: seconds, peakRSSKiB: PeakMemory.selfKiB())
    }
}

struct HashBench {
    let options: Options
    let openssl: URL?
    let scratch: URL

    func run() throws -> HashResult {
        let file = scratch.appendingPathComponent("hash.bin")
        defer { try? FileManager.default.removeItem(at: file) }
        let size = UInt64(options.hashMiB) << 20
        if let free = (try? FileManager.default.attributesOfFileSystem(forPath: scratch.path))?[.systemFreeSize] as? NSNumber,
            free.uint64Value < size + (256 << 20)
        {
            throw BenchError("not enough space in \(scratch.path) for a \(options.hashMiB) MiB file (use --tmp DIR or --hash-size-mib N)")
        }
        progress("writing \(options.hashMiB) MiB of pseudo-random bytes to \(file.path)")
        let writeSeconds = try Stopwatch.time { try Self.writeRandomFile(file, mebibytes: options.hashMiB) }.seconds

        // Peak RSS in fresh children, each reporting its own VmHWM: a baseline over /dev/null, then the file.
        progress("hash-only children (peak RSS)")
        let baselineRun = try Subprocess.run(Subprocess.selfExecutable(), ["hash-only", "/dev/null"])
        guard baselineRun.status == 0 else { throw BenchError("the hash-only child failed (\(baselineRun.status)): \(baselineRun.output.suffix(500))") }
        let baseline = try ChildHash(parsing: baselineRun.output)
        let childRun = try Subprocess.run(Subprocess.selfExecutable(), ["hash-only", file.path])
        guard childRun.status == 0 else { throw BenchError("the hash-only child failed (\(childRun.status)): \(childRun.output.suffix(500))") }
        let child = try ChildHash(parsing: childRun.output)

        // Alternate ours and openssl's, keep the best of each: both read the file from the page cache.
        var ours: [Double] = []
        var referee: [Double] = []
        for round in 1...options.hashRepeats {
            progress("Digest.hashFile, round \(round)/\(options.hashRepeats)")
            let (result, seconds) = try Stopwatch.time { try Digest.hashFile(at: file, algorithms: [.sha256]) }
            ours.append(seconds)
            guard result.size == size, result.digests[.sha256]?.hexString == child.sha256 else {
                throw BenchError("Digest.hashFile disagrees with itself or with the file size (\(result.size) bytes)")
            }
            if let openssl {
                progress("openssl dgst -sha256, round \(round)/\(options.hashRepeats)")
                let run = try Subprocess.run(openssl, ["dgst", "-sha256", file.path])
                guard run.status == 0 else { throw BenchError("openssl dgst failed (\(run.status)): \(run.output.suffix(300))") }
                // "SHA2-256(/tmp/.../hash.bin)= 3b5d..."
                let printed = run.output.split(separator: "=").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
                guard printed == child.sha256 else { throw BenchError("openssl dgst gives \(printed), Digest.hashFile \(child.sha256)") }
                referee.append(run.seconds)
            }
        }
        return HashResult(
            bytes: size, writeSeconds: writeSeconds, oursSeconds: ours.min() ?? .nan, opensslSeconds: referee.min(), child: child,
            baselineRSSKiB: baseline.peakRSSKiB)
    }

    /// Real bytes in 1 MiB chunks (a sparse file would hash zero pages the kernel never reads), flushed to disk
    /// so writeback does not compete with the timed runs.
    static func writeRandomFile(_ url: URL, mebibytes: Int) throws {
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw BenchError("cannot create \(url.path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let chunk = 1 << 20
        let words = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: chunk / 8)
        defer { words.deallocate() }
        var generator = XorShift(seed: 0xED5_2026)
        for _ in 0..<mebibytes {
            for index in words.indices { words[index] = generator.next() }
            var offset = 0
            while offset < chunk {
                let written = write(descriptor, UnsafeRawPointer(words.baseAddress!) + offset, chunk - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw BenchError("cannot write \(url.path): \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
        guard fsync(descriptor) == 0 else { throw BenchError("cannot flush \(url.path): \(String(cString: strerror(errno)))") }
    }
}
