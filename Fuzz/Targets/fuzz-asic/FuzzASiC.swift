import EDSVault
import Foundation

/// A proof bundle as `verify --bundle` reads it (ASiC-S, ETSI EN 319 162-1).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzASiC(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    _ = try? ProofBundle.read(Data(bytes: start, count: count))
    return 0
}
