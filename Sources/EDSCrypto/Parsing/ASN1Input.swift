import Foundation
internal import SwiftASN1

/// One untrusted ASN.1 object: checked within its limits by `ASN1Scanner`, then parsed once by swift-asn1.
///
/// Node byte ranges (`ASN1Node.encodedBytes`) are slices of `bytes` with the same indices, so what a structure
/// decoded from it signs or hands to OpenSSL is exactly the bytes that were read.
struct ParsedASN1 {
    let bytes: [UInt8]
    let root: ASN1Node
    /// Bytes after the object (zero unless the caller allowed them in order to report them).
    let trailingByteCount: Int
    let usesIndefiniteLength: Bool
}

/// The entry point every parser of untrusted bytes goes through (Docs/validation.md lists the limits).
public enum ASN1Input {
    /// Checks that `data` is exactly one well-formed object under `rules` and `limits`, without building a tree:
    /// for inputs OpenSSL then parses itself (CRLs, OCSP responses, PKCS#12).
    public static func checkSingleObject(_ data: Data, rules: ASN1EncodingRules, limits: ASN1Limits) throws(ASN1ParseError) {
        let length = try objectLength(data, rules: rules, limits: limits)
        if length < data.count { throw ASN1ParseError(.trailingData(count: data.count - length), at: length) }
    }

    /// The length of the object at the start of `data` (which may be followed by other bytes).
    static func objectLength(_ data: Data, rules: ASN1EncodingRules, limits: ASN1Limits) throws(ASN1ParseError) -> Int {
        let result: Result<Int, ASN1ParseError> = data.withUnsafeBytes { raw in
            let buffer = raw.bindMemory(to: UInt8.self)
            do throws(ASN1ParseError) {
                return .success(try ASN1Scanner.scan(buffer, rules: rules, limits: limits).objectLength)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Scans, then parses with swift-asn1. `allowingTrailingData`: bytes after the object are counted rather than
    /// refused, so a signature file with trailing bytes can still be reported on (issue 10).
    static func parse(_ bytes: [UInt8], rules: ASN1EncodingRules, limits: ASN1Limits, allowingTrailingData: Bool = false)
        throws(ASN1ParseError) -> ParsedASN1
    {
        let scan = try bytes.withUnsafeBufferPointer { buffer throws(ASN1ParseError) in
            try ASN1Scanner.scan(buffer, rules: rules, limits: limits)
        }
        let trailing = bytes.count - scan.objectLength
        if trailing > 0 && !allowingTrailingData {
            throw ASN1ParseError(.trailingData(count: trailing), at: scan.objectLength)
        }
        let object = bytes[0..<scan.objectLength]
        let root: ASN1Node
        do {
            root = try rules == .der ? SwiftASN1.DER.parse(object) : BER.parse(object)
        } catch {
            // The scan enforces everything swift-asn1 checks at this level; keep its word if it disagrees.
            throw ASN1ParseError(.structure("not a well-formed ASN.1 object: \(error)"), at: 0)
        }
        return ParsedASN1(bytes: bytes, root: root, trailingByteCount: trailing, usesIndefiniteLength: scan.usesIndefiniteLength)
    }

    /// True when the TLV in `bytes` (a slice of a scanned object) is DER: definite, minimal lengths throughout.
    static func isDER(_ bytes: ArraySlice<UInt8>, limits: ASN1Limits) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            guard let scan = try? ASN1Scanner.scan(buffer, rules: .der, limits: limits) else { return false }
            return scan.objectLength == buffer.count
        }
    }
}

extension CryptoError {
    /// A parse failure as the one-line `malformedInput` error the CLI prints (exit 65) and the service answers (4xx).
    static func malformed(_ what: String, _ error: ASN1ParseError) -> CryptoError {
        CryptoError(.malformedInput, "\(what): \(error)")
    }
}
