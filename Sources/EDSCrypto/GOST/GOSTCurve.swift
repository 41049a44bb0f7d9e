internal import COpenSSL
import Foundation

/// GOST R 34.10 arithmetic (RFC 7091 § 6) on OpenSSL's EC/BIGNUM primitives, over an explicit GF(p) group built
/// from the published parameters. One instance per parameter set, shared: an EC_GROUP is read-only once built.
final class GOSTCurve: @unchecked Sendable {
    let parameters: GOSTCurveParameters
    /// EC_GROUP*
    let group: OpaquePointer
    /// BIGNUM* q, the base point's order.
    let order: OpaquePointer

    static let tc26_512_A = GOSTCurve(.tc26_512_A)
    static let tc26_256_A = GOSTCurve(.tc26_256_A)
    static let cryptoProA = GOSTCurve(.cryptoProA)

    static func curve(for algorithm: GOSTAlgorithm) -> GOSTCurve? {
        switch algorithm {
        case .gost2015_512: tc26_512_A
        case .gost2015_256: tc26_256_A
        case .gost2004: cryptoProA
        }
    }

    private init?(_ parameters: GOSTCurveParameters) {
        OpenSSLRuntime.ensureInitialized()
        defer { OpenSSLErrorQueue.clear() }
        self.parameters = parameters
        guard let context = BN_CTX_new() else { return nil }
        defer { BN_CTX_free(context) }
        let p = Self.bignum(hex: parameters.p)
        let a = Self.bignum(hex: parameters.a)
        let b = Self.bignum(hex: parameters.b)
        let x = Self.bignum(hex: parameters.x)
        let y = Self.bignum(hex: parameters.y)
        let cofactor = BN_new()
        defer { [p, a, b, x, y, cofactor].forEach { BN_free($0) } }
        guard let q = Self.bignum(hex: parameters.q), let p, let a, let b, let x, let y, let cofactor,
            BN_set_word(cofactor, UInt(parameters.cofactor)) == 1,
            let group = EC_GROUP_new_curve_GFp(p, a, b, context)
        else { return nil }
        guard let generator = EC_POINT_new(group) else {
            EC_GROUP_free(group)
            BN_free(q)
            return nil
        }
        defer { EC_POINT_free(generator) }
        guard EC_POINT_set_affine_coordinates(group, generator, x, y, context) == 1,
            EC_GROUP_set_generator(group, generator, q, cofactor) == 1
        else {
            EC_GROUP_free(group)
            BN_free(q)
            return nil
        }
        self.group = group
        self.order = q
    }

    deinit {
        EC_GROUP_free(group)
        BN_free(order)
    }

    var byteCount: Int { parameters.byteCount }

    static func bignum(hex: String) -> OpaquePointer? {
        var number: OpaquePointer?
        guard BN_hex2bn(&number, hex) > 0 else { return nil }
        return number
    }

    /// A BIGNUM from little-endian bytes (Kalkan's wire order).
    static func bignum(littleEndian bytes: some Collection<UInt8>) -> OpaquePointer? {
        let bigEndian = GOSTByteOrder.reversed(bytes)
        return BN_bin2bn(bigEndian, Int32(bigEndian.count), nil)
    }

    /// `number` as `count` little-endian bytes.
    static func littleEndian(_ number: OpaquePointer, count: Int) -> [UInt8]? {
        var bigEndian = [UInt8](repeating: 0, count: count)
        guard BN_bn2binpad(number, &bigEndian, Int32(count)) == Int32(count) else { return nil }
        return GOSTByteOrder.reversed(bigEndian)
    }

    /// The point (x, y) given little-endian coordinates, nil unless it is on the curve and not the identity.
    func point(x: some Collection<UInt8>, y: some Collection<UInt8>) -> ECPoint? {
        defer { OpenSSLErrorQueue.clear() }
        guard let context = BN_CTX_new() else { return nil }
        defer { BN_CTX_free(context) }
        let xNumber = Self.bignum(littleEndian: x)
        let yNumber = Self.bignum(littleEndian: y)
        defer {
            BN_free(xNumber)
            BN_free(yNumber)
        }
        guard let xNumber, let yNumber, let point = EC_POINT_new(group) else { return nil }
        // set_affine_coordinates refuses points off the curve (OpenSSL checks EC_POINT_is_on_curve).
        guard EC_POINT_set_affine_coordinates(group, point, xNumber, yNumber, context) == 1,
            EC_POINT_is_at_infinity(group, point) == 0
        else {
            EC_POINT_free(point)
            return nil
        }
        return ECPoint(taking: point)
    }

    /// e = the digest as a little-endian integer mod q, 1 when that is 0 (GOST R 34.10 § 6.1 step 2, § 6.2 step 3).
    private func e(from digest: some Collection<UInt8>, context: OpaquePointer) -> OpaquePointer? {
        guard let raw = Self.bignum(littleEndian: digest) else { return nil }
        defer { BN_free(raw) }
        guard let e = BN_new() else { return nil }
        guard BN_nnmod(e, raw, order, context) == 1 else {
            BN_free(e)
            return nil
        }
        if BN_is_zero(e) == 1 { BN_set_word(e, 1) }
        return e
    }

    /// RFC 7091 § 6.2: accept iff 0 < r, s < q and x(z1·P + z2·Q) mod q = r, with v = e⁻¹, z1 = s·v, z2 = −r·v.
    /// `signature` is r ‖ s, each little-endian.
    func verify(signature: some Collection<UInt8>, digest: some Collection<UInt8>, publicKey: ECPoint) -> Bool {
        defer { OpenSSLErrorQueue.clear() }
        let signatureBytes = Array(signature)
        guard signatureBytes.count == 2 * byteCount, let context = BN_CTX_new() else { return false }
        defer { BN_CTX_free(context) }
        let r = Self.bignum(littleEndian: signatureBytes[0..<byteCount])
        let s = Self.bignum(littleEndian: signatureBytes[byteCount...])
        let e = e(from: digest, context: context)
        let v = BN_new()
        let z1 = BN_new()
        let z2 = BN_new()
        let x = BN_new()
        let rv = BN_new()
        defer { [r, s, e, v, z1, z2, x, rv].forEach { BN_free($0) } }
        guard let r, let s, let e, let v, let z1, let z2, let x, let rv else { return false }
        guard BN_is_zero(r) == 0, BN_is_zero(s) == 0, BN_cmp(r, order) < 0, BN_cmp(s, order) < 0 else { return false }
        guard BN_mod_inverse(v, e, order, context) != nil,
            BN_mod_mul(z1, s, v, order, context) == 1,
            BN_mod_mul(rv, r, v, order, context) == 1,
            BN_mod_sub(z2, order, rv, order, context) == 1,
            let c = EC_POINT_new(group)
        else { return false }
        defer { EC_POINT_free(c) }
        // One double-scalar multiplication: C = z1·P + z2·Q.
        guard EC_POINT_mul(group, c, z1, publicKey.pointer, z2, context) == 1,
            EC_POINT_is_at_infinity(group, c) == 0,
            EC_POINT_get_affine_coordinates(group, c, x, nil, context) == 1,
            BN_nnmod(x, x, order, context) == 1
        else { return false }
        return BN_cmp(x, r) == 0
    }

    /// RFC 7091 § 6.1: k random in [1, q−1] from the private DRBG, C = k·P, r = x(C) mod q, s = (r·d + k·e) mod q,
    /// again on r = 0 or s = 0. Returns r ‖ s, each little-endian. `privateKey` carries BN_FLG_CONSTTIME.
    func sign(digest: some Collection<UInt8>, privateKey d: OpaquePointer) throws -> [UInt8] {
        defer { OpenSSLErrorQueue.clear() }
        guard let context = BN_CTX_new() else { throw CryptoError.openSSL("cannot allocate a BIGNUM context") }
        defer { BN_CTX_free(context) }
        guard let e = e(from: digest, context: context) else { throw CryptoError.openSSL("cannot reduce the digest") }
        defer { BN_free(e) }
        for _ in 0..<64 {
            guard let k = randomScalar(context: context) else { throw CryptoError.openSSL("cannot draw a secret nonce") }
            defer { BN_clear_free(k) }
            let r = BN_new()
            let s = BN_new()
            let rd = BN_new()
            let ke = BN_new()
            defer {
                BN_free(r)
                BN_free(s)
                BN_clear_free(rd)
                BN_clear_free(ke)
            }
            guard let r, let s, let rd, let ke, let c = EC_POINT_new(group) else { throw CryptoError.openSSL("out of memory") }
            defer { EC_POINT_clear_free(c) }
            // EC_POINT_mul with a generator-only scalar uses OpenSSL's constant-time ladder for a BN_FLG_CONSTTIME k.
            guard EC_POINT_mul(group, c, k, nil, nil, context) == 1,
                EC_POINT_get_affine_coordinates(group, c, r, nil, context) == 1,
                BN_nnmod(r, r, order, context) == 1
            else { throw CryptoError.openSSL("the signing multiplication failed") }
            if BN_is_zero(r) == 1 { continue }
            BN_set_flags(rd, Int32(BN_FLG_CONSTTIME))
            BN_set_flags(ke, Int32(BN_FLG_CONSTTIME))
            guard BN_mod_mul(rd, r, d, order, context) == 1,
                BN_mod_mul(ke, k, e, order, context) == 1,
                BN_mod_add(s, rd, ke, order, context) == 1
            else { throw CryptoError.openSSL("the signing arithmetic failed") }
            if BN_is_zero(s) == 1 { continue }
            guard let rBytes = Self.littleEndian(r, count: byteCount), let sBytes = Self.littleEndian(s, count: byteCount) else {
                throw CryptoError.openSSL("cannot encode the signature")
            }
            return rBytes + sBytes
        }
        throw CryptoError(.internalFailure, "GOST signing drew 64 unusable nonces")
    }

    /// k uniformly enough in [1, q−1]: 64 extra random bits from RAND_priv_bytes reduced mod (q − 1), plus 1
    /// (FIPS 186-5 § A.2.1's method; the bias is below 2⁻⁶⁴).
    private func randomScalar(context: OpaquePointer) -> OpaquePointer? {
        var bytes = [UInt8](repeating: 0, count: byteCount + 8)
        defer { OPENSSL_cleanse(&bytes, bytes.count) }
        guard RAND_priv_bytes(&bytes, Int32(bytes.count)) == 1, let raw = BN_secure_new(), let k = BN_secure_new(),
            let orderMinusOne = BN_dup(order)
        else { return nil }
        defer {
            BN_clear_free(raw)
            BN_free(orderMinusOne)
        }
        BN_set_flags(raw, Int32(BN_FLG_CONSTTIME))
        BN_set_flags(k, Int32(BN_FLG_CONSTTIME))
        guard BN_bin2bn(bytes, Int32(bytes.count), raw) != nil,
            BN_sub_word(orderMinusOne, 1) == 1,
            BN_nnmod(k, raw, orderMinusOne, context) == 1,
            BN_add_word(k, 1) == 1
        else {
            BN_clear_free(k)
            return nil
        }
        return k
    }

    /// Q = d·P, as little-endian x and y.
    func publicKey(privateKey d: OpaquePointer) -> (x: [UInt8], y: [UInt8])? {
        defer { OpenSSLErrorQueue.clear() }
        guard let context = BN_CTX_new() else { return nil }
        defer { BN_CTX_free(context) }
        let x = BN_new()
        let y = BN_new()
        defer {
            BN_free(x)
            BN_free(y)
        }
        guard let x, let y, let q = EC_POINT_new(group) else { return nil }
        defer { EC_POINT_free(q) }
        guard EC_POINT_mul(group, q, d, nil, nil, context) == 1,
            EC_POINT_get_affine_coordinates(group, q, x, y, context) == 1,
            let xBytes = Self.littleEndian(x, count: byteCount), let yBytes = Self.littleEndian(y, count: byteCount)
        else { return nil }
        return (xBytes, yBytes)
    }

    /// The benchmark's floor: one double-scalar multiplication z1·P + z2·Q, what one verification costs at least.
    func doubleScalarMultiplication(_ z1: OpaquePointer, _ q: ECPoint, _ z2: OpaquePointer) -> Bool {
        guard let context = BN_CTX_new() else { return false }
        defer { BN_CTX_free(context) }
        guard let c = EC_POINT_new(group) else { return false }
        defer { EC_POINT_free(c) }
        return EC_POINT_mul(group, c, z1, q.pointer, z2, context) == 1
    }
}

/// An EC_POINT on one of the GOST curves.
final class ECPoint: @unchecked Sendable {
    let pointer: OpaquePointer
    init(taking pointer: OpaquePointer) { self.pointer = pointer }
    deinit { EC_POINT_free(pointer) }
}

/// The benchmark's raw baseline: one double-scalar multiplication z1·P + z2·Q on the GOST 34.310-2015 (512) curve,
/// what one GOST verification costs at the least (edsvault-bench, Sources/edsvault-bench/GOSTBench.swift).
@_spi(Benchmarking) public final class GOSTVerificationFloor: @unchecked Sendable {
    private let curve: GOSTCurve
    private let q: ECPoint
    private let z1: OpaquePointer
    private let z2: OpaquePointer

    public init() throws {
        guard let curve = GOSTCurve.curve(for: .gost2015_512), let publicKey = try GOSTPrivateKey.generate(.gost2015_512).publicKey,
            let z1 = BN_new(), let z2 = BN_new()
        else { throw CryptoError(.internalFailure, "cannot set up the GOST baseline") }
        guard BN_rand_range(z1, curve.order) == 1, BN_rand_range(z2, curve.order) == 1 else {
            throw CryptoError.openSSL("cannot draw the baseline's scalars")
        }
        self.curve = curve
        self.q = publicKey.point
        self.z1 = z1
        self.z2 = z2
    }

    deinit {
        BN_free(z1)
        BN_free(z2)
    }

    /// One z1·P + z2·Q.
    public func multiply() -> Bool { curve.doubleScalarMultiplication(z1, q, z2) }
}
