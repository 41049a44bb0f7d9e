import EDSCrypto
import EDSVault
import EDSVerification
import Foundation

/// The demo PKI under Certs/ (demo-only keys; password in Certs/README.md) and fresh vaults in temporary folders.
enum VaultFixtures {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let certs = repository.appendingPathComponent("Certs")
    static let password = "Demo-2026!"

    static let employeeIIN = "900315301237"
    static let headIIN = "780209303213"
    static let hrIIN = "851104407890"
    static let employerBIN = "150640123452"
    static let employeeName = "ҚАСЫМОВ"

    static func data(_ path: String) throws -> Data { try Data(contentsOf: certs.appendingPathComponent(path)) }

    static func key(_ name: String) throws -> PKCS12Bundle {
        try PKCS12Bundle.open(try data("\(name).p12"), password: password)
    }

    /// A new vault with the demo root as anchor and the demo CRLs, so signatures validate offline.
    static func makeVault(environment: [String: String] = [:]) throws -> (vault: Vault, directory: URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-test-\(UUID().uuidString)")
        let vault = try Vault.create(
            at: directory, trustAnchors: [try data("trust/root.pem")],
            crls: [try data("crl/root.crl"), try data("crl/nca_demo.crl")], environment: environment)
        return (vault, directory)
    }

    static func metadata(
        owner: String = employeeIIN, type: DocumentType = .hiringOrder, title: String = "Приказ № 17-К о приёме на работу",
        requiring requirements: [SignerRequirement] = [.person(iin: employeeIIN), .employerRole(.firstHead)]
    ) -> DocumentMetadata {
        DocumentMetadata(
            ownerIIN: owner, employerBIN: employerBIN, type: type, title: title, fileName: "prikaz-17k.txt",
            requiredSigners: requirements)
    }

    static func document(_ number: Int = 17) -> Data {
        Data("ПРИКАЗ № \(number)-К о приёме на работу. Қасымов Әлихан Серікұлы принят инженером с 01.12.2026.\n".utf8)
    }

    static func sign(_ document: Data, with name: String) throws -> Data {
        let bundle = try key(name)
        return try CMSSigner.sign(
            .bytes(document), key: bundle.privateKey, certificate: bundle.certificate, chain: bundle.chain)
    }

    /// Every regular file under `directory`, recursively.
    static func files(under directory: URL) -> [URL] {
        let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey])
        var files: [URL] = []
        while let url = enumerator?.nextObject() as? URL {
            if (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true { files.append(url) }
        }
        return files
    }

    /// The files under `directory` whose bytes contain `needle`.
    static func filesContaining(_ needle: Data, under directory: URL) -> [String] {
        files(under: directory).filter { url in
            guard let contents = try? Data(contentsOf: url) else { return false }
            return contents.range(of: needle) != nil
        }.map(\.lastPathComponent)
    }
}
