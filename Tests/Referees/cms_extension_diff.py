#!/usr/bin/env python3
"""Referee for `edsvault extend`: compares two CMS SignedData files with asn1crypto (pyHanko's ASN.1 library).

usage: cms_extension_diff.py ORIGINAL.cms EXTENDED.cms

Prints JSON: whether every signed byte is kept (encapsulated content, certificates, and per SignerInfo its sid,
algorithms, signed attributes and signature value, compared as the encoded bytes), whether each SignerInfo is
byte-identical, and each SignerInfo's unsigned attribute types before and after.
"""
import json
import sys

from asn1crypto import cms, core


def load(path):
    info = cms.ContentInfo.load(open(path, "rb").read())
    if info["content_type"].native != "signed_data":
        raise SystemExit(f"{path}: not SignedData")
    return info["content"]


def encoded(value):
    # The bytes as parsed (asn1crypto keeps the header and contents it read unless the value is changed).
    return value.dump() if value is not None else None


def unsigned_types(signer):
    attributes = signer["unsigned_attrs"]
    if isinstance(attributes, core.Void):
        return []
    # Only the types: asn1crypto has no schema for every CAdES attribute value.
    return [attribute["type"].dotted for attribute in attributes]


def main(original_path, extended_path):
    original = load(original_path)
    extended = load(extended_path)
    signers = []
    for before, after in zip(original["signer_infos"], extended["signer_infos"]):
        kept = all(
            encoded(before[field]) == encoded(after[field])
            for field in ("version", "sid", "digest_algorithm", "signed_attrs", "signature_algorithm", "signature"))
        signers.append({
            "signedBytesKept": kept,
            "identical": before.dump() == after.dump(),
            "unsignedBefore": unsigned_types(before),
            "unsignedAfter": unsigned_types(after),
        })
    print(json.dumps({
        "signerCount": [len(original["signer_infos"]), len(extended["signer_infos"])],
        "contentKept": encoded(original["encap_content_info"]) == encoded(extended["encap_content_info"]),
        "certificatesKept": encoded(original["certificates"]) == encoded(extended["certificates"]),
        "signers": signers,
    }))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
