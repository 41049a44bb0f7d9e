internal import COpenSSL
import Foundation
import Synchronization

/// Verification contexts for one certificate's RSA (PKCS#1 v1.5) or EC key and one digest, initialised once and
/// reused: OpenSSL 3.0's EVP_DigestVerifyInit looks the signature algorithm up in its provider store on every call (a
/// locked search costing about a tenth of an RSA-2048 verification), though nothing about it changes from one
/// signature by the same key to the next. The digest is computed here and the key checks it, as EVP_DigestVerify
/// would (RFC 8017 § 8.2.2: EMSA-PKCS1-v1_5 over the DigestInfo of that digest; ECDSA over the digest itself).
final class SignatureVerifierPool: Sendable {
    /// An EVP_PKEY_CTX, used by one thread at a time (taken from the pool, put back after).
    private struct Context: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    private let key: KeyHandle
    let digest: DigestAlgorithm
    private let idle = Mutex<[Context]>([])

    /// The certificate's EVP_PKEY, which it owns; each context holds its own reference.
    private struct KeyHandle: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    /// nil for keys this shortcut does not cover (RSASSA-PSS keys, Ed25519, GOST): they take EVP_DigestVerify.
    init?(key: OpaquePointer, digest: DigestAlgorithm) {
        let type = EVP_PKEY_get_base_id(key)
        guard type == EVP_PKEY_RSA || type == EVP_PKEY_EC, digest.fetched != nil else { return nil }
        self.key = KeyHandle(pointer: key)
        self.digest = digest
    }

    deinit {
        for context in idle.withLock({ $0 }) { EVP_PKEY_CTX_free(context.pointer) }
    }

    /// nil when OpenSSL could not set a context up (the caller then verifies the ordinary way).
    func verify(signature: Data, over message: [UInt8]) -> Bool? {
        guard let md = digest.fetched, let context = take() else { return nil }
        // The digest straight from the message's bytes into a stack buffer: no copies of either on the heap.
        let result = message.withUnsafeBytes { bytes in
            Digest.withDigest(of: bytes, md: md) { hash in
                signature.withUnsafeBytes { signatureBytes in
                    EVP_PKEY_verify(
                        context.pointer, signatureBytes.bindMemory(to: UInt8.self).baseAddress, signatureBytes.count, hash.baseAddress, hash.count)
                }
            }
        }
        OpenSSLErrorQueue.clear()
        let surplus = idle.withLock { pool -> Context? in
            guard pool.count < 8 else { return context }
            pool.append(context)
            return nil
        }
        if let surplus { EVP_PKEY_CTX_free(surplus.pointer) }
        return result.map { $0 == 1 }
    }

    private func take() -> Context? {
        if let pooled = idle.withLock({ $0.popLast() }) { return pooled }
        guard let made = EVP_PKEY_CTX_new_from_pkey(nil, key.pointer, nil) else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        var ready = EVP_PKEY_verify_init(made) == 1 && EVP_PKEY_CTX_set_signature_md(made, digest.fetched) == 1
        if ready, EVP_PKEY_get_base_id(key.pointer) == EVP_PKEY_RSA {
            ready = EVP_PKEY_CTX_set_rsa_padding(made, RSA_PKCS1_PADDING) == 1
        }
        guard ready else {
            EVP_PKEY_CTX_free(made)
            OpenSSLErrorQueue.clear()
            return nil
        }
        return Context(pointer: made)
    }
}
