import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `DemoPortsLock` against another process: util-linux `flock(1)`, which takes the same flock(2) lock a second
/// checkout's test run would. Each test uses its own lock file, so it never waits for the real demo ports.
struct DemoPortsLockTests {
    static func privateLock() -> DemoPortsLock {
        DemoPortsLock(path: FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-lock-\(UUID().uuidString)").path)
    }

    /// `flock -n LOCK true`: 0 when the lock was free, 1 when another process holds it.
    static func otherProcessCanTake(_ lock: DemoPortsLock) throws -> Bool {
        try Tools.run("/usr/bin/flock", ["-n", lock.path, "true"]).status == 0
    }

    @Test func whileATestHoldsTheDemoPortsAnotherProcessCannotTakeThem() async throws {
        let lock = Self.privateLock()
        defer { unlink(lock.path) }
        #expect(try Self.otherProcessCanTake(lock))
        let held = try await lock.acquire()
        #expect(try !Self.otherProcessCanTake(lock))
        close(held)
        #expect(try Self.otherProcessCanTake(lock))
    }

    @Test func aTestWaitsForTheDemoPortsWhileAnotherProcessHoldsThem() async throws {
        let lock = Self.privateLock()
        let finished = lock.path + ".finished"
        defer {
            unlink(lock.path)
            unlink(finished)
        }
        // The other checkout's test: takes the lock, says so, works a second, records that it finished, releases.
        let other = Process()
        other.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        other.arguments = [lock.path, "/bin/sh", "-c", "echo locked; sleep 1; touch '\(finished)'"]
        let output = Pipe()
        other.standardOutput = output
        try other.run()
        let said = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        try #require(said.hasPrefix("locked"), "flock(1) did not take the lock: \(said)")

        let held = try await lock.acquire()
        defer { close(held) }
        #expect(FileManager.default.fileExists(atPath: finished), "the lock was taken while the other process still held it")
        other.waitUntilExit()
        #expect(other.terminationStatus == 0)
    }
}
