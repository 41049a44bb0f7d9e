import EDSCrypto
@testable import EDSServer
import EDSVault
import EDSVerification
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 21: the vault over HTTP, principals proven by API keys and AUTH-certificate sessions.
@Suite struct VaultAPITests {
    static let base = "/api/v1/vault"

    // MARK: - Credentials

    @Test func aRequestWithoutOrWithAnUnknownCredentialIs401AndSaysHowToAuthenticate() async throws {
        let fixture = try VaultAPIFixture()
        try await fixture.run { client in
            let none = try await client.call("\(Self.base)/documents", bearer: nil)
            #expect(none.status == .unauthorized)
            #expect(none.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            let forged = try await client.call("\(Self.base)/documents", bearer: "edsv_0123456789abcdef_notTheSecret")
            #expect(forged.status == .unauthorized)
            let garbage = try await client.call("\(Self.base)/documents", bearer: "edst.e30.AAAA")
            #expect(garbage.status == .unauthorized)
        }
    }

    @Test func anAPIKeyIsStoredOnlyAsItsHashAndARevokedOrExpiredKeyIsRefused() async throws {
        let fixture = try VaultAPIFixture()
        defer { fixture.remove() }
        let issued = try fixture.vault.createAPIKey(employerBIN: VaultAPIFixture.employer, role: .hr)
        #expect(issued.key.hasPrefix("edsv_\(issued.record.id)_"))
        #expect(issued.record.keyHash == Digest.sha256(Data(issued.key.utf8)).hexString)
        let index = try Data(contentsOf: fixture.directory.appendingPathComponent("index.sqlite"))
            + ((try? Data(contentsOf: fixture.directory.appendingPathComponent("index.sqlite-wal"))) ?? Data())
        #expect(index.range(of: Data(issued.key.utf8)) == nil, "the key itself must never reach the index")
        let caller = try fixture.api.authenticator.authenticate(bearer: issued.key)
        #expect(caller.credential == .apiKey(id: issued.record.id, role: .hr, employerBIN: VaultAPIFixture.employer))
        #expect(try fixture.vault.apiKeys().first?.lastUsedAt != nil)

        try fixture.vault.revokeAPIKey(issued.record.id)
        #expect(throws: AuthenticationFailure.self) { try fixture.api.authenticator.authenticate(bearer: issued.key) }
        #expect(throws: VaultError.self) { try fixture.vault.revokeAPIKey("0000000000000000") }

        let expiring = try fixture.vault.createAPIKey(
            employerBIN: VaultAPIFixture.employer, role: .auditor, expiresAt: Date().addingTimeInterval(60))
        _ = try fixture.api.authenticator.authenticate(bearer: expiring.key)
        #expect(throws: AuthenticationFailure.self) {
            try fixture.api.authenticator.authenticate(bearer: expiring.key, now: Date().addingTimeInterval(120))
        }
        let actions = try fixture.vault.auditLog().map(\.draft.action)
        #expect(actions.contains("api-key-create") && actions.contains("api-key-revoke"))
    }

    // MARK: - Put, read, list

    @Test func anHRKeyPutsADocumentOnce201ThenAgain200AndReadsItBackWholeAndByRange() async throws {
        let fixture = try VaultAPIFixture()
        let hr = try fixture.key(.hr)
        try await fixture.run { client in
            let first = try await client.put(VaultAPIFixture.putForm(), bearer: hr)
            #expect(first.status == .created, "\(first.text)")
            let id = try #require(first.json["id"] as? String)
            #expect(id == Digest.sha256(Demo.document).hexString)
            #expect(first.json["status"] as? String == "awaiting-signatures")
            let again = try await client.put(VaultAPIFixture.putForm(), bearer: hr)
            #expect(again.status == .ok)

            let metadata = try await client.call("\(Self.base)/documents/\(id)", bearer: hr)
            #expect(metadata.status == .ok)
            #expect(metadata.json["ownerIINs"] as? [String] == [VaultAPIFixture.employee])
            #expect(metadata.headers[.cacheControl] == "no-store")

            let content = try await client.call("\(Self.base)/documents/\(id)/content", bearer: hr)
            #expect(content.status == .ok)
            #expect(content.data == Demo.document)
            let part = try await client.call("\(Self.base)/documents/\(id)/content", bearer: hr, headers: [.range: "bytes=2-9"])
            #expect(part.status == .partialContent)
            #expect(part.data == Demo.document.subdata(in: 2..<10))
            #expect(part.headers[.contentRange] == "bytes 2-9/\(Demo.document.count)")
            let outside = try await client.call("\(Self.base)/documents/\(id)/content", bearer: hr, headers: [.range: "bytes=99999-"])
            #expect(outside.status == .rangeNotSatisfiable)
        }
    }

    @Test func aPutWithBadInputGetsOneLineAnd400Or415() async throws {
        let fixture = try VaultAPIFixture()
        let hr = try fixture.key(.hr)
        try await fixture.run { client in
            var noMetadata = Multipart()
            noMetadata.add("document", Demo.document, fileName: "order.txt")
            let missing = try await client.put(noMetadata, bearer: hr)
            #expect(missing.status == .badRequest)
            #expect(missing.errorMessage.contains("metadata"))

            let badType = try await client.put(VaultAPIFixture.putForm(metadata: VaultAPIFixture.metadata(type: "poem")), bearer: hr)
            #expect(badType.status == .badRequest)
            #expect(badType.errorMessage.contains("metadata.type"))

            let notJSON = try await client.put(VaultAPIFixture.putForm(metadata: Data("{owner".utf8)), bearer: hr)
            #expect(notJSON.status == .badRequest)

            let badIIN = try await client.put(VaultAPIFixture.putForm(metadata: VaultAPIFixture.metadata(owners: ["12345"])), bearer: hr)
            #expect(badIIN.status == .badRequest)
            #expect(!badIIN.errorMessage.contains("\n"))

            let notMultipart = try await client.call(
                "\(Self.base)/documents", .post, bearer: hr, body: Demo.document, contentType: "application/octet-stream")
            #expect(notMultipart.status == .unsupportedMediaType)
        }
    }

    @Test func keysActOnlyForTheirEmployerAndAnAuditorNeverGetsTheBytes() async throws {
        let fixture = try VaultAPIFixture()
        let hr = try fixture.key(.hr)
        let auditor = try fixture.key(.auditor)
        let grantedAuditor = try fixture.vault.createAPIKey(employerBIN: VaultAPIFixture.employer, role: .auditor, readsDocuments: true).key
        #expect(throws: VaultError.self) { try fixture.vault.createAPIKey(employerBIN: VaultAPIFixture.employer, role: .hr, readsDocuments: true) }
        let otherHR = try fixture.key(.hr, employer: VaultAPIFixture.otherEmployer)
        try await fixture.run { client in
            let put = try await client.put(VaultAPIFixture.putForm(), bearer: hr)
            let id = try #require(put.json["id"] as? String)

            let foreignPut = try await client.put(VaultAPIFixture.putForm(Data("other".utf8)), bearer: otherHR)
            #expect(foreignPut.status == .forbidden)
            let foreignRead = try await client.call("\(Self.base)/documents/\(id)", bearer: otherHR)
            #expect(foreignRead.status == .forbidden)
            #expect(foreignRead.errorRule == "document-access")
            // A document that does not exist answers as one that is not the caller's.
            let absent = try await client.call("\(Self.base)/documents/\(String(repeating: "ab", count: 32))", bearer: otherHR)
            #expect(absent.status == .forbidden)

            #expect(try await client.call("\(Self.base)/documents/\(id)", bearer: auditor).status == .ok)
            let bytes = try await client.call("\(Self.base)/documents/\(id)/content", bearer: auditor)
            #expect(bytes.status == .forbidden)
            #expect(bytes.errorRule == "auditor-reads-no-document-bytes")
            let card = try await client.call("\(Self.base)/documents/\(id)/card", bearer: auditor)
            #expect(card.errorRule == "auditor-reads-no-document-bytes")
            let auditorPut = try await client.put(VaultAPIFixture.putForm(Data("x".utf8)), bearer: auditor)
            #expect(auditorPut.errorRule == "auditor-changes-nothing")
            // Unless the key was granted them.
            #expect(try await client.call("\(Self.base)/documents/\(id)/content", bearer: grantedAuditor).data == Demo.document)
            #expect(try await client.put(VaultAPIFixture.putForm(Data("z".utf8)), bearer: grantedAuditor).errorRule == "auditor-changes-nothing")

            let badID = try await client.call("\(Self.base)/documents/not-a-hash", bearer: hr)
            #expect(badID.status == .badRequest)
        }
        let refusals = try fixture.vault.auditLog().filter { $0.draft.outcome == "refused" }
        #expect(refusals.contains { $0.draft.detail == "rule auditor-reads-no-document-bytes" && $0.draft.actor.hasPrefix("key:") })
    }

    @Test func aListingIsPagedAndFilteredAndAnOwnersIINTravelsOnlyInABody() async throws {
        let fixture = try VaultAPIFixture()
        let hr = try fixture.key(.hr)
        try await fixture.run { client in
            for number in 0..<5 {
                let owner = number < 3 ? VaultAPIFixture.employee : VaultAPIFixture.secondEmployee
                let type = number % 2 == 0 ? "order-hiring" : "order-leave"
                let put = try await client.put(
                    VaultAPIFixture.putForm(Data("document \(number)".utf8), metadata: VaultAPIFixture.metadata(owners: [owner], type: type)), bearer: hr)
                #expect(put.status == .created)
            }
            let first = try await client.call("\(Self.base)/documents?limit=2", bearer: hr)
            #expect((first.json["documents"] as? [Any])?.count == 2)
            let cursor = try #require(first.json["nextCursor"] as? String)
            let rest = try await client.call("\(Self.base)/documents?limit=10&cursor=\(cursor)", bearer: hr)
            #expect((rest.json["documents"] as? [Any])?.count == 3)
            #expect(rest.json["nextCursor"] == nil)
            let leaves = try await client.call("\(Self.base)/documents?type=order-leave", bearer: hr)
            #expect((leaves.json["documents"] as? [Any])?.count == 2)

            let inURL = try await client.call("\(Self.base)/documents?ownerIIN=\(VaultAPIFixture.employee)", bearer: hr)
            #expect(inURL.status == .badRequest)
            let search = try await client.call(
                "\(Self.base)/documents/search", .post, bearer: hr, body: Data("{\"ownerIIN\":\"\(VaultAPIFixture.secondEmployee)\"}".utf8),
                contentType: "application/json")
            #expect((search.json["documents"] as? [Any])?.count == 2)
            let badLimit = try await client.call("\(Self.base)/documents?limit=0", bearer: hr)
            #expect(badLimit.status == .badRequest)
        }
    }

    // MARK: - Signatures, proofs, links

    @Test func aSignatureAttachesOnceAndAnIdempotentRetryGetsTheSameAnswer() async throws {
        let fixture = try VaultAPIFixture()
        let hr = try fixture.key(.hr)
        try await fixture.run { client in
            let put = try await client.put(VaultAPIFixture.putForm(metadata: VaultAPIFixture.metadata(required: ["owner", "first-head"])), bearer: hr)
            let id = try #require(put.json["id"] as? String)
            let employee = try Demo.sign(with: "employee")
            let uri = "\(Self.base)/documents/\(id)/signatures"
            let key: HTTPFields = [VaultAPIFixture.idempotencyKey: "order-7-employee"]
            let first = try await client.call(uri, .post, bearer: hr, headers: key, body: employee, contentType: "application/pkcs7-signature")
            #expect(first.status == .created, "\(first.text)")
            #expect(first.json["missingSigners"] as? [String] == ["role:firstHead"])
            let retry = try await client.call(uri, .post, bearer: hr, headers: key, body: employee, contentType: "application/pkcs7-signature")
            #expect(retry.status == .created)
            #expect(retry.data == first.data)
            let reused = try await client.call(
                uri, .post, bearer: hr, headers: key, body: try Demo.sign(with: "head"), contentType: "application/pkcs7-signature")
            #expect(reused.status == .unprocessableContent)

            var form = Multipart()
            form.add("signature", try Demo.sign(with: "head"), fileName: "head.p7s")
            let head = try await client.post(uri, form, headers: [.authorization: "Bearer \(hr)"])
            #expect(head.status == .created)
            #expect(head.json["status"] as? String == "fully-signed")
            let same = try await client.call(uri, .post, bearer: hr, body: employee, contentType: "application/pkcs7-signature")
            #expect(same.status == .ok)

            let garbage = try await client.call(uri, .post, bearer: hr, body: Data("not a CMS".utf8), contentType: "application/pkcs7-signature")
            #expect(garbage.status == .badRequest)
            let otherDocument = try await client.call(
                uri, .post, bearer: hr, body: try Demo.sign(Data("another text".utf8), with: "employee"), contentType: "application/pkcs7-signature")
            #expect(otherDocument.status == .unprocessableContent)
            #expect((otherDocument.json["error"] as? [String: Any])?["indication"] as? String == "TOTAL_FAILED")
            let wrongType = try await client.call(uri, .post, bearer: hr, body: employee, contentType: "text/plain")
            #expect(wrongType.status == .unsupportedMediaType)

            let signatures = try await client.call("\(Self.base)/documents/\(id)/signatures", bearer: hr)
            #expect((try JSONSerialization.jsonObject(with: signatures.data) as? [Any])?.count == 2)
            let status = try await client.call("\(Self.base)/documents/\(id)/status", bearer: hr)
            #expect(status.json["status"] as? String == "fully-signed")

            let proof = try await client.call("\(Self.base)/documents/\(id)/proof", bearer: hr)
            #expect(proof.status == .ok)
            let contents = try ProofBundle.read(proof.data)
            #expect(contents.document == Demo.document)
            let card = try await client.call("\(Self.base)/documents/\(id)/card", bearer: hr)
            #expect(card.status == .ok)
            #expect(card.data.starts(with: Data("%PDF".utf8)))
        }
    }

    @Test func aLinkIsMadeWithAnExpiryAndRevoked() async throws {
        let fixture = try VaultAPIFixture()
        let hr = try fixture.key(.hr)
        try await fixture.run { client in
            let id = try #require(try await client.put(VaultAPIFixture.putForm(), bearer: hr).json["id"] as? String)
            let made = try await client.call(
                "\(Self.base)/documents/\(id)/links", .post, bearer: hr, body: Data("{\"expiresAt\":\"2030-01-01T00:00:00Z\"}".utf8),
                contentType: "application/json")
            #expect(made.status == .created, "\(made.text)")
            let linkID = try #require(made.json["linkId"] as? String)
            #expect((made.json["path"] as? String)?.hasPrefix("/proofs/") == true)
            let past = try await client.call(
                "\(Self.base)/documents/\(id)/links", .post, bearer: hr, body: Data("{\"expiresAt\":\"2001-01-01T00:00:00Z\"}".utf8),
                contentType: "application/json")
            #expect(past.status == .badRequest)
            let revoked = try await client.call("\(Self.base)/links/\(linkID)", .delete, bearer: hr)
            #expect(revoked.status == .ok)
            #expect(revoked.json["state"] as? String == "revoked")
            let unknown = try await client.call("\(Self.base)/links/0123456789abcdef", .delete, bearer: hr)
            #expect(unknown.status == .notFound)
        }
    }

    // MARK: - Sign-in

    @Test func aPersonSignsInWithTheirAUTHCertificateReadsOnlyTheirOwnAndLogsOut() async throws {
        let fixture = try VaultAPIFixture()
        let hr = try fixture.key(.hr)
        let auth = try AuthKeys.bundle(AuthKeys.employee)
        try await fixture.run { client in
            let own = try #require(try await client.put(VaultAPIFixture.putForm(), bearer: hr).json["id"] as? String)
            let others = try #require(
                try await client.put(
                    VaultAPIFixture.putForm(Data("other".utf8), metadata: VaultAPIFixture.metadata(owners: [VaultAPIFixture.secondEmployee])), bearer: hr
                ).json["id"] as? String)

            let token = try await client.signIn(auth)
            let session = try await client.call("\(Self.base)/auth/session", bearer: token)
            #expect(session.json["iin"] as? String == VaultAPIFixture.employee)
            #expect(try await client.call("\(Self.base)/documents/\(own)/content", bearer: token).data == Demo.document)
            let refused = try await client.call("\(Self.base)/documents/\(others)", bearer: token)
            #expect(refused.status == .forbidden)
            let listing = try await client.call("\(Self.base)/documents", bearer: token)
            #expect((listing.json["documents"] as? [[String: Any]])?.map { $0["id"] as? String } == [own])
            let erase = try await client.call(
                "\(Self.base)/erasures", .post, bearer: token, body: Data("{\"ownerIIN\":\"\(VaultAPIFixture.employee)\",\"reason\":\"x\"}".utf8),
                contentType: "application/json")
            #expect(erase.errorRule == "erase-needs-a-service-key")

            let signed = try await client.call(
                "\(Self.base)/documents/\(own)/signatures", .post, bearer: token, body: try Demo.sign(with: "employee"),
                contentType: "application/pkcs7-signature")
            #expect(signed.status == .created)

            #expect(try await client.call("\(Self.base)/auth/logout", .post, bearer: token).status == .noContent)
            #expect(try await client.call("\(Self.base)/documents/\(own)", bearer: token).status == .unauthorized)
        }
        #expect(try fixture.vault.auditLog().contains { $0.draft.action == "sign-in" })
    }

    @Test func aDetachedSignInArrivesAsJSONWithItsNonceAndBadBodiesAre400Or415() async throws {
        let fixture = try VaultAPIFixture()
        let auth = try AuthKeys.bundle(AuthKeys.employee)
        try await fixture.run { client in
            let challenge = try await client.call("/api/v1/vault/auth/challenge", .post, bearer: nil)
            let nonce = try #require(challenge.json["nonce"] as? String)
            let detached = try CMSSigner.sign(
                .bytes(Data(nonce.utf8)), key: auth.privateKey, certificate: auth.certificate, chain: auth.chain)
            let body = try JSONSerialization.data(withJSONObject: ["signature": detached.base64EncodedString(), "nonce": nonce])
            let session = try await client.call("/api/v1/vault/auth/session", .post, bearer: nil, body: body, contentType: "application/json")
            #expect(session.status == .created, "\(session.text)")
            #expect(session.json["tokenType"] as? String == "Bearer")
            let withoutNonce = try JSONSerialization.data(withJSONObject: ["signature": detached.base64EncodedString()])
            let missing = try await client.call("/api/v1/vault/auth/session", .post, bearer: nil, body: withoutNonce, contentType: "application/json")
            #expect(missing.status == .badRequest)
            let notBase64 = try await client.call(
                "/api/v1/vault/auth/session", .post, bearer: nil, body: Data("{\"signature\":\"***\"}".utf8), contentType: "application/json")
            #expect(notBase64.status == .badRequest)
            let wrongType = try await client.call("/api/v1/vault/auth/session", .post, bearer: nil, body: detached, contentType: "text/plain")
            #expect(wrongType.status == .unsupportedMediaType)
        }
    }

    @Test func aReplayedNonceASignCertificateAndAForeignSignatureAreRefused() async throws {
        let fixture = try VaultAPIFixture()
        defer { fixture.remove() }
        let authenticator = fixture.api.authenticator
        let auth = try AuthKeys.bundle(AuthKeys.employee)
        let challenge = try authenticator.issueSignInChallenge()
        let cms = try AuthKeys.signNonce(challenge.nonce, with: auth)
        _ = try authenticator.signIn(signature: cms)
        #expect(throws: AuthenticationFailure.self) { try authenticator.signIn(signature: cms) }

        // A SIGN certificate (emailProtection) authenticates nobody.
        let sign = try AuthKeys.signNonce(try authenticator.issueSignInChallenge().nonce, with: try Demo.key("employee"))
        #expect(throws: AuthenticationFailure.self) { try authenticator.signIn(signature: sign) }
        // A certificate from outside the vault's trust.
        let stranger = try PKCS12Bundle.open(try Demo.data("other/stranger.p12"), password: Demo.password)
        #expect(throws: AuthenticationFailure.self) {
            try authenticator.signIn(signature: try AuthKeys.signNonce(try authenticator.issueSignInChallenge().nonce, with: stranger))
        }
        // A nonce the vault never issued.
        #expect(throws: AuthenticationFailure.self) { try authenticator.signIn(signature: try AuthKeys.signNonce("made-up", with: auth)) }
        // An expired nonce.
        let old = try authenticator.issueSignInChallenge(now: Date().addingTimeInterval(-600))
        #expect(throws: AuthenticationFailure.self) { try authenticator.signIn(signature: try AuthKeys.signNonce(old.nonce, with: auth)) }
        #expect(throws: VaultError.self) { try authenticator.signIn(signature: Data("not a CMS".utf8)) }
        // A token with one byte of its claims changed.
        let grant = try authenticator.signIn(signature: try AuthKeys.signNonce(try authenticator.issueSignInChallenge().nonce, with: auth))
        var forged = Array(grant.token)
        forged[10] = forged[10] == "A" ? "B" : "A"
        #expect(throws: AuthenticationFailure.self) { try authenticator.authenticate(bearer: String(forged)) }
        #expect(throws: AuthenticationFailure.self) {
            try authenticator.authenticate(bearer: grant.token, now: Date().addingTimeInterval(authenticator.sessionLifetime + 1))
        }
    }

    @Test func theFirstHeadAndHROfTheBINActForTheEmployerAndAnotherEmployersHeadDoesNot() async throws {
        let fixture = try VaultAPIFixture()
        let hr = try fixture.key(.hr)
        let head = try AuthKeys.make(iin: "780209303213", bin: VaultAPIFixture.employer, roles: ["1.2.398.3.3.4.1.2.1", "1.2.398.3.3.4.1.2.2"])
        let officer = try AuthKeys.make(iin: "851104407890", bin: VaultAPIFixture.employer, roles: ["1.2.398.3.3.4.1.2.4"])
        let foreignHead = try AuthKeys.make(iin: "700101300015", bin: VaultAPIFixture.otherEmployer, roles: ["1.2.398.3.3.4.1.2.1"])
        try await fixture.run { client in
            let headToken = try await client.signIn(head)
            let officerToken = try await client.signIn(officer)
            let foreignToken = try await client.signIn(foreignHead)
            let put = try await client.put(VaultAPIFixture.putForm(metadata: VaultAPIFixture.metadata(required: ["first-head"])), bearer: officerToken)
            #expect(put.status == .created, "\(put.text)")
            let id = try #require(put.json["id"] as? String)
            #expect(try await client.call("\(Self.base)/documents/\(id)", bearer: headToken).status == .ok)
            #expect(try await client.call("\(Self.base)/documents/\(id)", bearer: foreignToken).status == .forbidden)
            let foreignPut = try await client.put(VaultAPIFixture.putForm(Data("y".utf8)), bearer: foreignToken)
            #expect(foreignPut.status == .forbidden)
            let signed = try await client.call(
                "\(Self.base)/documents/\(id)/signatures", .post, bearer: headToken, body: try Demo.sign(with: "head"),
                contentType: "application/pkcs7-signature")
            #expect(signed.json["status"] as? String == "fully-signed", "\(signed.text)")
            #expect(try await client.call("\(Self.base)/documents/\(id)", bearer: hr).status == .ok)
        }
    }

    @Test func aFirstHeadRequirementIsMetByARightToSignHolderOfTheBINAndNotByHR() async throws {
        let fixture = try VaultAPIFixture()
        let hr = try fixture.key(.hr)
        let deputy = try AuthKeys.make(iin: "800101300011", bin: VaultAPIFixture.employer, roles: ["1.2.398.3.3.4.1.2.2"], clientAuth: false)
        let officer = try AuthKeys.make(iin: "851104407890", bin: VaultAPIFixture.employer, roles: ["1.2.398.3.3.4.1.2.4"], clientAuth: false)
        try await fixture.run { client in
            let put = try await client.put(VaultAPIFixture.putForm(metadata: VaultAPIFixture.metadata(required: ["first-head"])), bearer: hr)
            let id = try #require(put.json["id"] as? String)
            func sign(_ key: PKCS12Bundle) throws -> Data {
                try CMSSigner.sign(.bytes(Demo.document), key: key.privateKey, certificate: key.certificate, chain: key.chain)
            }
            let uri = "\(Self.base)/documents/\(id)/signatures"
            let byHR = try await client.call(uri, .post, bearer: hr, body: try sign(officer), contentType: "application/pkcs7-signature")
            #expect(byHR.status == .created, "\(byHR.text)")
            #expect(byHR.json["missingSigners"] as? [String] == ["role:firstHead"], "HR does not meet a first-head requirement")
            let byDeputy = try await client.call(uri, .post, bearer: hr, body: try sign(deputy), contentType: "application/pkcs7-signature")
            #expect(byDeputy.json["status"] as? String == "fully-signed", "\(byDeputy.text)")
        }
    }

    // MARK: - Erasure and audit

    @Test func onlyAnOperatorKeyErasesAndOnlyWhenEveryDocumentIsItsEmployers() async throws {
        let fixture = try VaultAPIFixture()
        let hr = try fixture.key(.hr)
        let operatorKey = try fixture.key(.operator)
        let otherOperator = try fixture.key(.operator, employer: VaultAPIFixture.otherEmployer)
        let auditor = try fixture.key(.auditor)
        try await fixture.run { client in
            let id = try #require(try await client.put(VaultAPIFixture.putForm(), bearer: hr).json["id"] as? String)
            let body = Data("{\"ownerIIN\":\"\(VaultAPIFixture.employee)\",\"reason\":\"the employee's request of 1 Dec 2026\"}".utf8)
            let byHR = try await client.call("\(Self.base)/erasures", .post, bearer: hr, body: body, contentType: "application/json")
            #expect(byHR.errorRule == "erasure-needs-an-operator-key")
            let byOther = try await client.call("\(Self.base)/erasures", .post, bearer: otherOperator, body: body, contentType: "application/json")
            #expect(byOther.status == .forbidden)
            let noReason = try await client.call(
                "\(Self.base)/erasures", .post, bearer: operatorKey, body: Data("{\"ownerIIN\":\"\(VaultAPIFixture.employee)\",\"reason\":\" \"}".utf8),
                contentType: "application/json")
            #expect(noReason.status == .badRequest)

            let audit = try await client.call("\(Self.base)/documents/\(id)/audit", bearer: auditor)
            #expect(audit.status == .ok)
            let subject = try await client.call(
                "\(Self.base)/audit/subject", .post, bearer: auditor, body: Data("{\"ownerIIN\":\"\(VaultAPIFixture.employee)\"}".utf8),
                contentType: "application/json")
            #expect(subject.status == .ok)
            #expect(!subject.text.contains(VaultAPIFixture.employee), "an audit extract names subjects by pseudonym only")

            let erased = try await client.call("\(Self.base)/erasures", .post, bearer: operatorKey, body: body, contentType: "application/json")
            #expect(erased.status == .ok, "\(erased.text)")
            #expect(erased.json["documents"] as? Int == 1)
            #expect(try await client.call("\(Self.base)/documents/\(id)", bearer: hr).status == .forbidden)
        }
        #expect(try fixture.vault.auditLog().contains { $0.draft.action == "erase-reason" && $0.draft.detail.contains("request of 1 Dec") })
    }
}

extension VaultAPIFixture {
    static let idempotencyKey = HTTPFields.Element.Name("Idempotency-Key")!
}

/// The vault API is described in /openapi.yaml, and a real OpenAPI 3.1 validator accepts the whole document.
@Suite struct VaultAPIDescriptionTests {
    @Test func openAPIDescribesEveryVaultRouteAndValidates() async throws {
        let fixture = try VaultAPIFixture()
        let yaml = try await withTestService(try fixture.configuration) { client in
            try await client.execute(uri: "/openapi.yaml", method: .get).text
        }
        fixture.remove()
        for path in [
            "auth/challenge", "auth/session", "auth/logout", "documents", "documents/search", "documents/{id}", "documents/{id}/status",
            "documents/{id}/content", "documents/{id}/signatures", "documents/{id}/proof", "documents/{id}/card", "documents/{id}/audit",
            "documents/{id}/links", "links/{linkId}", "erasures", "audit/subject", "documents/{id}/signing-sessions",
        ] {
            #expect(yaml.contains("\n  /api/v1/vault/\(path):\n"), "openapi.yaml lacks /api/v1/vault/\(path)")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-openapi-\(UUID().uuidString).yaml")
        try Data(yaml.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try Shell.run(
            "/usr/bin/env",
            [
                "python3", "-c",
                "import sys, yaml; from openapi_spec_validator import validate; d = yaml.safe_load(open(sys.argv[1])); validate(d); "
                    + "print('valid', len([p for p in d['paths'] if p.startswith('/api/v1/vault/')]))",
                file.path,
            ])
        #expect(result.status == 0 && result.stdout.contains("valid 17"), "\(result.stdout) \(result.stderr)")
    }
}

/// Abuse resistance: per-credential and per-address token buckets, 429 with Retry-After beyond them.
@Suite struct VaultAPIRateLimitTests {
    static func fixture(perCredential: Int, perAddress: Int) throws -> (VaultAPIFixture, ServiceConfiguration) {
        let fixture = try VaultAPIFixture()
        var configuration = try Demo.configuration()
        configuration.vaultAPI = VaultAPI(
            vault: fixture.vault, authenticator: fixture.api.authenticator,
            rateLimits: VaultAPIRateLimits(perCredentialPerMinute: perCredential, perAddressPerMinute: perAddress))
        return (fixture, configuration)
    }

    @Test func aKeyBeyondItsRateGets429WithRetryAfterAndAnotherKeyIsNotSlowedDown() async throws {
        let (fixture, configuration) = try Self.fixture(perCredential: 3, perAddress: 1000)
        defer { fixture.remove() }
        let busy = try fixture.key(.hr)
        let other = try fixture.key(.hr)
        try await withTestService(configuration) { client in
            // Three a minute: a token comes back every 20 s, so ten requests in a row meet the limit however slow the
            // machine is (the full suite on two loaded cores took seconds per request).
            var statuses: [HTTPResponse.Status] = []
            var limited: TestResponse?
            for _ in 0..<10 where limited == nil {
                let response = try await client.call("/api/v1/vault/documents", bearer: busy)
                statuses.append(response.status)
                if response.status == .tooManyRequests { limited = response }
            }
            let refusal = try #require(limited, "\(statuses)")
            #expect(statuses.prefix(3).allSatisfy { $0 == .ok })
            #expect(Int(refusal.headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect(refusal.errorMessage.contains("too many requests"))
            #expect(try await client.call("/api/v1/vault/documents", bearer: other).status == .ok)
        }
    }

    @Test func anAddressBeyondItsRateGets429EvenWithoutACredentialAndCannotForgeItsAddress() async throws {
        let (fixture, configuration) = try Self.fixture(perCredential: 1000, perAddress: 3)
        defer { fixture.remove() }
        try await withTestService(configuration, setup: .live) { client in
            // Each request claims another address: the connection guard replaces the claim with the real peer.
            var statuses: [HTTPResponse.Status] = []
            for number in 0..<10 where !statuses.contains(.tooManyRequests) {
                let response = try await client.call(
                    "/api/v1/vault/auth/challenge", .post, bearer: nil, headers: [ConnectionLimitsField.peer: "10.0.0.\(number)"])
                statuses.append(response.status)
                if response.status == .tooManyRequests { #expect(response.headers[.retryAfter] != nil) }
            }
            #expect(statuses.prefix(3).allSatisfy { $0 == .created })
            #expect(statuses.contains(.tooManyRequests), "\(statuses)")
        }
    }
}

enum ConnectionLimitsField {
    static let peer = HTTPFields.Element.Name("X-EDSVault-Peer-Address")!
}

/// The token buckets on their own, with the clock given: a burst of a minute's worth, then one token per 60/N s.
@Suite struct TokenBucketTests {
    @Test func aBucketAdmitsItsBurstThenRefillsEvenly() {
        let buckets = TokenBuckets(perMinute: 6)
        let start = ContinuousClock.now
        for _ in 0..<6 { #expect(buckets.take("k", now: start) == nil) }
        #expect(buckets.take("k", now: start) == 10, "one token every 10 s")
        #expect(buckets.take("other", now: start) == nil, "each name has its own bucket")
        #expect(buckets.take("k", now: start + .seconds(10)) == nil)
        #expect(buckets.take("k", now: start + .seconds(11)) != nil)
        #expect(buckets.take("k", now: start + .seconds(600)) == nil, "a bucket never holds more than its burst")
    }
}
