import EDSCrypto
import EDSVault
import EDSVerification
import Foundation
import Testing

/// The vault's evidence policy through the library (the extension itself, with a TSA on loopback, is tested end to
/// end in Tests/CLITests/VaultLongTermTests.swift).
@Suite struct VaultEvidencePolicyTests {
    @Test func aSignatureWhoseTSACannotBeReachedIsKeptAwaitingEvidenceAndItsProofSaysSo() throws {
        let (vault, directory) = try VaultFixtures.makeVault()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Nothing listens on port 9 (discard) on loopback here.
        try vault.setEvidencePolicy(try VaultEvidencePolicy(tsa: "http://127.0.0.1:9/", revocation: nil))
        #expect(try vault.evidencePolicy()?.tsa == "http://127.0.0.1:9/")
        let document = VaultFixtures.document()
        let stored = try vault.put(document, metadata: VaultFixtures.metadata(requiring: []))
        let signature = try VaultFixtures.sign(document, with: "employee")

        let attached = try vault.attach(signature: signature, to: stored.id)
        #expect(attached.awaitingEvidence != nil)
        #expect(attached.document.status == .fullySigned)
        #expect(attached.signature.id == Digest.sha256(try CMSSignedData(signature).encoded).hexString, "kept as received")
        #expect(try vault.signaturesAwaitingEvidence() == [AwaitingEvidence(documentID: stored.id, signatureID: attached.signature.id)])

        let check = try vault.check()
        #expect(check.isClean, "\(check.problems)")
        #expect(check.awaitingEvidence == ["\(stored.id)/\(attached.signature.id)"])
        let proof = try vault.report(for: stored.id)
        #expect(proof.report.indication == .totalPassed)
        #expect(proof.report.signatures.first?.warnings.contains { $0.contains("awaiting evidence") } == true)
        // The proof page and `vault proof --lang` show the vault's warnings in the reader's language.
        let kept = try #require(proof.report.signatures.first)
        let russian = kept.warnings.map { kept.warning($0, in: .russian) }
        let kazakh = kept.warnings.map { kept.warning($0, in: .kazakh) }
        #expect(russian.contains { $0.hasPrefix("ожидает доказательств") } && russian.contains { $0.contains("момент, когда хранилище получило подпись") })
        #expect(kazakh.contains { $0.hasPrefix("дәлелдемелерді күтуде") } && kazakh.contains { $0.contains("қойма қолтаңбаны алған сәт") })

        // Still unreachable: the retry keeps it as it was.
        let retried = try vault.extendPendingSignatures()
        #expect(retried.count == 1 && retried.first?.extendedID == nil && retried.first?.reason != nil)
        #expect(try vault.signaturesAwaitingEvidence().count == 1)
    }

    @Test(arguments: ["ftp://tsa.example/", "tsa.example", "http://"])
    func aTSAThatIsNotAnHTTPURLIsRefused(_ url: String) {
        #expect(throws: VaultError.self) { try VaultEvidencePolicy(tsa: url, revocation: .ocsp) }
    }

    @Test func aVaultWithoutPolicyHasNothingToRetry() throws {
        let (vault, directory) = try VaultFixtures.makeVault()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try vault.evidencePolicy() == nil)
        #expect(throws: VaultError.self) { try vault.extendPendingSignatures() }
    }
}
