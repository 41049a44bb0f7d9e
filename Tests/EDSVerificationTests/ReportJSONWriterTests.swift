import EDSCrypto
import Foundation
import Testing

@testable import EDSVerification

/// `jsonData()` is written by ReportJSONWriter (issue 11); the JSON contract is the bytes Foundation's `JSONEncoder`
/// wrote before, so `JSONEncoder` over the same report is the referee in every test here.
struct ReportJSONWriterTests {
    static func referee(_ report: ValidationReport, pretty: Bool) throws -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(report)
    }

    /// Both layouts, with the first differing byte when they disagree.
    static func expectSameBytes(_ report: ValidationReport, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for pretty in [false, true] {
            let written = try report.jsonData(pretty: pretty)
            let expected = try referee(report, pretty: pretty)
            let firstDifference = zip(written, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(written.count, expected.count)
            #expect(
                written == expected,
                "pretty \(pretty): differs at byte \(firstDifference): \(String(decoding: written.dropFirst(max(0, firstDifference - 40)).prefix(80), as: UTF8.self))",
                sourceLocation: sourceLocation)
        }
    }

    /// Real validations, one per outcome the validator reaches with the demo PKI.
    enum Validation: String, CaseIterable, Sendable {
        case passedIndividual, passedLegalEntity, passedECDSAAttached, hashFailure, noChain, signedDataNotFound, tryLater, revokedNoPOE
        case outOfBounds, notYetValid, timestampedRevokedLater, timestampAfterExpiry, twoSignersOneFailed

        func report() throws -> ValidationReport {
            let validator = SignatureValidator(policy: try DemoPKI.policy())
            func signed(_ name: String) throws -> Data { try DemoPKI.sign(with: name) }
            switch self {
            case .passedIndividual: return try validator.validate(signature: try signed("employee"), document: .bytes(DemoPKI.document))
            case .passedLegalEntity: return try validator.validate(signature: try signed("head"), document: .bytes(DemoPKI.document))
            case .passedECDSAAttached:
                return try validator.validate(signature: try DemoPKI.sign(with: "employee-ec", attached: true), document: nil)
            case .hashFailure: return try validator.validate(signature: try signed("employee"), document: .bytes(Data("other".utf8)))
            case .noChain:
                let stranger = try DemoPKI.strangerKey()
                let signature = try CMSSigner.sign(
                    .bytes(DemoPKI.document), key: stranger.privateKey, certificate: stranger.certificate, chain: stranger.chain)
                return try validator.validate(signature: signature, document: .bytes(DemoPKI.document))
            case .signedDataNotFound: return try validator.validate(signature: try signed("employee"), document: nil)
            case .tryLater:
                return try SignatureValidator(policy: try DemoPKI.policy(crls: false))
                    .validate(signature: try signed("employee"), document: .bytes(DemoPKI.document))
            case .revokedNoPOE: return try validator.validate(signature: try signed("revoked"), document: .bytes(DemoPKI.document))
            case .outOfBounds: return try validator.validate(signature: try signed("expired"), document: .bytes(DemoPKI.document))
            case .notYetValid: return try validator.validate(signature: try signed("notyetvalid"), document: .bytes(DemoPKI.document))
            case .timestampedRevokedLater:
                let signature = try TimestampTests.signTimestamped("revoked", at: .iso("2025-01-15T10:00:00Z"))
                return try validator.validate(signature: signature, document: .bytes(DemoPKI.document))
            case .timestampAfterExpiry:
                let signature = try TimestampTests.signTimestamped("expired", at: .iso("2024-06-01T00:00:00Z"))
                return try validator.validate(signature: signature, document: .bytes(DemoPKI.document))
            case .twoSignersOneFailed:
                let first = try signed("employee")
                let auth = try DemoPKI.key("auth")
                let both = try CMSSigner.addSigner(
                    to: first, document: .bytes(DemoPKI.document), key: auth.privateKey, certificate: auth.certificate, chain: auth.chain)
                return try validator.validate(signature: both, document: .bytes(DemoPKI.document))
            }
        }
    }

    @Test(arguments: Validation.allCases)
    func reportOfARealValidationIsJSONEncodersBytes(_ validation: Validation) throws {
        try Self.expectSameBytes(try validation.report())
    }

    static func baseReport() throws -> ValidationReport {
        try Validation.passedIndividual.report()
    }

    /// Strings a certificate or a detail may carry: every control character, quotes, backslashes, slashes, DEL,
    /// line and paragraph separators, Cyrillic and Kazakh letters, emoji, a BOM, combining marks, nothing at all.
    static let hostileStrings: [String] = [
        "",
        String((0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) }),
        #"CN="Quoted \ Name", O=A/B\C"#,
        "ТОО «ДЕМО ҚҰРЫЛЫС» — Әлихан Серікұлы; ғ ө ү ұ і",
        "tab\there\r\nnew line\u{7F}del \u{2028}\u{2029} \u{FEFF}bom",
        "emoji 😀🇰🇿 e\u{301} \u{0}nul",
        "</script><script>alert(1)</script>",
        String(repeating: "\\\"", count: 300),
        // The writer scans eight bytes at a time: a character to escape at every offset of two words and a tail.
        "\u{1}abcdefghijklmnopq", "abcdefg\"hijklmnopq", "abcdefgh\\ijklmnopq", "abcdefghijklmno\u{1F}pq", "abcdefghijklmnop\nq",
        "abcdefghijklmnopq\t", "ab\u{7F}\u{80}cd\u{FF}efghijklmnopq", "абвгдеёжзийклмн\u{1}",
    ]

    @Test(arguments: hostileStrings)
    func hostileTextInEveryStringFieldIsEscapedAsJSONEncoderEscapesIt(_ text: String) throws {
        var report = try Self.baseReport()
        report.document?.sha256 = text
        var signature = report.signatures[0]
        signature.signer?.commonName = text
        signature.signer?.surname = text
        signature.signer?.givenName = text
        signature.signer?.organization = text
        signature.signer?.email = text
        signature.signer?.iin = text
        signature.signer?.bin = text
        signature.certificate?.subject = text
        signature.certificate?.issuer = text
        signature.certificate?.serialNumber = text
        signature.certificate?.policies = [text, text]
        signature.certificate?.extendedKeyUsage = [text]
        signature.digestAlgorithm = text
        signature.signatureAlgorithm = text
        signature.checks.append(Check(name: text, passed: false, detail: text))
        signature.errors = [text]
        signature.warnings = [text, "plain"]
        signature.timestamp = TimestampSummary(genTime: .iso("2026-03-02T09:00:00Z"), tsa: text, serialNumber: text)
        signature.revocation = RevocationSummary(status: .revoked, source: .crl, revocationReason: text)
        report.signatures = [signature]
        try Self.expectSameBytes(report)
    }

    @Test(arguments: SubIndication.allCases)
    func everySubIndicationIsWrittenAsJSONEncoderWritesIt(_ subIndication: SubIndication) throws {
        var report = try Self.baseReport()
        let indication: Indication = [.formatFailure, .hashFailure, .sigCryptoFailure, .revoked, .expired, .notYetValid].contains(subIndication)
            ? .totalFailed : .indeterminate
        report.signatures[0].indication = indication
        report.signatures[0].subIndication = subIndication
        report.indication = indication
        report.subIndication = subIndication
        try Self.expectSameBytes(report)
    }

    /// Each optional absent (null where the type writes null, left out where its conformance is synthesized) and present.
    @Test func absentAndPresentOptionalsAreWrittenAsJSONEncoderWritesThem() throws {
        let base = try Self.baseReport()
        var bare = base
        bare.document = nil
        bare.subIndication = nil
        bare.signatures[0].signer = nil
        bare.signatures[0].certificate = nil
        bare.signatures[0].signingTime = nil
        bare.signatures[0].timestamp = nil
        bare.signatures[0].revocation = nil
        bare.signatures[0].checks = []
        bare.signatures[0].errors = []
        bare.signatures[0].warnings = []
        try Self.expectSameBytes(bare)

        var emptySigner = base
        emptySigner.signatures[0].signer?.commonName = nil
        emptySigner.signatures[0].signer?.givenName = nil
        emptySigner.signatures[0].signer?.iin = nil
        emptySigner.signatures[0].signer?.roles = []
        emptySigner.signatures[0].certificate?.keyUsage = []
        emptySigner.signatures[0].certificate?.policies = []
        try Self.expectSameBytes(emptySigner)

        var noSignatures = base
        noSignatures.signatures = []
        try Self.expectSameBytes(noSignatures)

        var several = base
        several.signatures = [base.signatures[0], bare.signatures[0], emptySigner.signatures[0]]
        try Self.expectSameBytes(several)

        let moment = Date.iso("2025-06-01T00:00:00Z")
        for revocation in [
            RevocationSummary(status: .good, source: .ocsp),
            RevocationSummary(status: .good, source: .ocsp, producedAt: moment, thisUpdate: moment),
            RevocationSummary(status: .revoked, source: .crl, thisUpdate: moment, revocationTime: moment, revocationReason: "keyCompromise"),
            RevocationSummary(status: .unknown, source: .ocsp, producedAt: moment, revocationTime: moment),
        ] {
            var report = base
            report.signatures[0].revocation = revocation
            try Self.expectSameBytes(report)
        }
    }

    /// Whole and fractional seconds, before 1970, before 1900 and 1582 (Foundation's Julian calendar), beyond 9999.
    @Test(arguments: [
        0.0, 1_764_410_400, 1_764_410_400.999_999, -0.25, -2_208_988_801, -12_219_292_801, -62_135_596_800, 253_402_300_799,
        253_402_300_800, 1e12, Date.distantPast.timeIntervalSince1970, Date.distantFuture.timeIntervalSince1970,
    ])
    func everyDateFieldIsWrittenAsJSONEncoderWritesIt(_ secondsSince1970: Double) throws {
        let date = Date(timeIntervalSince1970: secondsSince1970)
        var report = try Self.baseReport()
        report.validationTime = date
        report.signatures[0].signingTime = date
        report.signatures[0].certificate?.notBefore = date
        report.signatures[0].certificate?.notAfter = date
        report.signatures[0].timestamp = TimestampSummary(genTime: date, tsa: "TSA", serialNumber: "01")
        report.signatures[0].revocation = RevocationSummary(
            status: .revoked, source: .ocsp, producedAt: date, thisUpdate: date, revocationTime: date, revocationReason: nil)
        try Self.expectSameBytes(report)
    }

    /// The report read back from its JSON is written to the same bytes: what the vault stores re-serialises unchanged.
    @Test func reportReadFromJSONIsWrittenBackToTheSameBytes() throws {
        let json = try Self.baseReport().jsonData()
        #expect(try ValidationReport.decode(json).jsonData() == json)
    }
}
