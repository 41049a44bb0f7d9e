import EDSCrypto
@_spi(Benchmarking) import EDSServer
import EDSVault
import EDSVerification
import Foundation
import Hummingbird
import Logging
import NIOCore

/// The vault row (issue 21): the vault API on the same kind of server, authenticated by an HR API key, with 16
/// keep-alive clients: `GET /api/v1/vault/documents/{id}/content` of a 20 KiB document and `POST …/signatures` of a
/// signature the vault already keeps (validated again, then found kept: the attach path without a new blob), against
/// the same server's `GET /health`, the ceiling of any request. Rate limits are lifted for the measurement.
struct VaultRow {
    var health: LoadGenerator.Result
    var content: LoadGenerator.Result
    var attach: LoadGenerator.Result

    static func run(options: Options, anchors: Data, crls: [Data], key: PKCS12Bundle, logger: Logger) async throws -> VaultRow {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-service-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let vault = try Vault.create(at: directory, trustAnchors: [anchors], crls: crls, environment: [:])
        var generator = SplitMix64(seed: 0x20_4B1B)
        let document = Data((0..<(20 << 10)).map { _ in UInt8(32 + generator.next() % 95) })
        let stored = try vault.put(
            document, metadata: DocumentMetadata(ownerIIN: "900315301237", employerBIN: "150640123452", type: .hiringOrder, title: "bench"))
        let signature = try CMSSigner.sign(.bytes(document), key: key.privateKey, certificate: key.certificate, chain: key.chain)
        try vault.attach(signature: signature, to: stored.id)
        let apiKey = try vault.createAPIKey(employerBIN: "150640123452", role: .hr).key
        var configuration = ServiceConfiguration(
            host: "127.0.0.1", port: 0, trustAnchors: [], crls: [], validationThreads: options.threads)
        configuration.vaultAPI = VaultAPI(
            vault: vault, authenticator: try VaultAuthenticator(vault: vault),
            rateLimits: VaultAPIRateLimits(perCredentialPerMinute: 1_000_000, perAddressPerMinute: 1_000_000))

        var health = ByteBuffer()
        health.writeString("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        var content = ByteBuffer()
        content.writeString(
            "GET /api/v1/vault/documents/\(stored.id)/content HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(apiKey)\r\n\r\n")
        var attach = ByteBuffer()
        attach.writeString(
            "POST /api/v1/vault/documents/\(stored.id)/signatures HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(apiKey)\r\n"
                + "Content-Type: application/pkcs7-signature\r\nContent-Length: \(signature.count)\r\n\r\n")
        attach.writeBytes(signature)
        let contentExpect = String(decoding: document.prefix(32), as: UTF8.self)

        return try await VerificationService.withService(configuration, logger: logger) { service in
            let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await service.makeApplication { port in portContinuation.yield(port) }.runService(gracefulShutdownSignals: [])
                }
                var ports = portStream.makeAsyncIterator()
                guard let port = await ports.next() else { throw BenchFailure("the vault service did not start") }
                let total = options.requests
                func load(_ request: ByteBuffer, _ expect: String, _ count: Int) async throws -> LoadGenerator.Result {
                    try await LoadGenerator.run(port: port, request: request, expect: expect, clients: options.clients, total: count)
                }
                _ = try await load(content, contentExpect, min(1_000, total))
                _ = try await load(attach, "signatureId", min(200, total))
                let row = VaultRow(
                    health: try await load(health, "ok", total), content: try await load(content, contentExpect, total),
                    attach: try await load(attach, "signatureId", max(100, total / 10)))
                group.cancelAll()
                return row
            }
        }
    }

    func report(clients: Int) -> String {
        func f(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
        func line(_ name: String, _ result: LoadGenerator.Result) -> String {
            "\(name) \(f(result.requestsPerSecond)) req/s, p99 \(f(result.percentile(99), 2)) ms (\(result.requests) requests, \(result.failures) failed)"
        }
        return """

            vault API, \(clients) keep-alive clients, HR API key (rate limits lifted):
              \(line("GET /health (ceiling)                          ", health))
              \(line("GET /api/v1/vault/documents/{id}/content 20 KiB", content))  \(f(content.requestsPerSecond / health.requestsPerSecond, 2)) of the ceiling
              \(line("POST /api/v1/vault/documents/{id}/signatures   ", attach))  \(f(attach.requestsPerSecond / health.requestsPerSecond, 2)) of the ceiling
            """
    }

    var failures: Int { health.failures + content.failures + attach.failures }
}
