@_spi(DemoPKI) @testable import EDSCrypto
import EDSVerification
import Foundation
import Testing

/// NCA RK publishes a base CRL and a delta CRL (Freshest CRL): RFC 5280 § 5.2.4, § 6.3.3 (c)–(k). A certificate
/// revoked since the last base CRL must not verify; a delta is never used alone; a narrower-scope CRL a signer embeds
/// does not speak for it. RSA CRLs are made by `openssl ca -gencrl` (the referee's own encoder), GOST ones by the demo
/// issuer, on the same shapes.
struct DeltaCRLTests {
    /// An entry of the demo intermediate's CA database: the certificate, when revoked, and the reason as `openssl ca`
    /// spells it ("keyCompromise", "certificateHold", "removeFromCRL").
    struct Listed {
        let certificate: Certificate
        let date: String
        let reason: String
    }

    /// A CRL of the demo intermediate (Certs/ca/nca-demo) listing `revoked`, numbered `number`; a delta CRL of base
    /// `deltaOf` when given; `extensions` go into its CRL extension section, `sections` define what they refer to.
    /// Made by `Certs/make-demo-crl` (`openssl ca -gencrl`).
    static func rsaCRL(
        number: Int, revoked: [Listed], deltaOf base: Int? = nil, extensions: [String] = [], sections: [(String, String)] = []
    ) throws -> CertificateRevocationList {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("demo-crl-\(UUID().uuidString).crl")
        defer { try? FileManager.default.removeItem(at: out) }
        var arguments = [out.path, "--number", String(number)]
        for entry in revoked { arguments += ["--revoke", "\(entry.certificate.serialNumberHex),\(entry.date),\(entry.reason)"] }
        if let base { arguments += ["--delta-of", String(base)] }
        for line in extensions { arguments += ["--extension", line] }
        for (name, line) in sections { arguments += ["--section", name, line] }
        let maker = Process()
        maker.executableURL = DemoPKI.certs.appendingPathComponent("make-demo-crl")
        maker.arguments = arguments
        let errors = Pipe()
        maker.standardOutput = FileHandle.nullDevice
        maker.standardError = errors
        try maker.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        maker.waitUntilExit()
        #expect(maker.terminationStatus == 0, "\(String(decoding: message, as: UTF8.self))")
        return try CertificateRevocationList(try Data(contentsOf: out))
    }

    static var employee: Certificate { get throws { try DemoPKI.key("employee").certificate } }
    static var rootCRL: CertificateRevocationList { get throws { try CertificateRevocationList(try DemoPKI.data("crl/root.crl")) } }

    static func validate(crls: [CertificateRevocationList]) throws -> ValidationReport {
        let policy = ValidationPolicy(trustAnchors: try DemoPKI.anchors, crls: crls + [try rootCRL], offline: true)
        return try SignatureValidator(policy: policy).validate(signature: try DemoPKI.sign(with: "employee"), document: .bytes(DemoPKI.document))
    }

    static func revocationDetail(_ report: ValidationReport) -> String {
        report.signatures[0].checks.filter { $0.name == "revocation" }.map(\.detail).joined(separator: " | ")
    }

    @Test func aRevocationInTheDeltaOnlyIsFound() throws {
        let base = try Self.rsaCRL(number: 0x10, revoked: [])
        let delta = try Self.rsaCRL(number: 0x11, revoked: [Listed(certificate: try Self.employee, date: "260101000000Z", reason: "keyCompromise")], deltaOf: 0x10)
        // The base alone says good: that was the whole verdict before deltas were read.
        #expect(try Self.validate(crls: [base]).indication == .totalPassed)
        let report = try Self.validate(crls: [base, delta])
        #expect(report.indication == .indeterminate)
        #expect(report.subIndication == .revokedNoPOE, "\(Self.revocationDetail(report))")
        #expect(Self.revocationDetail(report).contains("delta CRL"))
        #expect(report.signatures[0].revocation?.status == .revoked)
    }

    @Test func aRevocationInTheBaseStandsWhateverTheDeltaSays() throws {
        let listed = Listed(certificate: try Self.employee, date: "260101000000Z", reason: "keyCompromise")
        let base = try Self.rsaCRL(number: 0x10, revoked: [listed])
        let delta = try Self.rsaCRL(number: 0x11, revoked: [], deltaOf: 0x10)
        #expect(try Self.validate(crls: [base, delta]).subIndication == .revokedNoPOE)
    }

    @Test func aDeltaAloneIsNeverUsed() throws {
        let delta = try Self.rsaCRL(number: 0x11, revoked: [], deltaOf: 0x10)
        let report = try Self.validate(crls: [delta])
        #expect(report.indication == .indeterminate)
        #expect(report.subIndication == .tryLater)
        #expect(Self.revocationDetail(report).contains("is not used without its complete CRL"), "\(Self.revocationDetail(report))")
    }

    /// § 5.2.4: a delta applies to a base whose number is at least its BaseCRLNumber.
    @Test func aDeltaForANewerBaseIsNotApplied() throws {
        let base = try Self.rsaCRL(number: 0x10, revoked: [])
        let delta = try Self.rsaCRL(number: 0x21, revoked: [Listed(certificate: try Self.employee, date: "260101000000Z", reason: "keyCompromise")], deltaOf: 0x20)
        #expect(try Self.validate(crls: [base, delta]).indication == .totalPassed)
    }

    /// § 5.3.1: a delta's removeFromCRL lifts the base's certificateHold.
    @Test func removeFromCRLInTheDeltaLiftsAHold() throws {
        let held = Listed(certificate: try Self.employee, date: "260101000000Z", reason: "certificateHold")
        let base = try Self.rsaCRL(number: 0x10, revoked: [held])
        #expect(try Self.validate(crls: [base]).subIndication == .revokedNoPOE)
        let delta = try Self.rsaCRL(
            number: 0x11, revoked: [Listed(certificate: try Self.employee, date: "260102000000Z", reason: "removeFromCRL")], deltaOf: 0x10)
        let report = try Self.validate(crls: [base, delta])
        #expect(report.indication == .totalPassed, "\(Self.revocationDetail(report))")
    }

    /// A revoked signer who embeds (or hands over) only a CRL whose scope is CA certificates gets no verdict from it.
    @Test func aNarrowerScopeCRLDoesNotSpeakForAnEndEntity() throws {
        let caOnly = try Self.rsaCRL(
            number: 0x30, revoked: [], extensions: ["issuingDistributionPoint = critical, @idp"], sections: [("idp", "onlyCA = TRUE")])
        let report = try Self.validate(crls: [caOnly])
        #expect(report.indication == .indeterminate)
        #expect(report.subIndication == .tryLater)
        #expect(Self.revocationDetail(report).contains("covers CA certificates only"), "\(Self.revocationDetail(report))")
    }

    @Test func aCRLWithAnUnknownCriticalExtensionIsPassedOverWithTheReason() throws {
        let odd = try Self.rsaCRL(number: 0x31, revoked: [], extensions: ["1.2.3.4.5 = critical, ASN1:NULL"])
        let report = try Self.validate(crls: [odd])
        #expect(report.subIndication == .tryLater)
        #expect(Self.revocationDetail(report).contains("unknown critical extension 1.2.3.4.5"), "\(Self.revocationDetail(report))")
    }

    // MARK: - GOST: the same shapes on a GOST 34.310-2015 path

    struct GOSTPKI {
        let root: Certificate
        let rootCRL: CertificateRevocationList
        let ca: Certificate
        let caKey: GOSTDemoKey
        let leaf: Certificate
        let leafKey: GOSTDemoKey

        static let caProfile = [("basicConstraints", "critical,CA:TRUE"), ("keyUsage", "critical,keyCertSign,cRLSign"), ("subjectKeyIdentifier", "hash")]
        static let leafProfile = [("keyUsage", "critical,digitalSignature,nonRepudiation"), ("subjectKeyIdentifier", "hash")]

        static func issue(_ name: String, key: GOSTDemoKey, by issuer: (Certificate, GOSTDemoKey)?, extensions: [(String, String)]) throws -> Certificate {
            try GOSTDemoIssuer.issue(
                GOSTCertificateRequest(
                    subject: [("CN", name), ("O", "EDS Vault Demo"), ("C", "KZ")], notBefore: .iso("2026-01-01T00:00:00Z"),
                    notAfter: .iso("2031-01-01T00:00:00Z"), extensions: extensions),
                subjectKey: key, issuer: issuer?.0, issuerKey: issuer?.1 ?? key)
        }

        init(caExtensions: [(String, String)] = [], leafExtensions: [(String, String)] = []) throws {
            let rootKey = try GOSTDemoKey.generate()
            root = try Self.issue("GOST ROOT", key: rootKey, by: nil, extensions: Self.caProfile)
            caKey = try GOSTDemoKey.generate()
            rootCRL = try CertificateRevocationList(
                try GOSTDemoIssuer.crl(
                    issuer: root, key: rootKey, thisUpdate: .iso("2026-11-01T00:00:00Z"), nextUpdate: .iso("2031-01-01T00:00:00Z"), number: 1))
            ca = try Self.issue(
                "GOST NCA", key: caKey, by: (root, rootKey), extensions: Self.caProfile + [("authorityKeyIdentifier", "keyid")] + caExtensions)
            leafKey = try GOSTDemoKey.generate()
            leaf = try Self.issue(
                "ҚАСЫМОВ ӘЛИХАН", key: leafKey, by: (ca, caKey),
                extensions: Self.leafProfile + [("extendedKeyUsage", "emailProtection")] + leafExtensions)
        }

        func signature() throws -> Data {
            try CMSSigner.sign(
                .bytes(DemoPKI.document), key: leafKey.privateKey, certificate: leaf, chain: [ca, root], parameters: CMSSignerParameters())
        }

        func crl(number: Int, revoked: [GOSTDemoIssuer.RevokedEntry] = [], deltaOf base: Int? = nil) throws -> CertificateRevocationList {
            try CertificateRevocationList(
                try GOSTDemoIssuer.crl(
                    issuer: ca, key: caKey, thisUpdate: .iso("2026-11-01T00:00:00Z"), nextUpdate: .iso("2031-01-01T00:00:00Z"), number: number,
                    revoked: revoked, deltaOf: base))
        }

        func validate(crls: [CertificateRevocationList], policies: CertificatePolicyInputs = .default) throws -> ValidationReport {
            var policy = ValidationPolicy(trustAnchors: [root], crls: crls + [rootCRL], validationTime: .iso("2026-12-01T00:00:00Z"), offline: true)
            policy.certificatePolicies = policies
            return try SignatureValidator(policy: policy).validate(signature: try signature(), document: .bytes(DemoPKI.document))
        }
    }

    @Test func gostRevocationInTheDeltaOnlyIsFound() throws {
        let pki = try GOSTPKI()
        let base = try pki.crl(number: 1)
        let delta = try pki.crl(number: 2, revoked: [.init(pki.leaf, at: .iso("2026-11-20T00:00:00Z"), reason: 1)], deltaOf: 1)
        let alone = try pki.validate(crls: [base])
        #expect(alone.indication == .totalPassed, "\(alone.signatures[0].checks.filter { !$0.passed }.map(\.detail))")
        let report = try pki.validate(crls: [base, delta])
        #expect(report.subIndication == .revokedNoPOE, "\(Self.revocationDetail(report))")
        #expect(try pki.validate(crls: [delta]).subIndication == .tryLater)
    }

    @Test func gostRemoveFromCRLLiftsAHold() throws {
        let pki = try GOSTPKI()
        let base = try pki.crl(number: 1, revoked: [.init(pki.leaf, at: .iso("2026-11-10T00:00:00Z"), reason: 6)])
        let delta = try pki.crl(number: 2, revoked: [.init(pki.leaf, at: .iso("2026-11-20T00:00:00Z"), reason: 8)], deltaOf: 1)
        #expect(try pki.validate(crls: [base]).subIndication == .revokedNoPOE)
        #expect(try pki.validate(crls: [base, delta]).indication == .totalPassed)
    }

    // MARK: - Certificate policies (RFC 5280 § 6.1) on a GOST path, the shapes PKITS 4.8–4.12 check on RSA ones

    static let signingPolicy = "1.2.398.3.3.2.1"

    /// certificatePolicies naming `oids`, as DER for the demo issuer (OpenSSL spells that extension only with a
    /// configuration database).
    static func policies(_ oids: String...) -> String {
        func oid(_ dotted: String) -> [UInt8] { (try? DER.objectIdentifier(dotted)) ?? [] }
        let informations = oids.map { [0x30, UInt8(oid($0).count)] + oid($0) }.flatMap { $0 }
        let der: [UInt8] = [0x30, UInt8(informations.count)] + informations
        return "DER:" + der.map { String(format: "%02X", $0) }.joined(separator: ":")
    }

    @Test func gostPathNamesItsValidPolicies() throws {
        let pki = try GOSTPKI(
            caExtensions: [("certificatePolicies", Self.policies(Self.signingPolicy))], leafExtensions: [("certificatePolicies", Self.policies(Self.signingPolicy))])
        let report = try pki.validate(crls: [try pki.crl(number: 1)])
        #expect(report.indication == .totalPassed)
        #expect(report.signatures[0].checks.contains { $0.name == "policies" && $0.passed && $0.detail.contains(Self.signingPolicy) })
        // RFC 5280 § 6.1.1: a policy set alone does not require a policy; initial-explicit-policy does.
        let notRequired = try pki.validate(crls: [try pki.crl(number: 1)], policies: CertificatePolicyInputs(initialPolicySet: ["1.2.398.3.3.2.2"]))
        #expect(notRequired.indication == .totalPassed)
        let other = try pki.validate(
            crls: [try pki.crl(number: 1)], policies: CertificatePolicyInputs(initialPolicySet: ["1.2.398.3.3.2.2"], initialExplicitPolicy: true))
        #expect(other.indication == .indeterminate)
        #expect(other.subIndication == .chainConstraintsFailure)
    }

    @Test func gostRequireExplicitPolicyWithoutPoliciesFails() throws {
        let pki = try GOSTPKI(caExtensions: [("certificatePolicies", Self.policies(Self.signingPolicy)), ("policyConstraints", "requireExplicitPolicy:0")])
        let report = try pki.validate(crls: [try pki.crl(number: 1)])
        #expect(report.subIndication == .chainConstraintsFailure)
        #expect(report.signatures[0].checks.contains { $0.name == "policies" && !$0.passed })
    }

    @Test func gostPolicyMappingIsFollowedUnlessInhibited() throws {
        let mapped = "1.2.398.3.3.2.9"
        let pki = try GOSTPKI(
            caExtensions: [("certificatePolicies", Self.policies(Self.signingPolicy)), ("policyMappings", "\(Self.signingPolicy):\(mapped)")],
            leafExtensions: [("certificatePolicies", Self.policies(mapped))])
        let crl = try pki.crl(number: 1)
        let wanted = CertificatePolicyInputs(initialPolicySet: [Self.signingPolicy], initialExplicitPolicy: true)
        #expect(try pki.validate(crls: [crl], policies: wanted).indication == .totalPassed)
        var inhibited = wanted
        inhibited.initialPolicyMappingInhibit = true
        #expect(try pki.validate(crls: [crl], policies: inhibited).subIndication == .chainConstraintsFailure)
    }
}
