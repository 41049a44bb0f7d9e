internal import COpenSSL

/// An input or operation that EDSCrypto could not handle.
///
/// "This signature does not hold" is never a `CryptoError`: that is a validation outcome.
/// A `CryptoError` means the input is broken, unreadable, or an operation was refused.
public struct CryptoError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        /// Bytes that are not the structure they were supposed to be (certificate, CMS, key, CRL, ...).
        case malformedInput
        /// A PKCS#12 file whose password does not open it.
        case wrongPassword
        /// An algorithm OpenSSL cannot compute (GOST 34.310, unknown digests).
        case unsupportedAlgorithm
        /// A key or certificate that must not be used for the requested operation.
        case refused
        /// A file that cannot be read or written.
        case fileAccess
        /// A network exchange (OCSP, CRL, TSA) that failed.
        case network
        /// OpenSSL failed for another reason; the detail carries what it said.
        case internalFailure
    }

    public let code: Code
    public let reason: String
    /// What OpenSSL's error queue held when the error was made, most recent last.
    public let openSSLErrors: [String]

    public init(_ code: Code, _ reason: String, openSSLErrors: [String] = []) {
        self.code = code
        self.reason = reason
        self.openSSLErrors = openSSLErrors
    }

    public var description: String {
        guard let last = openSSLErrors.last else { return reason }
        return "\(reason) (OpenSSL: \(last))"
    }

    static func malformed(_ reason: String) -> CryptoError {
        CryptoError(.malformedInput, reason, openSSLErrors: OpenSSLErrorQueue.drain())
    }

    static func openSSL(_ reason: String, code: Code = .internalFailure) -> CryptoError {
        CryptoError(code, reason, openSSLErrors: OpenSSLErrorQueue.drain())
    }
}

/// OpenSSL keeps a per-thread error queue; every failure path drains it so it never leaks into the next call.
enum OpenSSLErrorQueue {
    static func drain() -> [String] {
        var messages: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            messages.append(String(nullTerminated: buffer))
        }
        return messages
    }

    /// Empties this thread's queue. Looking first costs less than ERR_clear_error, which resets all sixteen slots
    /// even when nothing was queued (the usual case, after every successful call).
    static func clear() {
        if ERR_peek_error() != 0 { ERR_clear_error() }
    }
}
