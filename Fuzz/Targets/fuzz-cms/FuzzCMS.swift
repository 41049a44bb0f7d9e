@_spi(Benchmarking) import EDSCrypto
import Foundation

/// A signature file as `verify` reads it: the SignedData, every SignerInfo and attribute the validation reads,
/// embedded timestamp tokens, the signer certificate match, and the combiner's byte-level rewrite.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCMS(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    // Each input starts with an empty certificate cache, and what it cached is freed before libFuzzer's leak check
    // (LeakSanitizer cannot see pointers Swift keeps in enum spare bits, so a kept cache entry looks leaked).
    defer { Certificate.purgeParsedCache() }
    if let token = try? TimeStampToken(data) { _ = token.covers(data) }
    if let token = try? TimeStampClient.token(fromResponse: data) { _ = try? TimeStampToken(token) }
    guard let signedData = try? CMSSignedData(data) else { return 0 }
    _ = signedData.encapsulatedContent
    _ = signedData.crls.map { try? CertificateRevocationList($0) }
    for signer in signedData.signers {
        _ = signer.messageDigest
        _ = signer.signingTime
        _ = signer.contentTypeAttribute
        _ = signer.signingCertificateReferences
        _ = signer.formatProblems
        for attribute in signer.unsignedAttributes where attribute.oid == CMSAttribute.OID.signatureTimeStampToken {
            for value in attribute.values { _ = try? TimeStampToken(value, reusingCertificates: signedData.certificates) }
        }
        if let certificate = signedData.signerCertificate(for: signer) {
            _ = signedData.verifySignatureValue(of: signer, with: certificate, contentDigest: Data(count: 32))
        }
    }
    _ = try? CMSCombiner.combineDetached([data])
    return 0
}
