internal import SwiftASN1

/// The three fields every X.509-style signed structure has: certificates (RFC 5280 § 4.1.1), CRLs (§ 5.1.1) and
/// BasicOCSPResponse (RFC 6960 § 4.2.1):
///
///     SEQUENCE { tbs ..., signatureAlgorithm AlgorithmIdentifier, signature BIT STRING,
///                certs [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL -- BasicOCSPResponse only }
///
/// Read through `ASN1Input` in DER within `limits`, so the GOST code checks what it verifies exactly as every other
/// parser of untrusted bytes does. `toBeSigned` is the TBS element's bytes as received.
struct SignedStructureParts {
    let toBeSigned: ArraySlice<UInt8>
    let signatureAlgorithmOID: String
    /// The signature BIT STRING's bits; a BIT STRING with unused bits is refused (signatures are whole octets).
    let signature: ArraySlice<UInt8>

    init(_ bytes: [UInt8], limits: ASN1Limits) throws(ASN1ParseError) {
        let parsed = try ASN1Input.parse(bytes, rules: .der, limits: limits)
        let fields = try parsed.root.fields(tag: 0x30, "a signed structure is not a SEQUENCE")
        guard fields.count == 3 || (fields.count == 4 && fields[3].tagOctet == 0xa0), fields[0].tagOctet == 0x30 else {
            throw parsed.root.problem("a signed structure is not SEQUENCE { tbs, signatureAlgorithm, signature }")
        }
        toBeSigned = fields[0].encodedBytes
        signatureAlgorithmOID = try fields[1].algorithmIdentifier("the signature algorithm").oid
        signature = try Self.signatureBits(fields[2])
    }

    /// The OID of an AlgorithmIdentifier given as its own DER (as a streaming CRL reader locates it).
    static func algorithmOID(_ encoded: [UInt8]) throws(ASN1ParseError) -> String {
        try ASN1Input.parse(encoded, rules: .der, limits: .certificate).root.algorithmIdentifier("the signature algorithm").oid
    }

    /// The bits of a signature BIT STRING given as its own DER.
    static func signatureBits(_ encoded: [UInt8]) throws(ASN1ParseError) -> ArraySlice<UInt8> {
        try signatureBits(ASN1Input.parse(encoded, rules: .der, limits: .certificate).root)
    }

    private static func signatureBits(_ node: ASN1Node) throws(ASN1ParseError) -> ArraySlice<UInt8> {
        guard node.tagOctet == 0x03, case .primitive(let contents) = node.content, contents.first == 0 else {
            throw node.problem("the signature is not a BIT STRING of whole octets")
        }
        return contents.dropFirst()
    }

    /// The contents of one primitive TLV with identifier octet `tag` (an OCTET STRING or INTEGER key encoding that
    /// OpenSSL hands over as bytes), nil when `encoded` is anything else.
    static func primitiveContents(_ encoded: [UInt8], tag: UInt8) -> ArraySlice<UInt8>? {
        guard let parsed = try? ASN1Input.parse(encoded, rules: .der, limits: .certificate),
            parsed.root.tagOctet == tag, case .primitive(let contents) = parsed.root.content
        else { return nil }
        return contents
    }
}
