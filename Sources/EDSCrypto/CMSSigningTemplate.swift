internal import COpenSSL
import Foundation
import Synchronization

/// A detached CAdES-BES SignedData for one signing key, certificate and chain, as OpenSSL first produced it, with
/// the places a new document changes: per document only messageDigest, signingTime and the signature value are
/// new (issue 11). The certificate set, ESS signingCertificateV2, contentType and every identifier are the bytes
/// OpenSSL encoded; the enclosing lengths are re-encoded in DER (RFC 5652 § 5.1, § 5.3, § 5.4).
///
/// A signature from the template is byte-for-byte what the OpenSSL path gives for the same document and signing
/// time (RSA PKCS#1 v1.5 is deterministic, so the tests compare whole files).
final class CMSSigningTemplate: @unchecked Sendable {
    /// What the template depends on besides the key it is stored with.
    struct Key: Hashable {
        let certificate: Data
        let chain: [Data]
        let digest: DigestAlgorithm
        let signingCertificateAttribute: Bool
    }

    /// ContentInfo.contentType (id-signedData) TLV.
    private let contentType: [UInt8]
    /// SignedData's fields before signerInfos: version, digestAlgorithms, encapContentInfo, certificates.
    private let signedDataHead: [UInt8]
    /// SignerInfo's version, sid and digestAlgorithm TLVs.
    private let signerHead: [UInt8]
    /// The signed attributes' contents (the DER-sorted attributes), with the values a document changes in place.
    private let attributes: [UInt8]
    private let messageDigestRange: Range<Int>
    private let signingTimeRange: Range<Int>
    /// SignerInfo.signatureAlgorithm TLV.
    private let signatureAlgorithm: [UInt8]
    private let digest: DigestAlgorithm
    /// `digest`'s implementation, fetched once per process (`FetchedDigests`).
    private let fetchedDigest: OpaquePointer
    private let key: OpaquePointer
    /// Signing contexts initialised once (EVP_PKEY_sign_init, padding and digest): one per concurrent signer.
    private let contexts = Mutex<[SigningContext]>([])

    /// An EVP_PKEY_CTX, used by one thread at a time (taken from the pool, put back after).
    private struct SigningContext: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    /// Reads the template out of `signedData`, OpenSSL's encoding of a signature by `key` whose messageDigest is
    /// `messageDigest`; nil when it is not the plain shape this fast path reproduces (then OpenSSL keeps signing).
    init?(signedData: Data, messageDigest: Data, digest: DigestAlgorithm, key: PrivateKey) {
        guard EVP_PKEY_is_a(key.pointer, "RSA") == 1 || EVP_PKEY_is_a(key.pointer, "EC") == 1, digest.evp != nil else { return nil }
        let bytes = [UInt8](signedData)
        guard let contentInfo = try? DER.node(in: bytes, at: 0), contentInfo.tag == 0x30, contentInfo.range == 0..<bytes.count,
            let outer = try? DER.children(of: contentInfo, in: bytes), outer.count == 2, outer[1].tag == 0xa0,
            let explicit = try? DER.children(of: outer[1], in: bytes), explicit.count == 1, explicit[0].tag == 0x30,
            let fields = try? DER.children(of: explicit[0], in: bytes), fields.count >= 4, let signerSet = fields.last, signerSet.tag == 0x31,
            // Detached (encapContentInfo holds the content type only) and no crls: nothing else varies per document.
            let encapsulated = try? DER.children(of: fields[2], in: bytes), encapsulated.count == 1,
            !fields.contains(where: { $0.tag == 0xa1 }),
            let signers = try? DER.children(of: signerSet, in: bytes), signers.count == 1,
            let signerFields = try? DER.children(of: signers[0], in: bytes), signerFields.count == 6,
            signerFields[3].tag == 0xa0, signerFields[4].tag == 0x30, signerFields[5].tag == 0x04,
            let attributeList = try? DER.children(of: signerFields[3], in: bytes)
        else { return nil }
        var messageDigestRange: Range<Int>?
        var signingTimeRange: Range<Int>?
        let base = signerFields[3].contentRange.lowerBound
        for attribute in attributeList {
            guard let parts = try? DER.children(of: attribute, in: bytes), parts.count == 2, parts[1].tag == 0x31,
                let values = try? DER.children(of: parts[1], in: bytes), values.count == 1
            else { return nil }
            let oid = Array(bytes[parts[0].range])
            if oid == Self.messageDigestOID, values[0].tag == 0x04 {
                messageDigestRange = (values[0].contentRange.lowerBound - base)..<(values[0].contentRange.upperBound - base)
            } else if oid == Self.signingTimeOID, values[0].tag == 0x17 || values[0].tag == 0x18 {
                signingTimeRange = (values[0].range.lowerBound - base)..<(values[0].range.upperBound - base)
            }
        }
        guard let messageDigestRange, let signingTimeRange,
            Array(bytes[(base + messageDigestRange.lowerBound)..<(base + messageDigestRange.upperBound)]) == [UInt8](messageDigest),
            let fetchedDigest = digest.fetched
        else { return nil }
        self.contentType = Array(bytes[outer[0].range])
        self.signedDataHead = fields.dropLast().flatMap { bytes[$0.range] }
        self.signerHead = signerFields[0..<3].flatMap { bytes[$0.range] }
        self.attributes = Array(bytes[signerFields[3].contentRange])
        self.messageDigestRange = messageDigestRange
        self.signingTimeRange = signingTimeRange
        self.signatureAlgorithm = Array(bytes[signerFields[4].range])
        self.digest = digest
        self.fetchedDigest = fetchedDigest
        EVP_PKEY_up_ref(key.pointer)
        self.key = key.pointer
    }

    /// The SignedData for a document whose digest is `messageDigest`, signed at `signingTime`; nil when this
    /// template cannot express it (a time GeneralizedTime must encode where the template has UTCTime, or the
    /// reverse), so the caller signs through OpenSSL instead.
    func sign(messageDigest: Data, signingTime: Date) throws -> Data? {
        guard messageDigest.count == messageDigestRange.count,
            let time = Self.encodeTime(signingTime), time.count == signingTimeRange.count, time[0] == attributes[signingTimeRange.lowerBound]
        else { return nil }
        var attributes = self.attributes
        attributes.replaceSubrange(messageDigestRange, with: messageDigest)
        attributes.replaceSubrange(signingTimeRange, with: time)
        // RFC 5652 § 5.4: the signature covers the attributes' DER with the SET OF tag.
        var covered = Self.header(tag: 0x31, length: attributes.count)
        covered += attributes
        let signature = try signature(over: covered)

        let signedAttributesLength = Self.headerLength(attributes.count) + attributes.count
        let signatureLength = Self.headerLength(signature.count) + signature.count
        let signerInfoContents = signerHead.count + signedAttributesLength + signatureAlgorithm.count + signatureLength
        let signerInfoLength = Self.headerLength(signerInfoContents) + signerInfoContents
        let signerSetLength = Self.headerLength(signerInfoLength) + signerInfoLength
        let signedDataContents = signedDataHead.count + signerSetLength
        let signedDataLength = Self.headerLength(signedDataContents) + signedDataContents
        let explicitLength = Self.headerLength(signedDataLength) + signedDataLength
        let contentInfoContents = contentType.count + explicitLength

        var out: [UInt8] = []
        out.reserveCapacity(Self.headerLength(contentInfoContents) + contentInfoContents)
        out += Self.header(tag: 0x30, length: contentInfoContents)
        out += contentType
        out += Self.header(tag: 0xa0, length: signedDataLength)
        out += Self.header(tag: 0x30, length: signedDataContents)
        out += signedDataHead
        out += Self.header(tag: 0x31, length: signerInfoLength)
        out += Self.header(tag: 0x30, length: signerInfoContents)
        out += signerHead
        out += Self.header(tag: 0xa0, length: attributes.count)
        out += attributes
        out += signatureAlgorithm
        out += Self.header(tag: 0x04, length: signature.count)
        out += signature
        return Data(out)
    }

    /// The key's signature over the digest of `message`: RSA PKCS#1 v1.5 or ECDSA, as CMS_SignerInfo_sign makes them,
    /// with a context initialised once instead of EVP_DigestSignInit's provider look-ups on every document.
    private func signature(over message: [UInt8]) throws -> [UInt8] {
        let hash = try message.withUnsafeBytes { try self.hash($0) }
        let hashLength = hash.count
        let taken = try takeContext()
        defer {
            let surplus = contexts.withLock { pool -> SigningContext? in
                guard pool.count < 8 else { return taken }
                pool.append(taken)
                return nil
            }
            if let surplus { EVP_PKEY_CTX_free(surplus.pointer) }
        }
        let context = taken.pointer
        var length = 0
        guard EVP_PKEY_sign(context, nil, &length, hash, hashLength) == 1 else { throw CryptoError.openSSL("signing failed") }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_sign(context, &signature, &length, hash, hashLength) == 1 else { throw CryptoError.openSSL("signing failed") }
        signature.removeSubrange(length...)
        return signature
    }

    private func takeContext() throws -> SigningContext {
        if let pooled = contexts.withLock({ $0.popLast() }) { return pooled }
        guard let context = EVP_PKEY_CTX_new(key, nil) else { throw CryptoError.openSSL("cannot allocate a signing context") }
        guard EVP_PKEY_sign_init(context) == 1, EVP_PKEY_CTX_set_signature_md(context, digest.evp) == 1 else {
            EVP_PKEY_CTX_free(context)
            throw CryptoError.openSSL("cannot initialise signing")
        }
        return SigningContext(pointer: context)
    }

    /// RFC 5652 § 11.3: UTCTime for 1950–2049, GeneralizedTime otherwise, in whole seconds (as ASN1_TIME_set).
    static func encodeTime(_ date: Date) -> [UInt8]? {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil else { return nil }
        let year = Int(parts.tm_year) + 1900
        guard year >= 0 && year <= 9999 else { return nil }
        let utc = year >= 1950 && year < 2050
        var out: [UInt8] = utc ? [0x17, 13] : [0x18, 15]
        func digits(_ value: Int, _ count: Int) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            while divisor > 0 {
                out.append(0x30 + UInt8(value / divisor % 10))
                divisor /= 10
            }
        }
        if utc { digits(year % 100, 2) } else { digits(year, 4) }
        for field in [parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec] { digits(Int(field), 2) }
        out.append(0x5A)
        return out
    }

    /// The digest of `bytes` with an EVP_MD fetched once (OpenSSL 3.0 fetches the implementation again on every
    /// EVP_DigestInit with the legacy EVP_sha256() handle).
    func hash(_ bytes: UnsafeRawBufferPointer) throws -> [UInt8] {
        var hash = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var hashLength: UInt32 = 0
        guard EVP_Digest(bytes.baseAddress, bytes.count, &hash, &hashLength, fetchedDigest, nil) == 1 else {
            throw CryptoError.openSSL("cannot compute the digest")
        }
        hash.removeSubrange(Int(hashLength)...)
        return hash
    }

    static func headerLength(_ length: Int) -> Int {
        if length < 0x80 { return 2 }
        var bytes = 0
        var remaining = length
        while remaining > 0 {
            bytes += 1
            remaining >>= 8
        }
        return 2 + bytes
    }

    static func header(tag: UInt8, length: Int) -> [UInt8] {
        if length < 0x80 { return [tag, UInt8(length)] }
        var lengthBytes: [UInt8] = []
        var remaining = length
        while remaining > 0 {
            lengthBytes.insert(UInt8(remaining & 0xff), at: 0)
            remaining >>= 8
        }
        return [tag, 0x80 | UInt8(lengthBytes.count)] + lengthBytes
    }

    deinit {
        for context in contexts.withLock({ $0 }) { EVP_PKEY_CTX_free(context.pointer) }
        EVP_PKEY_free(key)
    }

    /// id-messageDigest (1.2.840.113549.1.9.4) and id-signingTime (1.2.840.113549.1.9.5) as OID TLVs.
    static let messageDigestOID: [UInt8] = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04]
    static let signingTimeOID: [UInt8] = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05]
}
