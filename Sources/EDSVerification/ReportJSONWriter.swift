import Foundation

/// Writes a `ValidationReport` as JSON without Foundation's generic `JSONEncoder` (issue 11: on the service's hot path
/// the encoder cost as much as a tenth of a validation), producing exactly the bytes `JSONEncoder` writes with
/// `.iso8601` dates and `[.sortedKeys, .withoutEscapingSlashes]`, plus `.prettyPrinted` when `pretty`. The referee is
/// `JSONEncoder` itself: ReportJSONWriterTests compare the two on every kind of report.
///
/// What `JSONEncoder` does and this copies (RFC 8259 § 7 leaves the choices open): keys in byte order; optionals
/// the types encode with `encode` written as `null`, those with synthesized `encodeIfPresent` left out; `"`, `\` and
/// U+0000–U+001F escaped (`\b \t \n \f \r` short, the rest `\u00xx` in lower-case hex), everything else raw UTF-8;
/// pretty: two spaces per level, `" : "` after a key, an empty array or object as the bracket, an empty line, and
/// the closing bracket on its own line.
public struct ReportJSONWriter {
    public private(set) var bytes: [UInt8] = []
    public let pretty: Bool
    /// Per open array or object: whether it has no member yet.
    private var openEmpty: [Bool] = []

    public init(pretty: Bool, capacity: Int = 4096) {
        self.pretty = pretty
        bytes.reserveCapacity(capacity)
    }

    /// The report's JSON, the bytes of `ValidationReport.jsonData(pretty:)`.
    public static func json(_ report: ValidationReport, pretty: Bool) -> [UInt8] {
        var writer = ReportJSONWriter(pretty: pretty)
        writer.write(report)
        return writer.bytes
    }

    // MARK: The report's types, members in sorted key order

    public mutating func write(_ report: ValidationReport) {
        beginObject()
        key("document")
        if let document = report.document {
            beginObject()
            key("sha256")
            string(document.sha256)
            key("size")
            raw(String(document.size))
            endObject()
        } else {
            null()
        }
        key("indication")
        string(report.indication.rawValue)
        key("signatures")
        beginArray()
        for signature in report.signatures {
            element()
            write(signature)
        }
        endArray()
        key("subIndication")
        optionalString(report.subIndication?.rawValue)
        key("validationTime")
        date(report.validationTime)
        endObject()
    }

    mutating func write(_ signature: SignatureReport) {
        beginObject()
        key("certificate")
        if let certificate = signature.certificate { write(certificate) } else { null() }
        key("checks")
        beginArray()
        for check in signature.checks {
            element()
            beginObject()
            key("detail")
            string(check.detail)
            key("name")
            string(check.name)
            key("passed")
            raw(check.passed ? "true" : "false")
            endObject()
        }
        endArray()
        key("digestAlgorithm")
        string(signature.digestAlgorithm)
        key("errors")
        strings(signature.errors)
        key("indication")
        string(signature.indication.rawValue)
        key("revocation")
        if let revocation = signature.revocation { write(revocation) } else { null() }
        key("signatureAlgorithm")
        string(signature.signatureAlgorithm)
        key("signer")
        if let signer = signature.signer { write(signer) } else { null() }
        key("signingTime")
        if let signingTime = signature.signingTime { date(signingTime) } else { null() }
        key("subIndication")
        optionalString(signature.subIndication?.rawValue)
        key("timestamp")
        if let timestamp = signature.timestamp {
            beginObject()
            key("genTime")
            date(timestamp.genTime)
            key("serialNumber")
            string(timestamp.serialNumber)
            key("tsa")
            string(timestamp.tsa)
            endObject()
        } else {
            null()
        }
        key("warnings")
        strings(signature.warnings)
        endObject()
    }

    mutating func write(_ certificate: CertificateSummary) {
        beginObject()
        key("extendedKeyUsage")
        strings(certificate.extendedKeyUsage)
        key("holder")
        string(certificate.holder.rawValue)
        key("issuer")
        string(certificate.issuer)
        key("keyUsage")
        strings(certificate.keyUsage)
        key("notAfter")
        date(certificate.notAfter)
        key("notBefore")
        date(certificate.notBefore)
        key("policies")
        strings(certificate.policies)
        key("serialNumber")
        string(certificate.serialNumber)
        key("sha256")
        string(certificate.sha256)
        key("subject")
        string(certificate.subject)
        endObject()
    }

    /// KazakhIdentity writes absent values as null (its `encode(to:)`).
    mutating func write(_ signer: SignerSummary) {
        beginObject()
        key("bin")
        optionalString(signer.bin)
        key("commonName")
        optionalString(signer.commonName)
        key("email")
        optionalString(signer.email)
        key("givenName")
        optionalString(signer.givenName)
        key("iin")
        optionalString(signer.iin)
        key("organization")
        optionalString(signer.organization)
        key("roles")
        strings(signer.roles.map(\.rawValue))
        key("surname")
        optionalString(signer.surname)
        endObject()
    }

    /// RevocationSummary's conformance is synthesized: absent dates and reason are left out, not null.
    mutating func write(_ revocation: RevocationSummary) {
        beginObject()
        if let producedAt = revocation.producedAt {
            key("producedAt")
            date(producedAt)
        }
        if let reason = revocation.revocationReason {
            key("revocationReason")
            string(reason)
        }
        if let revocationTime = revocation.revocationTime {
            key("revocationTime")
            date(revocationTime)
        }
        key("source")
        string(revocation.source.rawValue)
        key("status")
        string(revocation.status.rawValue)
        if let thisUpdate = revocation.thisUpdate {
            key("thisUpdate")
            date(thisUpdate)
        }
        endObject()
    }

    // MARK: JSON structure

    public mutating func beginObject() { open(UInt8(ascii: "{")) }
    public mutating func endObject() { close(UInt8(ascii: "}")) }
    public mutating func beginArray() { open(UInt8(ascii: "[")) }
    public mutating func endArray() { close(UInt8(ascii: "]")) }

    /// The next member's key: `name` must need no escaping (the report's keys are ASCII letters and digits).
    public mutating func key(_ name: StaticString) {
        nextMember()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        // Byte by byte: an array literal here allocated on every key (perf).
        if pretty { bytes.append(0x20) }
        bytes.append(UInt8(ascii: ":"))
        if pretty { bytes.append(0x20) }
    }

    /// Before each value in an array.
    public mutating func element() { nextMember() }

    private mutating func open(_ bracket: UInt8) {
        bytes.append(bracket)
        openEmpty.append(true)
    }

    private mutating func close(_ bracket: UInt8) {
        let wasEmpty = openEmpty.removeLast()
        if pretty {
            bytes.append(0x0A)
            if wasEmpty { bytes.append(0x0A) }
            indent()
        }
        bytes.append(bracket)
    }

    private mutating func nextMember() {
        if openEmpty[openEmpty.count - 1] {
            openEmpty[openEmpty.count - 1] = false
        } else {
            bytes.append(UInt8(ascii: ","))
        }
        if pretty {
            bytes.append(0x0A)
            indent()
        }
    }

    private mutating func indent() {
        bytes.append(contentsOf: repeatElement(0x20, count: 2 * openEmpty.count))
    }

    // MARK: Values

    public mutating func null() { raw("null") }

    private mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    public mutating func optionalString(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    mutating func strings(_ values: [String]) {
        beginArray()
        for value in values {
            element()
            string(value)
        }
        endArray()
    }

    /// `.iso8601`: "2026-11-29T10:00:00Z", whole seconds rounded down (ISO8601.string, checked against Foundation).
    public mutating func date(_ value: Date) { string(ISO8601.string(value)) }

    /// A JSON string (RFC 8259 § 7) escaped as JSONEncoder escapes it.
    public mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            guard let base = UnsafeRawPointer(utf8.baseAddress) else { return }
            let count = utf8.count
            var runStart = 0
            var index = 0
            while index < count {
                // Eight bytes at a time while none of them needs escaping: nearly all of a report's text.
                if count - index >= 8, !Self.needsEscaping(base.loadUnaligned(fromByteOffset: index, as: UInt64.self)) {
                    index += 8
                    continue
                }
                let byte = utf8[index]
                index += 1
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<(index - 1)]))
                runStart = index
                bytes.append(0x5C)
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                default:
                    // \u00XX: the high nibble is 0 or 1; the low one may be a lower-case hex letter (0x57 + 10 = "a").
                    let low = byte & 0x0F
                    bytes.append(UInt8(ascii: "u"))
                    bytes.append(0x30)
                    bytes.append(0x30)
                    bytes.append(0x30 + (byte >> 4))
                    bytes.append(low < 10 ? 0x30 + low : 0x57 + low)
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<count]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Whether any of the eight bytes in `word` is below 0x20, `"` or `\` (the "has a byte less than n" and "has a
    /// zero byte" word tests, exact as yes/no answers for n ≤ 128).
    private static func needsEscaping(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        func hasZeroByte(_ x: UInt64) -> Bool { (x &- ones) & ~x & high != 0 }
        let hasControl = (word &- ones &* 0x20) & ~word & high != 0
        return hasControl || hasZeroByte(word ^ (ones &* 0x22)) || hasZeroByte(word ^ (ones &* 0x5C))
    }
}
