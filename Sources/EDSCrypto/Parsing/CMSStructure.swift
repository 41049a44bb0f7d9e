import Foundation

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

/// ContentInfo with SignedData (RFC 5652 § 3, § 5.1), read once by offset (`BERWalker`).
///
///     ContentInfo ::= SEQUENCE { contentType ContentType, content [0] EXPLICIT ANY DEFINED BY contentType }
///     SignedData ::= SEQUENCE { version CMSVersion, digestAlgorithms DigestAlgorithmIdentifiers,
///       encapContentInfo EncapsulatedContentInfo, certificates [0] IMPLICIT CertificateSet OPTIONAL,
///       crls [1] IMPLICIT RevocationInfoChoices OPTIONAL, signerInfos SignerInfos }
struct SignedDataStructure: Sendable {
    let bytes: [UInt8]
    let trailingByteCount: Int
    let contentInfo: BERElement
    let contentTypeRange: Range<Int>
    /// The SignedData SEQUENCE and each of its fields, in order (the last is the SignerInfo set).
    let signedData: BERElement
    let fields: [BERElement]
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
        // Read by offset (`BERWalker`): certificates, CRLs, the sid's issuer Name and attribute values are kept as
        // their exact bytes and never walked here; OpenSSL or their own parse reads them.
        let walker = try BERWalker(bytes, rules: .ber, limits: limits, allowingTrailingData: allowingTrailingData)
        self.bytes = bytes
        trailingByteCount = walker.trailingByteCount
        let contentInfo = walker.root
        self.contentInfo = contentInfo
        let contentInfoFields = try walker.fields(of: contentInfo, tag: 0x30, "the ContentInfo is not a SEQUENCE")
        guard contentInfoFields.count == 2 else { throw walker.problem("the ContentInfo does not have exactly two fields", contentInfo) }
        let contentType = try walker.objectIdentifier(contentInfoFields[0], "the ContentInfo's contentType")
        guard contentType == Self.signedDataOID else {
            throw walker.problem("the CMS is not SignedData (content type \(contentType))", contentInfoFields[0])
        }
        contentTypeRange = contentInfoFields[0].range
        let explicit = try walker.fields(of: contentInfoFields[1], tag: 0xa0, "the ContentInfo's content is not [0] EXPLICIT")
        guard explicit.count == 1 else { throw walker.problem("the ContentInfo's [0] does not hold exactly one SignedData", contentInfoFields[1]) }
        let signedData = explicit[0]
        self.signedData = signedData
        let fields = try walker.fields(of: signedData, tag: 0x30, "SignedData is not a SEQUENCE")
        guard fields.count >= 4, fields.count <= 6 else { throw walker.problem("SignedData has \(fields.count) fields, not 4 to 6", signedData) }
        self.fields = fields
        _ = try walker.integerValue(fields[0], "SignedData's version")
        _ = try walker.fields(of: fields[1], tag: 0x31, "SignedData's digestAlgorithms is not a SET")
        let encapsulated = try walker.fields(of: fields[2], tag: 0x30, "SignedData's encapContentInfo is not a SEQUENCE")
        guard encapsulated.count == 1 || encapsulated.count == 2 else {
            throw walker.problem("the encapContentInfo does not have one or two fields", fields[2])
        }
        eContentType = try walker.objectIdentifier(encapsulated[0], "the eContentType")
        if encapsulated.count == 2 {
            let wrapped = try walker.fields(of: encapsulated[1], tag: 0xa0, "the eContent is not [0] EXPLICIT")
            guard wrapped.count == 1 else { throw walker.problem("the eContent [0] does not hold exactly one OCTET STRING", encapsulated[1]) }
            eContent = Data(try walker.octetStringContents(wrapped[0], "the eContent"))
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
                for choice in try walker.fields(of: field, tag: 0xa0, "certificates") where choice.tagOctet == 0x30 {
                    // X.509 is DER (RFC 5280 § 4.1): its signature covers the TBSCertificate's DER.
                    if checkingCertificates, !ASN1Input.isDER(bytes[choice.range], limits: .certificate) { throw Self.notDER(choice.range) }
                    certificates.append(choice.range)
                }
            case 0xa1 where !sawCRLs:
                sawCRLs = true
                for choice in try walker.fields(of: field, tag: 0xa1, "crls") where choice.tagOctet == 0x30 {
                    guard ASN1Input.isDER(bytes[choice.range], limits: .crl) else {
                        throw walker.problem("a CRL in SignedData.crls is not DER", choice)
                    }
                    crls.append(choice.range)
                }
            default:
                throw walker.problem("unexpected SignedData field (tag 0x\(String(field.tagOctet, radix: 16)))", field)
            }
        }
        certificateRanges = certificates
        crlRanges = crls
        let signerSet = fields[fields.count - 1]
        signerInfos = try walker.fields(of: signerSet, tag: 0x31, "SignedData's signerInfos is not a SET").map { element throws(ASN1ParseError) in
            try Self.signerInfo(element, walker: walker)
        }
    }

    /// The finding for a certificate at `range` that is not DER.
    static func notDER(_ range: Range<Int>) -> ASN1ParseError {
        ASN1ParseError(.structure("a certificate in SignedData.certificates is not DER"), at: range.lowerBound)
    }

    ///     SignerInfo ::= SEQUENCE { version CMSVersion, sid SignerIdentifier, digestAlgorithm DigestAlgorithmIdentifier,
    ///       signedAttrs [0] IMPLICIT SignedAttributes OPTIONAL, signatureAlgorithm SignatureAlgorithmIdentifier,
    ///       signature SignatureValue, unsignedAttrs [1] IMPLICIT UnsignedAttributes OPTIONAL }
    private static func signerInfo(_ element: BERElement, walker: BERWalker) throws(ASN1ParseError) -> SignerInfoStructure {
        let bytes = walker.bytes
        let fields = try walker.fields(of: element, tag: 0x30, "a SignerInfo is not a SEQUENCE")
        guard fields.count >= 5, fields.count <= 7 else { throw walker.problem("a SignerInfo has \(fields.count) fields, not 5 to 7", element) }
        _ = try walker.integerValue(fields[0], "the SignerInfo's version")
        let identifier: SignerIdentifierEncoding
        switch fields[1].tagOctet {
        case 0x30:
            let parts = try walker.fields(of: fields[1], tag: 0x30, "issuerAndSerialNumber")
            guard parts.count == 2, parts[0].tagOctet == 0x30, parts[1].tagOctet == 0x02 else {
                throw walker.problem("the SignerInfo's issuerAndSerialNumber is malformed", fields[1])
            }
            identifier = .issuerAndSerialNumber(issuer: Array(bytes[parts[0].range]), serialNumber: Array(bytes[parts[1].range]))
        case 0x80, 0xa0:
            identifier = .subjectKeyIdentifier(try walker.octetStringContents(fields[1], "the SignerInfo's subjectKeyIdentifier", tag: 0x80))
        default:
            throw walker.problem("the SignerInfo's sid is neither issuerAndSerialNumber nor subjectKeyIdentifier", fields[1])
        }
        let digestAlgorithm = try walker.algorithmIdentifier(fields[2], "the SignerInfo's digestAlgorithm")
        var position = 3
        var problems: [CMSFormatProblem] = []
        var signedAttributes: [CMSAttribute] = []
        var signedBytes: [UInt8]?
        if fields[position].tagOctet == 0xa0 {
            let signedField = fields[position]
            signedAttributes = try attributes(signedField, signed: true, walker: walker, problems: &problems)
            if signedAttributes.isEmpty { problems.append(.emptySignedAttributes) }
            // RFC 5652 § 5.4: the signature covers the DER of the SET OF; a signer that sent BER signed other bytes.
            if !ASN1Input.isDER(bytes[signedField.range], limits: .cms) {
                problems.append(.signedAttributesNotDER)
            }
            var raw = Array(bytes[signedField.range])
            raw[0] = 0x31
            signedBytes = raw
            position += 1
        }
        guard position + 1 < fields.count else { throw walker.problem("a SignerInfo ends before its signature", element) }
        let signatureAlgorithm = try walker.algorithmIdentifier(fields[position], "the SignerInfo's signatureAlgorithm")
        let signature = try walker.octetStringContents(fields[position + 1], "the SignerInfo's signature")
        position += 2
        var unsignedAttributes: [CMSAttribute] = []
        if position < fields.count {
            guard fields[position].tagOctet == 0xa1 else {
                throw walker.problem("unexpected SignerInfo field after the signature", fields[position])
            }
            unsignedAttributes = try attributes(fields[position], signed: false, walker: walker, problems: &problems)
            position += 1
        }
        guard position == fields.count else { throw walker.problem("a SignerInfo has fields after its unsigned attributes", element) }
        return SignerInfoStructure(
            encodedRange: element.range, identifier: identifier, digestAlgorithm: digestAlgorithm, signedAttributes: signedAttributes,
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
        _ field: BERElement, signed: Bool, walker: BERWalker, problems: inout [CMSFormatProblem]
    ) throws(ASN1ParseError) -> [CMSAttribute] {
        var result: [CMSAttribute] = []
        for attribute in try walker.fields(of: field, tag: field.tagOctet, "attributes") {
            // Read field by field: an array per attribute and per value set was most of this loop's allocations.
            guard attribute.tagOctet == 0x30, attribute.isConstructed else { throw walker.problem("an attribute is not a SEQUENCE", attribute) }
            guard let type = try walker.child(after: nil, in: attribute), let valueSet = try walker.child(after: type, in: attribute),
                try walker.child(after: valueSet, in: attribute) == nil
            else { throw walker.problem("an attribute does not have exactly a type and a value set", attribute) }
            let oid = try walker.objectIdentifier(type, "an attribute type")
            guard valueSet.tagOctet == 0x31, valueSet.isConstructed else { throw walker.problem("an attribute's values are not a SET", valueSet) }
            var values: [Data] = []
            var value = try walker.child(after: nil, in: valueSet)
            while let element = value {
                values.append(Data(walker.bytes[element.range]))
                value = try walker.child(after: element, in: valueSet)
            }
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
