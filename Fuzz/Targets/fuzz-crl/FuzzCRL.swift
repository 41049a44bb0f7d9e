import EDSCrypto
import Foundation

/// A CRL as `--crl` and revocationValues hand it over.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCRL(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard let crl = try? CertificateRevocationList(Data(bytes: start, count: count)) else { return 0 }
    _ = crl.issuer.description
    _ = crl.thisUpdate
    _ = crl.nextUpdate
    return 0
}
