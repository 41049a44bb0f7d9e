internal import COpenSSL
import Foundation

/// Plain HTTP GET/POST through OpenSSL's HTTP client, for CRL downloads, OCSP and TSA requests.
public enum HTTPTransport {
    public static let defaultTimeoutSeconds: Int32 = 10
    public static let maximumResponseBytes = 16 << 20

    public static func get(_ url: String, timeoutSeconds: Int32 = defaultTimeoutSeconds) throws -> Data {
        OpenSSLRuntime.ensureInitialized()
        defer { OpenSSLErrorQueue.clear() }
        // expect_asn1 = 1: OpenSSL reads the whole DER body before returning; otherwise the BIO streams from
        // the socket and a read can end early. CRL distribution points serve DER (RFC 5280 § 4.2.1.13).
        guard let response = OSSL_HTTP_get(url, nil, nil, nil, nil, nil, nil, 0, nil, nil, 1, maximumResponseBytes, timeoutSeconds) else {
            throw CryptoError.openSSL("GET \(url) failed", code: .network)
        }
        defer { BIO_free_all(response) }
        return readAll(response)
    }

    public static func post(_ url: String, body: Data, contentType: String, timeoutSeconds: Int32 = defaultTimeoutSeconds) throws -> Data {
        OpenSSLRuntime.ensureInitialized()
        defer { OpenSSLErrorQueue.clear() }
        var host: UnsafeMutablePointer<CChar>?
        var port: UnsafeMutablePointer<CChar>?
        var path: UnsafeMutablePointer<CChar>?
        var useTLS: Int32 = 0
        guard OSSL_HTTP_parse_url(url, &useTLS, nil, &host, &port, nil, &path, nil, nil) == 1 else {
            throw CryptoError.openSSL("not an HTTP URL: \(url)", code: .network)
        }
        defer {
            eds_openssl_free(host)
            eds_openssl_free(port)
            eds_openssl_free(path)
        }
        guard useTLS == 0 else { throw CryptoError(.network, "https is not supported for \(url): OCSP/TSA/CRL use plain HTTP") }
        let request = try MemoryBIO(body)
        guard
            let response = OSSL_HTTP_transfer(
                nil, host, port, path, 0, nil, nil, nil, nil, nil, nil, 0, nil, contentType, request.pointer, nil, 1,
                maximumResponseBytes, timeoutSeconds, 0)
        else {
            throw CryptoError.openSSL("POST \(url) failed", code: .network)
        }
        defer { BIO_free_all(response) }
        return readAll(response)
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
