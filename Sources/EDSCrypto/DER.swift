import Foundation

/// TLV-level access to bytes already inside a parsed structure (attribute values, SignedData fields), and the DER
/// writer. Reading goes through `ASN1Scanner`: iterative and bounded by `ASN1Limits.cms`, so no input can recurse;
/// whole inputs are parsed by `ASN1Input` / `SignedDataStructure`, which check that they are exactly one object.
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

    struct ParseError: Error {
        /// What the reader found, when it was the scanner that refused the bytes.
        var underlying: ASN1ParseError?
    }

    /// The TLV that starts at `offset` (BER: an indefinite length is followed to its end-of-contents iteratively).
    static func node(in bytes: [UInt8], at offset: Int) throws -> Node {
        guard offset >= 0, offset < bytes.count else { throw ParseError() }
        return try bytes.withUnsafeBufferPointer { buffer in
            do throws(ASN1ParseError) {
                let header = try ASN1Scanner.readHeader(buffer, at: offset, bound: buffer.count, rules: .ber)
                guard header.firstOctet & 0x1f != 0x1f else { throw ASN1ParseError(.invalidTag, at: offset) }
                let contentStart = offset + header.headerLength
                if let length = header.contentLength {
                    return Node(tag: header.firstOctet, range: offset..<(contentStart + length), contentRange: contentStart..<(contentStart + length))
                }
                let scan = try ASN1Scanner.scan(buffer, from: offset, rules: .ber, limits: .cms)
                let end = offset + scan.objectLength
                return Node(tag: header.firstOctet, range: offset..<end, contentRange: contentStart..<(end - 2))
            } catch {
                throw ParseError(underlying: error)
            }
        }
    }

    /// The children of a constructed node.
    static func children(of parent: Node, in bytes: [UInt8]) throws -> [Node] {
        guard parent.isConstructed else { throw ParseError() }
        var result: [Node] = []
        var position = parent.contentRange.lowerBound
        while position < parent.contentRange.upperBound {
            let child = try node(in: bytes, at: position)
            guard child.range.upperBound <= parent.contentRange.upperBound else { throw ParseError() }
            result.append(child)
            position = child.range.upperBound
        }
        return result
    }

    /// The DER TLV of a dotted OID (X.690 § 8.19).
    static func objectIdentifier(_ dotted: String) throws -> [UInt8] {
        let arcs = dotted.split(separator: ".").map { UInt64($0) }
        guard arcs.count >= 2, let first = arcs[0], let second = arcs[1], first <= 2, first == 2 || second < 40,
            second <= UInt64.max - 80, arcs.allSatisfy({ $0 != nil })
        else { throw CryptoError(.malformedInput, "not an object identifier: \(dotted)") }
        var contents: [UInt8] = []
        for arc in [first * 40 + second] + arcs.dropFirst(2).compactMap({ $0 }) {
            var groups: [UInt8] = [UInt8(arc & 0x7f)]
            var rest = arc >> 7
            while rest > 0 {
                groups.insert(UInt8(rest & 0x7f) | 0x80, at: 0)
                rest >>= 7
            }
            contents += groups
        }
        return encode(tag: 0x06, contents: contents)
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

/// Byte-level view of a ContentInfo holding SignedData (RFC 5652 § 3, § 5.1), over the one parse
/// (`SignedDataStructure`): what CMSCombiner, `sign --add-to` and `extend` rewrite while keeping every other byte.
struct SignedDataLayout {
    let structure: SignedDataStructure
    var bytes: [UInt8] { structure.bytes }
    let contentInfo: DER.Node
    let signedData: DER.Node
    let signedDataFields: [DER.Node]
    /// The SET OF SignerInfo is always SignedData's last field.
    var signerInfoSet: DER.Node { signedDataFields[signedDataFields.count - 1] }

    /// Exactly one ContentInfo; trailing bytes are refused.
    init(_ data: Data) throws {
        let structure: SignedDataStructure
        do {
            structure = try SignedDataStructure(data.byteArray)
        } catch {
            throw DER.ParseError(underlying: error)
        }
        self.init(structure: structure)
    }

    init(structure: SignedDataStructure) {
        self.structure = structure
        // The parse has read these elements already.
        func node(_ element: BERElement) -> DER.Node {
            DER.Node(tag: element.tagOctet, range: element.range, contentRange: element.contentRange)
        }
        contentInfo = node(structure.contentInfo)
        signedData = node(structure.signedData)
        signedDataFields = structure.fields.map(node)
    }

    /// Each SignerInfo exactly as encoded, in order.
    func signerInfos() throws -> [[UInt8]] {
        structure.signerInfoEncodings.map { Array($0) }
    }

    /// The signed attributes of SignerInfo `index` as received, re-tagged as SET OF (RFC 5652 § 5.4:
    /// the signature covers the DER of the attributes with an EXPLICIT SET OF tag, not the [0] tag).
    func signedAttributesForVerification(signerIndex index: Int) throws -> [UInt8]? {
        guard structure.signerInfos.indices.contains(index) else { return nil }
        return structure.signerInfos[index].signedAttributesForVerification
    }

    /// SignedData.certificates [0]: each X.509 certificate's TLV, in order (other CertificateChoices are skipped),
    /// or nil when the SignedData has no certificates field.
    func certificateEncodings() throws -> [Data]? {
        guard signedDataFields.contains(where: { $0.tag == 0xa0 }) else { return nil }
        return structure.certificateRanges.map { Data(bytes[$0]) }
    }

    /// The same ContentInfo without SignedData.certificates. Nothing a SignerInfo signs is touched: signatures
    /// cover the signed attributes or the content, never the certificates (RFC 5652 § 5.4).
    func removingCertificates() -> Data {
        var signedDataContents: [UInt8] = []
        for field in signedDataFields where field.tag != 0xa0 { signedDataContents += bytes[field.range] }
        return wrappingSignedData(signedDataContents)
    }

    /// ContentInfo { contentType, [0] EXPLICIT SignedData } around new SignedData contents, in definite-length DER.
    private func wrappingSignedData(_ signedDataContents: [UInt8]) -> Data {
        let newSignedData = DER.encode(tag: 0x30, contents: signedDataContents)
        let newExplicit = DER.encode(tag: 0xa0, contents: newSignedData)
        let contentType = Array(bytes[structure.contentTypeRange])
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
