import EDSCrypto
import EDSVerification
import Foundation
import Testing

@testable import EDSCard

/// The demo PKI under Certs/ (demo-only keys; password in Certs/README.md) and the readers we did not write.
enum CardFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let password = "Demo-2026!"
    static let kazakhLetters = "Ә Ғ Қ Ң Ө Ұ Ү Һ І ә ғ қ ң ө ұ ү һ і"
    static let document = Data("БҰЙРЫҚ / ПРИКАЗ № 17-К\nҚасымов Әлихан Серікұлы инженер лауазымына қабылдансын.\n".utf8)

    static func certs(_ path: String) throws -> Data { try Data(contentsOf: root.appendingPathComponent("Certs").appendingPathComponent(path)) }

    static func key(_ name: String) throws -> PKCS12Bundle { try PKCS12Bundle.open(try certs("\(name).p12"), password: password) }

    static func validator() throws -> SignatureValidator {
        SignatureValidator(
            policy: ValidationPolicy(
                trustAnchors: try Certificate.parseAll(try certs("trust/root.pem")),
                crls: [try CertificateRevocationList(try certs("crl/nca_demo.crl")), try CertificateRevocationList(try certs("crl/root.crl"))],
                offline: true))
    }

    /// A detached CAdES-BES signature; `signingTime` orders signatures without a timestamp.
    static func sign(_ document: Data = document, with name: String, at signingTime: Date? = nil, adding existing: Data? = nil) throws -> Data {
        let bundle = try key(name)
        let parameters = CMSSignerParameters(signingTime: signingTime)
        if let existing {
            return try CMSSigner.addSigner(
                to: existing, document: .bytes(document), key: bundle.privateKey, certificate: bundle.certificate, chain: bundle.chain,
                parameters: parameters)
        }
        return try CMSSigner.sign(.bytes(document), key: bundle.privateKey, certificate: bundle.certificate, chain: bundle.chain, parameters: parameters)
    }

    static func card(
        _ document: Data = document, fileName: String = "приказ-17-К.txt", title: String? = nil, signatures: [Data],
        language: CardLanguage = .kazakhRussian, proofURL: String? = nil
    ) throws -> Data {
        let validator = try validator()
        return try DocumentCard.make(
            CardRequest(document: document, fileName: fileName, title: title, signatures: signatures, language: language, proofURL: proofURL)
        ) { cms, _ in try validator.validate(signature: cms, document: .bytes(document)) }
    }

    /// A PDF original of `pages` pages, drawn by the card's own renderer (any PDF would do).
    static func pdfOriginal(pages: Int) throws -> Data {
        let renderer = try CardRenderer(fontDirectory: DocumentCard.defaultFontDirectory)
        let blocks = (1...pages).map { CardBlock.title("БҰЙРЫҚ № 17-К, бет \($0)") }
        renderer.addPages(columns: [blocks.map { [renderer.paginate([$0], width: 400)[0][0]] }]) { "\($0 + 1)" }
        return try renderer.data()
    }

    static func scratch() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-card-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs a referee (qpdf, poppler's tools, openssl) found on PATH.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String], in directory: URL? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }
}
