import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 14, `edsvault extend`: a plain CAdES-BES (NCALayer's shape, made here by `openssl cms -sign`) becomes
/// CAdES-LT with the reference TSA and `openssl ocsp` on loopback, and still verifies offline once the servers are
/// gone and the signer's certificate has expired. Signed bytes are compared by asn1crypto, not by our parser.
///
/// Nested in OCSPInteropTests: the demo certificates name one responder port, so these run serially with those.
extension OCSPInteropTests {
    @Suite struct ExtendTests {
        /// After the demo certificates (to 2036) have expired.
        static let afterExpiry = "2040-01-01T00:00:00Z"

        /// `openssl cms -sign`: CAdES-BES's shape as NCALayer makes it, no timestamp, no evidence; with the issuing CA's
        /// certificate or with the signer's alone.
        static func opensslBES(_ key: String, in work: URL, withIssuer: Bool = true) throws -> (document: String, signature: String) {
            let document = work.appendingPathComponent("order.txt").path
            let signature = work.appendingPathComponent("\(key)-bes.cms").path
            let made = try Tools.run(
                "openssl",
                ["cms", "-sign", "-binary", "-outform", "DER", "-in", document, "-signer", "Certs/\(key).pem", "-inkey", "Certs/keys/\(key).key",
                 "-out", signature] + (withIssuer ? ["-certfile", "Certs/ca/nca-demo.pem"] : []))
            #expect(made.status == 0, "\(made.stderr)")
            return (document, signature)
        }

        /// Runs `body` with the reference TSA and OpenSSL's OCSP responder for the demo intermediate listening; both are
        /// killed (SIGKILL) before this returns, so what follows can only use what the signature carries.
        static func withEvidenceServers(_ body: (_ tsaURL: String) throws -> Void) throws {
            let (tsa, port) = try Tools.startReferenceTSA()
            defer {
                kill(tsa.processIdentifier, SIGKILL)
                tsa.waitUntilExit()
            }
            try OCSPInteropTests().withResponder(signer: "ocsp") { try body("http://127.0.0.1:\(port)/") }
        }

        struct Diff: Decodable {
            struct Signer: Decodable {
                let signedBytesKept: Bool
                let identical: Bool
                let unsignedBefore: [String]
                let unsignedAfter: [String]
            }
            let signerCount: [Int]
            let contentKept: Bool
            let certificatesKept: Bool
            let signers: [Signer]
        }

        static func diff(_ original: String, _ extended: String) throws -> Diff {
            let result = try Tools.run(Tools.python, ["Tests/Referees/cms_extension_diff.py", original, extended])
            #expect(result.status == 0, "\(result.stderr)")
            return try JSONDecoder().decode(Diff.self, from: Data(result.stdout.utf8))
        }

        /// What each SignerInfo's revocationValues holds, read by asn1crypto (Tests/Referees/revocation_values.py) from a
        /// CMS or an ASiC-S bundle.
        struct RevocationValues: Decodable {
            struct Signer: Decodable {
                let crls: Int
                let ocspResponses: Int
            }
            let signers: [Signer]
        }

        static func revocationValues(_ path: String) throws -> RevocationValues {
            let result = try Tools.run(Tools.python, ["Tests/Referees/revocation_values.py", path])
            #expect(result.status == 0, "\(result.stderr)")
            return try JSONDecoder().decode(RevocationValues.self, from: Data(result.stdout.utf8))
        }

        static let timestampOID = "1.2.840.113549.1.9.16.2.14"
        static let certValuesOID = "1.2.840.113549.1.9.16.2.23"
        static let revocationValuesOID = "1.2.840.113549.1.9.16.2.24"
        /// The CA certificates NCALayer's signature does not carry.
        static let caArguments = ["--trust", "Certs/ca/nca-demo.pem", "--trust", "Certs/trust/root.pem"]

        /// With the issuer's certificate in the CMS, or (NCALayer) the signer's alone and the CA given with --trust: the
        /// extended signature carries the path in certValues either way.
        @Test(arguments: [true, false])
        func anOpenSSLMadeBESExtendedVerifiesOfflineAfterTheCertificateExpired(carriesIssuer: Bool) throws {
            let work = try Tools.workspace()
            let (document, bes) = try Self.opensslBES("employee", in: work, withIssuer: carriesIssuer)
            let extended = work.appendingPathComponent("employee-lt.cms").path
            // Before: offline after expiry, a plain BES has no proof of when it was made.
            let before = try Tools.eds("verify", "--trust", "Certs/trust/root.pem", "--signature", bes, document, "--offline", "--at", Self.afterExpiry)
            #expect(before.status == 2, "\(before.stdout)")
            if carriesIssuer { #expect(before.stdout.contains("OUT_OF_BOUNDS_NO_POE"), "\(before.stdout)") }

            var result: Tools.Result?
            try Self.withEvidenceServers { tsa in
                result = try Tools.run(
                    Tools.edsvault,
                    ["extend", bes, "--out", extended, "--tsa", tsa, "--revocation", "ocsp", "--crl", "Certs/crl/root.crl"]
                        + (carriesIssuer ? [] : Self.caArguments))
            }
            #expect(result?.status == 0, "\(result?.stderr ?? "")")
            #expect(result?.stderr.contains("signer 1 (ҚАСЫМОВ ӘЛИХАН") == true, "\(result?.stderr ?? "")")

            let verified = try Tools.eds(
                "verify", "--trust", "Certs/trust/root.pem", "--signature", extended, document, "--offline", "--at", Self.afterExpiry, "--format", "json")
            #expect(verified.status == 0, "\(verified.stdout)")
            #expect(verified.stdout.contains("\"source\" : \"ocsp\""), "the signer's status comes from the embedded OCSP response")
            #expect(!verified.stdout.contains("revocation status of"), "the TSA's path has evidence too: \(verified.stdout)")

            let diff = try Self.diff(bes, extended)
            #expect(diff.signerCount == [1, 1] && diff.contentKept && diff.certificatesKept)
            #expect(diff.signers.first?.signedBytesKept == true)
            #expect(diff.signers.first?.unsignedBefore == [])
            #expect(diff.signers.first?.unsignedAfter == [Self.timestampOID, Self.certValuesOID, Self.revocationValuesOID])

            // OpenSSL, which we did not write, still accepts the signature (the CA file also supplies the intermediate,
            // which OpenSSL does not take from certValues).
            let caFile = work.appendingPathComponent("ca-bundle.pem")
            try (Data(contentsOf: Tools.root.appendingPathComponent("Certs/ca/root.pem"))
                + Data(contentsOf: Tools.root.appendingPathComponent("Certs/ca/nca-demo.pem"))).write(to: caFile)
            let openssl = try Tools.openssl(
                "cms", "-verify", "-binary", "-inform", "DER", "-in", extended, "-content", document, "-CAfile", caFile.path,
                "-purpose", "any", "-out", "/dev/null")
            #expect(openssl.status == 0, "\(openssl.stderr)")
        }

        /// Employee's signature already CAdES-LT (sign --tsa --revocation crl), the head's added as a plain BES: extend
        /// completes the head's and leaves the employee's SignerInfo byte for byte; extending again changes nothing.
        @Test func aSignerThatAlreadyHasEvidenceIsLeftByteIdentical() throws {
            let work = try Tools.workspace()
            let document = work.appendingPathComponent("order.txt").path
            let signature = work.appendingPathComponent("two.cms").path
            let extended = work.appendingPathComponent("two-lt.cms").path
            let again = work.appendingPathComponent("two-lt-again.cms").path
            let crls = ["--crl", "Certs/crl/nca_demo.crl", "--crl", "Certs/crl/root.crl"]
            var results: [Tools.Result] = []
            try Self.withEvidenceServers { tsa in
                results.append(try Tools.run(
                    Tools.edsvault,
                    ["sign", document, "--key", "Certs/employee.p12", "--password-env", "EDSVAULT_PASSWORD", "--out", signature, "--tsa", tsa,
                     "--revocation", "crl"] + crls))
                results.append(try Tools.eds("sign", document, "--key", "Certs/head.p12", "--password-env", "EDSVAULT_PASSWORD", "--add-to", signature))
                results.append(try Tools.run(Tools.edsvault, ["extend", signature, "--out", extended, "--tsa", tsa, "--revocation", "crl"] + crls))
                results.append(try Tools.run(Tools.edsvault, ["extend", extended, "--out", again, "--tsa", tsa, "--revocation", "crl"] + crls))
            }
            for result in results { #expect(result.status == 0, "\(result.stderr)") }
            #expect(results[2].stderr.contains("signer 1") && results[2].stderr.contains("already complete"), "\(results[2].stderr)")

            let diff = try Self.diff(signature, extended)
            #expect(diff.signerCount == [2, 2] && diff.contentKept && diff.certificatesKept)
            #expect(diff.signers.map(\.signedBytesKept) == [true, true])
            #expect(diff.signers.map(\.identical) == [true, false])
            #expect(diff.signers[1].unsignedAfter == [Self.timestampOID, Self.certValuesOID, Self.revocationValuesOID])
            // Nothing left to add: the second run writes the same bytes.
            #expect(try Data(contentsOf: URL(fileURLWithPath: again)) == Data(contentsOf: URL(fileURLWithPath: extended)))

            let verified = try Tools.eds(
                "verify", "--trust", "Certs/trust/root.pem", "--signature", extended, document, "--offline", "--at", Self.afterExpiry, "--format", "json")
            #expect(verified.status == 0, "\(verified.stdout)")
        }

        @Test func anUnreachableTSAExitsUnavailableAndWritesNothing() throws {
            let work = try Tools.workspace()
            let (_, bes) = try Self.opensslBES("employee", in: work)
            let out = work.appendingPathComponent("never.cms").path
            let result = try Tools.run(
                Tools.edsvault,
                ["extend", bes, "--out", out, "--tsa", "http://127.0.0.1:1/", "--revocation", "crl", "--crl", "Certs/crl/nca_demo.crl",
                 "--crl", "Certs/crl/root.crl"] + Self.caArguments)
            #expect(result.status == 69, "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out))
        }

        /// Runs `body` with the reference TSA and, on the demo certificates' OCSP port, a responder that serves cached
        /// answers (Tests/Referees/ocsp_cached_responder.py): the first `staleAnswers` (-1: all) have a thisUpdate an
        /// hour old and no nextUpdate, later ones are fresh. Both are killed before this returns.
        static func withCachedResponder(staleAnswers: Int, _ body: (_ tsaURL: String) throws -> Void) throws {
            let (tsa, port) = try Tools.startReferenceTSA()
            let responder = Process()
            responder.executableURL = URL(fileURLWithPath: Tools.python)
            responder.arguments = ["Tests/Referees/ocsp_cached_responder.py", "18790", "3600", String(staleAnswers)]
            responder.currentDirectoryURL = Tools.root
            let ready = Pipe()
            responder.standardOutput = ready
            responder.standardError = FileHandle.nullDevice
            try responder.run()
            defer {
                for server in [tsa, responder] {
                    kill(server.processIdentifier, SIGKILL)
                    server.waitUntilExit()
                }
            }
            _ = ready.fileHandleForReading.availableData  // "ready"
            try body("http://127.0.0.1:\(port)/")
        }

        /// Issue 11's review, the SIGEX rule at extension time: a responder that served a cached answer (thisUpdate an
        /// hour before the new timestamp) is asked again once the timestamp exists, and its fresh answer is embedded.
        @Test func aCachedOCSPAnswerIsAskedForAgainSoTheEmbeddedOneHoldsAtTheTimestamp() throws {
            let work = try Tools.workspace()
            let (document, bes) = try Self.opensslBES("employee", in: work)
            let extended = work.appendingPathComponent("employee-lt.cms").path
            var result: Tools.Result?
            try Self.withCachedResponder(staleAnswers: 1) { tsa in
                result = try Tools.run(
                    Tools.edsvault, ["extend", bes, "--out", extended, "--tsa", tsa, "--revocation", "ocsp", "--crl", "Certs/crl/root.crl"])
            }
            #expect(result?.status == 0, "\(result?.stderr ?? "")")
            let verified = try Tools.eds(
                "verify", "--trust", "Certs/trust/root.pem", "--signature", extended, document, "--offline", "--at", Self.afterExpiry, "--format", "json")
            #expect(verified.status == 0, "\(verified.stdout)")
            #expect(verified.stdout.contains("\"source\" : \"ocsp\""), "\(verified.stdout)")
        }

        /// A responder that only ever serves the cached answer, and no CRL for the signer's CA among the given ones:
        /// nothing that would hold at the timestamp can be embedded, so nothing is written (exit 69, try later).
        @Test func onlyStaleOCSPAnswersAndNoCoveringCRLExitUnavailableAndWriteNothing() throws {
            let work = try Tools.workspace()
            let (_, bes) = try Self.opensslBES("employee", in: work)
            let out = work.appendingPathComponent("never.cms").path
            var result: Tools.Result?
            try Self.withCachedResponder(staleAnswers: -1) { tsa in
                result = try Tools.run(
                    Tools.edsvault, ["extend", bes, "--out", out, "--tsa", tsa, "--revocation", "ocsp", "--crl", "Certs/crl/root.crl"])
            }
            let stderr = result?.stderr ?? ""
            #expect(result?.status == 69, "\(stderr)")
            #expect(stderr.split(separator: "\n").count == 1, "\(stderr)")
            #expect(stderr.contains("SIGEX rule") && stderr.contains("asked again") && stderr.contains("genTime"), "\(stderr)")
            #expect(!FileManager.default.fileExists(atPath: out))
        }

        /// `sign --tsa --revocation ocsp` shares the rule: with only stale answers and no covering CRL it writes no
        /// signature (exit 69, one line) rather than one that would not validate as LT.
        @Test func signingWithOnlyStaleOCSPAnswersExitsUnavailableAndWritesNothing() throws {
            let work = try Tools.workspace()
            let out = work.appendingPathComponent("never.cms").path
            var result: Tools.Result?
            try Self.withCachedResponder(staleAnswers: -1) { tsa in
                result = try Tools.eds(
                    "sign", work.appendingPathComponent("order.txt").path, "--key", "Certs/employee.p12", "--password-env", "EDSVAULT_PASSWORD",
                    "--out", out, "--tsa", tsa, "--revocation", "ocsp", "--crl", "Certs/crl/root.crl")
            }
            #expect(result?.status == 69, "\(result?.stderr ?? "")")
            #expect(result?.stderr.split(separator: "\n").count == 1 && result?.stderr.contains("SIGEX rule") == true, "\(result?.stderr ?? "")")
            #expect(!FileManager.default.fileExists(atPath: out))
        }

        /// Only stale OCSP answers, but the CA's CRL is given: it stands in for the signer's (and the TSA's) status, and
        /// the stale answers are not embedded as if they were evidence.
        @Test func onlyStaleOCSPAnswersFallBackToAGivenCRLThatCoversTheTimestamp() throws {
            let work = try Tools.workspace()
            let (document, bes) = try Self.opensslBES("employee", in: work)
            let extended = work.appendingPathComponent("employee-lt.cms").path
            var result: Tools.Result?
            try Self.withCachedResponder(staleAnswers: -1) { tsa in
                result = try Tools.run(
                    Tools.edsvault,
                    ["extend", bes, "--out", extended, "--tsa", tsa, "--revocation", "ocsp", "--crl", "Certs/crl/root.crl", "--crl", "Certs/crl/nca_demo.crl"])
            }
            #expect(result?.status == 0, "\(result?.stderr ?? "")")
            let verified = try Tools.eds(
                "verify", "--trust", "Certs/trust/root.pem", "--signature", extended, document, "--offline", "--at", Self.afterExpiry, "--format", "json")
            #expect(verified.status == 0, "\(verified.stdout)")
            #expect(verified.stdout.contains("\"source\" : \"crl\"") && !verified.stdout.contains("\"source\" : \"ocsp\""), "\(verified.stdout)")
            let embedded = try Self.revocationValues(extended).signers
            #expect(embedded.count == 1 && embedded[0].ocspResponses == 0 && embedded[0].crls == 2, "\(embedded)")
        }

        enum BadInput: String, CaseIterable, CustomTestStringConvertible {
            case missingSignature, notACMS, noTSAForABES, unknownRevocationMode
            var testDescription: String { rawValue }
            var expectedStatus: Int32 {
                switch self {
                case .missingSignature: 66
                case .notACMS: 65
                case .noTSAForABES, .unknownRevocationMode: 64
                }
            }
        }

        @Test(arguments: BadInput.allCases)
        func badInputGetsOneLineAndNoOutput(_ bad: BadInput) throws {
            let work = try Tools.workspace()
            let (document, bes) = try Self.opensslBES("employee", in: work)
            let out = work.appendingPathComponent("out.cms").path
            let arguments: [String] =
                switch bad {
                case .missingSignature: ["extend", work.appendingPathComponent("absent.cms").path, "--out", out, "--tsa", "http://127.0.0.1:1/"]
                case .notACMS: ["extend", document, "--out", out, "--tsa", "http://127.0.0.1:1/"]
                case .noTSAForABES: ["extend", bes, "--out", out, "--revocation", "crl", "--crl", "Certs/crl/root.crl"]
                case .unknownRevocationMode: ["extend", bes, "--out", out, "--tsa", "http://127.0.0.1:1/", "--revocation", "sometimes"]
                }
            let result = try Tools.run(Tools.edsvault, arguments)
            #expect(result.status == bad.expectedStatus, "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out))
        }
    }
}
