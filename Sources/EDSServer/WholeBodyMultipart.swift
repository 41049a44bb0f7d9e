import EDSCrypto
import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// A verification form whose whole body is in memory (a declared length up to `VerificationUpload.memoryThreshold`,
/// which is every ordinary upload), parsed in place: the delimiters are found with `memmem` and each part's content is
/// sliced out of the body once, instead of MultipartKit's byte-by-byte state machine and a copy per network chunk
/// (together ~10 % of a request's CPU, perf, issue 11). Larger bodies still stream through MultipartKit and spool.
///
/// RFC 2046 § 5.1.1 as RFC 7578 uses it, read as MultipartKit 4.7 reads it so that both paths answer a body alike: a
/// preamble up to the first `--boundary`; after each delimiter `-` closes the form (the epilogue is ignored) or CRLF
/// starts a part; header lines `token: value` up to an empty line; the content up to the next `CRLF--boundary`.
/// The streaming path's limits (parts, headers and header bytes per part, ASCII header names), with its messages.
enum WholeBodyMultipart {
    static func parse(_ body: ByteBuffer, boundary: String) throws(UploadError) -> VerificationUpload {
        let delimiter = Array("\r\n--\(boundary)".utf8)
        let result = body.withUnsafeReadableBytes { bytes in
            Result { () throws(UploadError) -> VerificationUpload in
                var parser = Parser(bytes: bytes, delimiter: delimiter)
                return try parser.parse()
            }
        }
        return try result.get()
    }

    private struct Parser {
        let bytes: UnsafeRawBufferPointer
        let delimiter: [UInt8]
        let upload = VerificationUpload()
        var signatureText: String?

        static let unclosed = UploadError.malformed("the body ended before the closing boundary")

        init(bytes: UnsafeRawBufferPointer, delimiter: [UInt8]) {
            self.bytes = bytes
            self.delimiter = delimiter
        }

        mutating func parse() throws(UploadError) -> VerificationUpload {
            // The first delimiter may lack its CRLF (at the start of the body, or after a preamble).
            let dashBoundary = Array(delimiter.dropFirst(2))
            guard let first = find(dashBoundary, from: 0) else { throw Self.unclosed }
            var position = first + dashBoundary.count
            var parts = 0
            while true {
                guard position < bytes.count else { throw Self.unclosed }
                if bytes[position] == UInt8(ascii: "-") { break }
                guard hasPrefix([0x0D, 0x0A], at: position) else {
                    throw position + 1 >= bytes.count && bytes[position] == 0x0D
                        ? Self.unclosed : .malformed("a boundary is followed by neither CRLF nor \"--\"")
                }
                position += 2
                guard parts < PartCollector.maximumParts else {
                    throw .malformed("the form has more than \(PartCollector.maximumParts) parts")
                }
                parts += 1
                let disposition = try headers(from: &position)
                guard let end = find(delimiter, from: position) else { throw Self.unclosed }
                try take(UnsafeRawBufferPointer(rebasing: bytes[position..<end]), disposition: disposition)
                position = end + delimiter.count
            }
            guard parts > 0 else { throw Self.unclosed }
            if upload.signature == nil, let signatureText { upload.signature = Data(signatureText.utf8) }
            return upload
        }

        /// Reads a part's header lines up to the empty line; returns its Content-Disposition value.
        private func headers(from position: inout Int) throws(UploadError) -> String? {
            var count = 0
            var headerBytes = 0
            var disposition: String?
            while true {
                guard let lineEnd = find([0x0D, 0x0A], from: position) else { throw Self.unclosed }
                defer { position = lineEnd + 2 }
                if lineEnd == position { return disposition }
                let line = UnsafeRawBufferPointer(rebasing: bytes[position..<lineEnd])
                let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.count
                let name = UnsafeRawBufferPointer(rebasing: line[..<colon])
                guard name.allSatisfy({ $0 < 0x80 }) else { throw .malformed("a part's header name has a byte outside ASCII") }
                guard colon > 0, colon < line.count, name.allSatisfy(Self.isTokenByte), !line.contains(0x0D) else {
                    throw .malformed("a part's header line is not `Name: value`")
                }
                var valueStart = colon + 1
                var valueEnd = line.count
                while valueStart < valueEnd, line[valueStart] == 0x20 || line[valueStart] == 0x09 { valueStart += 1 }
                // MultipartKit keeps trailing blanks in the value; PartCollector.parameters drops them either way.
                while valueEnd > valueStart, line[valueEnd - 1] == 0x20 || line[valueEnd - 1] == 0x09 { valueEnd -= 1 }
                count += 1
                headerBytes += name.count + (valueEnd - valueStart)
                guard count <= PartCollector.maximumHeadersPerPart, headerBytes <= PartCollector.maximumHeaderBytesPerPart else {
                    throw .malformed(
                        "a part has more than \(PartCollector.maximumHeadersPerPart) headers or \(PartCollector.maximumHeaderBytesPerPart) bytes of headers")
                }
                if disposition == nil, Self.equalsIgnoringCase(name, "content-disposition") {
                    disposition = String(decoding: UnsafeRawBufferPointer(rebasing: line[valueStart..<valueEnd]), as: UTF8.self)
                }
            }
        }

        /// The streaming path's rules (PartCollector.complete): the first non-empty part of each name counts.
        private mutating func take(_ content: UnsafeRawBufferPointer, disposition: String?) throws(UploadError) {
            guard let disposition else { throw .malformed("a part has no Content-Disposition header") }
            let parameters = PartCollector.parameters(disposition)
            switch parameters["name"] ?? "" {
            case "signature" where upload.signature == nil:
                if let base = content.baseAddress, !content.isEmpty { upload.signature = Data(bytes: base, count: content.count) }
            case "signatureText" where signatureText == nil:
                let text = String(decoding: content, as: UTF8.self)
                if !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { signatureText = text }
            case "metadata" where upload.metadata == nil:
                // The vault API's document description (JSON): small, bounded as the streaming path bounds it.
                guard content.count <= VerificationUpload.metadataLimit else { throw .malformed(VerificationUpload.metadataTooLarge) }
                if let base = content.baseAddress, !content.isEmpty { upload.metadata = Data(bytes: base, count: content.count) }
            case "document" where upload.document == nil:
                if let base = content.baseAddress, !content.isEmpty {
                    upload.setDocument(.bytes(Data(bytes: base, count: content.count)), spool: nil)
                    upload.documentFileName = parameters["filename"].flatMap { $0.isEmpty ? nil : $0 }
                }
            default:
                break
            }
        }

        private func hasPrefix<C: Collection<UInt8>>(_ prefix: C, at position: Int) -> Bool {
            guard position >= 0, bytes.count - position >= prefix.count else { return false }
            return zip(bytes[position...], prefix).allSatisfy { $0 == $1 }
        }

        /// The offset of the first `needle` at or after `start`: `memchr` to each candidate first byte, `memcmp` there
        /// (a delimiter starts with CR, rare in a DER signature or a text document).
        private func find(_ needle: [UInt8], from start: Int) -> Int? {
            guard let base = bytes.baseAddress, !needle.isEmpty else { return nil }
            return needle.withUnsafeBytes { needleBytes -> Int? in
                var offset = start
                while offset >= 0, bytes.count - offset >= needle.count {
                    guard let hit = memchr(base + offset, Int32(needle[0]), bytes.count - offset - needle.count + 1) else { return nil }
                    let index = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + index, needleBytes.baseAddress!, needle.count) == 0 { return index }
                    offset = index + 1
                }
                return nil
            }
        }

        /// RFC 2045 § 5.1 token: US-ASCII without controls, space and tspecials (MultipartKit's header-name table).
        private static func isTokenByte(_ byte: UInt8) -> Bool {
            byte > 0x20 && byte < 0x7F && !#"()<>@,;:\"/[]?={}"#.utf8.contains(byte)
        }

        private static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
            guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
            return lowercase.withUTF8Buffer { expected in
                zip(bytes, expected).allSatisfy { byte, lower in byte == lower || (lower >= 0x61 && lower <= 0x7A && byte == lower - 0x20) }
            }
        }
    }
}
