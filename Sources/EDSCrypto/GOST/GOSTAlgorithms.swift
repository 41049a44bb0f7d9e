import Foundation

/// The Kazakh GOST signature algorithms (GOST 34.310-2015 and 34.310-2004): OIDs, curves and Kalkan's byte orders,
/// kept in this one place.
///
/// These are the Russian GOST R 34.10 algorithms and parameter sets under Kazakh OIDs (1.2.398.3.10...):
/// - 2015 (512): curve id-tc26-gost-3410-12-512-paramSetA (RFC 7836 § A.1; gost-engine `gost_params.c`), hash
///   Streebog-512 (GOST R 34.11-2012, RFC 6986).
/// - 2015 (256): curve id-tc26-gost-3410-12-256-paramSetA (RFC 7836 § A.2), hash Streebog-256. Reported by third-party
///   code; no NCA sample exists, so it is supported because the same code covers it, not because it was seen.
/// - 2004: curve id-GostR3410-2001-CryptoPro-A-ParamSet (RFC 4357 § 11.4), hash GOST 34.311-95 = GOST R 34.11-94
///   with the *test* S-box (RFC 5831 § 7.3.1), not CryptoPro's.
///
/// Byte orders (Kalkan, checked against real NCA certificates): the signature value is r ‖ s, each little-endian
/// (the byte reversal of RFC 4491 § 2.2.2's s ‖ r); the public key is an OCTET STRING inside the BIT STRING holding
/// x ‖ y, each little-endian; the digest is read as a little-endian integer e (GOST R 34.10 § 6.1 step 2, RFC 7091).
public enum GOSTAlgorithm: String, Sendable, CaseIterable, Hashable {
    case gost2015_512
    case gost2015_256
    case gost2004

    /// CMS signatureAlgorithm, certificate/CRL/OCSP signatureAlgorithm.
    public var signatureOID: String {
        switch self {
        case .gost2015_512: "1.2.398.3.10.1.1.2.3.2"
        case .gost2015_256: "1.2.398.3.10.1.1.2.3.1"
        case .gost2004: "1.2.398.3.10.1.1.1.2"
        }
    }

    /// subjectPublicKeyInfo algorithm.
    public var publicKeyOID: String {
        switch self {
        case .gost2015_512: "1.2.398.3.10.1.1.2.2"
        case .gost2015_256: "1.2.398.3.10.1.1.2.1"
        case .gost2004: "1.2.398.3.10.1.1.1.1"
        }
    }

    /// The first OID in the public key parameters: which curve.
    public var curveParameterOID: String {
        switch self {
        case .gost2015_512: "1.2.398.3.10.1.1.2.2.1"
        case .gost2015_256: "1.2.398.3.10.1.1.2.1.1"
        case .gost2004: "1.2.398.3.10.1.1.1.1.1"
        }
    }

    /// The second OID in the public key parameters (the hash parameters).
    public var digestParameterOID: String {
        switch self {
        case .gost2015_512: "1.2.398.3.10.1.3.3"
        case .gost2015_256: "1.2.398.3.10.1.3.2"
        case .gost2004: "1.2.398.3.10.1.3.1.1.0"
        }
    }

    public var digest: DigestAlgorithm {
        switch self {
        case .gost2015_512: .streebog512
        case .gost2015_256: .streebog256
        case .gost2004: .gost34311
        }
    }

    /// How reports name it.
    public var displayName: String {
        switch self {
        case .gost2015_512: "GOST 34.310-2015 (512)"
        case .gost2015_256: "GOST 34.310-2015 (256)"
        case .gost2004: "GOST 34.310-2004"
        }
    }

    /// Bytes of one coordinate, of r and of s.
    public var coordinateSize: Int { curve.byteCount }

    var curve: GOSTCurveParameters {
        switch self {
        case .gost2015_512: .tc26_512_A
        case .gost2015_256: .tc26_256_A
        case .gost2004: .cryptoProA
        }
    }

    /// The private key in PKCS#8: 2015 keys hold d as an OCTET STRING (little-endian), 2004 keys as an INTEGER.
    var privateKeyIsOctetString: Bool { self != .gost2004 }

    /// The algorithm a signatureAlgorithm OID names, nil when it is not a Kazakh GOST one.
    public init?(signatureOID oid: String) {
        guard let match = Self.allCases.first(where: { $0.signatureOID == oid }) else { return nil }
        self = match
    }

    /// The algorithm a subjectPublicKeyInfo OID names.
    public init?(publicKeyOID oid: String) {
        guard let match = Self.allCases.first(where: { $0.publicKeyOID == oid }) else { return nil }
        self = match
    }

    /// True for any OID under Kazakhstan's national algorithms arc (GOST 34.310 / 34.311).
    public static func isKazakhGOST(_ oid: String) -> Bool { oid.hasPrefix("1.2.398.3.10.") }

    /// A readable name for a Kazakh GOST OID, with the OID.
    public static func name(ofOID oid: String) -> String? {
        if let algorithm = GOSTAlgorithm(signatureOID: oid) { return "\(algorithm.displayName) (\(oid))" }
        if let algorithm = GOSTAlgorithm(publicKeyOID: oid) { return "\(algorithm.displayName) key (\(oid))" }
        if let digest = DigestAlgorithm(oid: oid) { return "\(digest.rawValue) (\(oid))" }
        if oid.hasPrefix("1.2.398.3.10.1.1.2") { return "GOST 34.310-2015 (\(oid))" }
        if oid.hasPrefix("1.2.398.3.10.1.1.1") { return "GOST 34.310-2004 (\(oid))" }
        if oid.hasPrefix("1.2.398.3.10.1.3") { return "GOST 34.311 (\(oid))" }
        return nil
    }
}

/// A short Weierstrass curve y² = x³ + ax + b over GF(p) with a base point of prime order q (GOST R 34.10 § 5.2).
/// Values are big-endian hex, as the standards print them.
struct GOSTCurveParameters: Sendable, Hashable {
    let name: String
    let p: String
    let a: String
    let b: String
    let q: String
    let x: String
    let y: String
    let cofactor: UInt
    let byteCount: Int

    /// id-tc26-gost-3410-12-512-paramSetA, RFC 7836 § A.1.
    static let tc26_512_A = GOSTCurveParameters(
        name: "id-tc26-gost-3410-12-512-paramSetA",
        p: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7",
        a: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC4",
        b: "E8C2505DEDFC86DDC1BD0B2B6667F1DA34B82574761CB0E879BD081CFD0B6265EE3CB090F30D27614CB4574010DA90DD862EF9D4EBEE4761503190785A71C760",
        q: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF27E69532F48D89116FF22B8D4E0560609B4B38ABFAD2B85DCACDB1411F10B275",
        x: "03",
        y: "7503CFE87A836AE3A61B8816E25450E6CE5E1C93ACF1ABC1778064FDCBEFA921DF1626BE4FD036E93D75E6A50E3A41E98028FE5FC235F5B889A589CB5215F2A4",
        cofactor: 1, byteCount: 64)

    /// id-tc26-gost-3410-12-256-paramSetA, RFC 7836 § A.2 (a twisted Edwards curve in Weierstrass form, cofactor 4).
    static let tc26_256_A = GOSTCurveParameters(
        name: "id-tc26-gost-3410-12-256-paramSetA",
        p: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97",
        a: "C2173F1513981673AF4892C23035A27CE25E2013BF95AA33B22C656F277E7335",
        b: "295F9BAE7428ED9CCC20E7C359A9D41A22FCCD9108E17BF7BA9337A6F8AE9513",
        q: "400000000000000000000000000000000FD8CDDFC87B6635C115AF556C360C67",
        x: "91E38443A5E82C0D880923425712B2BB658B9196932E02C78B2582FE742DAA28",
        y: "32879423AB1A0375895786C4BB46E9565FDE0B5344766740AF268ADB32322E5C",
        cofactor: 4, byteCount: 32)

    /// id-GostR3410-2001-CryptoPro-A-ParamSet, RFC 4357 § 11.4.
    static let cryptoProA = GOSTCurveParameters(
        name: "id-GostR3410-2001-CryptoPro-A-ParamSet",
        p: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97",
        a: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD94",
        b: "A6",
        q: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF6C611070995AD10045841B09B761B893",
        x: "01",
        y: "8D91E471E0989CDA27DF505A453F2B7635294F2DDF23E3B122ACC99C9E9F1E14",
        cofactor: 1, byteCount: 32)
}

/// Kalkan's byte orders: every integer on the wire is little-endian, fixed-width.
enum GOSTByteOrder {
    /// `value` reversed: little-endian wire bytes to the big-endian form OpenSSL's BN_bin2bn reads, and back.
    static func reversed(_ value: some Collection<UInt8>) -> [UInt8] { Array(value.reversed()) }
}
