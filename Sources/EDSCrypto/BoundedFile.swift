import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Reading a whole file that may be hostile: at most `limit` bytes, with open/fstat/read (a batch audit reads
/// thousands of small files, and Foundation's `Data(contentsOf:)` costs several times more per file).
public enum BoundedFile {
    /// The file's bytes; `.malformedInput` when it is larger than `limit` (said as "larger than `what` can be"),
    /// `.fileAccess` when it cannot be read or is not a regular file.
    public static func read(_ url: URL, limit: Int, what: String) throws -> Data {
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw CryptoError(.fileAccess, "cannot read \(url.path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw CryptoError(.fileAccess, "cannot read \(url.path): not a regular file")
        }
        let tooLarge = CryptoError(.malformedInput, "\(url.path) is larger than \(what) can be (\(limit) bytes)")
        guard status.st_size <= limit else { throw tooLarge }
        // One byte more than the size said, so a file that grew while it was read is noticed.
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size) + 1)
        var filled = 0
        while true {
            if filled == bytes.count {
                guard filled <= limit else { throw tooLarge }
                bytes.append(contentsOf: repeatElement(0, count: 1 << 16))
            }
            let count = bytes.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0 {
                if errno == EINTR { continue }
                throw CryptoError(.fileAccess, "cannot read \(url.path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            filled += count
        }
        guard filled <= limit else { throw tooLarge }
        return Data(bytes[..<filled])
    }
}
