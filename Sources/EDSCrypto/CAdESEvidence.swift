import Foundation

/// CAdES long-term evidence attributes (ETSI EN 319 122-1 § 5.5): certValues and revocationValues.
public enum CAdESEvidence {
    /// CertificateValues ::= SEQUENCE OF Certificate
    public static func certificates(fromCertValues tlv: Data) -> [Certificate] {
        certificates(fromCertValues: tlv, reusing: [])
    }

    /// certValues usually repeat SignedData.certificates (the signer and its CAs): a certificate byte-identical to one
    /// in `known` is that same object, not a second parse; the rest come through `Certificate.cached`.
    public static func certificates(fromCertValues tlv: Data, reusing known: [Certificate]) -> [Certificate] {
        let bytes = tlv.byteArray
        guard let outer = try? DER.node(in: bytes, at: 0), outer.tag == 0x30,
            let items = try? DER.children(of: outer, in: bytes)
        else { return [] }
        let reuse = CertificateReuse(known)
        return items.compactMap { try? reuse.certificate(Data(bytes[$0.range])) }
    }

    public static func certValues(_ certificates: [Certificate]) -> CMSAttribute {
        let contents = certificates.flatMap { [UInt8]($0.derEncoded) }
        return CMSAttribute(oid: CMSAttribute.OID.certValues, values: [Data(DER.encode(tag: 0x30, contents: contents))])
    }

    /// RevocationValues ::= SEQUENCE { crlVals [0] SEQUENCE OF CertificateList OPTIONAL,
    ///                                 ocspVals [1] SEQUENCE OF BasicOCSPResponse OPTIONAL, otherRevVals [2] ... }
    public static func revocationValues(_ tlv: Data) -> (crls: [Data], basicOCSPResponses: [Data]) {
        let bytes = tlv.byteArray
        guard let outer = try? DER.node(in: bytes, at: 0), outer.tag == 0x30,
            let fields = try? DER.children(of: outer, in: bytes)
        else { return ([], []) }
        var crls: [Data] = []
        var responses: [Data] = []
        for field in fields {
            guard let inner = try? DER.children(of: field, in: bytes).first, inner.tag == 0x30,
                let items = try? DER.children(of: inner, in: bytes)
            else { continue }
            let values = items.map { Data(bytes[$0.range]) }
            if field.tag == 0xa0 { crls += values } else if field.tag == 0xa1 { responses += values }
        }
        return (crls, responses)
    }

    public static func revocationValues(crls: [Data], basicOCSPResponses: [Data]) -> CMSAttribute {
        var contents: [UInt8] = []
        if !crls.isEmpty {
            contents += DER.encode(tag: 0xa0, contents: DER.encode(tag: 0x30, contents: crls.flatMap { [UInt8]($0) }))
        }
        if !basicOCSPResponses.isEmpty {
            contents += DER.encode(tag: 0xa1, contents: DER.encode(tag: 0x30, contents: basicOCSPResponses.flatMap { [UInt8]($0) }))
        }
        return CMSAttribute(oid: CMSAttribute.OID.revocationValues, values: [Data(DER.encode(tag: 0x30, contents: contents))])
    }
}
