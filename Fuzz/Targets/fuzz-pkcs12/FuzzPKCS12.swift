import EDSCrypto
import Foundation

/// A key file as `sign --key` and `inspect` open it (with the demo password, so the MAC check can pass on seeds).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPKCS12(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard let bundle = try? PKCS12Bundle.open(Data(bytes: start, count: count), password: "Demo-2026!") else { return 0 }
    _ = bundle.certificate.subject.description
    _ = bundle.chain.count
    return 0
}
