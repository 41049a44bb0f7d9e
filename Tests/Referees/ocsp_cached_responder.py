#!/usr/bin/env python3
"""Referee OCSP responder that serves cached answers: what a responder behind a cache, or a pre-produced response,
looks like to a client. Answers RFC 6960 requests over HTTP for the demo intermediate's certificates (status from
Certs/demo-ca/nca/index.txt), signed by the demo OCSP responder (Certs/ocsp.pem) with Python's `cryptography`.

usage: ocsp_cached_responder.py PORT AGE_SECONDS STALE_ANSWERS   (from the repository root; stops after 10 minutes)
The first STALE_ANSWERS answers have thisUpdate AGE_SECONDS ago, no nextUpdate and no nonce (a cached response);
later ones are fresh (thisUpdate now, the request's nonce echoed). STALE_ANSWERS -1: every answer is stale.
"""
import datetime
import glob
import http.server
import sys
import threading

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

ISSUER = x509.load_pem_x509_certificate(open("Certs/ca/nca-demo.pem", "rb").read())
RESPONDER = x509.load_pem_x509_certificate(open("Certs/ocsp.pem", "rb").read())
RESPONDER_KEY = serialization.load_pem_private_key(open("Certs/ocsp.key", "rb").read(), password=None)
CERTIFICATES = {}
for path in glob.glob("Certs/*.pem"):
    try:
        certificate = x509.load_pem_x509_certificate(open(path, "rb").read())
    except ValueError:
        continue
    if certificate.issuer == ISSUER.subject:
        CERTIFICATES[certificate.serial_number] = certificate
REVOKED = {}
for line in open("Certs/demo-ca/nca/index.txt", encoding="latin-1"):
    fields = line.rstrip("\n").split("\t")
    if len(fields) == 6 and fields[0] == "R":
        REVOKED[int(fields[3], 16)] = datetime.datetime.strptime(fields[2].split(",")[0], "%y%m%d%H%M%SZ").replace(
            tzinfo=datetime.timezone.utc)


class Handler(http.server.BaseHTTPRequestHandler):
    answered = 0
    lock = threading.Lock()

    def do_POST(self):
        request = ocsp.load_der_ocsp_request(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        certificate = CERTIFICATES.get(request.serial_number)
        with Handler.lock:
            stale = STALE_ANSWERS < 0 or Handler.answered < STALE_ANSWERS
            Handler.answered += 1
        if certificate is None:
            response = ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
        else:
            now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
            revoked_at = REVOKED.get(certificate.serial_number)
            builder = ocsp.OCSPResponseBuilder().add_response(
                cert=certificate, issuer=ISSUER, algorithm=request.hash_algorithm,
                cert_status=ocsp.OCSPCertStatus.REVOKED if revoked_at else ocsp.OCSPCertStatus.GOOD,
                this_update=now - datetime.timedelta(seconds=AGE_SECONDS) if stale else now, next_update=None,
                revocation_time=revoked_at, revocation_reason=None,
            ).responder_id(ocsp.OCSPResponderEncoding.HASH, RESPONDER).certificates([RESPONDER])
            if not stale:
                for extension in request.extensions:
                    if isinstance(extension.value, x509.OCSPNonce):
                        builder = builder.add_extension(extension.value, critical=False)
            response = builder.sign(RESPONDER_KEY, hashes.SHA256())
        data = response.public_bytes(serialization.Encoding.DER)
        self.send_response(200)
        self.send_header("Content-Type", "application/ocsp-response")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


PORT, AGE_SECONDS, STALE_ANSWERS = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])

if __name__ == "__main__":
    server = http.server.HTTPServer(("127.0.0.1", PORT), Handler)
    stopper = threading.Timer(600, server.shutdown)
    stopper.daemon = True
    stopper.start()
    print("ready", flush=True)
    server.serve_forever()
