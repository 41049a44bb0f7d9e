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

/// AES-256-GCM (NIST SP 800-38D) through OpenSSL EVP.
///
/// Two layouts share one EVP implementation: the whole box `0x01 ‖ nonce (12) ‖ ciphertext ‖ tag (16)` with a fresh
/// random 96-bit nonce (`seal(_:key:associatedData:)`), and the headerless `ciphertext ‖ tag` under a caller-chosen
/// nonce for chunked formats (`seal(_:key:nonce:associatedData:)`). The associated data binds a sealed box to where it
/// belongs (e.g. the object id of a blob), so a box moved elsewhere fails to open.
public enum AES256GCM {
    public static let keySize = 32
    static let formatVersion: UInt8 = 1
    static let nonceSize = 12
    static let tagSize = 16
    /// EVP's update functions take an `int` length, so longer inputs go through in pieces of this size.
    static let updateSize = 1 << 26

    public static var overhead: Int { 1 + nonceSize + tagSize }

    public static func generateKey() throws -> Data { try SecureRandom.bytes(keySize) }

    /// Seals under a fresh random nonce (SP 800-38D § 8.2.2) into the whole-box layout.
    public static func seal(_ plaintext: Data, key: Data, associatedData: Data = Data()) throws -> Data {
        try requireKey(key)
        let nonce = try SecureRandom.bytes(nonceSize)
        return try seal(plaintext, key: key, nonce: nonce, associatedData: associatedData, header: Data([formatVersion]) + nonce)
    }

    /// Opens a sealed box; throws `malformedInput` when it was altered, or the key or associated data are wrong.
    public static func open(_ sealed: Data, key: Data, associatedData: Data = Data()) throws -> Data {
        try requireKey(key)
        guard sealed.count >= overhead, sealed.first == formatVersion else {
            throw CryptoError(.malformedInput, "not an AES-256-GCM sealed box (too short or unknown format)")
        }
        let nonceStart = sealed.startIndex + 1
        let cipherStart = nonceStart + nonceSize
        return try open(
            sealed[cipherStart...], key: key, nonce: sealed[nonceStart..<cipherStart], associatedData: associatedData)
    }

    /// One AES-256-GCM encryption under a caller-chosen 96-bit nonce (SP 800-38D § 8.2.1, deterministic
    /// construction): `ciphertext ‖ tag (16)`, no header. For chunked formats (the STREAM construction) whose nonces
    /// are a per-message random prefix and a chunk counter; the caller must never reuse a nonce under one key.
    public static func seal(_ plaintext: Data, key: Data, nonce: Data, associatedData: Data) throws -> Data {
        try seal(plaintext, key: key, nonce: nonce, associatedData: associatedData, header: Data())
    }

    /// Opens `ciphertext ‖ tag` made by `seal(_:key:nonce:associatedData:)`; throws `malformedInput` when it was
    /// altered, or the key, nonce or associated data are wrong.
    public static func open(_ sealed: Data, key: Data, nonce: Data, associatedData: Data) throws -> Data {
        try requireKey(key)
        try requireNonce(nonce)
        guard sealed.count >= tagSize else {
            throw CryptoError(.malformedInput, "not an AES-256-GCM sealed box (shorter than its tag)")
        }
        OpenSSLRuntime.ensureInitialized()
        guard let context = EVP_CIPHER_CTX_new() else { throw CryptoError.openSSL("cannot allocate a cipher context") }
        defer { EVP_CIPHER_CTX_free(context) }
        let cipherLength = sealed.count - tagSize
        var plaintext = Data(count: cipherLength)
        try sealed.withUnsafeBytes { sealedBuffer in
            let input = sealedBuffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            try initialize(context, key: key, nonce: nonce, encrypting: false)
            try feedAssociatedData(associatedData, context: context, encrypting: false)
            try plaintext.withUnsafeMutableBytes { outBuffer in
                if cipherLength > 0 {
                    _ = try update(
                        context, from: input, count: cipherLength,
                        into: outBuffer.baseAddress!.assumingMemoryBound(to: UInt8.self), encrypting: false)
                }
                let tag = UnsafeMutableRawPointer(mutating: input + cipherLength)
                guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(tagSize), tag) == 1 else {
                    throw CryptoError.openSSL("AES-256-GCM tag setup failed")
                }
                // GCM's final step writes nothing; EVP still wants somewhere it could.
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

    /// `header ‖ ciphertext ‖ tag` in one allocation, so the whole box costs no copy of its ciphertext.
    private static func seal(_ plaintext: Data, key: Data, nonce: Data, associatedData: Data, header: Data) throws -> Data {
        try requireKey(key)
        try requireNonce(nonce)
        OpenSSLRuntime.ensureInitialized()
        guard let context = EVP_CIPHER_CTX_new() else { throw CryptoError.openSSL("cannot allocate a cipher context") }
        defer { EVP_CIPHER_CTX_free(context) }
        var output = Data(count: header.count + plaintext.count + tagSize)
        try output.withUnsafeMutableBytes { outBuffer in
            let out = outBuffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            header.copyBytes(to: out, count: header.count)
            try initialize(context, key: key, nonce: nonce, encrypting: true)
            try feedAssociatedData(associatedData, context: context, encrypting: true)
            var written = header.count
            if !plaintext.isEmpty {
                written += try plaintext.withUnsafeBytes { input in
                    try update(
                        context, from: input.baseAddress!.assumingMemoryBound(to: UInt8.self), count: input.count,
                        into: out + written, encrypting: true)
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

    private static func requireKey(_ key: Data) throws {
        guard key.count == keySize else { throw CryptoError(.refused, "an AES-256 key is 32 bytes, got \(key.count)") }
    }

    private static func requireNonce(_ nonce: Data) throws {
        guard nonce.count == nonceSize else { throw CryptoError(.refused, "an AES-GCM nonce here is 12 bytes, got \(nonce.count)") }
    }

    private static func initialize(_ context: OpaquePointer, key: Data, nonce: Data, encrypting: Bool) throws {
        let status = key.withUnsafeBytes { keyBytes in
            nonce.withUnsafeBytes { nonceBytes in
                let keyPointer = keyBytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
                let noncePointer = nonceBytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
                return encrypting
                    ? EVP_EncryptInit_ex(context, EVP_aes_256_gcm(), nil, keyPointer, noncePointer)
                    : EVP_DecryptInit_ex(context, EVP_aes_256_gcm(), nil, keyPointer, noncePointer)
            }
        }
        guard status == 1 else { throw CryptoError.openSSL("AES-256-GCM initialisation failed") }
    }

    /// Runs `count` bytes through the cipher in `updateSize` pieces; returns the bytes written (GCM writes as it reads).
    private static func update(
        _ context: OpaquePointer, from input: UnsafePointer<UInt8>, count: Int, into output: UnsafeMutablePointer<UInt8>,
        encrypting: Bool
    ) throws -> Int {
        var offset = 0
        var written = 0
        while offset < count {
            let length = min(updateSize, count - offset)
            var produced: Int32 = 0
            let status = encrypting
                ? EVP_EncryptUpdate(context, output + written, &produced, input + offset, Int32(length))
                : EVP_DecryptUpdate(context, output + written, &produced, input + offset, Int32(length))
            guard status == 1 else {
                throw CryptoError.openSSL(encrypting ? "AES-256-GCM encryption failed" : "AES-256-GCM decryption failed")
            }
            written += Int(produced)
            offset += length
        }
        return written
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
