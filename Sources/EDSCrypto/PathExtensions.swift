internal import COpenSSL
import Foundation

/// An X.509 Name in the form RFC 5280 § 7.1 compares (RFC 4518 caseIgnoreMatch with insignificant space handling):
/// per RDN, its attributes as "OID=value" with string values converted to UTF-8, leading and trailing space removed,
/// inner runs of space folded to one, and case folded; the attributes of a multi-valued RDN in sorted order. Values
/// that are not strings compare by their bytes. Two names are the same name exactly when their keys are equal.
public struct NameKey: Hashable, Sendable, CustomStringConvertible {
    let relativeNames: [[String]]

    init(relativeNames: [[String]]) { self.relativeNames = relativeNames }

    /// From an OpenSSL X509_NAME.
    init(name: OpaquePointer?) {
        guard let name else {
            relativeNames = []
            return
        }
        var relativeNames: [[String]] = []
        var currentSet: Int32 = -1
        for index in 0..<X509_NAME_entry_count(name) {
            guard let entry = X509_NAME_get_entry(name, index) else { continue }
            let set = X509_NAME_ENTRY_set(entry)
            if set != currentSet || relativeNames.isEmpty {
                relativeNames.append([])
                currentSet = set
            }
            let oid = ASN1Conversions.oid(X509_NAME_ENTRY_get_object(entry))
            relativeNames[relativeNames.count - 1].append(oid + "=" + Self.canonicalValue(X509_NAME_ENTRY_get_data(entry)))
        }
        self.relativeNames = relativeNames.map { $0.sorted() }
    }

    /// From the DER of a Name (SEQUENCE OF RelativeDistinguishedName); nil when the bytes are not one.
    init?(der: ArraySlice<UInt8>) {
        let bytes = Array(der)
        let decoded: OpaquePointer? = bytes.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_X509_NAME(nil, &cursor, buffer.count)
        }
        guard let decoded else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        defer { X509_NAME_free(decoded) }
        self.init(name: decoded)
    }

    /// This name with one more RDN after its own (RFC 5280 § 4.2.1.13 nameRelativeToCRLIssuer).
    public func appending(_ other: NameKey) -> NameKey { NameKey(relativeNames: relativeNames + other.relativeNames) }

    public var description: String { relativeNames.map { $0.joined(separator: "+") }.joined(separator: ",") }

    private static let stringTypes: Set<Int32> = [
        V_ASN1_UTF8STRING, V_ASN1_PRINTABLESTRING, V_ASN1_T61STRING, V_ASN1_IA5STRING, V_ASN1_BMPSTRING,
        V_ASN1_UNIVERSALSTRING, V_ASN1_VISIBLESTRING, V_ASN1_NUMERICSTRING,
    ]

    private static func canonicalValue(_ value: UnsafeMutablePointer<ASN1_STRING>?) -> String {
        guard let value else { return "" }
        if stringTypes.contains(ASN1_STRING_type(value)), let text = ASN1Conversions.utf8(value) {
            // RFC 4518 § 2.6.1: insignificant space; § 2.4 case folding.
            let words = text.split(whereSeparator: { $0.isWhitespace })
            return words.joined(separator: " ").lowercased()
        }
        let bytes = UnsafeBufferPointer(start: ASN1_STRING_get0_data(value), count: Int(ASN1_STRING_length(value)))
        return "#\(ASN1_STRING_type(value)):" + bytes.map { String(format: "%02x", $0) }.joined()
    }
}

/// A GeneralName (RFC 5280 § 4.2.1.6) in the form names are matched in: directory names by `NameKey`, the rest by
/// their bytes.
public enum GeneralNameKey: Hashable, Sendable {
    case directory(NameKey)
    case uri(String)
    case other(tag: UInt8, bytes: [UInt8])
}

/// ReasonFlags (RFC 5280 § 4.2.1.13): the revocation reasons a CRL or a distribution point covers.
public struct RevocationReasons: OptionSet, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// Bits 1–8 of ReasonFlags (bit 0, unused, is not a reason): all-reasons of § 6.3.
    public static let all = RevocationReasons(rawValue: 0x1fe)

    /// From a BIT STRING's contents (first octet: unused bits), bit n of ReasonFlags being bit n of the string.
    init(bitString contents: ArraySlice<UInt8>) {
        var value: UInt16 = 0
        for (index, byte) in contents.dropFirst().prefix(2).enumerated() {
            for bit in 0..<8 where byte & (0x80 >> bit) != 0 { value |= 1 << (index * 8 + bit) }
        }
        rawValue = value & Self.all.rawValue
    }
}

/// DistributionPointName (RFC 5280 § 4.2.1.13): a full name, or an RDN relative to the CRL issuer.
public enum DistributionPointName: Hashable, Sendable {
    case fullName([GeneralNameKey])
    case relativeToIssuer(NameKey)

    /// The names this distribution point name stands for, `issuer` completing a relative name.
    public func names(relativeTo issuer: NameKey) -> [GeneralNameKey] {
        switch self {
        case .fullName(let names): names
        case .relativeToIssuer(let relative): [.directory(issuer.appending(relative))]
        }
    }
}

/// One DistributionPoint of a certificate's CRL Distribution Points or Freshest CRL extension.
public struct DistributionPoint: Hashable, Sendable {
    public let name: DistributionPointName?
    public let reasons: RevocationReasons?
    public let crlIssuer: [GeneralNameKey]?

    /// The URIs of the full name (where the CRL can be fetched).
    public var urls: [String] {
        guard case .fullName(let names) = name else { return [] }
        return names.compactMap { if case .uri(let url) = $0 { url } else { nil } }
    }
}

/// IssuingDistributionPoint (RFC 5280 § 5.2.5): the scope of a CRL.
public struct IssuingDistributionPoint: Hashable, Sendable {
    public var distributionPoint: DistributionPointName?
    public var onlyContainsUserCerts = false
    public var onlyContainsCACerts = false
    public var onlySomeReasons: RevocationReasons?
    public var indirectCRL = false
    public var onlyContainsAttributeCerts = false
}

/// What RFC 5280 path and revocation processing reads from a certificate's extensions (§ 4.2.1.4, .5, .11, .13,
/// .14, .15), decoded once per certificate object.
public struct PathExtensions: Sendable {
    public static let anyPolicy = "2.5.29.32.0"

    public let subject: NameKey
    public let issuer: NameKey
    /// certificatePolicies' policy identifiers (anyPolicy included); nil without the extension.
    public let policies: [String]?
    /// policyMappings as (issuerDomainPolicy, subjectDomainPolicy).
    public let policyMappings: [(issuerDomain: String, subjectDomain: String)]
    public let requireExplicitPolicy: Int?
    public let inhibitPolicyMapping: Int?
    public let inhibitAnyPolicy: Int?
    public let crlDistributionPoints: [DistributionPoint]
    public let freshestCRL: [DistributionPoint]
    public let authorityKeyIdentifier: [UInt8]?
    /// subjectKeyIdentifier (§ 4.2.1.2), the value an issued certificate's authorityKeyIdentifier names.
    public let subjectKeyIdentifier: [UInt8]?
    /// basicConstraints cA (RFC 5280 § 6.3.3 (b)(2)(ii)–(iii) asks who is a CA).
    public let isCertificateAuthority: Bool
    /// A policy-related extension that could not be read: the path that needs it cannot be validated.
    public let malformedExtension: String?

    init(_ certificate: OpaquePointer) {
        subject = NameKey(name: X509_get_subject_name(certificate))
        issuer = NameKey(name: X509_get_issuer_name(certificate))
        var malformed: String?
        func value(_ nid: Int32) -> [UInt8]? {
            let index = X509_get_ext_by_NID(certificate, nid, -1)
            guard index >= 0, let ext = X509_get_ext(certificate, index), let data = X509_EXTENSION_get_data(ext) else { return nil }
            return Array(UnsafeBufferPointer(start: ASN1_STRING_get0_data(data), count: Int(ASN1_STRING_length(data))))
        }
        func read<T>(_ nid: Int32, _ name: String, _ decode: ([UInt8]) throws -> T) -> T? {
            guard let bytes = value(nid) else { return nil }
            do { return try decode(bytes) } catch {
                malformed = malformed ?? name
                return nil
            }
        }
        policies = read(NID_certificate_policies, "certificatePolicies", ExtensionDecoder.policies)
        policyMappings = read(NID_policy_mappings, "policyMappings", ExtensionDecoder.policyMappings) ?? []
        let constraints = read(NID_policy_constraints, "policyConstraints", ExtensionDecoder.policyConstraints)
        requireExplicitPolicy = constraints?.requireExplicit
        inhibitPolicyMapping = constraints?.inhibitMapping
        inhibitAnyPolicy = read(NID_inhibit_any_policy, "inhibitAnyPolicy", ExtensionDecoder.skipCerts)
        crlDistributionPoints = read(NID_crl_distribution_points, "cRLDistributionPoints", ExtensionDecoder.distributionPoints) ?? []
        freshestCRL = read(NID_freshest_crl, "freshestCRL", ExtensionDecoder.distributionPoints) ?? []
        authorityKeyIdentifier = read(NID_authority_key_identifier, "authorityKeyIdentifier", ExtensionDecoder.keyIdentifier) ?? nil
        subjectKeyIdentifier = X509_get0_subject_key_id(certificate).map { identifier in
            Array(UnsafeBufferPointer(start: ASN1_STRING_get0_data(identifier), count: Int(ASN1_STRING_length(identifier))))
        }
        isCertificateAuthority = X509_check_ca(certificate) != 0
        malformedExtension = malformed
        OpenSSLErrorQueue.clear()
    }
}

extension Certificate {
    /// The extensions path and revocation processing read, decoded on first use.
    public var pathExtensions: PathExtensions { derived { PathExtensions($0.pointer) } }
}

/// Readers of the extension values RFC 5280 path and CRL processing need, over DER already inside a parsed
/// certificate or CRL (bounded by `DER`'s scanner).
enum ExtensionDecoder {
    struct Malformed: Error {}

    static func node(_ bytes: [UInt8], at offset: Int = 0) throws -> DER.Node {
        do { return try DER.node(in: bytes, at: offset) } catch { throw Malformed() }
    }

    static func children(_ node: DER.Node, _ bytes: [UInt8]) throws -> [DER.Node] {
        do { return try DER.children(of: node, in: bytes) } catch { throw Malformed() }
    }

    /// The whole input is one TLV with `tag`.
    static func top(_ bytes: [UInt8], tag: UInt8) throws -> DER.Node {
        let top = try node(bytes)
        guard top.tag == tag, top.range.upperBound == bytes.count else { throw Malformed() }
        return top
    }

    static func oid(_ node: DER.Node, _ bytes: [UInt8]) throws -> String {
        guard node.tag == 0x06 else { throw Malformed() }
        let whole = Array(bytes[node.range])
        let object: OpaquePointer? = whole.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_ASN1_OBJECT(nil, &cursor, buffer.count)
        }
        guard let object else {
            OpenSSLErrorQueue.clear()
            throw Malformed()
        }
        defer { ASN1_OBJECT_free(object) }
        return ASN1Conversions.oid(object)
    }

    /// A non-negative INTEGER small enough to count certificates (SkipCerts, § 4.2.1.11).
    static func smallInteger(_ contents: ArraySlice<UInt8>) throws -> Int {
        guard !contents.isEmpty, contents.first! & 0x80 == 0 else { throw Malformed() }
        let significant = contents.drop { $0 == 0 }
        // Anything past 2^31 is "never" for a path that is at most a few certificates long.
        guard significant.count <= 4 else { return Int(Int32.max) }
        return significant.reduce(0) { $0 << 8 | Int($1) }
    }

    /// certificatePolicies: SEQUENCE SIZE (1..MAX) OF PolicyInformation { policyIdentifier, qualifiers OPTIONAL }.
    static func policies(_ bytes: [UInt8]) throws -> [String] {
        let list = try children(try top(bytes, tag: 0x30), bytes)
        guard !list.isEmpty else { throw Malformed() }
        var seen: Set<String> = []
        return try list.map { information in
            guard information.tag == 0x30, let first = try children(information, bytes).first else { throw Malformed() }
            let policy = try oid(first, bytes)
            // § 4.2.1.4: a policy OID appears at most once.
            guard seen.insert(policy).inserted else { throw Malformed() }
            return policy
        }
    }

    /// PolicyMappings: SEQUENCE SIZE (1..MAX) OF SEQUENCE { issuerDomainPolicy, subjectDomainPolicy }.
    static func policyMappings(_ bytes: [UInt8]) throws -> [(issuerDomain: String, subjectDomain: String)] {
        let list = try children(try top(bytes, tag: 0x30), bytes)
        guard !list.isEmpty else { throw Malformed() }
        return try list.map { mapping in
            guard mapping.tag == 0x30 else { throw Malformed() }
            let pair = try children(mapping, bytes)
            guard pair.count == 2 else { throw Malformed() }
            return (try oid(pair[0], bytes), try oid(pair[1], bytes))
        }
    }

    /// PolicyConstraints: SEQUENCE { requireExplicitPolicy [0] SkipCerts OPTIONAL, inhibitPolicyMapping [1] OPTIONAL },
    /// not empty (§ 4.2.1.11).
    static func policyConstraints(_ bytes: [UInt8]) throws -> (requireExplicit: Int?, inhibitMapping: Int?) {
        let fields = try children(try top(bytes, tag: 0x30), bytes)
        var require: Int?
        var inhibit: Int?
        for field in fields {
            switch field.tag {
            case 0x80 where require == nil && inhibit == nil: require = try smallInteger(bytes[field.contentRange])
            case 0x81 where inhibit == nil: inhibit = try smallInteger(bytes[field.contentRange])
            default: throw Malformed()
            }
        }
        guard require != nil || inhibit != nil else { throw Malformed() }
        return (require, inhibit)
    }

    /// InhibitAnyPolicy ::= SkipCerts.
    static func skipCerts(_ bytes: [UInt8]) throws -> Int {
        let integer = try top(bytes, tag: 0x02)
        return try smallInteger(bytes[integer.contentRange])
    }

    /// AuthorityKeyIdentifier's keyIdentifier [0], when present.
    static func keyIdentifier(_ bytes: [UInt8]) throws -> [UInt8]? {
        let fields = try children(try top(bytes, tag: 0x30), bytes)
        return fields.first { $0.tag == 0x80 }.map { Array(bytes[$0.contentRange]) }
    }

    /// CRLDistributionPoints / FreshestCRL: SEQUENCE SIZE (1..MAX) OF DistributionPoint.
    static func distributionPoints(_ bytes: [UInt8]) throws -> [DistributionPoint] {
        let list = try children(try top(bytes, tag: 0x30), bytes)
        guard !list.isEmpty else { throw Malformed() }
        return try list.map { point in
            guard point.tag == 0x30 else { throw Malformed() }
            var name: DistributionPointName?
            var reasons: RevocationReasons?
            var issuer: [GeneralNameKey]?
            for field in try children(point, bytes) {
                switch field.tag {
                case 0xa0 where name == nil && reasons == nil && issuer == nil:
                    name = try distributionPointName(field, bytes)
                case 0x81 where reasons == nil && issuer == nil:
                    reasons = RevocationReasons(bitString: bytes[field.contentRange])
                case 0xa2 where issuer == nil: issuer = try generalNames(field, bytes)
                default: throw Malformed()
                }
            }
            // § 4.2.1.13: a DistributionPoint holds a name or a cRLIssuer.
            guard name != nil || issuer != nil else { throw Malformed() }
            return DistributionPoint(name: name, reasons: reasons, crlIssuer: issuer)
        }
    }

    /// DistributionPointName, inside its context tag: fullName [0] GeneralNames | nameRelativeToCRLIssuer [1] RDN.
    static func distributionPointName(_ wrapper: DER.Node, _ bytes: [UInt8]) throws -> DistributionPointName {
        let inner = try children(wrapper, bytes)
        guard inner.count == 1 else { throw Malformed() }
        let choice = inner[0]
        switch choice.tag {
        case 0xa0: return .fullName(try generalNames(choice, bytes))
        case 0xa1:
            // The RDN (a SET OF AttributeTypeAndValue, here [1] IMPLICIT) read as a one-RDN Name.
            let set = [UInt8](bytes[choice.contentRange])
            let rdn: [UInt8] = [0x31] + length(set.count) + set
            let name: [UInt8] = [0x30] + length(rdn.count) + rdn
            guard let key = NameKey(der: name[...]) else { throw Malformed() }
            return .relativeToIssuer(key)
        default: throw Malformed()
        }
    }

    /// GeneralNames in an IMPLICIT context tag (the node's children are the GeneralName choices).
    static func generalNames(_ node: DER.Node, _ bytes: [UInt8]) throws -> [GeneralNameKey] {
        let names = try children(node, bytes)
        guard !names.isEmpty else { throw Malformed() }
        return try names.map { name in
            switch name.tag {
            case 0xa4:
                // directoryName [4] EXPLICIT Name.
                let inner = try children(name, bytes)
                guard inner.count == 1, let key = NameKey(der: bytes[inner[0].range]) else { throw Malformed() }
                return .directory(key)
            case 0x86: return .uri(String(decoding: bytes[name.contentRange], as: UTF8.self))
            default: return .other(tag: name.tag, bytes: Array(bytes[name.contentRange]))
            }
        }
    }

    /// A DER length's octets.
    static func length(_ count: Int) -> [UInt8] {
        if count < 0x80 { return [UInt8(count)] }
        var octets: [UInt8] = []
        var rest = count
        while rest > 0 {
            octets.insert(UInt8(rest & 0xff), at: 0)
            rest >>= 8
        }
        return [0x80 | UInt8(octets.count)] + octets
    }

    /// IssuingDistributionPoint (RFC 5280 § 5.2.5).
    static func issuingDistributionPoint(_ bytes: [UInt8]) throws -> IssuingDistributionPoint {
        var point = IssuingDistributionPoint()
        var last = -1
        for field in try children(try top(bytes, tag: 0x30), bytes) {
            let number = Int(field.tag & 0x1f)
            // Fields in order, each at most once.
            guard number > last else { throw Malformed() }
            last = number
            func flag() throws -> Bool {
                guard field.tag & 0xe0 == 0x80, field.contentRange.count == 1 else { throw Malformed() }
                return bytes[field.contentRange.lowerBound] != 0
            }
            switch field.tag {
            case 0xa0: point.distributionPoint = try distributionPointName(field, bytes)
            case 0x81: point.onlyContainsUserCerts = try flag()
            case 0x82: point.onlyContainsCACerts = try flag()
            case 0x83: point.onlySomeReasons = RevocationReasons(bitString: bytes[field.contentRange])
            case 0x84: point.indirectCRL = try flag()
            case 0x85: point.onlyContainsAttributeCerts = try flag()
            default: throw Malformed()
            }
        }
        // § 5.2.5: at most one of the three "only contains" flags.
        let only = [point.onlyContainsUserCerts, point.onlyContainsCACerts, point.onlyContainsAttributeCerts].filter { $0 }.count
        guard only <= 1 else { throw Malformed() }
        return point
    }

    /// An INTEGER's content octets without redundant leading zeros (CRLNumber, BaseCRLNumber: 0..MAX, § 5.2.3).
    static func unsignedInteger(_ bytes: [UInt8]) throws -> [UInt8] {
        let integer = try top(bytes, tag: 0x02)
        let contents = bytes[integer.contentRange]
        guard let first = contents.first, first & 0x80 == 0 else { throw Malformed() }
        let significant = Array(contents.drop { $0 == 0 })
        return significant
    }
}

