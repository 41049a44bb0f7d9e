#!/usr/bin/env python3
"""Referee: what each SignerInfo's id-aa-ets-revocationValues (RFC 5126 § 6.3.4) holds, read with asn1crypto and a
plain DER walk (not our parser). Input: a CMS (DER) or an ASiC-S bundle (its META-INF/signature.p7s).

usage: revocation_values.py FILE   ->  {"signers": [{"crls": N, "ocspResponses": M}, ...]}
"""
import json
import sys
import zipfile

from asn1crypto import cms, core

REVOCATION_VALUES = "1.2.840.113549.1.9.16.2.24"


def elements(der):
    """(tag, contents) of each TLV in `der`, definite lengths (DER)."""
    offset = 0
    while offset < len(der):
        tag, length = der[offset], der[offset + 1]
        offset += 2
        if length & 0x80:
            count = length & 0x7F
            length = int.from_bytes(der[offset:offset + count], "big")
            offset += count
        yield tag, der[offset:offset + length]
        offset += length


def counts(value):
    """RevocationValues ::= SEQUENCE { crlVals [0] SEQUENCE OF CertificateList OPTIONAL,
    ocspVals [1] SEQUENCE OF BasicOCSPResponse OPTIONAL, ... } (explicit tags)."""
    (tag, fields), = elements(value)
    assert tag == 0x30
    found = {0xA0: 0, 0xA1: 0}
    for field, contents in elements(fields):
        if field in found:
            (inner, items), = elements(contents)
            assert inner == 0x30
            found[field] = sum(1 for _ in elements(items))
    return {"crls": found[0xA0], "ocspResponses": found[0xA1]}


path = sys.argv[1]
data = zipfile.ZipFile(path).read("META-INF/signature.p7s") if zipfile.is_zipfile(path) else open(path, "rb").read()
signers = []
for signer in cms.ContentInfo.load(data)["content"]["signer_infos"]:
    result = {"crls": 0, "ocspResponses": 0}
    attributes = signer["unsigned_attrs"]
    for attribute in ([] if isinstance(attributes, core.Void) else attributes):
        if attribute["type"].dotted == REVOCATION_VALUES:
            # The SET's contents: its one value's DER, read here rather than by asn1crypto's generic parser.
            result = counts(attribute["values"].contents)
    signers.append(result)
print(json.dumps({"signers": signers}))
