#!/usr/bin/env python3
"""Makes the hostile PKCS#12 seeds of issue 23 (item 6) from a demo key file (DER, definite lengths).

  p12-mac-iterations-2147483647.p12   the MacData's iteration count 2^31-1 (the MAC no longer matches: the
                                      count must be refused before any derivation, not after minutes of it)
  p12-pbe-iterations-2147483647.p12   the encrypted certificates' PBKDF2 count 2^31-1, with a MAC that is
                                      valid for the demo password (recomputed), so only the PBE cap stops it

Usage: make-hostile-pkcs12.py Certs/employee-aes.p12 OUTDIR   (password Demo-2026!; standard library only)
"""
import hashlib, hmac, os, sys

def parse(b, i=0):
    tag = b[i]; i += 1
    n = b[i]; i += 1
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(b[i:i + k], 'big'); i += k
    body = b[i:i + n]
    end = i + n
    node = [tag, None]
    if tag & 0x20:
        kids, j = [], 0
        while j < len(body):
            kid, j = parse(body, j)
            kids.append(kid)
        node[1] = kids
    else:
        node[1] = body
    return node, end

def enc(node):
    tag, v = node
    body = b''.join(enc(k) for k in v) if isinstance(v, list) else v
    n = len(body)
    if n < 0x80:
        ln = bytes([n])
    else:
        s = n.to_bytes((n.bit_length() + 7) // 8, 'big'); ln = bytes([0x80 | len(s)]) + s
    return bytes([tag]) + ln + body

BIG = [0x02, (2**31 - 1).to_bytes(4, 'big')]
PBES2 = bytes.fromhex('2a864886f70d01050d')

def pkcs12_kdf(hash_name, password, salt, iterations, key_id, n):
    h = hashlib.new(hash_name); u = h.digest_size; v = h.block_size
    pw = (password + '\0').encode('utf-16-be')
    D = bytes([key_id]) * v
    def fill(x): return (x * ((v * ((len(x) + v - 1) // v)) // len(x) + 1))[:v * ((len(x) + v - 1) // v)] if x else b''
    I = fill(salt) + fill(pw)
    A = hashlib.new(hash_name, D + I).digest()
    for _ in range(iterations - 1):
        A = hashlib.new(hash_name, A).digest()
    assert n <= u
    return A[:n]

def main(source, outdir):
    pfx, _ = parse(open(source, 'rb').read())
    version, auth_safe, mac_data = pfx[1]
    # 1. MacData iterations
    hostile = [pfx[0], [version, auth_safe, [mac_data[0], mac_data[1][:2] + [BIG]]]]
    open(os.path.join(outdir, 'p12-mac-iterations-2147483647.p12'), 'wb').write(enc(hostile))
    # 2. The first encrypted safe's PBES2/PBKDF2 iteration count, MAC recomputed.
    content = auth_safe[1][1][1][0][1]  # [0] EXPLICIT OCTET STRING
    safes, _ = parse(content)
    for ci in safes[1]:
        if ci[1][0][1] == bytes.fromhex('2a864886f70d010706'):  # encryptedData
            enc_content_info = ci[1][1][1][0][1][1]
            algorithm = enc_content_info[1][1]
            assert algorithm[1][0][1] == PBES2, 'expects a PBES2 key file (Certs/employee-aes.p12)'
            kdf_params = algorithm[1][1][1][0][1][1]
            kdf_params[1][1] = BIG
            break
    content = enc(safes)
    auth_safe[1][1][1][0][1] = content
    digest_alg = mac_data[1][0][1][0][1][0][1]
    hash_name = {bytes.fromhex('2b0e03021a'): 'sha1', bytes.fromhex('608648016503040201'): 'sha256'}[digest_alg]
    salt = mac_data[1][1][1]
    iterations = int.from_bytes(mac_data[1][2][1], 'big') if len(mac_data[1]) > 2 else 1
    key = pkcs12_kdf(hash_name, 'Demo-2026!', salt, iterations, 3, hashlib.new(hash_name).digest_size)
    mac_data[1][0][1][1][1] = hmac.new(key, content, hash_name).digest()
    open(os.path.join(outdir, 'p12-pbe-iterations-2147483647.p12'), 'wb').write(enc(pfx))

if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
