import EDSCrypto
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("HTTP transport to TSA, OCSP and CRL servers")
struct HTTPTransportTests {
    /// A loopback port nothing listens on: bound, then closed, so the kernel refuses connections to it.
    static func closedPort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        #expect(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test("a refused connection fails at once with the system's reason, not after the whole timeout")
    func refusedConnectionFailsFast() throws {
        let url = "http://127.0.0.1:\(try Self.closedPort())/tsa"
        for request in [
            { _ = try HTTPTransport.post(url, body: Data([0x30, 0x00]), contentType: "application/timestamp-query") },
            { _ = try HTTPTransport.get(url) },
        ] {
            let started = Date()
            do {
                try request()
                Issue.record("a closed port answered")
            } catch let error as CryptoError {
                #expect(error.code == .network)
                #expect("\(error)".contains("Connection refused"), "\(error)")
            }
            #expect(Date().timeIntervalSince(started) < 2, "took \(Date().timeIntervalSince(started)) s")
        }
    }

    @Test("a CRL download follows a redirection to the same server and to another one, and gives up on a loop")
    func getFollowsRedirections() throws {
        let port = try Self.closedPort()
        let script = """
            import http.server, sys
            class Handler(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    targets = {"/same": "/crl", "/other": "http://localhost:%d/crl" % port, "/loop": "/loop"}
                    if self.path in targets:
                        self.send_response(302); self.send_header("Location", targets[self.path]); self.send_header("Content-Length", "0"); self.end_headers()
                    else:
                        body = bytes([0x30, 0x03, 0x02, 0x01, 0x07])
                        self.send_response(200); self.send_header("Content-Type", "application/pkix-crl"); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
                def log_message(self, *args): pass
            port = int(sys.argv[1])
            server = http.server.HTTPServer(("127.0.0.1", port), Handler)
            print("ready", flush=True)
            server.serve_forever()
            """
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", "-c", script, String(port)]
        let output = Pipe()
        server.standardOutput = output
        try server.run()
        defer {
            // SIGKILL: the test runner's children may inherit an ignored SIGTERM.
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        _ = output.fileHandleForReading.availableData  // "ready": the server listens
        let expected = Data([0x30, 0x03, 0x02, 0x01, 0x07])
        #expect(try HTTPTransport.get("http://127.0.0.1:\(port)/crl") == expected)
        #expect(try HTTPTransport.get("http://127.0.0.1:\(port)/same") == expected)
        #expect(try HTTPTransport.get("http://127.0.0.1:\(port)/other") == expected)
        #expect(throws: CryptoError.self) { _ = try HTTPTransport.get("http://127.0.0.1:\(port)/loop", timeoutSeconds: 5) }
    }

    @Test("a name that does not resolve is a network error naming the host")
    func unresolvableHost() {
        #expect(throws: CryptoError.self) { _ = try HTTPTransport.get("http://no-such-host.invalid/crl", timeoutSeconds: 3) }
    }
}
