import EDSCrypto
import EDSServer
import EDSVault
import EDSVerification
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// A fresh vault (demo anchors and CRLs) served with its API, and the credentials the tests act with.
struct VaultAPIFixture {
    static let employer = "150640123452"
    static let otherEmployer = "990340000012"
    /// The employee of Certs/employee.p12 and Certs/auth.p12.
    static let employee = "900315301237"
    static let secondEmployee = "880101300123"

    let directory: URL
    let vault: Vault
    let api: VaultAPI

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("vault-api-\(UUID().uuidString)")
        vault = try Vault.create(
            at: directory, trustAnchors: [try Demo.data("trust/root.pem")],
            crls: [try Demo.data("crl/root.crl"), try Demo.data("crl/nca_demo.crl")])
        api = VaultAPI(vault: vault, authenticator: try VaultAuthenticator(vault: vault))
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    var configuration: ServiceConfiguration {
        get throws {
            var configuration = try Demo.configuration()
            configuration.vaultAPI = api
            return configuration
        }
    }

    func key(_ role: APIKeyRole, employer: String = VaultAPIFixture.employer) throws -> String {
        try vault.createAPIKey(employerBIN: employer, role: role).key
    }

    /// Runs `body` against the service with this vault's API; the vault directory goes afterwards.
    func run(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        defer { remove() }
        try await withTestService(try configuration, body)
    }

    static func metadata(owners: [String] = [employee], employer: String = employer, type: String = "order-hiring", required: [String] = []) -> Data {
        let json: [String: Any] = ["ownerIINs": owners, "employerBIN": employer, "type": type, "title": "Приказ № 7", "requiredSigners": required]
        return try! JSONSerialization.data(withJSONObject: json)
    }

    static func putForm(_ document: Data = Demo.document, metadata: Data = metadata()) -> Multipart {
        var form = Multipart()
        form.add("metadata", metadata, fileName: nil)
        form.add("document", document, fileName: "order.txt")
        return form
    }
}

extension TestClientProtocol {
    func call(
        _ uri: String, _ method: HTTPRequest.Method = .get, bearer: String?, headers extra: HTTPFields = [:], body: Data? = nil,
        contentType: String? = nil
    ) async throws -> TestResponse {
        var headers = extra
        if let bearer { headers[.authorization] = "Bearer \(bearer)" }
        if let contentType { headers[.contentType] = contentType }
        if let body { headers[.contentLength] = "\(body.count)" }
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) })
    }

    func put(_ form: Multipart, bearer: String?) async throws -> TestResponse {
        try await post("/api/v1/vault/documents", form, headers: bearer.map { [.authorization: "Bearer \($0)"] } ?? [:])
    }

    /// Signs in with an AUTH key: challenge, attached CMS over the nonce, session token.
    func signIn(_ key: PKCS12Bundle) async throws -> String {
        let challenge = try await call("/api/v1/vault/auth/challenge", .post, bearer: nil)
        #expect(challenge.status == .created)
        let nonce = try #require(try JSONSerialization.jsonObject(with: challenge.data) as? [String: Any])["nonce"] as? String
        let cms = try AuthKeys.signNonce(try #require(nonce), with: key)
        let session = try await call("/api/v1/vault/auth/session", .post, bearer: nil, body: cms, contentType: "application/pkcs7-signature")
        #expect(session.status == .created, "\(session.text)")
        return try #require(try JSONSerialization.jsonObject(with: session.data) as? [String: Any])["token"] as? String ?? ""
    }
}

extension TestResponse {
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:] }
    var errorRule: String? { (json["error"] as? [String: Any])?["rule"] as? String }
    var errorMessage: String { (json["error"] as? [String: Any])?["message"] as? String ?? "" }
}

/// AUTH certificates (clientAuth) issued in the test by the demo NCA (Certs/ca/nca-demo.key): Certs/ has only one,
/// Certs/auth.p12, for the first employee. Made with OpenSSL's CLI, as Certs/make-demo-pki.sh makes the others.
enum AuthKeys {
    static let employee = "auth"

    static func bundle(_ name: String) throws -> PKCS12Bundle { try Demo.key(name) }

    /// A new AUTH key and certificate for `iin` (and `bin` with `roles`, EKU OIDs under 1.2.398.3.3.4.1.2).
    static func make(iin: String, bin: String? = nil, roles: [String] = [], clientAuth: Bool = true) throws -> PKCS12Bundle {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("auth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        var eku = [clientAuth ? "clientAuth" : "emailProtection", bin == nil ? "1.2.398.3.3.4.1.1" : "1.2.398.3.3.4.1.2"]
        eku += roles
        let extensions = """
            basicConstraints=critical,CA:FALSE
            keyUsage=critical,\(clientAuth ? "digitalSignature,keyEncipherment" : "digitalSignature,nonRepudiation")
            extendedKeyUsage=\(eku.joined(separator: ","))
            subjectKeyIdentifier=hash
            authorityKeyIdentifier=keyid
            """
        try extensions.write(to: work.appendingPathComponent("ext.cnf"), atomically: true, encoding: .utf8)
        let subject = "/CN=TEST PERSON/SN=TEST/serialNumber=IIN\(iin)/C=KZ" + (bin.map { "/O=TEST ORG/OU=BIN\($0)" } ?? "")
        try openssl(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-subj", subject, "-out", "req.pem"], in: work)
        try openssl(
            [
                "x509", "-req", "-in", "req.pem", "-CA", Demo.certs.appendingPathComponent("ca/nca-demo.pem").path,
                "-CAkey", Demo.certs.appendingPathComponent("ca/nca-demo.key").path, "-set_serial", "0x\(UUID().uuidString.prefix(8))",
                "-days", "30", "-sha256", "-extfile", "ext.cnf", "-out", "cert.pem",
            ], in: work)
        return PKCS12Bundle(
            privateKey: try PrivateKey(pemOrDER: try Data(contentsOf: work.appendingPathComponent("key.pem"))),
            certificate: try #require(try Certificate.parseAll(try Data(contentsOf: work.appendingPathComponent("cert.pem"))).first),
            chain: try Certificate.parseAll(try Demo.data("ca/nca-demo.pem")))
    }

    static func openssl(_ arguments: [String], in directory: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "openssl \(arguments.first ?? "")")
    }

    /// The CMS a sign-in sends: attached, the nonce's UTF-8 bytes as content, the chain inside.
    static func signNonce(_ nonce: String, with key: PKCS12Bundle) throws -> Data {
        try CMSSigner.sign(
            .bytes(Data(nonce.utf8)), key: key.privateKey, certificate: key.certificate, chain: key.chain,
            parameters: CMSSignerParameters(attached: true))
    }
}
