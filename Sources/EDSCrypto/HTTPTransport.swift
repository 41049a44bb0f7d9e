internal import COpenSSL
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Plain HTTP GET/POST through OpenSSL's HTTP client, for CRL downloads, OCSP and TSA requests.
public enum HTTPTransport {
    public static let defaultTimeoutSeconds: Int32 = 10
    public static let maximumResponseBytes = 16 << 20

    public static func get(_ url: String, timeoutSeconds: Int32 = defaultTimeoutSeconds) throws -> Data {
        var current = url
        // CRL distribution points may redirect; a loop that never settles is an error, not a hang.
        for _ in 0...maximumRedirections {
            switch try exchange(current, request: nil, contentType: nil, timeoutSeconds: timeoutSeconds) {
            case .body(let data): return data
            case .redirected(let target):
                current = target.hasPrefix("/") ? try Endpoint(current).sameServer(path: target) : target
            }
        }
        throw CryptoError(.network, "GET \(url): more than \(maximumRedirections) redirections")
    }

    public static func post(_ url: String, body: Data, contentType: String, timeoutSeconds: Int32 = defaultTimeoutSeconds) throws -> Data {
        switch try exchange(url, request: body, contentType: contentType, timeoutSeconds: timeoutSeconds) {
        case .body(let data): return data
        case .redirected(let target): throw CryptoError(.network, "POST \(url) was redirected to \(target); OCSP and TSA requests are not")
        }
    }

    static let maximumRedirections = 5

    private enum Answer {
        case body(Data)
        case redirected(String)
    }

    /// One request on a connection of our own. OpenSSL's client treats a failed connect as transient and retries it
    /// until the whole timeout has passed (`BIO_do_connect_retry`), which made an unreachable TSA cost the full 10 s
    /// and say only "failed"; connecting here fails at once with the system's reason. The socket stays non-blocking,
    /// so OpenSSL's own timeout bounds the request and the answer.
    private static func exchange(_ url: String, request: Data?, contentType: String?, timeoutSeconds: Int32) throws -> Answer {
        OpenSSLRuntime.ensureInitialized()
        defer { OpenSSLErrorQueue.clear() }
        let endpoint = try Endpoint(url)
        let descriptor = try endpoint.connect(timeoutSeconds: timeoutSeconds)
        guard let socketBIO = BIO_new_socket(descriptor, BIO_CLOSE) else {
            close(descriptor)
            throw CryptoError.openSSL("cannot set up a connection to \(endpoint.host)", code: .network)
        }
        defer { BIO_free_all(socketBIO) }
        let method = request == nil ? "GET" : "POST"
        // bio and rbio both given: OpenSSL uses the connected socket as it is and does not free it.
        guard let context = OSSL_HTTP_open(endpoint.host, endpoint.port, nil, nil, 0, socketBIO, socketBIO, nil, nil, 0, timeoutSeconds) else {
            throw CryptoError.openSSL("\(method) \(url) failed", code: .network)
        }
        var succeeded = false
        defer { OSSL_HTTP_close(context, succeeded ? 1 : 0) }
        let body = try request.map { try MemoryBIO($0) }
        // expect_asn1 = 1: OpenSSL reads the whole DER body before returning (RFC 5280 § 4.2.1.13 serves DER).
        guard OSSL_HTTP_set1_request(context, endpoint.path, nil, contentType, body?.pointer, nil, 1, maximumResponseBytes, timeoutSeconds, 0) == 1 else {
            throw CryptoError.openSSL("\(method) \(url) failed", code: .network)
        }
        var redirection: UnsafeMutablePointer<CChar>?
        // Redirections are followed for GET only (OpenSSL reports them only when asked to).
        let answer = request == nil ? OSSL_HTTP_exchange(context, &redirection) : OSSL_HTTP_exchange(context, nil)
        guard let response = answer else {
            if let redirection {
                defer { eds_openssl_free(redirection) }
                return .redirected(String(cString: redirection))
            }
            throw CryptoError.openSSL("\(method) \(url) failed", code: .network)
        }
        defer { BIO_free_all(response) }
        succeeded = true
        return .body(readAll(response))
    }

    /// Host, port and path of a plain-HTTP URL, as OpenSSL's HTTP client will read them.
    struct Endpoint {
        let host: String
        let port: String
        let path: String

        init(_ url: String) throws {
            var host: UnsafeMutablePointer<CChar>?
            var port: UnsafeMutablePointer<CChar>?
            var path: UnsafeMutablePointer<CChar>?
            var useTLS: Int32 = 0
            guard OSSL_HTTP_parse_url(url, &useTLS, nil, &host, &port, nil, &path, nil, nil) == 1, let host, let port, let path else {
                throw CryptoError.openSSL("not an HTTP URL: \(url)", code: .network)
            }
            defer {
                eds_openssl_free(host)
                eds_openssl_free(port)
                eds_openssl_free(path)
            }
            guard useTLS == 0 else { throw CryptoError(.network, "https is not supported for \(url): OCSP/TSA/CRL use plain HTTP") }
            self.host = String(cString: host)
            self.port = String(cString: port)
            self.path = String(cString: path)
        }

        func sameServer(path: String) -> String { "http://\(host.contains(":") ? "[\(host)]" : host):\(port)\(path)" }

        /// A connected non-blocking TCP socket to the server. A name that does not resolve, a refused connection or
        /// no answer within the timeout throws with the system's reason.
        func connect(timeoutSeconds: Int32) throws -> Int32 {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            hints.ai_family = AF_UNSPEC
            var found: UnsafeMutablePointer<addrinfo>?
            let resolved = getaddrinfo(host, port, &hints, &found)
            guard resolved == 0, let first = found else {
                throw CryptoError(.network, "cannot resolve \(host): \(String(cString: gai_strerror(resolved)))")
            }
            defer { freeaddrinfo(first) }
            let deadline = Date().addingTimeInterval(TimeInterval(timeoutSeconds))
            var reason = "no address"
            var candidate: UnsafeMutablePointer<addrinfo>? = first
            while let address = candidate {
                candidate = address.pointee.ai_next
                switch Self.attemptConnection(to: address.pointee, timeoutMilliseconds: Int32(max(0, deadline.timeIntervalSinceNow) * 1000)) {
                case .success(let descriptor): return descriptor
                case .failure(let failure): reason = failure.reason
                }
            }
            throw CryptoError(.network, "cannot connect to \(host):\(port): \(reason)")
        }

        private struct ConnectFailure: Error {
            let reason: String
            init(_ reason: String) { self.reason = reason }
            init(errno code: Int32) { reason = String(cString: strerror(code)) }
        }

        private static func attemptConnection(to address: addrinfo, timeoutMilliseconds: Int32) -> Result<Int32, ConnectFailure> {
            let descriptor = socket(address.ai_family, address.ai_socktype | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), address.ai_protocol)
            guard descriptor >= 0 else { return .failure(ConnectFailure(errno: errno)) }
            var failure: Int32 = 0
            if Glibc.connect(descriptor, address.ai_addr, address.ai_addrlen) != 0 {
                if errno != EINPROGRESS {
                    failure = errno
                } else {
                    var waiting = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                    let ready = poll(&waiting, 1, timeoutMilliseconds)
                    if ready == 0 {
                        close(descriptor)
                        return .failure(ConnectFailure("no answer within the timeout"))
                    }
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    if ready < 0 {
                        failure = errno
                    } else if getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &failure, &length) != 0 {
                        failure = errno
                    }
                }
            }
            guard failure == 0 else {
                close(descriptor)
                return .failure(ConnectFailure(errno: failure))
            }
            return .success(descriptor)
        }
    }

    private static func readAll(_ bio: OpaquePointer) -> Data {
        var result = Data()
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = BIO_read(bio, &buffer, Int32(buffer.count))
            if count <= 0 { break }
            result.append(contentsOf: buffer[0..<Int(count)])
        }
        return result
    }
}
