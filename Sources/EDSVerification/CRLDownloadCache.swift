import EDSCrypto
import Foundation
import Synchronization

/// CRLs this process downloaded, each kept until its nextUpdate (RFC 5280 § 5.1.2.5: the date by which the next CRL
/// will be issued), so a service validating signature after signature online asks a distribution point once per
/// publication, not once per signature. NCA RK's delta CRL has a short nextUpdate of its own, so a recent revocation
/// is seen as soon as the CA publishes it. A CRL without nextUpdate, or one that cannot be read, is never kept.
///
/// Bounded: at most `maximumEntries` CRLs and `maximumBytes` bytes (a CRL alone larger than that is not kept); the
/// expired entries go first, then the oldest.
public final class CRLDownloadCache: Sendable {
    public static let shared = CRLDownloadCache()

    public let maximumEntries: Int
    public let maximumBytes: Int

    private struct Entry {
        let data: Data
        let nextUpdate: Date
        let storedAt: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var bytes = 0
        var clock: UInt64 = 0
    }

    private let state = Mutex(State())

    public init(maximumEntries: Int = 64, maximumBytes: Int = 256 << 20) {
        self.maximumEntries = maximumEntries
        self.maximumBytes = maximumBytes
    }

    /// The CRL at `url`: the kept copy while `now` is before its nextUpdate, else `download(url)` (kept if it can be).
    public func crl(from url: String, now: Date = Date(), download: (String) throws -> Data) throws -> Data {
        let kept: Data? = state.withLock { state in
            guard let entry = state.entries[url] else { return nil }
            if now < entry.nextUpdate { return entry.data }
            state.entries[url] = nil
            state.bytes -= entry.data.count
            return nil
        }
        if let kept { return kept }
        let data = try download(url)
        guard data.count <= maximumBytes, let nextUpdate = (try? CertificateRevocationList.cached(data))?.nextUpdate, now < nextUpdate else {
            return data
        }
        state.withLock { state in
            if let replaced = state.entries[url] { state.bytes -= replaced.data.count }
            state.clock += 1
            state.entries[url] = Entry(data: data, nextUpdate: nextUpdate, storedAt: state.clock)
            state.bytes += data.count
            for (expiredURL, entry) in state.entries where entry.nextUpdate <= now {
                state.entries[expiredURL] = nil
                state.bytes -= entry.data.count
            }
            while state.entries.count > maximumEntries || state.bytes > maximumBytes,
                let oldest = state.entries.min(by: { $0.value.storedAt < $1.value.storedAt })
            {
                state.entries[oldest.key] = nil
                state.bytes -= oldest.value.data.count
            }
        }
        return data
    }

    /// How many CRLs are kept (for tests and diagnostics).
    public var count: Int { state.withLock { $0.entries.count } }
}
