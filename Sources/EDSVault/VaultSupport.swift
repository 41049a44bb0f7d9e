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

/// The trust anchors and CRLs a vault validates signatures against, kept in `DIR/trust/`.
struct VaultTrust: Sendable {
    let anchors: [Certificate]
    let crls: [CertificateRevocationList]

    static func directory(in vault: URL) -> URL { vault.appendingPathComponent("trust", isDirectory: true) }

    static func install(anchors: [Certificate], crls: [CertificateRevocationList], in vault: URL, temporary: URL) throws {
        let trust = directory(in: vault)
        try DurableFile.makeDirectory(trust.appendingPathComponent("crl", isDirectory: true))
        for anchor in anchors {
            let name = "anchor-\(anchor.sha256Fingerprint.hexString.prefix(16)).der"
            try DurableFile.write(anchor.derEncoded, to: trust.appendingPathComponent(name), temporaryDirectory: temporary, permissions: 0o644)
        }
        for list in crls {
            let name = "crl/\(Digest.sha256(list.derEncoded).hexString.prefix(16)).crl"
            try DurableFile.write(list.derEncoded, to: trust.appendingPathComponent(name), temporaryDirectory: temporary, permissions: 0o644)
        }
    }

    static func load(from vault: URL) throws -> VaultTrust {
        let trust = directory(in: vault)
        let manager = FileManager.default
        var anchors: [Certificate] = []
        for name in ((try? manager.contentsOfDirectory(atPath: trust.path)) ?? []).sorted() where name.hasSuffix(".der") {
            guard let data = manager.contents(atPath: trust.appendingPathComponent(name).path),
                let certificate = try? Certificate(derEncoded: data)
            else { throw VaultError.corrupted("trust anchor \(name) is unreadable") }
            anchors.append(certificate)
        }
        var crls: [CertificateRevocationList] = []
        let crlDirectory = trust.appendingPathComponent("crl")
        for name in ((try? manager.contentsOfDirectory(atPath: crlDirectory.path)) ?? []).sorted() where name.hasSuffix(".crl") {
            guard let data = manager.contents(atPath: crlDirectory.appendingPathComponent(name).path),
                let list = try? CertificateRevocationList(data)
            else { throw VaultError.corrupted("CRL \(name) is unreadable") }
            crls.append(list)
        }
        guard !anchors.isEmpty else { throw VaultError.corrupted("the vault has no trust anchors under \(trust.path)") }
        return VaultTrust(anchors: anchors, crls: crls)
    }
}
