internal import COpenSSL
import Foundation

/// A CMS attribute (RFC 5652 § 5.3): a type and its values, each value as its complete DER TLV.
public struct CMSAttribute: Hashable, Sendable {
    public let oid: String
    public let values: [Data]

    public init(oid: String, values: [Data]) {
        self.oid = oid
        self.values = values
    }

    /// Attribute type OIDs this project reads or writes.
    public enum OID {
        public static let contentType = "1.2.840.113549.1.9.3"
        public static let messageDigest = "1.2.840.113549.1.9.4"
        public static let signingTime = "1.2.840.113549.1.9.5"
        /// RFC 2634 ESS signingCertificate (SHA-1 cert hash).
        public static let signingCertificate = "1.2.840.113549.1.9.16.2.12"
        /// RFC 5035 ESS signingCertificateV2.
        public static let signingCertificateV2 = "1.2.840.113549.1.9.16.2.47"
        /// RFC 3161 / CAdES-T id-aa-signatureTimeStampToken.
        public static let signatureTimeStampToken = "1.2.840.113549.1.9.16.2.14"
        /// CAdES id-aa-ets-certValues.
        public static let certValues = "1.2.840.113549.1.9.16.2.23"
        /// CAdES id-aa-ets-revocationValues.
        public static let revocationValues = "1.2.840.113549.1.9.16.2.24"
        public static let data = "1.2.840.113549.1.7.1"
        public static let signedData = "1.2.840.113549.1.7.2"
        public static let tstInfo = "1.2.840.113549.1.9.16.1.4"
    }
}

/// Decoders for the few attribute value types CMS signatures carry.
enum AttributeValue {
    static func octetString(_ tlv: Data) -> Data? {
        // A short OCTET STRING (a message digest) without a header walk.
        if tlv.count >= 2, tlv.count < 0x82, tlv[tlv.startIndex] == 0x04, Int(tlv[tlv.startIndex + 1]) == tlv.count - 2 {
            return Data(tlv.dropFirst(2))
        }
        let bytes = tlv.byteArray
        guard let node = try? DER.node(in: bytes, at: 0), node.tag == 0x04 else { return nil }
        return Data(bytes[node.contentRange])
    }

    static func objectIdentifier(_ tlv: Data) -> String? {
        // A short primitive OID every signature carries (the content type) is read from the table.
        if tlv.count >= 2, tlv.count < 0x80, tlv[tlv.startIndex] == 0x06, Int(tlv[tlv.startIndex + 1]) == tlv.count - 2,
            let known = KnownObjectIdentifiers.name(of: [UInt8](tlv.dropFirst(2))[...])
        {
            return known
        }
        return tlv.withUnsafeBytes { raw -> String? in
            guard let base = raw.bindMemory(to: UInt8.self).baseAddress else { return nil }
            var cursor: UnsafePointer<UInt8>? = base
            guard let object = d2i_ASN1_OBJECT(nil, &cursor, raw.count) else {
                OpenSSLErrorQueue.clear()
                return nil
            }
            defer { ASN1_OBJECT_free(object) }
            return ASN1Conversions.oid(object)
        }
    }

    /// UTCTime or GeneralizedTime.
    static func time(_ tlv: Data) -> Date? {
        if let common = commonTime(tlv) { return common }
        return openSSLTime(tlv)
    }

    /// The two forms RFC 5280 § 4.1.2.5 allows and every signer writes, `YYMMDDHHMMSSZ` (UTCTime; YY < 50 is 20YY)
    /// and `YYYYMMDDHHMMSSZ` (GeneralizedTime), read directly; nil for anything else, which OpenSSL then reads
    /// (fractions, offsets, no seconds) or refuses. A test holds the two readers to the same answers.
    static func commonTime(_ tlv: Data) -> Date? {
        tlv.withUnsafeBytes { raw -> Date? in
            let bytes = raw.bindMemory(to: UInt8.self)
            guard bytes.count == 15 || bytes.count == 17 else { return nil }
            let generalized = bytes.count == 17
            guard bytes[0] == (generalized ? 0x18 : 0x17), Int(bytes[1]) == bytes.count - 2, bytes[bytes.count - 1] == UInt8(ascii: "Z")
            else { return nil }
            var cursor = 2
            func digits(_ count: Int) -> Int? {
                var value = 0
                for _ in 0..<count {
                    let digit = Int(bytes[cursor]) - 48
                    guard (0...9).contains(digit) else { return nil }
                    value = value * 10 + digit
                    cursor += 1
                }
                return value
            }
            guard var year = digits(generalized ? 4 : 2), let month = digits(2), let day = digits(2), let hour = digits(2),
                let minute = digits(2), let second = digits(2)
            else { return nil }
            if !generalized { year += year < 50 ? 2000 : 1900 }
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            let monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            guard (1...12).contains(month), day >= 1, day <= monthDays[month - 1], hour < 24, minute < 60, second < 60 else { return nil }
            // Days from 1970-01-01 to the civil date (H. Hinnant's days_from_civil).
            let shifted = month <= 2 ? year - 1 : year
            let era = (shifted >= 0 ? shifted : shifted - 399) / 400
            let yearOfEra = shifted - era * 400
            let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
            let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
            let days = era * 146_097 + dayOfEra - 719_468
            return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + hour * 3_600 + minute * 60 + second))
        }
    }

    static func openSSLTime(_ tlv: Data) -> Date? {
        tlv.withUnsafeBytes { raw -> Date? in
            guard let base = raw.bindMemory(to: UInt8.self).baseAddress else { return nil }
            var cursor: UnsafePointer<UInt8>? = base
            guard let time = d2i_ASN1_TIME(nil, &cursor, raw.count) else {
                OpenSSLErrorQueue.clear()
                return nil
            }
            defer { ASN1_STRING_free(time) }
            return ASN1Conversions.date(time)
        }
    }
}

/// One ESSCertID / ESSCertIDv2 entry: which certificate the signer bound into its signature.
public struct SigningCertificateReference: Hashable, Sendable {
    public let hashAlgorithm: DigestAlgorithm?
    public let hashAlgorithmOID: String
    public let certificateHash: Data

    /// RFC 5035 § 5.4: SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies ... }
    /// ESSCertIDv2 ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier DEFAULT sha256, certHash OCTET STRING, issuerSerial ... }
    /// RFC 2634 § 5.4: ESSCertID ::= SEQUENCE { certHash OCTET STRING (SHA-1), issuerSerial ... }
    static func parse(_ tlv: Data, version2: Bool) -> [SigningCertificateReference] {
        let bytes = tlv.byteArray
        guard let outer = try? DER.node(in: bytes, at: 0),
            let outerFields = try? DER.children(of: outer, in: bytes),
            let certs = outerFields.first, certs.tag == 0x30,
            let ids = try? DER.children(of: certs, in: bytes)
        else { return [] }
        return ids.compactMap { id in
            guard let fields = try? DER.children(of: id, in: bytes), !fields.isEmpty else { return nil }
            var algorithmOID = version2 ? DigestAlgorithm.sha256.oid : DigestAlgorithm.sha1.oid
            var position = 0
            if version2, fields[0].tag == 0x30 {
                if let algorithmFields = try? DER.children(of: fields[0], in: bytes), let oidNode = algorithmFields.first,
                    let oid = AttributeValue.objectIdentifier(Data(bytes[oidNode.range]))
                {
                    algorithmOID = oid
                }
                position = 1
            }
            guard position < fields.count, fields[position].tag == 0x04 else { return nil }
            return SigningCertificateReference(
                hashAlgorithm: DigestAlgorithm(oid: algorithmOID), hashAlgorithmOID: algorithmOID,
                certificateHash: Data(bytes[fields[position].contentRange]))
        }
    }

    public func matches(_ certificate: Certificate) -> Bool {
        // SHA-256 (the ESSCertIDv2 default) is the certificate's remembered fingerprint.
        if hashAlgorithm == .sha256 { return certificate.sha256Fingerprint == certificateHash }
        guard let hashAlgorithm, let digest = try? Digest.hash(certificate.derEncoded, algorithm: hashAlgorithm) else { return false }
        return digest == certificateHash
    }
}
