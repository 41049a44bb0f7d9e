#!/usr/bin/env python3
"""Independent RFC 4998 evidence-record check (a referee for EDS Vault's tests).

Reads the record with pyasn1-alt-modules' RFC 4998 schema, recomputes every archive timestamp's root from the data
object files (RFC 4998 sections 4.3 and 5.3: hash lists concatenated in binary ascending order), compares it with the
timestamp's TSTInfo messageImprint, and has `openssl ts -verify` check each token over that root.
Exit 0 when the record covers the files; 1 with the reason otherwise.

usage: ers_verify.py RECORD.ers FILE... --ca ROOT.pem [--untrusted CHAIN.pem]
"""
import argparse
import hashlib
import os
import subprocess
import sys
import tempfile

from pyasn1.codec.der import decoder, encoder
from pyasn1_alt_modules import rfc3161, rfc4998, rfc5652

HASHES = {
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}


def digest(name, data):
    return hashlib.new(name, data).digest()


def tst_info(token_der):
    content_info, _ = decoder.decode(token_der, asn1Spec=rfc5652.ContentInfo())
    signed_data, _ = decoder.decode(bytes(content_info["content"]), asn1Spec=rfc5652.SignedData())
    econtent = bytes(signed_data["encapContentInfo"]["eContent"])
    info, _ = decoder.decode(econtent, asn1Spec=rfc3161.TSTInfo())
    return info


def root_from(tree, covered, name):
    """RFC 4998 4.3 steps 2-3."""
    lists = [[bytes(value) for value in partial] for partial in tree]
    if not all(value in lists[0] for value in covered):
        raise SystemExit("a covered hash is not in the first hash list")
    running = lists[0][0] if len(lists[0]) == 1 else digest(name, b"".join(sorted(lists[0])))
    for level in lists[1:]:
        running = digest(name, b"".join(sorted(level + [running])))
    return running


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("record")
    parser.add_argument("files", nargs="+")
    parser.add_argument("--ca", required=True)
    parser.add_argument("--untrusted")
    args = parser.parse_args()
    record, rest = decoder.decode(open(args.record, "rb").read(), asn1Spec=rfc4998.EvidenceRecord())
    if rest:
        raise SystemExit("trailing bytes after the record")
    if int(record["version"]) != 1:
        raise SystemExit("not a v1 record")
    objects = [open(path, "rb").read() for path in args.files]
    chains = record["archiveTimeStampSequence"]
    previous_stamp = None
    for chain_index, chain in enumerate(chains):
        for position, stamp in enumerate(chain):
            oid = str(stamp["digestAlgorithm"]["algorithm"])
            name = HASHES[oid]
            token = encoder.encode(stamp["timeStamp"])
            if position == 0:
                covered = [digest(name, data) for data in objects]
                if chain_index > 0:
                    earlier = rfc4998.ArchiveTimeStampSequence()
                    for kept in list(chains)[:chain_index]:
                        earlier.append(kept)
                    previous_chains = digest(name, encoder.encode(earlier))
                    covered = [digest(name, b"".join(sorted([h, previous_chains]))) for h in covered]
            else:
                covered = [digest(name, previous_stamp)]
            tree = stamp["reducedHashtree"]
            if tree.isValue:
                root = root_from(tree, covered, name)
            elif len(covered) == 1:
                root = covered[0]
            else:
                root = digest(name, b"".join(sorted(covered)))
            imprint = tst_info(token)["messageImprint"]
            if str(imprint["hashAlgorithm"]["algorithm"]) != oid or bytes(imprint["hashedMessage"]) != root:
                raise SystemExit(f"chain {chain_index} stamp {position}: the root differs from the timestamp's imprint")
            with tempfile.NamedTemporaryFile(suffix=".tst", delete=False) as handle:
                handle.write(token)
            command = ["openssl", "ts", "-verify", "-digest", root.hex(), "-in", handle.name, "-token_in", "-CAfile", args.ca]
            if args.untrusted:
                command += ["-untrusted", args.untrusted]
            result = subprocess.run(command, capture_output=True, text=True)
            os.unlink(handle.name)
            if result.returncode != 0 or "Verification: OK" not in result.stdout:
                raise SystemExit(f"openssl ts -verify refused stamp {position}: {result.stdout}{result.stderr}")
            previous_stamp = token
    print("OK")


if __name__ == "__main__":
    sys.exit(main())
