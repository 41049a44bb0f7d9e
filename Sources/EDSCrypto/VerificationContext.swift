import Foundation
import Synchronization

/// What one validation can hand the next: signature verdicts that depend only on the bytes they were computed from.
///
/// Whether an issuer's key verifies a certificate, a CRL or an OCSP response is a function of two byte strings (the
/// signed object and the signer's certificate), so each verdict is keyed by the SHA-256 of both and computed once.
/// Everything that depends on the time or the verifier's policy (validity periods, revocation status, key usage,
/// path constraints) is not in here and runs on every validation.
///
/// Owned by the caller (a CLI run, the service, a vault); `shared` is the bounded process-wide default. Bounded in
/// entries (two generations: a verdict not used for a whole generation is dropped), so hostile uploads can only
/// evict verdicts, never grow the memory. Safe to share between threads.
public final class VerificationContext: Sendable {
    /// The default every validation uses unless its caller passes its own.
    public static let shared = VerificationContext(capacity: 8192)

    /// What was signed; a certificate, CRL and OCSP response with the same digest are different questions.
    enum SignedObject: UInt8, Hashable, Sendable {
        case certificate, crl, ocspResponse
    }

    struct Key: Hashable, Sendable {
        let kind: SignedObject
        /// SHA-256 of the signed object's DER.
        let signed: Data
        /// SHA-256 of the signer certificate's DER.
        let signer: Data
    }

    private struct Generations: ~Copyable {
        var current: [Key: Bool] = [:]
        var previous: [Key: Bool] = [:]
    }

    /// At most this many verdicts are held (both generations together).
    public let capacity: Int
    private let table = Mutex(Generations())

    public init(capacity: Int) {
        self.capacity = max(capacity, 2)
    }

    /// How many verdicts are held (the bound tests read this).
    public var count: Int { table.withLock { $0.current.count + $0.previous.count } }

    public func removeAll() {
        table.withLock {
            $0.current.removeAll()
            $0.previous.removeAll()
        }
    }

    /// The remembered verdict for `key`, else `compute()`'s, remembered. `compute` runs outside the lock: two threads
    /// may both compute a verdict the first time, and agree.
    func verdict(_ key: Key, compute: () -> Bool) -> Bool {
        if let known = lookup(key) { return known }
        let verdict = compute()
        store(key, verdict)
        return verdict
    }

    func lookup(_ key: Key) -> Bool? {
        table.withLock { tables in
            if let hit = tables.current[key] { return hit }
            guard let old = tables.previous[key] else { return nil }
            // Still in use: carried into the current generation so it survives the next turnover.
            insert(key, old, into: &tables)
            return old
        }
    }

    func store(_ key: Key, _ verdict: Bool) {
        table.withLock { insert(key, verdict, into: &$0) }
    }

    private func insert(_ key: Key, _ verdict: Bool, into tables: inout Generations) {
        if tables.current.count >= capacity / 2 {
            tables.previous = tables.current
            tables.current = [:]
        }
        tables.current[key] = verdict
    }
}
