import EDSCrypto
import EDSVault
import EDSVerification
import Foundation

// Benchmarks the vault against its targets and against referees run in the same invocation:
//   ingest of N documents of 20 KiB with durability (group commit), docs/s and p99 acknowledgement latency,
//     next to one-document-per-commit ingest (the naive floor) — target ≥ 500 docs/s;
//   listing one owner's documents among 1,000,000 index rows, p99 — target < 10 ms;
//   `vault check` MB/s against `sha256sum` over the same blob files — reported as a ratio.
// Run from the repository root in release mode: swift run -c release edsvault-vault-bench [--quick]

struct Options {
    var documents = 10_000
    var batch = 64
    var rows = 1_000_000
    var listings = 2_000
    var singles = 300
    var work = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build-vault-bench-data")
    var certs = URL(fileURLWithPath: "Certs")

    init(arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--quick": documents = 2_000; rows = 100_000; listings = 500; singles = 100
            case "--documents": documents = Int(iterator.next() ?? "") ?? documents
            case "--batch": batch = Int(iterator.next() ?? "") ?? batch
            case "--rows": rows = Int(iterator.next() ?? "") ?? rows
            case "--work": work = URL(fileURLWithPath: iterator.next() ?? work.path)
            case "--certs": certs = URL(fileURLWithPath: iterator.next() ?? certs.path)
            case "-h", "--help":
                print("""
                    USAGE: edsvault-vault-bench [--quick] [--documents N] [--batch N] [--rows N] [--work DIR] [--certs DIR]
                    Measures durable ingest, listing among many index rows and `vault check` against sha256sum.
                    --work DIR is where the test vaults go (default ./.build-vault-bench-data, on the disk being measured).
                    """)
                exit(0)
            default:
                FileHandle.standardError.write(Data("edsvault-vault-bench: unknown option \(argument)\n".utf8))
                exit(64)
            }
        }
    }
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

func measure(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func document(_ index: Int, size: Int = 20 * 1024) -> Data {
    var bytes = Data("ПРИКАЗ № \(index)-К. Personnel document \(index).\n".utf8)
    var state = UInt64(index) &* 0x9E37_79B9_7F4A_7C15 | 1
    bytes.reserveCapacity(size)
    while bytes.count < size {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        bytes.append(UInt8(truncatingIfNeeded: 0x20 + state % 90))
    }
    return bytes
}

func metadata(owner: Int) -> DocumentMetadata {
    DocumentMetadata(
        ownerIIN: String(format: "9%011d", owner), employerBIN: "150640123452", type: .employmentContract,
        title: "Трудовой договор", fileName: "contract.pdf", requiredSigners: [.employerRole(.firstHead)])
}

let options = Options(arguments: CommandLine.arguments)
let manager = FileManager.default
try? manager.removeItem(at: options.work)
try manager.createDirectory(at: options.work, withIntermediateDirectories: true)
defer { try? manager.removeItem(at: options.work) }
let anchors = [try Data(contentsOf: options.certs.appendingPathComponent("trust/root.pem"))]
let environment = ["EDSVAULT_MASTER_KEY": String(repeating: "5a", count: 32)]
print("EDS Vault — vault benchmark (2 cores expected; disk under \(options.work.path))")

// 1. Durable ingest.
let ingestDirectory = options.work.appendingPathComponent("ingest")
let vault = try Vault.create(at: ingestDirectory, trustAnchors: anchors, environment: environment)
var acknowledgements: [Double] = []
var batchTimes: [Double] = []
let inputs = (0..<options.documents).map { (bytes: document($0), metadata: metadata(owner: $0 % 500)) }
let ingestSeconds = try measure {
    var start = 0
    while start < inputs.count {
        let slice = Array(inputs[start..<min(start + options.batch, inputs.count)])
        let seconds = try measure { _ = try vault.put(slice) }
        batchTimes.append(seconds)
        // Every document of a batch is acknowledged when the batch commits: its latency is the batch's.
        acknowledgements += Array(repeating: seconds, count: slice.count)
        start += slice.count
    }
}
let ingestRate = Double(options.documents) / ingestSeconds

// The naive floor in the same run: one document per commit (blob fsync + directory fsync + index commit each).
let singleDirectory = options.work.appendingPathComponent("single")
let single = try Vault.create(at: singleDirectory, trustAnchors: anchors, environment: environment)
var singleLatencies: [Double] = []
let singleSeconds = try measure {
    for index in 0..<options.singles {
        singleLatencies.append(try measure { _ = try single.put(document(1_000_000 + index), metadata: metadata(owner: index)) })
    }
}
let singleRate = Double(options.singles) / singleSeconds

print("")
print("Durable ingest of \(options.documents) documents of 20 KiB (AES-256-GCM sealed, fsynced, indexed, audited)")
print(String(format: "  group commit (batches of %d)   %8.0f docs/s   p50 %6.1f ms   p99 %6.1f ms per acknowledgement", options.batch, ingestRate, percentile(acknowledgements, 0.5) * 1000, percentile(acknowledgements, 0.99) * 1000))
print(String(format: "  one document per commit      %8.0f docs/s   p50 %6.1f ms   p99 %6.1f ms   (%d documents, same run)", singleRate, percentile(singleLatencies, 0.5) * 1000, percentile(singleLatencies, 0.99) * 1000, options.singles))
print(String(format: "  group commit ÷ one per commit %7.1fx", ingestRate / singleRate))

// 2. `vault check` against sha256sum over the same blob files, both on a warm page cache.
let blobFiles = (manager.enumerator(atPath: ingestDirectory.appendingPathComponent("objects").path)?.allObjects as? [String] ?? [])
    .map { ingestDirectory.appendingPathComponent("objects").appendingPathComponent($0).path }
    .filter { var isDirectory: ObjCBool = false; return manager.fileExists(atPath: $0, isDirectory: &isDirectory) && !isDirectory.boolValue }
func sha256sum() throws -> Double {
    let list = options.work.appendingPathComponent("blob-list")
    try blobFiles.joined(separator: "\0").write(to: list, atomically: true, encoding: .utf8)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", "xargs -0 sha256sum < \"$1\" > /dev/null", "sh", list.path]
    return try measure {
        try process.run()
        process.waitUntilExit()
    }
}
_ = try sha256sum()  // warms the page cache for both
var checkReport = try vault.check()
var checkSeconds = checkReport.seconds
for _ in 0..<2 {
    let again = try vault.check()
    if again.seconds < checkSeconds { checkReport = again; checkSeconds = again.seconds }
}
let sumSeconds = min(try sha256sum(), try sha256sum())
let blobBytes = blobFiles.reduce(Int64(0)) { $0 + Int64((try? manager.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }
let checkRate = Double(checkReport.bytesChecked) / 1e6 / checkSeconds
let sumRate = Double(blobBytes) / 1e6 / sumSeconds
print("")
print("vault check over \(checkReport.blobs) blobs, \(String(format: "%.1f", Double(blobBytes) / 1e6)) MB (decrypt + SHA-256 + index/audit cross-checks on one thread per core; best of 3)")
print(String(format: "  vault check                  %8.0f MB/s   %.2f s   %@", checkRate, checkSeconds, checkReport.isClean ? "clean" : "PROBLEMS"))
print(String(format: "  sha256sum (xargs, one process) %6.0f MB/s   %.2f s", sumRate, sumSeconds))
print(String(format: "  ratio                        %8.2f", checkRate / sumRate))

// 3. Listing one owner's documents among many index rows.
let listDirectory = options.work.appendingPathComponent("list")
let big = try Vault.create(at: listDirectory, trustAnchors: anchors, environment: environment)
let target = try big.put((0..<12).map { (bytes: document(2_000_000 + $0, size: 512), metadata: metadata(owner: 424_242)) })
let index = try SQLiteVaultIndex(path: listDirectory.appendingPathComponent(Vault.indexFileName).path)
let filler = Data(repeating: 0xA5, count: 160)  // never opened: stands for other owners' sealed metadata
let loadSeconds = try measure {
    var loaded = 0
    while loaded < options.rows - target.count {
        let count = min(20_000, options.rows - target.count - loaded)
        let rows = (0..<count).map { offset -> IndexedDocument in
            let number = loaded + offset
            return IndexedDocument(
                id: Digest.sha256(Data("filler \(number)".utf8)).hexString,
                owners: [IndexedOwner(lookup: Digest.sha256(Data("owner \(number / 10)".utf8)).hexString, wrappedDocumentKey: nil, sealedEntry: nil)],
                employerBIN: String(format: "1%011d", number % 1000), type: "employment-contract", size: 20_480,
                storedAt: Date(), status: "fully-signed", signatureCount: 2, sealedMetadata: filler)
        }
        try index.commitDocuments(rows, subjects: [], audit: [])
        loaded += count
    }
}
let ownerIIN = metadata(owner: 424_242).ownerIIN
var listLatencies: [Double] = []
var queryLatencies: [Double] = []
let lookup = try big.list(ownerIIN: ownerIIN).count
for _ in 0..<options.listings {
    listLatencies.append(try measure { _ = try big.list(ownerIIN: ownerIIN, as: .individual(iin: ownerIIN)) })
}
let ownerLookupValue = try index.documents(ownerLookup: nil, employerBIN: "150640123452", limit: 1).first?.owners.first?.lookup ?? ""
for _ in 0..<options.listings {
    queryLatencies.append(try measure { _ = try index.documents(ownerLookup: ownerLookupValue, employerBIN: nil, limit: 10_000) })
}
print("")
print("Listing one owner's \(lookup) documents among \(options.rows) index rows (loaded in \(String(format: "%.1f", loadSeconds)) s; \(options.listings) listings)")
print(String(format: "  Vault.list as the owner      p50 %6.2f ms   p99 %6.2f ms   (index query + opening sealed metadata + audit entry, unflushed)", percentile(listLatencies, 0.5) * 1000, percentile(listLatencies, 0.99) * 1000))
print(String(format: "  index query alone            p50 %6.3f ms   p99 %6.3f ms", percentile(queryLatencies, 0.5) * 1000, percentile(queryLatencies, 0.99) * 1000))

print("")
print("Targets")
func verdict(_ passed: Bool) -> String { passed ? "PASS" : "MISS" }
print(String(format: "%@  durable ingest: %.0f docs/s (target ≥ 500), p99 acknowledgement %.1f ms", verdict(ingestRate >= 500), ingestRate, percentile(acknowledgements, 0.99) * 1000))
print(String(format: "%@  listing among %d rows: p99 %.2f ms (target < 10 ms)", verdict(percentile(listLatencies, 0.99) < 0.010), options.rows, percentile(listLatencies, 0.99) * 1000))
print(String(format: "INFO  vault check: %.0f MB/s = %.2f × sha256sum (%.0f MB/s) over the same files", checkRate, checkRate / sumRate, sumRate))
