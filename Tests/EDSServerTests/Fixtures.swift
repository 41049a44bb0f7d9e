import EDSCrypto
import EDSServer
import EDSVerification
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import Testing

/// Real signatures made with the demo PKI under Certs/ (demo-only keys, password in Certs/README.md): no canned JSON.
enum Demo {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let certs = root.appendingPathComponent("Certs")
    static let password = "Demo-2026!"

    static func data(_ path: String) throws -> Data { try Data(contentsOf: certs.appendingPathComponent(path)) }
    static func key(_ name: String) throws -> PKCS12Bundle { try PKCS12Bundle.open(try data("\(name).p12"), password: password) }

    static var anchors: [Certificate] { get throws { try Certificate.parseAll(try data("trust/root.pem")) } }
    static var crls: [CertificateRevocationList] {
        get throws { [try CertificateRevocationList(try data("crl/nca_demo.crl")), try CertificateRevocationList(try data("crl/root.crl"))] }
    }

    static let document = Data("БҰЙРЫҚ № 17-Ж. Қасымов Әлихан Серікұлы инженер болып жұмысқа қабылдансын.\nПРИКАЗ № 17-К о приёме на работу.\n".utf8)

    static func authority() throws -> TimeStampAuthority {
        TimeStampAuthority(
            certificate: try #require(try Certificate.parseAll(try data("tsa.pem")).first),
            key: try PrivateKey(pemOrDER: try data("tsa.key")),
            chain: try Certificate.parseAll(try data("ca/nca-demo.pem")))
    }

    /// CAdES-LT as `edsvault sign --tsa … --revocation crl` makes it: an RFC 3161 timestamp from the demo TSA, the
    /// chain's CRLs and certificates embedded, so the service needs nothing else to say TOTAL_PASSED offline.
    static func signLongTerm(_ document: Data = document, signers: [String] = ["employee", "head"]) throws -> Data {
        let tsa = try authority()
        let crls = try self.crls.map(\.derEncoded)
        var signature: Data?
        for name in signers {
            let bundle = try key(name)
            let evidence = [
                CAdESEvidence.certValues([bundle.certificate] + bundle.chain),
                CAdESEvidence.revocationValues(crls: crls, basicOCSPResponses: []),
            ]
            signature = try DocumentSigner.sign(.bytes(document), with: bundle, existing: signature) { signatureValue in
                let request = try TimeStampClient.request(for: signatureValue).request
                let token = try TimeStampClient.token(fromResponse: try tsa.respond(to: request))
                return [CMSAttribute(oid: CMSAttribute.OID.signatureTimeStampToken, values: [token])] + evidence
            }
        }
        return try #require(signature)
    }

    /// Plain CAdES-BES by one signer (revocation then comes from the service's configured CRLs).
    static func sign(_ document: Data = document, with name: String, attached: Bool = false) throws -> Data {
        let bundle = name == "stranger" ? try PKCS12Bundle.open(try data("other/stranger.p12"), password: password) : try key(name)
        return try CMSSigner.sign(
            .bytes(document), key: bundle.privateKey, certificate: bundle.certificate, chain: bundle.chain,
            parameters: CMSSignerParameters(attached: attached))
    }

    static func configuration(
        maxUploadBytes: Int = 8 << 20, proofs: (any ProofDirectory)? = nil, publicBaseURL: String? = nil, withCRLs: Bool = true
    ) throws -> ServiceConfiguration {
        ServiceConfiguration(
            host: "127.0.0.1", port: 0, trustAnchors: try anchors, crls: withCRLs ? try crls : [], maxUploadBytes: maxUploadBytes,
            validationThreads: 2, publicBaseURL: publicBaseURL, proofs: proofs)
    }

    /// The in-process verdict the service must reproduce.
    static func validate(_ signature: Data, document: Data?) throws -> ValidationReport {
        try SignatureValidator(policy: ValidationPolicy(trustAnchors: try anchors, crls: try crls, offline: true))
            .validate(signature: signature, document: document.map { .bytes($0) })
    }
}

/// A ProofDirectory over a dictionary, standing in for the vault: token → proof, nothing else opens a proof.
struct DictionaryProofDirectory: ProofDirectory {
    let proofs: [String: VaultProof]
    func proof(forToken token: String) throws -> VaultProof? { proofs[token] }
}

/// A ProofDirectory whose lookups block until the test opens the gate: holds a validation thread on purpose.
final class GatedProofDirectory: ProofDirectory, Sendable {
    let proof: VaultProof
    let token: String
    private let entered = NIOLockedValueBox(false)
    private let gate = DispatchSemaphore(value: 0)

    init(proof: VaultProof, token: String) {
        self.proof = proof
        self.token = token
    }

    var hasEntered: Bool { entered.withLockedValue { $0 } }
    func open() { gate.signal() }

    func proof(forToken token: String) throws -> VaultProof? {
        entered.withLockedValue { $0 = true }
        gate.wait()
        gate.signal()  // later lookups pass straight through
        return token == self.token ? proof : nil
    }
}

/// A multipart/form-data body as browsers and curl build it.
struct Multipart {
    struct Part {
        var name: String
        var fileName: String?
        var contentType: String?
        var data: Data
    }

    var boundary = "----edsvault-test-\(UUID().uuidString)"
    var parts: [Part] = []

    mutating func add(_ name: String, _ data: Data, fileName: String? = nil, contentType: String? = "application/octet-stream") {
        parts.append(Part(name: name, fileName: fileName, contentType: fileName == nil ? nil : contentType, data: data))
    }

    var body: Data {
        var out = Data()
        for part in parts {
            out += Data("--\(boundary)\r\n".utf8)
            var disposition = "Content-Disposition: form-data; name=\"\(part.name)\""
            if let fileName = part.fileName { disposition += "; filename=\"\(fileName)\"" }
            out += Data("\(disposition)\r\n".utf8)
            if let contentType = part.contentType { out += Data("Content-Type: \(contentType)\r\n".utf8) }
            out += Data("\r\n".utf8)
            out += part.data
            out += Data("\r\n".utf8)
        }
        out += Data("--\(boundary)--\r\n".utf8)
        return out
    }

    var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    static func verification(signature: Data, document: Data?, documentName: String = "order.txt") -> Multipart {
        var form = Multipart()
        form.add("signature", signature, fileName: "order.txt.cms", contentType: "application/pkcs7-signature")
        if let document { form.add("document", document, fileName: documentName) }
        return form
    }
}

extension TestClientProtocol {
    /// POSTs `form` to `uri` the way a browser or curl does (Content-Length set).
    func post(_ uri: String, _ form: Multipart, headers extra: HTTPFields = [:]) async throws -> TestResponse {
        let body = form.body
        var headers: HTTPFields = [.contentType: form.contentType, .contentLength: "\(body.count)"]
        headers.append(contentsOf: extra)
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(bytes: body))
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var data: Data { Data(body.readableBytesView) }
}

/// Keeps every log line the service writes, to prove no personal data reaches the log.
final class CapturedLog: @unchecked Sendable {
    private let lines = NIOLockedValueBox<[String]>([])
    var all: [String] { lines.withLockedValue { $0 } }

    var logger: Logger {
        Logger(label: "edsvault.test") { _ in Handler(log: self) }
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            let line = "\(event.level) \(event.message) " + merged.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " ")
            log.lines.withLockedValue { $0.append(line) }
        }
    }
}

/// Runs `body` against the service's application through HummingbirdTesting, then stops the validation threads.
func withTestService<T: Sendable>(
    _ configuration: ServiceConfiguration, logger: Logger = Logger(label: "edsvault.test") { _ in SwiftLogNoOpLogHandler() },
    setup: TestingSetup = .router,
    _ body: @escaping @Sendable (any TestClientProtocol) async throws -> T
) async throws -> T {
    try await VerificationService.withService(configuration, logger: logger) { service in
        try await service.makeApplication().test(setup, body)
    }
}
