import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `vault timestamp` and proofs that outlive the certificates: a BES made elsewhere (no timestamp, as NCALayer's)
/// is proven offline years after its certificate expired, from the bundle's RFC 4998 evidence record alone.
@Suite(.serialized) struct VaultEvidenceCLITests {
    /// A certificate for the demo TSA key that outlives the demo PKI's 2036 end (issued now, 9000 days, by the demo
    /// intermediate with the OpenSSL CLI).
    static func longLivedTSACertificate(in workspace: URL) throws -> String {
        let extensions = workspace.appendingPathComponent("tsa-ext.cnf")
        try """
            [tsa]
            basicConstraints = critical,CA:FALSE
            keyUsage = critical,digitalSignature
            extendedKeyUsage = critical,timeStamping
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid
            """.write(to: extensions, atomically: true, encoding: .utf8)
        let request = workspace.appendingPathComponent("tsa.csr").path
        let certificate = workspace.appendingPathComponent("tsa-long.pem").path
        let made = try Tools.openssl("req", "-new", "-key", "Certs/tsa.key", "-subj", "/CN=EDS VAULT DEMO TSA 2/O=EDS Vault Demo/C=KZ", "-out", request)
        #expect(made.status == 0, "\(made.stderr)")
        let issued = try Tools.openssl(
            "x509", "-req", "-in", request, "-CA", "Certs/ca/nca-demo.pem", "-CAkey", "Certs/ca/nca-demo.key", "-set_serial", "0x7E57A3",
            "-days", "9000", "-extfile", extensions.path, "-extensions", "tsa", "-out", certificate)
        #expect(issued.status == 0, "\(issued.stderr)")
        return certificate
    }

    @Test func anOpenSSLMadeBESIsProvenOfflineAfterItsCertificateExpired() throws {
        let (workspace, vault) = try VaultCLITests.makeVault()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let order = workspace.appendingPathComponent("order.txt").path
        let put = try Tools.eds(
            "vault", "put", order, "--vault", vault, "--owner-iin", VaultCLITests.employee, "--employer-bin", VaultCLITests.employer,
            "--type", "order-hiring")
        #expect(put.status == 0, "\(put.stderr)")
        let id = put.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let bes = workspace.appendingPathComponent("order.p7s").path
        let signed = try Tools.openssl(
            "cms", "-sign", "-binary", "-in", order, "-signer", "Certs/employee.pem", "-inkey", "Certs/keys/employee.key", "-certfile", "Certs/ca/nca-demo.pem", "-md", "sha256",
            "-outform", "DER", "-out", bes)
        #expect(signed.status == 0, "\(signed.stderr)")
        let attached = try Tools.eds("vault", "attach", id, bes, "--vault", vault)
        #expect(attached.status == 0, "\(attached.stderr)")

        // Unreachable TSA: exit 69, nothing written.
        let unreachable = try Tools.eds("vault", "timestamp", "--vault", vault, "--tsa", "http://127.0.0.1:9/")
        #expect(unreachable.status == 69, "\(unreachable.stderr)")
        #expect(unreachable.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: "\(vault)/evidence/\(id)"))

        let (tsa, port) = try Tools.startReferenceTSA(signer: try Self.longLivedTSACertificate(in: workspace))
        defer {
            kill(tsa.processIdentifier, SIGKILL)
            tsa.waitUntilExit()
        }
        let url = "http://127.0.0.1:\(port)/"
        let first = try Tools.eds("vault", "timestamp", "--vault", vault, "--tsa", url, "--format", "json")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("\"covered\":1") && first.stdout.contains("\"timeStampRequests\":1"), "\(first.stdout)")
        let again = try Tools.eds("vault", "timestamp", "--vault", vault, "--tsa", url)
        #expect(again.stdout.contains("0 new, 0 renewed, 1 unchanged"), "\(again.stdout)")
        // Renewal when the TSA certificate ends within the window (here: any window longer than its life).
        let renewed = try Tools.eds("vault", "timestamp", "--vault", vault, "--tsa", url, "--renew-within", "20000")
        #expect(renewed.stdout.contains("0 new, 1 renewed, 0 unchanged"), "\(renewed.stdout)")
        kill(tsa.processIdentifier, SIGKILL)

        let bundle = workspace.appendingPathComponent("order.asics").path
        let proof = try Tools.eds("vault", "proof", id, "--vault", vault, "--out", bundle)
        #expect(proof.status == 0, "\(proof.stderr)")
        // 2037: the employee's certificate ended 2036-01-01. The bundle's record proves the signature existed now.
        let later = try Tools.eds("verify", "--bundle", bundle, "--trust", "Certs/trust/root.pem", "--at", "2037-06-01T00:00:00Z", "--format", "json")
        #expect(later.status == 0, "\(later.stdout)\(later.stderr)")
        #expect(later.stdout.contains("\"name\" : \"proofOfExistence\""), "\(later.stdout)")
        // The same signature without the record: no proof of existence, INDETERMINATE.
        let bare = try Tools.eds(
            "verify", "--signature", bes, order, "--trust", "Certs/trust/root.pem", "--at", "2037-06-01T00:00:00Z", "--offline",
            "--crl", "Certs/crl/nca_demo.crl", "--crl", "Certs/crl/root.crl")
        #expect(bare.status == 2, "\(bare.stdout)")
        #expect(bare.stdout.contains("OUT_OF_BOUNDS_NO_POE"))

        // An independent reader checks the bundle's record over the document and the signature value.
        let extracted = workspace.appendingPathComponent("extracted").path
        let unzip = try Tools.run(
            Tools.python, ["-c", "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])", bundle, extracted])
        #expect(unzip.status == 0, "\(unzip.stderr)")
        #expect(FileManager.default.fileExists(atPath: "\(extracted)/META-INF/evidencerecord.ers"))

        // Erasure removes the records with the document.
        let erased = try Tools.eds("vault", "erase", "--vault", vault, "--owner-iin", VaultCLITests.employee)
        #expect(erased.status == 0, "\(erased.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(vault)/evidence/\(id)"))
    }
}
