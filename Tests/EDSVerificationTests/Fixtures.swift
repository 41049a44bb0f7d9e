import EDSCrypto
import EDSVerification
import Foundation

/// The demo PKI under Certs/ (demo-only keys; password in Certs/README.md).
enum DemoPKI {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let certs = root.appendingPathComponent("Certs")
    static let password = "Demo-2026!"

    static func data(_ path: String) throws -> Data { try Data(contentsOf: certs.appendingPathComponent(path)) }

    static func key(_ name: String) throws -> PKCS12Bundle { try PKCS12Bundle.open(try data("\(name).p12"), password: password) }

    static func strangerKey() throws -> PKCS12Bundle { try PKCS12Bundle.open(try data("other/stranger.p12"), password: password) }

    static var anchors: [Certificate] { get throws { try Certificate.parseAll(try data("trust/root.pem")) } }

    static var crls: [CertificateRevocationList] {
        get throws { [try CertificateRevocationList(try data("crl/nca_demo.crl")), try CertificateRevocationList(try data("crl/root.crl"))] }
    }

    static func policy(at time: Date? = nil, crls: Bool = true) throws -> ValidationPolicy {
        ValidationPolicy(trustAnchors: try anchors, crls: crls ? try self.crls : [], validationTime: time, offline: true)
    }

    static let document = Data("ПРИКАЗ № 17-К о приёме на работу. Қасымов Әлихан Серікұлы принят инженером.\n".utf8)

    static func sign(_ document: Data = document, with name: String, attached: Bool = false) throws -> Data {
        let bundle = try key(name)
        return try CMSSigner.sign(
            .bytes(document), key: bundle.privateKey, certificate: bundle.certificate, chain: bundle.chain,
            parameters: CMSSignerParameters(attached: attached))
    }
}

extension Date {
    static func iso(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }
}
