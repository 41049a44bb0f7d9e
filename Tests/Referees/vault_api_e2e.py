#!/usr/bin/env python3
"""The vault API driven as an HR system would drive it (issue 21), with `requests` and OpenSSL's CLI only.

An HR system's key puts a hiring order for two employees; each employee signs in with an NCA AUTH key (a CMS over the
server's nonce, as NCALayer makes it) and attaches their signature made by `openssl cms`; the first head signs in and
signs; an auditor key fetches the ASiC-S proof bundle but not the bytes; an employee is refused the other employee's
document; a revoked key is refused; erasure removes the second employee's data.

Requests alternate between the --base URLs (two `serve` nodes on one PostgreSQL vault, or one node). API keys are
made and revoked with the CLI (`edsvault vault api-key …`), as an operator would. Exit 0 when every step holds; on the
first failed step, one line on stderr and exit 1.

usage: vault_api_e2e.py --edsvault BIN --vault V [--master-key-file F] --certs DIR --base URL [--base URL2]
"""
import argparse
import io
import itertools
import json
import os
import subprocess
import sys
import tempfile
import zipfile

import jsonschema
import requests
import yaml

EMPLOYER = "150640123452"
FIRST = "900315301237"   # Certs/employee.p12 (SIGN) and Certs/auth.p12 (AUTH)
SECOND = "950722404567"  # Certs/employee-ec.p12 (SIGN); AUTH made here
HEAD = "780209303213"    # Certs/head.p12 (SIGN, first head); AUTH made here


class Failed(Exception):
    pass


def check(condition, what, response=None):
    if not condition:
        detail = f" (HTTP {response.status_code}: {response.text[:300]!r})" if response is not None else ""
        raise Failed(what + detail)


class Client:
    """Alternates between the nodes: every call goes to the next base URL. Each JSON answer is checked against the
    schema /openapi.yaml gives for its route, method and status (the service's own description, read from it)."""

    def __init__(self, bases):
        self.bases = itertools.cycle(bases)
        self.session = requests.Session()
        self.openapi = yaml.safe_load(self.session.get(bases[0] + "/openapi.yaml", timeout=60).text)
        self.checked = 0

    def call(self, method, path, token=None, **kwargs):
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = self.session.request(method, next(self.bases) + "/api/v1/vault" + path, headers=headers, timeout=60, **kwargs)
        self.conforms(method, path, response)
        return response

    def conforms(self, method, path, response):
        """The answer's JSON body validates against the schema the description gives it (JSON Schema 2020-12)."""
        if not response.headers.get("Content-Type", "").startswith("application/json"):
            return
        template = self.template(path)
        check(template is not None, f"{method} {path} is described in /openapi.yaml")
        operation = self.openapi["paths"][template].get(method.lower())
        check(operation is not None, f"{method} {template} is described in /openapi.yaml")
        described = operation["responses"].get(str(response.status_code))
        check(described is not None, f"{method} {template} answers {response.status_code}, which /openapi.yaml describes", response)
        if "$ref" in described:
            described = self.openapi["components"]["responses"][described["$ref"].rsplit("/", 1)[-1]]
        schema = described.get("content", {}).get("application/json", {}).get("schema")
        check(schema is not None, f"{method} {template} {response.status_code} has a JSON schema")
        try:
            jsonschema.Draft202012Validator({**schema, "components": self.openapi["components"]}).validate(response.json())
        except jsonschema.ValidationError as error:
            raise Failed(f"{method} {template} {response.status_code} does not match /openapi.yaml: {error.message}")
        self.checked += 1

    def template(self, path):
        parts = path.split("?")[0].strip("/").split("/")
        for template in self.openapi["paths"]:
            if not template.startswith("/api/v1/vault/"):
                continue
            pattern = template[len("/api/v1/vault/"):].split("/")
            if len(pattern) == len(parts) and all(p.startswith("{") or p == q for p, q in zip(pattern, parts)):
                return template
        return None


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, **kwargs)
    if result.returncode != 0:
        raise Failed(f"{command[0]} {command[1] if len(command) > 1 else ''} failed: {result.stderr.decode(errors='replace')[:300]}")
    return result.stdout


def make_auth(work, certs, name, iin, bin_=None, roles=()):
    """An AUTH certificate (clientAuth) from the demo NCA, as Certs/make-demo-pki.sh makes Certs/auth.pem."""
    eku = ["clientAuth", "1.2.398.3.3.4.1.2" if bin_ else "1.2.398.3.3.4.1.1", *roles]
    ext = os.path.join(work, f"{name}.cnf")
    with open(ext, "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                f"extendedKeyUsage={','.join(eku)}\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n")
    subject = f"/CN=TEST {name.upper()}/SN=TEST/serialNumber=IIN{iin}/C=KZ" + (f"/O=TEST/OU=BIN{bin_}" if bin_ else "")
    key, csr, cert = (os.path.join(work, f"{name}.{s}") for s in ("key", "csr", "pem"))
    run(["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-subj", subject, "-out", csr])
    run(["openssl", "x509", "-req", "-in", csr, "-CA", os.path.join(certs, "ca/nca-demo.pem"), "-CAkey",
         os.path.join(certs, "ca/nca-demo.key"), "-set_serial", "0x" + os.urandom(8).hex(), "-days", "30", "-sha256",
         "-extfile", ext, "-out", cert])
    return cert, key


def cms_sign(data, cert, key, certs, detached):
    """`openssl cms -sign` over `data`, DER, the demo NCA's certificate included (the client sends its chain)."""
    command = ["openssl", "cms", "-sign", "-binary", "-md", "sha256", "-signer", cert, "-inkey", key,
               "-certfile", os.path.join(certs, "ca/nca-demo.pem"), "-outform", "DER"]
    if not detached:
        command.append("-nodetach")
    return run(command, input=data)


def sign_in(client, cert, key, certs):
    challenge = client.call("POST", "/auth/challenge")
    check(challenge.status_code == 201, "a sign-in challenge is issued", challenge)
    nonce = challenge.json()["nonce"]
    signed = cms_sign(nonce.encode(), cert, key, certs, detached=False)
    session = client.call("POST", "/auth/session", data=signed, headers={"Content-Type": "application/pkcs7-signature"})
    check(session.status_code == 201, "a signed nonce opens a session", session)
    replay = client.call("POST", "/auth/session", data=signed, headers={"Content-Type": "application/pkcs7-signature"})
    check(replay.status_code == 401, "a replayed nonce is refused (on the other node too)", replay)
    return session.json()


def api_key(args, role, env):
    command = [args.edsvault, "vault", "api-key", "create", "--vault", args.vault, "--employer-bin", EMPLOYER, "--role", role]
    out = run(command, env=env).decode().strip().splitlines()
    check(out and out[-1].startswith("edsv_"), f"api-key create prints the {role} key on its last line")
    return out[-1]


def put(client, key, document, owners, required, name):
    metadata = {"ownerIINs": owners, "employerBIN": EMPLOYER, "type": "order-hiring", "title": name,
                "requiredSigners": required}
    response = client.call("POST", "/documents", key, files={
        "metadata": (None, json.dumps(metadata, ensure_ascii=False), "application/json"),
        "document": (f"{name}.txt", document, "text/plain")})
    check(response.status_code == 201, f"the HR key stores {name}", response)
    check(response.json()["id"] == __import__("hashlib").sha256(document).hexdigest(), "a document's id is its SHA-256")
    return response.json()["id"]


def attach(client, token, document_id, signature, idempotency):
    response = client.call("POST", f"/documents/{document_id}/signatures", token, data=signature, headers={
        "Content-Type": "application/pkcs7-signature", "Idempotency-Key": idempotency})
    check(response.status_code == 201, "a signature made by openssl cms is attached", response)
    retry = client.call("POST", f"/documents/{document_id}/signatures", token, data=signature, headers={
        "Content-Type": "application/pkcs7-signature", "Idempotency-Key": idempotency})
    check(retry.status_code == 201 and retry.json() == response.json(), "an idempotent retry gets the same answer", retry)
    return response.json()


def scenario(args):
    env = dict(os.environ)
    if args.master_key_file:
        env["EDSVAULT_MASTER_KEY_FILE"] = args.master_key_file
    certs = args.certs
    client = Client(args.base)
    hr = api_key(args, "hr", env)
    auditor = api_key(args, "auditor", env)
    operator = api_key(args, "operator", env)

    nobody = client.call("GET", "/documents")
    check(nobody.status_code == 401, "no credential is 401", nobody)

    order = "Бұйрық № 21-Ж. Приказ № 21-К о приёме на работу двух сотрудников.\n".encode()
    order_id = put(client, hr, order, [FIRST, SECOND], [f"iin:{FIRST}", f"iin:{SECOND}", "first-head"], "order-21")
    second_only = put(client, hr, "Согласие на обработку персональных данных.\n".encode(), [SECOND], [], "consent-second")

    with tempfile.TemporaryDirectory() as work:
        second_auth = make_auth(work, certs, "second", SECOND)
        head_auth = make_auth(work, certs, "head", HEAD, EMPLOYER, ["1.2.398.3.3.4.1.2.1", "1.2.398.3.3.4.1.2.2"])
        people = [
            ("first", (os.path.join(certs, "auth.pem"), os.path.join(certs, "keys/auth.key")),
             (os.path.join(certs, "employee.pem"), os.path.join(certs, "keys/employee.key"))),
            ("second", second_auth, (os.path.join(certs, "employee-ec.pem"), os.path.join(certs, "keys/employee-ec.key"))),
        ]
        tokens = {}
        for name, auth, sign in people:
            session = sign_in(client, *auth, certs)
            tokens[name] = session["token"]
            whoami = client.call("GET", "/auth/session", session["token"])
            check(whoami.status_code == 200 and whoami.json()["iin"] == session["iin"], "the session proves its person", whoami)
            content = client.call("GET", f"/documents/{order_id}/content", session["token"])
            check(content.status_code == 200 and content.content == order, f"the {name} employee reads the order", content)
            signature = cms_sign(order, *sign, certs, detached=True)
            attached = attach(client, session["token"], order_id, signature, f"order-21-{name}")
            check(attached["status"] == "awaiting-signatures", "the order awaits the other signers")

        refused = client.call("GET", f"/documents/{second_only}", tokens["first"])
        check(refused.status_code == 403 and refused.json()["error"].get("rule"), "an employee is refused another's document", refused)

        head = sign_in(client, *head_auth, certs)
        check("firstHead" in head["roles"] and head["employerBIN"] == EMPLOYER, "the head's roles come from the certificate")
        head_signature = cms_sign(order, os.path.join(certs, "head.pem"), os.path.join(certs, "keys/head.key"), certs, detached=True)
        done = attach(client, head["token"], order_id, head_signature, "order-21-head")
        check(done["status"] == "fully-signed" and done["missingSigners"] == [], "the first head's signature completes the order")
        logout = client.call("POST", "/auth/logout", head["token"])
        check(logout.status_code == 204, "the head signs out", logout)
        after = client.call("GET", f"/documents/{order_id}", head["token"])
        check(after.status_code == 401, "a signed-out session is refused on every node", after)

    proof = client.call("GET", f"/documents/{order_id}/proof", auditor)
    check(proof.status_code == 200, "the auditor fetches the proof bundle", proof)
    with zipfile.ZipFile(io.BytesIO(proof.content)) as bundle:
        check(bundle.read("mimetype") == b"application/vnd.etsi.asic-s+zip", "the bundle is ASiC-S")
        check("META-INF/signature.p7s" in bundle.namelist(), "the bundle carries the signatures")
    bytes_ = client.call("GET", f"/documents/{order_id}/content", auditor)
    check(bytes_.status_code == 403 and bytes_.json()["error"]["rule"] == "auditor-reads-no-document-bytes",
          "an auditor key does not get the bytes", bytes_)

    revoked = api_key(args, "hr", env)
    check(client.call("GET", "/documents", revoked).status_code == 200, "a fresh key works")
    run([args.edsvault, "vault", "api-key", "revoke", revoked, "--vault", args.vault], env=env)
    listing = client.call("GET", "/documents", revoked)
    check(listing.status_code == 401, "a revoked API key is refused", listing)

    erased = client.call("POST", "/erasures", operator, json={"ownerIIN": SECOND, "reason": "the employee's request"})
    check(erased.status_code == 200 and erased.json()["documents"] == 1, "erasure destroys the second employee's own document", erased)
    gone = client.call("GET", f"/documents/{second_only}", hr)
    check(gone.status_code == 403, "an erased document is gone", gone)
    search = client.call("POST", "/documents/search", hr, json={"ownerIIN": SECOND})
    check(search.status_code == 200 and search.json()["documents"] == [], "nothing is listed for the erased employee", search)
    still = client.call("GET", f"/documents/{order_id}", tokens["first"])
    check(still.status_code == 200 and still.json()["ownerIINs"] == [FIRST], "the order stays the first employee's", still)
    check(client.checked >= 20, f"answers were checked against /openapi.yaml ({client.checked})")
    print("vault API end to end: ok", len(args.base), "node(s);", client.checked, "answers matched /openapi.yaml")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--edsvault", required=True)
    parser.add_argument("--vault", required=True)
    parser.add_argument("--master-key-file")
    parser.add_argument("--certs", required=True)
    parser.add_argument("--base", action="append", required=True)
    args = parser.parse_args()
    try:
        scenario(args)
    except Failed as failure:
        print(f"vault_api_e2e: {failure}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
