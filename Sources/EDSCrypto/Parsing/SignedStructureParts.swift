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
        let walker = try BERWalker(bytes, rules: .der, limits: limits)
        let fields = try walker.fields(of: walker.root, tag: 0x30, "a signed structure is not a SEQUENCE")
        guard fields.count == 3 || (fields.count == 4 && fields[3].tagOctet == 0xa0), fields[0].tagOctet == 0x30 else {
            throw walker.problem("a signed structure is not SEQUENCE { tbs, signatureAlgorithm, signature }", walker.root)
        }
        toBeSigned = bytes[fields[0].range]
        signatureAlgorithmOID = try walker.algorithmIdentifier(fields[1], "the signature algorithm").oid
        signature = try Self.signatureBits(fields[2], walker: walker)
    }

    /// The OID of an AlgorithmIdentifier given as its own DER (as a streaming CRL reader locates it).
    static func algorithmOID(_ encoded: [UInt8]) throws(ASN1ParseError) -> String {
        let walker = try BERWalker(encoded, rules: .der, limits: .certificate)
        return try walker.algorithmIdentifier(walker.root, "the signature algorithm").oid
    }

    /// The bits of a signature BIT STRING given as its own DER.
    static func signatureBits(_ encoded: [UInt8]) throws(ASN1ParseError) -> ArraySlice<UInt8> {
        let walker = try BERWalker(encoded, rules: .der, limits: .certificate)
        return try signatureBits(walker.root, walker: walker)
    }

    private static func signatureBits(_ element: BERElement, walker: BERWalker) throws(ASN1ParseError) -> ArraySlice<UInt8> {
        let contents = walker.bytes[element.contentRange]
        guard element.tagOctet == 0x03, !element.isConstructed, contents.first == 0 else {
            throw walker.problem("the signature is not a BIT STRING of whole octets", element)
        }
        return contents.dropFirst()
    }

    /// The contents of one primitive TLV with identifier octet `tag` (an OCTET STRING or INTEGER key encoding that
    /// OpenSSL hands over as bytes), nil when `encoded` is anything else.
    static func primitiveContents(_ encoded: [UInt8], tag: UInt8) -> ArraySlice<UInt8>? {
        guard let walker = try? BERWalker(encoded, rules: .der, limits: .certificate), walker.root.tagOctet == tag, !walker.root.isConstructed
        else { return nil }
        return walker.bytes[walker.root.contentRange]
    }
}
