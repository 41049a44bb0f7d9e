import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 14, "the vault extends everything it keeps": a vault created with `--tsa` keeps every signature as CAdES-LT
/// (timestamp from the reference TSA, CRLs from the demo certificates' distribution point on loopback), so its proof
/// holds offline once the servers are gone and the signer's certificate has expired; a signature whose evidence
/// cannot be had is kept as received, awaiting evidence, and extended by `vault extend --pending`.
///
/// Nested in OCSPInteropTests: the demo certificates name one CRL port (18791), so these run serially with those.
extension OCSPInteropTests {
    @Suite struct VaultLongTermTests {
        /// After the demo certificates (to 2036) have expired.
        static let afterExpiry = "2040-01-01T00:00:00Z"

        /// A vault whose policy is `--tsa tsaURL --revocation REVOCATION`, on the embedded index or PostgreSQL.
        static func makeVault(index: String, tsaURL: String, revocation: String = "crl") throws -> (workspace: URL, vault: String) {
            let workspace = try Tools.workspace()
            let vault = workspace.appendingPathComponent("vault").path
            var arguments = ["vault", "init", vault] + Tools.trustArguments + ["--crl", "Certs/crl/root.crl", "--crl", "Certs/crl/nca_demo.crl", "--tsa", tsaURL, "--revocation", revocation]
            if index == "postgres", let url = VaultCLITests.postgresURL {
                let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
                arguments += ["--index-url", url + (url.contains("?") ? "&" : "?") + "schema=\(schema)"]
            }
            let created = try Tools.run(Tools.edsvault, arguments)
            #expect(created.status == 0, "\(created.stderr)")
            return (workspace, vault)
        }

        /// `vault put` of the workspace's order; its document id.
        static func put(in workspace: URL, vault: String) throws -> String {
            let put = try Tools.eds(
                "vault", "put", workspace.appendingPathComponent("order.txt").path, "--vault", vault,
                "--owner-iin", VaultCLITests.employee, "--employer-bin", VaultCLITests.employer, "--type", "order-hiring")
            #expect(put.status == 0, "\(put.stderr)")
            return put.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// The proof bundle verified offline after every demo certificate expired, with the demo root alone.
        static func verifyProofAfterExpiry(_ id: String, vault: String, workspace: URL) throws -> Tools.Result {
            let bundle = workspace.appendingPathComponent("proof-\(UUID().uuidString).asics").path
            let proof = try Tools.eds("vault", "proof", id, "--vault", vault, "--out", bundle)
            #expect(proof.status == 0, "\(proof.stderr)")
            return try Tools.eds(
                "verify", "--bundle", bundle, "--trust", "Certs/trust/root.pem", "--offline", "--at", afterExpiry, "--format", "json")
        }

        @Test func aVaultWithATSAKeepsSignaturesExtendedSoTheirProofHoldsAfterTheCertificatesExpired() throws {
            let (tsa, port) = try Tools.startReferenceTSA()
            defer {
                kill(tsa.processIdentifier, SIGKILL)
                tsa.waitUntilExit()
            }
            let (workspace, vault) = try Self.makeVault(index: "sqlite", tsaURL: "http://127.0.0.1:\(port)/")
            defer { try? FileManager.default.removeItem(at: workspace) }
            let id = try Self.put(in: workspace, vault: vault)
            let (_, bes) = try OCSPInteropTests.ExtendTests.opensslBES("employee", in: workspace)
            let (attached, signed) = try Tools.withDemoCRLServer {
                (try Tools.eds("vault", "attach", id, bes, "--vault", vault),
                 try Tools.eds("vault", "sign", id, "--vault", vault, "--key", "Certs/head.p12", "--password-env", "EDSVAULT_PASSWORD"))
            }
            #expect(attached.status == 0 && attached.stderr.isEmpty, "\(attached.stderr)")
            #expect(signed.status == 0 && signed.stderr.isEmpty, "\(signed.stderr)")
            // The kept signature is the extended one: its id is not the received bytes' hash.
            let received = try Tools.openssl("dgst", "-sha256", "-r", bes).stdout.prefix(64)
            #expect(attached.stdout.contains("signature ") && !attached.stdout.contains(String(received)), "\(attached.stdout)")
            kill(tsa.processIdentifier, SIGKILL)

            // The same BES again, servers gone: recognised as kept (no second timestamp asked, no second signature).
            let again = try Tools.eds("vault", "attach", id, bes, "--vault", vault)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout.split(separator: "\n").first == attached.stdout.split(separator: "\n").first, "\(again.stdout)")
            let listed = try Tools.eds("vault", "list", "--vault", vault, "--employer-bin", VaultCLITests.employer, "--format", "json")
            #expect(listed.stdout.contains("\"signatureCount\" : 2"), "\(listed.stdout)")

            let verified = try Self.verifyProofAfterExpiry(id, vault: vault, workspace: workspace)
            #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
            #expect(verified.stdout.contains("TOTAL_PASSED") && !verified.stdout.contains("OUT_OF_BOUNDS_NO_POE"), "\(verified.stdout)")
            let check = try Tools.eds("vault", "check", "--vault", vault)
            #expect(check.status == 0 && check.stdout.contains("clean") && !check.stdout.contains("awaiting"), "\(check.stdout)")
        }

        @Test(arguments: VaultCLITests.indexes)
        func aSignatureWhoseTSAIsUnreachableIsKeptAwaitingEvidenceAndExtendedOnRetry(index: String) throws {
            // A port nothing listens on until the retry: where the kernel put a reference TSA that is then stopped.
            let (probe, port) = try Tools.startReferenceTSA()
            kill(probe.processIdentifier, SIGKILL)
            probe.waitUntilExit()
            let (workspace, vault) = try Self.makeVault(index: index, tsaURL: "http://127.0.0.1:\(port)/")
            defer { try? FileManager.default.removeItem(at: workspace) }
            let id = try Self.put(in: workspace, vault: vault)
            let (_, bes) = try OCSPInteropTests.ExtendTests.opensslBES("employee", in: workspace)

            let attached = try Tools.withDemoCRLServer { try Tools.eds("vault", "attach", id, bes, "--vault", vault) }
            #expect(attached.status == 0, "\(attached.stderr)")
            #expect(attached.stdout.contains("fully-signed") || attached.stdout.contains("TOTAL_PASSED"), "\(attached.stdout)")
            let warning = attached.stderr.split(separator: "\n")
            #expect(warning.count == 1 && warning.first?.contains("awaiting evidence") == true, "\(attached.stderr)")
            let received = String(try Tools.openssl("dgst", "-sha256", "-r", bes).stdout.prefix(64))
            #expect(attached.stdout.contains("signature \(received)"), "kept as received: \(attached.stdout)")

            let check = try Tools.eds("vault", "check", "--vault", vault)
            #expect(check.status == 0, "awaiting evidence is not corruption: \(check.stdout)")
            #expect(check.stdout.contains("1 signature(s) awaiting evidence") && check.stdout.contains("AWAITING EVIDENCE: \(id)/\(received)"), "\(check.stdout)")

            // Still unreachable: kept as it is, exit 69.
            let failed = try Tools.eds("vault", "extend", "--pending", "--vault", vault)
            #expect(failed.status == 69, "\(failed.stdout)\(failed.stderr)")
            #expect(failed.stdout.contains("0 extended, 1 still awaiting evidence"), "\(failed.stdout)")

            let (tsa, _) = try Tools.startReferenceTSA(port: port)
            let retried = try Tools.withDemoCRLServer { try Tools.eds("vault", "extend", "--pending", "--vault", vault) }
            kill(tsa.processIdentifier, SIGKILL)
            tsa.waitUntilExit()
            #expect(retried.status == 0, "\(retried.stdout)\(retried.stderr)")
            #expect(retried.stdout.contains("1 extended, 0 still awaiting evidence"), "\(retried.stdout)")

            let after = try Tools.eds("vault", "check", "--vault", vault)
            #expect(after.status == 0 && after.stdout.contains("clean") && !after.stdout.contains("awaiting"), "\(after.stdout)")
            #expect(after.stdout.contains("1 signature(s)"), "replaced, not added: \(after.stdout)")
            let audit = try Tools.eds("vault", "audit", "--vault", vault)
            #expect(audit.stdout.contains("extend"), "\(audit.stdout)")

            let verified = try Self.verifyProofAfterExpiry(id, vault: vault, workspace: workspace)
            #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
            #expect(verified.stdout.contains("TOTAL_PASSED"), "\(verified.stdout)")
        }

        /// The SIGEX rule at extension time, in the vault (`--revocation ocsp`): the responder serves only a cached answer
        /// (thisUpdate an hour before the new timestamp), so the signer's CA's CRL, downloaded from its distribution
        /// point, stands in; the proof then holds offline on what it carries, not on the vault's own CRLs.
        @Test func aVaultWhoseResponderServesOnlyCachedAnswersEmbedsTheCRLInstead() throws {
            var workspace: URL?
            var vault = ""
            var documentID = ""
            var attached: Tools.Result?
            try OCSPInteropTests.ExtendTests.withCachedResponder(staleAnswers: -1) { tsa in
                (workspace, vault) = try Self.makeVault(index: "sqlite", tsaURL: tsa, revocation: "ocsp")
                documentID = try Self.put(in: try #require(workspace), vault: vault)
                let (_, bes) = try OCSPInteropTests.ExtendTests.opensslBES("employee", in: try #require(workspace))
                attached = try Tools.withDemoCRLServer { try Tools.eds("vault", "attach", documentID, bes, "--vault", vault) }
            }
            let work = try #require(workspace)
            defer { try? FileManager.default.removeItem(at: work) }
            #expect(attached?.status == 0 && attached?.stderr.isEmpty == true, "\(attached?.stderr ?? "")")
            let verified = try Self.verifyProofAfterExpiry(documentID, vault: vault, workspace: work)
            #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
            #expect(verified.stdout.contains("\"source\" : \"crl\""), "\(verified.stdout)")
            // The kept signature itself carries the downloaded CRL, not the stale answers (the bundle would also hold with
            // the vault's own CRLs, which it carries in SignedData.crls).
            let bundle = work.appendingPathComponent("proof.asics").path
            #expect(try Tools.eds("vault", "proof", documentID, "--vault", vault, "--out", bundle).status == 0)
            let embedded = try OCSPInteropTests.ExtendTests.revocationValues(bundle).signers
            #expect(embedded.count == 1 && embedded[0].ocspResponses == 0 && embedded[0].crls == 1, "\(embedded)")
        }

        /// Only cached OCSP answers and no CRL to be had: the signature is kept as received, awaiting evidence, with a
        /// warning saying why; `vault extend --pending` extends it once a live responder answers.
        @Test func aVaultWithNoEvidenceHoldingAtTheTimestampKeepsTheSignatureAwaitingIt() throws {
            var workspace: URL?
            var vault = ""
            var documentID = ""
            var attached: Tools.Result?
            var tsaURL = ""
            try OCSPInteropTests.ExtendTests.withCachedResponder(staleAnswers: -1) { tsa in
                tsaURL = tsa
                (workspace, vault) = try Self.makeVault(index: "sqlite", tsaURL: tsa, revocation: "ocsp")
                documentID = try Self.put(in: try #require(workspace), vault: vault)
                let (_, bes) = try OCSPInteropTests.ExtendTests.opensslBES("employee", in: try #require(workspace))
                attached = try Tools.eds("vault", "attach", documentID, bes, "--vault", vault)
            }
            let work = try #require(workspace)
            defer { try? FileManager.default.removeItem(at: work) }
            #expect(attached?.status == 0, "\(attached?.stderr ?? "")")
            let warning = (attached?.stderr ?? "").split(separator: "\n")
            #expect(warning.count == 1, "\(attached?.stderr ?? "")")
            #expect(warning.first?.contains("awaiting evidence") == true && warning.first?.contains("SIGEX rule") == true, "\(attached?.stderr ?? "")")
            let check = try Tools.eds("vault", "check", "--vault", vault)
            #expect(check.stdout.contains("1 signature(s) awaiting evidence"), "\(check.stdout)")

            // A live responder (openssl ocsp) and the vault's TSA, on the same port as before.
            let port = try #require(Int(tsaURL.split(separator: ":").last?.filter(\.isNumber) ?? ""))
            let (tsa, _) = try Tools.startReferenceTSA(port: port)
            defer {
                kill(tsa.processIdentifier, SIGKILL)
                tsa.waitUntilExit()
            }
            var retried: Tools.Result?
            try OCSPInteropTests().withResponder(signer: "ocsp") { retried = try Tools.eds("vault", "extend", "--pending", "--vault", vault) }
            #expect(retried?.status == 0, "\(retried?.stdout ?? "")\(retried?.stderr ?? "")")
            #expect(retried?.stdout.contains("1 extended, 0 still awaiting evidence") == true, "\(retried?.stdout ?? "")")
            let verified = try Self.verifyProofAfterExpiry(documentID, vault: vault, workspace: work)
            #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
            #expect(verified.stdout.contains("\"source\" : \"ocsp\""), "\(verified.stdout)")
        }

        @Test func initRefusesATSAThatIsNotAnHTTPURL() throws {
            let workspace = try Tools.workspace()
            defer { try? FileManager.default.removeItem(at: workspace) }
            let vault = workspace.appendingPathComponent("vault").path
            let refused = try Tools.run(Tools.edsvault, ["vault", "init", vault] + Tools.trustArguments + ["--tsa", "ftp://tsa.example/"])
            #expect(refused.status == 64, "\(refused.stderr)")
            #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
            #expect(!FileManager.default.fileExists(atPath: vault), "nothing is created")
        }
    }
}
