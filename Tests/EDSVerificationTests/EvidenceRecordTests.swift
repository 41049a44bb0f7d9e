import EDSCrypto
import EDSVerification
import Foundation
import Testing

/// RFC 4998 evidence records: one archive timestamp over a hash tree of many documents, each document's record
/// verifiable alone, renewable, and usable as proof of existence for a signature without a timestamp.
struct EvidenceRecordTests {
    /// The demo TSA answering at a chosen moment (tests make archive timestamps "in the past").
    static func stamper(at time: Date, authority: TimeStampAuthority? = nil) throws -> ArchiveTimeStamper {
        let tsa = try authority ?? TimestampTests.authority()
        return { digest, algorithm in
            let request = try TimeStampClient.request(forDigest: digest, algorithm: algorithm).request
            return try TimeStampClient.token(fromResponse: try tsa.respond(to: request, at: time))
        }
    }

    /// Document i and its signature file: distinct bytes per group.
    static func group(_ index: Int) -> [Data] {
        [Data("Приказ № \(index)-К".utf8), Data("signature of order \(index)".utf8)]
    }

    static func hashes(_ objects: [Data], _ algorithm: DigestAlgorithm = .sha256) throws -> [Data] {
        try objects.map { try Digest.hash($0, algorithm: algorithm) }
    }

    static func policy(at time: Date) throws -> ValidationPolicy { try DemoPKI.policy(at: time) }

    @Test(arguments: [1, 2, 3, 7, 16])
    func everyDocumentOfATreeVerifiesAlone(documents: Int) throws {
        let groups = (0..<documents).map(Self.group)
        let records = try EvidenceRecordBuilder.make(
            groups: try groups.map { try Self.hashes($0) }, algorithm: .sha256, timestamp: Self.stamper(at: .iso("2026-06-01T10:00:00Z")))
        #expect(records.count == documents)
        for (record, objects) in zip(records, groups) {
            let decoded = try EvidenceRecord(derEncoded: record.derEncoded)
            #expect(decoded == record)
            let result = EvidenceRecordValidator.validate(decoded, dataObjects: objects, policy: try Self.policy(at: .iso("2030-01-01T00:00:00Z")))
            #expect(result.holds, "\(result.failure ?? "")")
            #expect(result.proofOfExistence?.time == .iso("2026-06-01T10:00:00Z"))
            #expect(result.proofOfExistence?.authority == "EDS VAULT DEMO TSA")
        }
    }

    @Test func aChangedDocumentByteIsNotCovered() throws {
        let groups = (0..<5).map(Self.group)
        let records = try EvidenceRecordBuilder.make(
            groups: try groups.map { try Self.hashes($0) }, algorithm: .sha256, timestamp: Self.stamper(at: .iso("2026-06-01T10:00:00Z")))
        var changed = groups[2]
        changed[0][0] ^= 0x01
        let result = EvidenceRecordValidator.validate(records[2], dataObjects: changed, policy: try Self.policy(at: .iso("2030-01-01T00:00:00Z")))
        #expect(!result.holds)
        #expect(result.failure?.contains("not in the hash tree of archive timestamp 1") == true, "\(result.failure ?? "")")
        // Another document's objects are not in this record either.
        #expect(!EvidenceRecordValidator.validate(records[2], dataObjects: groups[3], policy: try Self.policy(at: .iso("2030-01-01T00:00:00Z"))).holds)
    }

    @Test func aChangedTreeNodeBreaksTheRecord() throws {
        let groups = (0..<6).map(Self.group)
        let records = try EvidenceRecordBuilder.make(
            groups: try groups.map { try Self.hashes($0) }, algorithm: .sha256, timestamp: Self.stamper(at: .iso("2026-06-01T10:00:00Z")))
        var record = records[1]
        var tree = try #require(record.chains[0][0].reducedHashTree)
        tree[1][0][5] ^= 0x80
        record.chains[0][0].reducedHashTree = tree
        let result = EvidenceRecordValidator.validate(record, dataObjects: groups[1], policy: try Self.policy(at: .iso("2030-01-01T00:00:00Z")))
        #expect(!result.holds)
        #expect(result.failure?.contains("leads to another value than the one the TSA timestamped") == true, "\(result.failure ?? "")")
    }

    @Test func timestampRenewalKeepsTheFirstMomentAndChecksTheLink() throws {
        let groups = (0..<3).map(Self.group)
        let made = try EvidenceRecordBuilder.make(
            groups: try groups.map { try Self.hashes($0) }, algorithm: .sha256, timestamp: Self.stamper(at: .iso("2026-06-01T10:00:00Z")))
        let renewed = try EvidenceRecordBuilder.renewTimeStamps(made, timestamp: Self.stamper(at: .iso("2031-02-01T10:00:00Z")))
        #expect(renewed[0].chains[0].count == 2)
        let policy = try Self.policy(at: .iso("2032-01-01T00:00:00Z"))
        for (record, objects) in zip(renewed, groups) {
            let result = EvidenceRecordValidator.validate(try EvidenceRecord(derEncoded: record.derEncoded), dataObjects: objects, policy: policy)
            #expect(result.holds, "\(result.failure ?? "")")
            #expect(result.proofOfExistence?.time == .iso("2026-06-01T10:00:00Z"))
            #expect(result.proofOfExistence?.renewals == 1)
            #expect(result.latestTimeStamp?.genTime == .iso("2031-02-01T10:00:00Z"))
        }
        // The renewal covers the first archive timestamp's bytes: swapping in another token breaks the link.
        var forged = renewed[0]
        let other = try EvidenceRecordBuilder.make(
            groups: [try Self.hashes(groups[0])], algorithm: .sha256, timestamp: Self.stamper(at: .iso("2026-06-01T10:00:00Z")))
        forged.chains[0][0].timeStamp = other[0].chains[0][0].timeStamp
        #expect(!EvidenceRecordValidator.validate(forged, dataObjects: groups[0], policy: policy).holds)
    }

    @Test func aRecordWhoseTSACertificateExpiredBeforeRenewalDoesNotHold() throws {
        let groups = [Self.group(1)]
        let made = try EvidenceRecordBuilder.make(
            groups: try groups.map { try Self.hashes($0) }, algorithm: .sha256, timestamp: Self.stamper(at: .iso("2026-06-01T10:00:00Z")))
        // The demo TSA's certificate ends 2036-01-01: not renewed by then, the record proves nothing in 2037.
        let result = EvidenceRecordValidator.validate(made[0], dataObjects: groups[0], policy: try Self.policy(at: .iso("2037-01-01T00:00:00Z")))
        #expect(!result.holds)
        #expect(result.failure?.contains("expired at 2036-01-01T00:00:00Z, before it was renewed") == true, "\(result.failure ?? "")")
    }

    @Test func hashTreeRenewalUnderSHA512() throws {
        let groups = (0..<4).map(Self.group)
        let made = try EvidenceRecordBuilder.make(
            groups: try groups.map { try Self.hashes($0) }, algorithm: .sha256, timestamp: Self.stamper(at: .iso("2026-06-01T10:00:00Z")))
        let renewed = try EvidenceRecordBuilder.renewHashTrees(
            made, groupsData: groups, algorithm: .sha512, timestamp: Self.stamper(at: .iso("2030-06-01T10:00:00Z")))
        #expect(renewed[0].chains.count == 2)
        #expect(renewed[0].digestAlgorithms == [.sha256, .sha512])
        let policy = try Self.policy(at: .iso("2031-01-01T00:00:00Z"))
        for (record, objects) in zip(renewed, groups) {
            let result = EvidenceRecordValidator.validate(try EvidenceRecord(derEncoded: record.derEncoded), dataObjects: objects, policy: policy)
            #expect(result.holds, "\(result.failure ?? "")")
            #expect(result.proofOfExistence?.time == .iso("2026-06-01T10:00:00Z"))
        }
        var changed = groups[3]
        changed[1].append(0)
        #expect(!EvidenceRecordValidator.validate(renewed[3], dataObjects: changed, policy: policy).holds)
    }

    @Test func garbageIsNotAnEvidenceRecord() throws {
        #expect(throws: CryptoError.self) { try EvidenceRecord(derEncoded: Data([0x30, 0x03, 0x02, 0x01, 0x02])) }
        #expect(throws: CryptoError.self) { try EvidenceRecord(derEncoded: Data(repeating: 0x30, count: 64)) }
        #expect(throws: CryptoError.self) { try EvidenceRecord(derEncoded: Data()) }
    }

    /// A BES signature (no timestamp, as NCALayer makes them) outlives its certificate through the record:
    /// made 2030 while valid, the record renewed 2035 by a TSA whose certificate runs past 2040.
    @Test func anEvidenceRecordIsTheProofOfExistenceOfABESSignature() throws {
        let signature = try DemoPKI.sign(with: "employee")
        let signatureValue = try #require(try CMSSignedData(signature).signers.first?.signatureValue)
        let objects = [DemoPKI.document, signatureValue]
        let made = try EvidenceRecordBuilder.make(
            groups: [try Self.hashes(objects)], algorithm: .sha256, timestamp: Self.stamper(at: .iso("2030-01-01T10:00:00Z")))
        let longLivedTSA = try LongLivedTSA.make()
        let renewed = try EvidenceRecordBuilder.renewTimeStamps(
            made, timestamp: Self.stamper(at: .iso("2035-06-01T10:00:00Z"), authority: longLivedTSA))

        let later = Date.iso("2040-01-01T00:00:00Z")
        var policy = try Self.policy(at: later)
        let without = try SignatureValidator(policy: policy).validate(signature: signature, document: .bytes(DemoPKI.document))
        #expect(without.indication == .indeterminate)
        #expect(without.subIndication == .outOfBoundsNoPOE)

        policy.evidenceRecords = EvidenceRecordValidator.results(
            [renewed[0]], document: DemoPKI.document, signature: try CMSSignedData(signature), policy: policy)
        #expect(policy.evidenceRecords[signatureValue]?.holds == true, "\(policy.evidenceRecords[signatureValue]?.failure ?? "")")
        let with = try SignatureValidator(policy: policy).validate(signature: signature, document: .bytes(DemoPKI.document))
        #expect(with.indication == .totalPassed, "\(with.signatures[0].errors)")
        #expect(with.signatures[0].checks.contains { $0.name == "proofOfExistence" && $0.detail.contains("2030-01-01T10:00:00Z") })

        // A record over another signature proves nothing for this one: it stays INDETERMINATE, with the reason as a warning.
        let other = try DemoPKI.sign(Data("another order".utf8), with: "head")
        let otherValue = try #require(try CMSSignedData(other).signers.first?.signatureValue)
        let unrelated = try EvidenceRecordBuilder.make(
            groups: [try Self.hashes([DemoPKI.document, otherValue])], algorithm: .sha256, timestamp: Self.stamper(at: .iso("2030-01-01T10:00:00Z")))
        policy.evidenceRecords = EvidenceRecordValidator.results(
            [unrelated[0]], document: DemoPKI.document, signature: try CMSSignedData(signature), policy: policy)
        let uncovered = try SignatureValidator(policy: policy).validate(signature: signature, document: .bytes(DemoPKI.document))
        #expect(uncovered.subIndication == .outOfBoundsNoPOE)
        #expect(uncovered.signatures[0].warnings.contains { $0.contains("is not in the hash tree") })
    }

    /// An independent reader: pyasn1-alt-modules' RFC 4998 schema and Python's hashlib recompute the root from the
    /// files and compare it with the TSTInfo imprint; `openssl ts -verify` checks the token over that root.
    @Test func pythonAndOpenSSLAcceptOurRecords() throws {
        let python = DemoPKI.root.appendingPathComponent(".venv/bin/python").path
        #expect(FileManager.default.isExecutableFile(atPath: python), "referee venv missing: run .ci/setup")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let groups = (0..<3).map(Self.group)
        let records = try EvidenceRecordBuilder.make(
            groups: try groups.map { try Self.hashes($0) }, algorithm: .sha256, timestamp: Self.stamper(at: Date()))
        let renewed = try EvidenceRecordBuilder.renewTimeStamps(records, timestamp: Self.stamper(at: Date()))
        for (index, (record, objects)) in zip(renewed, groups).enumerated() {
            let ers = directory.appendingPathComponent("\(index).ers")
            try record.derEncoded.write(to: ers)
            var arguments = [DemoPKI.root.appendingPathComponent("Tests/Referees/ers_verify.py").path, ers.path]
            for (objectIndex, object) in objects.enumerated() {
                let file = directory.appendingPathComponent("\(index)-\(objectIndex)")
                try object.write(to: file)
                arguments.append(file.path)
            }
            let accepted = try Referee.run(python, arguments + ["--ca", DemoPKI.certs.appendingPathComponent("trust/root.pem").path,
                "--untrusted", DemoPKI.certs.appendingPathComponent("ca/nca-demo.pem").path])
            #expect(accepted.status == 0, "\(accepted.output)")
            var tampered = objects
            tampered[0].append(0x20)
            try tampered[0].write(to: directory.appendingPathComponent("\(index)-0"))
            let rejected = try Referee.run(python, arguments + ["--ca", DemoPKI.certs.appendingPathComponent("trust/root.pem").path,
                "--untrusted", DemoPKI.certs.appendingPathComponent("ca/nca-demo.pem").path])
            #expect(rejected.status != 0, "\(rejected.output)")
        }
    }
}

/// A second demo TSA certificate (same key, issued now by the demo intermediate for 9000 days) so a renewal can
/// outlive the demo TSA's 2036 end. Made with the OpenSSL CLI: the referee, not our code, issues it.
enum LongLivedTSA {
    static func make() throws -> TimeStampAuthority {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tsa-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let extensions = directory.appendingPathComponent("ext.cnf")
        try """
            [tsa]
            basicConstraints = critical,CA:FALSE
            keyUsage = critical,digitalSignature
            extendedKeyUsage = critical,timeStamping
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid
            """.write(to: extensions, atomically: true, encoding: .utf8)
        let key = DemoPKI.certs.appendingPathComponent("tsa.key").path
        let request = directory.appendingPathComponent("tsa.csr").path
        let certificate = directory.appendingPathComponent("tsa2.pem").path
        let made = try Referee.run("/usr/bin/openssl", ["req", "-new", "-key", key, "-subj", "/CN=EDS VAULT DEMO TSA 2/O=EDS Vault Demo/C=KZ", "-out", request])
        guard made.status == 0 else { throw CryptoError(.internalFailure, made.output) }
        let issued = try Referee.run("/usr/bin/openssl", [
            "x509", "-req", "-in", request, "-CA", DemoPKI.certs.appendingPathComponent("ca/nca-demo.pem").path,
            "-CAkey", DemoPKI.certs.appendingPathComponent("ca/nca-demo.key").path, "-set_serial", "0x7E57A2", "-days", "9000",
            "-extfile", extensions.path, "-extensions", "tsa", "-out", certificate,
        ])
        guard issued.status == 0 else { throw CryptoError(.internalFailure, issued.output) }
        return TimeStampAuthority(
            certificate: try #require(try Certificate.parseAll(Data(contentsOf: URL(fileURLWithPath: certificate))).first),
            key: try PrivateKey(pemOrDER: try DemoPKI.data("tsa.key")),
            chain: try Certificate.parseAll(try DemoPKI.data("ca/nca-demo.pem")))
    }
}

enum Referee {
    /// Runs a tool we did not write; returns its exit status and combined output.
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
