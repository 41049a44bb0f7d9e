import Dispatch
import EDSCrypto
import EDSVerification
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `verify --batch LIST`: an archive audit or a migration validates thousands of signatures in one process, on every
/// core, sharing what does not change between them (trust anchors, CRLs, the parsed-certificate cache).
///
/// LIST is a file of `SIGNATURE [DOCUMENT]` lines (paths relative to the list's folder; `#` starts a comment), or a
/// directory searched for `*.cms`, `*.p7s` and `*.sig` files whose document is the same path without that suffix
/// (none: the signature must be attached). Output: one JSON line per signature file (JSON Lines), in list order;
/// a summary on stderr; exit status the worst indication (1 if any TOTAL_FAILED, else 2 if any INDETERMINATE or
/// unreadable, else 0).
enum BatchVerification {
    struct Item: Sendable {
        let signature: URL
        let document: URL?
    }

    static let signatureSuffixes = ["cms", "p7s", "sig"]

    /// Reads LIST: a directory of pairs or a file of lines.
    static func items(from path: String) throws -> [Item] {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw CLIFailure(message: "batch list not found: \(path)", code: ExitStatus.noInput)
        }
        if isDirectory.boolValue { return try items(inDirectory: url) }
        let bytes = [UInt8](try InputFiles.read(path, what: "batch list"))
        let base = url.deletingLastPathComponent()
        var items: [Item] = []
        for (number, line) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            // Fields between spaces, tabs and carriage returns, read as bytes (per-Character work on every line of a
            // long list was a visible serial share of a batch run).
            var fields: [String] = []
            var start: Int?
            for index in line.indices {
                let byte = line[index]
                if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") {
                    if let first = start { fields.append(String(decoding: line[first..<index], as: UTF8.self)) }
                    start = nil
                } else if start == nil {
                    start = index
                }
            }
            if let first = start { fields.append(String(decoding: line[first...], as: UTF8.self)) }
            if fields.isEmpty || fields[0].hasPrefix("#") { continue }
            guard fields.count <= 2 else {
                throw CLIFailure(
                    message: "\(path):\(number + 1): expected `SIGNATURE [DOCUMENT]` (paths with spaces: use a directory instead)",
                    code: ExitStatus.usage)
            }
            // Files, not directories: said outright, or Foundation asks the file system about every path (a stat per
            // line, before any validation starts).
            func resolve(_ field: String) -> URL {
                field.hasPrefix("/") ? URL(fileURLWithPath: field, isDirectory: false) : base.appendingPathComponent(field, isDirectory: false)
            }
            items.append(Item(signature: resolve(fields[0]), document: fields.count == 2 ? resolve(fields[1]) : nil))
        }
        return items
    }

    static func items(inDirectory directory: URL) throws -> [Item] {
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey]) else {
            throw CLIFailure(message: "cannot read directory \(directory.path)", code: ExitStatus.noInput)
        }
        var items: [Item] = []
        for case let file as URL in walker where signatureSuffixes.contains(file.pathExtension.lowercased()) {
            let document = file.deletingPathExtension()
            items.append(Item(signature: file, document: FileManager.default.fileExists(atPath: document.path) ? document : nil))
        }
        return items.sorted { $0.signature.path < $1.signature.path }
    }

    /// The signature file's bytes (`BoundedFile`: Foundation's `Data(contentsOf:)` costs several times more per small
    /// file), refusing files larger than a signature can be (the CMS limit, base64-encoded).
    static func readSignature(_ url: URL) throws -> Data {
        try BoundedFile.read(url, limit: ASN1Limits.cms.maximumBytes / 3 * 4 + 4096, what: "a signature")
    }

    /// One line of output: the files, and the report (or why there is none).
    struct Line {
        let signatureFile: String
        let documentFile: String?
        let indication: Indication
        let subIndication: SubIndication?
        let error: String?
        let report: ValidationReport?
    }

    static func validate(_ item: Item, with validator: SignatureValidator) -> Line {
        do {
            let signature = try readSignature(item.signature)
            let report = try validator.validate(signature: signature, document: item.document.map { .file($0) })
            return Line(
                signatureFile: item.signature.path, documentFile: item.document?.path, indication: report.indication,
                subIndication: report.subIndication, error: nil, report: report)
        } catch {
            return Line(
                signatureFile: item.signature.path, documentFile: item.document?.path, indication: .indeterminate,
                subIndication: .formatFailure, error: "\(error)", report: nil)
        }
    }

    /// One line, encoded on the worker that validated it.
    struct EncodedLine {
        let json: Data
        let indication: Indication
        let unreadable: Bool
    }

    /// The line's JSON: the bytes `JSONEncoder` wrote for it when `Line` was `Encodable` (keys sorted, no escaped slashes,
    /// absent values left out, the report compact), written by ReportJSONWriter without the generic encoder.
    static func encode(_ line: Line) -> EncodedLine {
        var writer = ReportJSONWriter(pretty: false)
        writer.beginObject()
        if let documentFile = line.documentFile {
            writer.key("documentFile")
            writer.string(documentFile)
        }
        if let error = line.error {
            writer.key("error")
            writer.string(error)
        }
        writer.key("indication")
        writer.string(line.indication.rawValue)
        if let report = line.report {
            writer.key("report")
            writer.write(report)
        }
        writer.key("signatureFile")
        writer.string(line.signatureFile)
        if let subIndication = line.subIndication {
            writer.key("subIndication")
            writer.string(subIndication.rawValue)
        }
        writer.endObject()
        var json = Data(writer.bytes)
        json.append(0x0A)
        return EncodedLine(json: json, indication: line.indication, unreadable: line.error != nil)
    }

    /// Validates every item on `jobs` threads; lines are written in list order while the workers go on.
    ///
    /// Each worker takes the next item from an atomic counter, validates it and encodes its JSON line; a writer thread
    /// takes the lines in list order as they complete. Workers stay at most `window` items ahead of the writer, so
    /// the lines held in memory are bounded; nothing waits at a chunk's end for its slowest item, and writing overlaps
    /// validating (with a barrier per chunk and the writes between them, start-up and writing were a serial share
    /// that capped the speed-up on two cores).
    static func run(items: [Item], policy: ValidationPolicy, jobs: Int) throws -> Int32 {
        let validator = SignatureValidator(policy: policy)
        let showProgress = isatty(STDERR_FILENO) == 1
        let started = Date()
        let lines = OrderedLines(count: items.count, window: max(jobs * 256, 1024), batch: 128)
        let writer = Thread {
            var position = 0
            while position < items.count {
                let ready = lines.takeReady()
                var output = Data()
                for line in ready { output.append(line.json) }
                FileHandle.standardOutput.write(output)
                position += ready.count
                if showProgress {
                    let width = 30
                    let done = Int(Double(position) / Double(items.count) * Double(width))
                    let bar = String(repeating: "#", count: done) + String(repeating: ".", count: width - done)
                    FileHandle.standardError.write(Data("\r[\(bar)] \(position)/\(items.count)".utf8))
                }
            }
            lines.writerFinished()
        }
        writer.start()
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: jobs) { _ in
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < items.count else { return }
                lines.waitForRoom(index)
                lines.put(index, encode(validate(items[index], with: validator)))
            }
        }
        let tally = lines.waitForWriter()
        let counts = tally.counts
        let unreadable = tally.unreadable
        let seconds = Date().timeIntervalSince(started)
        let rate = seconds > 0 ? Double(items.count) / seconds : 0
        let summary =
            "\(showProgress ? "\n" : "")\(items.count) signature file(s): \(counts[.totalPassed, default: 0]) TOTAL_PASSED, "
            + "\(counts[.totalFailed, default: 0]) TOTAL_FAILED, \(counts[.indeterminate, default: 0]) INDETERMINATE "
            + "(\(unreadable) unreadable); \(String(format: "%.2f", seconds)) s, \(String(format: "%.0f", rate))/s on \(jobs) thread(s)\n"
        FileHandle.standardError.write(Data(summary.utf8))
        if counts[.totalFailed, default: 0] > 0 { return 1 }
        if counts[.indeterminate, default: 0] > 0 { return 2 }
        return 0
    }
}

/// The lines of a batch in list order, between the workers that fill them and the writer that takes them.
///
/// A worker holding item `index` waits while `index` is `window` or more ahead of the writer. The writer is woken
/// when `batch` consecutive lines (or the last ones) are ready and takes them all: one write and one wake-up per
/// batch, not per line. One lock and one condition for both sides: a line costs tens of microseconds to validate,
/// so a lock round-trip per line is noise.
private final class OrderedLines: @unchecked Sendable {
    private let condition = NSCondition()
    private var ready: [Int: BatchVerification.EncodedLine] = [:]
    /// The index of the next line the writer takes, and how many lines from it on are ready without a gap.
    private var written = 0
    private var contiguous = 0
    private let count: Int
    private let window: Int
    private let batch: Int
    private var counts: [Indication: Int] = [:]
    private var unreadable = 0
    private var finished = false

    init(count: Int, window: Int, batch: Int) {
        self.count = count
        self.window = window
        self.batch = batch
    }

    private var writerMayTake: Bool { contiguous >= batch || (contiguous > 0 && written + contiguous == count) }

    func waitForRoom(_ index: Int) {
        condition.lock()
        while index >= written + window { condition.wait() }
        condition.unlock()
    }

    func put(_ index: Int, _ line: BatchVerification.EncodedLine) {
        condition.lock()
        ready[index] = line
        if index == written + contiguous {
            while ready[written + contiguous] != nil { contiguous += 1 }
            if writerMayTake { condition.broadcast() }
        }
        condition.unlock()
    }

    /// The next lines in order (at least one), counted for the summary.
    func takeReady() -> [BatchVerification.EncodedLine] {
        condition.lock()
        defer { condition.unlock() }
        while !writerMayTake { condition.wait() }
        var taken: [BatchVerification.EncodedLine] = []
        taken.reserveCapacity(contiguous)
        for index in written..<(written + contiguous) {
            guard let line = ready.removeValue(forKey: index) else { break }
            taken.append(line)
            counts[line.indication, default: 0] += 1
            if line.unreadable { unreadable += 1 }
        }
        written += contiguous
        contiguous = 0
        while ready[written + contiguous] != nil { contiguous += 1 }
        condition.broadcast()
        return taken
    }

    func writerFinished() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until every line is written; the indications counted.
    func waitForWriter() -> (counts: [Indication: Int], unreadable: Int) {
        condition.lock()
        defer { condition.unlock() }
        while !finished { condition.wait() }
        return (counts, unreadable)
    }
}
