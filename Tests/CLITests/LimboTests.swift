import Foundation
import Testing

/// x509-limbo (C2SP/x509-limbo with Netflix/BetterTLS's cases; ../shared/referees/x509-limbo, see its README) through
/// `edsvault verify --certificate`, with `openssl verify -x509_strict` run on the same files as the referee.
///
/// Tests/Referees/limbo_run.py picks the cases a certificate validator without host-name rules can judge, counts the
/// ones it skips by reason, and runs both verifiers on every judged case, edsvault with `--strict-profile` as OpenSSL
/// with `-x509_strict` (the criticality rules NIST PKITS does not hold a path to: see `CertificateProfile.Rules`). Asserted: no false accept on rfc5280::*, and
/// no false reject where OpenSSL is right, apart from the gaps listed below with their reasons; every other
/// disagreement with the suite is printed.
@Suite struct LimboTests {
    static let directory: URL = {
        if let given = ProcessInfo.processInfo.environment["EDSVAULT_LIMBO_DIR"], !given.isEmpty { return URL(fileURLWithPath: given) }
        return Tools.root.deletingLastPathComponent().appendingPathComponent("shared/referees/x509-limbo")
    }()
    static var available: Bool { FileManager.default.fileExists(atPath: directory.appendingPathComponent("limbo.json.xz").path) }

    /// Known gaps: limbo says FAILURE on an rfc5280:: case and we accept it, or SUCCESS where OpenSSL accepts and we
    /// do not. Each is printed on every run; one that no longer happens is printed as fixed (then drop it here).
    /// ("Accept" includes INDETERMINATE / TRY_LATER for want of revocation data only: limbo's cases carry no CRLs
    /// unless they test them, so such a path is one a CRL would let pass.)
    static let knownGaps: [String: String] = [:]

    struct Case: Decodable {
        let id: String
        let expected: String
        let ours: Bool
        let oursVerdict: String
        let oursFailed: [String]
        let openssl: Bool
        let opensslError: String

        var valid: Bool { expected == "SUCCESS" }
        var falseAccept: Bool { !valid && ours }
        var falseReject: Bool { valid && !ours }
        var opensslFalseAccept: Bool { !valid && openssl }
        var opensslFalseReject: Bool { valid && !openssl }
        /// "rfc5280", "bettertls::nameconstraints"…
        var namespace: String {
            let parts = id.components(separatedBy: "::")
            return parts[0] == "bettertls" ? parts.prefix(2).joined(separator: "::") : parts[0]
        }
    }

    struct Results: Decodable {
        let judged: [Case]
        let skipped: [String: Int]
        let cases: Int
        let seconds: Double
    }

    @Test(.enabled(if: LimboTests.available, "x509-limbo not found: ../shared/referees/x509-limbo (or $EDSVAULT_LIMBO_DIR)"), .timeLimit(.minutes(10)))
    func certificatePathsAsLimboAndOpenSSLJudgeThem() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-limbo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let jobs = max(2, ProcessInfo.processInfo.activeProcessorCount)
        // One in four of BetterTLS's 2,920 judgeable name-constraint cases (variations of one check; each case is two
        // process starts) keeps the run near a minute on two cores; EDSVAULT_LIMBO_FULL=1 runs all 3,117.
        let sample = ProcessInfo.processInfo.environment["EDSVAULT_LIMBO_FULL"] == "1" ? 1 : 4
        let run = try Tools.run(
            Tools.python,
            ["Tests/Referees/limbo_run.py", Self.directory.path, Tools.edsvault, work.path, "--jobs", "\(jobs)", "--sample", "\(sample)"])
        #expect(run.status == 0, "limbo_run.py: \(run.stderr.suffix(2000))")
        let results = try JSONDecoder().decode(Results.self, from: Data(run.stdout.utf8))
        print(Self.summary(results))

        for testCase in results.judged {
            let gap = Self.knownGaps[testCase.id]
            if testCase.falseAccept && testCase.namespace == "rfc5280" && gap == nil {
                Issue.record("false accept on \(testCase.id): \(testCase.oursVerdict) (openssl: \(testCase.openssl ? "accepts" : testCase.opensslError))")
            }
            if testCase.falseReject && testCase.openssl && gap == nil {
                Issue.record("false reject where openssl verify accepts, \(testCase.id): \(testCase.oursVerdict) \(testCase.oursFailed)")
            }
        }
        #expect(results.judged.count + results.skipped.values.reduce(0, +) == results.cases)
    }

    static func summary(_ results: Results) -> String {
        func cell(_ text: String, _ width: Int) -> String { text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count) }
        var lines = [
            "x509-limbo via edsvault verify --certificate: \(results.judged.count) of \(results.cases) cases judged, "
                + "\(String(format: "%.1f", results.seconds)) s"
        ]
        lines.append("skipped:")
        for (reason, count) in results.skipped.sorted(by: { $0.value > $1.value }) { lines.append("  \(count)  \(reason)") }
        lines.append(cell("namespace", 30) + cell("judged", 8) + cell("ours FA", 9) + cell("ours FR", 9) + cell("openssl FA", 12) + "openssl FR")
        var namespaces: [String] = []
        for testCase in results.judged where !namespaces.contains(testCase.namespace) { namespaces.append(testCase.namespace) }
        for namespace in namespaces + ["all"] {
            let group = results.judged.filter { namespace == "all" || $0.namespace == namespace }
            lines.append(
                cell(namespace, 30) + cell("\(group.count)", 8) + cell("\(group.filter(\.falseAccept).count)", 9)
                    + cell("\(group.filter(\.falseReject).count)", 9) + cell("\(group.filter(\.opensslFalseAccept).count)", 12)
                    + "\(group.filter(\.opensslFalseReject).count)")
        }
        lines.append("disagreements with the suite (expected / edsvault / openssl):")
        for testCase in results.judged where testCase.falseAccept || testCase.falseReject {
            let gap = knownGaps[testCase.id].map { "  [known gap: \($0)]" } ?? ""
            let openssl = testCase.openssl ? "accepts" : "rejects (\(testCase.opensslError))"
            lines.append(
                "  \(testCase.falseAccept ? "FALSE ACCEPT" : "false reject") \(testCase.id): \(testCase.expected) / \(testCase.oursVerdict) "
                    + "\(testCase.oursFailed.prefix(2)) / openssl \(openssl)\(gap)")
        }
        let judged = Dictionary(results.judged.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for (id, reason) in knownGaps.sorted(by: { $0.key < $1.key }) {
            guard let testCase = judged[id] else {
                lines.append("  known gap \(id) was not judged (\(reason))")
                continue
            }
            if !testCase.falseAccept && !testCase.falseReject { lines.append("  FIXED known gap \(id): drop it from LimboTests.knownGaps") }
        }
        return lines.joined(separator: "\n")
    }
}
