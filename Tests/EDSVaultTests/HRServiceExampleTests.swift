import EDSCrypto
import EDSVault
import EDSVerification
import Foundation
import Testing

// The example of Docs/vault.md, "The HR service calling the library", compiled and run here so it cannot rot.
// Keep the two in step: the code between the markers is what the document shows.

// BEGIN Docs/vault.md example
/// How an HR service uses the vault: store an order, collect the employee's and the head's signatures,
/// let the employee read it, hand out an offline proof.
func hireEmployee(vault: Vault, order: Data, employeeKey: PKCS12Bundle, headKey: PKCS12Bundle) throws -> Data {
    // 1. Store the order with who it belongs to and who must sign it.
    let metadata = DocumentMetadata(
        ownerIIN: "900315301237", employerBIN: "150640123452", type: .hiringOrder,
        title: "Приказ № 17-К о приёме на работу", fileName: "prikaz-17k.pdf",
        requiredSigners: [.person(iin: "900315301237"), .employerRole(.firstHead)])
    let stored = try vault.put(order, metadata: metadata, as: .employer(bin: "150640123452"))

    // 2. Signatures: made in the vault with a key, or made elsewhere (NCALayer) and attached. Each is validated
    //    against the document and the vault's trust anchors before it is kept; a bad one throws signatureRefused.
    try vault.sign(stored.id, with: employeeKey)
    let signed = try vault.sign(stored.id, with: headKey)
    guard signed.document.status == .fullySigned else { throw VaultError.conflict("still awaiting signatures") }

    // 3. The employee reads their own order; anyone else gets VaultError.accessDenied (and an audit entry).
    let (_, bytes) = try vault.read(stored.id, as: .individual(iin: "900315301237"))
    precondition(bytes == order)

    // 4. An ASiC-S bundle anyone can check offline: `edsvault verify --bundle proof.asics`.
    return try vault.proofBundle(for: stored.id, as: .employer(bin: "150640123452"))
}
// END Docs/vault.md example

@Suite struct HRServiceExampleTests {
    @Test func theDocumentedExampleRuns() throws {
        let (vault, _) = try VaultFixtures.makeVault()
        let bundle = try hireEmployee(
            vault: vault, order: VaultFixtures.document(), employeeKey: try VaultFixtures.key("employee"),
            headKey: try VaultFixtures.key("head"))
        #expect(try ProofBundle.read(bundle).document == VaultFixtures.document())
    }

    @Test func theDocumentShowsTheCompiledExample() throws {
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let docs = try String(contentsOf: VaultFixtures.repository.appendingPathComponent("Docs/vault.md"), encoding: .utf8)
        let example = try #require(source.components(separatedBy: "// BEGIN Docs/vault.md example\n").last?
            .components(separatedBy: "// END Docs/vault.md example").first)
        #expect(docs.contains(example), "Docs/vault.md must show the example exactly as compiled here")
    }
}
