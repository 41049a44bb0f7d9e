#!/usr/bin/env bash
# DEMO ONLY. Regenerates the GOST 34.310-2015 (512) demo PKI under Certs/: a root and an NCA-like intermediate
# (O=EDS Vault Demo), employee-gost.p12 (individual) and head-gost.p12 (first head, with BIN), their CRLs, and the
# root as a trust anchor in Certs/trust/gost-root.pem. The OpenSSL CLI cannot make GOST certificates or key files,
# so the project's own tool does (Sources/edsvault-demo-pki, on EDSCrypto's GOST code); it checks every path,
# CRL and key file it wrote before it exits 0. New keys and serials every run: regenerate fixtures signed with them.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH=/opt/swift/usr/bin:$PATH
export DEMO_PASSWORD='Demo-2026!'   # the demo PKI's public password (Certs/README.md)
swift build -q --product edsvault-demo-pki
"$(swift build --show-bin-path)/edsvault-demo-pki" Certs
# Independent check of the certificates' structure (OpenSSL parses GOST certificates; it cannot verify them).
for cert in Certs/trust/gost-root.pem Certs/ca/gost-nca-demo.pem Certs/employee-gost.pem Certs/head-gost.pem; do
    openssl x509 -in "$cert" -noout -subject -nameopt utf8 >/dev/null
done
echo "GOST demo PKI ready: Certs/employee-gost.p12, Certs/head-gost.p12 (password Demo-2026!), anchor Certs/trust/gost-root.pem"
