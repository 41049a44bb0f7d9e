internal import COpenSSL
import Foundation

/// Digest algorithms the vault signs and verifies with. Others are reported by OID.
public enum DigestAlgorithm: String, CaseIterable, Sendable, Codable {
    case sha1 = "SHA-1"
    case sha224 = "SHA-224"
    case sha256 = "SHA-256"
    case sha384 = "SHA-384"
    case sha512 = "SHA-512"
    case md5 = "MD5"
    /// GOST R 34.11-2012 (RFC 6986) under its Kazakh OIDs: the hashes of GOST 34.310-2015 signatures.
    case streebog256 = "Streebog-256"
    case streebog512 = "Streebog-512"
    /// GOST 34.311-95 (GOST R 34.11-94 with the test S-box): the hash of GOST 34.310-2004 signatures.
    case gost34311 = "GOST 34.311-95"

    public var oid: String {
        switch self {
        case .sha1: "1.3.14.3.2.26"
        case .sha224: "2.16.840.1.101.3.4.2.4"
        case .sha256: "2.16.840.1.101.3.4.2.1"
        case .sha384: "2.16.840.1.101.3.4.2.2"
        case .sha512: "2.16.840.1.101.3.4.2.3"
        case .md5: "1.2.840.113549.2.5"
        case .streebog256: "1.2.398.3.10.1.3.2"
        case .streebog512: "1.2.398.3.10.1.3.3"
        case .gost34311: "1.2.398.3.10.1.3.1"
        }
    }

    public init?(oid: String) {
        guard let match = Self.byOID[oid] else { return nil }
        self = match
    }

    private static let byOID: [String: DigestAlgorithm] = Dictionary(allCases.map { ($0.oid, $0) }, uniquingKeysWith: { first, _ in first })

    /// Accepts "sha256", "SHA-256", "sha-256".
    public init?(name: String) {
        let folded = name.lowercased().replacingOccurrences(of: "-", with: "")
        guard let match = Self.allCases.first(where: { $0.rawValue.lowercased().replacingOccurrences(of: "-", with: "") == folded }) else {
            return nil
        }
        self = match
    }

    /// MD5 and SHA-1 are no longer acceptable for signatures (ETSI TS 119 312).
    public var isBroken: Bool { self == .md5 || self == .sha1 }

    var evp: OpaquePointer? {
        switch self {
        case .sha1: EVP_sha1()
        case .sha224: EVP_sha224()
        case .sha256: EVP_sha256()
        case .sha384: EVP_sha384()
        case .sha512: EVP_sha512()
        case .md5: EVP_md5()
        case .streebog256: GOSTProvider.streebog256
        case .streebog512: GOSTProvider.streebog512
        // Computed in Swift (GOSTR341194): no EVP_MD exists for the test S-box.
        case .gost34311: nil
        }
    }

    /// The same digest fetched once from its provider, for hashing and verifying: OpenSSL 3.0 looks a legacy handle
    /// such as `EVP_sha256()` up in its provider store again on every EVP_DigestInit/EVP_DigestVerifyInit (a locked
    /// search). Signing keeps the legacy handles, which OpenSSL's CMS code (and the signing template made from its
    /// output) is built around.
    var fetched: OpaquePointer? {
        switch self {
        case .sha1: FetchedDigests.sha1
        case .sha224: FetchedDigests.sha224
        case .sha256: FetchedDigests.sha256
        case .sha384: FetchedDigests.sha384
        case .sha512: FetchedDigests.sha512
        case .md5: FetchedDigests.md5
        case .streebog256, .streebog512, .gost34311: evp
        }
    }
}

/// The default provider's digests, fetched once per process (they are reference-counted and immutable, so every
/// thread may use them). nil where the provider lacks one (MD5 under a FIPS configuration).
enum FetchedDigests {
    /// An EVP_MD that is never freed nor changed once fetched.
    struct Handle: @unchecked Sendable {
        let md: OpaquePointer?
    }

    static var sha1: OpaquePointer? { sha1Handle.md }
    static var sha224: OpaquePointer? { sha224Handle.md }
    static var sha256: OpaquePointer? { sha256Handle.md }
    static var sha384: OpaquePointer? { sha384Handle.md }
    static var sha512: OpaquePointer? { sha512Handle.md }
    static var md5: OpaquePointer? { md5Handle.md }

    private static let sha1Handle = fetch("SHA1", legacy: EVP_sha1())
    private static let sha224Handle = fetch("SHA2-224", legacy: EVP_sha224())
    private static let sha256Handle = fetch("SHA2-256", legacy: EVP_sha256())
    private static let sha384Handle = fetch("SHA2-384", legacy: EVP_sha384())
    private static let sha512Handle = fetch("SHA2-512", legacy: EVP_sha512())
    private static let md5Handle = fetch("MD5", legacy: EVP_md5())

    private static func fetch(_ name: String, legacy: OpaquePointer?) -> Handle {
        OpenSSLRuntime.ensureInitialized()
        guard let fetched = EVP_MD_fetch(nil, name, nil) else {
            OpenSSLErrorQueue.clear()
            return Handle(md: legacy)
        }
        return Handle(md: fetched)
    }
}

/// Message digests computed by OpenSSL's EVP interface.
public enum Digest {
    public static func sha256(_ data: Data) -> Data {
        (try? hash(data, algorithm: .sha256)) ?? Data()
    }

    public static func hash(_ data: Data, algorithm: DigestAlgorithm) throws -> Data {
        // One call for bytes already in memory (fingerprints, signed attributes, small documents): the digest's one
        // heap allocation is the Data it is returned in.
        if let md = algorithm.fetched, let digest = data.withUnsafeBytes({ raw in withDigest(of: raw, md: md) { Data($0) } }) {
            return digest
        }
        var hasher = try StreamingDigest(algorithms: [algorithm])
        hasher.update(data)
        guard let digest = hasher.finish()[algorithm] else {
            throw CryptoError(.unsupportedAlgorithm, algorithm.unavailableReason ?? "digest \(algorithm.rawValue) is not available")
        }
        return digest
    }

    /// `body` with the digest of `bytes` by `md` (a fetched `EVP_MD`), computed in one EVP_Digest call into a stack
    /// buffer; nil when OpenSSL fails (its error queue cleared).
    static func withDigest<Result>(
        of bytes: UnsafeRawBufferPointer, md: OpaquePointer, _ body: (UnsafeBufferPointer<UInt8>) -> Result
    ) -> Result? {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Int(EVP_MAX_MD_SIZE)) { out -> Result? in
            var length: UInt32 = 0
            guard EVP_Digest(bytes.baseAddress, bytes.count, out.baseAddress, &length, md, nil) == 1 else {
                OpenSSLErrorQueue.clear()
                return nil
            }
            return body(UnsafeBufferPointer(rebasing: out[..<Int(length)]))
        }
    }

    /// Hashes a file in fixed-size chunks: memory stays constant whatever the file's size.
    public static func hashFile(at url: URL, algorithms: Set<DigestAlgorithm>) throws -> (digests: [DigestAlgorithm: Data], size: UInt64) {
        let descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else {
            throw CryptoError(.fileAccess, "cannot read \(url.path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var hasher = try StreamingDigest(algorithms: algorithms)
        // 1 MiB chunks, or less for a smaller file: a 1 MiB allocation is an mmap and munmap of its own, which for the
        // small documents of a batch audit cost more than hashing them.
        var status = stat()
        let size = fstat(descriptor, &status) == 0 && status.st_size >= 0 ? Int(status.st_size) : Int.max
        let chunkSize = min(1 << 20, max(4096, size &+ 1))
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var total: UInt64 = 0
        while true {
            let count = read(descriptor, buffer, chunkSize)
            if count < 0 {
                if errno == EINTR { continue }
                throw CryptoError(.fileAccess, "cannot read \(url.path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            hasher.update(UnsafeRawBufferPointer(start: buffer, count: count))
            total += UInt64(count)
        }
        return (hasher.finish(), total)
    }
}

/// Several digests fed from one pass over the data.
public struct StreamingDigest: ~Copyable {
    private var contexts: [(DigestAlgorithm, OpaquePointer)] = []
    private var gost34311: GOSTR341194?

    /// Digests this process cannot compute (Streebog without the gostprov provider) are left out of `finish()`'s
    /// answer, so one signer's unavailable algorithm never stops the others from being checked.
    public init(algorithms: Set<DigestAlgorithm>) throws {
        OpenSSLRuntime.ensureInitialized()
        for algorithm in algorithms.sorted(by: { $0.rawValue < $1.rawValue }) {
            if algorithm == .gost34311 {
                gost34311 = GOSTR341194()
                continue
            }
            if !algorithm.isAvailable { continue }
            guard let context = EVP_MD_CTX_new() else { throw CryptoError.openSSL("cannot allocate a digest context") }
            guard EVP_DigestInit_ex(context, algorithm.fetched, nil) == 1 else {
                EVP_MD_CTX_free(context)
                throw CryptoError.openSSL("digest \(algorithm.rawValue) is not available", code: .unsupportedAlgorithm)
            }
            contexts.append((algorithm, context))
        }
    }

    deinit {
        for (_, context) in contexts { EVP_MD_CTX_free(context) }
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        for (_, context) in contexts { EVP_DigestUpdate(context, base, bytes.count) }
        gost34311?.update(bytes)
    }

    public mutating func update(_ data: Data) {
        data.withUnsafeBytes { update($0) }
    }

    public consuming func finish() -> [DigestAlgorithm: Data] {
        var result: [DigestAlgorithm: Data] = [:]
        for (algorithm, context) in contexts {
            var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
            var length: UInt32 = 0
            if EVP_DigestFinal_ex(context, &output, &length) == 1 {
                result[algorithm] = Data(output.prefix(Int(length)))
            }
        }
        if var gost34311 { result[.gost34311] = gost34311.finish() }
        return result
    }
}
