import EDSCrypto
import EDSVerification
import Foundation

/// A one-time value a person signs with their AUTH key to sign in (as NCALayer's and eGov Mobile's authentication do).
public struct SignInChallenge: Codable, Sendable {
    /// 256 random bits, base64url: the exact UTF-8 bytes of this string are what the CMS must carry or cover.
    public var nonce: String
    public var expiresAt: Date
}

/// A signed-in session: the bearer token and whom it proves.
public struct SessionGrant: Sendable {
    public var token: String
    public var expiresAt: Date
    public var principal: AuthenticatedPrincipal
}

extension VaultAuthenticator {
    /// Issues a nonce, kept (as its SHA-256) in the index until it is used or `nonceLifetime` passes: any node of the
    /// vault can complete the sign-in, and only once.
    public func issueSignInChallenge(now: Date = Date()) throws -> SignInChallenge {
        let nonce: String
        do { nonce = Vault.base64URL(try SecureRandom.bytes(32)) } catch { throw VaultError.io("the random generator failed") }
        let expiresAt = VaultClock.date(milliseconds: VaultClock.milliseconds(now.addingTimeInterval(nonceLifetime)))
        try vault.accessIndex.insertSignInNonce(hash: Self.nonceHash(nonce), expiresAt: expiresAt, now: now)
        return SignInChallenge(nonce: nonce, expiresAt: expiresAt)
    }

    static func nonceHash(_ nonce: String) -> String { Digest.sha256(Data("eds-vault sign-in nonce:\(nonce)".utf8)).hexString }

    /// Completes a sign-in: `signature` is a CMS SignedData by one signer over the nonce's UTF-8 bytes, attached (the
    /// nonce inside) or detached (`nonce` names it). The signature must verify, the nonce must be unused and unexpired
    /// (it is consumed here, so a replay is refused), and the signer's certificate must be an AUTH certificate
    /// (clientAuth) that validates now against the vault's sealed trust anchors and CRLs (path, validity, revocation).
    /// The person — IIN, BIN, roles — comes from that certificate alone.
    ///
    /// Failures: `AuthenticationFailure` (401) for a signature or certificate that does not prove anyone, a used or
    /// expired nonce; `VaultError.invalidInput` (400) for bytes that are not a CMS.
    public func signIn(signature: Data, nonce claimedNonce: String? = nil, now: Date = Date()) throws -> SessionGrant {
        let signedData: CMSSignedData
        do { signedData = try CMSSignedData(signature) } catch { throw VaultError.invalidInput("the sign-in signature is not a CMS SignedData") }
        guard signedData.trailingByteCount == 0 else { throw VaultError.invalidInput("the sign-in signature has bytes after its end") }
        guard signedData.signerCount == 1, let signer = signedData.signer(at: 0) else {
            throw AuthenticationFailure(reason: "the sign-in signature must have exactly one signer")
        }
        let content: Data
        if let attached = signedData.encapsulatedContent {
            if let claimedNonce, Data(claimedNonce.utf8) != attached {
                throw AuthenticationFailure(reason: "the signed content is not the nonce given")
            }
            content = attached
        } else if let claimedNonce {
            content = Data(claimedNonce.utf8)
        } else {
            throw VaultError.invalidInput("a detached sign-in signature needs the nonce it covers")
        }
        guard content.count <= 256, let nonce = String(data: content, encoding: .utf8) else {
            throw AuthenticationFailure(reason: "the signed content is not a sign-in nonce")
        }
        guard let certificate = signedData.signerCertificate(for: signer) else {
            throw AuthenticationFailure(reason: "the sign-in signature does not carry its signer's certificate")
        }
        try Self.verify(signer, of: signedData, over: content, with: certificate)
        // Consumed only once the signature holds (a stranger cannot burn someone else's nonce), before the certificate
        // is judged: a replay of the same signed nonce finds it gone.
        guard try vault.accessIndex.consumeSignInNonce(hash: Self.nonceHash(nonce), now: now) else {
            throw AuthenticationFailure(reason: "the nonce is unknown, expired or already used: ask for a new one")
        }
        let person = try Self.person(certificate: certificate, intermediates: signedData.certificates, vault: vault, at: now)
        let (token, claims) = try mintSession(for: person, now: now)
        let expiresAt = VaultClock.date(milliseconds: claims.exp)
        try vault.index.append(audit: [
            AuditDraft(
                at: VaultClock.now(), actor: try vault.auditName(for: .individual(iin: person.iin)), action: "sign-in", object: "",
                detail: "session \(claims.sid), roles [\(person.roles.map(\.rawValue).joined(separator: "+"))]")
        ])
        return SessionGrant(token: token, expiresAt: expiresAt, principal: AuthenticatedPrincipal(credential: .session(id: claims.sid, person: person), expiresAt: expiresAt))
    }

    /// The signature value, and with signed attributes, their messageDigest against the content.
    static func verify(_ signer: CMSSignerInfo, of signedData: CMSSignedData, over content: Data, with certificate: Certificate) throws {
        guard let digestAlgorithm = signer.digestAlgorithm, let digest = try? Digest.hash(content, algorithm: digestAlgorithm) else {
            throw AuthenticationFailure(reason: "the sign-in signature uses an unsupported digest algorithm")
        }
        if signer.hasSignedAttributes {
            guard let messageDigest = signer.messageDigest, ConstantTime.equal(messageDigest, digest) else {
                throw AuthenticationFailure(reason: "the sign-in signature does not cover the nonce (messageDigest differs)")
            }
        }
        switch signedData.verifySignatureValue(of: signer, with: certificate, contentDigest: digest) {
        case .valid: return
        case .invalid(let reason), .unsupported(let reason): throw AuthenticationFailure(reason: "the sign-in signature does not verify: \(reason)")
        }
    }

    /// The person an AUTH certificate names, once it validates now against the vault's trust.
    static func person(certificate: Certificate, intermediates: [Certificate], vault: Vault, at now: Date) throws -> SignedInPerson {
        guard certificate.extendedKeyUsage.contains(ExtendedKeyUsageOID.clientAuth) else {
            throw AuthenticationFailure(reason: "the signer's certificate is not an AUTH certificate (no clientAuth extended key usage)")
        }
        let validator = CertificateValidator(
            policy: ValidationPolicy(trustAnchors: vault.trust.anchors, crls: vault.trust.crls, validationTime: now, offline: true))
        let report = validator.validate(certificate: certificate, intermediates: intermediates.filter { $0 != certificate })
        guard report.indication == .totalPassed else {
            throw AuthenticationFailure(
                reason: "the AUTH certificate does not validate: \(report.indication.rawValue)/\(report.subIndication?.rawValue ?? "-")"
                    + (report.errors.first.map { ": \($0)" } ?? ""))
        }
        let identity = KazakhIdentity(certificate: certificate)
        guard let iin = identity.iin, iin.count == 12, iin.allSatisfy(\.isNumber) else {
            throw AuthenticationFailure(reason: "the AUTH certificate names no IIN")
        }
        return SignedInPerson(iin: iin, bin: identity.bin, roles: identity.roles)
    }
}
