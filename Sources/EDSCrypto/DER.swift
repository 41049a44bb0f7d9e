import Foundation

/// A minimal BER/DER reader and DER writer, used only where exact bytes matter: keeping earlier
/// SignerInfos byte-identical when a signer is added, and verifying signed attributes over the
/// bytes as received (RFC 5652 § 5.4) rather than as OpenSSL would re-encode them.
enum DER {
    struct Node {
        /// Identifier octet(s); only single-byte tags are supported (all CMS needs).
        let tag: UInt8
        /// Range of the whole TLV in the source bytes.
        let range: Range<Int>
        /// Range of the contents (without end-of-contents octets for indefinite lengths).
        let contentRange: Range<Int>

        var isConstructed: Bool { tag & 0x20 != 0 }
    }

    struct ParseError: Error {}

    /// The TLV that starts at `offset`.
    static func node(in bytes: [UInt8], at offset: Int) throws -> Node {
        guard offset + 2 <= bytes.count else { throw ParseError() }
        let tag = bytes[offset]
        guard tag & 0x1f != 0x1f else { throw ParseError() }
        var cursor = offset + 1
        let first = bytes[cursor]
        cursor += 1
        if first == 0x80 {
            // Indefinite length: contents run until the matching end-of-contents (00 00).
            guard tag & 0x20 != 0 else { throw ParseError() }
            let start = cursor
            var position = cursor
            while true {
                guard position + 2 <= bytes.count else { throw ParseError() }
                if bytes[position] == 0 && bytes[position + 1] == 0 {
                    return Node(tag: tag, range: offset..<(position + 2), contentRange: start..<position)
                }
                position = try node(in: bytes, at: position).range.upperBound
            }
        }
        var length = 0
        if first & 0x80 == 0 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7f)
            guard count <= 4, cursor + count <= bytes.count else { throw ParseError() }
            for _ in 0..<count {
                length = (length << 8) | Int(bytes[cursor])
                cursor += 1
            }
        }
        guard cursor + length <= bytes.count else { throw ParseError() }
        return Node(tag: tag, range: offset..<(cursor + length), contentRange: cursor..<(cursor + length))
    }

    /// The children of a constructed node.
    static func children(of parent: Node, in bytes: [UInt8]) throws -> [Node] {
        var result: [Node] = []
        var position = parent.contentRange.lowerBound
        while position < parent.contentRange.upperBound {
            let child = try node(in: bytes, at: position)
            result.append(child)
            position = child.range.upperBound
        }
        return result
    }

    /// A DER TLV with a definite length.
    static func encode(tag: UInt8, contents: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [tag]
        let length = contents.count
        if length < 0x80 {
            out.append(UInt8(length))
        } else {
            var lengthBytes: [UInt8] = []
            var remaining = length
            while remaining > 0 {
                lengthBytes.insert(UInt8(remaining & 0xff), at: 0)
                remaining >>= 8
            }
            out.append(0x80 | UInt8(lengthBytes.count))
            out.append(contentsOf: lengthBytes)
        }
        out.append(contentsOf: contents)
        return out
    }
}

/// Byte-level view of a ContentInfo holding SignedData (RFC 5652 § 3, § 5.1).
struct SignedDataLayout {
    let bytes: [UInt8]
    let contentInfo: DER.Node
    let explicitContent: DER.Node
    let signedData: DER.Node
    let signedDataFields: [DER.Node]
    /// The SET OF SignerInfo is always SignedData's last field.
    var signerInfoSet: DER.Node { signedDataFields[signedDataFields.count - 1] }

    init(_ data: Data) throws {
        bytes = [UInt8](data)
        contentInfo = try DER.node(in: bytes, at: 0)
        let contentInfoFields = try DER.children(of: contentInfo, in: bytes)
        guard contentInfoFields.count == 2, contentInfoFields[1].tag == 0xa0 else { throw DER.ParseError() }
        explicitContent = contentInfoFields[1]
        let inner = try DER.children(of: explicitContent, in: bytes)
        guard let first = inner.first, first.tag == 0x30 else { throw DER.ParseError() }
        signedData = first
        signedDataFields = try DER.children(of: signedData, in: bytes)
        guard signedDataFields.count >= 4, signedDataFields.last?.tag == 0x31 else { throw DER.ParseError() }
    }

    /// Each SignerInfo exactly as encoded, in order.
    func signerInfos() throws -> [[UInt8]] {
        try DER.children(of: signerInfoSet, in: bytes).map { Array(bytes[$0.range]) }
    }

    /// The signed attributes of SignerInfo `index` as received, re-tagged as SET OF (RFC 5652 § 5.4:
    /// the signature covers the DER of the attributes with an EXPLICIT SET OF tag, not the [0] tag).
    func signedAttributesForVerification(signerIndex index: Int) throws -> [UInt8]? {
        let signers = try DER.children(of: signerInfoSet, in: bytes)
        guard index < signers.count else { return nil }
        for field in try DER.children(of: signers[index], in: bytes) where field.tag == 0xa0 {
            var raw = Array(bytes[field.range])
            raw[0] = 0x31
            return raw
        }
        return nil
    }

    /// SignedData.certificates [0]: each X.509 certificate's TLV, in order (other CertificateChoices are skipped),
    /// or nil when the SignedData has no certificates field.
    func certificateEncodings() throws -> [Data]? {
        guard let field = signedDataFields.first(where: { $0.tag == 0xa0 }) else { return nil }
        return try DER.children(of: field, in: bytes).filter { $0.tag == 0x30 }.map { Data(bytes[$0.range]) }
    }

    /// The same ContentInfo without SignedData.certificates, so OpenSSL's CMS decoder does not parse them again.
    /// Nothing a SignerInfo signs is touched: signatures cover the signed attributes or the content, never the
    /// certificates (RFC 5652 § 5.4).
    func removingCertificates() -> Data {
        var signedDataContents: [UInt8] = []
        for field in signedDataFields where field.tag != 0xa0 { signedDataContents += bytes[field.range] }
        return wrappingSignedData(signedDataContents)
    }

    /// ContentInfo { contentType, [0] EXPLICIT SignedData } around new SignedData contents, in definite-length DER.
    private func wrappingSignedData(_ signedDataContents: [UInt8]) -> Data {
        let newSignedData = DER.encode(tag: 0x30, contents: signedDataContents)
        let newExplicit = DER.encode(tag: 0xa0, contents: newSignedData)
        let contentTypeField = (try? DER.children(of: contentInfo, in: bytes))?.first
        let contentType = contentTypeField.map { Array(bytes[$0.range]) } ?? []
        return Data(DER.encode(tag: 0x30, contents: contentType + newExplicit))
    }

    /// The same ContentInfo with the SignerInfo set replaced by `signerInfos` (each a complete TLV).
    /// Lengths of every enclosing structure are re-encoded in DER; every other field keeps its bytes.
    func replacingSignerInfos(with signerInfos: [[UInt8]]) -> Data {
        let newSet = DER.encode(tag: 0x31, contents: signerInfos.flatMap { $0 })
        var signedDataContents: [UInt8] = []
        for field in signedDataFields.dropLast() { signedDataContents += bytes[field.range] }
        signedDataContents += newSet
        return wrappingSignedData(signedDataContents)
    }
}
