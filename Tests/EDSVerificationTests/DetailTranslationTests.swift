import EDSCrypto
import Foundation
import Testing

@testable import EDSVerification

/// `verify --lang ru|kk`: check details and warnings come out in Russian or Kazakh, while the JSON keeps English.
struct DetailTranslationTests {
    /// Two lowercase Latin words in a row: English prose left in a Russian or Kazakh sentence. Identifiers
    /// (messageDigest, id-kp-timeStamping, keyCompromise), acronyms (CRL, OCSP, RFC) and names pass.
    static func untranslated(_ text: String) -> String? {
        text.firstMatch(of: try! Regex("[a-z]{2,} [a-z]{2,}")).map { String(text[$0.range]) }
    }

    static func hasCyrillic(_ text: String) -> Bool {
        text.unicodeScalars.contains { (0x0400...0x04FF).contains($0.value) }
    }

    static let languages: [ReportLanguage] = [.russian, .kazakh]

    @Test func everyPhraseHasRussianAndKazakhWithTheSameArguments() {
        func placeholders(_ template: String) -> [String] {
            template.matches(of: try! Regex("\\{[0-9]\\}")).map { String(template[$0.range]) }.sorted()
        }
        for key in DetailMessage.Key.allCases {
            for language in Self.languages {
                let template = key.template(language)
                #expect(placeholders(template) == placeholders(key.english), "\(key) in \(language)")
                guard key != .verbatim else { continue }
                #expect(template != key.english, "\(key) is not translated into \(language)")
                #expect(Self.untranslated(template) == nil, "\(key) in \(language): \(template)")
                #expect(Self.hasCyrillic(template), "\(key) in \(language): \(template)")
            }
        }
    }

    /// Signatures that fail (or pass with warnings) for the reasons a verifier meets most.
    static func reports() throws -> [(String, ValidationReport)] {
        func signed(_ name: String) throws -> Data {
            let bundle = try DemoPKI.key(name)
            return try CMSSigner.sign(.bytes(DemoPKI.document), key: bundle.privateKey, certificate: bundle.certificate, chain: bundle.chain)
        }
        func validate(_ signature: Data, _ policy: ValidationPolicy, document: Data? = DemoPKI.document) throws -> ValidationReport {
            try SignatureValidator(policy: policy).validate(signature: signature, document: document.map { .bytes($0) })
        }
        let employee = try signed("employee")
        let stranger = try DemoPKI.strangerKey()
        let strangerSignature = try CMSSigner.sign(
            .bytes(DemoPKI.document), key: stranger.privateKey, certificate: stranger.certificate, chain: stranger.chain)
        let bundle = try DemoPKI.key("employee")
        let sha1 = try CMSSigner.sign(
            .bytes(DemoPKI.document), key: bundle.privateKey, certificate: bundle.certificate, chain: bundle.chain,
            parameters: CMSSignerParameters(digest: .sha1))
        let withoutChain = try CMSSigner.sign(.bytes(DemoPKI.document), key: bundle.privateKey, certificate: bundle.certificate, chain: [])
        var flipped = [UInt8](employee)
        flipped[flipped.count - 10] ^= 0xFF
        return [
            ("tampered document", try validate(employee, try DemoPKI.policy(), document: Data("a different order".utf8))),
            ("revoked", try validate(try signed("revoked"), try DemoPKI.policy())),
            ("revoked after the validation time", try validate(try signed("revoked"), try DemoPKI.policy(at: .iso("2025-01-15T10:00:00Z")))),
            ("expired", try validate(try signed("expired"), try DemoPKI.policy())),
            ("not yet valid", try validate(try signed("notyetvalid"), try DemoPKI.policy())),
            ("unknown root", try validate(strangerSignature, try DemoPKI.policy())),
            ("missing intermediate", try validate(withoutChain, try DemoPKI.policy())),
            ("no revocation data offline", try validate(employee, try DemoPKI.policy(crls: false))),
            ("AUTH key", try validate(try signed("auth"), try DemoPKI.policy())),
            ("SHA-1", try validate(sha1, try DemoPKI.policy())),
            ("flipped signature byte", try validate(Data(flipped), try DemoPKI.policy())),
            ("detached without document", try validate(employee, try DemoPKI.policy(), document: nil)),
            (
                "timestamp over other data",
                try validate(
                    try TimestampTests.signTimestamped("employee", at: .iso("2026-03-02T09:00:00Z"), stampedData: Data("x".utf8)),
                    try DemoPKI.policy())
            ),
            ("TSA outside its validity", try validate(try TimestampTests.signTimestamped("expired", at: .iso("2020-06-01T00:00:00Z")), try DemoPKI.policy())),
            ("timestamped, revoked later", try validate(try TimestampTests.signTimestamped("revoked", at: .iso("2025-01-15T10:00:00Z")), try DemoPKI.policy())),
        ]
    }

    @Test func failureDetailsAndWarningsAreTranslated() throws {
        for (name, report) in try Self.reports() {
            let signature = try #require(report.signatures.first)
            #expect(signature.checks.contains { !$0.passed } || !signature.warnings.isEmpty, "\(name): nothing to translate")
            for language in Self.languages {
                for check in signature.checks {
                    let text = check.detail(in: language)
                    #expect(Self.untranslated(text) == nil, "\(name), \(language), \(check.name): \(text)")
                    #expect(Self.hasCyrillic(text), "\(name), \(language), \(check.name): \(text)")
                }
                for warning in signature.warnings {
                    let text = signature.warning(warning, in: language)
                    #expect(Self.untranslated(text) == nil, "\(name), \(language), warning: \(text)")
                }
                // The text report prints those very details.
                let rendered = TextReport.render(report, language: language)
                for check in signature.checks { #expect(rendered.contains(check.detail(in: language))) }
            }
        }
    }

    @Test func jsonKeepsTheEnglishDetails() throws {
        for (name, report) in try Self.reports() {
            let json = String(decoding: try report.jsonData(), as: UTF8.self)
            for check in report.signatures.flatMap(\.checks) {
                #expect(check.detail(in: .english) == check.detail, "\(name)")
                #expect(!check.detail.contains("«"), "\(name): \(check.detail)")
            }
            #expect(!json.contains("\"message\""), "\(name): the JSON contract has no message field")
            // Decoded from JSON, a report still renders: in English, as the JSON says.
            let decoded = try ValidationReport.decode(try report.jsonData())
            #expect(decoded.signatures.first?.checks.first?.detail(in: .russian) == report.signatures.first?.checks.first?.detail)
        }
    }
}
