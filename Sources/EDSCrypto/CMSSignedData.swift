internal import COpenSSL
import Foundation

/// A parsed CMS ContentInfo holding SignedData (RFC 5652 § 5), with every SignerInfo readable on its own.
public final class CMSSignedData: @unchecked Sendable {
    /// CMS_ContentInfo*; not mutated after parsing.
    let pointer: OpaquePointer
    /// The DER (or BER) bytes, after PEM/base64 unwrapping.
    public let encoded: Data
    let layout: SignedDataLayout?

    /// SignedData.certificates when they were parsed apart from OpenSSL's CMS decoder (`init(_:reusingCertificates:)`);
    /// the CMS OpenSSL holds then has none of its own.
    private let separatelyParsedCertificates: [Certificate]

    /// Accepts DER/BER, PEM (`CMS`, `PKCS7`, `SIGNED DATA`...) or bare base64, as NCALayer and SIGEX hand them out.
    public convenience init(_ input: Data) throws {
        let der = try Self.unwrap(input)
        try self.init(der: der, decoding: der, layout: try? SignedDataLayout(der), certificates: [])
    }

    /// The same SignedData, but its certificates are not handed to OpenSSL's CMS decoder: each is taken from `known`
    /// when byte-identical to one there, else from the process-wide cache (`Certificate.cached`).
    ///
    /// For structures whose certificates repeat: a timestamp token carries the TSA certificate and its CA, which the
    /// signature, its certValues and every other token of that TSA carry too. OpenSSL 3.0 spends ~135 µs decoding
    /// each certificate's public key; `d2i_CMS_bio` would do it again for every token. Nothing is trusted for being
    /// known: the certificates are the same bytes, and every check still runs on them.
    public convenience init(_ input: Data, reusingCertificates known: [Certificate]) throws {
        let der = try Self.unwrap(input)
        let layout = try? SignedDataLayout(der)
        if let layout, let encodings = try? layout.certificateEncodings() {
            let reuse = CertificateReuse(known)
            // A certificate OpenSSL cannot read: let the ordinary decoder report the structure as it always has.
            if let certificates = try? encodings.map({ try reuse.certificate($0) }) {
                try self.init(der: der, decoding: layout.removingCertificates(), layout: layout, certificates: certificates)
                return
            }
        }
        try self.init(der: der, decoding: der, layout: layout, certificates: [])
    }

    /// `decoding` is what OpenSSL parses: `der` itself, or `der` without its certificates (then `certificates`).
    private init(der: Data, decoding cmsBytes: Data, layout: SignedDataLayout?, certificates: [Certificate]) throws {
        OpenSSLRuntime.ensureInitialized()
        let bio = try MemoryBIO(cmsBytes)
        guard let cms = d2i_CMS_bio(bio.pointer, nil) else {
            throw CryptoError.malformed("not a CMS/PKCS#7 signature")
        }
        guard OBJ_obj2nid(CMS_get0_type(cms)) == NID_pkcs7_signed else {
            CMS_ContentInfo_free(cms)
            throw CryptoError(.malformedInput, "the CMS is not SignedData")
        }
        self.pointer = cms
        self.encoded = der
        self.layout = layout
        self.separatelyParsedCertificates = certificates
    }

    deinit { CMS_ContentInfo_free(pointer) }

    static func unwrap(_ input: Data) throws -> Data {
        guard let first = input.first else { throw CryptoError(.malformedInput, "the signature file is empty") }
        if first == 0x30 { return input }
        guard let text = String(data: input, encoding: .utf8) else {
            throw CryptoError(.malformedInput, "not a CMS/PKCS#7 signature (neither DER, PEM nor base64)")
        }
        var body = text
        if text.contains("-----BEGIN ") {
            body = text.split(whereSeparator: \.isNewline)
                .filter { !$0.hasPrefix("-----") && !$0.contains(":") }
                .joined()
        }
        let compact = body.filter { !$0.isWhitespace }
        guard !compact.isEmpty, let decoded = Data(base64Encoded: compact), decoded.first == 0x30 else {
            throw CryptoError(.malformedInput, "not a CMS/PKCS#7 signature (neither DER, PEM nor base64)")
        }
        return decoded
    }

    /// The encapsulated content, when the signature is attached.
    public var encapsulatedContent: Data? {
        guard let position = CMS_get0_content(pointer), let content = position.pointee else { return nil }
        return ASN1Conversions.bytes(content)
    }

    public var isDetached: Bool { encapsulatedContent == nil }

    public var contentTypeOID: String { ASN1Conversions.oid(CMS_get0_eContentType(pointer)) }

    /// Certificates carried in SignedData.certificates.
    public var certificates: [Certificate] {
        guard let stack = CMS_get1_certs(pointer) else {
            OpenSSLErrorQueue.clear()
            return separatelyParsedCertificates
        }
        defer { eds_sk_X509_pop_free(stack) }
        return (0..<eds_sk_X509_num(stack)).compactMap { eds_sk_X509_value(stack, $0).map { Certificate(retaining: $0) } }
            + separatelyParsedCertificates
    }

    /// CRLs carried in SignedData.crls, DER-encoded.
    public var crls: [Data] {
        guard let stack = CMS_get1_crls(pointer) else {
            OpenSSLErrorQueue.clear()
            return []
        }
        defer { eds_sk_X509_CRL_pop_free(stack) }
        return (0..<eds_sk_X509_CRL_num(stack)).compactMap { index in
            guard let crl = eds_sk_X509_CRL_value(stack, index) else { return nil }
            var out: UnsafeMutablePointer<UInt8>?
            let length = i2d_X509_CRL(crl, &out)
            guard length > 0, let out else { return nil }
            defer { eds_openssl_free(out) }
            return Data(bytes: out, count: Int(length))
        }
    }

    private var signerInfoStack: OpaquePointer? { CMS_get0_SignerInfos(pointer) }

    public var signerCount: Int { signerInfoStack.map { Int(eds_sk_CMS_SignerInfo_num($0)) } ?? 0 }

    public var signers: [CMSSignerInfo] {
        (0..<signerCount).compactMap { signer(at: $0) }
    }

    func signerInfoPointer(at index: Int) -> OpaquePointer? {
        guard let stack = signerInfoStack else { return nil }
        return eds_sk_CMS_SignerInfo_value(stack, Int32(index))
    }

    public func signer(at index: Int) -> CMSSignerInfo? {
        guard let info = signerInfoPointer(at: index) else { return nil }
        return CMSSignerInfo(index: index, info: info)
    }

    /// Each SignerInfo's exact encoding, in order (nil when the outer structure is not plain DER/BER we can walk).
    public func encodedSignerInfos() -> [Data]? {
        (try? layout?.signerInfos())?.map { Data($0) }
    }

    /// The certificate whose issuer/serial or subject key identifier the SignerInfo names,
    /// searched among the CMS's own certificates and `extra`.
    public func signerCertificate(for signer: CMSSignerInfo, extra: [Certificate] = []) -> Certificate? {
        guard let info = signerInfoPointer(at: signer.index) else { return nil }
        for candidate in certificates + extra where CMS_SignerInfo_cert_cmp(info, candidate.pointer) == 0 {
            return candidate
        }
        return nil
    }
}

/// One SignerInfo (RFC 5652 § 5.3), decoded into plain values.
public struct CMSSignerInfo: Sendable {
    public enum Identifier: Hashable, Sendable, CustomStringConvertible {
        case issuerAndSerialNumber(issuer: DistinguishedName, serialNumberHex: String)
        case subjectKeyIdentifier(Data)

        public var description: String {
            switch self {
            case .issuerAndSerialNumber(let issuer, let serial): "issuer \(issuer), serial \(serial)"
            case .subjectKeyIdentifier(let identifier): "subject key identifier \(identifier.hexString)"
            }
        }
    }

    public let index: Int
    public let identifier: Identifier
    public let digestAlgorithmOID: String
    public let signatureAlgorithmOID: String
    public let signedAttributes: [CMSAttribute]
    public let unsignedAttributes: [CMSAttribute]
    public let signatureValue: Data

    init(index: Int, info: OpaquePointer) {
        self.index = index
        var keyIdentifier: UnsafeMutablePointer<ASN1_OCTET_STRING>?
        var issuer: OpaquePointer?
        var serial: UnsafeMutablePointer<ASN1_INTEGER>?
        CMS_SignerInfo_get0_signer_id(info, &keyIdentifier, &issuer, &serial)
        if let keyIdentifier {
            identifier = .subjectKeyIdentifier(ASN1Conversions.bytes(keyIdentifier))
        } else {
            identifier = .issuerAndSerialNumber(
                issuer: DistinguishedName(name: issuer), serialNumberHex: ASN1Conversions.integerHex(serial))
        }
        var digestAlgorithm: UnsafeMutablePointer<X509_ALGOR>?
        var signatureAlgorithm: UnsafeMutablePointer<X509_ALGOR>?
        CMS_SignerInfo_get0_algs(info, nil, nil, &digestAlgorithm, &signatureAlgorithm)
        digestAlgorithmOID = Self.algorithmOID(digestAlgorithm)
        signatureAlgorithmOID = Self.algorithmOID(signatureAlgorithm)
        var signed: [CMSAttribute] = []
        for location in 0..<max(0, CMS_signed_get_attr_count(info)) {
            if let attribute = CMS_signed_get_attr(info, location) { signed.append(CMSAttribute.read(attribute)) }
        }
        var unsigned: [CMSAttribute] = []
        for location in 0..<max(0, CMS_unsigned_get_attr_count(info)) {
            if let attribute = CMS_unsigned_get_attr(info, location) { unsigned.append(CMSAttribute.read(attribute)) }
        }
        signedAttributes = signed
        unsignedAttributes = unsigned
        signatureValue = ASN1Conversions.bytes(CMS_SignerInfo_get0_signature(info))
        OpenSSLErrorQueue.clear()
    }

    private static func algorithmOID(_ algorithm: UnsafeMutablePointer<X509_ALGOR>?) -> String {
        guard let algorithm else { return "" }
        var object: OpaquePointer?
        X509_ALGOR_get0(&object, nil, nil, algorithm)
        return ASN1Conversions.oid(object)
    }

    public var hasSignedAttributes: Bool { !signedAttributes.isEmpty }

    public var digestAlgorithm: DigestAlgorithm? { DigestAlgorithm(oid: digestAlgorithmOID) }

    public func signedAttribute(_ oid: String) -> CMSAttribute? { signedAttributes.first { $0.oid == oid } }

    public func unsignedAttribute(_ oid: String) -> CMSAttribute? { unsignedAttributes.first { $0.oid == oid } }

    public var messageDigest: Data? { signedAttribute(CMSAttribute.OID.messageDigest)?.values.first.flatMap(AttributeValue.octetString) }

    public var contentTypeAttribute: String? {
        signedAttribute(CMSAttribute.OID.contentType)?.values.first.flatMap(AttributeValue.objectIdentifier)
    }

    /// The signer's own claim of when it signed; not evidence.
    public var signingTime: Date? { signedAttribute(CMSAttribute.OID.signingTime)?.values.first.flatMap(AttributeValue.time) }

    /// ESS signingCertificateV2 (RFC 5035) or, failing that, signingCertificate (RFC 2634).
    public var signingCertificateReferences: [SigningCertificateReference] {
        if let v2 = signedAttribute(CMSAttribute.OID.signingCertificateV2)?.values.first {
            return SigningCertificateReference.parse(v2, version2: true)
        }
        if let v1 = signedAttribute(CMSAttribute.OID.signingCertificate)?.values.first {
            return SigningCertificateReference.parse(v1, version2: false)
        }
        return []
    }

    /// OpenSSL's name for the signature algorithm OID ("sha256WithRSAEncryption", "rsaEncryption", ...), else the OID.
    public var signatureAlgorithmName: String { OIDNames.name(signatureAlgorithmOID) }
    public var digestAlgorithmName: String {
        guard let digestAlgorithm else { return OIDNames.name(digestAlgorithmOID) }
        // Kazakh GOST hashes are named with their OID, as reports name the GOST signature algorithms.
        return OIDNames.isKazakhGOST(digestAlgorithmOID) ? "\(digestAlgorithm.rawValue) (\(digestAlgorithmOID))" : digestAlgorithm.rawValue
    }
}

/// Readable names for OIDs, from OpenSSL's object table plus the Kazakh GOST arcs it does not know.
public enum OIDNames {
    public static func name(_ oid: String) -> String {
        if let gost = GOSTAlgorithm.name(ofOID: oid) { return gost }
        let nid = oid.withCString { OBJ_txt2nid($0) }
        OpenSSLErrorQueue.clear()
        return ASN1Conversions.shortName(nid: nid).map { _ in OpenSSLNames.longName(nid: nid) ?? oid } ?? oid
    }

    /// Kazakh national (GOST 34.310/34.311) algorithms, which EDSCrypto computes itself (GOST/).
    public static func isKazakhGOST(_ oid: String) -> Bool { GOSTAlgorithm.isKazakhGOST(oid) }
}
