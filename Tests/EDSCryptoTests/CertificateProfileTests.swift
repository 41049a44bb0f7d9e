@_spi(DemoPKI) import EDSCrypto
import Foundation
import Testing

/// The RFC 5280 profile rules (`CertificateProfile`) on GOST paths, which OpenSSL's own checks never see: the same
/// rules x509-limbo holds the RSA/ECDSA paths to (LimboTests), so both kinds of path get the same answers.
struct CertificateProfileTests {
    static let ca = [("basicConstraints", "critical,CA:TRUE"), ("keyUsage", "critical,keyCertSign,cRLSign")]
    static let leaf = [("keyUsage", "critical,digitalSignature,nonRepudiation")]

    struct PKI {
        let rootKey: GOSTDemoKey
        let root: Certificate

        init(rootExtensions: [(String, String)] = CertificateProfileTests.ca) throws {
            rootKey = try GOSTDemoKey.generate()
            root = try GOSTPathTests.issue("ROOT", key: rootKey, by: nil, extensions: rootExtensions)
        }

        /// root → CA (with `caExtensions`) → leaf (with `leafExtensions`), built for `rules`.
        func path(
            caExtensions: [(String, String)] = CertificateProfileTests.ca, leafExtensions: [(String, String)] = CertificateProfileTests.leaf,
            rules: CertificateProfile.Rules = .standard
        ) throws -> Result<CertificationPath, PathValidationFailure> {
            let caKey = try GOSTDemoKey.generate()
            let ca = try GOSTPathTests.issue("SUB CA", key: caKey, by: (root, rootKey), extensions: caExtensions)
            let leaf = try GOSTPathTests.issue("LEAF", key: try GOSTDemoKey.generate(), by: (ca, caKey), extensions: leafExtensions)
            return ChainValidator.buildPath(for: leaf, intermediates: [ca], anchors: [root], profile: rules)
        }
    }

    static func refusal(_ outcome: Result<CertificationPath, PathValidationFailure>) -> PathValidationFailure? {
        if case .failure(let failure) = outcome { return failure }
        return nil
    }

    @Test func aConformingPathIsBuiltUnderBothRuleSets() throws {
        let pki = try PKI()
        #expect(Self.refusal(try pki.path()) == nil)
        #expect(Self.refusal(try pki.path(rules: .strict)) == nil)
    }

    @Test func nameConstraintsInAnEndEntityOrNotCriticalAreRefused() throws {
        let pki = try PKI()
        let inLeaf = try #require(Self.refusal(try pki.path(leafExtensions: Self.leaf + [("nameConstraints", "critical,permitted;DNS:example.kz")])))
        #expect(inLeaf.detail.contains("CA certificates only") && inLeaf.depth == 0)
        let notCritical = try #require(Self.refusal(try pki.path(caExtensions: Self.ca + [("nameConstraints", "permitted;DNS:example.kz")])))
        #expect(notCritical.detail.contains("must be critical") && notCritical.depth == 1)
    }

    @Test func aGOSTPathIsHeldToItsNameConstraints() throws {
        let pki = try PKI()
        let constrained = Self.ca + [("nameConstraints", "critical,permitted;DNS:example.kz,permitted;email:example.kz")]
        #expect(Self.refusal(try pki.path(caExtensions: constrained, leafExtensions: Self.leaf + [("subjectAltName", "DNS:hr.example.kz")])) == nil)
        let outside = try #require(
            Self.refusal(try pki.path(caExtensions: constrained, leafExtensions: Self.leaf + [("subjectAltName", "DNS:hr.example.com")])))
        #expect(outside.kind == .constraintsViolated && outside.depth == 0)
        let mail = try #require(
            Self.refusal(try pki.path(caExtensions: constrained, leafExtensions: Self.leaf + [("subjectAltName", "email:hr@example.com")])))
        #expect(mail.kind == .constraintsViolated)
        let malformed = try #require(
            Self.refusal(try pki.path(caExtensions: constrained, leafExtensions: Self.leaf + [("subjectAltName", "email:a@b@example.kz")])))
        #expect(malformed.detail.contains("malformed"))
    }

    @Test func aWildcardThatCouldNameAnExcludedHostIsRefused() throws {
        let pki = try PKI()
        let excluding = Self.ca + [("nameConstraints", "critical,excluded;DNS:payroll.example.kz")]
        let wildcard = try #require(
            Self.refusal(try pki.path(caExtensions: excluding, leafExtensions: Self.leaf + [("subjectAltName", "DNS:*.example.kz")])))
        #expect(wildcard.detail.contains("wildcard"))
        #expect(Self.refusal(try pki.path(caExtensions: excluding, leafExtensions: Self.leaf + [("subjectAltName", "DNS:*.hr.example.kz")])) == nil)
    }

    @Test func keyCertSignOrPathLengthWithoutCAIsRefused() throws {
        let pki = try PKI()
        let signer = try #require(Self.refusal(try pki.path(leafExtensions: [("keyUsage", "critical,digitalSignature,keyCertSign")])))
        #expect(signer.detail.contains("keyCertSign requires basicConstraints cA") && signer.depth == 0)
        let pathLength = try #require(Self.refusal(try pki.path(leafExtensions: Self.leaf + [("basicConstraints", "critical,CA:FALSE,pathlen:0")])))
        #expect(pathLength.depth == 0)
    }

    @Test func aRootWithoutBasicConstraintsIssuesNothing() throws {
        let pki = try PKI(rootExtensions: [("keyUsage", "critical,keyCertSign,cRLSign")])
        let failure = try #require(Self.refusal(try pki.path()))
        #expect(failure.depth == 2)
    }

    @Test func criticalityRulesPKITSDoesNotHoldAreStrictOnly() throws {
        let pki = try PKI()
        let nonCritical = [("basicConstraints", "CA:TRUE"), ("keyUsage", "critical,keyCertSign,cRLSign")]
        #expect(Self.refusal(try pki.path(caExtensions: nonCritical)) == nil)
        let strict = try #require(Self.refusal(try pki.path(caExtensions: nonCritical, rules: .strict)))
        #expect(strict.detail.contains("basicConstraints must be critical") && strict.depth == 1)
        let policyConstraints = Self.ca + [("policyConstraints", "inhibitPolicyMapping:0")]
        #expect(Self.refusal(try pki.path(caExtensions: policyConstraints)) == nil)
        #expect(Self.refusal(try pki.path(caExtensions: policyConstraints, rules: .strict)) != nil)
    }

    @Test func hostNamesAndMailboxes() {
        #expect(HostNameSyntax.isWellFormed("hr.example.kz", wildcard: false))
        #expect(!HostNameSyntax.isWellFormed(".example.kz", wildcard: false))
        #expect(!HostNameSyntax.isWellFormed("*.example.kz", wildcard: false))
        #expect(HostNameSyntax.isWellFormed("*.example.kz", wildcard: true))
        #expect(!HostNameSyntax.isWellFormed("a..kz", wildcard: false))
        #expect(!HostNameSyntax.isWellFormed("-a.kz", wildcard: false))
        #expect(HostNameSyntax.isMailbox("hr.officer@example.kz"))
        #expect(!HostNameSyntax.isMailbox("invalid@address@example.kz"))
        #expect(!HostNameSyntax.isMailbox("@example.kz"))
        #expect(HostNameSyntax.wildcard(under: "example.kz", canName: "payroll.example.kz"))
        #expect(!HostNameSyntax.wildcard(under: "example.kz", canName: "a.payroll.example.kz"))
        #expect(HostNameSyntax.wildcard(under: "hr.example.kz", canName: "example.kz"))
    }
}
