"""x509-limbo through `edsvault verify --certificate`, with `openssl verify -x509_strict` as the referee.

Usage: limbo_run.py LIMBO_DIR EDSVAULT_BIN WORK_DIR [--jobs N] [--sample N] [--only PREFIX]...

--sample N runs one in N of the 2,920 judgeable bettertls::nameconstraints cases (those whose number is a multiple
of N), the rest counted as skipped: they are many variations of one check, and each case costs a process start.

LIMBO_DIR holds limbo.json.xz and bettertls-meta.json.xz (see its README). Prints one JSON document on stdout:
{"judged": [{"id", "expected", "ours", "oursVerdict", "oursFailed", "openssl", "opensslError"}...],
 "skipped": {"reason": count}, "cases": N, "seconds": S}

Which cases a certificate validator without hostname rules can judge (the README's selection, 3,139 cases): the
rfc5280::, crl::, pathlen::, pathological::, cve::, invalid:: and bettertls::pathbuilding namespaces, and the
bettertls::nameconstraints cases whose BetterTLS features do not include VALIDATE_DNS or VALIDATE_IP (their verdict
is the peer name's). Of those, a case is skipped (and counted, by reason) when its verdict would depend on what
`verify --certificate` does not model:
- the peer name: the case names one and no subjectAltName of the leaf matches it (exact dNSName, a one-label
  wildcard, or an iPAddress), or the name is not a valid host name (a host-name syntax rule); name-constraint
  cases (rfc5280::nc::, pathological::nc-dos-*) are judged whatever name they carry: the constraint decides them;
- an extended key usage requirement that a certificate of the chain does not meet (RFC 5280 § 4.2.1.12 leaves the
  purpose to the application; EKU chaining through CAs is a Web PKI rule);
- a maximum chain depth (a verifier input `verify` has no option for).

`ours` is whether edsvault accepts the path: TOTAL_PASSED, or INDETERMINATE where the only failed checks are
revocation checks without data for certificates that no CRL of the case covers (limbo's cases carry CRLs only when
they test them: a case without CRLs does not ask for revocation checking, and one with CRLs asks for the leaf's).
"""

import concurrent.futures
import warnings
import datetime
import ipaddress
import json
import lzma
import os
import re
import subprocess
import sys
import time

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

# Limbo's certificates break RFC 5280 on purpose (negative serial numbers...): cryptography warns when it reads them.
warnings.simplefilter("ignore")

JUDGEABLE = ("rfc5280::", "crl::", "pathlen::", "pathological::", "cve::", "invalid::", "bettertls::pathbuilding::",
             "bettertls::nameconstraints::")
EKU_OIDS = {
    "serverAuth": ExtendedKeyUsageOID.SERVER_AUTH,
    "clientAuth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "codeSigning": ExtendedKeyUsageOID.CODE_SIGNING,
    "emailProtection": ExtendedKeyUsageOID.EMAIL_PROTECTION,
    "timeStamping": ExtendedKeyUsageOID.TIME_STAMPING,
    "OCSPSigning": ExtendedKeyUsageOID.OCSP_SIGNING,
}
# Name-constraint cases: their verdict is the constraint's (RFC 5280 § 4.2.1.10), whatever peer name they carry.
CONSTRAINT_CASES = ("rfc5280::nc::", "pathological::nc-dos-")
HOST_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def load(directory):
    with lzma.open(os.path.join(directory, "limbo.json.xz"), "rt", encoding="utf-8") as f:
        cases = json.load(f)["testcases"]
    with lzma.open(os.path.join(directory, "bettertls-meta.json.xz"), "rt", encoding="utf-8") as f:
        meta = json.load(f)["cases"]
    return cases, meta


def certificate(pem):
    try:
        return x509.load_pem_x509_certificate(pem.encode())
    except Exception:
        return None


def valid_host(name):
    labels = name.rstrip(".").lower().split(".")
    return len(labels) >= 1 and all(HOST_LABEL.match(label) for label in labels)


def leaf_matches(leaf, peer):
    """Whether the leaf's subjectAltName names the peer; None when the extension cannot be read (then the
    certificate's own validity decides, not the name)."""
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    except Exception:
        return None
    kind, value = peer["kind"], peer["value"]
    if kind == "IP":
        try:
            wanted = ipaddress.ip_address(value)
        except ValueError:
            return False
        return any(address == wanted for address in san.get_values_for_type(x509.IPAddress))
    if kind == "DNS":
        wanted = value.rstrip(".").lower()
        for name in san.get_values_for_type(x509.DNSName):
            name = name.rstrip(".").lower()
            if name == wanted:
                return True
            if name.startswith("*.") and "." in wanted and wanted.split(".", 1)[1] == name[2:]:
                return True
        return False
    return False


def eku_unmet(case, chain):
    required = [EKU_OIDS[name] for name in case["extended_key_usage"] if name in EKU_OIDS]
    if not required:
        return False
    for cert in chain:
        if cert is None:
            continue
        try:
            usages = list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
        except x509.ExtensionNotFound:
            continue
        except Exception:
            continue
        if ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in usages:
            continue
        if not any(oid in usages for oid in required):
            return True
    return False


def skip_reason(case, meta, sample=1):
    identifier = case["id"]
    if not identifier.startswith(JUDGEABLE):
        return "namespace with Web PKI or host-name rules (webpki::, online::)"
    if identifier.startswith("bettertls::nameconstraints::"):
        features = meta.get(identifier, {}).get("requiredFeatures", [])
        if "VALIDATE_DNS" in features or "VALIDATE_IP" in features:
            return "BetterTLS name-constraint case judged on the peer name (VALIDATE_DNS/VALIDATE_IP)"
        if int(identifier.rsplit("tc", 1)[1]) % sample != 0:
            return f"BetterTLS name-constraint case outside the 1-in-{sample} sample (EDSVAULT_LIMBO_FULL=1 runs them all)"
    if identifier.startswith("bettertls::pathbuilding::"):
        if "INVALID_REASON_BAD_EKU" in meta.get(identifier, {}).get("requiredFeatures", []):
            return "extended key usage requirement (BetterTLS path building around a branch without serverAuth)"
    if case.get("max_chain_depth") is not None:
        return "maximum chain depth (a verifier input verify does not take)"
    leaf = certificate(case["peer_certificate"])
    chain = [leaf] + [certificate(pem) for pem in case["untrusted_intermediates"]]
    if eku_unmet(case, chain):
        return "extended key usage requirement (serverAuth/clientAuth) a certificate of the chain does not meet"
    peer = case.get("expected_peer_name")
    if peer and leaf is not None and not identifier.startswith(CONSTRAINT_CASES):
        if peer["kind"] == "DNS" and not valid_host(peer["value"]):
            return "peer name that is not a valid host name (host-name syntax rules)"
        if leaf_matches(leaf, peer) is False:
            return "peer name the leaf's subjectAltName does not name (host-name matching)"
    return None


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text if text.endswith("\n") else text + "\n")


def judge(case, edsvault, work, index):
    directory = os.path.join(work, str(index))
    os.makedirs(directory, exist_ok=True)
    anchors = os.path.join(directory, "anchors.pem")
    write(anchors, "\n".join(case["trusted_certs"]))
    leaf = os.path.join(directory, "leaf.pem")
    write(leaf, case["peer_certificate"])
    intermediates = None
    if case["untrusted_intermediates"]:
        intermediates = os.path.join(directory, "intermediates.pem")
        write(intermediates, "\n".join(case["untrusted_intermediates"]))
    crl_files = []
    for number, crl in enumerate(case["crls"]):
        path = os.path.join(directory, f"crl{number}.pem")
        write(path, crl)
        crl_files.append(path)
    # No validation time: now (the suite's convention).
    moment = (datetime.datetime.fromisoformat(case["validation_time"]) if case["validation_time"]
              else datetime.datetime.now(datetime.timezone.utc)).astimezone(datetime.timezone.utc)
    at = moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    command = [edsvault, "verify", "--certificate", leaf, "--trust", anchors, "--at", at, "--offline", "--strict-profile", "--format", "json"]
    if intermediates:
        command += ["--intermediate", intermediates]
    for path in crl_files:
        command += ["--crl", path]
    ours, verdict, failed = ours_verdict(command, has_crls=bool(crl_files))

    referee = ["openssl", "verify", "-x509_strict", "-attime", str(int(moment.timestamp())), "-CAfile", anchors]
    if intermediates:
        referee += ["-untrusted", intermediates]
    if crl_files:
        all_crls = os.path.join(directory, "crls.pem")
        write(all_crls, "\n".join(case["crls"]))
        referee += ["-crl_check", "-CRLfile", all_crls]
    referee.append(leaf)
    try:
        result = subprocess.run(referee, capture_output=True, text=True, timeout=60)
        openssl = result.returncode == 0
        errors = [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("error ")]
        openssl_error = errors[0] if errors else ("" if openssl else result.stderr.strip()[:200])
    except subprocess.TimeoutExpired:
        openssl, openssl_error = False, "timeout"
    return {
        "id": case["id"], "expected": case["expected_result"], "ours": ours, "oursVerdict": verdict, "oursFailed": failed,
        "openssl": openssl, "opensslError": openssl_error,
    }


def ours_verdict(command, has_crls):
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return False, "timeout", []
    try:
        report = json.loads(result.stdout)
    except ValueError:
        return False, f"exit {result.returncode}: {result.stderr.strip()[:200]}", []
    indication, sub = report.get("indication"), report.get("subIndication")
    verdict = indication + (f"/{sub}" if sub else "")
    failed = [f"{check['name']}: {check['detail']}" for check in report.get("checks", []) if not check.get("passed")]
    if indication == "TOTAL_PASSED":
        return True, verdict, failed
    if indication != "INDETERMINATE" or not failed:
        return False, verdict, failed

    def tolerated(check):
        if check["passed"]:
            return True
        if check["name"] != "revocation" or not check["detail"].startswith("no usable revocation data for "):
            return False
        # The leaf ("the certificate"; CA certificates are named) must be decided when the case has CRLs.
        leaf = check["detail"].startswith(("no usable revocation data for the certificate",
                                           "no usable revocation data for the signer certificate"))
        return not (has_crls and leaf)

    return all(tolerated(check) for check in report.get("checks", [])), verdict, failed


def main():
    arguments = sys.argv[1:]
    jobs = os.cpu_count() or 2
    sample = 1
    only = []
    positional = []
    while arguments:
        argument = arguments.pop(0)
        if argument == "--jobs":
            jobs = int(arguments.pop(0))
        elif argument == "--sample":
            sample = int(arguments.pop(0))
        elif argument == "--only":
            only.append(arguments.pop(0))
        else:
            positional.append(argument)
    limbo, edsvault, work = positional
    started = time.monotonic()
    cases, meta = load(limbo)
    skipped = {}
    judged = []
    for case in cases:
        if only and not case["id"].startswith(tuple(only)):
            continue
        reason = skip_reason(case, meta, sample)
        if reason:
            skipped[reason] = skipped.get(reason, 0) + 1
        else:
            judged.append(case)
    os.makedirs(work, exist_ok=True)
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(lambda item: judge(item[1], edsvault, work, item[0]), enumerate(judged)))
    json.dump({"judged": results, "skipped": skipped, "cases": len(cases), "seconds": time.monotonic() - started}, sys.stdout)


if __name__ == "__main__":
    main()
