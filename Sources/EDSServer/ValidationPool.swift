import NIOConcurrencyHelpers
import NIOPosix

/// Runs validations — CPU-bound OpenSSL work of about half a millisecond to seconds — on their own threads,
/// one per core, so they never hold a NIO event loop or Swift's cooperative pool (which also serves the
/// request bodies of other connections). Beyond `maxPending` waiting or running validations it refuses work
/// (503) instead of queueing unboundedly, because each waiting request holds its upload in memory.
final class ValidationPool: Sendable {
    let threads: Int
    let maxPending: Int
    private let pool: NIOThreadPool
    private let pending = NIOLockedValueBox(0)

    struct Busy: Error {}

    init(threads: Int, maxPending: Int) {
        self.threads = max(1, threads)
        self.maxPending = max(self.threads, maxPending)
        pool = NIOThreadPool(numberOfThreads: self.threads)
        pool.start()
    }

    /// Runs `work` on a validation thread; throws `Busy` at once when `maxPending` are already admitted.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        let admitted = pending.withLockedValue { count -> Bool in
            guard count < maxPending else { return false }
            count += 1
            return true
        }
        guard admitted else { throw Busy() }
        defer { pending.withLockedValue { $0 -= 1 } }
        return try await pool.runIfActive(work)
    }

    var pendingCount: Int { pending.withLockedValue { $0 } }

    func shutdown() async throws {
        try await pool.shutdownGracefully()
    }
}
