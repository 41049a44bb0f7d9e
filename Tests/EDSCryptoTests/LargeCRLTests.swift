import EDSCrypto
import Foundation
import Testing

/// CRLs with many entries (NCA RK's lists 500,000) are indexed in place rather than decoded entry by entry: what a
/// lookup and a signature check answer must stay what OpenSSL's X509_CRL gave.
struct LargeCRLTests {
    /// The demo NCA's CRL (its real revocation of `revoked.pem` included) padded with `fillers` superseded serials
    /// and an entry removing `employee.pem` from the list, issued by `openssl ca -gencrl` with the demo NCA key.
    static func demoCRL(fillers: Int) throws -> (der: Data, pem: Data) {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("big-crl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let certs = Certs.directory.path
        let employeeSerial = try Self.certificate("employee.pem").serialNumberHex.uppercased()
        // The employee's valid entry becomes a removeFromCRL one (an index holds each serial once).
        var index = try String(contentsOfFile: "\(certs)/demo-ca/nca/index.txt", encoding: .utf8).split(separator: "\n").map { line in
            var fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 6, fields[3].uppercased() == employeeSerial else { return String(line) }
            fields[0] = "R"
            fields[2] = "250101000000Z,removeFromCRL"
            return fields.joined(separator: "\t")
        }.joined(separator: "\n") + "\n"
        for number in 0..<fillers {
            index += "R\t360101000000Z\t250101000000Z,superseded\t\(String(0x1000_0000_0000 + number * 7919, radix: 16, uppercase: true))\tunknown\t/CN=filler \(number)\n"
        }
        try index.write(to: work.appendingPathComponent("index.txt"), atomically: true, encoding: .utf8)
        try "unique_subject = no\n".write(to: work.appendingPathComponent("index.txt.attr"), atomically: true, encoding: .utf8)
        try "1000\n".write(to: work.appendingPathComponent("crlnumber"), atomically: true, encoding: .utf8)
        try """
            [ ca ]
            default_ca = big
            [ big ]
            database = \(work.path)/index.txt
            crlnumber = \(work.path)/crlnumber
            default_md = sha256
            default_crl_days = 3650
            certificate = \(certs)/ca/nca-demo.pem
            private_key = \(certs)/ca/nca-demo.key
            """.write(to: work.appendingPathComponent("ca.cnf"), atomically: true, encoding: .utf8)
        let pem = work.appendingPathComponent("big.pem").path
        let der = work.appendingPathComponent("big.der").path
        try openssl(["ca", "-batch", "-config", "\(work.path)/ca.cnf", "-gencrl", "-out", pem])
        try openssl(["crl", "-in", pem, "-outform", "DER", "-out", der])
        return (try Data(contentsOf: URL(fileURLWithPath: der)), try Data(contentsOf: URL(fileURLWithPath: pem)))
    }

    static func openssl(_ arguments: [String]) throws {
        #expect(try OpenSSLCLI.run(arguments) == 0, "openssl \(arguments)")
    }

    static func certificate(_ path: String) throws -> Certificate {
        try #require(try Certificate.parseAll(try Certs.data(path)).first)
    }

    @Test func revokedCertificateAmongManyEntriesIsFoundWithItsTimeAndReason() throws {
        let crl = try CertificateRevocationList(try Self.demoCRL(fillers: 20_000).der)
        #expect(
            crl.entry(for: try Self.certificate("revoked.pem"))
                == .revoked(at: Date(timeIntervalSince1970: 1_748_736_000), reason: "keyCompromise"))
        #expect(crl.entry(for: try Self.certificate("head.pem")) == .notListed)
        #expect(crl.isSigned(by: try Self.certificate("ca/nca-demo.pem")))
        #expect(!crl.isSigned(by: try Self.certificate("ca/root.pem")))
    }

    @Test func entryRemovedFromTheCRLIsNotARevocation() throws {
        let crl = try CertificateRevocationList(try Self.demoCRL(fillers: 10).der)
        #expect(crl.entry(for: try Self.certificate("employee.pem")) == .notListed)
    }

    @Test func pemAndDERFormsReadAlike() throws {
        let made = try Self.demoCRL(fillers: 1_000)
        let fromDER = try CertificateRevocationList(made.der)
        let fromPEM = try CertificateRevocationList(made.pem)
        #expect(fromPEM.derEncoded == made.der)
        #expect(fromPEM.issuer == fromDER.issuer)
        #expect(fromPEM.thisUpdate == fromDER.thisUpdate && fromPEM.nextUpdate == fromDER.nextUpdate)
        let revoked = try Self.certificate("revoked.pem")
        #expect(fromPEM.entry(for: revoked) == fromDER.entry(for: revoked))
    }

    @Test func alteredEntryBreaksTheSignature() throws {
        var der = try Self.demoCRL(fillers: 1_000).der
        // The last filler serial's final byte: still a well-formed CRL, no longer the one the CA signed.
        let marker = Data([0x02, 0x06, 0x10, 0x00])
        let at = try #require(der.range(of: marker, options: .backwards)).upperBound + 3
        der[at] ^= 0x01
        let crl = try CertificateRevocationList(der)
        #expect(!crl.isSigned(by: try Self.certificate("ca/nca-demo.pem")))
    }
}
