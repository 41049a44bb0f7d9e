internal import COpenSSL
import Foundation

/// RSASSA-PSS-params (RFC 4055 § 3.1), read from a SignerInfo's signatureAlgorithm by the parsing layer and handed
/// to OpenSSL as padding settings (RFC 4056 § 3 for CMS):
///
///     RSASSA-PSS-params ::= SEQUENCE {
///       hashAlgorithm [0] HashAlgorithm DEFAULT sha1Identifier,
///       maskGenAlgorithm [1] MaskGenAlgorithm DEFAULT mgf1SHA1Identifier,
///       saltLength [2] INTEGER DEFAULT 20,
///       trailerField [3] INTEGER DEFAULT 1 }
struct RSASSAPSSParameters: Hashable, Sendable {
    static let oid = "1.2.840.113549.1.1.10"
    static let mgf1 = "1.2.840.113549.1.1.8"

    let digest: DigestAlgorithm
    let maskDigest: DigestAlgorithm
    let saltLength: Int

    private static let limits = ASN1Limits(maximumBytes: 1024, maximumDepth: 8, maximumElements: 64)

    init(_ encoded: [UInt8]?) throws(ASN1ParseError) {
        guard let encoded else { throw ASN1ParseError(.structure("RSASSA-PSS needs explicit parameters"), at: 0) }
        let walker = try BERWalker(encoded, rules: .der, limits: Self.limits)
        var digest = DigestAlgorithm.sha1
        var maskDigest = DigestAlgorithm.sha1
        var saltLength = 20
        var previousTag: UInt8 = 0
        for field in try walker.fields(of: walker.root, tag: 0x30, "RSASSA-PSS-params is not a SEQUENCE") {
            guard field.tagOctet > previousTag else { throw walker.problem("RSASSA-PSS-params fields out of order", field) }
            previousTag = field.tagOctet
            let inner = try walker.fields(of: field, tag: field.tagOctet, "an RSASSA-PSS-params field is not EXPLICIT")
            guard inner.count == 1 else { throw walker.problem("an RSASSA-PSS-params field holds \(inner.count) values", field) }
            switch field.tagOctet {
            case 0xa0:
                digest = try Self.digest(walker.algorithmIdentifier(inner[0], "hashAlgorithm"), at: field)
            case 0xa1:
                let mask = try walker.algorithmIdentifier(inner[0], "maskGenAlgorithm")
                guard mask.oid == Self.mgf1, let parameters = mask.parameters else {
                    throw walker.problem("maskGenAlgorithm \(mask.oid) is not MGF1", field)
                }
                let hashWalker = try BERWalker(parameters, rules: .der, limits: Self.limits)
                maskDigest = try Self.digest(hashWalker.algorithmIdentifier(hashWalker.root, "MGF1's hash"), at: field)
            case 0xa2:
                saltLength = try walker.integerValue(inner[0], "saltLength")
                guard (0...1024).contains(saltLength) else { throw walker.problem("saltLength \(saltLength) is out of range", field) }
            case 0xa3:
                guard try walker.integerValue(inner[0], "trailerField") == 1 else { throw walker.problem("trailerField must be 1", field) }
            default:
                throw walker.problem("unknown RSASSA-PSS-params field", field)
            }
        }
        self.digest = digest
        self.maskDigest = maskDigest
        self.saltLength = saltLength
    }

    private static func digest(_ algorithm: AlgorithmIdentifierEncoding, at field: BERElement) throws(ASN1ParseError) -> DigestAlgorithm {
        guard let digest = DigestAlgorithm(oid: algorithm.oid) else {
            throw ASN1ParseError(.structure("hash algorithm \(algorithm.oid) is not supported"), at: field.range.lowerBound)
        }
        return digest
    }

    /// Sets PSS padding, salt length and MGF1 hash on a verification context; false when OpenSSL refuses one.
    func apply(to context: OpaquePointer) -> Bool {
        EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PSS_PADDING) == 1
            && EVP_PKEY_CTX_set_rsa_pss_saltlen(context, Int32(saltLength)) == 1
            && EVP_PKEY_CTX_set_rsa_mgf1_md(context, maskDigest.evp) == 1
    }
}
