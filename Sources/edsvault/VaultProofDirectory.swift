import EDSCard
import EDSServer
import EDSVault
import Dispatch
import Foundation

/// `serve --vault DIR`: proof pages for vault documents, found by their link token only (`vault link DOC`).
struct VaultProofDirectory: ProofDirectory {
    let vault: Vault

    func proof(forToken token: String) async throws -> VaultProof? {
        // Opening blobs and re-validating signatures blocks: keep it off the server's event loops.
        let vault = self.vault
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<VaultProof?, any Error>) in
            DispatchQueue.global().async {
                continuation.resume(with: Result { () throws -> VaultProof? in
                    guard let found = try vault.proof(forToken: token) else { return nil }
                    let document = found.document
                    return VaultProof(
                        title: document.metadata.title, documentType: document.metadata.type.englishName,
                        fileName: document.metadata.fileName, sha256: document.id, size: document.size,
                        status: document.status == .fullySigned ? "fully signed" : "awaiting signatures",
                        report: found.report)
                })
            }
        }
    }

    func card(forToken token: String, language: CardLanguage, proofURL: String) async throws -> Data? {
        let vault = self.vault
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Data?, any Error>) in
            DispatchQueue.global().async {
                continuation.resume(with: Result { () throws -> Data? in
                    guard let material = try vault.cardMaterial(forToken: token) else { return nil }
                    return try VaultCardCommand.card(for: material, language: language, proofURL: proofURL)
                })
            }
        }
    }
}
