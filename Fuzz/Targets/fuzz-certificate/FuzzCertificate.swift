import EDSCrypto
import Foundation

/// A certificate file as `--trust` and `inspect` read it (one DER certificate or PEM blocks), and what the
/// validation asks of a certificate.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCertificate(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard let certificates = try? Certificate.parseAll(Data(bytes: start, count: count)) else { return 0 }
    for certificate in certificates {
        _ = certificate.subject.description
        _ = certificate.issuer.description
        _ = certificate.serialNumberHex
        _ = certificate.keyUsage
        _ = certificate.extendedKeyUsage
        _ = certificate.policies
        _ = certificate.ocspURLs
        _ = certificate.crlDistributionURLs
        _ = certificate.publicKey.summary
        _ = certificate.isSelfIssued
    }
    return 0
}
