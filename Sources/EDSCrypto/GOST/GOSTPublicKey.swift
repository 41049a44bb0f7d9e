internal import COpenSSL
import Foundation

/// A GOST 34.310 public key read from a certificate's subjectPublicKeyInfo, which OpenSSL parses but cannot decode
/// (`X509_get0_pubkey` is NULL; `X509_PUBKEY_get0_param` still gives the OID and the raw BIT STRING).
///
/// subjectPublicKey = BIT STRING { OCTET STRING (x ‖ y, each little-endian) } (issue 9 table; RFC 4491 § 2.3.2 with
/// Kalkan's byte order).
public struct GOSTPublicKey: Sendable {
    public let algorithm: GOSTAlgorithm
    /// Little-endian coordinates, as carried.
    public let x: [UInt8]
    public let y: [UInt8]
    let point: ECPoint

    /// nil when the certificate's key is not a Kazakh GOST key, or its bytes are not a point on its curve.
    public init?(certificate: Certificate) {
        guard let publicKey = X509_get_X509_PUBKEY(certificate.pointer) else { return nil }
        var object: OpaquePointer?
        var keyBytes: UnsafePointer<UInt8>?
        var keyLength: Int32 = 0
        guard X509_PUBKEY_get0_param(&object, &keyBytes, &keyLength, nil, publicKey) == 1, let keyBytes,
            let algorithm = GOSTAlgorithm(publicKeyOID: ASN1Conversions.oid(object))
        else { return nil }
        self.init(algorithm: algorithm, subjectPublicKey: Array(UnsafeBufferPointer(start: keyBytes, count: Int(keyLength))))
    }

    /// From the BIT STRING's contents (an OCTET STRING holding x ‖ y).
    init?(algorithm: GOSTAlgorithm, subjectPublicKey: [UInt8]) {
        guard let octets = SignedStructureParts.primitiveContents(subjectPublicKey, tag: 0x04),
            octets.count == 2 * algorithm.coordinateSize
        else { return nil }
        self.init(
            algorithm: algorithm, x: Array(octets.prefix(algorithm.coordinateSize)), y: Array(octets.dropFirst(algorithm.coordinateSize)))
    }

    init?(algorithm: GOSTAlgorithm, x: [UInt8], y: [UInt8]) {
        guard x.count == algorithm.coordinateSize, y.count == algorithm.coordinateSize,
            let curve = GOSTCurve.curve(for: algorithm), let point = curve.point(x: x, y: y)
        else { return nil }
        self.algorithm = algorithm
        self.x = x
        self.y = y
        self.point = point
    }

    /// The BIT STRING contents this key is carried as.
    var subjectPublicKey: [UInt8] { GOSTDER.octetString(x + y) }

    /// Verifies `signature` (r ‖ s, little-endian) over `message`, hashing it with the algorithm's own digest.
    func verify(signature: [UInt8], over message: [UInt8]) -> SignatureValueCheck {
        let digest: Data
        do {
            digest = try Digest.hash(Data(message), algorithm: algorithm.digest)
        } catch {
            return .unsupported("\(algorithm.displayName) signatures need \(algorithm.digest.rawValue): \(GOSTProvider.packageHint)")
        }
        return verify(signature: signature, digest: digest)
    }

    /// Verifies `signature` over a digest computed by the caller.
    func verify(signature: [UInt8], digest: Data) -> SignatureValueCheck {
        guard let curve = GOSTCurve.curve(for: algorithm) else { return .unsupported("the \(algorithm.displayName) curve cannot be built") }
        guard signature.count == 2 * algorithm.coordinateSize else {
            return .invalid("the \(algorithm.displayName) signature value has \(signature.count) bytes, not \(2 * algorithm.coordinateSize)")
        }
        return curve.verify(signature: signature, digest: digest, publicKey: point)
            ? .valid : .invalid("the \(algorithm.displayName) signature value does not verify with the signer's public key")
    }
}

extension Certificate {
    /// The certificate's key when it is a Kazakh GOST key.
    public var gostPublicKey: GOSTPublicKey? { GOSTPublicKey(certificate: self) }

    /// True when the certificate's own signature (how its issuer signed it) is a Kazakh GOST one.
    var isSignedWithGOST: Bool { GOSTAlgorithm.isKazakhGOST(tbsSignatureAlgorithmOID) }

    /// The GOST algorithm the issuer signed this certificate with, if any.
    var gostSignatureAlgorithm: GOSTAlgorithm? { GOSTAlgorithm(signatureOID: tbsSignatureAlgorithmOID) }

    /// The TBSCertificate's signature algorithm OID (remembered: every validation asks whether a path is GOST).
    var tbsSignatureAlgorithmOID: String {
        remembered(\.tbsSignatureAlgorithmOID) {
            guard let algorithm = X509_get0_tbs_sigalg(pointer) else { return "" }
            var object: OpaquePointer?
            X509_ALGOR_get0(&object, nil, nil, algorithm)
            return ASN1Conversions.oid(object)
        }
    }
}
