internal import COpenSSL
import Foundation

/// Bytes from OpenSSL's CSPRNG (RAND_bytes, seeded from the OS).
public enum SecureRandom {
    public static func bytes(_ count: Int) throws -> Data {
        OpenSSLRuntime.ensureInitialized()
        var out = Data(count: count)
        let status = out.withUnsafeMutableBytes { buffer in
            RAND_bytes(buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(count))
        }
        guard status == 1 else { throw CryptoError.openSSL("the random generator failed") }
        return out
    }
}

/// HMAC-SHA256 (RFC 2104) and HKDF-Expand (RFC 5869) for deriving purpose keys from one master key.
public enum KeyedHash {
    public static func hmacSHA256(key: Data, _ message: Data) throws -> Data {
        OpenSSLRuntime.ensureInitialized()
        var out = Data(count: 32)
        var written = 0
        let status = key.withUnsafeBytes { keyBytes in
            message.withUnsafeBytes { messageBytes in
                out.withUnsafeMutableBytes { outBytes in
                    EVP_Q_mac(
                        nil, "HMAC", nil, "SHA256", nil,
                        keyBytes.baseAddress, keyBytes.count,
                        messageBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), messageBytes.count,
                        outBytes.baseAddress!.assumingMemoryBound(to: UInt8.self), 32, &written)
                }
            }
        }
        guard status != nil, written == 32 else { throw CryptoError.openSSL("HMAC-SHA256 failed") }
        return out
    }

    /// HKDF-Expand with SHA-256 for one 32-byte output block: T(1) = HMAC(PRK, info || 0x01).
    /// The caller's key must already be uniformly random (a generated master key), which RFC 5869 § 3.3
    /// allows to be used as the PRK without the extract step.
    public static func expandKey(_ pseudoRandomKey: Data, info: String) throws -> Data {
        try hmacSHA256(key: pseudoRandomKey, Data(info.utf8) + [0x01])
    }
}

/// AES-256-GCM (NIST SP 800-38D) through OpenSSL EVP, with a fresh random 96-bit nonce per message.
///
/// Sealed layout: `0x01 ‖ nonce (12) ‖ ciphertext ‖ tag (16)`. The associated data binds a sealed box to where it
/// belongs (e.g. the object id of a blob), so a box moved elsewhere fails to open.
public enum AES256GCM {
    public static let keySize = 32
    static let formatVersion: UInt8 = 1
    static let nonceSize = 12
    static let tagSize = 16
    /// EVP's update functions take an `int` length.
    static let chunkSize = 1 << 26

    public static var overhead: Int { 1 + nonceSize + tagSize }

    public static func generateKey() throws -> Data { try SecureRandom.bytes(keySize) }

    public static func seal(_ plaintext: Data, key: Data, associatedData: Data = Data()) throws -> Data {
        guard key.count == keySize else { throw CryptoError(.refused, "an AES-256 key is 32 bytes, got \(key.count)") }
        OpenSSLRuntime.ensureInitialized()
        let nonce = try SecureRandom.bytes(nonceSize)
        guard let context = EVP_CIPHER_CTX_new() else { throw CryptoError.openSSL("cannot allocate a cipher context") }
        defer { EVP_CIPHER_CTX_free(context) }
        var output = Data(count: 1 + nonceSize + plaintext.count + tagSize)
        try output.withUnsafeMutableBytes { outBuffer in
            let out = outBuffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            out[0] = formatVersion
            nonce.copyBytes(to: out + 1, count: nonceSize)
            let initialized = key.withUnsafeBytes { keyBytes in
                EVP_EncryptInit_ex(
                    context, EVP_aes_256_gcm(), nil, keyBytes.baseAddress!.assumingMemoryBound(to: UInt8.self), out + 1)
            }
            guard initialized == 1 else { throw CryptoError.openSSL("AES-256-GCM initialisation failed") }
            try feedAssociatedData(associatedData, context: context, encrypting: true)
            var written = 1 + nonceSize
            try plaintext.withUnsafeBytes { input in
                var offset = 0
                while offset < input.count {
                    let length = min(chunkSize, input.count - offset)
                    var produced: Int32 = 0
                    guard EVP_EncryptUpdate(
                        context, out + written, &produced,
                        input.baseAddress!.assumingMemoryBound(to: UInt8.self) + offset, Int32(length)) == 1
                    else { throw CryptoError.openSSL("AES-256-GCM encryption failed") }
                    written += Int(produced)
                    offset += length
                }
            }
            var produced: Int32 = 0
            guard EVP_EncryptFinal_ex(context, out + written, &produced) == 1 else {
                throw CryptoError.openSSL("AES-256-GCM encryption failed")
            }
            written += Int(produced)
            guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(tagSize), out + written) == 1 else {
                throw CryptoError.openSSL("AES-256-GCM tag computation failed")
            }
        }
        return output
    }

    /// Opens a sealed box; throws `malformedInput` when it was altered, or the key or associated data are wrong.
    public static func open(_ sealed: Data, key: Data, associatedData: Data = Data()) throws -> Data {
        guard key.count == keySize else { throw CryptoError(.refused, "an AES-256 key is 32 bytes, got \(key.count)") }
        guard sealed.count >= overhead, sealed.first == formatVersion else {
            throw CryptoError(.malformedInput, "not an AES-256-GCM sealed box (too short or unknown format)")
        }
        OpenSSLRuntime.ensureInitialized()
        guard let context = EVP_CIPHER_CTX_new() else { throw CryptoError.openSSL("cannot allocate a cipher context") }
        defer { EVP_CIPHER_CTX_free(context) }
        let cipherLength = sealed.count - overhead
        var plaintext = Data(count: cipherLength)
        try sealed.withUnsafeBytes { sealedBuffer in
            let input = sealedBuffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let initialized = key.withUnsafeBytes { keyBytes in
                EVP_DecryptInit_ex(
                    context, EVP_aes_256_gcm(), nil, keyBytes.baseAddress!.assumingMemoryBound(to: UInt8.self), input + 1)
            }
            guard initialized == 1 else { throw CryptoError.openSSL("AES-256-GCM initialisation failed") }
            try feedAssociatedData(associatedData, context: context, encrypting: false)
            let cipherStart = input + 1 + nonceSize
            try plaintext.withUnsafeMutableBytes { outBuffer in
                let out = outBuffer.baseAddress?.assumingMemoryBound(to: UInt8.self)
                var offset = 0
                while offset < cipherLength {
                    let length = min(chunkSize, cipherLength - offset)
                    var produced: Int32 = 0
                    guard EVP_DecryptUpdate(context, out! + offset, &produced, cipherStart + offset, Int32(length)) == 1
                    else { throw CryptoError.openSSL("AES-256-GCM decryption failed") }
                    offset += length
                }
                let tag = UnsafeMutableRawPointer(mutating: cipherStart + cipherLength)
                guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(tagSize), tag) == 1 else {
                    throw CryptoError.openSSL("AES-256-GCM tag setup failed")
                }
                var produced: Int32 = 0
                var scratch = [UInt8](repeating: 0, count: 16)
                guard EVP_DecryptFinal_ex(context, &scratch, &produced) == 1 else {
                    _ = OpenSSLErrorQueue.drain()
                    throw CryptoError(.malformedInput, "the sealed data fails its authentication tag (altered, or the wrong key)")
                }
            }
        }
        return plaintext
    }

    /// One AES-256-GCM encryption under a caller-chosen 96-bit nonce (SP 800-38D § 8.2.1, deterministic
    /// construction): `ciphertext ‖ tag (16)`, no header. For chunked formats (the STREAM construction) whose nonces
    /// are a per-message random prefix and a chunk counter; the caller must never reuse a nonce under one key.
    public static func seal(_ plaintext: Data, key: Data, nonce: Data, associatedData: Data) throws -> Data {
        guard key.count == keySize else { throw CryptoError(.refused, "an AES-256 key is 32 bytes, got \(key.count)") }
        guard nonce.count == nonceSize else { throw CryptoError(.refused, "an AES-GCM nonce here is 12 bytes, got \(nonce.count)") }
        guard plaintext.count < chunkSize else { throw CryptoError(.refused, "a chunk is at most \(chunkSize) bytes") }
        OpenSSLRuntime.ensureInitialized()
        guard let context = EVP_CIPHER_CTX_new() else { throw CryptoError.openSSL("cannot allocate a cipher context") }
        defer { EVP_CIPHER_CTX_free(context) }
        var output = Data(count: plaintext.count + tagSize)
        try output.withUnsafeMutableBytes { outBuffer in
            let out = outBuffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let initialized = key.withUnsafeBytes { keyBytes in
                nonce.withUnsafeBytes { nonceBytes in
                    EVP_EncryptInit_ex(
                        context, EVP_aes_256_gcm(), nil, keyBytes.baseAddress!.assumingMemoryBound(to: UInt8.self),
                        nonceBytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
            }
            guard initialized == 1 else { throw CryptoError.openSSL("AES-256-GCM initialisation failed") }
            try feedAssociatedData(associatedData, context: context, encrypting: true)
            var written: Int32 = 0
            if !plaintext.isEmpty {
                let status = plaintext.withUnsafeBytes { input in
                    EVP_EncryptUpdate(
                        context, out, &written, input.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(input.count))
                }
                guard status == 1 else { throw CryptoError.openSSL("AES-256-GCM encryption failed") }
            }
            var produced: Int32 = 0
            guard EVP_EncryptFinal_ex(context, out + Int(written), &produced) == 1 else {
                throw CryptoError.openSSL("AES-256-GCM encryption failed")
            }
            guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(tagSize), out + plaintext.count) == 1 else {
                throw CryptoError.openSSL("AES-256-GCM tag computation failed")
            }
        }
        return output
    }

    /// Opens `ciphertext ‖ tag` made by `seal(_:key:nonce:associatedData:)`; throws `malformedInput` when it was
    /// altered, or the key, nonce or associated data are wrong.
    public static func open(_ sealed: Data, key: Data, nonce: Data, associatedData: Data) throws -> Data {
        guard key.count == keySize else { throw CryptoError(.refused, "an AES-256 key is 32 bytes, got \(key.count)") }
        guard nonce.count == nonceSize else { throw CryptoError(.refused, "an AES-GCM nonce here is 12 bytes, got \(nonce.count)") }
        guard sealed.count >= tagSize, sealed.count - tagSize < chunkSize else {
            throw CryptoError(.malformedInput, "not an AES-256-GCM chunk (too short or too long)")
        }
        OpenSSLRuntime.ensureInitialized()
        guard let context = EVP_CIPHER_CTX_new() else { throw CryptoError.openSSL("cannot allocate a cipher context") }
        defer { EVP_CIPHER_CTX_free(context) }
        let cipherLength = sealed.count - tagSize
        var plaintext = Data(count: cipherLength)
        try sealed.withUnsafeBytes { sealedBuffer in
            let input = sealedBuffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let initialized = key.withUnsafeBytes { keyBytes in
                nonce.withUnsafeBytes { nonceBytes in
                    EVP_DecryptInit_ex(
                        context, EVP_aes_256_gcm(), nil, keyBytes.baseAddress!.assumingMemoryBound(to: UInt8.self),
                        nonceBytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
            }
            guard initialized == 1 else { throw CryptoError.openSSL("AES-256-GCM initialisation failed") }
            try feedAssociatedData(associatedData, context: context, encrypting: false)
            try plaintext.withUnsafeMutableBytes { outBuffer in
                var produced: Int32 = 0
                if cipherLength > 0 {
                    guard EVP_DecryptUpdate(
                        context, outBuffer.baseAddress!.assumingMemoryBound(to: UInt8.self), &produced, input, Int32(cipherLength)) == 1
                    else { throw CryptoError.openSSL("AES-256-GCM decryption failed") }
                }
                let tag = UnsafeMutableRawPointer(mutating: input + cipherLength)
                guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(tagSize), tag) == 1 else {
                    throw CryptoError.openSSL("AES-256-GCM tag setup failed")
                }
                var scratch = [UInt8](repeating: 0, count: 16)
                guard EVP_DecryptFinal_ex(context, &scratch, &produced) == 1 else {
                    _ = OpenSSLErrorQueue.drain()
                    throw CryptoError(.malformedInput, "the sealed data fails its authentication tag (altered, or the wrong key)")
                }
            }
        }
        return plaintext
    }

    private static func feedAssociatedData(_ associatedData: Data, context: OpaquePointer, encrypting: Bool) throws {
        guard !associatedData.isEmpty else { return }
        var produced: Int32 = 0
        let status = associatedData.withUnsafeBytes { bytes in
            let pointer = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
            return encrypting
                ? EVP_EncryptUpdate(context, nil, &produced, pointer, Int32(bytes.count))
                : EVP_DecryptUpdate(context, nil, &produced, pointer, Int32(bytes.count))
        }
        guard status == 1 else { throw CryptoError.openSSL("AES-256-GCM associated data rejected") }
    }
}
