import Foundation
import Testing

@testable import EDSCrypto

/// Issue 11, CAdES-LT: what an LT signature carries and does not change from one validation to the next (the CA's
/// CRL, the timestamp token's signature) is remembered by its exact bytes; remembering changes no answer.
struct LongTermCacheTests {
    static func certificate(_ path: String) throws -> Certificate {
        try #require(try Certificate.parseAll(try Certs.data(path)).first)
    }

    // MARK: - Parsed CRLs

    /// Each demo CRL with the CA that issued it (DER and PEM, RSA and GOST).
    static let crls: [(file: String, issuer: String)] = [
        ("crl/nca_demo.crl", "ca/nca-demo.pem"), ("crl/nca_demo.crl.pem", "ca/nca-demo.pem"), ("crl/root.crl", "ca/root.pem"),
        ("crl/gost_nca_demo.crl", "ca/gost-nca-demo.pem"),
    ]

    @Test(arguments: crls)
    func cachedCRLIsParsedOnceAndAnswersAsAFreshParse(file: String, issuer: String) throws {
        let data = try Certs.data(file)
        let issuerCertificate = try Self.certificate(issuer)
        let cached = try CertificateRevocationList.cached(data)
        #expect(try CertificateRevocationList.cached(data) === cached)
        let fresh = try CertificateRevocationList(data)
        #expect(cached.derEncoded == fresh.derEncoded)
        #expect(cached.issuer == fresh.issuer)
        #expect(cached.thisUpdate == fresh.thisUpdate && cached.nextUpdate == fresh.nextUpdate)
        #expect(cached.isSigned(by: issuerCertificate, context: VerificationContext(capacity: 8)))
        #expect(cached.isSigned(by: issuerCertificate, context: VerificationContext(capacity: 8)) == fresh.isSigned(by: issuerCertificate))
        for subject in ["revoked.pem", "employee.pem", "ca/nca-demo.pem"] {
            let listed = try Self.certificate(subject)
            #expect(cached.entry(for: listed) == fresh.entry(for: listed), "\(subject)")
        }
    }

    @Test func revokedCertificateIsStillFoundInTheCachedCRL() throws {
        let crl = try CertificateRevocationList.cached(try Certs.data("crl/nca_demo.crl"))
        guard case .revoked = crl.entry(for: try Self.certificate("revoked.pem")) else {
            Issue.record("revoked.pem is not listed by the cached CRL")
            return
        }
        #expect(crl.entry(for: try Self.certificate("employee.pem")) == .notListed)
    }

    /// A CRL with one byte of its signature changed is another entry: parsed afresh, and its signature fails,
    /// while the genuine CRL's remembered verdict stands.
    @Test func tamperedCRLIsNotConfusedWithTheGenuineOne() throws {
        let issuer = try Self.certificate("ca/nca-demo.pem")
        let genuine = try Certs.data("crl/nca_demo.crl")
        var altered = genuine
        altered[altered.count - 1] ^= 0x01
        let good = try CertificateRevocationList.cached(genuine)
        #expect(good.isSigned(by: issuer))
        let bad = try CertificateRevocationList.cached(altered)
        #expect(bad !== good)
        #expect(!bad.isSigned(by: issuer))
        #expect(try CertificateRevocationList.cached(genuine).isSigned(by: issuer))
        #expect(!(try CertificateRevocationList.cached(altered).isSigned(by: issuer)))
    }

    @Test func unreadableCRLIsRefusedAndNotRemembered() throws {
        let garbage = Data([0x30, 0x03, 0x02, 0x01, 0x00])
        #expect(throws: CryptoError.self) { try CertificateRevocationList.cached(garbage) }
        #expect(CertificateRevocationList.parsedCache.lookup(garbage) == nil)
    }

    /// Uploads can only evict: the cache holds at most its entries and bytes (a CRL counts twice its size, for its
    /// serial index), and one CRL over a quarter of the budget is parsed every time instead.
    @Test func crlCacheIsBoundedInEntriesAndBytes() throws {
        let crl = try CertificateRevocationList(try Certs.data("crl/nca_demo.crl"))
        let cache = ParsedObjectCache<CertificateRevocationList>(capacity: 8, byteCapacity: 64 << 10)
        for index in 0..<200 {
            cache.store(Data(repeating: UInt8(index % 256), count: 3000) + Data([UInt8(index / 256)]), crl, cost: 6002)
            #expect(cache.usage.bytes <= 64 << 10)
            #expect(cache.usage.count <= 8)
        }
        cache.removeAll()
        cache.store(Data(count: 10 << 10), crl, cost: 20 << 10)
        #expect(cache.usage.count == 0)
    }

    @Test func largeCRLIsNotKeptInTheProcessCache() throws {
        let big = try LargeCRLTests.demoCRL(fillers: 20_000).der
        #expect(2 * big.count > CertificateRevocationList.parsedCache.byteCapacity / 4)
        let first = try CertificateRevocationList.cached(big)
        #expect(try CertificateRevocationList.cached(big) !== first)
        #expect(CertificateRevocationList.parsedCache.lookup(big) == nil)
    }

    // MARK: - The timestamp token's signature

    /// A token from the demo TSA over `data`.
    static func token(over data: Data) throws -> Data {
        let tsaCertificates = try Certificate.parseAll(try Certs.data("tsa.pem"))
        let authority = TimeStampAuthority(
            certificate: try #require(tsaCertificates.first), key: try PrivateKey(pemOrDER: try Certs.data("tsa.key")),
            chain: Array(tsaCertificates.dropFirst()))
        let request = try TimeStampClient.request(for: data).request
        return try TimeStampClient.token(fromResponse: try authority.respond(to: request))
    }

    @Test func tokenSignatureVerdictIsRememberedPerTokenAndCertificate() throws {
        let der = try Self.token(over: Data("a signature value".utf8))
        let token = try TimeStampToken(der)
        let tsa = try Self.certificate("tsa.pem")
        let context = VerificationContext(capacity: 64)
        // The uncached answer: the token's SignerInfo signature checked directly.
        let signer = try #require(token.signedData.signers.first)
        let digest = try Digest.hash(try #require(token.signedData.encapsulatedContent), algorithm: try #require(signer.digestAlgorithm))
        #expect(token.signedData.verifySignatureValue(of: signer, with: tsa, contentDigest: digest) == .valid)
        #expect(token.isSigned(by: tsa, context: context))
        #expect(context.count == 1)
        #expect(try TimeStampToken(der).isSigned(by: tsa, context: context))
        #expect(context.count == 1)
        // Another certificate is another question, and its key does not verify the token.
        #expect(!token.isSigned(by: try Self.certificate("ca/nca-demo.pem"), context: context))
        #expect(context.count == 2)
    }

    /// A token whose signature value was altered (its last byte) is another key: verified afresh, and refused, while
    /// the genuine token's verdict stands.
    @Test func tamperedTokenIsNotConfusedWithTheGenuineOne() throws {
        let der = try Self.token(over: Data("another signature value".utf8))
        var altered = der
        altered[altered.count - 1] ^= 0x01
        let tsa = try Self.certificate("tsa.pem")
        let context = VerificationContext(capacity: 64)
        #expect(try TimeStampToken(der).isSigned(by: tsa, context: context))
        #expect(!(try TimeStampToken(altered).isSigned(by: tsa, context: context)))
        #expect(context.count == 2)
        #expect(try TimeStampToken(der).isSigned(by: tsa, context: context))
        #expect(!(try TimeStampToken(altered).isSigned(by: tsa, context: context)))
    }

    // MARK: - OCSP

    /// The delegated responder's certificate is checked against the issuer with the chain's remembered verdict: the
    /// same answers as `isIssued(by:)`, one verdict per pair, and a tampered certificate is not confused with it.
    @Test func responderDelegationVerdictIsRememberedAndAnswersAsUncached() throws {
        let responder = try Self.certificate("ocsp.pem")
        let issuer = try Self.certificate("ca/nca-demo.pem")
        let root = try Self.certificate("ca/root.pem")
        let tampered = try VerificationContextTests.tampered(responder)
        let context = VerificationContext(capacity: 64)
        for (subject, candidate) in [(responder, issuer), (responder, root), (tampered, issuer), (issuer, root)] {
            #expect(subject.isIssued(by: candidate, context: context) == subject.isIssued(by: candidate))
        }
        #expect(responder.isIssued(by: issuer, context: context))
        #expect(!tampered.isIssued(by: issuer, context: context))
        // responder and tampered ← nca-demo, nca-demo ← root; responder ← root fails on names before any signature.
        #expect(context.count == 3)
    }

    /// A response speaks only of the serials its CertIDs list: the others are passed over before any hashing, as
    /// OpenSSL's own lookup would pass them over.
    @Test func ocspStatusIsGivenOnlyForTheListedCertificate() throws {
        let response = try OCSPResponse(basicResponse: try CertificateReuseTests.basicOCSPResponse())
        let issuer = try Self.certificate("ca/nca-demo.pem")
        guard case .good = try #require(response.status(of: try Self.certificate("employee.pem"), issuer: issuer)).state else {
            Issue.record("the demo response does not say employee.pem is good")
            return
        }
        #expect(response.status(of: try Self.certificate("head.pem"), issuer: issuer) == nil)
        #expect(response.status(of: issuer, issuer: try Self.certificate("ca/root.pem")) == nil)
        // The listed serial under another issuer: the CertID's name and key hashes do not match.
        #expect(response.status(of: try Self.certificate("employee.pem"), issuer: try Self.certificate("ca/root.pem")) == nil)
    }
}
