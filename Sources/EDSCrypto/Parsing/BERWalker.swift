internal import SwiftASN1

/// One TLV of an object `ASN1Scanner` has already walked: where it is, nothing copied.
struct BERElement: Sendable {
    /// The first identifier octet (class, constructed bit, tag number below 31 or 0x1f for a high tag number).
    let tagOctet: UInt8
    let isConstructed: Bool
    /// The whole TLV, end-of-contents octets included.
    let range: Range<Int>
    /// The contents, end-of-contents octets excluded.
    let contentRange: Range<Int>
}

/// Reads the elements of one scanned BER/DER object by their offsets (X.690 § 8.1).
///
/// `ASN1Scanner` has already enforced the limits and the encoding rules over the whole object, so reading a field
/// costs one header and builds nothing for the elements skipped: a CMS signature's certificates, CRLs and attribute
/// values are not walked at all (issue 11: swift-asn1's tree of every TLV was a quarter of a validation). Every
/// range is an index range of `bytes`, so what a structure signs or hands to OpenSSL is exactly what was read.
struct BERWalker {
    let bytes: [UInt8]
    let rules: ASN1EncodingRules
    /// Bytes after the object (zero unless the caller allowed them in order to report them).
    let trailingByteCount: Int
    /// The end of each indefinite-length element, by its start (empty for DER and definite BER).
    private let indefiniteEnds: [Int: Int]
    /// The object the scan walked.
    let root: BERElement

    /// Scans `bytes` within `limits`, then reads the root. `allowingTrailingData`: bytes after the object are counted
    /// rather than refused, so a signature file with trailing bytes can still be reported on (issue 10).
    init(_ bytes: [UInt8], rules: ASN1EncodingRules, limits: ASN1Limits, allowingTrailingData: Bool = false) throws(ASN1ParseError) {
        let scan = try bytes.withUnsafeBufferPointer { buffer throws(ASN1ParseError) in
            try ASN1Scanner.scan(buffer, rules: rules, limits: limits, recordingIndefiniteEnds: true)
        }
        let trailing = bytes.count - scan.objectLength
        if trailing > 0 && !allowingTrailingData {
            throw ASN1ParseError(.trailingData(count: trailing), at: scan.objectLength)
        }
        self.bytes = bytes
        self.rules = rules
        trailingByteCount = trailing
        indefiniteEnds = scan.indefiniteEnds
        root = try Self.element(in: bytes, at: 0, bound: scan.objectLength, rules: rules, indefiniteEnds: scan.indefiniteEnds)
    }

    private static func element(
        in bytes: [UInt8], at position: Int, bound: Int, rules: ASN1EncodingRules, indefiniteEnds: [Int: Int]
    ) throws(ASN1ParseError) -> BERElement {
        let header = try bytes.withUnsafeBufferPointer { buffer throws(ASN1ParseError) in
            try ASN1Scanner.readHeader(buffer, at: position, bound: bound, rules: rules)
        }
        let contentStart = position + header.headerLength
        if let length = header.contentLength {
            return BERElement(
                tagOctet: header.firstOctet, isConstructed: header.isConstructed, range: position..<(contentStart + length),
                contentRange: contentStart..<(contentStart + length))
        }
        // The scan recorded where every indefinite-length element's end-of-contents closes it.
        guard let end = indefiniteEnds[position], end - 2 >= contentStart, end <= bound else {
            throw ASN1ParseError(.structure("an indefinite-length element's end was not found"), at: position)
        }
        return BERElement(tagOctet: header.firstOctet, isConstructed: true, range: position..<end, contentRange: contentStart..<(end - 2))
    }

    /// The elements inside a constructed one, in order.
    func children(of element: BERElement) throws(ASN1ParseError) -> [BERElement] {
        guard element.isConstructed else { throw ASN1ParseError(.structure("a primitive element has no fields"), at: element.range.lowerBound) }
        var result: [BERElement] = []
        // One allocation for the usual few fields (a SignerInfo has at most 7) instead of one per doubling.
        result.reserveCapacity(8)
        var position = element.contentRange.lowerBound
        while position < element.contentRange.upperBound {
            let child = try Self.element(
                in: bytes, at: position, bound: element.contentRange.upperBound, rules: rules, indefiniteEnds: indefiniteEnds)
            result.append(child)
            position = child.range.upperBound
        }
        return result
    }

    /// The element after `previous` inside `parent` (the first one when `previous` is nil), nil after the last: for
    /// reading a few fields without building an array of them.
    func child(after previous: BERElement?, in parent: BERElement) throws(ASN1ParseError) -> BERElement? {
        guard parent.isConstructed else { throw ASN1ParseError(.structure("a primitive element has no fields"), at: parent.range.lowerBound) }
        let position = previous?.range.upperBound ?? parent.contentRange.lowerBound
        guard position < parent.contentRange.upperBound else { return nil }
        return try Self.element(in: bytes, at: position, bound: parent.contentRange.upperBound, rules: rules, indefiniteEnds: indefiniteEnds)
    }

    func problem(_ what: String, _ element: BERElement) -> ASN1ParseError {
        ASN1ParseError(.structure(what), at: element.range.lowerBound)
    }

    /// The fields of a constructed element whose first identifier octet is `tag`.
    func fields(of element: BERElement, tag: UInt8, _ what: String) throws(ASN1ParseError) -> [BERElement] {
        guard element.tagOctet == tag, element.isConstructed else { throw problem(what, element) }
        return try children(of: element)
    }

    /// The dotted form of an OBJECT IDENTIFIER (X.690 § 8.19).
    func objectIdentifier(_ element: BERElement, _ what: String) throws(ASN1ParseError) -> String {
        guard element.tagOctet == 0x06, !element.isConstructed else { throw problem("\(what) is not an OBJECT IDENTIFIER", element) }
        // The few OIDs every signature carries are found by their exact (valid, minimal) content octets; anything
        // else is decoded, and its encoding checked, by swift-asn1.
        if let known = KnownObjectIdentifiers.name(of: bytes[element.contentRange]) { return known }
        guard let oid = try? ASN1ObjectIdentifier(derEncoded: bytes[element.range]) else {
            throw problem("\(what) is not an OBJECT IDENTIFIER", element)
        }
        return oid.description
    }

    /// A small INTEGER (a version): minimal two's complement that fits an `Int` (X.690 § 8.3).
    func integerValue(_ element: BERElement, _ what: String) throws(ASN1ParseError) -> Int {
        let content = bytes[element.contentRange]
        guard element.tagOctet == 0x02, !element.isConstructed, let first = content.first, content.count <= MemoryLayout<Int>.size
        else { throw problem("\(what) is not a small INTEGER", element) }
        if content.count > 1 {
            let second = content[content.startIndex + 1]
            if (first == 0x00 && second & 0x80 == 0) || (first == 0xff && second & 0x80 != 0) {
                throw problem("\(what) is not a small INTEGER", element)
            }
        }
        var value = Int(Int8(bitPattern: first))
        for octet in content.dropFirst() { value = value << 8 | Int(octet) }
        return value
    }

    /// OCTET STRING contents, primitive or (BER, X.690 § 8.7.3) constructed from nested chunks; `tag` is the
    /// primitive identifier octet (0x04, or 0x80 for an IMPLICIT [0]).
    func octetStringContents(_ element: BERElement, _ what: String, tag: UInt8 = 0x04) throws(ASN1ParseError) -> [UInt8] {
        guard element.tagOctet & 0xdf == tag else { throw problem("\(what) is not an OCTET STRING", element) }
        guard element.isConstructed else { return Array(bytes[element.contentRange]) }
        // Chunks are primitive OCTET STRINGs, or constructed ones again (the depth is bounded by the scan).
        var out: [UInt8] = []
        for chunk in try children(of: element) {
            out += try octetStringContents(chunk, "a chunk of \(what)")
        }
        return out
    }

    ///     AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY DEFINED BY algorithm OPTIONAL }
    func algorithmIdentifier(_ element: BERElement, _ what: String) throws(ASN1ParseError) -> AlgorithmIdentifierEncoding {
        let parts = try fields(of: element, tag: 0x30, "\(what) is not an AlgorithmIdentifier")
        guard parts.count == 1 || parts.count == 2 else { throw problem("\(what) is not an AlgorithmIdentifier", element) }
        let oid = try objectIdentifier(parts[0], what)
        return AlgorithmIdentifierEncoding(oid: oid, parameters: parts.count == 2 ? Array(bytes[parts[1].range]) : nil)
    }
}
