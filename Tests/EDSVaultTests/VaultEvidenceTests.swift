import EDSCrypto
import EDSVault
import EDSVerification
import Foundation
import Testing

/// `vault timestamp` in the library: records for every kept signature, one archive timestamp per run, and the proof
/// report that rests on the records rather than on the vault's word.
struct VaultEvidenceTests {
    static func tsa() throws -> TimeStampAuthority {
        TimeStampAuthority(
            certificate: try #require(try Certificate.parseAll(try VaultFixtures.data("tsa.pem")).first),
            key: try PrivateKey(pemOrDER: try VaultFixtures.data("tsa.key")),
            chain: try Certificate.parseAll(try VaultFixtures.data("ca/nca-demo.pem")))
    }

    /// Counts the TSA requests, so a test sees one archive timestamp cover many documents.
    final class CountingStamper: @unchecked Sendable {
        let authority: TimeStampAuthority
        private let lock = NSLock()
        private(set) var requests = 0
        init(_ authority: TimeStampAuthority) { self.authority = authority }
        var stamper: ArchiveTimeStamper {
            { digest, algorithm in
                self.lock.withLock { self.requests += 1 }
                let request = try TimeStampClient.request(forDigest: digest, algorithm: algorithm).request
                return try TimeStampClient.token(fromResponse: try self.authority.respond(to: request))
            }
        }
    }

    @Test func oneArchiveTimestampCoversEveryKeptSignatureAndTheProofRestsOnIt() throws {
        let (vault, directory) = try VaultFixtures.makeVault()
        defer { try? FileManager.default.removeItem(at: directory) }
        var ids: [String] = []
        for number in 1...5 {
            let document = VaultFixtures.document(number)
            let stored = try vault.put(document, metadata: VaultFixtures.metadata())
            _ = try vault.attach(signature: try VaultFixtures.sign(document, with: "employee"), to: stored.id)
            ids.append(stored.id)
        }
        let counter = CountingStamper(try Self.tsa())
        let first = try vault.timestampEvidence(timestamp: counter.stamper)
        #expect(first.covered == 5 && first.renewed == 0 && first.unchanged == 0)
        #expect(counter.requests == 1)
        let second = try vault.timestampEvidence(timestamp: counter.stamper)
        #expect(second.covered == 0 && second.unchanged == 5)
        #expect(counter.requests == 1, "nothing to do: no request")

        let (_, report) = try vault.report(for: ids[2])
        #expect(report.indication == .totalPassed, "\(report.signatures.map(\.errors))")
        let checks = report.signatures.flatMap(\.checks)
        #expect(checks.contains { $0.name == "proofOfExistence" && $0.detail.contains("EDS VAULT DEMO TSA") })
        #expect(!report.signatures.flatMap(\.warnings).contains { $0.contains("when the vault received the signature") })

        // A record that no longer matches (its file replaced by another document's) is not relied on: the report
        // falls back to the vault's receipt time and says so.
        let evidence = directory.appendingPathComponent("evidence")
        let folders = try FileManager.default.contentsOfDirectory(atPath: evidence.appendingPathComponent(ids[2]).path)
        let other = try FileManager.default.contentsOfDirectory(atPath: evidence.appendingPathComponent(ids[3]).path)
        try FileManager.default.removeItem(at: evidence.appendingPathComponent(ids[2]).appendingPathComponent(folders[0]))
        try FileManager.default.copyItem(
            at: evidence.appendingPathComponent(ids[3]).appendingPathComponent(other[0]),
            to: evidence.appendingPathComponent(ids[2]).appendingPathComponent(folders[0]))
        let (_, fallback) = try vault.report(for: ids[2])
        #expect(fallback.signatures.flatMap(\.warnings).contains { $0.contains("when the vault received the signature") })
        #expect(!fallback.signatures.flatMap(\.checks).contains { $0.name == "proofOfExistence" })
    }

    @Test func theDocumentCardJudgesASignatureByItsEvidenceRecordAsTheProofReportDoes() throws {
        let (vault, directory) = try VaultFixtures.makeVault()
        defer { try? FileManager.default.removeItem(at: directory) }
        func keep(_ number: Int) throws -> String {
            let document = VaultFixtures.document(number)
            let stored = try vault.put(document, metadata: VaultFixtures.metadata())
            _ = try vault.attach(signature: try VaultFixtures.sign(document, with: "employee"), to: stored.id)
            return stored.id
        }
        let recorded = try keep(1)
        _ = try vault.timestampEvidence(timestamp: CountingStamper(try Self.tsa()).stamper)
        let unrecorded = try keep(2)
        func cardReport(_ id: String) throws -> ValidationReport {
            let material = try vault.cardMaterial(for: id)
            let signature = try #require(material.signatures.first)
            return try signature.validator.validate(signature: signature.cms, document: .bytes(material.bytes))
        }
        let proven = try cardReport(recorded)
        #expect(proven.indication == .totalPassed)
        #expect(proven.signatures.flatMap(\.checks).contains { $0.name == "proofOfExistence" && $0.detail.contains("EDS VAULT DEMO TSA") })
        let proofReport = try vault.report(for: recorded).report
        #expect(proven.signatures.flatMap(\.checks).map(\.name) == proofReport.signatures.flatMap(\.checks).map(\.name), "the card and the proof report check the same")
        let received = try cardReport(unrecorded)
        #expect(!received.signatures.flatMap(\.checks).contains { $0.name == "proofOfExistence" })
        #expect(received.indication == .totalPassed, "judged as of receipt, as before")
    }

    @Test func renewalIsDueWhenTheTSACertificateEndsWithinTheWindow() throws {
        let (vault, directory) = try VaultFixtures.makeVault()
        defer { try? FileManager.default.removeItem(at: directory) }
        let document = VaultFixtures.document()
        let stored = try vault.put(document, metadata: VaultFixtures.metadata())
        _ = try vault.attach(signature: try VaultFixtures.sign(document, with: "employee"), to: stored.id)
        let counter = CountingStamper(try Self.tsa())
        _ = try vault.timestampEvidence(timestamp: counter.stamper)
        // The demo TSA's certificate ends 2036-01-01: a window reaching past it makes the record due.
        let renewed = try vault.timestampEvidence(timestamp: counter.stamper, renewalWindow: 20 * 365 * 86_400)
        #expect(renewed.renewed == 1 && renewed.covered == 0)
        #expect(counter.requests == 2)
        let bundle = try ProofBundle.read(try vault.proofBundle(for: stored.id))
        let record = try EvidenceRecord(derEncoded: try #require(bundle.evidenceRecords.first))
        #expect(record.chains[0].count == 2)
    }
}
