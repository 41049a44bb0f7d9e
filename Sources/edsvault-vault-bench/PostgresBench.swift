import EDSCrypto
import EDSVault
import EDSVaultPostgres
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// The benchmark's own connection to the PostgreSQL server, beside the indexes it measures: it makes and drops the
/// run's schemas, reads the server's settings and bulk-loads filler rows with COPY. Never used for a measured call.
final class BenchDatabase {
    let configuration: PostgresVaultIndex.Configuration
    let url: String
    private let connection: PostgresConnection
    private let logger = Logger(label: "eds.vault.bench.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A schema name unique to this run, so several runs (and the test suites) can share one server.
    let runPrefix = "vault_bench_\(ProcessInfo.processInfo.processIdentifier)_\(Int(Date().timeIntervalSince1970) % 1_000_000)"
    private(set) var schemas: [String] = []

    init(url: String) throws {
        self.url = url
        configuration = try PostgresVaultIndex.Configuration(url: url)
        // The loader speaks plain TCP: run the benchmark against a server on loopback or a trusted network.
        guard configuration.tls == .disable || configuration.tls == .prefer else {
            throw VaultError.invalidInput("the benchmark connects without TLS: use sslmode=disable or prefer")
        }
        let settings = PostgresConnection.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.username,
            password: configuration.password, database: configuration.database, tls: .disable)
        connection = try PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(), configuration: settings, id: 99, logger: logger
        ).wait()
    }

    deinit { try? connection.close().wait() }

    /// Rows of text columns (NULL as nil); the statement is the benchmark's own SQL, never outside input.
    @discardableResult
    func rows(_ sql: String) throws -> [[String?]] {
        try connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).wait().rows.map { row in
            row.map { cell in cell.bytes.map { String(decoding: $0.readableBytesView, as: UTF8.self) } }
        }
    }

    /// A fresh schema for one measurement; dropped by `dropSchemas()`.
    func makeSchema(_ suffix: String) throws -> String {
        let name = "\(runPrefix)_\(suffix)"
        try rows("DROP SCHEMA IF EXISTS \(name) CASCADE")
        try rows("CREATE SCHEMA \(name)")
        schemas.append(name)
        return name
    }

    func dropSchemas() {
        for schema in schemas { _ = try? rows("DROP SCHEMA IF EXISTS \(schema) CASCADE") }
        schemas = []
    }

    func index(schema: String) throws -> PostgresVaultIndex {
        try PostgresVaultIndex(url: url, schema: schema)
    }

    /// `COPY schema.table (columns) FROM STDIN` in text format, fed `lines` (tab-separated, already escaped) in chunks.
    func copy(schema: String, table: String, columns: [String], lines: @escaping @Sendable (_ chunk: Int) -> [String]?) throws {
        let connection = self.connection
        let logger = self.logger
        try blocking {
            _ = try await connection.query(PostgresQuery(unsafeSQL: "SET search_path TO \(schema)"), logger: logger)
            try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
                var chunk = 0
                while let batch = lines(chunk) {
                    var buffer = ByteBuffer()
                    for line in batch {
                        buffer.writeString(line)
                        buffer.writeInteger(UInt8(ascii: "\n"))
                    }
                    try await writer.write(buffer)
                    chunk += 1
                }
            }
            _ = try await connection.query(PostgresQuery(unsafeSQL: "SET search_path TO public"), logger: logger)
        }
    }
}

/// Runs async work from a plain thread (the benchmark's main thread, never an event loop or a cooperative thread) and
/// waits for it.
func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let done = DispatchSemaphore(value: 0)
    let box = ResultBox<T>()
    Task.detached {
        do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
        done.signal()
    }
    done.wait()
    return try box.result!.get()
}

/// Written once by the task, read after the semaphore: the semaphore orders the two.
final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}

/// Loads `count` documents of other owners (ten documents each, as an HR archive of many employees) straight into the
/// index tables with COPY, as the vault would have written them: 64-hex ids and HMAC lookup values, sealed metadata,
/// a wrapped document key and a sealed owner entry per owner. Not through `Vault.put`: a million puts would take an
/// hour and measure ingest, not listing.
func loadFillerRows(_ database: BenchDatabase, schema: String, count: Int) throws {
    let chunkSize = 10_000
    let chunks = (count + chunkSize - 1) / chunkSize
    // COPY text format: bytea as \x hex, the backslash itself escaped.
    let sealedMetadata = "\\\\x" + String(repeating: "a5", count: 160)
    let wrappedKey = "\\\\x" + String(repeating: "5b", count: 60)
    let sealedEntry = "\\\\x" + String(repeating: "c3", count: 120)
    let storedAt = Int64(Date().timeIntervalSince1970 * 1000) - Int64(count) * 1000
    @Sendable func numbers(_ chunk: Int) -> Range<Int>? {
        chunk < chunks ? (chunk * chunkSize)..<min(count, (chunk + 1) * chunkSize) : nil
    }
    @Sendable func id(_ number: Int) -> String { Digest.sha256(Data("filler \(number)".utf8)).hexString }
    @Sendable func owner(_ number: Int) -> String { Digest.sha256(Data("owner \(number / 10)".utf8)).hexString }
    try database.copy(
        schema: schema, table: "documents",
        columns: ["id", "owner_lookup", "employer_bin", "type", "size", "stored_at", "status", "signature_count", "sealed_metadata"]
    ) { chunk in
        numbers(chunk)?.map { number in
            "\(id(number))\t\t1\(String(format: "%011d", number % 1000))\temployment-contract\t20480\t\(storedAt + Int64(number) * 1000)\tfully-signed\t2\t\(sealedMetadata)"
        }
    }
    try database.copy(
        schema: schema, table: "document_owners",
        columns: ["document_id", "owner_lookup", "ordinal", "wrapped_document_key", "sealed_entry"]
    ) { chunk in
        numbers(chunk)?.map { number in "\(id(number))\t\(owner(number))\t0\t\(wrappedKey)\t\(sealedEntry)" }
    }
    // What autovacuum does on a live table: planner statistics and the visibility map (index-only scans).
    try database.rows("VACUUM ANALYZE \(schema).documents")
    try database.rows("VACUUM ANALYZE \(schema).document_owners")
}
