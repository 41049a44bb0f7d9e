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
