import Foundation
import enum SwiftASN1.BER
import struct SwiftASN1.ASN1Error
import Testing

@testable import EDSCrypto

/// Seeds of the fuzz targets, which double as real-world fixtures: Kalkan/NCA material from shared/testdata/nca,
/// the demo PKI, and CMS written by OpenSSL's CLI (DER, BER streaming as Kalkan writes it, RSASSA-PSS).
enum Corpus {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/corpus")

    static func data(_ kind: String, _ name: String) throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent(kind).appendingPathComponent(name))
    }

    static func names(_ kind: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent(kind).path)) ?? []).sorted()
    }

    /// The document the detached corpus signature (`cms/openssl-detached.der`) signs.
    static let document = Data("ПРИКАЗ № 17-К о приёме на работу.\n".utf8)
}

/// One malformed encoding and the error the parsing layer must give for it.
struct HostileEncoding: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    let rules: ASN1EncodingRules
    let expected: ASN1ParseError.Kind

    init(_ name: String, _ bytes: [UInt8], _ expected: ASN1ParseError.Kind, rules: ASN1EncodingRules = .ber) {
        self.name = name
        self.bytes = bytes
        self.rules = rules
        self.expected = expected
    }

    var testDescription: String { name }
}

/// Issue 10: untrusted bytes get a clear error or report from one bounded, iterative parsing layer, never a crash.
struct HostileInputTests {
    /// `30 80` repeated, then the end-of-contents octets: 4 bytes per level.
    static func nestedIndefiniteSequences(levels: Int) -> Data {
        var bytes = [UInt8]()
        bytes.reserveCapacity(levels * 4)
        for _ in 0..<levels { bytes += [0x30, 0x80] }
        bytes += [UInt8](repeating: 0, count: levels * 2)
        return Data(bytes)
    }

    @Test func nestedIndefiniteSequencesOf1_2MBAreRefusedAsTooDeep() throws {
        let input = Self.nestedIndefiniteSequences(levels: 300_000)
        #expect(input.count == 1_200_000)
        let error = try #require(throws: CryptoError.self) { try CMSSignedData(input) }
        #expect(error.code == .malformedInput)
        #expect(error.reason.contains("nested deeper than the limit of 40 levels"))
        #expect(!error.reason.contains("\n"))
        // The TLV helpers the signer and combiner use are iterative too.
        #expect(throws: DER.ParseError.self) { try DER.node(in: [UInt8](input), at: 0) }
    }

    /// The brief's question: swift-asn1's BER parser recurses, but stops at its fixed node depth before the stack
    /// is at risk. The scanner refuses such input first anyway, with our limit in the message.
    @Test func swiftASN1StopsNestedInputAtItsFixedDepth() {
        let input = [UInt8](Self.nestedIndefiniteSequences(levels: 300_000))
        #expect(throws: ASN1Error.self) { try BER.parse(input) }
        #expect(throws: (any Error).self) { try BER.parse([UInt8](Self.nestedIndefiniteSequences(levels: 51))) }
        #expect((try? BER.parse([UInt8](Self.nestedIndefiniteSequences(levels: 50)))) != nil)
    }

    static let hostileEncodings: [HostileEncoding] = [
        HostileEncoding("empty input", [], .empty),
        HostileEncoding("length in 9 octets (overflows Int)", [0x30, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9], .invalidLength),
        HostileEncoding("length 2^63", [0x30, 0x88, 0x80, 0, 0, 0, 0, 0, 0, 0], .invalidLength),
        HostileEncoding("length Int.max", [0x30, 0x88, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], .invalidLength),
        HostileEncoding("length 4 GiB, 1 byte present", [0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00], .truncated),
        HostileEncoding("length octets cut off", [0x30, 0x84, 0x01], .truncated),
        HostileEncoding("reserved length octet 0xff", [0x30, 0xff, 0x00], .invalidLength),
        HostileEncoding("indefinite length on a primitive", [0x04, 0x80, 0x00, 0x00], .indefiniteLengthNotAllowed),
        HostileEncoding("end-of-contents never comes", [0x30, 0x80, 0x02, 0x01, 0x00], .truncated),
        HostileEncoding("end-of-contents at the top level", [0x00, 0x00], .unexpectedEndOfContents),
        HostileEncoding("end-of-contents inside a definite length", [0x30, 0x02, 0x00, 0x00], .unexpectedEndOfContents),
        HostileEncoding("child runs past its parent", [0x30, 0x03, 0x04, 0x05, 0, 0, 0, 0, 0], .overrunsParent),
        HostileEncoding("indefinite child runs past its definite parent", [0x30, 0x04, 0x30, 0x80, 0x05, 0x00, 0, 0], .overrunsParent),
        HostileEncoding("high tag number with a leading 0x80", [0x1f, 0x80, 0x01, 0x00], .invalidTag),
        HostileEncoding("high tag number in 5 octets", [0x1f, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00], .invalidTag),
        HostileEncoding("high tag form for a low tag number", [0x1f, 0x05, 0x00], .invalidTag),
        HostileEncoding("trailing byte", [0x05, 0x00, 0xff], .trailingData(count: 1)),
        HostileEncoding("DER: non-minimal long-form length", [0x04, 0x81, 0x01, 0x00], .invalidLength, rules: .der),
        HostileEncoding("DER: length with a leading zero octet", [0x04, 0x82, 0x00, 0x81] + [UInt8](repeating: 0, count: 0x81), .invalidLength, rules: .der),
        HostileEncoding("DER: indefinite length", [0x30, 0x80, 0x00, 0x00], .indefiniteLengthNotAllowed, rules: .der),
    ]

    @Test(arguments: hostileEncodings)
    func malformedEncodingsGetTheirOwnError(_ encoding: HostileEncoding) {
        do {
            try ASN1Input.checkSingleObject(Data(encoding.bytes), rules: encoding.rules, limits: .cms)
            Issue.record("accepted \(encoding.name)")
        } catch {
            #expect(error.kind == encoding.expected)
        }
        // As a signature file: one line, malformed input (exit 65 in the CLI, 400 from the service).
        let error = #expect(throws: CryptoError.self) { try CMSSignedData(Data(encoding.bytes)) }
        #expect(error?.code == .malformedInput)
        #expect(error?.description.contains("\n") == false)
    }

    @Test func elementCountAndSizeLimitsAreEnforced() {
        let limits = ASN1Limits(maximumBytes: 1 << 20, maximumDepth: 8, maximumElements: 100)
        let nulls = [UInt8](repeating: 0, count: 200).enumerated().map { $0.offset % 2 == 0 ? UInt8(0x05) : 0 }
        let sequence = DER.encode(tag: 0x30, contents: nulls)
        do {
            try ASN1Input.checkSingleObject(Data(sequence), rules: .der, limits: limits)
            Issue.record("101 elements accepted under a limit of 100")
        } catch {
            #expect(error.kind == .tooManyElements(limit: 100))
        }
        let small = ASN1Limits(maximumBytes: 100, maximumDepth: 8, maximumElements: 100)
        #expect(throws: ASN1ParseError(.tooLarge(limit: 100), at: 0)) {
            try ASN1Input.checkSingleObject(Data(sequence), rules: .der, limits: small)
        }
    }

    // MARK: - Real CMS

    /// Every offset where a TLV of the corpus signatures starts, its contents start, or it ends.
    static let truncationPoints: [TruncationPoint] = ["openssl-detached.der", "openssl-attached-ber.der"].flatMap { name -> [TruncationPoint] in
        guard let data = try? Corpus.data("cms", name) else { return [] }
        let bytes = [UInt8](data)
        var offsets = Set<Int>()
        func walk(_ node: DER.Node) {
            offsets.formUnion([node.range.lowerBound, node.contentRange.lowerBound, node.contentRange.upperBound, node.range.upperBound])
            guard node.isConstructed, let children = try? DER.children(of: node, in: bytes) else { return }
            children.forEach(walk)
        }
        if let root = try? DER.node(in: bytes, at: 0) { walk(root) }
        return offsets.filter { $0 > 0 && $0 < bytes.count }.sorted().map { TruncationPoint(file: name, length: $0) }
    }

    struct TruncationPoint: Sendable, CustomTestStringConvertible {
        let file: String
        let length: Int
        var testDescription: String { "\(file) cut to \(length) bytes" }
    }

    @Test func truncationPointsCoverBothCorpusSignatures() {
        #expect(Self.truncationPoints.count > 200)
        #expect(Set(Self.truncationPoints.map(\.file)).count == 2)
    }

    @Test(arguments: truncationPoints)
    func signatureTruncatedAtATLVBoundaryIsMalformedInput(_ point: TruncationPoint) throws {
        let whole = try Corpus.data("cms", point.file)
        let error = try #require(throws: CryptoError.self) { try CMSSignedData(whole.prefix(point.length)) }
        #expect(error.code == .malformedInput)
        #expect(error.reason.hasPrefix("not a CMS/PKCS#7 signature: "))
    }

    @Test func trailingBytesAreCountedNotIgnored() throws {
        let whole = try Corpus.data("cms", "openssl-detached.der")
        #expect(try CMSSignedData(whole).trailingByteCount == 0)
        var random = SystemRandomNumberGenerator()
        let tail = Data((0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &random) })
        let signedData = try CMSSignedData(whole + tail)
        #expect(signedData.trailingByteCount == 1 << 20)
        #expect(signedData.signers.count == 1)
        // Where one object is all there can be (a timestamp token, a certificate, a CRL), trailing bytes are refused.
        #expect(throws: CryptoError.self) { try TimeStampToken(try Corpus.data("cms", "nca-tsp-token.der") + Data([0])) }
        #expect(throws: CryptoError.self) { try Certificate.parseAll(try Corpus.data("certificate", "demo-employee.der") + Data([0, 0])) }
        #expect(throws: CryptoError.self) { try CertificateRevocationList(try Corpus.data("crl", "demo-nca.crl") + Data([5, 0])) }
        #expect(throws: CryptoError.self) {
            try OCSPResponse(basicResponse: try Corpus.data("ocsp", "ocsp_response_individual_2015.bin") + Data([5, 0]))
        }
    }

    /// Kalkan writes ContentInfo, SignedData and encapContentInfo with indefinite lengths and the content as a
    /// constructed OCTET STRING; OpenSSL's `cms -stream` writes the same shape.
    @Test func berStreamingSignatureIsReadWithItsContent() throws {
        let signedData = try CMSSignedData(try Corpus.data("cms", "openssl-attached-ber.der"))
        #expect(signedData.encapsulatedContent == Corpus.document)
        #expect(signedData.certificates.count == 2)
        let signer = try #require(signedData.signers.first)
        #expect(signer.formatProblems.isEmpty)
        let certificate = try #require(signedData.signerCertificate(for: signer))
        #expect(signedData.verifySignatureValue(of: signer, with: certificate, contentDigest: nil) == .valid)
        #expect(signer.messageDigest == Digest.sha256(Corpus.document))
    }

    /// RSASSA-PSS parameters come from the parsed AlgorithmIdentifier (OpenSSL CLI as the referee signer).
    @Test func rsassaPSSSignatureVerifiesWithItsParsedParameters() throws {
        let signedData = try CMSSignedData(try Corpus.data("cms", "openssl-pss.der"))
        let signer = try #require(signedData.signers.first)
        #expect(signer.signatureAlgorithmOID == RSASSAPSSParameters.oid)
        let parameters = try RSASSAPSSParameters(signer.signatureAlgorithmParameters)
        #expect(parameters.digest == .sha256 && parameters.maskDigest == .sha256 && parameters.saltLength == 32)
        let certificate = try #require(signedData.signerCertificate(for: signer))
        #expect(signedData.verifySignatureValue(of: signer, with: certificate, contentDigest: nil) == .valid)
        // The same signature value under other parameters does not verify: the parameters are really applied.
        var other = [UInt8](try Corpus.data("cms", "openssl-pss.der"))
        let salt = try #require(Self.find([0xa2, 0x03, 0x02, 0x01, 0x20], in: other))
        other[salt + 4] = 0x21
        let altered = try CMSSignedData(Data(other))
        let alteredSigner = try #require(altered.signers.first)
        guard case .invalid = altered.verifySignatureValue(of: alteredSigner, with: certificate, contentDigest: nil) else {
            Issue.record("a PSS signature verified with the wrong salt length")
            return
        }
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (0...(haystack.count - needle.count)).first { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    // MARK: - Real NCA and demo material passes the layer

    static let corpusFiles: [String] = ["certificate", "crl", "ocsp", "pkcs12", "cms"].flatMap { kind in
        Corpus.names(kind).map { "\(kind)/\($0)" }
    }

    @Test(arguments: corpusFiles)
    func realMaterialIsExactlyOneObjectWithinLimits(_ path: String) throws {
        let parts = path.split(separator: "/").map(String.init)
        let data = try Corpus.data(parts[0], parts[1])
        switch parts[0] {
        case "certificate": #expect(try Certificate.parseAll(data).count == 1)
        case "crl": _ = try CertificateRevocationList(data)
        case "ocsp": try ASN1Input.checkSingleObject(data, rules: .der, limits: .ocsp)
        case "pkcs12": try ASN1Input.checkSingleObject(data, rules: .ber, limits: .pkcs12)
        default:
            // A TSA's answer wraps the token (RFC 3161 § 2.4.2); everything else in cms/ is a ContentInfo.
            let token = parts[1].contains("response") ? try TimeStampClient.token(fromResponse: data) : data
            #expect(try CMSSignedData(token).signers.count == 1)
        }
    }

    @Test func ncaTimestampTokenIsReadThroughTheLayer() throws {
        let token = try TimeStampToken(try Corpus.data("cms", "nca-tsp-token.der"))
        #expect(token.signedData.contentTypeOID == CMSAttribute.OID.tstInfo)
        #expect(token.imprint.count == 20)
    }

    // MARK: - The parsed-certificate cache

    @Test func parsedCertificateCacheIsBoundedInBytesAndEntries() throws {
        let certificate = try Certificate(derEncoded: try Corpus.data("certificate", "demo-employee.der"))
        let cache = ParsedCertificateCache(capacity: 1000, byteCapacity: 64 << 10)
        // Distinct keys of 4 KiB each (the cache keys on bytes; the value need not match for the bound).
        for index in 0..<200 {
            cache.store(Data(repeating: UInt8(index % 256), count: 4096) + Data([UInt8(index / 256)]), certificate)
            #expect(cache.usage.bytes <= 64 << 10)
        }
        #expect(cache.usage.count <= 16)
        let entries = ParsedCertificateCache(capacity: 8, byteCapacity: 1 << 20)
        for index in 0..<100 { entries.store(Data([UInt8(index)]), certificate) }
        #expect(entries.usage.count <= 8)
        // A certificate larger than a quarter of the budget is never kept.
        cache.removeAll()
        cache.store(Data(count: 20 << 10), certificate)
        #expect(cache.usage.count == 0)
    }

    @Test func recentlyUsedCertificatesSurviveAFloodOfOthers() throws {
        let certificate = try Certificate(derEncoded: try Corpus.data("certificate", "demo-employee.der"))
        let cache = ParsedCertificateCache(capacity: 16, byteCapacity: 1 << 20)
        let ca = Data("the CA every signature carries".utf8)
        cache.store(ca, certificate)
        for index in 0..<100 {
            cache.store(Data("upload \(index)".utf8), certificate)
            #expect(cache.lookup(ca) != nil)
        }
    }
}

/// Issue 23, item 6: a key file's iteration counts are bounded before OpenSSL derives anything. Made by
/// `Fuzz/tools/make-hostile-pkcs12.py` from the demo key file (the time limit makes the old behaviour, hours of PBKDF
/// work, a failure rather than a hang; it is generous because a busy two-core run can leave a test waiting minutes
/// for a thread, and each test times its own work against 2 s besides).
@Suite(.timeLimit(.minutes(5))) struct PKCS12IterationLimitTests {
    @Test func aMACIterationCountOf2147483647IsRefusedBeforeThePasswordIsChecked() throws {
        let hostile = try Corpus.data("pkcs12", "p12-mac-iterations-2147483647.p12")
        let started = ContinuousClock.now
        let error = try #require(throws: CryptoError.self) { try PKCS12Bundle.open(hostile, password: "Demo-2026!") }
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(error.code == .malformedInput)
        #expect(error.reason.contains("asks for 2147483647 MAC iterations; more than 10000000 in all are refused"), "\(error.reason)")
    }

    @Test func anEncryptedSafeAsking2147483647PBKDF2IterationsBehindAValidMACIsRefused() throws {
        let hostile = try Corpus.data("pkcs12", "p12-pbe-iterations-2147483647.p12")
        let started = ContinuousClock.now
        let error = try #require(throws: CryptoError.self) { try PKCS12Bundle.open(hostile, password: "Demo-2026!") }
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(error.code == .malformedInput)
        #expect(error.reason.contains("asks for 2147483647 encryption iterations"), "\(error.reason)")
    }

    @Test func theBudgetCountsEveryDerivationOfTheFile() throws {
        var work = PKCS12Work()
        try work.charge(2048, for: "MAC")
        try work.charge(PKCS12Work.maximumIterations - 2048, for: "encryption")
        #expect(throws: CryptoError.self) { try work.charge(1, for: "key encryption") }
        var unreadable = PKCS12Work()
        #expect(throws: CryptoError.self) { try unreadable.charge(-1, for: "MAC") }
    }

    @Test func theDemoKeyFilesStillOpen() throws {
        // 2048 iterations for the MAC and each encryption, as NCA RK and `openssl pkcs12 -export` write them.
        let bundle = try PKCS12Bundle.open(try Corpus.data("pkcs12", "demo-employee.p12"), password: "Demo-2026!")
        #expect(bundle.certificate.subject.commonName != nil)
    }
}
