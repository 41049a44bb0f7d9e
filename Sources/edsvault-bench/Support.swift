import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Benchmark failure: something did not work (as opposed to a target being missed).
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

// MARK: - Time

/// Monotonic clock in seconds.
enum Stopwatch {
    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    static func time<T>(_ body: () throws -> T) rethrows -> (result: T, seconds: Double) {
        let start = now()
        let result = try body()
        return (result, now() - start)
    }
}

/// A number of operations over a wall-clock duration.
struct Rate {
    let operations: Int
    let seconds: Double
    var perSecond: Double { seconds > 0 ? Double(operations) / seconds : 0 }
}

/// Runs `body` repeatedly for `warmup` seconds (not counted), then for at least `seconds`, single-threaded.
/// The time is cut into `chunks` slices and the median slice is returned, so a burst of other work on the machine
/// (this is a shared 2-core box) moves the figure less than it would move a plain total.
func measureRate(seconds: Double, warmup: Double, chunks: Int = 1, _ body: () throws -> Void) rethrows -> Rate {
    let warmupStart = Stopwatch.now()
    repeat { try body() } while Stopwatch.now() - warmupStart < warmup
    var slices: [Rate] = []
    let sliceSeconds = seconds / Double(max(1, chunks))
    for _ in 0..<max(1, chunks) {
        var operations = 0
        let start = Stopwatch.now()
        var elapsed = 0.0
        repeat {
            try body()
            operations += 1
            elapsed = Stopwatch.now() - start
        } while elapsed < sliceSeconds
        slices.append(Rate(operations: operations, seconds: elapsed))
    }
    slices.sort { $0.perSecond < $1.perSecond }
    return slices[slices.count / 2]
}

// MARK: - Subprocesses

struct ProcessOutput {
    let status: Int32
    /// stdout and stderr interleaved (empty when not captured).
    let output: String
    let seconds: Double
    /// User + system CPU time of the child (wait4's rusage).
    var cpuSeconds: Double = 0
}

enum Subprocess {
    /// Runs `executable` with `arguments` through posix_spawn(3); stdout+stderr go to one pipe, or to /dev/null.
    ///
    /// Not Foundation's `Process`: on Linux it costs tens of milliseconds per launch here (more than the whole
    /// `openssl cms -verify` it would time), which would make every process referee look slower than it is.
    static func run(_ executable: URL, _ arguments: [String], capture: Bool = true) throws -> ProcessOutput {
        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t? = nil
        #else
        var actions = posix_spawn_file_actions_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var fds: [Int32] = [-1, -1]
        if capture {
            guard pipe(&fds) == 0 else { throw BenchError("pipe failed: \(String(cString: strerror(errno)))") }
            posix_spawn_file_actions_addclose(&actions, fds[0])
            posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
            posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
            posix_spawn_file_actions_addclose(&actions, fds[1])
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable.path] + arguments).map { strdup($0) } + [nil]
        let environment: [UnsafeMutablePointer<CChar>?] = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + environment { free(pointer) } }

        let start = Stopwatch.now()
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable.path, &actions, nil, argv, environment)
        if capture { close(fds[1]) }
        guard spawned == 0 else {
            if capture { close(fds[0]) }
            throw BenchError("cannot start \(executable.path): \(String(cString: strerror(spawned)))")
        }
        var output = Data()
        if capture {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = read(fds[0], &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                output.append(contentsOf: buffer[0..<count])
            }
            close(fds[0])
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw BenchError("wait4 failed: \(String(cString: strerror(errno)))") }
        }
        let seconds = Stopwatch.now() - start
        func time(_ value: timeval) -> Double { Double(value.tv_sec) + Double(value.tv_usec) / 1e6 }
        // WIFEXITED / WEXITSTATUS, spelled out (they are macros).
        let exitStatus: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return ProcessOutput(
            status: exitStatus, output: String(decoding: output, as: UTF8.self), seconds: seconds,
            cpuSeconds: time(usage.ru_utime) + time(usage.ru_stime))
    }

    /// The first executable named `name` on $PATH.
    static func which(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// This executable, to start `hash-only` children.
    static func selfExecutable() -> URL {
        #if os(Linux)
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: resolved)
        }
        #endif
        if let url = Bundle.main.executableURL { return url }
        return URL(fileURLWithPath: CommandLine.arguments[0])
    }
}

// MARK: - Memory

enum PeakMemory {
    /// This process's peak resident set size in KiB: VmHWM from /proc/self/status, else getrusage.
    static func selfKiB() -> Int {
        #if os(Linux)
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) {
            for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
                let digits = line.dropFirst("VmHWM:".count).filter(\.isNumber)
                if let value = Int(digits) { return value }
            }
        }
        #endif
        return maxRSSKiB(RUSAGE_SELF)
    }

    #if os(Linux)
    private static func maxRSSKiB(_ who: __rusage_who) -> Int {
        var usage = rusage()
        guard getrusage(__rusage_who_t(who.rawValue), &usage) == 0 else { return 0 }
        return Int(usage.ru_maxrss)  // KiB on Linux
    }
    #else
    private static func maxRSSKiB(_ who: Int32) -> Int {
        var usage = rusage()
        guard getrusage(who, &usage) == 0 else { return 0 }
        return Int(usage.ru_maxrss) / 1024  // bytes on macOS
    }
    #endif
}

// MARK: - Temporary files

/// A private temporary directory, removed at exit and on SIGINT/SIGTERM (the hash file is large).
final class ScratchDirectory {
    let url: URL

    init(parent: URL) throws {
        let url = parent.appendingPathComponent("edsvault-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw BenchError("cannot create a temporary directory under \(parent.path): \(error)")
        }
        self.url = url
        ScratchCleanup.install(url.path)
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
        ScratchCleanup.uninstall()
    }

    deinit { remove() }
}

/// Signal-safe removal of the scratch directory: unlink(2) the known files, then rmdir(2).
enum ScratchCleanup {
    static let knownFiles = ["hash.bin", "document.bin", "signature-rsa.p7s", "signature-ec.p7s"]
    /// C strings prepared before the handler is installed: the handler itself only calls unlink, rmdir and _exit.
    nonisolated(unsafe) private static var paths: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
    nonisolated(unsafe) private static var pathCount = 0

    static func install(_ directory: String) {
        let all = knownFiles.map { directory + "/" + $0 } + [directory]  // the directory last
        let buffer = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: all.count)
        for (index, path) in all.enumerated() { buffer[index] = strdup(path) }
        paths = buffer
        pathCount = all.count
        let handler: @convention(c) (Int32) -> Void = { signalNumber in
            if let paths = ScratchCleanup.paths {
                let count = ScratchCleanup.pathCount
                for index in 0..<(count - 1) { if let path = paths[index] { unlink(path) } }
                if let directory = paths[count - 1] { rmdir(directory) }
            }
            _exit(128 + signalNumber)
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }

    static func uninstall() {
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}

// MARK: - Formatting

func formatNumber(_ value: Double, decimals: Int = 1) -> String {
    guard value.isFinite else { return "n/a" }
    return String(format: "%.\(decimals)f", value)
}

func padLeft(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}

func padRight(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

/// Progress goes to stderr so stdout holds only the results.
func progress(_ message: String) {
    FileHandle.standardError.write(Data(("· " + message + "\n").utf8))
}
