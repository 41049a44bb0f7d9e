#!/usr/bin/env python3
"""Referee: pyHanko validates a detached CMS signature made by edsvault.

usage: pyhanko_validate.py SIGNATURE.cms DOCUMENT TRUST.pem [--expect-signers N]
Prints one line per SignerInfo and exits 0 only when every signer is intact, valid and trusted.
"""
import asyncio
import sys

from asn1crypto import cms, pem, x509
from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
from pyhanko_certvalidator import ValidationContext


def load_cert(path):
    data = open(path, "rb").read()
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return x509.Certificate.load(data)


async def main():
    sig_path, doc_path, trust_path = sys.argv[1:4]
    expected = int(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[4] == "--expect-signers" else None
    content_info = cms.ContentInfo.load(open(sig_path, "rb").read())
    signed_data = content_info["content"]
    document = open(doc_path, "rb").read()
    signer_infos = list(signed_data["signer_infos"])
    if expected is not None and len(signer_infos) != expected:
        print(f"expected {expected} signers, found {len(signer_infos)}")
        return 1
    ok = True
    # pyHanko validates the first SignerInfo; validate each by presenting it alone.
    for index, signer_info in enumerate(signer_infos):
        single = signed_data.copy()
        single["signer_infos"] = cms.SignerInfos([signer_info])
        context = ValidationContext(trust_roots=[load_cert(trust_path)], allow_fetching=False, revocation_mode="soft-fail")
        status = await async_validate_detached_cms(document, single, signer_validation_context=context)
        print(f"signer {index + 1}: intact={status.intact} valid={status.valid} trusted={status.trusted} bottom_line={status.bottom_line}")
        ok = ok and status.intact and status.valid and status.trusted
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
