import Foundation
import SwiftASN1
import Testing

@testable import EDSCrypto

/// Issue 11: what a validation asks of the same certificates again is answered from what was worked out the first
/// time, and every such answer equals the one worked out afresh.
struct ValidationFastPathTests {
    static func certificate(_ path: String) throws -> Certificate { try VerificationContextTests.certificate(path) }

    @Test func pathOutcomeIsRememberedPerCertificatesAndAnchors() throws {
        let context = VerificationContext(capacity: 64)
        let employee = try Self.certificate("employee.pem")
        let intermediate = try Self.certificate("ca/nca-demo.pem")
        let root = try Self.certificate("ca/root.pem")
        let first = try ChainValidator.buildPath(for: employee, intermediates: [intermediate], anchors: [root], context: context).get()
        let again = try ChainValidator.buildPath(for: employee, intermediates: [intermediate], anchors: [root], context: context).get()
        #expect(context.pathCount == 1)
        #expect(first.certificates.map(\.sha256Fingerprint) == again.certificates.map(\.sha256Fingerprint))
        // Another anchor set is another question: the intermediate as the anchor (partial chain) ends the path there.
        let partial = try ChainValidator.buildPath(for: employee, intermediates: [], anchors: [intermediate], context: context).get()
        #expect(partial.certificates.count == 2 && context.pathCount == 2)
        // And a failure is remembered as the failure it was.
        for _ in 0..<2 {
            guard case .failure(let failure) = ChainValidator.buildPath(for: employee, intermediates: [], anchors: [root], context: context) else {
                Issue.record("a path without its intermediate was built")
                return
            }
            #expect(failure.kind == .noPathToTrustAnchor)
        }
        #expect(context.pathCount == 3)
    }

    /// A thread asking again about the same certificate objects and context gets its last outcome without the shared
    /// table; any other object (even with the same bytes), anchor set or context is asked of the context again, and
    /// never answered with that remembered outcome.
    @Test func aThreadsLastPathIsReusedOnlyForTheSameObjects() throws {
        let context = VerificationContext(capacity: 64)
        let employee = try Self.certificate("employee.pem")
        let intermediate = try Self.certificate("ca/nca-demo.pem")
        let root = try Self.certificate("ca/root.pem")
        _ = try ChainValidator.buildPath(for: employee, intermediates: [intermediate], anchors: [root], context: context).get()
        let recent = try #require(RecentPath.current)
        #expect(recent.matches(leaf: employee, intermediates: [intermediate], anchors: [root], context: context))
        _ = try ChainValidator.buildPath(for: employee, intermediates: [intermediate], anchors: [root], context: context).get()
        #expect(RecentPath.current === recent, "the same objects were answered from the thread's entry")
        // The same bytes in other objects: not the remembered entry, but the context's answer (the same path).
        let sameBytes = try Certificate(derEncoded: employee.derEncoded)
        #expect(!recent.matches(leaf: sameBytes, intermediates: [intermediate], anchors: [root], context: context))
        #expect(try ChainValidator.buildPath(for: sameBytes, intermediates: [intermediate], anchors: [root], context: context).get().certificates.count == 3)
        // Without the intermediate, or under another context, the earlier success is not given back.
        guard case .failure(let failure) = ChainValidator.buildPath(for: employee, intermediates: [], anchors: [root], context: context) else {
            Issue.record("the remembered path answered a question without its intermediate")
            return
        }
        #expect(failure.kind == .noPathToTrustAnchor)
        let other = VerificationContext(capacity: 64)
        _ = try ChainValidator.buildPath(for: employee, intermediates: [intermediate], anchors: [root], context: other).get()
        #expect(other.pathCount == 1)
        let partial = try ChainValidator.buildPath(for: employee, intermediates: [intermediate], anchors: [intermediate], context: context).get()
        #expect(partial.certificates.count == 2)
    }

    @Test func pathOutcomesStayWithinTheContextsBound() throws {
        let context = VerificationContext(capacity: 16)
        let employee = try Self.certificate("employee.pem")
        let root = try Self.certificate("ca/root.pem")
        let anchors = try (0..<5).map { _ in try VerificationContextTests.leafUnderCAWithoutCertSign().ca }
        for anchor in anchors { _ = ChainValidator.buildPath(for: employee, intermediates: [], anchors: [anchor, root], context: context) }
        #expect(context.pathCount <= 16 / 8)
    }

    /// The OIDs read by table give the dotted form swift-asn1 gives for the same content octets.
    @Test func knownObjectIdentifiersMatchTheirEncoding() throws {
        for entry in KnownObjectIdentifiers.table {
            let node = try DER.parse([0x06, UInt8(entry.content.count)] + entry.content)
            #expect(try ASN1ObjectIdentifier(derEncoded: node).description == entry.dotted)
            #expect(KnownObjectIdentifiers.name(of: entry.content[...]) == entry.dotted)
        }
        #expect(KnownObjectIdentifiers.name(of: KnownObjectIdentifiers.content(of: "1.2.3.4")[...]) == nil)
    }

    @Test(arguments: [
        ([0x02, 0x01, 0x05], [0x05]),
        ([0x02, 0x02, 0x00, 0x80], [0x00, 0x80]),  // a needed leading zero
        ([0x02, 0x01, 0x80], [0x80]),  // -128
        ([0x02, 0x81, 0x01, 0x07], [0x07]),  // long-form length (BER)
    ] as [([UInt8], [UInt8])])
    func integerContentIsCompared(_ tlv: [UInt8], _ content: [UInt8]) {
        #expect(CMSSignerInfo.integerContent(tlv).map(Array.init) == content)
    }

    /// X.690 § 8.3.2 forbids redundant leading octets in BER as in DER: such a serial is not compared by bytes.
    @Test(arguments: [[0x02, 0x00], [0x02, 0x80, 0x01, 0x00, 0x00], [0x04, 0x01, 0x01], [0x02], [0x02, 0x02, 0x00, 0x05], [0x02, 0x02, 0xff, 0x80]]
        as [[UInt8]])
    func malformedIntegersAreNotCompared(_ tlv: [UInt8]) {
        #expect(CMSSignerInfo.integerContent(tlv) == nil)
    }

    /// A SignerInfo naming `certificate` by its issuer and serial number, the serial written with `padding`
    /// redundant leading zero octets (BER allows them; the value is the same).
    static func signerInfo(naming certificate: Certificate, padding: Int, certificates: [Certificate]) throws -> CMSSignerInfo {
        let encodings = certificate.identifierEncodings
        let serial = try #require(encodings.serialNumber)
        let content = [UInt8](repeating: 0, count: padding) + serial
        let structure = SignerInfoStructure(
            encodedRange: 0..<0,
            identifier: .issuerAndSerialNumber(issuer: encodings.issuer, serialNumber: [0x02, UInt8(content.count)] + content),
            digestAlgorithm: AlgorithmIdentifierEncoding(oid: "2.16.840.1.101.3.4.2.1", parameters: nil), signedAttributes: [],
            signedAttributesForVerification: nil, signatureAlgorithm: AlgorithmIdentifierEncoding(oid: "1.2.840.113549.1.1.11", parameters: nil),
            signature: Data([1]), unsignedAttributes: [], formatProblems: [])
        return try CMSSignerInfo(index: 0, structure: structure, certificates: certificates)
    }

    /// The byte comparison of the signer identifier agrees with OpenSSL's comparison of names and numbers, and the
    /// identifier read through the SignedData's certificates is the one OpenSSL decodes.
    @Test func signerIdentifierMatchesTheCertificateItNames() throws {
        let employee = try Self.certificate("employee.pem")
        let intermediate = try Self.certificate("ca/nca-demo.pem")
        let root = try Self.certificate("ca/root.pem")
        let throughCertificates = try Self.signerInfo(naming: employee, padding: 0, certificates: [intermediate, employee])
        let decoded = try Self.signerInfo(naming: employee, padding: 0, certificates: [])
        #expect(throughCertificates.identifier == decoded.identifier)
        #expect(decoded.identifier == .issuerAndSerialNumber(issuer: employee.issuer, serialNumberHex: employee.serialNumberHex))
        #expect(throughCertificates.identifies(employee))
        #expect(!throughCertificates.identifies(intermediate) && !throughCertificates.identifies(root))
        #expect(try Self.signerInfo(naming: intermediate, padding: 0, certificates: []).identifies(intermediate))
    }

    /// A serial number with a redundant leading zero is refused as OpenSSL refuses it, whether or not a certificate
    /// with that number travels with the signature.
    @Test func paddedSerialNumberIsRefusedEvenWithItsCertificateAtHand() throws {
        let employee = try Self.certificate("employee.pem")
        #expect(throws: CryptoError.self) { try Self.signerInfo(naming: employee, padding: 1, certificates: [employee]) }
        #expect(throws: CryptoError.self) { try Self.signerInfo(naming: employee, padding: 1, certificates: []) }
    }

    @Test func derivedValuesAreComputedOncePerCertificateAndType() throws {
        let employee = try Self.certificate("employee.pem")
        let root = try Self.certificate("ca/root.pem")
        struct Name: Sendable { let text: String }
        let counter = Counter()
        let first = employee.derived(Name.self) { counter.increment(); return Name(text: $0.subject.description) }
        let second = employee.derived(Name.self) { _ in counter.increment(); return Name(text: "never") }
        let other = root.derived(Name.self) { counter.increment(); return Name(text: $0.subject.description) }
        #expect(first.text == second.text && first.text == employee.subject.description && other.text == root.subject.description)
        #expect(counter.value == 2)
    }


    /// `signature` rebuilt with its first certificate's outer length written in one more octet than DER allows
    /// (X.690 § 10.1): a BER certificate, same content.
    static func withBERCertificate(_ signature: Data) throws -> (cms: Data, certificate: Data) {
        let bytes = [UInt8](signature)
        let contentInfo = try DER.node(in: bytes, at: 0)
        let outer = try DER.children(of: contentInfo, in: bytes)
        let explicit = try DER.children(of: outer[1], in: bytes)
        let fields = try DER.children(of: explicit[0], in: bytes)
        let certificateField = try #require(fields.first { $0.tag == 0xa0 })
        let certificates = try DER.children(of: certificateField, in: bytes)
        let first = certificates[0]
        let content = Array(bytes[first.contentRange])
        let length = content.count
        // 0x83 and three length octets where 0x82 and two suffice.
        let ber = [0x30, 0x83, 0x00, UInt8(length >> 8), UInt8(length & 0xff)] + content
        let certificateSet = ber + certificates.dropFirst().flatMap { bytes[$0.range] }
        let signedData = fields.flatMap { $0.tag == 0xa0 ? DER.encode(tag: 0xa0, contents: certificateSet) : Array(bytes[$0.range]) }
        let cms = DER.encode(
            tag: 0x30, contents: Array(bytes[outer[0].range]) + DER.encode(tag: 0xa0, contents: DER.encode(tag: 0x30, contents: signedData)))
        return (Data(cms), Data(ber))
    }

    /// A certificate's DER check is skipped only for bytes that passed it before: bytes that reached the process
    /// cache another way (certValues) are still checked when a SignedData carries them.
    @Test func berCertificateIsRefusedEvenWhenItsBytesWereParsedBefore() throws {
        let bundle = try PKCS12Bundle.open(try Certs.data("employee.p12"), password: Certs.password)
        let signature = try CMSSigner.sign(.bytes(Data("doc".utf8)), key: bundle.privateKey, certificate: bundle.certificate, chain: bundle.chain)
        _ = try CMSSignedData(signature)
        let (cms, ber) = try Self.withBERCertificate(signature)
        let parsedElsewhere = try Certificate.cached(derEncoded: ber)
        #expect(!parsedElsewhere.encodingIsDER)
        for _ in 0..<2 {
            #expect {
                _ = try CMSSignedData(cms)
            } throws: { error in
                "\(error)".contains("a certificate in SignedData.certificates is not DER")
            }
        }
        // The DER original keeps passing, its check remembered.
        let parsed = try CMSSignedData(signature)
        #expect(parsed.certificates.allSatisfy { $0.encodingIsDER })
    }

    /// The pooled contexts give EVP_DigestVerify's answer for RSA and EC keys, also from several threads at once.
    @Test(arguments: ["employee", "employee-ec"])
    func pooledVerificationAgreesWithEVPDigestVerify(_ name: String) throws {
        let bundle = try PKCS12Bundle.open(try Certs.data("\(name).p12"), password: Certs.password)
        let signature = try CMSSigner.sign(.bytes(Data("doc".utf8)), key: bundle.privateKey, certificate: bundle.certificate)
        let signer = try #require(try CMSSignedData(signature).signers.first)
        let signedBytes = try #require(signer.signedAttributesForVerification)
        var altered = signer.signatureValue
        altered[altered.count - 1] ^= 0x01
        let tampered = altered
        let pool = try #require(bundle.certificate.verifier(for: .sha256))
        for value in [signer.signatureValue, tampered] {
            let ordinary = CMSSignedData.verifyWithEVP(signature: value, over: signedBytes, digest: .sha256, certificate: bundle.certificate)
            #expect(pool.verify(signature: value, over: signedBytes) == (ordinary == .valid))
        }
        let agreed = Counter()
        DispatchQueue.concurrentPerform(iterations: 64) { index in
            let value = index.isMultiple(of: 2) ? signer.signatureValue : tampered
            if pool.verify(signature: value, over: signedBytes) == index.isMultiple(of: 2) { agreed.add() }
        }
        #expect(agreed.total == 64)
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        var value: Int { lock.withLock { count } }
        var total: Int { value }
        func increment() { add() }
        func add() { lock.withLock { count += 1 } }
    }

    @Test func hexStringSpellsEveryByte() {
        let bytes = Data((0...255).map { UInt8($0) })
        #expect(bytes.hexString == bytes.map { String(format: "%02x", $0) }.joined())
        #expect(Data().hexString.isEmpty)
        #expect(bytes.dropFirst(250).hexString == "fafbfcfdfeff")
    }

    /// Names OpenSSL gives are remembered; OIDs it does not know (anything an upload may carry) are not.
    @Test func oidNamesRememberOnlyWhatOpenSSLNames() {
        #expect(OIDNames.name("1.2.840.113549.1.1.11") == "sha256WithRSAEncryption")
        #expect(OIDNames.isRemembered("1.2.840.113549.1.1.11"))
        for arc in 0..<50 {
            #expect(OIDNames.name("1.3.6.1.4.1.99999.\(arc)") == "1.3.6.1.4.1.99999.\(arc)")
            #expect(!OIDNames.isRemembered("1.3.6.1.4.1.99999.\(arc)"))
        }
        #expect(OIDNames.name("1.2.840.113549.1.1.11") == "sha256WithRSAEncryption")
    }
}

/// Whole-file reads of hostile files: bounded, regular files only, every byte read.
struct BoundedFileTests {
    static func scratch(_ bytes: Int) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bounded-\(UUID().uuidString)")
        try Data((0..<bytes).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: url)
        return url
    }

    @Test(arguments: [0, 1, 4096, 70_000])
    func fileUpToTheLimitIsReadWhole(_ size: Int) throws {
        let url = try Self.scratch(size)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(try BoundedFile.read(url, limit: 70_000, what: "a test file") == (try Data(contentsOf: url)))
    }

    @Test func fileOverTheLimitIsRefused() throws {
        let url = try Self.scratch(70_001)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect {
            _ = try BoundedFile.read(url, limit: 70_000, what: "a test file")
        } throws: { ($0 as? CryptoError)?.code == .malformedInput && "\($0)".contains("larger than a test file can be") }
    }

    @Test func directoryAndMissingFileAreRefused() {
        for path in [FileManager.default.temporaryDirectory.path, "/nonexistent/\(UUID().uuidString)"] {
            #expect {
                _ = try BoundedFile.read(URL(fileURLWithPath: path), limit: 1 << 20, what: "a test file")
            } throws: { ($0 as? CryptoError)?.code == .fileAccess }
        }
    }
}
