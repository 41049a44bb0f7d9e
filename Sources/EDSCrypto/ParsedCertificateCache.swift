import Foundation

/// A process-wide map from certificate DER to its parsed form, bounded in entries and in bytes.
///
/// It is filled from whatever validations see, uploads included, so neither the number of certificates nor their
/// size may grow it without bound (issue 10). Eviction is least-recently-used: the CA, TSA and OCSP responder
/// certificates that recur in nearly every signature stay, while a flood of one-off certificates only evicts itself.
final class ParsedCertificateCache: @unchecked Sendable {
    static let shared = ParsedCertificateCache(capacity: 512, byteCapacity: 4 << 20)

    private struct Entry {
        let certificate: Certificate
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

    func lookup(_ der: Data) -> Certificate? {
        lock.withLock {
            guard var entry = entries[der] else { return nil }
            clock += 1
            entry.lastUse = clock
            entries[der] = entry
            return entry.certificate
        }
    }

    func removeAll() {
        lock.withLock {
            entries.removeAll()
            storedBytes = 0
        }
    }

    /// How many certificates and DER bytes are held (the bound tests read these).
    var usage: (count: Int, bytes: Int) { lock.withLock { (entries.count, storedBytes) } }

    func store(_ der: Data, _ certificate: Certificate) {
        // One certificate larger than a quarter of the budget is parsed every time rather than crowding out the rest.
        guard der.count <= byteCapacity / 4 else { return }
        lock.withLock {
            clock += 1
            if let existing = entries[der] {
                entries[der] = Entry(certificate: existing.certificate, lastUse: clock)
                return
            }
            if entries.count >= capacity || storedBytes + der.count > byteCapacity {
                evict(toFit: der.count)
            }
            entries[der] = Entry(certificate: certificate, lastUse: clock)
            storedBytes += der.count
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
            storedBytes -= byAge[index].key.count
            index += 1
        }
    }
}
