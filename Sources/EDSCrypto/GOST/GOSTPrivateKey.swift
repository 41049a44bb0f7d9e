internal import COpenSSL
import Foundation

/// A GOST 34.310 private key d, held in OpenSSL secure memory with BN_FLG_CONSTTIME and cleared when freed.
final class GOSTPrivateKey: @unchecked Sendable {
    let algorithm: GOSTAlgorithm
    /// BIGNUM* d, 0 < d < q.
    let scalar: OpaquePointer

    /// `bigEndian`: d's magnitude, most significant byte first.
    init?(algorithm: GOSTAlgorithm, bigEndian: [UInt8]) {
        guard let curve = GOSTCurve.curve(for: algorithm), let scalar = BN_secure_new() else { return nil }
        BN_set_flags(scalar, Int32(BN_FLG_CONSTTIME))
        guard BN_bin2bn(bigEndian, Int32(bigEndian.count), scalar) != nil, BN_is_zero(scalar) == 0, BN_cmp(scalar, curve.order) < 0 else {
            BN_clear_free(scalar)
            return nil
        }
        self.algorithm = algorithm
        self.scalar = scalar
    }

    /// A fresh key (the demo PKI and tests; never for real signers): d uniform in [1, q−1] from the private DRBG.
    static func generate(_ algorithm: GOSTAlgorithm) throws -> GOSTPrivateKey {
        guard let curve = GOSTCurve.curve(for: algorithm) else { throw CryptoError(.internalFailure, "the GOST curve cannot be built") }
        var bytes = [UInt8](repeating: 0, count: curve.byteCount)
        defer { OPENSSL_cleanse(&bytes, bytes.count) }
        for _ in 0..<64 {
            guard RAND_priv_bytes(&bytes, Int32(bytes.count)) == 1 else { throw CryptoError.openSSL("no random bytes") }
            if let key = GOSTPrivateKey(algorithm: algorithm, bigEndian: bytes) { return key }
        }
        throw CryptoError(.internalFailure, "cannot draw a GOST private key")
    }

    deinit { BN_clear_free(scalar) }

    /// Q = d·P.
    var publicKey: GOSTPublicKey? {
        guard let curve = GOSTCurve.curve(for: algorithm), let (x, y) = curve.publicKey(privateKey: scalar) else { return nil }
        return GOSTPublicKey(algorithm: algorithm, x: x, y: y)
    }

    /// True when `certificate` carries this key's public half.
    func matches(_ certificate: Certificate) -> Bool {
        guard let theirs = certificate.gostPublicKey, theirs.algorithm == algorithm, let ours = publicKey else { return false }
        return theirs.x == ours.x && theirs.y == ours.y
    }

    /// r ‖ s (little-endian each) over `digest`, which the caller computed with `algorithm.digest`.
    func sign(digest: Data) throws -> [UInt8] {
        guard let curve = GOSTCurve.curve(for: algorithm) else { throw CryptoError(.internalFailure, "the GOST curve cannot be built") }
        return try curve.sign(digest: digest, privateKey: scalar)
    }

    /// Hashes `message` with the algorithm's digest and signs it.
    func sign(message: Data) throws -> [UInt8] {
        if let reason = algorithm.digest.unavailableReason { throw CryptoError(.unsupportedAlgorithm, reason) }
        return try sign(digest: try Digest.hash(message, algorithm: algorithm.digest))
    }

    /// PKCS#8 privateKey contents as Kalkan writes them: 2015 keys an OCTET STRING holding d little-endian,
    /// 2004 keys an INTEGER (issue 9 table).
    var pkcs8PrivateKey: [UInt8] {
        let size = algorithm.coordinateSize
        var bigEndian = [UInt8](repeating: 0, count: size)
        BN_bn2binpad(scalar, &bigEndian, Int32(size))
        defer { OPENSSL_cleanse(&bigEndian, bigEndian.count) }
        if algorithm.privateKeyIsOctetString { return GOSTDER.octetString(GOSTByteOrder.reversed(bigEndian)) }
        var magnitude = Array(bigEndian.drop { $0 == 0 })
        if magnitude.isEmpty || magnitude[0] & 0x80 != 0 { magnitude.insert(0, at: 0) }
        return GOSTDER.encode(0x02, magnitude)
    }
}

/// PKCS#12 files holding GOST keys, which PKCS12_parse cannot decode: the bags walked by hand (RFC 7292 § 4.2),
/// with OpenSSL doing the MAC and the password-based decryption.
enum GOSTPKCS12 {
    /// The bundle when `p12` holds a GOST key; nil when it holds none (the caller's ordinary path applies).
    static func open(_ p12: OpaquePointer, password: String) throws -> PKCS12Bundle? {
        defer { OpenSSLErrorQueue.clear() }
        guard let safes = PKCS12_unpack_authsafes(p12) else { return nil }
        defer { eds_sk_PKCS7_pop_free(safes) }
        var keys: [(algorithm: GOSTAlgorithm, raw: [UInt8])] = []
        var certificates: [Certificate] = []
        for safeIndex in 0..<eds_sk_PKCS7_num(safes) {
            guard let safe = eds_sk_PKCS7_value(safes, safeIndex) else { continue }
            let bags: OpaquePointer?
            switch eds_pkcs7_type_nid(safe) {
            case NID_pkcs7_data: bags = PKCS12_unpack_p7data(safe)
            case NID_pkcs7_encrypted: bags = PKCS12_unpack_p7encdata(safe, password, Int32(password.utf8.count))
            default: bags = nil
            }
            guard let bags else { continue }
            defer { eds_sk_PKCS12_SAFEBAG_pop_free(bags) }
            for bagIndex in 0..<eds_sk_PKCS12_SAFEBAG_num(bags) {
                guard let bag = eds_sk_PKCS12_SAFEBAG_value(bags, bagIndex) else { continue }
                switch PKCS12_SAFEBAG_get_nid(bag) {
                case NID_pkcs8ShroudedKeyBag:
                    guard let info = PKCS12_decrypt_skey(bag, password, Int32(password.utf8.count)) else { continue }
                    defer { PKCS8_PRIV_KEY_INFO_free(info) }
                    if let key = gostKey(info) { keys.append(key) }
                case NID_keyBag:
                    if let info = PKCS12_SAFEBAG_get0_p8inf(bag), let key = gostKey(info) { keys.append(key) }
                case NID_certBag:
                    if let certificate = PKCS12_SAFEBAG_get1_cert(bag) { certificates.append(Certificate(taking: certificate)) }
                default:
                    continue
                }
            }
        }
        guard let (algorithm, raw) = keys.first else { return nil }
        guard !certificates.isEmpty else {
            throw CryptoError(
                .unsupportedAlgorithm, "the PKCS#12 file's certificates cannot be decrypted here (is OpenSSL's legacy provider installed?)")
        }
        // The byte order of d is Kalkan's (issue 9); the certificate's public key decides, and a key that matches no
        // certificate in the file is refused rather than guessed.
        let orders = algorithm.privateKeyIsOctetString ? [GOSTByteOrder.reversed(raw), raw] : [raw, GOSTByteOrder.reversed(raw)]
        for bigEndian in orders {
            guard let key = GOSTPrivateKey(algorithm: algorithm, bigEndian: bigEndian) else { continue }
            if let index = certificates.firstIndex(where: { key.matches($0) }) {
                var chain = certificates
                let certificate = chain.remove(at: index)
                return PKCS12Bundle(privateKey: PrivateKey(gost: key), certificate: certificate, chain: chain)
            }
        }
        throw CryptoError(.malformedInput, "the PKCS#12 file's \(algorithm.displayName) private key matches none of its certificates")
    }

    /// d's bytes as stored (OCTET STRING little-endian for 2015, INTEGER for 2004), for a GOST PrivateKeyInfo.
    private static func gostKey(_ info: OpaquePointer) -> (algorithm: GOSTAlgorithm, raw: [UInt8])? {
        var object: OpaquePointer?
        var bytes: UnsafePointer<UInt8>?
        var length: Int32 = 0
        guard PKCS8_pkey_get0(&object, &bytes, &length, nil, info) == 1, let bytes,
            let algorithm = GOSTAlgorithm(publicKeyOID: ASN1Conversions.oid(object))
        else { return nil }
        let encoded = Array(UnsafeBufferPointer(start: bytes, count: Int(length)))
        if let octets = SignedStructureParts.primitiveContents(encoded, tag: 0x04) { return (algorithm, Array(octets)) }
        guard var value = SignedStructureParts.primitiveContents(encoded, tag: 0x02).map(Array.init) else { return nil }
        // An INTEGER's leading 0x00 (sign octet) is not part of d.
        if value.count > algorithm.coordinateSize, value.first == 0 { value.removeFirst() }
        return (algorithm, value)
    }
}
