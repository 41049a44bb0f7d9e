import EDSCard
import EDSServer
import EDSVault
import Foundation

/// `serve --vault DIR`: proof pages for vault documents, found by their link token only (`vault link DOC`).
struct VaultProofDirectory: ProofDirectory {
    let vault: Vault

    /// Blocks (blobs, re-validation): the service calls it on its validation threads.
    func proof(forToken token: String) throws -> VaultProof? {
        let found: ProofLinkView?
        do { found = try vault.proofView(forToken: token) } catch let busy as ProofRenderLimited {
            throw ProofRenderBusy(retryAfterSeconds: busy.retryAfterSeconds)
        }
        guard let found else { return nil }
        let document = found.document
        var proof = VaultProof(
            title: document.metadata.title, documentType: document.metadata.type.englishName,
            fileName: document.metadata.fileName, sha256: document.id, size: document.size,
            status: document.status == .fullySigned ? "fully signed" : "awaiting signatures",
            report: found.report, withDocument: found.link.withDocument, expiresAt: found.link.expiresAt)
        proof.acknowledgements = found.acknowledgements.map { AcknowledgementLine(iin: $0.iin, acknowledgedAt: $0.acknowledgedAt) }
        return proof
    }

    /// Blocks (blobs, validation, PDF drawing): the service calls it on its validation threads. Only links made
    /// `--with-document` have a card; it is cached per (document, signatures, language, proof URL).
    func card(forToken token: String, language: CardLanguage, proofURL: String) throws -> Data? {
        do {
            return try vault.anonymousCard(forToken: token, variant: "\(language.rawValue)|\(proofURL)") { material in
                try VaultCardCommand.card(for: material, language: language, proofURL: proofURL)
            }
        } catch let busy as ProofRenderLimited {
            throw ProofRenderBusy(retryAfterSeconds: busy.retryAfterSeconds)
        }
    }
}
