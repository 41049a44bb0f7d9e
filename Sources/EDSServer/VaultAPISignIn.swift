import EDSVault
import EDSVerification
import Foundation
import Hummingbird
import NIOCore
import NIOFoundationCompat

/// `POST /auth/session` as JSON: the CMS in base64 (DER) and, for a detached signature, the nonce it covers.
struct SignInInput: Decodable {
    var signature: String
    var nonce: String?
}

struct SessionView: Encodable {
    var token: String?
    var tokenType: String?
    var expiresAt: Date?
    var credential: String
    var iin: String?
    var employerBIN: String?
    var roles: [String]

    init(_ principal: AuthenticatedPrincipal, token: String? = nil) {
        self.token = token
        tokenType = token == nil ? nil : "Bearer"
        expiresAt = principal.expiresAt
        credential = principal.credentialName
        switch principal.credential {
        case .apiKey(_, let role, let bin):
            employerBIN = bin
            roles = [role.rawValue]
        case .session(_, let person):
            iin = person.iin
            employerBIN = person.bin
            roles = person.roles.map(\.rawValue)
        }
    }
}

struct ErasureInput: Decodable {
    var ownerIIN: String
    var reason: String
}

struct SubjectInput: Decodable {
    var ownerIIN: String
}

extension VaultAPIRoutes {
    /// The NCA AUTH sign-in (Docs/vault-api.md, "Signing in"): a nonce, its signature, a session token; and logout.
    func registerSignIn(on group: RouterGroup<BasicRequestContext>) {
        let authenticator = api.authenticator
        group.post("auth/challenge") { _, context in
            await self.unauthenticated(context: context) {
                Self.json(try authenticator.issueSignInChallenge(), status: .created)
            }
        }
        group.post("auth/session") { request, context in
            do {
                let (signature, nonce) = try await Self.signIn(request, limit: self.api.maxSignatureBytes)
                return await self.unauthenticated(context: context) {
                    let grant = try authenticator.signIn(signature: signature, nonce: nonce)
                    return Self.json(SessionView(grant.principal, token: grant.token), status: .created)
                }
            } catch { return Self.failure(error, context: context) }
        }
        group.get("auth/session") { request, context in
            await self.authenticated(request, context: context, operation: .session) { caller in Self.json(SessionView(caller)) }
        }
        group.post("auth/logout") { request, context in
            await self.authenticated(request, context: context, operation: .session) { caller in
                try authenticator.logout(caller)
                return Response(status: .noContent, headers: [.cacheControl: "no-store"])
            }
        }
    }

    /// The sign-in body: the CMS as `application/pkcs7-signature` (attached: the nonce inside) or JSON.
    static func signIn(_ request: Request, limit: Int) async throws -> (Data, String?) {
        if request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true {
            let input = try await decodeJSON(SignInInput.self, from: request, what: "the sign-in")
            guard let signature = Data(base64Encoded: input.signature, options: .ignoreUnknownCharacters), !signature.isEmpty else {
                throw APIInputError(.badRequest, "signature must be the CMS in base64")
            }
            return (signature, input.nonce)
        }
        return (try await signatureBody(request, limit: limit), nil)
    }

    /// Erasure, the subject's audit extract, and link revocation.
    func registerAdministration(on group: RouterGroup<BasicRequestContext>) {
        let vault = self.vault
        group.post("erasures") { request, context in
            do {
                let input = try await Self.decodeJSON(ErasureInput.self, from: request, what: "the erasure")
                return await self.authenticated(request, context: context, operation: .erase) { caller in
                    let principal = try vault.principal(for: caller, operation: .erase)
                    return Self.json(try vault.erase(ownerIIN: input.ownerIIN, reason: input.reason, as: principal))
                }
            } catch { return Self.failure(error, context: context) }
        }
        group.post("audit/subject") { request, context in
            do {
                let input = try await Self.decodeJSON(SubjectInput.self, from: request, what: "the audit request")
                return await self.authenticated(request, context: context, operation: .audit) { caller in
                    let principal = try vault.principal(for: caller, operation: .audit)
                    return Self.json(try vault.auditExtract(ownerIIN: input.ownerIIN, as: principal).map(AuditEntryView.init))
                }
            } catch { return Self.failure(error, context: context) }
        }
        group.delete("links/:linkId") { request, context in
            let linkID = context.parameters.get("linkId") ?? ""
            guard (8...64).contains(linkID.count), linkID.allSatisfy(\.isHexDigit) else {
                return Self.failure(APIInputError(.badRequest, "a link id is 16 hex digits (linkId of the link's creation)"), context: context)
            }
            return await self.authenticated(request, context: context, operation: .revokeLink) { caller in
                let principal = try vault.principal(for: caller, operation: .revokeLink)
                return Self.json(try vault.revokeProofLink(linkID, as: principal))
            }
        }
    }
}
