import EDSCrypto
import EDSServer
import EDSVerification
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// A directory that answers every lookup with "too many renders", as the vault's does past its rate limit.
private struct BusyProofDirectory: ProofDirectory {
    func proof(forToken token: String) throws -> VaultProof? { throw ProofRenderBusy(retryAfterSeconds: 7) }
}

/// Issue 23, finding 1, on the service: a proof-only link's page offers no document card and says it does not give
/// the document out; a verifier who holds the document uploads it on the proof page and sees it match the hash.
@Suite struct ProofLinkRouteTests {
    static let token = "pXq7Zr2LkV9sB4nWc8TgHy1J3uAe6DfM"

    static func proof(withDocument: Bool) throws -> VaultProof {
        var proof = try PageRouteTests.vaultProof()
        proof.withDocument = withDocument
        proof.expiresAt = Date(timeIntervalSince1970: 1_900_000_000)
        return proof
    }

    @Test func aProofOnlyLinksPageOffersNoDocumentCardAndSaysSo() async throws {
        let configuration = try Demo.configuration(proofs: DictionaryProofDirectory(proofs: [Self.token: try Self.proof(withDocument: false)]))
        try await withTestService(configuration) { client in
            let page = try await client.execute(uri: "/proofs/\(Self.token)", method: .get, headers: [.acceptLanguage: "en"])
            #expect(page.status == .ok)
            #expect(!page.text.contains("format=pdf"), "a proof-only page must not offer the card, which embeds the document")
            #expect(page.text.contains("It does not give out the document"))
            #expect(page.text.contains("Link valid until"))
            #expect(page.text.contains("name=\"document\"") && page.text.contains("method=\"post\""))
            // DictionaryProofDirectory makes no cards: the PDF is 404 whatever the page says.
            let card = try await client.execute(uri: "/proofs/\(Self.token)?format=pdf", method: .get)
            #expect(card.status == .notFound)
        }
        let withDocument = try Demo.configuration(proofs: DictionaryProofDirectory(proofs: [Self.token: try Self.proof(withDocument: true)]))
        try await withTestService(withDocument) { client in
            let page = try await client.execute(uri: "/proofs/\(Self.token)", method: .get, headers: [.acceptLanguage: "ru"])
            #expect(page.text.contains("format=pdf"))
            #expect(page.text.contains("карточка документа (PDF) содержит сам документ"))
        }
    }

    @Test func aVerifierUploadsTheDocumentOnTheProofPageAndSeesItMatchTheHash() async throws {
        let proof = try Self.proof(withDocument: false)
        let configuration = try Demo.configuration(proofs: DictionaryProofDirectory(proofs: [Self.token: proof]))
        try await withTestService(configuration) { client in
            var same = Multipart()
            same.add("document", Demo.document, fileName: "order.txt")
            let matched = try await client.post("/proofs/\(Self.token)?lang=en", same)
            #expect(matched.status == .ok)
            #expect(matched.text.contains("is the signed document: its SHA-256 matches"))
            #expect(matched.headers[.cacheControl] == "no-store")

            var other = Multipart()
            let forged = Demo.document + Data(" ".utf8)
            other.add("document", forged, fileName: "order.txt")
            let differed = try await client.post("/proofs/\(Self.token)?lang=en", other)
            #expect(differed.status == .ok)
            #expect(differed.text.contains("is not the signed document"))
            #expect(differed.text.contains(Digest.sha256(forged).hexString))

            let json = try await client.post("/proofs/\(Self.token)", same, headers: [.accept: "application/json"])
            #expect(json.text.contains("\"matches\" : true") && json.text.contains(proof.sha256))

            // An unknown token compares nothing; a form without a document is a 400.
            #expect(try await client.post("/proofs/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", same).status == .notFound)
            var empty = Multipart()
            empty.add("note", Data("x".utf8))
            #expect(try await client.post("/proofs/\(Self.token)", empty).status == .badRequest)
        }
    }

    @Test func aDirectoryPastItsRenderLimitIsAnswered429WithRetryAfter() async throws {
        let configuration = try Demo.configuration(proofs: BusyProofDirectory())
        try await withTestService(configuration) { client in
            let response = try await client.execute(uri: "/proofs/\(Self.token)", method: .get)
            #expect(response.status == .tooManyRequests)
            #expect(response.headers[.retryAfter] == "7")
        }
    }
}
