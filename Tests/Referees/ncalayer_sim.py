#!/usr/bin/env python3
"""A simulated NCALayer (issue 22): the NCA's local signing app as a page reaches it, a WebSocket server on
wss://127.0.0.1:13579 speaking NCALayer's JSON messages, signing with a test .p12 through OpenSSL's CLI.

usage: ncalayer_sim.py --p12 KEY.p12 --chain CA.pem [--password-env VAR] [--port 13579] [--record FILE] [--cancel]

- TLS with a throwaway self-signed certificate for 127.0.0.1 made at start (`openssl req`); the test browser is told
  to accept it (--ignore-certificate-errors), as a real browser accepts NCALayer's own certificate once installed.
- On connect it greets like NCALayer: {"result": {"version": "1.4"}}.
- {"module": "kz.gov.pki.knca.commonUtils", "method": "createCAdESFromBase64", "args": [storage, "SIGNATURE", data,
  attached]} → {"code": "200", "message": "", "responseObject": base64 CMS} (CAdES-BES via `openssl cms -sign -cades`,
  detached unless `attached`); --cancel answers {"code": "500", "message": "action.canceled"} as when the user closes
  NCALayer's window.
- {"module": "kz.gov.pki.knca.basics", "method": "sign", "args": {"allowedStorages", "format": "cms", "data",
  "signingParams": {"decode", "encapsulate"}, ...}} → {"status": true, "body": {"result": [base64 CMS]}}.
- Anything else → {"code": "500", "message": "unknown module or method"}.
--record appends each request (JSON, one per line) to FILE. Prints "ncalayer: listening on PORT" when ready.
"""
import argparse
import asyncio
import base64
import json
import os
import ssl
import subprocess
import sys
import tempfile

import websockets


def make_tls(folder):
    cert, key = os.path.join(folder, "tls.pem"), os.path.join(folder, "tls.key")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
        check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def unpack_p12(folder, p12, password_env):
    pem = os.path.join(folder, "signer.pem")
    subprocess.run(
        ["openssl", "pkcs12", "-in", p12, "-nodes", "-legacy", "-passin", "env:" + password_env, "-out", pem],
        check=True, capture_output=True)
    return pem


def sign(folder, signer_pem, chain, data, attached):
    document = os.path.join(folder, "data.bin")
    with open(document, "wb") as handle:
        handle.write(data)
    command = ["openssl", "cms", "-sign", "-binary", "-cades", "-md", "sha256", "-nosmimecap", "-in", document,
               "-signer", signer_pem, "-certfile", chain, "-outform", "DER"]
    if attached:
        command.append("-nodetach")
    return base64.b64encode(subprocess.run(command, check=True, capture_output=True).stdout).decode("ascii")


def answer(request, folder, signer_pem, chain, cancel):
    module, method, args = request.get("module"), request.get("method"), request.get("args")
    if module == "kz.gov.pki.knca.commonUtils" and method == "createCAdESFromBase64":
        if not isinstance(args, list) or len(args) != 4 or not all(isinstance(a, str) for a in args[:3]):
            return {"code": "500", "message": "wrong arguments"}
        storage, key_type, data, attached = args
        if cancel:
            return {"code": "500", "message": "action.canceled"}
        if key_type != "SIGNATURE":
            return {"code": "500", "message": "only the SIGNATURE key is in this storage"}
        return {"code": "200", "message": "", "responseObject": sign(folder, signer_pem, chain, base64.b64decode(data), bool(attached))}
    if module == "kz.gov.pki.knca.basics" and method == "sign":
        if not isinstance(args, dict) or args.get("format") != "cms" or not isinstance(args.get("data"), str):
            return {"status": False, "code": "500", "message": "wrong arguments"}
        if cancel:
            return {"status": True, "body": {}}
        params = args.get("signingParams") or {}
        data = base64.b64decode(args["data"]) if params.get("decode", True) else args["data"].encode("utf-8")
        return {"status": True, "body": {"result": [sign(folder, signer_pem, chain, data, bool(params.get("encapsulate", True)))]}}
    return {"code": "500", "message": "unknown module or method"}


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--p12", required=True)
    parser.add_argument("--chain", required=True)
    parser.add_argument("--password-env", default="EDSVAULT_DEMO_PASSWORD")
    parser.add_argument("--port", type=int, default=13579)
    parser.add_argument("--record")
    parser.add_argument("--cancel", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        context = make_tls(folder)
        signer_pem = unpack_p12(folder, args.p12, args.password_env)

        async def handle(connection):
            await connection.send(json.dumps({"result": {"version": "1.4"}}))
            async for message in connection:
                if len(message) > 64 << 20:
                    await connection.send(json.dumps({"code": "500", "message": "too large"}))
                    continue
                try:
                    request = json.loads(message)
                except ValueError:
                    await connection.send(json.dumps({"code": "500", "message": "not JSON"}))
                    continue
                if args.record:
                    with open(args.record, "a") as record:
                        record.write(json.dumps(request) + "\n")
                reply = await asyncio.to_thread(answer, request, folder, signer_pem, args.chain, args.cancel)
                await connection.send(json.dumps(reply))

        async with websockets.serve(handle, "127.0.0.1", args.port, ssl=context, max_size=96 << 20):
            print(f"ncalayer: listening on {args.port}", flush=True)
            await asyncio.Future()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
