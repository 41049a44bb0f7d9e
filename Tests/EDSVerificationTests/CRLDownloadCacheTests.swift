import EDSCrypto
import EDSVerification
import Foundation
import Synchronization
import Testing

/// Online CRLs are kept until their nextUpdate, and no longer: the real NCA RK test CRL (this update 2022-03-29,
/// next update 2022-09-25) asked for at moments on either side of its nextUpdate.
struct CRLDownloadCacheTests {
    static let ncaCRL: Data = {
        let url = DemoPKI.root.deletingLastPathComponent().appendingPathComponent("shared/testdata/nca/crl/nca_rsa_test.crl")
        return (try? Data(contentsOf: url)) ?? Data()
    }()
    static let beforeNextUpdate = Date.iso("2022-06-01T00:00:00Z")
    static let afterNextUpdate = Date.iso("2022-09-25T04:18:30Z")

    /// A download that counts how often it is asked.
    final class Publisher: Sendable {
        let answer: Data
        private let asked = Mutex(0)
        init(_ answer: Data) { self.answer = answer }
        var count: Int { asked.withLock { $0 } }
        func download(_ url: String) throws -> Data {
            asked.withLock { $0 += 1 }
            return answer
        }
    }

    @Test func aCRLIsDownloadedOnceUntilItsNextUpdate() throws {
        try #require(!Self.ncaCRL.isEmpty, "../shared/testdata/nca/crl/nca_rsa_test.crl")
        let cache = CRLDownloadCache()
        let publisher = Publisher(Self.ncaCRL)
        let url = "http://test.pki.gov.kz/crl/nca_rsa_test.crl"
        #expect(try cache.crl(from: url, now: Self.beforeNextUpdate, download: publisher.download) == Self.ncaCRL)
        #expect(try cache.crl(from: url, now: Self.beforeNextUpdate, download: publisher.download) == Self.ncaCRL)
        #expect(publisher.count == 1)
        // Past its nextUpdate the CA has published a newer one: asked again.
        _ = try cache.crl(from: url, now: Self.afterNextUpdate, download: publisher.download)
        #expect(publisher.count == 2)
        #expect(cache.count == 0, "an expired download is not kept")
    }

    @Test func whatIsNotACRLIsNeverKept() throws {
        let cache = CRLDownloadCache()
        let publisher = Publisher(Data("<html>maintenance</html>".utf8))
        for _ in 0..<2 { _ = try cache.crl(from: "http://crl.example/down.crl", now: Self.beforeNextUpdate, download: publisher.download) }
        #expect(publisher.count == 2)
        #expect(cache.count == 0)
    }

    @Test func theCacheIsBoundedByEntriesAndBytes() throws {
        try #require(!Self.ncaCRL.isEmpty)
        let oneEntry = CRLDownloadCache(maximumEntries: 1)
        let publisher = Publisher(Self.ncaCRL)
        for index in 0..<3 { _ = try oneEntry.crl(from: "http://crl.example/\(index).crl", now: Self.beforeNextUpdate, download: publisher.download) }
        #expect(oneEntry.count == 1)
        let tooSmall = CRLDownloadCache(maximumBytes: Self.ncaCRL.count - 1)
        _ = try tooSmall.crl(from: "http://crl.example/big.crl", now: Self.beforeNextUpdate, download: publisher.download)
        #expect(tooSmall.count == 0)
    }
}
