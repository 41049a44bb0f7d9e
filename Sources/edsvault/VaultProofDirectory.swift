import EDSServer
import EDSVault
import Foundation

/// `serve --vault DIR`: proof pages for vault documents, found by their link token only (`vault link DOC`).
struct VaultProofDirectory: ProofDirectory {
    let vault: Vault

    /// Blocks (blobs, re-validation): the service calls it on its validation threads.
    func proof(forToken token: String) throws -> VaultProof? {
        guard let found = try vault.proof(forToken: token) else { return nil }
        let document = found.document
        return VaultProof(
            title: document.metadata.title, documentType: document.metadata.type.englishName,
            fileName: document.metadata.fileName, sha256: document.id, size: document.size,
            status: document.status == .fullySigned ? "fully signed" : "awaiting signatures",
            report: found.report)
    }
}
