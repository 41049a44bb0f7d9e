import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOSSL

/// TLS for the service (`serve --tls-cert/--tls-key [--tls-client-ca]`): the server's certificate chain and key (PEM),
/// and optionally the CAs whose client certificates are required (mutual TLS for service clients).
public struct ServiceTLS: Sendable {
    let configuration: TLSConfiguration

    /// Loads and checks the files now, so a wrong path or a key that is not the certificate's stops `serve` at start.
    public init(certificateChain: String, privateKey: String, clientCA: String? = nil) throws {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateChain)
            key = try NIOSSLPrivateKey(file: privateKey, format: .pem)
        } catch {
            throw ServiceTLSError(message: "cannot read the TLS certificate or key (PEM): \(error)")
        }
        guard !chain.isEmpty else { throw ServiceTLSError(message: "\(certificateChain) holds no certificate") }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        if let clientCA {
            let roots: [NIOSSLCertificate]
            do { roots = try NIOSSLCertificate.fromPEMFile(clientCA) } catch {
                throw ServiceTLSError(message: "cannot read the client CA file \(clientCA) (PEM): \(error)")
            }
            configuration.trustRoots = .certificates(roots)
            // Client certificates are checked against the CAs; they name no host.
            configuration.certificateVerification = .noHostnameVerification
        }
        do { _ = try NIOSSLContext(configuration: configuration) } catch {
            throw ServiceTLSError(message: "the TLS certificate and key do not make a server context: \(error)")
        }
        self.configuration = configuration
    }

    func server(_ base: HTTPServerBuilder) -> HTTPServerBuilder {
        do { return try HTTPServerBuilder.tls(base, tlsConfiguration: configuration) } catch {
            // Never a silent fall back to plain HTTP: the server fails to start instead.
            return HTTPServerBuilder { _ in throw error }
        }
    }
}

public struct ServiceTLSError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
