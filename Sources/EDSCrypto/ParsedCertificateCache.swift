import Foundation

/// The process-wide map from certificate DER to its parsed form (`Certificate.cached(derEncoded:)`).
typealias ParsedCertificateCache = ParsedObjectCache<Certificate>

extension ParsedObjectCache where Object == Certificate {
    static var shared: ParsedCertificateCache { sharedParsedCertificates }
}

private let sharedParsedCertificates = ParsedCertificateCache(capacity: 512, byteCapacity: 4 << 20)

/// A process-wide map from an object's exact bytes to its parsed form, bounded in entries and in bytes.
///
/// It is filled from whatever validations see, uploads included, so neither the number of objects nor their size
/// may grow it without bound (issue 10). Eviction is least-recently-used: the CA, TSA and OCSP responder
/// certificates and the CA's current CRL, which recur in nearly every signature, stay, while a flood of one-off
/// objects only evicts itself. The objects must be immutable once parsed (or guard their own memos), as they are
/// shared between threads; the key is the whole encoding, so bytes that differ in one bit are another entry.
final class ParsedObjectCache<Object: AnyObject & Sendable>: @unchecked Sendable {
    private struct Entry {
        let object: Object
        /// What the entry counts against `byteCapacity`.
        let cost: Int
        var lastUse: UInt64
    }

    private let lock = NSLock()
    private var entries: [Data: Entry] = [:]
    private var storedBytes = 0
    private var clock: UInt64 = 0
    let capacity: Int
    let byteCapacity: Int

    init(capacity: Int, byteCapacity: Int) {
        self.capacity = capacity
        self.byteCapacity = byteCapacity
    }

    func lookup(_ bytes: Data) -> Object? {
        lock.withLock {
            // One hash of the key: its recency is updated in place, not by storing the entry again.
            guard let index = entries.index(forKey: bytes) else { return nil }
            clock += 1
            entries.values[index].lastUse = clock
            return entries.values[index].object
        }
    }

    func removeAll() {
        lock.withLock {
            entries.removeAll()
            storedBytes = 0
        }
    }

    /// How many objects and bytes are held (the bound tests read these).
    var usage: (count: Int, bytes: Int) { lock.withLock { (entries.count, storedBytes) } }

    /// `cost`: the memory the parsed object holds, the key's size unless the caller knows better (a CRL keeps its
    /// serial index beside its bytes).
    func store(_ bytes: Data, _ object: Object, cost: Int? = nil) {
        let cost = max(cost ?? bytes.count, bytes.count)
        // One object larger than a quarter of the budget is parsed every time rather than crowding out the rest.
        guard cost <= byteCapacity / 4 else { return }
        lock.withLock {
            clock += 1
            if let existing = entries[bytes] {
                entries[bytes] = Entry(object: existing.object, cost: existing.cost, lastUse: clock)
                return
            }
            if entries.count >= capacity || storedBytes + cost > byteCapacity {
                evict(toFit: cost)
            }
            entries[bytes] = Entry(object: object, cost: cost, lastUse: clock)
            storedBytes += cost
        }
    }

    /// Drops the least recently used half (at least enough to fit `incoming` bytes): one sort per many stores,
    /// not one scan per store.
    private func evict(toFit incoming: Int) {
        let byAge = entries.sorted { $0.value.lastUse < $1.value.lastUse }
        var index = 0
        let target = entries.count / 2
        while index < byAge.count && (index < target || storedBytes + incoming > byteCapacity || entries.count >= capacity) {
            entries[byAge[index].key] = nil
            storedBytes -= byAge[index].value.cost
            index += 1
        }
    }
}
