import Foundation
import Testing

@testable import EDSCrypto

/// Issue 11: signature verdicts (chain, CRL, OCSP) are remembered per context, and remembering changes no answer.
struct VerificationContextTests {
    static func certificate(_ path: String) throws -> Certificate {
        try #require(try Certificate.parseAll(try Certs.data(path)).first)
    }

    /// The same certificate with one byte of its signature value changed (the last byte of the DER is in it).
    static func tampered(_ certificate: Certificate) throws -> Certificate {
        var der = certificate.derEncoded
        der[der.count - 1] ^= 0x01
        return try Certificate(derEncoded: der)
    }

    @Test func chainSignaturesAreVerifiedOncePerContext() throws {
        let context = VerificationContext(capacity: 64)
        let employee = try Self.certificate("employee.pem")
        let intermediate = try Self.certificate("ca/nca-demo.pem")
        let root = try Self.certificate("ca/root.pem")
        let first = try ChainValidator.buildPath(for: employee, intermediates: [intermediate], anchors: [root], context: context).get()
        // employee ← nca-demo and nca-demo ← root; the anchor's own signature is never checked.
        #expect(context.count == 2)
        let second = try ChainValidator.buildPath(for: employee, intermediates: [intermediate], anchors: [root], context: context).get()
        #expect(context.count == 2)
        #expect(first.certificates.count == 3 && second.certificates.count == 3)
        // The path hands back the caller's objects (their fingerprints are computed once).
        #expect(second.certificates[0] === employee && second.certificates[1] === intermediate && second.certificates[2] === root)
    }

    /// What `openssl verify -partial_chain -no_check_time` says of a path: its first error's code and depth.
    static func opensslVerdict(leaf: Certificate, intermediates: [Certificate], anchors: [Certificate]) throws -> (code: Int32, depth: Int)? {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("chain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        func write(_ name: String, _ certificates: [Certificate]) throws -> String {
            let url = work.appendingPathComponent(name)
            try Data(certificates.map(\.pemEncoded).joined().utf8).write(to: url)
            return url.path
        }
        var arguments = ["openssl", "verify", "-partial_chain", "-no_check_time", "-CAfile", try write("anchors.pem", anchors)]
        if !intermediates.isEmpty { arguments += ["-untrusted", try write("untrusted.pem", intermediates)] }
        arguments.append(try write("leaf.pem", [leaf]))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus == 0 { return nil }
        let match = try #require(text.firstMatch(of: /error (\d+) at (\d+) depth/), "openssl verify: \(text)")
        return (try #require(Int32(match.1)), try #require(Int(match.2)))
    }

    enum BrokenPath: String, CaseIterable {
        case tamperedLeaf, tamperedIntermediate, caWithoutCertSign
    }

    /// The failure a broken path reports is OpenSSL's own (code and depth), whether or not the context already holds
    /// verdicts for the path's good links.
    @Test(arguments: BrokenPath.allCases)
    func brokenPathsFailAsOpenSSLSays(_ broken: BrokenPath) throws {
        let employee = try Self.certificate("employee.pem")
        let intermediate = try Self.certificate("ca/nca-demo.pem")
        let root = try Self.certificate("ca/root.pem")
        let leaf: Certificate
        let intermediates: [Certificate]
        let anchors: [Certificate]
        switch broken {
        case .tamperedLeaf: (leaf, intermediates, anchors) = (try Self.tampered(employee), [intermediate], [root])
        case .tamperedIntermediate: (leaf, intermediates, anchors) = (employee, [try Self.tampered(intermediate)], [root])
        case .caWithoutCertSign:
            let made = try Self.leafUnderCAWithoutCertSign()
            (leaf, intermediates, anchors) = (made.leaf, [], [made.ca])
        }
        let referee = try #require(try Self.opensslVerdict(leaf: leaf, intermediates: intermediates, anchors: anchors))
        let context = VerificationContext(capacity: 64)
        // Warm: the good links of the demo path are already known.
        _ = ChainValidator.buildPath(for: employee, intermediates: [intermediate], anchors: [root], context: context)
        for _ in 0..<2 {
            guard case .failure(let failure) = ChainValidator.buildPath(for: leaf, intermediates: intermediates, anchors: anchors, context: context)
            else {
                Issue.record("\(broken) built a path")
                return
            }
            #expect(failure.openSSLCode == referee.code && failure.depth == referee.depth, "\(broken): ours \(failure), openssl \(referee)")
        }
    }

    /// A CA certificate (CA:TRUE) whose keyUsage lacks keyCertSign, and a leaf it signed: RFC 5280 § 6.1.4 (n).
    static func leafUnderCAWithoutCertSign() throws -> (ca: Certificate, leaf: Certificate) {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("ku-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        func openssl(_ arguments: [String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["openssl"] + arguments
            process.currentDirectoryURL = work
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "openssl \(arguments)")
        }
        try openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=CA without keyCertSign",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,digitalSignature",
            "-keyout", "ca.key", "-out", "ca.pem", "-days", "30",
        ])
        try openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=Leaf", "-keyout", "leaf.key", "-out", "leaf.csr"])
        try openssl(["x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "2", "-days", "30", "-out", "leaf.pem"])
        func read(_ name: String) throws -> Certificate {
            try #require(try Certificate.parseAll(try Data(contentsOf: work.appendingPathComponent(name))).first)
        }
        return (try read("ca.pem"), try read("leaf.pem"))
    }

    @Test func crlSignatureIsVerifiedOncePerCRLBytesAndIssuer() throws {
        let context = VerificationContext(capacity: 64)
        let issuer = try Self.certificate("ca/nca-demo.pem")
        let der = try Certs.data("crl/nca_demo.crl")
        // Two parses of the same bytes (a CRL embedded in two signatures): one verdict.
        #expect(try CertificateRevocationList(der).isSigned(by: issuer, context: context))
        #expect(try CertificateRevocationList(der).isSigned(by: issuer, context: context))
        #expect(context.count == 1)
        var altered = der
        altered[altered.count - 1] ^= 0x01
        #expect(!(try CertificateRevocationList(altered).isSigned(by: issuer, context: context)))
        #expect(context.count == 2)
    }

    @Test func ocspSignatureIsVerifiedOncePerResponseAndSigner() throws {
        let context = VerificationContext(capacity: 64)
        let der = try CertificateReuseTests.basicOCSPResponse()
        let issuer = try Self.certificate("ca/nca-demo.pem")
        let responder = try Self.certificate("ocsp.pem")
        #expect(try OCSPResponse(basicResponse: der).verifiedSigner(candidates: [issuer], context: context) == responder)
        #expect(try OCSPResponse(basicResponse: der).verifiedSigner(candidates: [issuer], context: context) == responder)
        #expect(context.count == 1)
    }

    /// Hostile uploads can only push verdicts out: the table never holds more than its capacity, and a verdict in
    /// use survives the turnover of generations.
    @Test func contextStaysWithinItsCapacity() {
        let context = VerificationContext(capacity: 16)
        let kept = VerificationContext.Key(kind: .certificate, signed: Data([0]), signer: Data([1]))
        context.store(kept, true)
        for index in 0..<1_000 {
            context.store(VerificationContext.Key(kind: .crl, signed: Data("\(index)".utf8), signer: Data([2])), false)
            #expect(context.lookup(kept) == true)
        }
        #expect(context.count <= 16)
    }
}
