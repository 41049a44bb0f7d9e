internal import COpenSSL

/// An X.509 Name as an ordered list of attributes, values decoded to UTF-8 (Cyrillic and Kazakh letters included).
public struct DistinguishedName: Hashable, Sendable, CustomStringConvertible {
    public struct Attribute: Hashable, Sendable {
        /// Dotted OID, e.g. "2.5.4.3".
        public let oid: String
        /// OpenSSL's short name ("CN", "SN", "serialNumber", "GN"...), or the OID when it has none.
        public let shortName: String
        public let value: String
    }

    public enum OID {
        public static let commonName = "2.5.4.3"
        public static let surname = "2.5.4.4"
        public static let serialNumber = "2.5.4.5"
        public static let country = "2.5.4.6"
        public static let locality = "2.5.4.7"
        public static let stateOrProvince = "2.5.4.8"
        public static let organization = "2.5.4.10"
        public static let organizationalUnit = "2.5.4.11"
        public static let givenName = "2.5.4.42"
        public static let emailAddress = "1.2.840.113549.1.9.1"
    }

    public let attributes: [Attribute]

    public init(attributes: [Attribute]) { self.attributes = attributes }

    init(name: OpaquePointer?) {
        guard let name else {
            self.attributes = []
            return
        }
        var result: [Attribute] = []
        let count = X509_NAME_entry_count(name)
        for index in 0..<count {
            guard let entry = X509_NAME_get_entry(name, index) else { continue }
            let object = X509_NAME_ENTRY_get_object(entry)
            let oid = ASN1Conversions.oid(object)
            let short = ASN1Conversions.shortName(nid: OBJ_obj2nid(object)) ?? oid
            let value = ASN1Conversions.utf8(X509_NAME_ENTRY_get_data(entry)) ?? ""
            result.append(Attribute(oid: oid, shortName: short, value: value))
        }
        self.attributes = result
    }

    /// The first value of an attribute type.
    public func first(_ oid: String) -> String? {
        attributes.first { $0.oid == oid }?.value
    }

    public func all(_ oid: String) -> [String] {
        attributes.filter { $0.oid == oid }.map(\.value)
    }

    public var commonName: String? { first(OID.commonName) }

    /// "CN=…, SN=…, …" in the certificate's own order.
    public var description: String {
        attributes.map { "\($0.shortName)=\($0.value)" }.joined(separator: ", ")
    }
}
