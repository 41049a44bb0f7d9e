import EDSCard
import Foundation

/// A document card as `verify --card` reads it (qpdf behind CCardPDF): its embedded files, with the limits of issue 23.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCard(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    _ = try? CardVerifier.attachments(of: Data(bytes: start, count: count))
    return 0
}
