import Foundation

/// Combines several CMS SignedData over the same document into one detached SignedData (RFC 5652 § 5.1).
///
/// A vault collects signatures one by one (the employee's from the HR portal, the head's from NCALayer); a proof
/// bundle carries them as one `signature.p7s`, as ASiC-S expects. SignerInfos are copied byte for byte, so every
/// signature stays verifiable; certificates, CRLs and digest algorithms are the union of the inputs. Embedded
/// content is dropped (the document travels beside the signature), which does not touch what any signer signed.
public enum CMSCombiner {
    /// `extraCRLs` (DER) join the SignedData's `crls` field: revocation evidence a verifier may use offline
    /// (RFC 5652 § 5.1 allows CRLs there "sufficient to determine whether the certificates are valid").
    public static func combineDetached(_ signatures: [Data], extraCRLs: [Data] = []) throws -> Data {
        guard !signatures.isEmpty else { throw CryptoError(.malformedInput, "no signatures to combine") }
        var version: UInt8 = 1
        var contentType: [UInt8]?
        var digestAlgorithms = OrderedUnion()
        var certificates = OrderedUnion()
        var crls = OrderedUnion()
        var signerInfos = OrderedUnion()
        for signature in signatures {
            let layout: SignedDataLayout
            do {
                layout = try SignedDataLayout(try CMSSignedData.unwrap(signature))
            } catch {
                throw CryptoError(.malformedInput, "a signature to combine is not a CMS SignedData")
            }
            let bytes = layout.bytes
            let fields = layout.signedDataFields
            do {
                let versionField = fields[0]
                if versionField.tag == 0x02, let last = bytes[versionField.range].last { version = max(version, last) }
                guard fields[1].tag == 0x31, fields[2].tag == 0x30 else { throw DER.ParseError() }
                for algorithm in try DER.children(of: fields[1], in: bytes) { digestAlgorithms.insert(bytes[algorithm.range]) }
                guard let eContentType = try DER.children(of: fields[2], in: bytes).first, eContentType.tag == 0x06 else {
                    throw DER.ParseError()
                }
                let type = Array(bytes[eContentType.range])
                if let contentType, contentType != type {
                    throw CryptoError(.malformedInput, "the signatures to combine sign different content types")
                }
                contentType = type
                for field in fields[3..<(fields.count - 1)] {
                    let children = try DER.children(of: field, in: bytes)
                    switch field.tag {
                    case 0xa0: for child in children { certificates.insert(bytes[child.range]) }
                    case 0xa1: for child in children { crls.insert(bytes[child.range]) }
                    default: throw DER.ParseError()
                    }
                }
                for info in try DER.children(of: layout.signerInfoSet, in: bytes) { signerInfos.insert(bytes[info.range]) }
            } catch let error as CryptoError {
                throw error
            } catch {
                throw CryptoError(.malformedInput, "a signature to combine has a SignedData structure that cannot be walked")
            }
        }
        for crl in extraCRLs { crls.insert(ArraySlice(crl)) }
        var signedData = DER.encode(tag: 0x02, contents: [version])
        signedData += DER.encode(tag: 0x31, contents: digestAlgorithms.concatenated)
        signedData += DER.encode(tag: 0x30, contents: contentType ?? [])
        if !certificates.isEmpty { signedData += DER.encode(tag: 0xa0, contents: certificates.concatenated) }
        if !crls.isEmpty { signedData += DER.encode(tag: 0xa1, contents: crls.concatenated) }
        signedData += DER.encode(tag: 0x31, contents: signerInfos.concatenated)
        let signedDataOID: [UInt8] = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02]
        let explicit = DER.encode(tag: 0xa0, contents: DER.encode(tag: 0x30, contents: signedData))
        return Data(DER.encode(tag: 0x30, contents: signedDataOID + explicit))
    }
}

/// Encoded elements in first-seen order, without byte-identical repeats.
private struct OrderedUnion {
    private var seen: Set<[UInt8]> = []
    private(set) var elements: [[UInt8]] = []

    mutating func insert(_ element: ArraySlice<UInt8>) {
        let bytes = Array(element)
        if seen.insert(bytes).inserted { elements.append(bytes) }
    }

    var isEmpty: Bool { elements.isEmpty }
    var concatenated: [UInt8] { elements.flatMap { $0 } }
}
