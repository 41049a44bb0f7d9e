internal import COpenSSL
import Foundation

/// GOST verification of the signed X.509 structures OpenSSL cannot verify for want of the key: certificates
/// (tbsCertificate, RFC 5280 § 4.1.1.3), CRLs (tbsCertList, § 5.1.1.3) and OCSP responses (tbsResponseData,
/// RFC 6960 § 4.2.1), each over the exact to-be-signed bytes as received.
enum GOSTSignedStructures {
    /// Verifies a DER structure SEQUENCE { tbs, signatureAlgorithm, signature } with `signer`'s GOST key.
    /// nil when the structure is not GOST-signed (the caller's ordinary OpenSSL path applies).
    static func verify(der: [UInt8], signer: Certificate, limits: ASN1Limits = .certificate) -> SignatureValueCheck? {
        guard let structure = try? SignedStructureParts(der, limits: limits) else { return nil }
        guard GOSTAlgorithm.isKazakhGOST(structure.signatureAlgorithmOID) else { return nil }
        return withSignerKey(signer, for: structure.signatureAlgorithmOID) { key in
            key.verify(signature: Array(structure.signature), over: Array(structure.toBeSigned))
        }
    }

    /// The same check over parts the caller located itself, hashing `toBeSigned` where it lies: a national CA's
    /// tbsCertList (RFC 5280 § 5.1.1.3) is tens of megabytes. nil when the algorithm is not GOST or the BIT STRING
    /// is malformed (the caller's ordinary OpenSSL path applies, as for `verify(der:signer:)`).
    static func verify(
        toBeSigned: UnsafeRawBufferPointer, signatureAlgorithm: [UInt8], signatureBitString: [UInt8], signer: Certificate
    ) -> SignatureValueCheck? {
        guard let oid = try? SignedStructureParts.algorithmOID(signatureAlgorithm), GOSTAlgorithm.isKazakhGOST(oid) else { return nil }
        guard let bits = try? SignedStructureParts.signatureBits(signatureBitString) else { return nil }
        return withSignerKey(signer, for: oid) { key in
            var hasher: StreamingDigest
            do {
                hasher = try StreamingDigest(algorithms: [key.algorithm.digest])
            } catch {
                return .unsupported("\(key.algorithm.displayName) signatures need \(key.algorithm.digest.rawValue): \(GOSTProvider.packageHint)")
            }
            hasher.update(toBeSigned)
            guard let digest = hasher.finish()[key.algorithm.digest] else {
                return .unsupported("\(key.algorithm.displayName) signatures need \(key.algorithm.digest.rawValue): \(GOSTProvider.packageHint)")
            }
            return key.verify(signature: Array(bits), digest: digest)
        }
    }

    /// `verify` with `signer`'s GOST key when it matches the signature algorithm `oid`; otherwise why not.
    private static func withSignerKey(
        _ signer: Certificate, for oid: String, _ verify: (GOSTPublicKey) -> SignatureValueCheck
    ) -> SignatureValueCheck {
        guard let algorithm = GOSTAlgorithm(signatureOID: oid) else { return .unsupported("unknown GOST signature algorithm \(oid)") }
        guard let key = signer.gostPublicKey else {
            return .invalid("the signing certificate's key is not a GOST key (\(signer.publicKeyAlgorithmOID))")
        }
        guard key.algorithm == algorithm else {
            return .invalid("signed with \(algorithm.displayName) but the key is \(key.algorithm.displayName)")
        }
        return verify(key)
    }

    /// Whether `issuer`'s GOST key verifies `subject`'s signature, remembered by both certificates' DER SHA-256
    /// (issue 11): the same CA links recur in every validation, and their bytes, hence the verdict, cannot change.
    /// nil when `subject` is not GOST-signed.
    static func verifyIssued(_ subject: Certificate, by issuer: Certificate) -> Bool? {
        let subjectDER = subject.derEncoded
        let key = Digest.sha256(subjectDER) + Digest.sha256(issuer.derEncoded)
        if let known = IssuedVerdicts.shared.lookup(key) { return known }
        guard let check = verify(der: [UInt8](subjectDER), signer: issuer) else { return nil }
        let verdict = check == .valid
        IssuedVerdicts.shared.store(key, verdict)
        return verdict
    }
}

extension Certificate {
    /// RFC 5280 § 6.1.3 (a)(4) name chaining and § 4.2.1.1 key identifiers, without OpenSSL's X509_check_issued
    /// (which in 3.0 also compares the issuer key's algorithm and so refuses every GOST issuer).
    func namesAsIssuer(of subject: Certificate) -> Bool {
        guard X509_NAME_cmp(X509_get_issuer_name(subject.pointer), X509_get_subject_name(pointer)) == 0 else { return false }
        if let authorityKeyID = X509_get0_authority_key_id(subject.pointer), let subjectKeyID = X509_get0_subject_key_id(pointer),
            ASN1_OCTET_STRING_cmp(authorityKeyID, subjectKeyID) != 0
        {
            return false
        }
        return true
    }

    /// GOST counterpart of `isIssued(by:)`: names and key identifiers chain, and the issuer's GOST key verifies
    /// this certificate's signature. nil when this certificate is not GOST-signed.
    func gostIsIssued(by issuer: Certificate) -> Bool? {
        guard isSignedWithGOST else { return nil }
        guard issuer.namesAsIssuer(of: self) else { return false }
        return GOSTSignedStructures.verifyIssued(self, by: issuer) == true
    }
}

/// Issuer → subject GOST signature verdicts, bounded in entries (64 bytes of key each): an upload's certificates
/// cannot grow it, and when full it starts afresh rather than track recency, since CA links refill it at once.
final class IssuedVerdicts: @unchecked Sendable {
    static let shared = IssuedVerdicts(capacity: 4096)

    private let lock = NSLock()
    private var verdicts: [Data: Bool] = [:]
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func lookup(_ key: Data) -> Bool? { lock.withLock { verdicts[key] } }

    func store(_ key: Data, _ verdict: Bool) {
        lock.withLock {
            if verdicts.count >= capacity { verdicts.removeAll(keepingCapacity: true) }
            verdicts[key] = verdict
        }
    }
}
