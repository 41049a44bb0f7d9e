import Foundation

/// Adds unsigned attributes to the SignerInfos of an existing SignedData — how a CAdES-B signature becomes CAdES-T
/// and CAdES-LT after the fact (ETSI EN 319 122-1 § 5.3, § 5.5; EU DSS calls it extension, pyHanko an LTV update).
///
/// RFC 5652 § 5.3: `unsignedAttrs [1] IMPLICIT UnsignedAttributes OPTIONAL` is SignerInfo's last field and nothing
/// signs it, so it can grow while every signed byte stays as received: the signed attributes, the signature value,
/// the encapsulated content, the certificates and CRLs are copied verbatim, and only the lengths of the enclosing
/// SignerInfo, SET OF SignerInfo, SignedData and ContentInfo are re-encoded (in DER).
public enum CMSSignerInfoExtension {
    /// `signature` (DER, BER, PEM or base64 CMS) with `additions[i]` appended to SignerInfo `i`'s unsigned attributes.
    ///
    /// A SignerInfo without additions keeps its exact bytes. Existing unsigned attributes keep theirs and their
    /// order; the new ones follow. Adding an attribute type the SignerInfo already carries is refused (a second
    /// signatureTimeStampToken or revocationValues attribute would leave a verifier to pick one).
    public static func addingUnsignedAttributes(_ additions: [Int: [CMSAttribute]], to signature: Data) throws -> Data {
        let der = try CMSSignedData.unwrap(signature)
        let layout: SignedDataLayout
        let signerInfos: [[UInt8]]
        do {
            layout = try SignedDataLayout(der)
            signerInfos = try layout.signerInfos()
        } catch {
            throw CryptoError.malformed("the signature's structure cannot be walked to extend its signers")
        }
        if let index = additions.keys.first(where: { !signerInfos.indices.contains($0) }) {
            throw CryptoError(.refused, "the signature has no signer \(index + 1)")
        }
        guard additions.values.contains(where: { !$0.isEmpty }) else { return der }
        let extended = try signerInfos.enumerated().map { index, encoded in
            guard let attributes = additions[index], !attributes.isEmpty else { return encoded }
            return try adding(attributes, toSignerInfo: encoded, number: index + 1)
        }
        return layout.replacingSignerInfos(with: extended)
    }

    /// One SignerInfo TLV with `attributes` appended to its `[1]` unsignedAttrs (created when absent).
    static func adding(_ attributes: [CMSAttribute], toSignerInfo encoded: [UInt8], number: Int) throws -> [UInt8] {
        let fields: [DER.Node]
        do {
            fields = try DER.children(of: try DER.node(in: encoded, at: 0), in: encoded)
        } catch {
            throw CryptoError.malformed("signer \(number)'s SignerInfo cannot be walked")
        }
        // version, sid, digestAlgorithm, [0] signedAttrs?, signatureAlgorithm, signature, [1] unsignedAttrs?
        guard fields.count >= 5, fields[0].tag == 0x02 else {
            throw CryptoError.malformed("signer \(number)'s SignerInfo is not a SignerInfo")
        }
        let unsignedField = fields.last.flatMap { $0.tag == 0xa1 ? $0 : nil }
        var existing: [[UInt8]] = []
        var existingTypes = Set<[UInt8]>()
        if let unsignedField {
            do {
                for attribute in try DER.children(of: unsignedField, in: encoded) {
                    existing.append(Array(encoded[attribute.range]))
                    if let type = try DER.children(of: attribute, in: encoded).first, type.tag == 0x06 {
                        existingTypes.insert(Array(encoded[type.range]))
                    }
                }
            } catch {
                throw CryptoError.malformed("signer \(number)'s unsigned attributes cannot be walked")
            }
        }
        var added: [[UInt8]] = []
        for attribute in attributes {
            let type = try DER.objectIdentifier(attribute.oid)
            guard existingTypes.insert(type).inserted else {
                throw CryptoError(.refused, "signer \(number) already has a \(attribute.oid) attribute")
            }
            // Attribute ::= SEQUENCE { attrType OBJECT IDENTIFIER, attrValues SET OF AttributeValue } (RFC 5652 § 5.3)
            added.append(DER.encode(tag: 0x30, contents: type + DER.encode(tag: 0x31, contents: attribute.values.flatMap { [UInt8]($0) })))
        }
        var contents: [UInt8] = []
        for field in fields where field.range != unsignedField?.range { contents += encoded[field.range] }
        contents += DER.encode(tag: 0xa1, contents: (existing + added).flatMap { $0 })
        return DER.encode(tag: 0x30, contents: contents)
    }
}
