/// A way a readable SignerInfo breaks RFC 5652: the validator reports each as INDETERMINATE / FORMAT_FAILURE
/// instead of picking one reading of an ambiguous signature.
public enum CMSFormatProblem: Hashable, Sendable, CustomStringConvertible {
    /// An attribute that must have exactly one value (contentType, messageDigest, signingTime: RFC 5652 § 11.1-11.3;
    /// signingCertificate: RFC 2634 § 5.4; signingCertificateV2: RFC 5035 § 3) has `count`.
    case attributeValueCount(attribute: String, count: Int)
    /// A signed attribute type that appears `count` times (RFC 5652 § 11: "MUST NOT include multiple instances").
    case repeatedSignedAttribute(attribute: String, count: Int)
    /// The signed attributes are not DER, though the signature covers their DER (RFC 5652 § 5.4).
    case signedAttributesNotDER
    /// signedAttrs is present but empty (RFC 5652 § 5.3: SIZE (1..MAX)).
    case emptySignedAttributes

    /// A readable name for an attribute type: the RFC's, else OpenSSL's, else the OID.
    public static func attributeName(_ oid: String) -> String {
        switch oid {
        case CMSAttribute.OID.contentType: "contentType"
        case CMSAttribute.OID.messageDigest: "messageDigest"
        case CMSAttribute.OID.signingTime: "signingTime"
        case CMSAttribute.OID.signingCertificate: "signingCertificate"
        case CMSAttribute.OID.signingCertificateV2: "signingCertificateV2"
        default: OIDNames.name(oid)
        }
    }

    public var description: String {
        switch self {
        case .attributeValueCount(let attribute, let count): "the \(attribute) attribute has \(count) values; it must have exactly one"
        case .repeatedSignedAttribute(let attribute, let count): "the signed attribute \(attribute) appears \(count) times; it may appear only once"
        case .signedAttributesNotDER: "the signed attributes are not DER-encoded (RFC 5652 § 5.4)"
        case .emptySignedAttributes: "the signed attributes are present but empty (RFC 5652 § 5.3)"
        }
    }
}
