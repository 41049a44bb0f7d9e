/// Encoding rules an input must follow (X.690): BER where CMS allows it (RFC 5652 § 1.1: ContentInfo, SignedData,
/// encapsulated content), DER for what a signature covers or X.509 defines (certificates, CRLs, signed attributes).
public enum ASN1EncodingRules: Hashable, Sendable {
    case ber
    case der
}

/// One TLV header (X.690 § 8.1.2, § 8.1.3).
struct ASN1Header: Hashable, Sendable {
    /// The first identifier octet (class, constructed bit, low tag number or 0x1f).
    let firstOctet: UInt8
    let isConstructed: Bool
    /// Identifier and length octets.
    let headerLength: Int
    /// Contents length; nil for the indefinite form.
    let contentLength: Int?
}

/// An iterative, allocation-light walk over one BER/DER object that enforces `ASN1Limits` and the encoding rules
/// before anything builds a tree: no recursion, so no input can exhaust the stack (issue 10: 1.2 MB of `30 80`
/// crashed the old recursive walker).
enum ASN1Scanner {
    struct Result: Hashable, Sendable {
        /// Length of the object that starts at the scan's offset.
        let objectLength: Int
        /// Where each indefinite-length element ends (after its end-of-contents octets), by where it starts; filled
        /// only when the scan was asked to record them.
        var indefiniteEnds: [Int: Int] = [:]
    }

    /// Walks the single object at `start`; the bytes after it are the caller's business. `recordingIndefiniteEnds`:
    /// remember where each indefinite-length element ends, so a reader can skip one without walking it again.
    static func scan(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int = 0, rules: ASN1EncodingRules, limits: ASN1Limits,
        recordingIndefiniteEnds: Bool = false
    ) throws(ASN1ParseError) -> Result {
        guard bytes.count - start <= limits.maximumBytes else { throw ASN1ParseError(.tooLarge(limit: limits.maximumBytes), at: start) }
        guard start < bytes.count else { throw ASN1ParseError(start == 0 ? .empty : .truncated, at: start) }
        // Per open constructed element: where its contents end (definite) or `indefiniteMark`, and the bound its
        // children must stay within (its own end, or its nearest definite ancestor's). The depth is bounded by the
        // limits, so the stack is one fixed allocation.
        let indefiniteMark = -1
        return try withUnsafeTemporaryAllocation(of: (end: Int, bound: Int).self, capacity: limits.maximumDepth + 1) {
            stack throws(ASN1ParseError) -> Result in
            var depth = 0
            var position = start
            var elements = 0
            var openIndefiniteStarts: [Int] = []
            var indefiniteEnds: [Int: Int] = [:]
            while true {
                // Close every element the position has reached the end of.
                while depth > 0 {
                    let open = stack[depth - 1]
                    if open.end != indefiniteMark {
                        guard position == open.end else { break }
                    } else {
                        guard position + 2 <= open.bound, bytes[position] == 0, bytes[position + 1] == 0 else { break }
                        position += 2
                        if recordingIndefiniteEnds, let opened = openIndefiniteStarts.popLast() { indefiniteEnds[opened] = position }
                    }
                    depth -= 1
                }
                if depth == 0 && elements > 0 { break }
                let bound = depth > 0 ? stack[depth - 1].bound : bytes.count
                if position >= bound {
                    // An indefinite-length element whose end-of-contents never came.
                    throw ASN1ParseError(bound == bytes.count ? .truncated : .overrunsParent, at: position)
                }
                let header: ASN1Header
                if let common = commonHeader(bytes, at: position, bound: bound, rules: rules) {
                    header = common
                } else {
                    header = try readHeader(bytes, at: position, bound: bound, rules: rules)
                }
                elements += 1
                guard elements <= limits.maximumElements else {
                    throw ASN1ParseError(.tooManyElements(limit: limits.maximumElements), at: position)
                }
                if header.isConstructed {
                    guard depth < limits.maximumDepth else { throw ASN1ParseError(.tooDeep(limit: limits.maximumDepth), at: position) }
                    let contentsStart = position + header.headerLength
                    if let length = header.contentLength {
                        stack[depth] = (end: contentsStart + length, bound: contentsStart + length)
                    } else {
                        if recordingIndefiniteEnds { openIndefiniteStarts.append(position) }
                        stack[depth] = (end: indefiniteMark, bound: bound)
                    }
                    depth += 1
                    position = contentsStart
                } else {
                    // readHeader refuses indefinite primitives and lengths past the bound.
                    position += header.headerLength + (header.contentLength ?? 0)
                }
            }
            return Result(objectLength: position - start, indefiniteEnds: indefiniteEnds)
        }
    }

    /// The header at `position` when it has the form nearly every TLV of a signature has: a low tag number and a
    /// definite length of at most two octets that fits within `bound`, minimal under DER. Anything else, valid or
    /// not, is nil and left to `readHeader`, which judges it (so every error comes from one place).
    @inline(__always)
    static func commonHeader(_ bytes: UnsafeBufferPointer<UInt8>, at position: Int, bound: Int, rules: ASN1EncodingRules) -> ASN1Header? {
        guard position + 2 <= bound else { return nil }
        let first = bytes[position]
        guard first & 0x1f != 0x1f, first & 0xdf != 0 else { return nil }
        let lengthOctet = bytes[position + 1]
        let headerLength: Int
        let length: Int
        if lengthOctet < 0x80 {
            headerLength = 2
            length = Int(lengthOctet)
        } else if lengthOctet == 0x81, position + 3 <= bound {
            headerLength = 3
            length = Int(bytes[position + 2])
            guard rules == .ber || length >= 0x80 else { return nil }
        } else if lengthOctet == 0x82, position + 4 <= bound {
            headerLength = 4
            length = Int(bytes[position + 2]) << 8 | Int(bytes[position + 3])
            guard rules == .ber || length >= 0x100 else { return nil }
        } else {
            return nil
        }
        guard length <= bound - position - headerLength else { return nil }
        return ASN1Header(firstOctet: first, isConstructed: first & 0x20 != 0, headerLength: headerLength, contentLength: length)
    }

    /// The header at `position`, whose element must end by `bound` (X.690 § 8.1.2-8.1.3; DER § 10.1).
    static func readHeader(_ bytes: UnsafeBufferPointer<UInt8>, at position: Int, bound: Int, rules: ASN1EncodingRules)
        throws(ASN1ParseError) -> ASN1Header
    {
        var cursor = position
        guard cursor < bound else { throw ASN1ParseError(.truncated, at: position) }
        let first = bytes[cursor]
        cursor += 1
        // [UNIVERSAL 0] is reserved for end-of-contents, which only closes an indefinite-length element.
        guard first & 0xdf != 0 else { throw ASN1ParseError(.unexpectedEndOfContents, at: position) }
        if first & 0x1f == 0x1f {
            // High tag number: base-128, no leading 0x80 (§ 8.1.2.4.2 c), at most 4 octets (tag numbers < 2^28), ≥ 31.
            var number = 0
            var octets = 0
            while true {
                guard cursor < bound else { throw ASN1ParseError(.truncated, at: position) }
                let octet = bytes[cursor]
                cursor += 1
                if octets == 0 && octet == 0x80 { throw ASN1ParseError(.invalidTag, at: position) }
                octets += 1
                guard octets <= 4 else { throw ASN1ParseError(.invalidTag, at: position) }
                number = number << 7 | Int(octet & 0x7f)
                if octet & 0x80 == 0 { break }
            }
            guard number >= 0x1f else { throw ASN1ParseError(.invalidTag, at: position) }
        }
        let isConstructed = first & 0x20 != 0
        guard cursor < bound else { throw ASN1ParseError(.truncated, at: position) }
        let lengthOctet = bytes[cursor]
        cursor += 1
        if lengthOctet == 0x80 {
            guard rules == .ber, isConstructed else { throw ASN1ParseError(.indefiniteLengthNotAllowed, at: position) }
            return ASN1Header(firstOctet: first, isConstructed: true, headerLength: cursor - position, contentLength: nil)
        }
        var length = 0
        if lengthOctet < 0x80 {
            length = Int(lengthOctet)
        } else {
            let count = Int(lengthOctet & 0x7f)
            // 0xff is reserved (§ 8.1.3.5 c); more than 8 octets cannot fit an Int.
            guard lengthOctet != 0xff, count <= 8 else { throw ASN1ParseError(.invalidLength, at: position) }
            guard cursor + count <= bound else { throw ASN1ParseError(.truncated, at: position) }
            if rules == .der && bytes[cursor] == 0 { throw ASN1ParseError(.invalidLength, at: position) }
            var wide: UInt64 = 0
            for _ in 0..<count {
                wide = wide << 8 | UInt64(bytes[cursor])
                cursor += 1
            }
            guard wide <= UInt64(Int.max >> 1) else { throw ASN1ParseError(.invalidLength, at: position) }
            length = Int(wide)
            if rules == .der && length < 0x80 { throw ASN1ParseError(.invalidLength, at: position) }
        }
        guard length <= bound - cursor else {
            throw ASN1ParseError(bound == bytes.count ? .truncated : .overrunsParent, at: position)
        }
        return ASN1Header(firstOctet: first, isConstructed: isConstructed, headerLength: cursor - position, contentLength: length)
    }
}
