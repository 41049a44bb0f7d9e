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
        /// An RFC 3161 token's SignerInfo signature (TimeStampToken.isSigned(by:context:)).
        case timeStampToken
    }

    struct Key: Hashable, Sendable {
        let kind: SignedObject
        /// SHA-256 of the signed object's DER.
        let signed: Data
        /// SHA-256 of the signer certificate's DER.
        let signer: Data
    }

    /// A certification path's outcome is a function of the certificates it was built from (path building runs without
    /// time checks): the leaf, the untrusted certificates in order, and the trust anchors in order.
    struct PathKey: Hashable, Sendable {
        let leaf: Data
        let intermediates: [Data]
        let anchors: [Data]
    }

    /// Two generations of a bounded map: when the current one is full it becomes the previous one, and what is still
    /// asked for is carried forward.
    private struct Generations<Key: Hashable, Value>: ~Copyable {
        var current: [Key: Value] = [:]
        var previous: [Key: Value] = [:]
        let capacity: Int

        init(capacity: Int) { self.capacity = capacity }

        mutating func lookup(_ key: Key) -> Value? {
            if let hit = current[key] { return hit }
            guard let old = previous[key] else { return nil }
            // Still in use: carried into the current generation so it survives the next turnover.
            insert(key, old)
            return old
        }

        mutating func insert(_ key: Key, _ value: Value) {
            if current.count >= capacity / 2 {
                previous = current
                current = [:]
            }
            current[key] = value
        }

        var count: Int { current.count + previous.count }

        mutating func removeAll() {
            current.removeAll()
            previous.removeAll()
        }
    }

    /// At most this many verdicts are held (both generations together).
    public let capacity: Int
    private let table: Mutex<Generations<Key, Bool>>
    /// Path outcomes, at most an eighth of `capacity` (each holds the path's certificates).
    private let paths: Mutex<Generations<PathKey, Result<CertificationPath, PathValidationFailure>>>

    public init(capacity: Int) {
        self.capacity = max(capacity, 2)
        table = Mutex(Generations(capacity: self.capacity))
        paths = Mutex(Generations(capacity: max(self.capacity / 8, 2)))
    }

    /// How many verdicts are held (the bound tests read this).
    public var count: Int { table.withLock { $0.count } }

    /// How many path outcomes are held.
    public var pathCount: Int { paths.withLock { $0.count } }

    public func removeAll() {
        table.withLock { $0.removeAll() }
        paths.withLock { $0.removeAll() }
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
        table.withLock { $0.lookup(key) }
    }

    func store(_ key: Key, _ verdict: Bool) {
        table.withLock { $0.insert(key, verdict) }
    }

    /// The remembered outcome of building a path from the certificates `key` names, else `compute()`'s, remembered.
    func path(
        _ key: PathKey, compute: () -> Result<CertificationPath, PathValidationFailure>
    ) -> Result<CertificationPath, PathValidationFailure> {
        if let known = paths.withLock({ $0.lookup(key) }) { return known }
        let outcome = compute()
        paths.withLock { $0.insert(key, outcome) }
        return outcome
    }
}
