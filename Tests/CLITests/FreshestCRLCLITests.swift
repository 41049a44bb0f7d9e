import Foundation
import Testing

/// NCA RK publishes a base CRL (CRL Distribution Points) and a delta CRL (Freshest CRL). Online `verify` and
/// `sign --revocation crl` fetch both from loopback, so a key revoked since the last base CRL does not verify, and the
/// LT evidence carries the delta.
struct FreshestCRLCLITests {
    /// The demo NCA's base CRL at the path its certificates name (/nca_demo.crl), pointing with Freshest CRL to a
    /// delta (/nca_demo_delta.crl) that lists the employee as revoked; both made by `openssl ca -gencrl`.
    static func publish(into directory: URL, employeeSerial: String) throws {
        let work = directory.appendingPathComponent("ca")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        func gencrl(_ name: String, number: String, index: String, extensions: String) throws {
            try index.write(to: work.appendingPathComponent("index.txt"), atomically: true, encoding: .utf8)
            try "\(number)\n".write(to: work.appendingPathComponent("crlnumber"), atomically: true, encoding: .utf8)
            try """
                [ ca ]
                default_ca = demo
                [ demo ]
                database = \(work.path)/index.txt
                crlnumber = \(work.path)/crlnumber
                default_md = sha256
                default_crl_days = 30
                crl_extensions = crl_ext
                [ crl_ext ]
                \(extensions)
                """.write(to: work.appendingPathComponent("ca.cnf"), atomically: true, encoding: .utf8)
            let pem = work.appendingPathComponent("\(name).pem").path
            let made = try Tools.openssl(
                "ca", "-config", work.appendingPathComponent("ca.cnf").path, "-gencrl", "-keyfile", "Certs/ca/nca-demo.key", "-cert",
                "Certs/ca/nca-demo.pem", "-out", pem)
            #expect(made.status == 0, "\(made.stderr)")
            let der = try Tools.openssl("crl", "-in", pem, "-outform", "DER", "-out", directory.appendingPathComponent(name).path)
            #expect(der.status == 0, "\(der.stderr)")
        }
        try gencrl("nca_demo.crl", number: "40", index: "", extensions: "freshestCRL = URI:http://127.0.0.1:18791/nca_demo_delta.crl")
        try gencrl(
            "nca_demo_delta.crl", number: "41",
            index: "R\t360101000000Z\t260101000000Z,keyCompromise\t\(employeeSerial)\tunknown\t/CN=employee\n",
            // OpenSSL's configuration cannot spell a deltaCRLIndicator: its DER (critical, BaseCRLNumber 0x40).
            extensions: "2.5.29.27 = critical, DER:02:01:40")
    }

    /// Serves `directory` on the port the demo certificates' distribution points name, for `body`.
    static func serving<T>(_ directory: URL, _ body: () throws -> T) throws -> T {
        let server = try Tools.startServer(Tools.python, ["-m", "http.server", "18791", "--bind", "127.0.0.1", "--directory", directory.path])
        defer {
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        for _ in 0..<50 {
            if (try? Data(contentsOf: URL(string: "http://127.0.0.1:18791/nca_demo_delta.crl")!)) != nil { break }
            usleep(100_000)
        }
        return try body()
    }

    static func employeeSerial() throws -> String {
        let serial = try Tools.openssl("x509", "-in", "Certs/employee.pem", "-noout", "-serial")
        return String(serial.stdout.trimmingCharacters(in: .whitespacesAndNewlines).dropFirst("serial=".count))
    }

    @Test(.demoPorts) func onlineVerifyFetchesTheDeltaItsBaseCRLNames() throws {
        let workspace = try Tools.workspace()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let published = workspace.appendingPathComponent("crl")
        try Self.publish(into: published, employeeSerial: try Self.employeeSerial())
        let order = workspace.appendingPathComponent("order.txt").path
        let signature = workspace.appendingPathComponent("order.cms").path
        let signed = try Tools.eds("sign", order, "--key", "Certs/employee.p12", "--password-env", "EDSVAULT_PASSWORD", "--out", signature)
        #expect(signed.status == 0, "\(signed.stderr)")
        try Self.serving(published) {
            // Online: the base from the distribution point, the delta from the base's Freshest CRL.
            let online = try Tools.eds(
                "verify", "--signature", signature, order, "--trust", "Certs/trust/root.pem", "--crl", "Certs/crl/root.crl", "--format", "json")
            #expect(online.status == 2, "\(online.stdout)")
            #expect(online.stdout.contains("\"subIndication\" : \"REVOKED_NO_POE\"") || online.stdout.contains("\"subIndication\":\"REVOKED_NO_POE\""))
            #expect(online.stdout.contains("with its delta CRL"))

            // LT evidence: sign --revocation crl embeds the base and the delta, so offline verification sees the revocation
            // (the base alone lists nothing).
            let lt = workspace.appendingPathComponent("order-lt.cms").path
            let embedded = try Tools.eds(
                "sign", order, "--key", "Certs/employee.p12", "--password-env", "EDSVAULT_PASSWORD", "--out", lt, "--revocation", "crl")
            #expect(embedded.status == 0, "\(embedded.stderr)")
            let offline = try Tools.eds(
                "verify", "--signature", lt, order, "--trust", "Certs/trust/root.pem", "--crl", "Certs/crl/root.crl", "--offline")
            #expect(offline.status == 2, "\(offline.stdout)")
            #expect(offline.stdout.contains("REVOKED_NO_POE"), "\(offline.stdout)")
        }
    }
}
