#!/usr/bin/env python3
"""Referee: an independent GOST 34.310-2015 (512) implementation (PyPI gostcrypto, Streebog and GOST R 34.10-2012
in pure Python) checks what edsvault signs, and what Kalkan signed.

usage: gost_verify.py cms SIGNATURE.cms DOCUMENT     every GOST 2015 signer: messageDigest and signature
       gost_verify.py cert CERTIFICATE ISSUER         a GOST 2015 certificate's signature by its issuer
Prints one line per check; exits 0 only when every check holds (and at least one GOST signer was checked).

Kalkan's byte orders (issue 9) are converted here to gostcrypto's big-endian ones: the public key is
OCTET STRING(x || y), each little-endian; the signature is r || s, each little-endian; e is the digest read
little-endian.
"""
import sys

import gostcrypto
from asn1crypto import cms, core, pem, x509

SIGNATURE_2015_512 = "1.2.398.3.10.1.1.2.3.2"
STREEBOG_512 = "1.2.398.3.10.1.3.3"
SIZE = 64


def load(path):
    data = open(path, "rb").read()
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return data


def verify(public_key_bits, message, signature):
    """public_key_bits: the subjectPublicKey BIT STRING contents (an OCTET STRING of x || y little-endian)."""
    point = core.OctetString.load(public_key_bits).native
    if len(point) != 2 * SIZE or len(signature) != 2 * SIZE:
        return False
    x, y = point[:SIZE][::-1], point[SIZE:][::-1]
    r, s = signature[:SIZE][::-1], signature[SIZE:][::-1]
    digest = gostcrypto.gosthash.new("streebog512", data=message).digest()
    curve = gostcrypto.gostsignature.CURVES_R_1323565_1_024_2019["id-tc26-gost-3410-12-512-paramSetA"]
    signer = gostcrypto.gostsignature.new(gostcrypto.gostsignature.MODE_512, curve)
    # gostcrypto reads the digest big-endian: reversed, it is Kalkan's little-endian e.
    return signer.verify(bytearray(x + y), bytearray(digest[::-1]), bytearray(r + s))


def public_key_bits(certificate):
    # asn1crypto knows no Kazakh key OID: read SubjectPublicKeyInfo as a plain SEQUENCE { algorithm, BIT STRING }.
    info = core.Sequence.load(certificate["tbs_certificate"]["subject_public_key_info"].dump())
    return core.OctetBitString.load(info[1].dump()).contents[1:]


def check_cms(signature_path, document_path):
    signed_data = cms.ContentInfo.load(load(signature_path))["content"]
    document = open(document_path, "rb").read()
    certificates = [choice.chosen for choice in signed_data["certificates"] or [] if choice.name == "certificate"]
    checked, failures = 0, 0
    for index, signer in enumerate(signed_data["signer_infos"]):
        if signer["signature_algorithm"]["algorithm"].dotted != SIGNATURE_2015_512:
            print(f"signer {index + 1}: {signer['signature_algorithm']['algorithm'].dotted}, not GOST 2015: skipped")
            continue
        checked += 1
        sid = signer["sid"].chosen
        certificate = next(
            c for c in certificates
            if c.issuer == sid["issuer"] and c.serial_number == sid["serial_number"].native)
        attributes = {a["type"].dotted: a["values"][0] for a in signer["signed_attrs"]}
        claimed = attributes["1.2.840.113549.1.9.4"].native
        computed = gostcrypto.gosthash.new("streebog512", data=document).digest()
        digest_ok = signer["digest_algorithm"]["algorithm"].dotted == STREEBOG_512 and claimed == computed
        signed = bytearray(signer["signed_attrs"].dump())
        signed[0] = 0x31  # RFC 5652 section 5.4: the SET OF tag, not [0]
        signature_ok = verify(public_key_bits(certificate), bytes(signed), signer["signature"].native)
        print(f"signer {index + 1}: messageDigest {'ok' if digest_ok else 'WRONG'}, "
              f"signature {'valid' if signature_ok else 'INVALID'}")
        failures += 0 if digest_ok and signature_ok else 1
    if checked == 0:
        print("no GOST 34.310-2015 signer found")
        return 1
    return 1 if failures else 0


def check_certificate(certificate_path, issuer_path):
    certificate = x509.Certificate.load(load(certificate_path))
    issuer = x509.Certificate.load(load(issuer_path))
    ok = certificate["signature_algorithm"]["algorithm"].dotted == SIGNATURE_2015_512 and verify(
        public_key_bits(issuer), certificate["tbs_certificate"].dump(), certificate["signature_value"].native)
    print(f"certificate signature {'valid' if ok else 'INVALID'}")
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("cms", "cert"):
        print(__doc__)
        sys.exit(64)
    sys.exit((check_cms if sys.argv[1] == "cms" else check_certificate)(sys.argv[2], sys.argv[3]))
