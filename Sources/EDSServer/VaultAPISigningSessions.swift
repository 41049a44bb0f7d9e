import EDSVault
import Foundation
import Hummingbird

/// `POST /api/v1/vault/documents/{id}/signing-sessions` (issue 22): an HR system, or the signer signed in, opens a
/// signing session; the answer carries the session page's address (its token, shown once).
struct SigningSessionInput: Decodable {
    /// `iin:IIN` or `role:first-head` (or `hr`, `right-to-sign`, `financial`, `employee`).
    var signer: String
    var expiresAt: Date?
}

struct SigningSessionCreatedView: Encodable {
    var sessionId: String
    var token: String
    var path: String
    var url: String
    var signer: String
    var state: String
    var expiresAt: Date
}

extension VaultAPIRoutes {
    func registerSigningSessions(on group: RouterGroup<BasicRequestContext>) {
        group.post("documents/:id/signing-sessions") { request, context in
            do {
                let id = try Self.documentID(context)
                let input = try await Self.decodeJSON(SigningSessionInput.self, from: request, what: "the signing session")
                let signer = try Self.signerRequirement(input.signer)
                let base = service.selfBaseURL
                return await self.authenticated(request, context: context, operation: .signingSession, object: id) { caller in
                    let principal = try self.vault.principal(for: caller, operation: .signingSession, documentID: id)
                    let created = try self.vault.createSigningSession(for: id, signer: signer, expiresAt: input.expiresAt, as: principal)
                    let path = "/sign/\(created.token)"
                    return Self.json(
                        SigningSessionCreatedView(
                            sessionId: created.session.sessionID, token: created.token, path: path, url: base + path,
                            signer: created.session.signer.description, state: created.session.state.rawValue,
                            expiresAt: created.session.expiresAt),
                        status: .created)
                }
            } catch { return Self.failure(error, context: context) }
        }
    }

    /// `iin:IIN` or `role:ROLE`; anything else is 400 before the vault is asked.
    static func signerRequirement(_ text: String) throws -> SignerRequirement {
        guard text.utf8.count <= 64 else { throw APIInputError(.badRequest, "signer must be iin:IIN or role:ROLE") }
        let name: String
        if text.lowercased().hasPrefix("role:") {
            name = String(text.dropFirst(5))
        } else if text.lowercased().hasPrefix("iin:") {
            name = text
        } else {
            throw APIInputError(.badRequest, "signer must be iin:IIN or role:ROLE (first-head, hr, right-to-sign, financial, employee)")
        }
        let requirement = try? SignerRequirement(parsing: name, ownerIIN: "")
        guard let requirement, requirement != .person(iin: "") else {
            throw APIInputError(.badRequest, "signer must be iin:IIN or role:ROLE (first-head, hr, right-to-sign, financial, employee)")
        }
        return requirement
    }
}
