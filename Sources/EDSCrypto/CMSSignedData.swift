internal import COpenSSL
import Foundation
import Synchronization

/// A parsed CMS ContentInfo holding SignedData (RFC 5652 § 5), with every SignerInfo readable on its own.
///
/// Read once by the project's parsing layer (`SignedDataStructure`: swift-asn1 behind an iterative scan with limits):
/// the attributes the validation reads and the bytes the signature check verifies come from the same parse.
/// OpenSSL parses only what it computes with: each certificate, from its exact bytes.
public final class CMSSignedData: Sendable {
    /// The DER (or BER) bytes, after PEM/base64 unwrapping (trailing bytes included; see `trailingByteCount`).
    public let encoded: Data
    let structure: SignedDataStructure
    /// Always present; optional for the callers written when it was not.
    let layout: SignedDataLayout?
    /// Certificates carried in SignedData.certificates, in order.
    public let certificates: [Certificate]
    public let signers: [CMSSignerInfo]

    /// Accepts DER/BER, PEM (`CMS`, `PKCS7`, `SIGNED DATA`...) or bare base64, as NCALayer and SIGEX hand them out.
    public convenience init(_ input: Data) throws {
        try self.init(der: try Self.unwrap(input), reuse: nil)
    }

    /// The same SignedData, but each certificate is taken from `known` when byte-identical to one there, else from
    /// the process-wide cache (`Certificate.cached`).
    ///
    /// For structures whose certificates repeat: a timestamp token carries the TSA certificate and its CA, which the
    /// signature, its certValues and every other token of that TSA carry too; OpenSSL 3.0 spends ~135 µs decoding
    /// each certificate's public key. Nothing is trusted for being known: the certificates are the same bytes, and
    /// every check still runs on them.
    public convenience init(_ input: Data, reusingCertificates known: [Certificate]) throws {
        try self.init(der: try Self.unwrap(input), reuse: CertificateReuse(known))
    }

    private init(der: Data, reuse: CertificateReuse?) throws {
        OpenSSLRuntime.ensureInitialized()
        let structure: SignedDataStructure
        do {
            structure = try SignedDataStructure(der.byteArray, allowingTrailingData: true, checkingCertificates: false)
        } catch {
            throw CryptoError.malformed("not a CMS/PKCS#7 signature", error)
        }
        var certificates: [Certificate] = []
        for (position, range) in structure.certificateRanges.enumerated() {
            let bytes = Data(structure.bytes[range])
            // The same CA and signer certificates arrive in signature after signature: decoded once per process
            // (the cache is keyed by the exact bytes and bounded in bytes, so uploads cannot grow it without bound),
            // and their bytes checked for DER once.
            let known = reuse?.known(bytes) ?? ParsedCertificateCache.shared.lookup(bytes)
            if let known, known.encodingIsDER {
                certificates.append(known)
                continue
            }
            guard ASN1Input.isDER(structure.bytes[range], limits: .certificate) else {
                throw CryptoError.malformed("not a CMS/PKCS#7 signature", SignedDataStructure.notDER(range))
            }
            do {
                // Looked up above already: a miss is parsed and remembered without asking the cache again.
                let certificate: Certificate
                if let known {
                    certificate = known
                } else {
                    certificate = try Certificate(derEncoded: bytes)
                    ParsedCertificateCache.shared.store(bytes, certificate)
                }
                certificate.encodingIsDER = true
                certificates.append(certificate)
            } catch {
                throw CryptoError(.malformedInput, "certificate \(position + 1) in the SignedData cannot be read: \(error)")
            }
        }
        self.encoded = der
        self.structure = structure
        self.layout = SignedDataLayout(structure: structure)
        self.certificates = certificates
        self.signers = try structure.signerInfos.enumerated().map {
            try CMSSignerInfo(index: $0.offset, structure: $0.element, certificates: certificates)
        }
    }

    static func unwrap(_ input: Data) throws -> Data {
        guard let first = input.first else { throw CryptoError(.malformedInput, "the signature file is empty") }
        if first == 0x30 { return input }
        guard input.count <= ASN1Limits.cms.maximumBytes * 4 / 3 + 4096 else {
            throw CryptoError(.malformedInput, "the signature file is larger than the limit of \(ASN1Limits.cms.maximumBytes) bytes")
        }
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

    /// Bytes after the ContentInfo. A signature file must be exactly one object: the validator reports any as
    /// FORMAT_FAILURE rather than ignoring them.
    public var trailingByteCount: Int { structure.trailingByteCount }

    /// The encapsulated content, when the signature is attached.
    public var encapsulatedContent: Data? { structure.eContent }

    public var isDetached: Bool { encapsulatedContent == nil }

    public var contentTypeOID: String { structure.eContentType }

    /// CRLs carried in SignedData.crls, DER-encoded, as received.
    public var crls: [Data] { structure.crlRanges.map { Data(structure.bytes[$0]) } }

    public var signerCount: Int { signers.count }

    public func signer(at index: Int) -> CMSSignerInfo? {
        signers.indices.contains(index) ? signers[index] : nil
    }

    /// Each SignerInfo's exact encoding, in order.
    public func encodedSignerInfos() -> [Data]? {
        structure.signerInfoEncodings.map { Data($0) }
    }

    /// The certificate whose issuer/serial or subject key identifier the SignerInfo names (RFC 5652 § 5.3),
    /// searched among the CMS's own certificates and `extra`.
    public func signerCertificate(for signer: CMSSignerInfo, extra: [Certificate] = []) -> Certificate? {
        certificates.first { signer.identifies($0) } ?? extra.first { signer.identifies($0) }
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
    /// Why this SignerInfo is malformed though readable (an attribute that must have one value has several, a signed
    /// attribute repeated, signed attributes not in DER); empty when well-formed. Each is a FORMAT_FAILURE.
    public let formatProblems: [CMSFormatProblem]
    /// The SignerIdentifier as received, for matching certificates.
    let identifierEncoding: SignerIdentifierEncoding
    /// The signature algorithm's parameters as received (RSASSA-PSS-params, RFC 4055 § 3.1).
    let signatureAlgorithmParameters: [UInt8]?
    /// The bytes the signature covers when there are signed attributes (RFC 5652 § 5.4), from the same parse.
    let signedAttributesForVerification: [UInt8]?

    /// `certificates`: the SignedData's own, whose already decoded issuer name and serial number stand for the
    /// identifier's when the bytes are the same (the usual case: the signer's certificate travels with the signature).
    init(index: Int, structure: SignerInfoStructure, certificates: [Certificate] = []) throws {
        self.index = index
        identifierEncoding = structure.identifier
        switch structure.identifier {
        case .issuerAndSerialNumber(let issuer, let serial):
            let serialContent = Self.integerContent(serial)
            let named = certificates.first { $0.identifierEncodings.issuer == issuer }
            let numbered = serialContent.flatMap { content in
                certificates.first { $0.identifierEncodings.serialNumber.map { $0.elementsEqual(content) } ?? false }
            }
            identifier = .issuerAndSerialNumber(
                issuer: try named?.issuer ?? Self.name(issuer), serialNumberHex: try numbered?.serialNumberHex ?? Self.integerHex(serial))
        case .subjectKeyIdentifier(let keyIdentifier):
            identifier = .subjectKeyIdentifier(Data(keyIdentifier))
        }
        digestAlgorithmOID = structure.digestAlgorithm.oid
        signatureAlgorithmOID = structure.signatureAlgorithm.oid
        signatureAlgorithmParameters = structure.signatureAlgorithm.parameters
        signedAttributes = structure.signedAttributes
        unsignedAttributes = structure.unsignedAttributes
        signatureValue = structure.signature
        signedAttributesForVerification = structure.signedAttributesForVerification
        formatProblems = structure.formatProblems
    }

    private static func name(_ der: [UInt8]) throws -> DistinguishedName {
        try der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            guard let name = d2i_X509_NAME(nil, &cursor, buffer.count) else {
                throw CryptoError.malformed("the SignerInfo's issuer name cannot be read")
            }
            defer { X509_NAME_free(name) }
            return DistinguishedName(name: name)
        }
    }

    private static func integerHex(_ der: [UInt8]) throws -> String {
        try der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            guard let integer = d2i_ASN1_INTEGER(nil, &cursor, buffer.count) else {
                throw CryptoError.malformed("the SignerInfo's serial number cannot be read")
            }
            defer { ASN1_INTEGER_free(integer) }
            return ASN1Conversions.integerHex(integer)
        }
    }

    /// The content octets of an INTEGER TLV (short-form or long-form definite length), which X.690 § 8.3.2 requires
    /// to be minimal in BER as in DER, so equal values are equal bytes; nil when it is not such an INTEGER (OpenSSL,
    /// which refuses redundant leading octets too, then has the last word).
    static func integerContent(_ tlv: [UInt8]) -> ArraySlice<UInt8>? {
        guard tlv.count >= 3, tlv[0] == 0x02 else { return nil }
        var start = 2
        if tlv[1] & 0x80 != 0 {
            let lengthOctets = Int(tlv[1] & 0x7f)
            guard lengthOctets > 0, lengthOctets <= 4, tlv.count > 2 + lengthOctets else { return nil }
            start += lengthOctets
        }
        let content = tlv[start...]
        if content.count > 1 {
            let first = content[start]
            let second = content[start + 1]
            if (first == 0x00 && second & 0x80 == 0) || (first == 0xff && second & 0x80 != 0) { return nil }
        }
        return content.isEmpty ? nil : content
    }

    /// RFC 5652 § 5.3 sid: issuer (compared as X.509 names, RFC 5280 § 7.1) and serial number, or the certificate's
    /// subjectKeyIdentifier extension.
    func identifies(_ certificate: Certificate) -> Bool {
        defer { OpenSSLErrorQueue.clear() }
        switch identifierEncoding {
        case .issuerAndSerialNumber(let issuer, let serial):
            // The same bytes are the same name and number; differing serial values can never match. Only a serial
            // match under a differently encoded issuer name needs OpenSSL's name comparison.
            let own = certificate.identifierEncodings
            if let serialContent = Self.integerContent(serial), let ownSerial = own.serialNumber {
                guard serialContent.elementsEqual(ownSerial) else { return false }
                if own.issuer == issuer { return true }
            }
            return issuer.withUnsafeBufferPointer { issuerBytes in
                serial.withUnsafeBufferPointer { serialBytes in
                    var issuerCursor = issuerBytes.baseAddress
                    var serialCursor = serialBytes.baseAddress
                    guard let name = d2i_X509_NAME(nil, &issuerCursor, issuerBytes.count) else { return false }
                    defer { X509_NAME_free(name) }
                    guard let integer = d2i_ASN1_INTEGER(nil, &serialCursor, serialBytes.count) else { return false }
                    defer { ASN1_INTEGER_free(integer) }
                    return X509_NAME_cmp(name, X509_get_issuer_name(certificate.pointer)) == 0
                        && ASN1_INTEGER_cmp(integer, X509_get0_serialNumber(certificate.pointer)) == 0
                }
            }
        case .subjectKeyIdentifier(let keyIdentifier):
            guard let own = X509_get0_subject_key_id(certificate.pointer) else { return false }
            return ASN1Conversions.bytes(own) == Data(keyIdentifier)
        }
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
        if let known = named.withLock({ $0[oid] }) { return known }
        if let gost = GOSTAlgorithm.name(ofOID: oid) { return gost }
        let nid = oid.withCString { OBJ_txt2nid($0) }
        OpenSSLErrorQueue.clear()
        guard let name = ASN1Conversions.shortName(nid: nid).map({ _ in OpenSSLNames.longName(nid: nid) ?? oid }) else { return oid }
        // Only OIDs OpenSSL names are remembered (a fixed set), so unknown OIDs from uploads cannot grow the table.
        named.withLock { table in
            if table.count < 1024 { table[oid] = name }
        }
        return name
    }

    /// Names already looked up: every report names its signature algorithm (OBJ_txt2nid parses the dotted text).
    private static let named = Mutex<[String: String]>([:])

    /// Whether `oid`'s name is remembered (the bound tests read this).
    static func isRemembered(_ oid: String) -> Bool { named.withLock { $0[oid] != nil } }

    /// Kazakh national (GOST 34.310/34.311) algorithms, which EDSCrypto computes itself (GOST/).
    public static func isKazakhGOST(_ oid: String) -> Bool { GOSTAlgorithm.isKazakhGOST(oid) }
}
