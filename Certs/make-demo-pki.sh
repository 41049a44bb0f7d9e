#!/usr/bin/env bash
# =============================================================================
#  EDS Vault — DEMO PKI generator.            !!! DEMO ONLY — NOT A REAL PKI !!!
#
#  Builds a fictional "Kazakh NCA style" hierarchy for tests and demos:
#    root -> NCA demo intermediate -> leaves (SIGN, AUTH, HR, head, OCSP, TSA…)
#  plus an unrelated "other" root with a stranger signer.
#
#  All private keys are stored UNENCRYPTED or with the PUBLIC password below.
#  Nothing produced here may ever be trusted outside tests.
#
#  Needs only: bash, openssl 3.x CLI (with the legacy provider), python3.
#  Re-runnable: wipes everything it generated before and regenerates it.
#  Run from anywhere:   bash Certs/make-demo-pki.sh
#  (it works from the repository root; all paths in the generated openssl
#   configs are relative to the repository root.)
# =============================================================================
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE/.."                        # repository root
C=Certs                              # every path below is relative to the repo root

export DEMO_PASS='Demo-2026!'        # PUBLIC demo password of every .p12
CNF="$C/demo-ca/openssl.cnf"
PASSOUT="env:DEMO_PASS"

# Fixed validity windows (openssl ca -startdate/-enddate, UTC).
ROOT_FROM=20200101000000Z;  ROOT_TO=20500101000000Z
NCA_FROM=20200101000000Z;   NCA_TO=20450101000000Z
LEAF_FROM=20240101000000Z;  LEAF_TO=20360101000000Z
EXP_FROM=20200101000000Z;   EXP_TO=20210101000000Z
NYV_FROM=20400101000000Z;   NYV_TO=20450101000000Z
REVOKED_AT_UTC=250601000000Z          # index.txt (UTCTime) revocation date
REVOKED_AT_GEN=20250601000000Z        # compromise (invalidity) date

say() { printf '\n=== %s\n' "$*"; }

# -----------------------------------------------------------------------------
# IIN / BIN check digit (DESIGN.md "The Kazakh certificate profile"):
# weights 1..11 over the first 11 digits, sum mod 11; if 10, weights
# 3,4,5,6,7,8,9,10,11,1,2; if 10 again the number is invalid.
# kzid PREFIX SEQ : PREFIX (6 or 7 digits) + zero-padded SEQ = 11 digits, + check.
# If the check digit would be "10 again", SEQ is incremented until valid.
# -----------------------------------------------------------------------------
kzid() {
  python3 - "$1" "$2" <<'PY'
import sys

def kz_check_digit(d11):
    """Return the IIN/BIN check digit for an 11-digit string, or None if invalid."""
    assert len(d11) == 11 and d11.isdigit()
    digits = [int(c) for c in d11]
    s = sum(d * w for d, w in zip(digits, range(1, 12))) % 11
    if s == 10:
        s = sum(d * w for d, w in zip(digits, [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2])) % 11
        if s == 10:
            return None
    return s

prefix, seq = sys.argv[1], int(sys.argv[2])
width = 11 - len(prefix)
while True:
    body = prefix + str(seq).zfill(width)
    assert len(body) == 11, body
    c = kz_check_digit(body)
    if c is not None:
        print(body + str(c))
        break
    seq += 1
PY
}

# -----------------------------------------------------------------------------
say "Wiping previous outputs"
rm -rf "$C/ca" "$C/trust" "$C/other" "$C/crl" "$C/keys" "$C/demo-ca"
rm -f  "$C"/*.pem "$C"/*.p12 "$C"/*.key "$C/tsa.cnf" "$C/DEMO-ONLY.txt"
mkdir -p "$C/ca" "$C/trust" "$C/other" "$C/crl" "$C/keys" "$C/demo-ca/req"
for ca in root nca other; do
  mkdir -p "$C/demo-ca/$ca/newcerts"
  : > "$C/demo-ca/$ca/index.txt"
  printf 'unique_subject = no\n' > "$C/demo-ca/$ca/index.txt.attr"
  # random positive 128-bit starting serial (real CAs use random serials)
  printf '%s\n' "$(openssl rand -hex 16 | sed 's/^./4/')" > "$C/demo-ca/$ca/serial"
  printf '1000\n' > "$C/demo-ca/$ca/crlnumber"
done
mkdir -p "$C/demo-ca/tsa"
# The TSA serial file is rewritten by every `openssl ts -reply`; it is git-ignored
# (Certs/.gitignore) and openssl starts at 1 (with a warning) when it is missing.
printf '01\n' > "$C/demo-ca/tsa/tsaserial"

cat > "$C/DEMO-ONLY.txt" <<'EOF'
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
!!  DEMO ONLY — EVERYTHING UNDER Certs/ IS A FAKE, PUBLIC, TEST-ONLY PKI.   !!
!!                                                                          !!
!!  * The private keys are published in this repository (unencrypted PEM   !!
!!    or PKCS#12 with the public password "Demo-2026!").                    !!
!!  * The people, IINs, BINs and the organisation are fictional.            !!
!!  * "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) DEMO" is NOT the National          !!
!!    Certification Authority of the Republic of Kazakhstan.                !!
!!  * NEVER trust Certs/trust/root.pem (or anything here) in production.    !!
!!                                                                          !!
!!  Regenerate with:  bash Certs/make-demo-pki.sh                           !!
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
EOF

# -----------------------------------------------------------------------------
say "Writing $CNF"
cat > "$CNF" <<'EOF'
# =============================================================================
#  EDS Vault DEMO PKI — openssl config.  DEMO ONLY, NOT A REAL CA.
#  Generated by Certs/make-demo-pki.sh. Paths are relative to the repo root:
#    openssl ca -config Certs/demo-ca/openssl.cnf -name CA_nca ...
# =============================================================================

[ ca ]
default_ca = CA_nca

# ---- common CA settings (copied into each CA section below) -----------------
[ CA_root ]
dir               = Certs/demo-ca/root
database          = $dir/index.txt
serial            = $dir/serial
crlnumber         = $dir/crlnumber
new_certs_dir     = $dir/newcerts
certificate       = Certs/ca/root.pem
private_key       = Certs/ca/root.key
default_md        = sha256
default_days      = 3650
default_crl_days  = 3650
policy            = policy_anything
preserve          = yes
unique_subject    = no
email_in_dn       = yes
utf8              = yes
string_mask       = utf8only
copy_extensions   = none
name_opt          = utf8,esc_ctrl,sep_multiline,show_type
cert_opt          = ca_default
crl_extensions    = crl_ext

[ CA_nca ]
dir               = Certs/demo-ca/nca
database          = $dir/index.txt
serial            = $dir/serial
crlnumber         = $dir/crlnumber
new_certs_dir     = $dir/newcerts
certificate       = Certs/ca/nca-demo.pem
private_key       = Certs/ca/nca-demo.key
default_md        = sha256
default_days      = 3650
default_crl_days  = 3650
policy            = policy_anything
preserve          = yes
unique_subject    = no
email_in_dn       = yes
utf8              = yes
string_mask       = utf8only
copy_extensions   = none
name_opt          = utf8,esc_ctrl,sep_multiline,show_type
cert_opt          = ca_default
crl_extensions    = crl_ext

[ CA_other ]
dir               = Certs/demo-ca/other
database          = $dir/index.txt
serial            = $dir/serial
crlnumber         = $dir/crlnumber
new_certs_dir     = $dir/newcerts
certificate       = Certs/other/other-root.pem
private_key       = Certs/other/other-root.key
default_md        = sha256
default_days      = 3650
default_crl_days  = 3650
policy            = policy_anything
preserve          = yes
unique_subject    = no
email_in_dn       = yes
utf8              = yes
string_mask       = utf8only
copy_extensions   = none
name_opt          = utf8,esc_ctrl,sep_multiline,show_type
cert_opt          = ca_default
crl_extensions    = crl_ext

# Every field optional; with preserve = yes the DN order of the request is kept.
[ policy_anything ]
commonName             = supplied
surname                = optional
serialNumber           = optional
countryName            = optional
organizationName       = optional
organizationalUnitName = optional
givenName              = optional
emailAddress           = optional

[ crl_ext ]
authorityKeyIdentifier = keyid:always

# ---- requests ----------------------------------------------------------------
[ req ]
default_md         = sha256
string_mask        = utf8only
utf8               = yes
distinguished_name = req_dn
prompt             = no

[ req_dn ]
CN = unused (the script always passes -subj)

# ---- CA certificates ---------------------------------------------------------
[ ext_root ]
basicConstraints       = critical, CA:true
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash

[ ext_nca ]
basicConstraints       = critical, CA:true, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

# ---- leaves of the NCA demo intermediate ------------------------------------
# SIGN key, individual (ФЛ): 1.2.398.3.3.4.1.1
[ ext_sign_individual ]
basicConstraints       = CA:false
keyUsage               = critical, digitalSignature, nonRepudiation
extendedKeyUsage       = emailProtection, 1.2.398.3.3.4.1.1
certificatePolicies    = 1.2.398.3.3.2.1
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints  = URI:http://127.0.0.1:18791/nca_demo.crl
authorityInfoAccess    = OCSP;URI:http://127.0.0.1:18790/

# SIGN key, legal entity HR officer: legal entity + HR + employee
[ ext_sign_hr ]
basicConstraints       = CA:false
keyUsage               = critical, digitalSignature, nonRepudiation
extendedKeyUsage       = emailProtection, 1.2.398.3.3.4.1.2, 1.2.398.3.3.4.1.2.4, 1.2.398.3.3.4.1.2.5
certificatePolicies    = 1.2.398.3.3.2.1
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints  = URI:http://127.0.0.1:18791/nca_demo.crl
authorityInfoAccess    = OCSP;URI:http://127.0.0.1:18790/

# SIGN key, legal entity first head: legal entity + first head + right to sign
[ ext_sign_head ]
basicConstraints       = CA:false
keyUsage               = critical, digitalSignature, nonRepudiation
extendedKeyUsage       = emailProtection, 1.2.398.3.3.4.1.2, 1.2.398.3.3.4.1.2.1, 1.2.398.3.3.4.1.2.2
certificatePolicies    = 1.2.398.3.3.2.1
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints  = URI:http://127.0.0.1:18791/nca_demo.crl
authorityInfoAccess    = OCSP;URI:http://127.0.0.1:18790/

# AUTH key, individual: authenticates, never signs documents
[ ext_auth_individual ]
basicConstraints       = CA:false
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = clientAuth, 1.2.398.3.3.4.1.1
certificatePolicies    = 1.2.398.3.3.2.2
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints  = URI:http://127.0.0.1:18791/nca_demo.crl
authorityInfoAccess    = OCSP;URI:http://127.0.0.1:18790/

# Delegated OCSP responder (RFC 6960 4.2.2.2) with id-pkix-ocsp-nocheck
[ ext_ocsp ]
basicConstraints       = CA:false
keyUsage               = critical, digitalSignature
extendedKeyUsage       = critical, OCSPSigning
noCheck                = ignored
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

# Time-stamping authority (RFC 3161 2.3: EKU timeStamping, critical, alone)
[ ext_tsa ]
basicConstraints       = CA:false
keyUsage               = critical, digitalSignature, nonRepudiation
extendedKeyUsage       = critical, timeStamping
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints  = URI:http://127.0.0.1:18791/nca_demo.crl
authorityInfoAccess    = OCSP;URI:http://127.0.0.1:18790/

# NOT an OCSP responder: same issuer, but EKU clientAuth only (no OCSPSigning)
[ ext_rogue_ocsp ]
basicConstraints       = CA:false
keyUsage               = critical, digitalSignature
extendedKeyUsage       = clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

# ---- the unrelated "other" hierarchy -----------------------------------------
[ ext_other_root ]
basicConstraints       = critical, CA:true
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash

[ ext_other_leaf ]
basicConstraints       = CA:false
keyUsage               = critical, digitalSignature, nonRepudiation
extendedKeyUsage       = emailProtection, 1.2.398.3.3.4.1.1
certificatePolicies    = 1.2.398.3.3.2.1
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
EOF

# -----------------------------------------------------------------------------
# helpers
# newkey FILE rsa|ec
newkey() {
  case "$2" in
    rsa) openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" ;;
    ec)  openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
                         -pkeyopt ec_param_enc:named_curve -out "$1" ;;
    *) echo "bad key type $2" >&2; exit 1 ;;
  esac
  chmod 600 "$1"
}

# sign CA_SECTION EXT_SECTION KEYFILE CERT_OUT SUBJ FROM TO [extra openssl ca args]
sign() {
  local ca="$1" ext="$2" key="$3" out="$4" subj="$5" from="$6" to="$7"; shift 7
  local csr="$C/demo-ca/req/$(basename "${out%.pem}").csr"
  openssl req -new -config "$CNF" -utf8 -key "$key" -subj "$subj" -out "$csr"
  openssl ca -batch -config "$CNF" -name "$ca" -utf8 -preserveDN -notext \
    -md sha256 -extensions "$ext" -startdate "$from" -enddate "$to" \
    -in "$csr" -out "$out" "$@" 2> "$C/demo-ca/req/last-ca.log" \
    || { cat "$C/demo-ca/req/last-ca.log" >&2; exit 1; }
}

# p12 NAME KEY CERT CHAIN OUT [legacy|aes]
p12() {
  local name="$1" key="$2" cert="$3" chain="$4" out="$5" mode="${6:-legacy}"
  if [ "$mode" = legacy ]; then
    # NCA style: certificates RC2-40, key 3DES, SHA-1 MAC (needs the legacy provider)
    openssl pkcs12 -export -legacy -certpbe PBE-SHA1-RC2-40 -keypbe PBE-SHA1-3DES \
      -macalg sha1 -name "$name" -inkey "$key" -in "$cert" -certfile "$chain" \
      -passout "$PASSOUT" -out "$out"
  else
    # modern: PBES2 / PBKDF2 / AES-256-CBC, SHA-256 MAC
    openssl pkcs12 -export -certpbe AES-256-CBC -keypbe AES-256-CBC -macalg sha256 \
      -name "$name" -inkey "$key" -in "$cert" -certfile "$chain" \
      -passout "$PASSOUT" -out "$out"
  fi
}

# subjects -------------------------------------------------------------------
# person_subj SURNAME NAME IIN PATRONYMIC EMAIL [ORG BIN]
person_subj() {
  local s="/CN=$1 $2/SN=$1/serialNumber=IIN$3/C=KZ"
  if [ $# -ge 7 ]; then s="$s/O=$6/OU=BIN$7"; fi
  s="$s/GN=$4/emailAddress=$5"
  printf '%s' "$s"
}

# -----------------------------------------------------------------------------
say "Identity numbers (IIN = YYMMDD + century/sex digit + serial + check)"
IIN_EMPLOYEE=$(kzid 9003153 0123)     # ҚАСЫМОВ ӘЛИХАН СЕРІКҰЛЫ, m, 1990-03-15
IIN_EMPLOYEE_EC=$(kzid 9507224 0456)  # ЖҰМАБАЕВА АЙГҮЛ НҰРЛАНҚЫЗЫ, f, 1995-07-22
IIN_HR=$(kzid 8511044 0789)           # ОМАРОВА ГҮЛНҰР ҚАЙРАТҚЫЗЫ, f, 1985-11-04
IIN_HEAD=$(kzid 7802093 0321)         # НҰРЛАНОВ ДӘУЛЕТ БОЛАТҰЛЫ, m, 1978-02-09
IIN_EXPIRED=$(kzid 8806303 0654)      # ӘБДІҒАЛИЕВ ЕРЛАН МАРАТҰЛЫ, m, 1988-06-30
IIN_NYV=$(kzid 0309305 0987)          # ЕСЕНҒАЛИ АҢСАР ТИМУРҰЛЫ, m, 2003-09-30
IIN_REVOKED=$(kzid 9201014 0246)      # ТӨЛЕГЕНОВА ЗӘҺИРА АСҚАРҚЫЗЫ, f, 1992-01-01
IIN_STRANGER=$(kzid 8712013 0135)     # БЕЙТАНЫСОВ ҮМІТ ҚАНАТҰЛЫ, m, 1987-12-01
BIN_DEMO=$(kzid 150640 12345)         # ТОО «ДЕМО ҚҰРЫЛЫС», legal entity, head org, 2015-06
ORG_DEMO='ТОО «ДЕМО ҚҰРЫЛЫС»'
for v in IIN_EMPLOYEE IIN_EMPLOYEE_EC IIN_HR IIN_HEAD IIN_EXPIRED IIN_NYV IIN_REVOKED IIN_STRANGER BIN_DEMO; do
  printf '  %-16s %s\n' "$v" "${!v}"
done

# -----------------------------------------------------------------------------
say "Root CA"
newkey "$C/ca/root.key" rsa
sign CA_root ext_root "$C/ca/root.key" "$C/ca/root.pem" \
  "/CN=EDS VAULT DEMO ROOT CA (ҚР ДЕМО ТҮБІР)/O=EDS Vault Demo/C=KZ" \
  "$ROOT_FROM" "$ROOT_TO" -selfsign -keyfile "$C/ca/root.key"
cp "$C/ca/root.pem" "$C/trust/root.pem"

say "NCA demo intermediate"
newkey "$C/ca/nca-demo.key" rsa
sign CA_root ext_nca "$C/ca/nca-demo.key" "$C/ca/nca-demo.pem" \
  "/CN=ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) DEMO/O=EDS Vault Demo/C=KZ" \
  "$NCA_FROM" "$NCA_TO"
NCA="$C/ca/nca-demo.pem"

# -----------------------------------------------------------------------------
# leaf NAME EXT KEYTYPE SUBJ FROM TO   -> Certs/NAME.pem, Certs/keys/NAME.key, Certs/NAME.p12
leaf() {
  local name="$1" ext="$2" kt="$3" subj="$4" from="$5" to="$6"
  say "Leaf: $name"
  newkey "$C/keys/$name.key" "$kt"
  sign CA_nca "$ext" "$C/keys/$name.key" "$C/$name.pem" "$subj" "$from" "$to"
  p12 "$name" "$C/keys/$name.key" "$C/$name.pem" "$NCA" "$C/$name.p12" legacy
}
# service NAME EXT SUBJ -> Certs/NAME.pem, Certs/NAME.key (no p12)
service() {
  local name="$1" ext="$2" subj="$3"
  say "Service: $name"
  newkey "$C/$name.key" rsa
  sign CA_nca "$ext" "$C/$name.key" "$C/$name.pem" "$subj" "$LEAF_FROM" "$LEAF_TO"
}

leaf employee ext_sign_individual rsa \
  "$(person_subj 'ҚАСЫМОВ' 'ӘЛИХАН' "$IIN_EMPLOYEE" 'СЕРІКҰЛЫ' alikhan@example.kz)" \
  "$LEAF_FROM" "$LEAF_TO"
p12 employee "$C/keys/employee.key" "$C/employee.pem" "$NCA" "$C/employee-aes.p12" aes

leaf employee-ec ext_sign_individual ec \
  "$(person_subj 'ЖҰМАБАЕВА' 'АЙГҮЛ' "$IIN_EMPLOYEE_EC" 'НҰРЛАНҚЫЗЫ' aigul@example.kz)" \
  "$LEAF_FROM" "$LEAF_TO"

leaf hr ext_sign_hr rsa \
  "$(person_subj 'ОМАРОВА' 'ГҮЛНҰР' "$IIN_HR" 'ҚАЙРАТҚЫЗЫ' hr@demo-qurylys.example.kz "$ORG_DEMO" "$BIN_DEMO")" \
  "$LEAF_FROM" "$LEAF_TO"

leaf head ext_sign_head rsa \
  "$(person_subj 'НҰРЛАНОВ' 'ДӘУЛЕТ' "$IIN_HEAD" 'БОЛАТҰЛЫ' director@demo-qurylys.example.kz "$ORG_DEMO" "$BIN_DEMO")" \
  "$LEAF_FROM" "$LEAF_TO"

# AUTH key of the same employee (same subject, other key and profile)
leaf auth ext_auth_individual rsa \
  "$(person_subj 'ҚАСЫМОВ' 'ӘЛИХАН' "$IIN_EMPLOYEE" 'СЕРІКҰЛЫ' alikhan@example.kz)" \
  "$LEAF_FROM" "$LEAF_TO"

leaf expired ext_sign_individual rsa \
  "$(person_subj 'ӘБДІҒАЛИЕВ' 'ЕРЛАН' "$IIN_EXPIRED" 'МАРАТҰЛЫ' erlan@example.kz)" \
  "$EXP_FROM" "$EXP_TO"

leaf notyetvalid ext_sign_individual rsa \
  "$(person_subj 'ЕСЕНҒАЛИ' 'АҢСАР' "$IIN_NYV" 'ТИМУРҰЛЫ' ansar@example.kz)" \
  "$NYV_FROM" "$NYV_TO"

leaf revoked ext_sign_individual rsa \
  "$(person_subj 'ТӨЛЕГЕНОВА' 'ЗӘҺИРА' "$IIN_REVOKED" 'АСҚАРҚЫЗЫ' zahira@example.kz)" \
  "$LEAF_FROM" "$LEAF_TO"

service ocsp ext_ocsp "/CN=EDS VAULT DEMO OCSP RESPONDER/O=EDS Vault Demo/C=KZ"
service tsa  ext_tsa  "/CN=EDS VAULT DEMO TSA/O=EDS Vault Demo/C=KZ"
service rogue-ocsp ext_rogue_ocsp "/CN=EDS VAULT DEMO ROGUE OCSP (NOT AUTHORISED)/O=EDS Vault Demo/C=KZ"

# -----------------------------------------------------------------------------
say "Revoking 'revoked' (keyCompromise, fixed date 2025-06-01T00:00:00Z)"
openssl ca -batch -config "$CNF" -name CA_nca -revoke "$C/revoked.pem" \
  -crl_compromise "$REVOKED_AT_GEN" 2> "$C/demo-ca/req/last-ca.log" \
  || { cat "$C/demo-ca/req/last-ca.log" >&2; exit 1; }
# openssl ca always records "now" as the revocation date: pin it to the fixed date.
REV_SERIAL=$(openssl x509 -in "$C/revoked.pem" -noout -serial | cut -d= -f2)
python3 - "$C/demo-ca/nca/index.txt" "$REV_SERIAL" "$REVOKED_AT_UTC" <<'PY'
import sys
path, serial, when = sys.argv[1], sys.argv[2].upper(), sys.argv[3]
lines = open(path, encoding="utf-8", errors="surrogateescape").read().split("\n")
hits = 0
for i, line in enumerate(lines):
    f = line.split("\t")
    if len(f) == 6 and f[0] == "R" and f[3].upper() == serial:
        rest = f[2].split(",", 1)
        f[2] = when + ("," + rest[1] if len(rest) > 1 else "")
        lines[i] = "\t".join(f)
        hits += 1
assert hits == 1, f"revoked serial {serial} not found exactly once in {path}"
open(path, "w", encoding="utf-8", errors="surrogateescape").write("\n".join(lines))
PY

# -----------------------------------------------------------------------------
say "CRLs"
openssl ca -batch -config "$CNF" -name CA_nca -gencrl -crldays 3650 -md sha256 \
  -out "$C/crl/nca_demo.crl.pem" 2> "$C/demo-ca/req/last-ca.log" \
  || { cat "$C/demo-ca/req/last-ca.log" >&2; exit 1; }
openssl crl -in "$C/crl/nca_demo.crl.pem" -outform DER -out "$C/crl/nca_demo.crl"
openssl ca -batch -config "$CNF" -name CA_root -gencrl -crldays 3650 -md sha256 \
  -out "$C/crl/root.crl.pem" 2> "$C/demo-ca/req/last-ca.log" \
  || { cat "$C/demo-ca/req/last-ca.log" >&2; exit 1; }
openssl crl -in "$C/crl/root.crl.pem" -outform DER -out "$C/crl/root.crl"
openssl crl -in "$C/crl/nca_demo.crl" -inform DER -noout -text | grep -A4 'Serial Number' \
  | grep -q 'Jun  1 00:00:00 2025 GMT' || { echo "CRL revocation date is not 2025-06-01" >&2; exit 1; }

# -----------------------------------------------------------------------------
say "Unrelated 'other' root and its stranger signer"
newkey "$C/other/other-root.key" rsa
sign CA_other ext_other_root "$C/other/other-root.key" "$C/other/other-root.pem" \
  "/CN=EDS VAULT DEMO OTHER ROOT (БӨТЕН ТҮБІР)/O=EDS Vault Demo Stranger Org/C=KZ" \
  "$ROOT_FROM" "$ROOT_TO" -selfsign -keyfile "$C/other/other-root.key"
newkey "$C/keys/stranger.key" rsa
sign CA_other ext_other_leaf "$C/keys/stranger.key" "$C/other/stranger.pem" \
  "$(person_subj 'БЕЙТАНЫСОВ' 'ҮМІТ' "$IIN_STRANGER" 'ҚАНАТҰЛЫ' umit@example.kz)" \
  "$LEAF_FROM" "$LEAF_TO"
p12 stranger "$C/keys/stranger.key" "$C/other/stranger.pem" "$C/other/other-root.pem" \
  "$C/other/stranger.p12" legacy

# -----------------------------------------------------------------------------
say "Writing $C/tsa.cnf"
cat > "$C/tsa.cnf" <<'EOF'
# EDS Vault DEMO TSA — DEMO ONLY.  Paths are relative to the repository root:
#   openssl ts -reply -config Certs/tsa.cnf -queryfile req.tsq -out resp.tsr
# (-signer/-inkey/-chain on the command line override the files below.)
[ tsa ]
default_tsa = tsa_demo

[ tsa_demo ]
dir                    = Certs
serial                 = $dir/demo-ca/tsa/tsaserial
crypto_device          = builtin
signer_cert            = $dir/tsa.pem
certs                  = $dir/ca/nca-demo.pem
signer_key             = $dir/tsa.key
signer_digest          = sha256
default_policy         = 1.2.398.3.3.2.6.1
other_policies         = 1.2.398.3.3.2.6.2
digests                = sha256, sha384, sha512
accuracy               = secs:1
clock_precision_digits = 0
ordering               = no
tsa_name               = yes
ess_cert_id_chain      = no
ess_cert_id_alg        = sha256
EOF

# -----------------------------------------------------------------------------
say "Self-checks"
rm -f "$C/demo-ca/req/last-ca.log" "$C"/demo-ca/*/*.old   # openssl ca backup copies
chk() { printf '  %-40s' "$1"; shift; if out=$("$@" 2>&1); then echo "OK"; else echo "FAILED"; echo "$out" >&2; exit 1; fi; }
V="openssl verify -CAfile $C/ca/root.pem -untrusted $NCA"
chk "chain ca/nca-demo.pem" openssl verify -CAfile "$C/ca/root.pem" "$NCA"
for n in employee employee-ec hr head auth revoked ocsp tsa rogue-ocsp; do
  chk "chain $n.pem" $V "$C/$n.pem"
done
chk "chain expired.pem (at 2020-06-01)" $V -attime "$(date -u -d 2020-06-01 +%s)" "$C/expired.pem"
chk "chain notyetvalid.pem (at 2041-01-01)" $V -attime "$(date -u -d 2041-01-01 +%s)" "$C/notyetvalid.pem"
chk "chain other/stranger.pem (own root)" openssl verify -CAfile "$C/other/other-root.pem" "$C/other/stranger.pem"
if openssl verify -CAfile "$C/ca/root.pem" "$C/other/stranger.pem" >/dev/null 2>&1; then
  echo "stranger must NOT chain to the demo root" >&2; exit 1
fi
printf "  %-40sOK (rejected, as intended)\n" "stranger vs demo root"
if $V -crl_check -CRLfile "$C/crl/nca_demo.crl.pem" "$C/revoked.pem" >/dev/null 2>&1; then
  echo "revoked.pem must fail a CRL check" >&2; exit 1
fi
printf "  %-40sOK (revoked, as intended)\n" "revoked.pem vs CRL"
chk "employee.pem vs CRL" $V -crl_check -CRLfile "$C/crl/nca_demo.crl.pem" "$C/employee.pem"
for p in "$C"/*.p12 "$C/other/stranger.p12"; do
  chk "p12 $(basename "$p")" openssl pkcs12 -info -legacy -noout -passin "$PASSOUT" -in "$p"
done

TMPD=$(mktemp -d); trap 'rm -rf "$TMPD"' EXIT
printf 'EDS Vault demo\n' > "$TMPD/doc.txt"
openssl ts -query -data "$TMPD/doc.txt" -sha256 -cert -out "$TMPD/q.tsq" 2>/dev/null
openssl ts -reply -config "$C/tsa.cnf" -queryfile "$TMPD/q.tsq" -out "$TMPD/r.tsr" 2>/dev/null
chk "RFC 3161 reply from tsa.cnf" openssl ts -verify -in "$TMPD/r.tsr" -queryfile "$TMPD/q.tsq" \
  -CAfile "$C/ca/root.pem" -untrusted "$NCA"
printf '01\n' > "$C/demo-ca/tsa/tsaserial"

say "Done. DEMO ONLY — see Certs/README.md and Certs/DEMO-ONLY.txt"
