import Foundation
internal import SwiftASN1

/// An AlgorithmIdentifier as received (RFC 5280 § 4.1.1.2): its OID and the exact parameter bytes, if any.
struct AlgorithmIdentifierEncoding: Hashable, Sendable {
    let oid: String
    /// The parameters' TLV (absent, NULL, or a structure such as RSASSA-PSS-params).
    let parameters: [UInt8]?
}

/// SignerIdentifier (RFC 5652 § 5.3) as received: what the signer certificate is matched against.
enum SignerIdentifierEncoding: Hashable, Sendable {
    /// IssuerAndSerialNumber: the issuer Name's TLV and the serial INTEGER's TLV.
    case issuerAndSerialNumber(issuer: [UInt8], serialNumber: [UInt8])
    /// subjectKeyIdentifier [0] SubjectKeyIdentifier: the key identifier octets.
    case subjectKeyIdentifier([UInt8])
}

/// One SignerInfo (RFC 5652 § 5.3) from the one parse: every field the validation reads and the exact bytes it
/// verifies the signature over.
struct SignerInfoStructure: Sendable {
    /// The whole SignerInfo TLV, as received (kept byte-identical when signers are added).
    let encodedRange: Range<Int>
    let identifier: SignerIdentifierEncoding
    let digestAlgorithm: AlgorithmIdentifierEncoding
    let signedAttributes: [CMSAttribute]
    /// signedAttrs as received with the [0] IMPLICIT tag replaced by SET OF (RFC 5652 § 5.4); nil without them.
    let signedAttributesForVerification: [UInt8]?
    let signatureAlgorithm: AlgorithmIdentifierEncoding
    let signature: Data
    let unsignedAttributes: [CMSAttribute]
    /// Violations that leave the SignerInfo readable but the signature malformed (duplicated or multi-valued
    /// attributes, signed attributes not in DER): the validator reports each as FORMAT_FAILURE.
    let formatProblems: [CMSFormatProblem]
}

/// ContentInfo with SignedData (RFC 5652 § 3, § 5.1), decoded once from one `ParsedASN1`.
///
///     ContentInfo ::= SEQUENCE { contentType ContentType, content [0] EXPLICIT ANY DEFINED BY contentType }
///     SignedData ::= SEQUENCE { version CMSVersion, digestAlgorithms DigestAlgorithmIdentifiers,
///       encapContentInfo EncapsulatedContentInfo, certificates [0] IMPLICIT CertificateSet OPTIONAL,
///       crls [1] IMPLICIT RevocationInfoChoices OPTIONAL, signerInfos SignerInfos }
struct SignedDataStructure: Sendable {
    let bytes: [UInt8]
    let trailingByteCount: Int
    let contentInfoRange: Range<Int>
    let contentTypeRange: Range<Int>
    /// The SignedData SEQUENCE and each of its fields, in order (the last is the SignerInfo set).
    let signedDataRange: Range<Int>
    let fieldRanges: [Range<Int>]
    let eContentType: String
    let eContent: Data?
    /// Each X.509 certificate in `certificates` (other CertificateChoices are skipped), exact bytes.
    let certificateRanges: [Range<Int>]
    /// Each CertificateList in `crls` (other RevocationInfoChoices are skipped), exact bytes.
    let crlRanges: [Range<Int>]
    let signerInfos: [SignerInfoStructure]

    static let signedDataOID = "1.2.840.113549.1.7.2"

    /// `allowingTrailingData`: count bytes after the ContentInfo instead of refusing them, so the validator can
    /// report them (a signature file must be exactly one object).
    ///
    /// `checkingCertificates: false` leaves the DER check of each certificate to the caller (`notDER(_:)`), which
    /// skips it for bytes it has already checked.
    init(
        _ bytes: [UInt8], limits: ASN1Limits = .cms, allowingTrailingData: Bool = false, checkingCertificates: Bool = true
    ) throws(ASN1ParseError) {
        // swift-asn1 builds a node for every TLV it is given. Certificates, CRLs and attribute values are
        // read elsewhere from their exact bytes (by OpenSSL, or by their own parse), so it is given a copy in which
        // they are opaque (issue 11: they were most of a validation's parsing). `opaque` holds where they start;
        // every byte read below comes from `bytes` itself.
        let (shadow, opaque) = Self.opaqueCopy(bytes)
        let parsed = try ASN1Input.parse(shadow ?? bytes, rules: .ber, limits: limits, allowingTrailingData: allowingTrailingData)
        self.bytes = bytes
        trailingByteCount = parsed.trailingByteCount
        let contentInfo = parsed.root
        contentInfoRange = contentInfo.range
        let contentInfoFields = try contentInfo.fields(tag: 0x30, "the ContentInfo is not a SEQUENCE")
        guard contentInfoFields.count == 2 else { throw contentInfo.problem("the ContentInfo does not have exactly two fields") }
        let contentType = try contentInfoFields[0].objectIdentifier("the ContentInfo's contentType")
        guard contentType == Self.signedDataOID else {
            throw contentInfoFields[0].problem("the CMS is not SignedData (content type \(contentType))")
        }
        contentTypeRange = contentInfoFields[0].range
        let explicit = try contentInfoFields[1].fields(tag: 0xa0, "the ContentInfo's content is not [0] EXPLICIT")
        guard explicit.count == 1 else { throw contentInfoFields[1].problem("the ContentInfo's [0] does not hold exactly one SignedData") }
        let signedData = explicit[0]
        signedDataRange = signedData.range
        let fields = try signedData.fields(tag: 0x30, "SignedData is not a SEQUENCE")
        guard fields.count >= 4, fields.count <= 6 else { throw signedData.problem("SignedData has \(fields.count) fields, not 4 to 6") }
        fieldRanges = fields.map(\.range)
        _ = try fields[0].integerValue("SignedData's version")
        _ = try fields[1].fields(tag: 0x31, "SignedData's digestAlgorithms is not a SET")
        let encapsulated = try fields[2].fields(tag: 0x30, "SignedData's encapContentInfo is not a SEQUENCE")
        guard encapsulated.count == 1 || encapsulated.count == 2 else {
            throw fields[2].problem("the encapContentInfo does not have one or two fields")
        }
        eContentType = try encapsulated[0].objectIdentifier("the eContentType")
        if encapsulated.count == 2 {
            let wrapped = try encapsulated[1].fields(tag: 0xa0, "the eContent is not [0] EXPLICIT")
            guard wrapped.count == 1 else { throw encapsulated[1].problem("the eContent [0] does not hold exactly one OCTET STRING") }
            eContent = Data(try wrapped[0].octetStringContents("the eContent"))
        } else {
            eContent = nil
        }
        var certificates: [Range<Int>] = []
        var crls: [Range<Int>] = []
        var sawCertificates = false
        var sawCRLs = false
        for field in fields[3..<(fields.count - 1)] {
            switch field.tagOctet {
            case 0xa0 where !sawCertificates && !sawCRLs:
                sawCertificates = true
                for choice in try field.fields(tag: 0xa0, "certificates") where choice.tagOctet == 0x30 || opaque.contains(choice.range.lowerBound) {
                    // X.509 is DER (RFC 5280 § 4.1): its signature covers the TBSCertificate's DER.
                    if checkingCertificates, !ASN1Input.isDER(bytes[choice.range], limits: .certificate) { throw Self.notDER(choice.range) }
                    certificates.append(choice.range)
                }
            case 0xa1 where !sawCRLs:
                sawCRLs = true
                for choice in try field.fields(tag: 0xa1, "crls") where choice.tagOctet == 0x30 || opaque.contains(choice.range.lowerBound) {
                    guard ASN1Input.isDER(bytes[choice.range], limits: .crl) else {
                        throw choice.problem("a CRL in SignedData.crls is not DER")
                    }
                    crls.append(choice.range)
                }
            default:
                throw field.problem("unexpected SignedData field (tag 0x\(String(field.tagOctet, radix: 16)))")
            }
        }
        certificateRanges = certificates
        crlRanges = crls
        let signerSet = fields[fields.count - 1]
        signerInfos = try signerSet.fields(tag: 0x31, "SignedData's signerInfos is not a SET").map { node throws(ASN1ParseError) in
            try Self.signerInfo(node, bytes: bytes, opaque: opaque)
        }
    }

    /// The finding for a certificate at `range` that is not DER.
    static func notDER(_ range: Range<Int>) -> ASN1ParseError {
        ASN1ParseError(.structure("a certificate in SignedData.certificates is not DER"), at: range.lowerBound)
    }

    /// A copy of `bytes` in which each certificate and CRL in SignedData, and each attribute value, has the
    /// identifier octet of a primitive OCTET STRING (same length, same position), with where they start; nil when
    /// there is nothing to hide. Only definite-length constructed TLVs are hidden. Anything unexpected leaves the
    /// bytes as they are, for the ordinary parse to judge.
    private static func opaqueCopy(_ bytes: [UInt8]) -> (shadow: [UInt8]?, opaque: Set<Int>) {
        var starts: [Int] = []
        func hide(_ node: DER.Node) {
            // 0x30/0x31/0xa0...: constructed; the length form must be definite (BER indefinite ends in 00 00).
            if node.isConstructed, bytes.count > node.range.lowerBound + 1, bytes[node.range.lowerBound + 1] != 0x80 {
                starts.append(node.range.lowerBound)
            }
        }
        guard let contentInfo = try? DER.node(in: bytes, at: 0), contentInfo.tag == 0x30,
            let outer = try? DER.children(of: contentInfo, in: bytes), outer.count == 2, outer[1].tag == 0xa0,
            let explicit = try? DER.children(of: outer[1], in: bytes), explicit.count == 1, explicit[0].tag == 0x30,
            let fields = try? DER.children(of: explicit[0], in: bytes), fields.count >= 4
        else { return (nil, []) }
        for field in fields.dropFirst(3).dropLast() where field.tag == 0xa0 || field.tag == 0xa1 {
            for choice in (try? DER.children(of: field, in: bytes)) ?? [] where choice.tag == 0x30 { hide(choice) }
        }
        if let signerSet = fields.last, signerSet.tag == 0x31 {
            for signer in (try? DER.children(of: signerSet, in: bytes)) ?? [] {
                guard signer.tag == 0x30, let signerFields = try? DER.children(of: signer, in: bytes), signerFields.count >= 5 else { continue }
                // The issuer Name of an issuerAndSerialNumber sid: matched by its bytes, decoded by OpenSSL if at all.
                if signerFields[1].tag == 0x30, let name = (try? DER.children(of: signerFields[1], in: bytes))?.first, name.tag == 0x30 {
                    hide(name)
                }
                // signedAttrs [0] is the fourth field when present; unsignedAttrs [1] the last.
                var attributeSets = signerFields[3].tag == 0xa0 ? [signerFields[3]] : []
                if signerFields.count >= 6, let unsigned = signerFields.last, unsigned.tag == 0xa1 { attributeSets.append(unsigned) }
                for attributeSet in attributeSets {
                    for attribute in (try? DER.children(of: attributeSet, in: bytes)) ?? [] {
                        guard attribute.tag == 0x30, let parts = try? DER.children(of: attribute, in: bytes), parts.count == 2, parts[1].tag == 0x31
                        else { continue }
                        for value in (try? DER.children(of: parts[1], in: bytes)) ?? [] { hide(value) }
                    }
                }
            }
        }
        guard !starts.isEmpty else { return (nil, []) }
        var shadow = bytes
        for start in starts { shadow[start] = 0x04 }
        return (shadow, Set(starts))
    }

    ///     SignerInfo ::= SEQUENCE { version CMSVersion, sid SignerIdentifier, digestAlgorithm DigestAlgorithmIdentifier,
    ///       signedAttrs [0] IMPLICIT SignedAttributes OPTIONAL, signatureAlgorithm SignatureAlgorithmIdentifier,
    ///       signature SignatureValue, unsignedAttrs [1] IMPLICIT UnsignedAttributes OPTIONAL }
    private static func signerInfo(_ node: ASN1Node, bytes: [UInt8], opaque: Set<Int>) throws(ASN1ParseError) -> SignerInfoStructure {
        let fields = try node.fields(tag: 0x30, "a SignerInfo is not a SEQUENCE")
        guard fields.count >= 5, fields.count <= 7 else { throw node.problem("a SignerInfo has \(fields.count) fields, not 5 to 7") }
        _ = try fields[0].integerValue("the SignerInfo's version")
        let identifier: SignerIdentifierEncoding
        switch fields[1].tagOctet {
        case 0x30:
            let parts = try fields[1].fields(tag: 0x30, "issuerAndSerialNumber")
            // The issuer Name may be opaque in the parsed copy (see `opaqueCopy`): its bytes come from `bytes`.
            guard parts.count == 2, parts[0].tagOctet == 0x30 || opaque.contains(parts[0].range.lowerBound), parts[1].tagOctet == 0x02 else {
                throw fields[1].problem("the SignerInfo's issuerAndSerialNumber is malformed")
            }
            identifier = .issuerAndSerialNumber(issuer: Array(bytes[parts[0].range]), serialNumber: Array(parts[1].encodedBytes))
        case 0x80, 0xa0:
            identifier = .subjectKeyIdentifier(try fields[1].octetStringContents("the SignerInfo's subjectKeyIdentifier", tag: 0x80))
        default:
            throw fields[1].problem("the SignerInfo's sid is neither issuerAndSerialNumber nor subjectKeyIdentifier")
        }
        let digestAlgorithm = try fields[2].algorithmIdentifier("the SignerInfo's digestAlgorithm")
        var position = 3
        var problems: [CMSFormatProblem] = []
        var signedAttributes: [CMSAttribute] = []
        var signedBytes: [UInt8]?
        if fields[position].tagOctet == 0xa0 {
            let signedField = fields[position]
            signedAttributes = try attributes(signedField, signed: true, bytes: bytes, problems: &problems)
            if signedAttributes.isEmpty { problems.append(.emptySignedAttributes) }
            // RFC 5652 § 5.4: the signature covers the DER of the SET OF; a signer that sent BER signed other bytes.
            // From the bytes as received: the attribute values are opaque in the parsed copy (see `opaqueCopy`).
            if !ASN1Input.isDER(bytes[signedField.range], limits: .cms) {
                problems.append(.signedAttributesNotDER)
            }
            var raw = Array(bytes[signedField.range])
            raw[0] = 0x31
            signedBytes = raw
            position += 1
        }
        guard position + 1 < fields.count else { throw node.problem("a SignerInfo ends before its signature") }
        let signatureAlgorithm = try fields[position].algorithmIdentifier("the SignerInfo's signatureAlgorithm")
        let signature = try fields[position + 1].octetStringContents("the SignerInfo's signature")
        position += 2
        var unsignedAttributes: [CMSAttribute] = []
        if position < fields.count {
            guard fields[position].tagOctet == 0xa1 else { throw fields[position].problem("unexpected SignerInfo field after the signature") }
            unsignedAttributes = try attributes(fields[position], signed: false, bytes: bytes, problems: &problems)
            position += 1
        }
        guard position == fields.count else { throw node.problem("a SignerInfo has fields after its unsigned attributes") }
        return SignerInfoStructure(
            encodedRange: node.range, identifier: identifier, digestAlgorithm: digestAlgorithm, signedAttributes: signedAttributes,
            signedAttributesForVerification: signedBytes, signatureAlgorithm: signatureAlgorithm, signature: Data(signature),
            unsignedAttributes: unsignedAttributes, formatProblems: problems)
    }

    /// Attributes that must carry exactly one value (RFC 5652 § 11.1-11.3, RFC 2634 § 5.4, RFC 5035 § 3).
    static let singleValuedAttributes: [String] = [
        CMSAttribute.OID.contentType, CMSAttribute.OID.messageDigest, CMSAttribute.OID.signingTime,
        CMSAttribute.OID.signingCertificate, CMSAttribute.OID.signingCertificateV2,
    ]

    ///     Attribute ::= SEQUENCE { attrType OBJECT IDENTIFIER, attrValues SET OF AttributeValue }
    private static func attributes(
        _ field: ASN1Node, signed: Bool, bytes: [UInt8], problems: inout [CMSFormatProblem]
    ) throws(ASN1ParseError) -> [CMSAttribute] {
        var result: [CMSAttribute] = []
        for attributeNode in try field.fields(tag: field.tagOctet, "attributes") {
            let parts = try attributeNode.fields(tag: 0x30, "an attribute is not a SEQUENCE")
            guard parts.count == 2 else { throw attributeNode.problem("an attribute does not have exactly a type and a value set") }
            let oid = try parts[0].objectIdentifier("an attribute type")
            // From the bytes as received: a value may be opaque in the parsed copy (see `opaqueCopy`).
            let values = try parts[1].fields(tag: 0x31, "an attribute's values are not a SET").map { Data(bytes[$0.range]) }
            result.append(CMSAttribute(oid: oid, values: values))
            if singleValuedAttributes.contains(oid), values.count != 1 {
                problems.append(.attributeValueCount(attribute: CMSFormatProblem.attributeName(oid), count: values.count))
            }
        }
        // RFC 5652 § 11: "MUST NOT include multiple instances"; a second instance of any signed attribute leaves
        // which one counts ambiguous. Unsigned attributes may repeat (several timestamps, countersignatures).
        // A handful of attributes: sorting their types finds repeats without hashing each one.
        if signed {
            let types = result.map(\.oid).sorted()
            var start = 0
            while start < types.count {
                var end = start + 1
                while end < types.count && types[end] == types[start] { end += 1 }
                if end - start > 1 {
                    problems.append(.repeatedSignedAttribute(attribute: CMSFormatProblem.attributeName(types[start]), count: end - start))
                }
                start = end
            }
        }
        return result
    }

    /// Each SignerInfo's exact bytes, in order.
    var signerInfoEncodings: [ArraySlice<UInt8>] { signerInfos.map { bytes[$0.encodedRange] } }
}

// MARK: - Reading swift-asn1 nodes

extension ASN1Node {
    var range: Range<Int> { encodedBytes.startIndex..<encodedBytes.endIndex }

    /// The first identifier octet (class, constructed bit, tag number below 31): all CMS needs.
    var tagOctet: UInt8 { encodedBytes.first ?? 0 }

    func problem(_ what: String) -> ASN1ParseError { ASN1ParseError(.structure(what), at: encodedBytes.startIndex) }

    /// The children of a constructed node with first identifier octet `tag`.
    func fields(tag: UInt8, _ what: String) throws(ASN1ParseError) -> [ASN1Node] {
        guard tagOctet == tag, case .constructed(let children) = content else { throw problem(what) }
        return Array(children)
    }

    func objectIdentifier(_ what: String) throws(ASN1ParseError) -> String {
        // The few OIDs every signature carries, found by their exact (valid, minimal) content octets without decoding
        // and formatting their arcs again each time (a visible share of a validation); anything else is decoded and
        // formatted by swift-asn1.
        if tagOctet == 0x06, case .primitive(let content) = self.content, let known = KnownObjectIdentifiers.name(of: content) { return known }
        guard tagOctet == 0x06, let oid = try? ASN1ObjectIdentifier(derEncoded: self) else {
            throw problem("\(what) is not an OBJECT IDENTIFIER")
        }
        return oid.description
    }

    func integerValue(_ what: String) throws(ASN1ParseError) -> Int {
        guard tagOctet == 0x02, let value = try? Int(derEncoded: self) else { throw problem("\(what) is not a small INTEGER") }
        return value
    }

    /// OCTET STRING contents, primitive or (BER, X.690 § 8.7.3) constructed from nested chunks; `tag` is the
    /// primitive identifier octet (0x04, or 0x80 for an IMPLICIT [0]).
    func octetStringContents(_ what: String, tag: UInt8 = 0x04) throws(ASN1ParseError) -> [UInt8] {
        guard tagOctet & 0xdf == tag else { throw problem("\(what) is not an OCTET STRING") }
        switch content {
        case .primitive(let bytes):
            return Array(bytes)
        case .constructed(let children):
            // Chunks are primitive OCTET STRINGs, or constructed ones again (the depth is bounded by the scan).
            var out: [UInt8] = []
            for child in children {
                out += try child.octetStringContents("a chunk of \(what)")
            }
            return out
        }
    }

    ///     AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY DEFINED BY algorithm OPTIONAL }
    func algorithmIdentifier(_ what: String) throws(ASN1ParseError) -> AlgorithmIdentifierEncoding {
        let parts = try fields(tag: 0x30, "\(what) is not an AlgorithmIdentifier")
        guard parts.count == 1 || parts.count == 2 else { throw problem("\(what) is not an AlgorithmIdentifier") }
        let oid = try parts[0].objectIdentifier(what)
        return AlgorithmIdentifierEncoding(oid: oid, parameters: parts.count == 2 ? Array(parts[1].encodedBytes) : nil)
    }
}

/// The dotted form of the OIDs CMS signatures are made of, found by their content octets (X.690 § 8.19).
enum KnownObjectIdentifiers {
    static let table: [(content: [UInt8], dotted: String)] = [
        CMSAttribute.OID.signedData, CMSAttribute.OID.data, CMSAttribute.OID.tstInfo, CMSAttribute.OID.contentType,
        CMSAttribute.OID.messageDigest, CMSAttribute.OID.signingTime, CMSAttribute.OID.signingCertificate,
        CMSAttribute.OID.signingCertificateV2, CMSAttribute.OID.signatureTimeStampToken, CMSAttribute.OID.certValues,
        CMSAttribute.OID.revocationValues,
        "2.16.840.1.101.3.4.2.1", "2.16.840.1.101.3.4.2.2", "2.16.840.1.101.3.4.2.3",  // SHA-256, -384, -512
        "1.2.840.113549.1.1.1", "1.2.840.113549.1.1.11", "1.2.840.113549.1.1.12", "1.2.840.113549.1.1.13",  // RSA
        "1.2.840.113549.1.1.10",  // RSASSA-PSS
        "1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3", "1.2.840.10045.4.3.4",  // ECDSA with SHA-2
        "1.2.398.3.10.1.1.2.3.1", "1.2.398.3.10.1.1.2.3.2", "1.2.398.3.10.1.1.1.2",  // Kazakh GOST signatures
        "1.2.398.3.10.1.3.2", "1.2.398.3.10.1.3.3", "1.2.398.3.10.1.3.1.1.0",  // Kazakh GOST digests
    ].map { (content(of: $0), $0) }

    /// The content octets of a dotted OID (X.690 § 8.19): the TLV less its two header octets (every OID here is short).
    static func content(of dotted: String) -> [UInt8] { Array((try? DER.objectIdentifier(dotted))?.dropFirst(2) ?? []) }

    static func name(of content: ArraySlice<UInt8>) -> String? {
        for entry in table where entry.content.count == content.count && entry.content.elementsEqual(content) {
            return entry.dotted
        }
        return nil
    }
}
