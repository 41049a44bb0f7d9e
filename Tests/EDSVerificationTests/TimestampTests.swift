import EDSCrypto
import EDSVerification
import Foundation
import Testing

/// CAdES-T: the timestamp's genTime is the signing moment.
struct TimestampTests {
    static func authority() throws -> TimeStampAuthority {
        TimeStampAuthority(
            certificate: try #require(try Certificate.parseAll(try DemoPKI.data("tsa.pem")).first),
            key: try PrivateKey(pemOrDER: try DemoPKI.data("tsa.key")),
            chain: try Certificate.parseAll(try DemoPKI.data("ca/nca-demo.pem")))
    }

    /// Signs with `name`, timestamped by the demo TSA at `time`; `stampedData` lets a test stamp the wrong bytes.
    static func signTimestamped(_ name: String, at time: Date, stampedData: Data? = nil) throws -> Data {
        let bundle = try DemoPKI.key(name)
        let tsa = try authority()
        return try CMSSigner.sign(
            .bytes(DemoPKI.document), key: bundle.privateKey, certificate: bundle.certificate, chain: bundle.chain,
            parameters: CMSSignerParameters(signingTime: time)
        ) { signatureValue in
            let request = try TimeStampClient.request(for: stampedData ?? signatureValue).request
            let token = try TimeStampClient.token(fromResponse: try tsa.respond(to: request, at: time))
            return [CMSAttribute(oid: CMSAttribute.OID.signatureTimeStampToken, values: [token])]
        }
    }

    func validate(_ signature: Data, at time: Date? = nil) throws -> ValidationReport {
        try SignatureValidator(policy: try DemoPKI.policy(at: time)).validate(signature: signature, document: .bytes(DemoPKI.document))
    }

    @Test func timestampIsTheSigningMomentAndOutlivesTheCertificate() throws {
        let signature = try Self.signTimestamped("employee", at: .iso("2026-03-02T09:00:00Z"))
        let report = try validate(signature, at: .iso("2040-01-01T00:00:00Z"))
        #expect(report.indication == .totalPassed, "\(report.signatures[0].errors)")
        #expect(report.signatures[0].timestamp?.genTime == .iso("2026-03-02T09:00:00Z"))
        #expect(report.signatures[0].timestamp?.tsa == "EDS VAULT DEMO TSA")
    }

    @Test func revokedAfterTheTimestampStillPasses() throws {
        let signature = try Self.signTimestamped("revoked", at: .iso("2025-01-15T10:00:00Z"))
        let report = try validate(signature)
        #expect(report.indication == .totalPassed)
        #expect(report.signatures[0].revocation?.status == .revoked)
    }

    @Test func revokedBeforeTheTimestampIsTotalFailedRevoked() throws {
        let signature = try Self.signTimestamped("revoked", at: .iso("2025-09-01T10:00:00Z"))
        let report = try validate(signature)
        #expect(report.indication == .totalFailed)
        #expect(report.subIndication == .revoked)
    }

    @Test func timestampAfterExpiryIsTotalFailedExpired() throws {
        let signature = try Self.signTimestamped("expired", at: .iso("2024-06-01T00:00:00Z"))
        let report = try validate(signature)
        #expect(report.indication == .totalFailed)
        #expect(report.subIndication == .expired)
    }

    @Test func timestampOutsideTheTSAsOwnValidityIsNotTrusted() throws {
        // The demo TSA certificate is valid from 2024-01-01: a token claiming 2020 cannot be its work.
        let signature = try Self.signTimestamped("expired", at: .iso("2020-06-01T00:00:00Z"))
        let report = try validate(signature)
        #expect(report.subIndication == .noPOE)
        #expect(report.signatures[0].checks.contains { $0.name == "timestamp" && $0.detail.contains("not valid at genTime") })
    }

    @Test func timestampOverOtherDataIsNotTrusted() throws {
        let signature = try Self.signTimestamped("employee", at: .iso("2026-03-02T09:00:00Z"), stampedData: Data("something else".utf8))
        let report = try validate(signature)
        #expect(report.indication == .indeterminate)
        #expect(report.subIndication == .noPOE)
        #expect(report.signatures[0].timestamp == nil)
        #expect(report.signatures[0].checks.contains { $0.name == "timestamp" && !$0.passed && $0.detail.contains("other data") })
    }

    @Test func tamperedTimestampTokenIsNotTrusted() throws {
        let signature = try Self.signTimestamped("employee", at: .iso("2026-03-02T09:00:00Z"))
        let token = try #require(try CMSSignedData(signature).signers.first?.unsignedAttribute(CMSAttribute.OID.signatureTimeStampToken)?.values.first)
        // Move genTime by editing "20260302" inside the token's TSTInfo.
        var bytes = [UInt8](signature)
        let tokenBytes = [UInt8](token)
        let genTime = [UInt8]("20260302".utf8)
        let tokenAt = try #require((0...(bytes.count - tokenBytes.count)).first { bytes[$0..<($0 + tokenBytes.count)].elementsEqual(tokenBytes) })
        let timeAt = try #require((tokenAt..<(tokenAt + tokenBytes.count - genTime.count)).first { bytes[$0..<($0 + genTime.count)].elementsEqual(genTime) })
        bytes[timeAt + 7] = UInt8(ascii: "1")
        let report = try validate(Data(bytes))
        #expect(report.indication != .totalPassed)
        #expect(report.signatures[0].checks.contains { $0.name == "timestamp" && !$0.passed })
    }

    static func token(of signature: Data) throws -> Data {
        try #require(try CMSSignedData(signature).signers.first?.unsignedAttribute(CMSAttribute.OID.signatureTimeStampToken)?.values.first)
    }

    /// The validator reads tokens with their certificates kept away from OpenSSL's CMS decoder (reused or cached):
    /// what it sees must be exactly what the full decoder sees.
    @Test func tokenReadWithReusedCertificatesMatchesTheFullDecoder() throws {
        let der = try Self.token(of: try Self.signTimestamped("employee", at: .iso("2026-03-02T09:00:00Z")))
        let intermediate = try #require(try Certificate.parseAll(try DemoPKI.data("ca/nca-demo.pem")).first)
        let full = try CMSSignedData(der)
        let reusing = try TimeStampToken(der, reusingCertificates: [intermediate])
        #expect(reusing.signedData.encoded == der)
        #expect(reusing.signedData.certificates.map(\.derEncoded) == full.certificates.map(\.derEncoded))
        #expect(reusing.signedData.certificates.count == 2)
        // The byte-identical known certificate is that very object: not parsed a second time.
        #expect(reusing.signedData.certificates.contains { $0 === intermediate })
        #expect(reusing.signedData.encapsulatedContent == full.encapsulatedContent)
        let signer = try #require(reusing.signedData.signers.first)
        #expect(signer.signatureValue == full.signers.first?.signatureValue)
        #expect(signer.signedAttributes == full.signers.first?.signedAttributes)
        let tsa = try #require(reusing.signedData.signerCertificate(for: signer))
        #expect(tsa.subject.commonName == "EDS VAULT DEMO TSA")
        let content = try #require(reusing.signedData.encapsulatedContent)
        let digest = try Digest.hash(content, algorithm: try #require(signer.digestAlgorithm))
        #expect(reusing.signedData.verifySignatureValue(of: signer, with: tsa, contentDigest: digest) == .valid)
    }

    /// Reuse and caching go by exact bytes: a TSA certificate altered inside the token is parsed as what it is
    /// (and cached as such), and the token is not trusted.
    @Test func alteredTSACertificateInsideTheTokenIsNotTrusted() throws {
        let signature = try Self.signTimestamped("employee", at: .iso("2026-03-02T09:00:00Z"))
        #expect(try validate(signature).indication == .totalPassed)  // the genuine TSA certificate is cached now
        let tsaCertificate = [UInt8](try #require(try Certificate.parseAll(try DemoPKI.data("tsa.pem")).first).derEncoded)
        var bytes = [UInt8](signature)
        let at = try #require((0...(bytes.count - tsaCertificate.count)).first { bytes[$0..<($0 + tsaCertificate.count)].elementsEqual(tsaCertificate) })
        bytes[at + tsaCertificate.count - 5] ^= 0x01  // inside the certificate's signature value
        let report = try validate(Data(bytes))
        #expect(report.indication != .totalPassed)
        #expect(report.signatures[0].timestamp == nil)
        #expect(report.signatures[0].checks.contains { $0.name == "timestamp" && !$0.passed })
    }

    /// A CRL of the demo intermediate listing the demo TSA as revoked at `revokedAt` for `reason`, made by
    /// `openssl ca -gencrl` (EDSCrypto issues no CRLs). thisUpdate is now: later than every genTime used here.
    static func crlRevokingTheTSA(at revokedAt: String, reason: String) throws -> CertificateRevocationList {
        let tsa = try #require(try Certificate.parseAll(try DemoPKI.data("tsa.pem")).first)
        return try DeltaCRLTests.rsaCRL(number: 1, revoked: [DeltaCRLTests.Listed(certificate: tsa, date: revokedAt, reason: reason)])
    }

    /// The demo root's CRL and `nca`, instead of the demo intermediate's own CRL.
    static func policy(withIntermediateCRL nca: CertificateRevocationList) throws -> ValidationPolicy {
        ValidationPolicy(trustAnchors: try DemoPKI.anchors, crls: [nca, try CertificateRevocationList(try DemoPKI.data("crl/root.crl"))], offline: true)
    }

    /// RFC 3161 § 4: a TSA certificate retired (superseded) after a token was made leaves the token standing.
    @Test func tsaRetiredAfterTheTokenKeepsItsTimestamps() throws {
        let signature = try Self.signTimestamped("employee", at: .iso("2026-03-02T09:00:00Z"))
        let crl = try Self.crlRevokingTheTSA(at: "260401000000Z", reason: "superseded")
        let report = try SignatureValidator(policy: try Self.policy(withIntermediateCRL: crl))
            .validate(signature: signature, document: .bytes(DemoPKI.document))
        #expect(report.indication == .totalPassed, "\(report.signatures[0].errors)")
        #expect(report.signatures[0].timestamp != nil)
        #expect(report.signatures[0].checks.contains { $0.name == "timestamp" && $0.passed && $0.detail.contains("timestamps made before stand") })
    }

    /// RFC 3161 § 4: after a key compromise no token of that key proves anything, whatever genTime it claims.
    @Test func tsaKeyCompromiseDiscreditsEvenEarlierTokens() throws {
        let signature = try Self.signTimestamped("employee", at: .iso("2026-03-02T09:00:00Z"))
        let crl = try Self.crlRevokingTheTSA(at: "260401000000Z", reason: "keyCompromise")
        let report = try SignatureValidator(policy: try Self.policy(withIntermediateCRL: crl))
            .validate(signature: signature, document: .bytes(DemoPKI.document))
        #expect(report.subIndication == .noPOE)
        #expect(report.signatures[0].timestamp == nil)
        #expect(report.signatures[0].checks.contains { $0.name == "timestamp" && !$0.passed && $0.detail.contains("may be compromised") })
    }

    @Test func tsaRevokedBeforeGenTimeIsNotTrusted() throws {
        let signature = try Self.signTimestamped("employee", at: .iso("2026-03-02T09:00:00Z"))
        let crl = try Self.crlRevokingTheTSA(at: "260101000000Z", reason: "superseded")
        let report = try SignatureValidator(policy: try Self.policy(withIntermediateCRL: crl))
            .validate(signature: signature, document: .bytes(DemoPKI.document))
        #expect(report.subIndication == .noPOE)
        #expect(report.signatures[0].checks.contains { $0.name == "timestamp" && !$0.passed && $0.detail.contains("before the timestamp's genTime") })
    }

    /// Nothing to tell the TSA's status by: the timestamp is used, and the report says what was not known.
    @Test func tsaWithoutRevocationDataIsAWarning() throws {
        let signature = try Self.signTimestamped("employee", at: .iso("2026-03-02T09:00:00Z"))
        let report = try SignatureValidator(policy: try DemoPKI.policy(crls: false))
            .validate(signature: signature, document: .bytes(DemoPKI.document))
        #expect(report.signatures[0].timestamp != nil)
        #expect(report.signatures[0].warnings.contains { $0.contains("revocation status of the TSA certificate is unknown") })
        let checked = try validate(signature)
        #expect(checked.signatures[0].checks.contains { $0.name == "timestamp" && $0.detail.hasPrefix("the TSA certificate is not revoked (CRL of ") })
    }
}
