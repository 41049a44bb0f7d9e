// edsvault-demo-pki: makes the DEMO-ONLY GOST 34.310-2015 PKI under Certs/ (driven by Certs/make-gost-demo-pki.sh).
// The OpenSSL CLI cannot make GOST certificates or key files; EDSCrypto's GOST code can.
@_spi(DemoPKI) import EDSCrypto
import Foundation

struct DemoFailure: Error, CustomStringConvertible {
    let description: String
}

func date(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

func write(_ data: Data, _ path: String, in directory: URL) throws {
    let url = directory.appendingPathComponent(path)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try data.write(to: url, options: .atomic)
}

func run() throws {
    let arguments = CommandLine.arguments.dropFirst()
    guard arguments.count == 1, let certs = arguments.first.map({ URL(fileURLWithPath: $0) }) else {
        throw DemoFailure(description: "usage: edsvault-demo-pki CERTS-DIRECTORY  (password from $DEMO_PASSWORD)")
    }
    guard let password = ProcessInfo.processInfo.environment["DEMO_PASSWORD"], !password.isEmpty else {
        throw DemoFailure(description: "set DEMO_PASSWORD (the demo PKI's public password)")
    }
    let rootKey = try GOSTDemoKey.generate()
    let root = try GOSTDemoIssuer.issue(
        GOSTCertificateRequest(
            subject: [("CN", "EDS VAULT DEMO GOST ROOT CA (ҚР ДЕМО ТҮБІР, GOST)"), ("O", "EDS Vault Demo"), ("C", "KZ")],
            notBefore: date("2020-01-01T00:00:00Z"), notAfter: date("2050-01-01T00:00:00Z"),
            extensions: [
                ("basicConstraints", "critical,CA:TRUE"), ("keyUsage", "critical,keyCertSign,cRLSign"), ("subjectKeyIdentifier", "hash"),
            ]),
        subjectKey: rootKey, issuer: nil, issuerKey: rootKey)
    let ncaKey = try GOSTDemoKey.generate()
    let nca = try GOSTDemoIssuer.issue(
        GOSTCertificateRequest(
            subject: [("CN", "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) DEMO"), ("O", "EDS Vault Demo"), ("C", "KZ")],
            notBefore: date("2020-01-01T00:00:00Z"), notAfter: date("2045-01-01T00:00:00Z"),
            extensions: [
                ("basicConstraints", "critical,CA:TRUE,pathlen:0"), ("keyUsage", "critical,keyCertSign,cRLSign"),
                ("subjectKeyIdentifier", "hash"), ("authorityKeyIdentifier", "keyid:always"),
            ]),
        subjectKey: ncaKey, issuer: root, issuerKey: rootKey)
    // The 2022-style single GOST key: it signs (nonRepudiation, emailProtection) and logs in (clientAuth).
    func person(_ subject: [(String, String)], roles: [String]) throws -> (GOSTDemoKey, Certificate) {
        let key = try GOSTDemoKey.generate()
        let certificate = try GOSTDemoIssuer.issue(
            GOSTCertificateRequest(
                subject: subject, notBefore: date("2024-01-01T00:00:00Z"), notAfter: date("2036-01-01T00:00:00Z"),
                extensions: [
                    ("keyUsage", "critical,digitalSignature,nonRepudiation,keyEncipherment"),
                    ("extendedKeyUsage", (["emailProtection", "clientAuth"] + roles).joined(separator: ",")),
                    ("subjectKeyIdentifier", "hash"), ("authorityKeyIdentifier", "keyid:always"),
                    ("crlDistributionPoints", "URI:http://127.0.0.1:18791/gost_nca_demo.crl"),
                ]),
            subjectKey: key, issuer: nca, issuerKey: ncaKey)
        return (key, certificate)
    }
    let (employeeKey, employee) = try person(
        [
            ("CN", "ҚАСЫМОВ ӘЛИХАН"), ("SN", "ҚАСЫМОВ"), ("serialNumber", "IIN900315301237"), ("C", "KZ"), ("GN", "СЕРІКҰЛЫ"),
            ("emailAddress", "alikhan@example.kz"),
        ], roles: ["1.2.398.3.3.4.1.1"])
    let (headKey, head) = try person(
        [
            ("CN", "НҰРЛАНОВ ДӘУЛЕТ"), ("SN", "НҰРЛАНОВ"), ("serialNumber", "IIN780209303213"), ("C", "KZ"), ("O", "ТОО «ДЕМО ҚҰРЫЛЫС»"),
            ("OU", "BIN150640123452"), ("GN", "БОЛАТҰЛЫ"), ("emailAddress", "director@demo-qurylys.example.kz"),
        ], roles: ["1.2.398.3.3.4.1.2", "1.2.398.3.3.4.1.2.1", "1.2.398.3.3.4.1.2.2"])

    try write(Data(root.pemEncoded.utf8), "trust/gost-root.pem", in: certs)
    try write(Data(root.pemEncoded.utf8), "ca/gost-root.pem", in: certs)
    try write(Data(nca.pemEncoded.utf8), "ca/gost-nca-demo.pem", in: certs)
    try write(Data(employee.pemEncoded.utf8), "employee-gost.pem", in: certs)
    try write(Data(head.pemEncoded.utf8), "head-gost.pem", in: certs)
    try write(try GOSTDemoIssuer.pkcs12(key: employeeKey, certificate: employee, chain: [nca, root], password: password), "employee-gost.p12", in: certs)
    try write(try GOSTDemoIssuer.pkcs12(key: headKey, certificate: head, chain: [nca, root], password: password), "head-gost.p12", in: certs)
    let now = Date()
    let until = date("2045-01-01T00:00:00Z")
    try write(try GOSTDemoIssuer.emptyCRL(issuer: nca, key: ncaKey, thisUpdate: now, nextUpdate: until, number: 1), "crl/gost_nca_demo.crl", in: certs)
    try write(try GOSTDemoIssuer.emptyCRL(issuer: root, key: rootKey, thisUpdate: now, nextUpdate: until, number: 1), "crl/gost_root.crl", in: certs)

    // Check what was made with the same code verifiers use: paths, CRLs, key files.
    for (name, certificate) in [("employee", employee), ("head", head)] {
        guard case .success(let path) = ChainValidator.buildPath(for: certificate, intermediates: [nca], anchors: [root]), path.certificates.count == 3
        else { throw DemoFailure(description: "the \(name) certificate does not chain to the GOST demo root") }
        let bundle = try PKCS12Bundle.open(try Data(contentsOf: certs.appendingPathComponent("\(name)-gost.p12")), password: password)
        guard bundle.privateKey.matches(bundle.certificate), bundle.certificate == certificate else {
            throw DemoFailure(description: "\(name)-gost.p12 does not open to its key and certificate")
        }
    }
    guard try CertificateRevocationList(try Data(contentsOf: certs.appendingPathComponent("crl/gost_nca_demo.crl"))).isSigned(by: nca),
        try CertificateRevocationList(try Data(contentsOf: certs.appendingPathComponent("crl/gost_root.crl"))).isSigned(by: root)
    else { throw DemoFailure(description: "a GOST demo CRL does not verify") }
    print("GOST demo PKI written under \(certs.path): root, NCA, employee-gost.p12, head-gost.p12, CRLs (all verified)")
}

do {
    try run()
} catch {
    FileHandle.standardError.write(Data("edsvault-demo-pki: \(error)\n".utf8))
    exit(1)
}
