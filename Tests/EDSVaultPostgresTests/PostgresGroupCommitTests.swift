import EDSCrypto
import Foundation
import Logging
import NIOPosix
import PostgresNIO
import Testing

@testable import EDSVault
@testable import EDSVaultPostgres

/// The PostgreSQL index's fast paths (multi-row group commit, the byte-order page index) keep the behaviour of the
/// one-row-at-a-time paths they replace.
@Suite(.disabled(if: PG.url == nil, "set EDSVAULT_TEST_POSTGRES_URL (bash .ci/postgres prints one)"))
struct PostgresGroupCommitTests {
    @Test func aBatchOfNewAndAlreadyStoredDocumentsInsertsTheNewAndJoinsTheStoredInOneCommit() throws {
        let (vault, directory, _) = try PG.makeVault()
        let first = try vault.put([(PG.document(1), PG.metadata()), (PG.document(2), PG.metadata())])
        let second = try vault.put([
            (PG.document(1), PG.metadata(owner: PG.hrIIN)), (PG.document(3), PG.metadata(owner: PG.hrIIN)),
            (PG.document(4), PG.metadata(owner: PG.hrIIN)),
        ])
        #expect(second[0].id == first[0].id)
        #expect(Set(try vault.list(ownerIIN: PG.hrIIN).map(\.id)) == Set(second.map(\.id)))
        #expect(Set(try vault.list(ownerIIN: PG.employeeIIN).map(\.id)) == Set(first.map(\.id)))
        #expect(try BlobStore(vaultDirectory: directory).allObjectIDs().count == 4)
        // One `put` entry per document inserted or joined, in the batch's order, chained after the first batch's.
        let puts = try vault.auditLog().filter { $0.draft.action == "put" }
        #expect(puts.map(\.draft.object) == first.map(\.id) + second.map(\.id))
        #expect(puts[2].draft.detail.hasPrefix("owner(s) added"))
        #expect(try vault.check().isClean)
    }

    @Test func batchedReadsOfDocumentsAndSubjectsAnswerAsTheOneByOneReads() throws {
        let (vault, _, schema) = try PG.makeVault()
        let stored = try vault.put([(PG.document(7), PG.metadata()), (PG.document(8), PG.metadata(owner: PG.hrIIN))])
        let index = try PG.index(schema: schema)
        let absent = String(repeating: "0", count: 64)
        let ids = stored.map(\.id) + [absent, stored[0].id]
        let batched = try index.documents(ids: ids)
        #expect(Set(batched.keys) == Set(stored.map(\.id)))
        for id in stored.map(\.id) { #expect(batched[id] == (try index.document(id: id))) }
        let lookups = batched.values.flatMap { $0.owners.map(\.lookup) }
        let subjects = try index.subjects(lookups: lookups + ["no-such-lookup"])
        #expect(Set(subjects.keys) == Set(lookups))
        for lookup in lookups { #expect(subjects[lookup] == (try index.subject(lookup: lookup))) }
        #expect(try index.documents(ids: []).isEmpty && index.subjects(lookups: []).isEmpty)
    }

    @Test func twoWritersStoringTheSameDocumentsInOppositeOrderBothCommitAndEachOwnerKeepsThem() throws {
        let (vault, directory, schema) = try PG.makeVault()
        let other = try Vault.open(at: directory, index: try PG.index(schema: schema), environment: PG.environment)
        let numbers = Array(100..<140)
        let failures = NIOLockedFailures()
        let group = DispatchGroup()
        for (writer, owner, order) in [(vault, PG.employeeIIN, numbers), (other, PG.hrIIN, numbers.reversed())] {
            group.enter()
            Thread {
                do {
                    for slice in stride(from: 0, to: order.count, by: 10).map({ Array(order[$0..<$0 + 10]) }) {
                        _ = try writer.put(slice.map { (PG.document($0), PG.metadata(owner: owner)) })
                    }
                } catch {
                    failures.add("\(error)")
                }
                group.leave()
            }.start()
        }
        group.wait()
        #expect(failures.all == [])
        let ids = Set(numbers.map { Digest.sha256(PG.document($0)).hexString })
        #expect(Set(try vault.list(ownerIIN: PG.employeeIIN).map(\.id)) == ids)
        #expect(Set(try other.list(ownerIIN: PG.hrIIN).map(\.id)) == ids)
        #expect(try BlobStore(vaultDirectory: directory).allObjectIDs().count == numbers.count)
        #expect(try vault.check().isClean)
    }

    @Test func pagingInByteOrderIsServedByAnIndexNotBySortingEveryDocument() throws {
        let (vault, _, schema) = try PG.makeVault()
        _ = try vault.put((0..<3).map { (PG.document($0), PG.metadata()) })
        let plan = try PGSession.run(
            schema: schema,
            ["SET enable_seqscan = off", "SET enable_bitmapscan = off"],
            then: "EXPLAIN SELECT id FROM documents WHERE id COLLATE \"C\" > '' ORDER BY id COLLATE \"C\" LIMIT 5000")
        #expect(plan.contains { $0.contains("documents_by_id_bytes") }, "plan: \(plan)")
        #expect(!plan.contains { $0.contains("Sort") }, "plan: \(plan)")
    }

    @Test func aVaultMadeBeforeTheByteOrderIndexGetsItWhenOpened() throws {
        let (vault, directory, schema) = try PG.makeVault()
        let stored = try vault.put(PG.document(), metadata: PG.metadata())
        try PG.sql("DROP INDEX \(schema).documents_by_id_bytes")
        let reopened = try Vault.open(at: directory, index: try PG.index(schema: schema), environment: PG.environment)
        #expect(try PG.count("SELECT count(*) FROM pg_indexes WHERE schemaname = '\(schema)' AND indexname = 'documents_by_id_bytes'") == 1)
        #expect(try reopened.list().map(\.id) == [stored.id])
    }

    /// The threads of one `serve` process share one vault and so one index: a reader must not queue behind a writer
    /// that waits for a lock on the server.
    @Test func aReadIsAnsweredWhileAWriteOfTheSameIndexWaitsForALock() throws {
        let (vault, _, schema) = try PG.makeVault()
        let stored = try vault.put(PG.document(), metadata: PG.metadata())
        let index = try PG.index(schema: schema)
        let blocker = try PGSession.open(schema: schema)
        defer { try? blocker.close().wait() }
        try PGSession.execute(blocker, "BEGIN")
        try PGSession.execute(blocker, "LOCK TABLE audit IN EXCLUSIVE MODE")
        let writerDone = DispatchSemaphore(value: 0)
        Thread {
            try? index.append(audit: [AuditDraft(at: Date(), actor: "operator", action: "test", object: "")], flushed: true)
            writerDone.signal()
        }.start()
        Thread.sleep(forTimeInterval: 0.3)
        let readerDone = DispatchSemaphore(value: 0)
        let found = NIOLockedFailures()
        Thread {
            found.add((try? index.document(id: stored.id))??.id ?? "nothing")
            readerDone.signal()
        }.start()
        let readerAnswered = readerDone.wait(timeout: .now() + 10) == .success
        let writerWaited = writerDone.wait(timeout: .now()) == .timedOut
        try PGSession.execute(blocker, "ROLLBACK")
        #expect(writerWaited)
        #expect(readerAnswered)
        #expect(writerDone.wait(timeout: .now() + 10) == .success)
        if !readerAnswered { _ = readerDone.wait(timeout: .now() + 10) }
        #expect(found.all == [stored.id])
    }
}

/// Several statements on one connection of its own (session settings such as `enable_seqscan` last for it).
enum PGSession {
    static func run(schema: String, _ setup: [String], then query: String) throws -> [String] {
        let connection = try open(schema: schema)
        defer { try? connection.close().wait() }
        for statement in setup { try execute(connection, statement) }
        return try connection.query(PostgresQuery(unsafeSQL: query), logger: logger).wait().rows.map { try $0.decode(String.self) }
    }

    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    static func execute(_ connection: PostgresConnection, _ statement: String) throws {
        _ = try connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).wait()
    }

    static func open(schema: String) throws -> PostgresConnection {
        let configuration = try PostgresVaultIndex.Configuration(url: try #require(PG.url))
        var settings = PostgresConnection.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.username,
            password: configuration.password, database: configuration.database, tls: .disable)
        settings.options.additionalStartupParameters = [("search_path", schema)]
        return try PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(), configuration: settings, id: 3, logger: logger
        ).wait()
    }
}
