import Foundation

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

extension Data {
    /// The bytes as an array, copied in one block (`[UInt8](data)` goes through the generic sequence copy,
    /// several instructions per byte: a visible share of reading a signature).
    var byteArray: [UInt8] {
        withUnsafeBytes { raw in Array(raw.bindMemory(to: UInt8.self)) }
    }
}
