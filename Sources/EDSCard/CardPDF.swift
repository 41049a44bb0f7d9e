internal import CCardPDF
import Foundation

/// The qpdf side of the card (CCardPDF): embedded files, a PDF original's pages, reading a card back.
enum CardPDF {
    struct Attachment {
        /// The name-tree key; keys sort in attachment order.
        var key: String
        var fileName: String
        var asciiName: String
        var description: String
        var mimeType: String
        var bytes: Data
    }

    struct ReadAttachment: Sendable {
        var key: String
        var fileName: String
        var description: String
        var bytes: Data
    }

    struct Contents: Sendable {
        var attachments: [ReadAttachment]
        var manifest: String?
        var pageCount: Int
    }

    /// Pages of a PDF; throws when qpdf cannot open it (damaged, encrypted).
    static func pageCount(_ pdf: Data) throws -> Int {
        var error: UnsafeMutablePointer<CChar>?
        let count = pdf.withUnsafeBytes { raw in
            ccard_page_count(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, &error)
        }
        guard count >= 0 else { throw CardError(.invalidInput, "the PDF original cannot be read: \(take(error))") }
        return count
    }

    /// `pages` (libharu's), with the original's pages after page `insertAfter` under page `watermarkPage`'s drawing,
    /// the attachments embedded in order, and the title and manifest in /Info.
    static func assemble(
        pages: Data, original: Data?, insertAfter: Int, watermarkPage: Int, attachments: [Attachment], title: String, manifest: String
    ) throws -> Data {
        // Every C string and buffer must live until ccard_assemble returns.
        let strings = attachments.map { [$0.key, $0.fileName, $0.asciiName, $0.description, $0.mimeType].map { (text: String) -> UnsafeMutablePointer<CChar> in strdup(text)! } }
        defer { strings.joined().forEach { free($0) } }
        let buffers = attachments.map { attachment -> UnsafeMutableBufferPointer<UInt8> in
            let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(attachment.bytes.count, 1))
            _ = buffer.initialize(from: attachment.bytes)
            return buffer
        }
        defer { buffers.forEach { $0.deallocate() } }
        let described = zip(attachments.indices, zip(strings, buffers)).map { index, pair in
            ccard_attachment(
                key: pair.0[0], file_name: pair.0[1], ascii_name: pair.0[2], description: pair.0[3], mime_type: pair.0[4],
                bytes: UnsafePointer(pair.1.baseAddress), length: attachments[index].bytes.count)
        }
        var out: UnsafeMutablePointer<UInt8>?
        var outLength = 0
        var error: UnsafeMutablePointer<CChar>?
        let status = pages.withUnsafeBytes { pagesRaw in
            (original ?? Data()).withUnsafeBytes { originalRaw in
                described.withUnsafeBufferPointer { list in
                    ccard_assemble(
                        pagesRaw.bindMemory(to: UInt8.self).baseAddress, pagesRaw.count,
                        original == nil ? nil : originalRaw.bindMemory(to: UInt8.self).baseAddress, originalRaw.count,
                        insertAfter, watermarkPage, list.baseAddress, list.count, title, manifest, &out, &outLength, &error)
                }
            }
        }
        guard status == 0, let out else { throw CardError(.environment, "the card PDF could not be assembled: \(take(error))") }
        defer { ccard_free(out) }
        return Data(bytes: out, count: outLength)
    }

    /// The embedded files in name-tree order and the manifest, with limits: hostile PDFs can claim anything.
    /// `maximumBytes` bounds all attachments together, decoded; `maximumSignatureBytes` each one after the first;
    /// `maximumSeconds` the reading. Two file specifications sharing one stream are refused.
    static func read(
        _ pdf: Data, maximumAttachments: Int, maximumBytes: Int, maximumSignatureBytes: Int = CardVerifier.maximumSignatureBytes,
        maximumSeconds: Double = CardVerifier.maximumSeconds
    ) throws -> Contents {
        var error: UnsafeMutablePointer<CChar>?
        let reader = pdf.withUnsafeBytes { raw in
            ccard_open(
                raw.bindMemory(to: UInt8.self).baseAddress, raw.count, maximumAttachments, maximumBytes, maximumSignatureBytes, maximumSeconds,
                &error)
        }
        guard let reader else { throw CardError(.invalidInput, "not a readable PDF card: \(take(error))") }
        defer { ccard_close(reader) }
        var attachments: [ReadAttachment] = []
        for index in 0..<ccard_attachment_count(reader) {
            var length = 0
            let bytes = ccard_attachment_bytes(reader, index, &length)
            attachments.append(
                ReadAttachment(
                    key: String(cString: ccard_attachment_key(reader, index)),
                    fileName: String(cString: ccard_attachment_name(reader, index)),
                    description: String(cString: ccard_attachment_description(reader, index)),
                    bytes: bytes.map { Data(bytes: $0, count: length) } ?? Data()))
            // Copied: qpdf's copy goes now, so the decoded bytes are held once, not twice.
            ccard_attachment_release(reader, index)
        }
        return Contents(
            attachments: attachments, manifest: ccard_manifest(reader).map { String(cString: $0) },
            pageCount: ccard_reader_page_count(reader))
    }

    private static func take(_ error: UnsafeMutablePointer<CChar>?) -> String {
        guard let error else { return "unknown error" }
        defer { ccard_free(error) }
        return String(cString: error)
    }
}
