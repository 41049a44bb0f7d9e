import EDSCrypto
import Foundation
import Testing

/// CRLs with many entries (NCA RK's lists 500,000) are indexed in place rather than decoded entry by entry: what a
/// lookup and a signature check answer must stay what OpenSSL's X509_CRL gave.
struct LargeCRLTests {
    /// The demo NCA's CRL (its real revocation of `revoked.pem` included) padded with `fillers` superseded serials
    /// and an entry removing `employee.pem` from the list, issued by `openssl ca -gencrl` with the demo NCA key
    /// (`Certs/make-big-crl`, the generator the big-CRL bench row uses too).
    static func demoCRL(fillers: Int) throws -> (der: Data, pem: Data) {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("big-crl-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let employeeSerial = try Self.certificate("employee.pem").serialNumberHex
        let generator = Process()
        generator.executableURL = Certs.directory.appendingPathComponent("make-big-crl")
        generator.arguments = [work.path, String(fillers), "--remove-from-crl", employeeSerial]
        try generator.run()
        generator.waitUntilExit()
        #expect(generator.terminationStatus == 0, "Certs/make-big-crl")
        return (
            try Data(contentsOf: work.appendingPathComponent("big.crl")), try Data(contentsOf: work.appendingPathComponent("big.crl.pem"))
        )
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

    /// § 5.3.1 removeFromCRL is not a revocation; the entry says so (a delta's removeFromCRL lifts a base's hold,
    /// RFC 5280 § 6.3.3 (k), which `DeltaCRLTests` checks through validation).
    @Test func entryRemovedFromTheCRLIsNotARevocation() throws {
        let crl = try CertificateRevocationList(try Self.demoCRL(fillers: 10).der)
        #expect(crl.entry(for: try Self.certificate("employee.pem")) == .removedFromCRL)
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
        // The last filler serial's final byte (8-byte serials 0x10000000…): still a well-formed CRL, no longer the one
        // the CA signed.
        let marker = Data([0x02, 0x08, 0x10, 0x00, 0x00, 0x00])
        let at = try #require(der.range(of: marker, options: .backwards)).upperBound + 3
        der[at] ^= 0x01
        let crl = try CertificateRevocationList(der)
        #expect(!crl.isSigned(by: try Self.certificate("ca/nca-demo.pem")))
    }
}
