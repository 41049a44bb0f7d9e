import Foundation

/// The little DER the GOST code needs on its own: reading the three fields of a signed structure (certificate, CRL,
/// BasicOCSPResponse: SEQUENCE { tbs, signatureAlgorithm, BIT STRING }) and the public/private key encodings, and
/// writing the SignerInfo it signs. Definite lengths only (X.690 § 10.1): everything read here is DER by definition.
enum GOSTDER {
    struct Element {
        let tag: UInt8
        /// The whole TLV.
        let encoded: ArraySlice<UInt8>
        let contents: ArraySlice<UInt8>
    }

    struct Malformed: Error {}

    /// The TLV at the start of `bytes`.
    static func element(_ bytes: ArraySlice<UInt8>) throws -> Element {
        var cursor = bytes.startIndex
        guard bytes.count >= 2 else { throw Malformed() }
        let tag = bytes[cursor]
        guard tag & 0x1f != 0x1f else { throw Malformed() }
        cursor += 1
        let first = bytes[cursor]
        cursor += 1
        var length = 0
        if first < 0x80 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7f)
            guard count >= 1, count <= 4, bytes.endIndex - cursor >= count else { throw Malformed() }
            for _ in 0..<count {
                length = (length << 8) | Int(bytes[cursor])
                cursor += 1
            }
        }
        guard length >= 0, bytes.endIndex - cursor >= length else { throw Malformed() }
        return Element(tag: tag, encoded: bytes[bytes.startIndex..<(cursor + length)], contents: bytes[cursor..<(cursor + length)])
    }

    /// The single TLV `bytes` holds; trailing bytes are malformed.
    static func only(_ bytes: ArraySlice<UInt8>) throws -> Element {
        let element = try element(bytes)
        guard element.encoded.endIndex == bytes.endIndex else { throw Malformed() }
        return element
    }

    /// The elements inside a constructed element.
    static func children(_ parent: Element) throws -> [Element] {
        var result: [Element] = []
        var rest = parent.contents
        while !rest.isEmpty {
            let child = try element(rest)
            result.append(child)
            rest = rest[child.encoded.endIndex...]
            guard result.count <= 10_000 else { throw Malformed() }
        }
        return result
    }

    /// The dotted form of an OBJECT IDENTIFIER's contents.
    static func oid(_ element: Element) throws -> String {
        guard element.tag == 0x06, !element.contents.isEmpty else { throw Malformed() }
        var arcs: [UInt64] = []
        var value: UInt64 = 0
        for byte in element.contents {
            guard value < (1 << 56) else { throw Malformed() }
            value = (value << 7) | UInt64(byte & 0x7f)
            if byte & 0x80 == 0 {
                if arcs.isEmpty {
                    let first: UInt64 = value < 40 ? 0 : (value < 80 ? 1 : 2)
                    arcs += [first, value - first * 40]
                } else {
                    arcs.append(value)
                }
                value = 0
            }
        }
        return arcs.map(String.init).joined(separator: ".")
    }

    /// A signed structure's parts (RFC 5280 § 4.1.1.3, § 5.1.1.3; RFC 6960 § 4.2.1): the exact to-be-signed bytes,
    /// the signature algorithm OID and the signature bits.
    struct SignedStructure {
        let toBeSigned: [UInt8]
        let signatureAlgorithmOID: String
        let signature: [UInt8]
    }

    static func signedStructure(_ der: [UInt8]) throws -> SignedStructure {
        let outer = try only(der[...])
        guard outer.tag == 0x30 else { throw Malformed() }
        let fields = try children(outer)
        guard fields.count >= 3, fields[0].tag == 0x30, fields[1].tag == 0x30, fields[2].tag == 0x03 else { throw Malformed() }
        guard let algorithm = try children(fields[1]).first else { throw Malformed() }
        let bits = fields[2].contents
        guard let unused = bits.first, unused == 0 else { throw Malformed() }
        return SignedStructure(
            toBeSigned: Array(fields[0].encoded), signatureAlgorithmOID: try oid(algorithm), signature: Array(bits.dropFirst()))
    }

    // MARK: Writing

    static func encode(_ tag: UInt8, _ contents: [UInt8]) -> [UInt8] { DER.encode(tag: tag, contents: contents) }

    static func sequence(_ parts: [[UInt8]]) -> [UInt8] { encode(0x30, parts.flatMap { $0 }) }

    /// SET OF in DER order (X.690 § 11.6: elements sorted by their encodings).
    static func setOf(_ elements: [[UInt8]]) -> [UInt8] {
        encode(0x31, elements.sorted { $0.lexicographicallyPrecedes($1) }.flatMap { $0 })
    }

    static func octetString(_ bytes: [UInt8]) -> [UInt8] { encode(0x04, bytes) }

    static func integer(_ value: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        var remaining = value
        repeat {
            bytes.insert(UInt8(remaining & 0xff), at: 0)
            remaining >>= 8
        } while remaining > 0
        if bytes[0] & 0x80 != 0 { bytes.insert(0, at: 0) }
        return encode(0x02, bytes)
    }

    static func oid(_ dotted: String) -> [UInt8] {
        let arcs = dotted.split(separator: ".").compactMap { UInt64($0) }
        guard arcs.count >= 2 else { return encode(0x06, []) }
        var contents: [UInt8] = []
        for arc in [arcs[0] * 40 + arcs[1]] + arcs.dropFirst(2) {
            var chunk: [UInt8] = [UInt8(arc & 0x7f)]
            var remaining = arc >> 7
            while remaining > 0 {
                chunk.insert(UInt8(remaining & 0x7f) | 0x80, at: 0)
                remaining >>= 7
            }
            contents += chunk
        }
        return encode(0x06, contents)
    }

    /// AlgorithmIdentifier with absent parameters.
    static func algorithm(_ dotted: String) -> [UInt8] { sequence([oid(dotted)]) }

    /// UTCTime for 1950–2049, GeneralizedTime otherwise (RFC 5280 § 4.1.2.5, RFC 5652 § 11.3).
    static func time(_ date: Date) -> [UInt8] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let year = parts.year ?? 1970
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        let rest = two(parts.month) + two(parts.day) + two(parts.hour) + two(parts.minute) + two(parts.second) + "Z"
        if (1950..<2050).contains(year) { return encode(0x17, Array((two(year % 100) + rest).utf8)) }
        return encode(0x18, Array((String(format: "%04d", year) + rest).utf8))
    }
}
