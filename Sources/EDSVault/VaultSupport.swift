import EDSCrypto
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// An advisory lock file between writers (shared) and crash recovery (exclusive), across processes and threads.
///
/// Each holder opens the file itself: flock(2) belongs to an open file description, so two threads of one process
/// holding it shared through separate descriptors do not release each other's lock.
struct WriterLock: Sendable {
    let file: URL

    func shared<T>(_ body: () throws -> T) throws -> T {
        let descriptor = try openLockFile()
        defer { close(descriptor) }
        while flock(descriptor, LOCK_SH) != 0 {
            guard errno == EINTR else { throw VaultError.io("cannot lock \(file.path)") }
        }
        return try body()
    }

    /// Runs `body` while no writer is active; nil when `waiting` is false and a writer holds the lock.
    func exclusive<T>(waiting: Bool, _ body: () throws -> T) throws -> T? {
        let descriptor = try openLockFile()
        defer { close(descriptor) }
        while flock(descriptor, waiting ? LOCK_EX : LOCK_EX | LOCK_NB) != 0 {
            if errno == EWOULDBLOCK { return nil }
            guard errno == EINTR else { throw VaultError.io("cannot lock \(file.path)") }
        }
        return try body()
    }

    private func openLockFile() throws -> Int32 {
        let descriptor = open(file.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw VaultError.io("cannot open \(file.path): \(String(cString: strerror(errno)))") }
        return descriptor
    }
}

/// The trust anchors and CRLs a vault validates signatures against, kept in its storage (`DIR/trust/`).
struct VaultTrust: Sendable {
    let anchors: [Certificate]
    let crls: [CertificateRevocationList]

    /// The name an anchor is stored under: `anchor-<first 16 hex digits of its SHA-256 fingerprint>.der`.
    static func named(_ anchor: Certificate) -> (name: String, der: Data) {
        ("anchor-\(anchor.sha256Fingerprint.hexString.prefix(16)).der", anchor.derEncoded)
    }

    /// The name a CRL is stored under: `<first 16 hex digits of its SHA-256>.crl`.
    static func named(_ list: CertificateRevocationList) -> (name: String, der: Data) {
        ("\(Digest.sha256(list.derEncoded).hexString.prefix(16)).crl", list.derEncoded)
    }

    /// `lenient` (a vault opened to report or repair its trust store, `TrustSealCheck.report`) skips what does not
    /// parse and accepts no anchor at all, so that `vault check` can say what is wrong and `vault trust remove` fix it.
    static func load(from storage: any VaultStorage, lenient: Bool = false) throws -> VaultTrust {
        let material: (anchors: [(name: String, der: Data)], crls: [(name: String, der: Data)])
        do { material = try storage.trustMaterial() } catch VaultError.corrupted where lenient { return VaultTrust(anchors: [], crls: []) }
        let anchors = try material.anchors.compactMap { name, der -> Certificate? in
            guard let certificate = try? Certificate(derEncoded: der) else {
                if lenient { return nil }
                throw VaultError.corrupted("trust anchor \(name) is unreadable")
            }
            return certificate
        }
        let crls = try material.crls.compactMap { name, der -> CertificateRevocationList? in
            guard let list = try? CertificateRevocationList(der) else {
                if lenient { return nil }
                throw VaultError.corrupted("CRL \(name) is unreadable")
            }
            return list
        }
        guard !anchors.isEmpty || lenient else { throw VaultError.corrupted("the vault has no trust anchors") }
        return VaultTrust(anchors: anchors, crls: crls)
    }
}
