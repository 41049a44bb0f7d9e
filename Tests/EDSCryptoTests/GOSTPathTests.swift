@_spi(DemoPKI) import EDSCrypto
import Foundation
import Testing

/// RFC 5280 § 6.1 checks of the GOST path builder, on certificates made here (EDSCrypto's demo issuer).
struct GOSTPathTests {
    static let from = Date(timeIntervalSince1970: 1_700_000_000)
    static let until = Date(timeIntervalSince1970: 2_000_000_000)

    static func issue(
        _ name: String, key: GOSTDemoKey, by issuer: (Certificate, GOSTDemoKey)?, extensions: [(String, String)]
    ) throws -> Certificate {
        try GOSTDemoIssuer.issue(
            GOSTCertificateRequest(subject: [("CN", name), ("O", "EDS Vault Demo"), ("C", "KZ")], notBefore: from, notAfter: until, extensions: extensions),
            subjectKey: key, issuer: issuer?.0, issuerKey: issuer?.1 ?? key)
    }

    static let ca = [("basicConstraints", "critical,CA:TRUE"), ("keyUsage", "critical,keyCertSign,cRLSign"), ("subjectKeyIdentifier", "hash")]
    static let leaf = [("keyUsage", "critical,digitalSignature,nonRepudiation"), ("subjectKeyIdentifier", "hash")]

    @Test func threeCertificatePathIsBuiltToTheRoot() throws {
        let rootKey = try GOSTDemoKey.generate()
        let root = try Self.issue("ROOT", key: rootKey, by: nil, extensions: Self.ca)
        let subKey = try GOSTDemoKey.generate()
        let sub = try Self.issue("SUB", key: subKey, by: (root, rootKey), extensions: Self.ca + [("authorityKeyIdentifier", "keyid")])
        let leaf = try Self.issue("LEAF", key: try GOSTDemoKey.generate(), by: (sub, subKey), extensions: Self.leaf)
        guard case .success(let path) = ChainValidator.buildPath(for: leaf, intermediates: [sub], anchors: [root]) else {
            Issue.record("no path")
            return
        }
        #expect(path.certificates == [leaf, sub, root])
        #expect(root.isSelfIssued)
    }

    @Test func anEndEntityCannotIssue() throws {
        let rootKey = try GOSTDemoKey.generate()
        let root = try Self.issue("ROOT", key: rootKey, by: nil, extensions: Self.ca)
        let notCAKey = try GOSTDemoKey.generate()
        let notCA = try Self.issue("NOT A CA", key: notCAKey, by: (root, rootKey), extensions: Self.leaf)
        let leaf = try Self.issue("LEAF", key: try GOSTDemoKey.generate(), by: (notCA, notCAKey), extensions: Self.leaf)
        guard case .failure(let failure) = ChainValidator.buildPath(for: leaf, intermediates: [notCA], anchors: [root]) else {
            Issue.record("an end entity acted as a CA")
            return
        }
        #expect(failure.kind == .constraintsViolated)
    }

    @Test func pathLengthConstraintIsEnforced() throws {
        let rootKey = try GOSTDemoKey.generate()
        let root = try Self.issue("ROOT", key: rootKey, by: nil, extensions: Self.ca)
        let ncaKey = try GOSTDemoKey.generate()
        let nca = try Self.issue(
            "NCA", key: ncaKey, by: (root, rootKey),
            extensions: [("basicConstraints", "critical,CA:TRUE,pathlen:0"), ("keyUsage", "critical,keyCertSign,cRLSign"), ("subjectKeyIdentifier", "hash")])
        let subKey = try GOSTDemoKey.generate()
        let sub = try Self.issue("SUB", key: subKey, by: (nca, ncaKey), extensions: Self.ca)
        let leaf = try Self.issue("LEAF", key: try GOSTDemoKey.generate(), by: (sub, subKey), extensions: Self.leaf)
        guard case .failure(let failure) = ChainValidator.buildPath(for: leaf, intermediates: [nca, sub], anchors: [root]) else {
            Issue.record("pathlen:0 was ignored")
            return
        }
        #expect(failure.kind == .constraintsViolated)
        // With the NCA itself as the (partial-chain) anchor, its own pathlen still forbids SUB below it.
        #expect((try? ChainValidator.buildPath(for: leaf, intermediates: [sub], anchors: [nca]).get()) == nil)
    }

    @Test func anIssuerWithTheRightNameButAnotherKeyIsRefused() throws {
        let rootKey = try GOSTDemoKey.generate()
        let root = try Self.issue("ROOT", key: rootKey, by: nil, extensions: [("basicConstraints", "critical,CA:TRUE"), ("keyUsage", "critical,keyCertSign")])
        // The impostor copies the root's name and key identifier too, so that only the signature can tell them apart.
        let rootKeyIdentifier = try #require(root.pathExtensions.subjectKeyIdentifier).map { String(format: "%02X", $0) }.joined(separator: ":")
        let impostor = try Self.issue(
            "ROOT", key: try GOSTDemoKey.generate(), by: nil,
            extensions: [
                ("basicConstraints", "critical,CA:TRUE"), ("keyUsage", "critical,keyCertSign"), ("subjectKeyIdentifier", rootKeyIdentifier),
            ])
        let leaf = try Self.issue("LEAF", key: try GOSTDemoKey.generate(), by: (root, rootKey), extensions: [("keyUsage", "critical,digitalSignature")])
        guard case .failure(let failure) = ChainValidator.buildPath(for: leaf, intermediates: [], anchors: [impostor]) else {
            Issue.record("a same-name anchor with another key was accepted")
            return
        }
        #expect(failure.kind == .invalidCertificate)
        #expect((try? ChainValidator.buildPath(for: leaf, intermediates: [], anchors: [impostor, root]).get())?.anchor == root)
    }

    /// Issuer → subject verdicts are remembered (issue 11) by both certificates: a verdict reached with the real
    /// issuer must not vouch for a same-name impostor, nor the impostor's refusal stick to the real one.
    @Test func aRememberedSignatureVerdictBelongsToThatIssuerOnly() throws {
        let rootKey = try GOSTDemoKey.generate()
        let root = try Self.issue("ROOT", key: rootKey, by: nil, extensions: [("basicConstraints", "critical,CA:TRUE"), ("keyUsage", "critical,keyCertSign")])
        let impostor = try Self.issue("ROOT", key: try GOSTDemoKey.generate(), by: nil, extensions: [("basicConstraints", "critical,CA:TRUE"), ("keyUsage", "critical,keyCertSign")])
        let leaf = try Self.issue("LEAF", key: try GOSTDemoKey.generate(), by: (root, rootKey), extensions: [("keyUsage", "critical,digitalSignature")])
        #expect((try? ChainValidator.buildPath(for: leaf, intermediates: [], anchors: [root]).get())?.anchor == root)
        #expect((try? ChainValidator.buildPath(for: leaf, intermediates: [], anchors: [root]).get())?.anchor == root)
        #expect((try? ChainValidator.buildPath(for: leaf, intermediates: [], anchors: [impostor]).get()) == nil)
        #expect((try? ChainValidator.buildPath(for: leaf, intermediates: [], anchors: [root]).get())?.anchor == root)
    }

    @Test func aCAWithoutKeyCertSignCannotIssue() throws {
        let rootKey = try GOSTDemoKey.generate()
        let root = try Self.issue("ROOT", key: rootKey, by: nil, extensions: [("basicConstraints", "critical,CA:TRUE"), ("keyUsage", "critical,cRLSign")])
        let leaf = try Self.issue("LEAF", key: try GOSTDemoKey.generate(), by: (root, rootKey), extensions: Self.leaf)
        guard case .failure(let failure) = ChainValidator.buildPath(for: leaf, intermediates: [], anchors: [root]) else {
            Issue.record("a CA without keyCertSign issued")
            return
        }
        #expect(failure.kind == .constraintsViolated)
    }
}
