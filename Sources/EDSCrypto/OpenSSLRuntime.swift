internal import COpenSSL
import Foundation

/// Process-wide OpenSSL set-up: the default provider plus the legacy one, which NCA RK key files need
/// (their PKCS#12 bags are encrypted with RC2-40).
enum OpenSSLRuntime {
    private static let providersLoaded: Bool = {
        // Loading "legacy" explicitly disables the implicit default provider, so both are loaded.
        let defaultProvider = OSSL_PROVIDER_load(nil, "default")
        let legacyProvider = OSSL_PROVIDER_load(nil, "legacy")
        OpenSSLErrorQueue.clear()
        return defaultProvider != nil && legacyProvider != nil
    }()

    static func ensureInitialized() {
        _ = providersLoaded
    }

    static var legacyProviderAvailable: Bool { providersLoaded }
}

/// A memory BIO over bytes, freed on scope exit.
final class MemoryBIO {
    let pointer: OpaquePointer

    init(_ data: Data) throws {
        let bio = data.withUnsafeBytes { raw -> OpaquePointer? in
            // BIO_new_mem_buf is read-only and does not copy: copy into a writable BIO instead,
            // so the Data buffer may go away.
            guard let bio = BIO_new(BIO_s_mem()) else { return nil }
            if raw.count > 0 {
                guard BIO_write(bio, raw.baseAddress, Int32(raw.count)) == Int32(raw.count) else {
                    BIO_free(bio)
                    return nil
                }
            }
            return bio
        }
        guard let bio else { throw CryptoError.openSSL("cannot allocate a memory BIO") }
        self.pointer = bio
    }

    init() throws {
        guard let bio = BIO_new(BIO_s_mem()) else { throw CryptoError.openSSL("cannot allocate a memory BIO") }
        self.pointer = bio
    }

    deinit { BIO_free(pointer) }

    var contents: Data {
        var start: UnsafeMutablePointer<CChar>?
        let length = eds_bio_get_mem_data(pointer, &start)
        guard let start, length > 0 else { return Data() }
        return Data(bytes: start, count: length)
    }
}

extension Data {
    /// Bytes as lower-case hex.
    public var hexString: String {
        // Over the contiguous bytes: Data's own iterator costs more than the formatting.
        withUnsafeBytes { raw in
            String(unsafeUninitializedCapacity: raw.count * 2) { out in
                let digits: StaticString = "0123456789abcdef"
                let table = digits.utf8Start
                for (index, byte) in raw.enumerated() {
                    out[2 * index] = table[Int(byte >> 4)]
                    out[2 * index + 1] = table[Int(byte & 0x0f)]
                }
                return raw.count * 2
            }
        }
    }
}

enum ASN1Conversions {
    /// An ASN1_TIME (UTCTime or GeneralizedTime) as a Date.
    static func date(_ time: UnsafePointer<ASN1_STRING>?) -> Date? {
        guard let time else { return nil }
        var components = tm()
        guard ASN1_TIME_to_tm(time, &components) == 1 else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&components)))
    }

    /// Bytes of an ASN1_STRING (OCTET STRING, BIT STRING, INTEGER contents...).
    static func bytes(_ string: UnsafePointer<ASN1_STRING>?) -> Data {
        guard let string, let start = ASN1_STRING_get0_data(string) else { return Data() }
        return Data(bytes: start, count: Int(ASN1_STRING_length(string)))
    }

    /// A UTF-8 rendering of any ASN.1 string type (UTF8String, PrintableString, BMPString...).
    static func utf8(_ string: UnsafePointer<ASN1_STRING>?) -> String? {
        guard let string else { return nil }
        var out: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&out, string)
        guard length >= 0, let out else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        defer { eds_openssl_free(out) }
        return String(decoding: UnsafeBufferPointer(start: out, count: Int(length)), as: UTF8.self)
    }

    /// The dotted form of an OID.
    static func oid(_ object: OpaquePointer?) -> String {
        guard let object else { return "" }
        var buffer = [CChar](repeating: 0, count: 128)
        let length = OBJ_obj2txt(&buffer, Int32(buffer.count), object, 1)
        guard length > 0 else { return "" }
        if Int(length) >= buffer.count {
            buffer = [CChar](repeating: 0, count: Int(length) + 1)
            OBJ_obj2txt(&buffer, Int32(buffer.count), object, 1)
        }
        return String(nullTerminated: buffer)
    }

    /// OpenSSL's short name for a NID, or nil for NID_undef.
    static func shortName(nid: Int32) -> String? {
        guard nid != NID_undef, let name = OBJ_nid2sn(nid) else { return nil }
        return String(cString: name)
    }

    /// An ASN1_INTEGER as upper-case hex without leading zeros (as certificate serials are shown).
    static func integerHex(_ integer: UnsafePointer<ASN1_STRING>?) -> String {
        guard let integer, let bignum = ASN1_INTEGER_to_BN(integer, nil) else { return "" }
        defer { BN_free(bignum) }
        guard let hex = BN_bn2hex(bignum) else { return "" }
        defer { eds_openssl_free(hex) }
        return String(cString: hex)
    }

    static func generalizedTime(_ date: Date) -> UnsafeMutablePointer<ASN1_STRING>? {
        ASN1_GENERALIZEDTIME_set(nil, time_t(date.timeIntervalSince1970))
    }
}

extension String {
    /// A C string held in a fixed-size buffer.
    init(nullTerminated buffer: [CChar]) {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self = String(decoding: bytes, as: UTF8.self)
    }
}
