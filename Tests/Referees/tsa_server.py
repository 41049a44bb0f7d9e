#!/usr/bin/env python3
"""Referee TSA: answers RFC 3161 requests over HTTP with OpenSSL's own `openssl ts -reply` (demo TSA key).

usage: tsa_server.py PORT [SIGNER_CERT]   (PORT 0: the kernel picks one, printed as "ready PORT"; run from the repository root; stops after 10 minutes or on SIGTERM)
SIGNER_CERT: another certificate for the demo TSA key (a test's long-lived TSA), instead of Certs/tsa.pem.
"""
import http.server
import os
import subprocess
import sys
import tempfile
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with tempfile.TemporaryDirectory() as work:
            query = os.path.join(work, "q.tsq")
            reply = os.path.join(work, "r.tsr")
            open(query, "wb").write(body)
            result = subprocess.run(
                ["openssl", "ts", "-reply", "-config", "Certs/tsa.cnf", "-queryfile", query, "-out", reply] + SIGNER,
                capture_output=True)
            if result.returncode != 0:
                self.send_response(500)
                self.end_headers()
                return
            data = open(reply, "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


SIGNER = ["-signer", sys.argv[2]] if len(sys.argv) > 2 else []

if __name__ == "__main__":
    server = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    stopper = threading.Timer(600, server.shutdown)
    stopper.daemon = True
    stopper.start()
    print(f"ready {server.server_address[1]}", flush=True)  # port 0: the port the kernel chose
    server.serve_forever()
