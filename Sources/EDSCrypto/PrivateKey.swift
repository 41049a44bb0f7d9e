internal import COpenSSL
import Foundation
import Synchronization

/// A private key (RSA, EC), owning its OpenSSL `EVP_PKEY`.
public final class PrivateKey: @unchecked Sendable {
    /// For a GOST key: an empty EVP_PKEY that every OpenSSL operation refuses; the key is `gost`.
    let pointer: OpaquePointer
    /// A GOST 34.310 key, which OpenSSL cannot hold (GOST/GOSTPrivateKey.swift).
    let gost: GOSTPrivateKey?
    /// CMS signing templates built with this key (per certificate, chain and digest), at most a few: issue 11.
    let signingTemplates = Mutex<[CMSSigningTemplate.Key: CMSSigningTemplate]>([:])

    init(taking pointer: OpaquePointer) {
        self.pointer = pointer
        self.gost = nil
    }

    init(gost: GOSTPrivateKey) {
        self.pointer = EVP_PKEY_new()
        self.gost = gost
    }

    deinit { EVP_PKEY_free(pointer) }

    /// An unencrypted PEM (PKCS#8 or traditional) or DER private key.
    public convenience init(pemOrDER data: Data, password: String? = nil) throws {
        OpenSSLRuntime.ensureInitialized()
        let bio = try MemoryBIO(data)
        let key: OpaquePointer?
        if PEM.looksLikePEM(data) {
            key = password.withOptionalCString { PEM_read_bio_PrivateKey(bio.pointer, nil, nil, UnsafeMutableRawPointer(mutating: $0)) }
        } else {
            key = d2i_PrivateKey_bio(bio.pointer, nil)
        }
        guard let key else { throw CryptoError.malformed("not a readable private key") }
        self.init(taking: key)
    }

    public var description: PublicKeyDescription {
        // The name carries the size ("GOST 34.310-2015 (512)").
        if let gost { return PublicKeyDescription(algorithm: gost.algorithm.displayName, bits: 0, isSupported: true) }
        return PublicKeyDescription(key: pointer)
    }

    /// True when `certificate` carries this key's public half.
    public func matches(_ certificate: Certificate) -> Bool {
        if let gost { return gost.matches(certificate) }
        let matches = X509_check_private_key(certificate.pointer, pointer) == 1
        OpenSSLErrorQueue.clear()
        return matches
    }

    /// Generates a key; used by tests and the benchmark, never for real signers.
    public static func generate(_ kind: KeyKind) throws -> PrivateKey {
        OpenSSLRuntime.ensureInitialized()
        let key: OpaquePointer?
        switch kind {
        case .rsa(let bits): key = EVP_PKEY_Q_keygen_rsa(bits)
        case .ecP256: key = EVP_PKEY_Q_keygen_ec("P-256")
        case .ecP384: key = EVP_PKEY_Q_keygen_ec("P-384")
        }
        guard let key else { throw CryptoError.openSSL("key generation failed") }
        return PrivateKey(taking: key)
    }

    public enum KeyKind: Sendable { case rsa(bits: Int), ecP256, ecP384 }

    /// Raw signature over a digest-and-sign of `data`; the benchmark's baseline for "raw private-key ops".
    public func sign(_ data: Data, digest: DigestAlgorithm = .sha256) throws -> Data {
        if let gost { return Data(try gost.sign(message: data)) }
        guard let context = EVP_MD_CTX_new() else { throw CryptoError.openSSL("cannot allocate a signing context") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, digest.evp, nil, pointer) == 1 else { throw CryptoError.openSSL("cannot initialise signing") }
        return try data.withUnsafeBytes { raw -> Data in
            var length = 0
            guard EVP_DigestSign(context, nil, &length, raw.bindMemory(to: UInt8.self).baseAddress, raw.count) == 1 else {
                throw CryptoError.openSSL("signing failed")
            }
            var signature = [UInt8](repeating: 0, count: length)
            guard EVP_DigestSign(context, &signature, &length, raw.bindMemory(to: UInt8.self).baseAddress, raw.count) == 1 else {
                throw CryptoError.openSSL("signing failed")
            }
            return Data(signature.prefix(length))
        }
    }
}

// The keygen helpers are variadic macros in OpenSSL 3; EVP_PKEY_Q_keygen itself is variadic too,
// so these go through the explicit EVP_PKEY_CTX path.
private func EVP_PKEY_Q_keygen_rsa(_ bits: Int) -> OpaquePointer? {
    guard let context = EVP_PKEY_CTX_new_from_name(nil, "RSA", nil) else { return nil }
    defer { EVP_PKEY_CTX_free(context) }
    guard EVP_PKEY_keygen_init(context) == 1, EVP_PKEY_CTX_set_rsa_keygen_bits(context, Int32(bits)) == 1 else { return nil }
    var key: OpaquePointer?
    guard EVP_PKEY_keygen(context, &key) == 1 else { return nil }
    return key
}

private func EVP_PKEY_Q_keygen_ec(_ curve: String) -> OpaquePointer? {
    guard let context = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else { return nil }
    defer { EVP_PKEY_CTX_free(context) }
    guard EVP_PKEY_keygen_init(context) == 1, EVP_PKEY_CTX_set_group_name(context, curve) == 1 else { return nil }
    var key: OpaquePointer?
    guard EVP_PKEY_keygen(context, &key) == 1 else { return nil }
    return key
}

extension Optional where Wrapped == String {
    func withOptionalCString<Result>(_ body: (UnsafePointer<CChar>?) throws -> Result) rethrows -> Result {
        switch self {
        case .some(let string): try string.withCString { try body($0) }
        case .none: try body(nil)
        }
    }
}

/// A signer's key file: private key, its certificate, and the CA certificates that came with it.
public struct PKCS12Bundle: Sendable {
    public let privateKey: PrivateKey
    public let certificate: Certificate
    public let chain: [Certificate]

    public init(privateKey: PrivateKey, certificate: Certificate, chain: [Certificate]) {
        self.privateKey = privateKey
        self.certificate = certificate
        self.chain = chain
    }

    /// Opens a PKCS#12 file, modern (AES/PBKDF2) or legacy (RC2-40/3DES, as NCA RK issues).
    public static func open(_ data: Data, password: String) throws -> PKCS12Bundle {
        OpenSSLRuntime.ensureInitialized()
        // PFX is BER (RFC 7292 § 4; Java and Kalkan write indefinite lengths): one object, within limits.
        do {
            try ASN1Input.checkSingleObject(data, rules: .ber, limits: .pkcs12)
        } catch {
            throw CryptoError.malformed("not a PKCS#12 key file", error)
        }
        let bio = try MemoryBIO(data)
        guard let p12 = d2i_PKCS12_bio(bio.pointer, nil) else {
            throw CryptoError.malformed("not a PKCS#12 key file")
        }
        defer { PKCS12_free(p12) }
        // The iteration counts are the file's to choose: bounded before OpenSSL derives a single key.
        var work = PKCS12Work()
        try work.charge(eds_pkcs12_mac_iterations(p12), for: "MAC")
        guard PKCS12_verify_mac(p12, password, -1) == 1 else {
            OpenSSLErrorQueue.clear()
            throw CryptoError(.wrongPassword, "wrong password for the PKCS#12 key file")
        }
        try work.chargeEncryption(of: p12, password: password)
        var key: OpaquePointer?
        var certificate: OpaquePointer?
        var extra: OpaquePointer?
        guard PKCS12_parse(p12, password, &key, &certificate, &extra) == 1 else {
            let errors = OpenSSLErrorQueue.drain()
            // NCA's GOST keys: OpenSSL decrypts the bags but cannot decode the key (GOST/GOSTPrivateKey.swift).
            if let gost = try GOSTPKCS12.open(p12, password: password) { return gost }
            let unsupported = errors.contains { $0.contains("unsupported") }
            throw CryptoError(
                unsupported ? .unsupportedAlgorithm : .malformedInput,
                unsupported
                    ? "the PKCS#12 file uses an encryption OpenSSL cannot open here (is the legacy provider installed?)"
                    : "cannot read the PKCS#12 key file",
                openSSLErrors: errors)
        }
        var chain: [Certificate] = []
        if let extra {
            for index in 0..<eds_sk_X509_num(extra) {
                if let item = eds_sk_X509_value(extra, index) { chain.append(Certificate(retaining: item)) }
            }
            eds_sk_X509_pop_free(extra)
        }
        guard let key else {
            if let certificate { X509_free(certificate) }
            throw CryptoError(.malformedInput, "the PKCS#12 file holds no private key")
        }
        let privateKey = PrivateKey(taking: key)
        // Some producers put the signer's certificate among the "other" certificates.
        let signerCertificate: Certificate
        if let certificate {
            signerCertificate = Certificate(taking: certificate)
        } else if let index = chain.firstIndex(where: { privateKey.matches($0) }) {
            signerCertificate = chain.remove(at: index)
        } else {
            throw CryptoError(.malformedInput, "the PKCS#12 file holds no certificate for its private key")
        }
        return PKCS12Bundle(privateKey: privateKey, certificate: signerCertificate, chain: chain)
    }
}

/// The key-derivation work a PKCS#12 file asks for, bounded before OpenSSL does any of it (issue 23, item 6).
///
/// Every iteration count in a key file is chosen by whoever made it: a MAC count of 2^31-1 ran for minutes before the
/// password was even checked, and a PBKDF2 count as large in an encrypted bag would do the same after a valid MAC. NCA
/// RK's files use 2,048 per derivation and OpenSSL's `pkcs12 -export` the same; the whole file (MAC, every encrypted
/// safe, every shrouded key bag) may ask for at most `maximumIterations` in total, else it is refused as malformed
/// (`inspect`/`sign` exit 65) with the count in the message. Each count is read before its derivation runs.
struct PKCS12Work {
    /// 10 million: about a second of SHA-256 here, thousands of times what any issuer uses.
    static let maximumIterations: Int64 = 10_000_000
    /// Safe contents nested in safe contents (RFC 7292 allows it; nobody needs more than a few levels).
    static let maximumNesting = 4

    private(set) var total: Int64 = 0

    /// Adds one derivation's count (negative: unreadable parameters, refused likewise).
    mutating func charge(_ iterations: Int64, for what: String) throws {
        guard iterations >= 0 else {
            throw CryptoError(.malformedInput, "the PKCS#12 file's \(what) iteration count cannot be read")
        }
        // Each count is at most the limit before it is added, so the sum never overflows.
        guard iterations <= Self.maximumIterations, total + iterations <= Self.maximumIterations else {
            throw CryptoError(
                .malformedInput,
                "the PKCS#12 file asks for \(iterations) \(what) iterations; more than \(Self.maximumIterations) "
                    + "in all are refused (NCA RK's key files use 2048)")
        }
        total += iterations
    }

    /// Walks the safes as PKCS12_parse will, charging each encrypted safe before decrypting it and each shrouded key
    /// bag inside; what cannot be decrypted is left for PKCS12_parse to report.
    mutating func chargeEncryption(of p12: OpaquePointer, password: String) throws {
        defer { OpenSSLErrorQueue.clear() }
        guard let safes = PKCS12_unpack_authsafes(p12) else { return }
        defer { eds_sk_PKCS7_pop_free(safes) }
        for safeIndex in 0..<eds_sk_PKCS7_num(safes) {
            guard let safe = eds_sk_PKCS7_value(safes, safeIndex) else { continue }
            let bags: OpaquePointer?
            switch eds_pkcs7_type_nid(safe) {
            case NID_pkcs7_data:
                bags = PKCS12_unpack_p7data(safe)
            case NID_pkcs7_encrypted:
                try charge(eds_pbe_iterations(eds_pkcs7_encrypted_algorithm(safe)), for: "encryption")
                bags = PKCS12_unpack_p7encdata(safe, password, Int32(password.utf8.count))
            default:
                bags = nil
            }
            guard let bags else { continue }
            defer { eds_sk_PKCS12_SAFEBAG_pop_free(bags) }
            try chargeBags(bags, depth: 0)
        }
    }

    private mutating func chargeBags(_ bags: OpaquePointer, depth: Int) throws {
        guard depth <= Self.maximumNesting else {
            throw CryptoError(.malformedInput, "the PKCS#12 file nests safe contents deeper than \(Self.maximumNesting) levels")
        }
        for bagIndex in 0..<eds_sk_PKCS12_SAFEBAG_num(bags) {
            guard let bag = eds_sk_PKCS12_SAFEBAG_value(bags, bagIndex) else { continue }
            switch PKCS12_SAFEBAG_get_nid(bag) {
            case NID_pkcs8ShroudedKeyBag:
                var algorithm: UnsafePointer<X509_ALGOR>?
                if let shrouded = PKCS12_SAFEBAG_get0_pkcs8(bag) { X509_SIG_get0(shrouded, &algorithm, nil) }
                try charge(eds_pbe_iterations(algorithm), for: "key encryption")
            case NID_safeContentsBag:
                if let nested = PKCS12_SAFEBAG_get0_safes(bag) { try chargeBags(nested, depth: depth + 1) }
            default:
                continue
            }
        }
    }
}
