/// Bounds on one untrusted ASN.1 object, checked before anything is allocated for its elements.
///
/// Every parser of hostile bytes (CMS, certificates, CRLs, OCSP responses, timestamp tokens, PKCS#12, ASiC members)
/// states its limits here, so a file cannot make the process recurse, allocate or loop without bound.
public struct ASN1Limits: Hashable, Sendable {
    /// The whole input, trailing bytes included.
    public var maximumBytes: Int
    /// Constructed elements open at once (the outermost element is depth 1). swift-asn1 refuses more than 50, so
    /// every limit here stays below that and the error names our limit.
    public var maximumDepth: Int
    /// TLVs in the object, primitive and constructed.
    public var maximumElements: Int

    public init(maximumBytes: Int, maximumDepth: Int, maximumElements: Int) {
        self.maximumBytes = maximumBytes
        self.maximumDepth = min(maximumDepth, ASN1Limits.swiftASN1MaximumDepth)
        self.maximumElements = maximumElements
    }

    /// swift-asn1's fixed node depth limit (`ASN1.ParseResult._maximumNodeDepth`).
    static let swiftASN1MaximumDepth = 50

    /// A CMS signature file or timestamp token. Attached documents make signatures large, but as one OCTET STRING
    /// (or a few thousand BER chunks); CAdES-LT evidence nests a timestamp's SignedData and OCSP certificates about
    /// 28 levels deep.
    public static let cms = ASN1Limits(maximumBytes: 256 << 20, maximumDepth: 40, maximumElements: 2_000_000)
    /// One X.509 certificate (RFC 5280): a few kilobytes in practice.
    public static let certificate = ASN1Limits(maximumBytes: 1 << 20, maximumDepth: 32, maximumElements: 100_000)
    /// A CRL: a national CA's full CRL lists hundreds of thousands of serials.
    public static let crl = ASN1Limits(maximumBytes: 128 << 20, maximumDepth: 32, maximumElements: 8_000_000)
    /// An OCSP response (RFC 6960), basic or wrapped.
    public static let ocsp = ASN1Limits(maximumBytes: 1 << 20, maximumDepth: 32, maximumElements: 100_000)
    /// A PKCS#12 key file.
    public static let pkcs12 = ASN1Limits(maximumBytes: 1 << 20, maximumDepth: 32, maximumElements: 100_000)
    /// A file of certificates (trust anchors, chains): PEM files hold several.
    public static let certificateFile = ASN1Limits(maximumBytes: 16 << 20, maximumDepth: 32, maximumElements: 1_000_000)
}
