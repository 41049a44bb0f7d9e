import Foundation

/// The DER the GOST signer writes (its SignedData and SignerInfo). Reading goes through the parsing layer
/// (`SignedStructureParts`, `ASN1Input`) like every other untrusted input.
enum GOSTDER {
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

    /// The OIDs written here are the writer's own literals, always well formed.
    static func oid(_ dotted: String) -> [UInt8] { (try? DER.objectIdentifier(dotted)) ?? encode(0x06, []) }

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
