/// Why untrusted bytes are not one well-formed ASN.1 object within its limits (X.690 § 8.1).
public struct ASN1ParseError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        case empty
        /// The input is larger than `limit` bytes.
        case tooLarge(limit: Int)
        /// More than `limit` constructed elements are open at once.
        case tooDeep(limit: Int)
        /// More than `limit` TLVs.
        case tooManyElements(limit: Int)
        /// The input ends inside an element.
        case truncated
        /// An element's length runs past the element that contains it.
        case overrunsParent
        /// A reserved, oversized or (in DER) non-minimal length.
        case invalidLength
        /// Indefinite length where the rules ask for DER (X.690 § 10.1), or on a primitive element (§ 8.1.3.2).
        case indefiniteLengthNotAllowed
        /// A malformed identifier octet sequence (X.690 § 8.1.2.4).
        case invalidTag
        /// End-of-contents octets outside an indefinite-length element (§ 8.1.5).
        case unexpectedEndOfContents
        /// `count` bytes follow the one object the input must be.
        case trailingData(count: Int)
        /// Well-formed TLVs, but not the structure expected there.
        case structure(String)
    }

    public let kind: Kind
    /// Where in the input the problem was found.
    public let offset: Int

    public init(_ kind: Kind, at offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    public var description: String {
        switch kind {
        case .empty: "the input is empty"
        case .tooLarge(let limit): "the input is larger than the limit of \(limit) bytes"
        case .tooDeep(let limit): "elements are nested deeper than the limit of \(limit) levels (at byte \(offset))"
        case .tooManyElements(let limit): "the input has more than the limit of \(limit) ASN.1 elements"
        case .truncated: "the input is truncated (an element at byte \(offset) runs past the end)"
        case .overrunsParent: "the element at byte \(offset) runs past the element that contains it"
        case .invalidLength: "invalid length octets at byte \(offset)"
        case .indefiniteLengthNotAllowed: "indefinite length at byte \(offset) where DER is required"
        case .invalidTag: "invalid tag at byte \(offset)"
        case .unexpectedEndOfContents: "end-of-contents octets at byte \(offset) outside an indefinite-length element"
        case .trailingData(let count): "\(count) byte(s) follow the ASN.1 object, which ends at byte \(offset)"
        case .structure(let what): "\(what) (at byte \(offset))"
        }
    }
}
