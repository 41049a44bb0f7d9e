@_spi(Fuzzing) import EDSServer
import Foundation

/// A POST /api/v1/verify body as the service reads it: MultipartKit's parser and our part collector, with the
/// first line of the input taken as the Content-Type (so the boundary parameter is fuzzed too).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMultipart(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    guard let newline = data.firstIndex(of: 0x0a) else { return 0 }
    let contentType = String(decoding: data[data.startIndex..<newline], as: UTF8.self)
    _ = MultipartFuzzing.parse(data[(newline + 1)...], contentType: contentType)
    return 0
}
