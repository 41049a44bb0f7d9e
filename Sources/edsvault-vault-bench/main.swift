import EDSCrypto
import EDSVault
import EDSVerification
import EDSVaultPostgres
import Foundation

// Benchmarks the vault against its targets and against referees run in the same invocation:
//   ingest of N documents of 20 KiB with durability (group commit), docs/s and p99 acknowledgement latency,
//     next to one-document-per-commit ingest (the naive floor) — target ≥ 500 docs/s;
//   listing one owner's documents among 1,000,000 index rows, p99 — target < 10 ms;
//   `vault check` MB/s against `sha256sum` over the same blob files — reported as a ratio;
//   with a PostgreSQL server (--postgres URL or $EDSVAULT_TEST_POSTGRES_URL), the same ingest and listing with the
//     index in PostgreSQL, in the same run, plus several concurrent writers — targets ≥ 500 docs/s, p99 < 20 ms.
// Run from the repository root in release mode: swift run -c release edsvault-vault-bench [--quick]

struct Options {
    var documents = 10_000
    var batch = 64
    var rows = 1_000_000
    var listings = 2_000
    var singles = 300
    var work = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build-vault-bench-data")
    var certs = URL(fileURLWithPath: "Certs")
    var postgres = ProcessInfo.processInfo.environment["EDSVAULT_TEST_POSTGRES_URL"]
    var writers = [2, 4]

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
            case "--postgres": postgres = iterator.next()
            case "--no-postgres": postgres = nil
            case "--writers": writers = (iterator.next() ?? "").split(separator: ",").compactMap { Int($0) }.filter { $0 > 1 }
            case "-h", "--help":
                print("""
                    USAGE: edsvault-vault-bench [--quick] [--documents N] [--batch N] [--rows N] [--work DIR] [--certs DIR]
                                                [--postgres URL | --no-postgres] [--writers N,N…]
                    Measures durable ingest, listing among many index rows and `vault check` against sha256sum.
                    --work DIR is where the test vaults go (default ./.build-vault-bench-data, on the disk being measured).
                    --postgres URL (default $EDSVAULT_TEST_POSTGRES_URL) measures the PostgreSQL index too, in schemas
                    of its own that it drops at the end; --writers 2,4 (default) the concurrent-writer runs on it.
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
let inputs = (0..<options.documents).map { (bytes: document($0), metadata: metadata(owner: $0 % 500)) }
let sqliteIngest = try ingest([vault], inputs: inputs, batch: options.batch)
let ingestRate = sqliteIngest.rate
let acknowledgements = sqliteIngest.acknowledgements

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

// 4. The same with the index in PostgreSQL (blobs, keys and trust stay in the vault directory), same inputs.
struct PostgresFigures {
    var server: String
    var schemas: String
    var ingest: IngestResult
    var writers: [(count: Int, result: IngestResult)]
    var listLatencies: [Double]
    var queryLatencies: [Double]
    var listed: Int
    var loadSeconds: Double
}

func measurePostgres(_ database: BenchDatabase) throws -> PostgresFigures {
    let settings = try database.rows(
        "SELECT current_setting('server_version'), current_setting('synchronous_commit'), current_setting('fsync')"
    ).first ?? []
    let server = "PostgreSQL \(settings[0] ?? "?"), synchronous_commit=\(settings[1] ?? "?"), fsync=\(settings[2] ?? "?")"
    guard settings[1] == "on" || settings[1] == "remote_apply" || settings[1] == "remote_write", settings[2] == "on" else {
        throw VaultError.invalidInput("the server does not flush commits (\(server)): its ingest figures would not be durable")
    }

    // One writer, one connection: the same documents as the SQLite run, batches of the same size.
    let ingestSchema = try database.makeSchema("ingest")
    let pgVault = try Vault.create(
        at: options.work.appendingPathComponent("pg-ingest"), trustAnchors: anchors,
        index: try database.index(schema: ingestSchema), environment: environment)
    let single = try ingest([pgVault], inputs: inputs, batch: options.batch)
    try? manager.removeItem(at: options.work.appendingPathComponent("pg-ingest"))

    // Several writers on one vault, each with its own index (connection) and thread; distinct documents per run.
    var concurrent: [(count: Int, result: IngestResult)] = []
    for count in options.writers {
        let schema = try database.makeSchema("writers\(count)")
        let directory = options.work.appendingPathComponent("pg-writers-\(count)")
        _ = try Vault.create(at: directory, trustAnchors: anchors, index: try database.index(schema: schema), environment: environment)
        let vaults = try (0..<count).map { _ in
            try Vault.open(at: directory, index: try database.index(schema: schema), environment: environment)
        }
        let documents = (0..<options.documents).map {
            (bytes: document(10_000_000 * count + $0), metadata: metadata(owner: $0 % 500))
        }
        concurrent.append((count, try ingest(vaults, inputs: documents, batch: options.batch)))
        try? manager.removeItem(at: directory)
    }

    // Listing one owner's documents among `rows` index rows: twelve stored through the vault, the rest loaded by COPY.
    let listSchema = try database.makeSchema("list")
    let listIndex = try database.index(schema: listSchema)
    let listVault = try Vault.create(
        at: options.work.appendingPathComponent("pg-list"), trustAnchors: anchors, index: listIndex, environment: environment)
    let stored = try listVault.put((0..<12).map { (bytes: document(2_000_000 + $0, size: 512), metadata: metadata(owner: 424_242)) })
    let loadSeconds = try measure { try loadFillerRows(database, schema: listSchema, count: options.rows - stored.count) }
    let ownerIIN = metadata(owner: 424_242).ownerIIN
    let listed = try listVault.list(ownerIIN: ownerIIN).count
    var listLatencies: [Double] = []
    for _ in 0..<options.listings {
        listLatencies.append(try measure { _ = try listVault.list(ownerIIN: ownerIIN, as: .individual(iin: ownerIIN)) })
    }
    let ownerLookup = try listIndex.documents(ownerLookup: nil, employerBIN: "150640123452", limit: 1).first?.owners.first?.lookup ?? ""
    var queryLatencies: [Double] = []
    for _ in 0..<options.listings {
        queryLatencies.append(try measure { _ = try listIndex.documents(ownerLookup: ownerLookup, employerBIN: nil, limit: 10_000) })
    }
    return PostgresFigures(
        server: server, schemas: database.runPrefix + "_*", ingest: single, writers: concurrent, listLatencies: listLatencies, queryLatencies: queryLatencies,
        listed: listed, loadSeconds: loadSeconds)
}

var postgres: PostgresFigures?
if let url = options.postgres {
    let database: BenchDatabase
    do {
        database = try BenchDatabase(url: url)
    } catch {
        FileHandle.standardError.write(Data("edsvault-vault-bench: cannot use the PostgreSQL server: \(error)\n".utf8))
        exit(1)
    }
    do {
        postgres = try measurePostgres(database)
        database.dropSchemas()
    } catch {
        database.dropSchemas()
        FileHandle.standardError.write(Data("edsvault-vault-bench: PostgreSQL run failed: \(error)\n".utf8))
        exit(1)
    }
}
if let postgres {
    print("")
    print("The same with the index in PostgreSQL (\(postgres.server); schemas \(postgres.schemas), dropped)")
    print(String(format: "  group commit, 1 writer       %8.0f docs/s   p50 %6.1f ms   p99 %6.1f ms per acknowledgement   (SQLite %.0f docs/s)", postgres.ingest.rate, percentile(postgres.ingest.acknowledgements, 0.5) * 1000, percentile(postgres.ingest.acknowledgements, 0.99) * 1000, ingestRate))
    for (count, result) in postgres.writers {
        print(String(format: "  group commit, %d writers      %8.0f docs/s   p50 %6.1f ms   p99 %6.1f ms   (%.2fx one writer; own thread and connection each)", count, result.rate, percentile(result.acknowledgements, 0.5) * 1000, percentile(result.acknowledgements, 0.99) * 1000, result.rate / postgres.ingest.rate))
    }
    print("  listing one owner's \(postgres.listed) documents among \(options.rows) index rows (\(options.rows - 12) loaded by COPY in \(String(format: "%.1f", postgres.loadSeconds)) s, then VACUUM ANALYZE)")
    print(String(format: "  Vault.list as the owner      p50 %6.2f ms   p99 %6.2f ms   (SQLite p99 %.2f ms)", percentile(postgres.listLatencies, 0.5) * 1000, percentile(postgres.listLatencies, 0.99) * 1000, percentile(listLatencies, 0.99) * 1000))
    print(String(format: "  index query alone            p50 %6.3f ms   p99 %6.3f ms", percentile(postgres.queryLatencies, 0.5) * 1000, percentile(postgres.queryLatencies, 0.99) * 1000))
}

print("")
print("Targets")
func verdict(_ passed: Bool) -> String { passed ? "PASS" : "MISS" }
print(String(format: "%@  durable ingest: %.0f docs/s (target ≥ 500), p99 acknowledgement %.1f ms", verdict(ingestRate >= 500), ingestRate, percentile(acknowledgements, 0.99) * 1000))
print(String(format: "%@  listing among %d rows: p99 %.2f ms (target < 10 ms)", verdict(percentile(listLatencies, 0.99) < 0.010), options.rows, percentile(listLatencies, 0.99) * 1000))
print(String(format: "INFO  vault check: %.0f MB/s = %.2f × sha256sum (%.0f MB/s) over the same files", checkRate, checkRate / sumRate, sumRate))
if let postgres {
    print(String(format: "%@  PostgreSQL durable ingest: %.0f docs/s (target ≥ 500), p99 acknowledgement %.1f ms", verdict(postgres.ingest.rate >= 500), postgres.ingest.rate, percentile(postgres.ingest.acknowledgements, 0.99) * 1000))
    print(String(format: "%@  PostgreSQL listing among %d rows: p99 %.2f ms (target < 20 ms)", verdict(percentile(postgres.listLatencies, 0.99) < 0.020), options.rows, percentile(postgres.listLatencies, 0.99) * 1000))
    for (count, result) in postgres.writers {
        // "Scales or at least does not collapse": several writers keep at least what one writer does.
        print(String(format: "%@  PostgreSQL %d writers: %.0f docs/s = %.2f × one writer (target ≥ 0.95: does not collapse)", verdict(result.rate >= postgres.ingest.rate * 0.95), count, result.rate, result.rate / postgres.ingest.rate))
    }
} else {
    print("SKIP  PostgreSQL: no server (--postgres URL or $EDSVAULT_TEST_POSTGRES_URL)")
}
