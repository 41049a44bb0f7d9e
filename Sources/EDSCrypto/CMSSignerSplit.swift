import Foundation

/// Splits a CMS SignedData (RFC 5652 § 5.1) into one detached SignedData per SignerInfo.
///
/// A document card carries each signature as its own file, as the SIGEX document card does. Each SignerInfo is copied
/// byte for byte, so it verifies exactly as before: a SignerInfo's signature covers its signed attributes (or the
/// content), never the SignedData around it (§ 5.4). Certificates, CRLs and digest algorithms are kept whole.
public enum CMSSignerSplit {
    /// One detached SignedData per signer, in SignerInfo order. A SignedData that already is one detached signer is
    /// returned as its own DER bytes, unchanged.
    public static func detachedPerSigner(_ signature: Data) throws -> [Data] {
        let layout: SignedDataLayout
        do {
            layout = try SignedDataLayout(try CMSSignedData.unwrap(signature))
        } catch {
            throw CryptoError(.malformedInput, "the signature is not a CMS SignedData")
        }
        do {
            let bytes = layout.bytes
            let fields = layout.signedDataFields
            let signerInfos = try layout.signerInfos()
            guard !signerInfos.isEmpty else { throw CryptoError(.malformedInput, "the CMS SignedData has no signer") }
            // encapContentInfo (§ 5.2) without eContent: the document travels beside the signature.
            guard fields[2].tag == 0x30, let eContentType = try DER.children(of: fields[2], in: bytes).first, eContentType.tag == 0x06 else {
                throw DER.ParseError()
            }
            let attached = try DER.children(of: fields[2], in: bytes).count > 1
            if signerInfos.count == 1 && !attached { return [Data(bytes[layout.contentInfo.range])] }
            let detachedContentInfo = DER.encode(tag: 0x30, contents: Array(bytes[eContentType.range]))
            let contentType = try DER.children(of: layout.contentInfo, in: bytes)[0]
            return signerInfos.map { signerInfo in
                var signedData: [UInt8] = []
                for (position, field) in fields.dropLast().enumerated() {
                    signedData += position == 2 ? detachedContentInfo : Array(bytes[field.range])
                }
                signedData += DER.encode(tag: 0x31, contents: signerInfo)
                let explicit = DER.encode(tag: 0xa0, contents: DER.encode(tag: 0x30, contents: signedData))
                return Data(DER.encode(tag: 0x30, contents: Array(bytes[contentType.range]) + explicit))
            }
        } catch let error as CryptoError {
            throw error
        } catch {
            throw CryptoError(.malformedInput, "the CMS SignedData has a structure that cannot be split")
        }
    }
}
