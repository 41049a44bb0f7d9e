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

    /// The most threads `--jobs` may ask for: far above any core count, far below where a chunk of `jobs * 256`
    /// lines (or the threads themselves) would overflow or exhaust memory.
    static let maximumJobs = 1024

    /// Reads LIST: a directory of pairs or a file of lines.
    static func items(from path: String) throws -> [Item] {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw CLIFailure(message: "batch list not found: \(path)", code: ExitStatus.noInput)
        }
        if isDirectory.boolValue { return try items(inDirectory: url) }
        let bytes = [UInt8](try InputFiles.read(path, what: "batch list", limit: InputLimit.batchList))
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

    /// Validates every item on `jobs` threads; lines are written in list order as soon as each chunk is complete.
    ///
    /// Each worker takes the next item from an atomic counter, validates it and encodes its JSON line into the item's
    /// own slot: nothing on that path is shared but the counter. The main thread only writes finished chunks.
    static func run(items: [Item], policy: ValidationPolicy, jobs: Int) throws -> Int32 {
        let validator = SignatureValidator(policy: policy)
        let showProgress = isatty(STDERR_FILENO) == 1
        let started = Date()
        var counts: [Indication: Int] = [:]
        var unreadable = 0
        // Chunks bound memory (lines are kept until written); large enough that the wait for a chunk's last item is
        // a small share of it.
        let chunkSize = max(jobs * 256, 1024)
        var position = 0
        while position < items.count {
            let chunk = items[position..<min(position + chunkSize, items.count)]
            let slots = LineSlots(count: chunk.count)
            let next = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: jobs) { _ in
                while true {
                    let index = next.add(1, ordering: .relaxed).oldValue
                    guard index < chunk.count else { return }
                    slots.set(index, encode(validate(chunk[chunk.startIndex + index], with: validator)))
                }
            }
            var output = Data()
            for line in slots.values() {
                output.append(line.json)
                counts[line.indication, default: 0] += 1
                if line.unreadable { unreadable += 1 }
            }
            FileHandle.standardOutput.write(output)
            position += chunk.count
            if showProgress {
                let width = 30
                let done = Int(Double(position) / Double(items.count) * Double(width))
                let bar = String(repeating: "#", count: done) + String(repeating: ".", count: width - done)
                FileHandle.standardError.write(Data("\r[\(bar)] \(position)/\(items.count)".utf8))
            }
        }
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

/// Lines written by concurrent workers, each slot by exactly one worker (the atomic counter hands each index out
/// once) and read only after `concurrentPerform` returned: no lock is needed.
private final class LineSlots: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<BatchVerification.EncodedLine?>

    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    deinit {
        slots.deinitialize()
        slots.deallocate()
    }

    func set(_ index: Int, _ line: BatchVerification.EncodedLine) { slots[index] = line }

    func values() -> [BatchVerification.EncodedLine] { slots.compactMap { $0 } }
}
