internal import COpenSSL
import Foundation

/// Streebog (GOST R 34.11-2012, RFC 6986) from the GOST engine package's OpenSSL 3 provider, `gostprov`
/// (Debian: libengine-gost-openssl).
///
/// Loaded beside the default and legacy providers `OpenSSLRuntime` loads: `OSSL_PROVIDER_load` adds a provider to
/// the library context and never unloads the others. The digests are fetched once, by name (only gostprov offers
/// md_gost12_256/512), so nothing else about OpenSSL's algorithm choices changes.
enum GOSTProvider {
    /// What to install when the provider is missing; reports and errors quote it.
    static let packageHint = "install the GOST engine package (Debian: libengine-gost-openssl) for OpenSSL's gostprov provider"

    private struct Digests: @unchecked Sendable {
        let streebog256: OpaquePointer?
        let streebog512: OpaquePointer?
    }

    private static let loaded: Digests = {
        OpenSSLRuntime.ensureInitialized()
        guard OSSL_PROVIDER_load(nil, "gostprov") != nil else {
            OpenSSLErrorQueue.clear()
            return Digests(streebog256: nil, streebog512: nil)
        }
        let digests = Digests(
            streebog256: EVP_MD_fetch(nil, "md_gost12_256", nil),
            streebog512: EVP_MD_fetch(nil, "md_gost12_512", nil))
        OpenSSLErrorQueue.clear()
        return digests
    }()

    /// Streebog-512 (id-tc26-gost3411-12-512), or nil when the provider is not installed.
    static var streebog512: OpaquePointer? { loaded.streebog512 }
    /// Streebog-256 (id-tc26-gost3411-12-256), or nil when the provider is not installed.
    static var streebog256: OpaquePointer? { loaded.streebog256 }

    /// True when Streebog can be computed here.
    static var isAvailable: Bool { loaded.streebog512 != nil && loaded.streebog256 != nil }
}

extension DigestAlgorithm {
    /// True when this process can compute the digest (Streebog needs the gostprov provider).
    public var isAvailable: Bool {
        switch self {
        case .streebog256, .streebog512: GOSTProvider.isAvailable
        default: true
        }
    }

    /// Why the digest cannot be computed here, naming what to install.
    public var unavailableReason: String? {
        isAvailable ? nil : "\(rawValue) is not available: \(GOSTProvider.packageHint)"
    }
}
