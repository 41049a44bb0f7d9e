@_spi(Fuzzing) import EDSServer
import Foundation

/// The vault API's JSON bodies (put metadata, search, link, erasure, subject audit, sign-in), its Range header and the
/// shape of a bearer value, as the routes read them (issue 21). The first byte picks the reader.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVaultJSON(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    VaultAPIFuzzing.parse(Data(bytes: start, count: count))
    return 0
}
