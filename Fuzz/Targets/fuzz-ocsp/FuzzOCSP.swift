@_spi(Benchmarking) import EDSCrypto
import Foundation

/// An OCSPResponse as a responder sends it, and a BasicOCSPResponse as revocationValues carry it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOCSP(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    // Each input starts with an empty certificate cache, and what it cached is freed before libFuzzer's leak check
    // (LeakSanitizer cannot see pointers Swift keeps in enum spare bits, so a kept cache entry looks leaked).
    defer { Certificate.purgeParsedCache() }
    if let basic = try? OCSPResponse.basicResponse(fromResponse: data) { _ = try? OCSPResponse(basicResponse: basic) }
    for response in [try? OCSPResponse(basicResponse: data), try? OCSPResponse(basicResponse: data, reusingCertificates: [])] {
        guard let response else { continue }
        _ = response.producedAt
        _ = response.certificates
        _ = response.verifiedSigner(candidates: [])
    }
    return 0
}
