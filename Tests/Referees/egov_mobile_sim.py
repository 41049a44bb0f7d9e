#!/usr/bin/env python3
"""A simulated eGov Mobile for the vault's QR signing (issue 22): what the phone app does after scanning the QR code.

usage: egov_mobile_sim.py QR_TEXT --signer gost|rsa --cert CERT.pem --chain CA.pem (--p12 KEY.p12 | --key KEY.pem)
                          [--password-env VAR] [--tamper] [--bad-token] [--put-twice] [--api1-only]

1. QR_TEXT is `mobileSign:` + the API №1 URL. GET it (Accept-Language: ru): `description`, `expiry_date`,
   `organisation` {`nameRu`, `nameKz`, `nameEn`, `bin`}, `document` {`uri`, `auth_type`, `auth_token`}.
2. GET `uri` with `Authorization: Bearer auth_token`: `signMethod`, `version`, `documentsToSign`
   [{`id`, `nameRu`, `nameKz`, `nameEn`, `meta`, `document` {`file` {`mime`, `data`}}}].
3. Sign the document's bytes, detached (CMS_SIGN_ONLY), with an implementation that is not the vault's:
   GOST 34.310-2015 (512) built here with gostcrypto + asn1crypto in Kalkan's byte orders (the key read from the .p12
   by a PKCS#12 KDF written here and OpenSSL's CLI for 3DES), or RSA with `openssl cms -sign -cades`.
4. PUT the same structure back to `uri` with `data` replaced by the base64 CMS.

--tamper signs other bytes than the document; --bad-token sends a wrong token to API №2; --put-twice sends the
answer twice. Prints one JSON object with each step's HTTP status and body; exits 0 when the protocol's shapes were
as expected (the statuses are the caller's to judge), 3 when a field of the protocol is missing.
"""
import argparse
import base64
import datetime
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

STREEBOG_512 = "1.2.398.3.10.1.3.3"
SIGNATURE_2015_512 = "1.2.398.3.10.1.1.2.3.2"
SIZE = 64


def http(method, url, token=None, body=None):
    request = urllib.request.Request(url, method=method, data=body)
    request.add_header("Accept-Language", "ru")
    request.add_header("Accept", "application/json")
    if token is not None:
        request.add_header("Authorization", "Bearer " + token)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, data = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, data = error.code, error.read()
    try:
        parsed = json.loads(data.decode("utf-8")) if data else None
    except ValueError:
        parsed = {"unparsed": data[:200].decode("utf-8", "replace")}
    return status, parsed


def require(obj, *path):
    for key in path:
        if isinstance(key, int):
            if not isinstance(obj, list) or len(obj) <= key:
                fail(f"missing {'.'.join(map(str, path))}")
        elif not isinstance(obj, dict) or key not in obj:
            fail(f"missing {'.'.join(map(str, path))}")
        obj = obj[key]
    return obj


def fail(message):
    print(json.dumps({"protocolError": message}, ensure_ascii=False))
    sys.exit(3)


# --- PKCS#12 (RFC 7292): the key bag, decrypted here (OpenSSL cannot decode a Kazakh GOST key) ---

def pkcs12_kdf(password, salt, iterations, purpose, length):
    """RFC 7292 Appendix B.2 with SHA-1 (u = 20, v = 64)."""
    u, v = 20, 64
    bmp = (password + "\0").encode("utf-16-be")
    d = bytes([purpose]) * v
    s = (salt * ((v + len(salt) - 1) // len(salt)))[: v * ((len(salt) + v - 1) // v)]
    p = (bmp * ((v + len(bmp) - 1) // len(bmp)))[: v * ((len(bmp) + v - 1) // v)]
    i = bytearray(s + p)
    out = b""
    while len(out) < length:
        a = d + bytes(i)
        for _ in range(iterations):
            a = hashlib.sha1(a).digest()
        out += a
        b = (a * (v // u + 1))[:v]
        b_int = int.from_bytes(b, "big") + 1
        for j in range(0, len(i), v):
            block = (int.from_bytes(i[j:j + v], "big") + b_int) % (1 << (8 * v))
            i[j:j + v] = block.to_bytes(v, "big")
    return out[:length]


def gost_private_scalar(p12_path, password):
    from asn1crypto import core, pkcs12
    pfx = pkcs12.Pfx.load(open(p12_path, "rb").read())
    safe = pkcs12.AuthenticatedSafe.load(pfx["auth_safe"]["content"].native)
    for info in safe:
        if info["content_type"].native != "data":
            continue
        for bag in pkcs12.SafeContents.load(info["content"].native):
            if bag["bag_id"].native != "pkcs8_shrouded_key_bag":
                continue
            encrypted = bag["bag_value"]
            algorithm = encrypted["encryption_algorithm"]
            if algorithm["algorithm"].dotted != "1.2.840.113549.1.12.1.3":
                fail("the key bag is not pbeWithSHAAnd3-KeyTripleDES-CBC")
            params = algorithm["parameters"]
            salt, iterations = params["salt"].native, params["iterations"].native
            key = pkcs12_kdf(password, salt, iterations, 1, 24)
            iv = pkcs12_kdf(password, salt, iterations, 2, 8)
            plain = subprocess.run(
                ["openssl", "enc", "-d", "-des-ede3-cbc", "-K", key.hex(), "-iv", iv.hex()],
                input=encrypted["encrypted_data"].native, capture_output=True, check=True).stdout
            info_seq = core.Sequence.load(plain)
            inner = core.OctetString.load(info_seq[2].contents).native  # d, little-endian (Kalkan, 2015 keys)
            return inner[::-1]
    fail("no key bag in the .p12")


def der(tag, content):
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    encoded = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(encoded)]) + encoded + content


def public_key_bits(certificate):
    from asn1crypto import core
    info = core.Sequence.load(certificate["tbs_certificate"]["subject_public_key_info"].dump())
    return core.OctetBitString.load(info[1].dump()).contents[1:]


def sign_gost(document, cert_path, chain_path, p12_path, password):
    import gostcrypto
    from asn1crypto import algos, cms, core, pem, x509

    def load(path):
        data = open(path, "rb").read()
        return pem.unarmor(data)[2] if pem.detect(data) else data

    certificate = x509.Certificate.load(load(cert_path))
    chain = [x509.Certificate.load(load(chain_path))]
    d = gost_private_scalar(p12_path, password)
    curve = gostcrypto.gostsignature.CURVES_R_1323565_1_024_2019["id-tc26-gost-3410-12-512-paramSetA"]
    signer = gostcrypto.gostsignature.new(gostcrypto.gostsignature.MODE_512, curve)
    # The certificate's key (x || y, little-endian each) must be d's: a wrong key order would sign nothing valid.
    point = core.OctetString.load(public_key_bits(certificate)).native
    expected = bytearray(point[:SIZE][::-1] + point[SIZE:][::-1])
    if signer.public_key_generate(bytearray(d)) != expected:
        fail("the .p12's key is not the certificate's")
    digest = bytes(gostcrypto.gosthash.new("streebog512", data=document).digest())
    attributes = cms.CMSAttributes([
        cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
        cms.CMSAttribute({"type": "signing_time", "values": [cms.Time({"utc_time": datetime.datetime.now(datetime.timezone.utc)})]}),
        cms.CMSAttribute({"type": "message_digest", "values": [digest]}),
        # RFC 5035 SigningCertificateV2 { certs { ESSCertIDv2 { certHash } } } (hashAlgorithm: the default, SHA-256).
        cms.CMSAttribute({"type": "1.2.840.113549.1.9.16.2.47", "values": [core.Any.load(
            der(0x30, der(0x30, der(0x30, der(0x04, hashlib.sha256(certificate.dump()).digest())))))]}),
    ])
    signed = attributes.dump()
    to_sign = bytes(gostcrypto.gosthash.new("streebog512", data=signed).digest())
    raw = signer.sign(bytearray(d), bytearray(to_sign[::-1]))
    signature = bytes(raw[:SIZE])[::-1] + bytes(raw[SIZE:])[::-1]
    signer_info = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": {
            "issuer": certificate.issuer, "serial_number": certificate.serial_number}}),
        "digest_algorithm": algos.DigestAlgorithm({"algorithm": STREEBOG_512}),
        "signed_attrs": attributes,
        "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": SIGNATURE_2015_512}),
        "signature": signature,
    })
    signed_data = cms.SignedData({
        "version": "v1",
        "digest_algorithms": [algos.DigestAlgorithm({"algorithm": STREEBOG_512})],
        "encap_content_info": {"content_type": "data"},
        "certificates": [certificate] + chain,
        "signer_infos": [signer_info],
    })
    return cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()


def sign_rsa(document, cert_path, chain_path, key_path):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "document")
        open(path, "wb").write(document)
        return subprocess.run(
            ["openssl", "cms", "-sign", "-binary", "-cades", "-md", "sha256", "-nosmimecap", "-in", path,
             "-signer", cert_path, "-inkey", key_path, "-certfile", chain_path, "-outform", "DER"],
            capture_output=True, check=True).stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("qr")
    parser.add_argument("--signer", choices=["gost", "rsa"], required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--chain", required=True)
    parser.add_argument("--p12")
    parser.add_argument("--key")
    parser.add_argument("--password-env", default="EDSVAULT_DEMO_PASSWORD")
    parser.add_argument("--tamper", action="store_true")
    parser.add_argument("--bad-token", action="store_true")
    parser.add_argument("--put-twice", action="store_true")
    parser.add_argument("--api1-only", action="store_true")
    args = parser.parse_args()

    if not args.qr.startswith("mobileSign:"):
        fail("the QR code's text does not start with mobileSign:")
    result = {}
    status, api1 = http("GET", args.qr[len("mobileSign:"):])
    result["api1"], result["api1Body"] = status, api1
    if status != 200 or args.api1_only:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    for path in (("description",), ("expiry_date",), ("organisation", "nameRu"), ("organisation", "nameKz"),
                 ("organisation", "nameEn"), ("organisation", "bin"), ("document", "uri"), ("document", "auth_type"),
                 ("document", "auth_token")):
        require(api1, *path)
    datetime.datetime.fromisoformat(api1["expiry_date"])
    if api1["document"]["auth_type"] != "Token":
        fail("auth_type is not Token")
    uri, token = api1["document"]["uri"], api1["document"]["auth_token"]
    if args.bad_token:
        token = token[::-1]
    status, api2 = http("GET", uri, token=token)
    result["api2"], result["api2Body"] = status, api2 if status != 200 else {"signMethod": api2.get("signMethod")}
    if status != 200:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    for path in (("signMethod",), ("version",), ("documentsToSign", 0, "id"), ("documentsToSign", 0, "nameRu"),
                 ("documentsToSign", 0, "nameKz"), ("documentsToSign", 0, "nameEn"), ("documentsToSign", 0, "meta"),
                 ("documentsToSign", 0, "document", "file", "mime"), ("documentsToSign", 0, "document", "file", "data")):
        require(api2, *path)
    if api2["signMethod"] not in ("CMS_SIGN_ONLY", "CMS_WITH_DATA"):
        fail(f"signMethod {api2['signMethod']} is not a CMS method")
    document = base64.b64decode(api2["documentsToSign"][0]["document"]["file"]["data"])
    result["documentSHA256"] = hashlib.sha256(document).hexdigest()
    signed_bytes = document + b" (altered)" if args.tamper else document
    if args.signer == "gost":
        cms = sign_gost(signed_bytes, args.cert, args.chain, args.p12, os.environ[args.password_env])
    else:
        cms = sign_rsa(signed_bytes, args.cert, args.chain, args.key)
    answer = api2
    answer["documentsToSign"][0]["document"]["file"]["data"] = base64.b64encode(cms).decode("ascii")
    body = json.dumps(answer).encode("utf-8")
    result["put"], result["putBody"] = http("PUT", uri, token=token, body=body)
    if args.put_twice:
        result["secondPut"], result["secondPutBody"] = http("PUT", uri, token=token, body=body)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
