import Foundation
import Testing

/// Issue 23, finding 2, as the review did it: with write access to the vault directory (not the master key), write a
/// CA certificate into `VAULT/trust/` and a CRL into `trust/crl/`. Before, the vault trusted them and `vault check`
/// said clean; now every command refuses the vault (74), `vault check` names the planted files (exit 1), and
/// `vault trust` changes trust the sealed, audited way.
@Suite(.serialized) struct TrustStoreCLITests {
    @Test func aCAWrittenIntoTheVaultTrustDirectoryIsRefusedAndReportedByCheck() throws {
        let (workspace, vault) = try VaultCLITests.makeVault()
        let der = workspace.appendingPathComponent("other-root.der").path
        #expect(try Tools.openssl("x509", "-in", "Certs/other/other-root.pem", "-outform", "DER", "-out", der).status == 0)
        let planted = URL(fileURLWithPath: vault).appendingPathComponent("trust/anchor-0123456789abcdef.der")
        try FileManager.default.copyItem(atPath: der, toPath: planted.path)
        try FileManager.default.copyItem(
            atPath: "Certs/crl/root.crl", toPath: URL(fileURLWithPath: vault).appendingPathComponent("trust/crl/planted.crl").path)

        let listed = try Tools.eds("vault", "list", "--vault", vault)
        #expect(listed.status == 74, "\(listed.stderr)")
        #expect(listed.stderr.contains("anchor-0123456789abcdef.der is not sealed"))
        let order = workspace.appendingPathComponent("order.txt").path
        #expect(try Tools.eds("vault", "put", order, "--vault", vault, "--owner-iin", VaultCLITests.employee, "--employer-bin", VaultCLITests.employer, "--type", "order-hiring").status == 74)
        let check = try Tools.eds("vault", "check", "--vault", vault)
        #expect(check.status == 1)
        #expect(check.stdout.contains("PROBLEM: trust store: trust anchor anchor-0123456789abcdef.der is not sealed"), "\(check.stdout)")
        #expect(check.stdout.contains("PROBLEM: trust store: CRL planted.crl is not sealed"))
        let trust = try Tools.eds("vault", "trust", "list", "--vault", vault)
        #expect(trust.status == 1 && trust.stdout.contains("unsealed\tanchor\tanchor-0123456789abcdef.der"))

        #expect(try Tools.eds("vault", "trust", "remove", "anchor-0123456789abcdef.der", "planted.crl", "--vault", vault).status == 0)
        #expect(try Tools.eds("vault", "check", "--vault", vault).status == 0)
        #expect(try Tools.eds("vault", "list", "--vault", vault).status == 0)

        // The sealed way: added, listed as sealed, audited; the vault opens.
        let added = try Tools.eds("vault", "trust", "add", "Certs/other/other-root.pem", "--vault", vault)
        #expect(added.status == 0 && added.stdout.hasPrefix("added\tanchor\tanchor-"), "\(added.stderr)")
        let after = try Tools.eds("vault", "trust", "list", "--vault", vault, "--format", "json")
        #expect(after.status == 0 && after.stdout.components(separatedBy: "\"state\" : \"sealed\"").count == 5)
        #expect(try Tools.eds("vault", "list", "--vault", vault).status == 0)
        let audit = try Tools.eds("vault", "audit", "--vault", vault).stdout
        #expect(audit.contains("\ttrust\tok\t\tremoved anchor anchor-0123456789abcdef.der (unsealed)"))
        #expect(audit.contains("\ttrust\tok\t\tadded anchor anchor-"))
    }
}
