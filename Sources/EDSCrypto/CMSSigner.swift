internal import COpenSSL
import Foundation
import Synchronization

/// What is being signed: a file (hashed streaming) or bytes in memory.
public enum DocumentSource: Sendable {
    case file(URL)
    case bytes(Data)

    /// Digests of the document in one pass, and its size.
    public func digests(_ algorithms: Set<DigestAlgorithm>) throws -> (digests: [DigestAlgorithm: Data], size: UInt64) {
        switch self {
        case .file(let url):
            return try Digest.hashFile(at: url, algorithms: algorithms)
        case .bytes(let data):
            // Bytes in memory: one EVP_Digest call per algorithm costs less than setting up a context for each.
            if algorithms.allSatisfy({ $0.fetched != nil && $0.isAvailable }) {
                var digests: [DigestAlgorithm: Data] = [:]
                for algorithm in algorithms { digests[algorithm] = try Digest.hash(data, algorithm: algorithm) }
                return (digests, UInt64(data.count))
            }
            var hasher = try StreamingDigest(algorithms: algorithms)
            hasher.update(data)
            return (hasher.finish(), UInt64(data.count))
        }
    }

    func readAll() throws -> Data {
        switch self {
        case .bytes(let data): return data
        case .file(let url):
            do { return try Data(contentsOf: url) } catch {
                throw CryptoError(.fileAccess, "cannot read \(url.path)")
            }
        }
    }
}

/// Parameters of one new SignerInfo.
public struct CMSSignerParameters: Sendable {
    public var digest: DigestAlgorithm = .sha256
    /// Embed the document in the CMS (encapsulated content) instead of a detached signature.
    public var attached = false
    /// The signingTime attribute; nil means now.
    public var signingTime: Date? = nil
    /// Add the RFC 5035 signingCertificateV2 attribute (CAdES-BES). Off only to imitate other producers in tests.
    public var signingCertificateAttribute = true

    public init(digest: DigestAlgorithm = .sha256, attached: Bool = false, signingTime: Date? = nil) {
        self.digest = digest
        self.attached = attached
        self.signingTime = signingTime
    }
}

/// Produces CMS SignedData (RFC 5652) with CAdES-BES signed attributes: contentType, messageDigest,
/// signingTime, signingCertificateV2 (RFC 5035).
public enum CMSSigner {
    /// Called after the signature value exists, to add unsigned attributes (timestamp, revocation evidence).
    public typealias UnsignedAttributeProvider = @Sendable (_ signatureValue: Data) throws -> [CMSAttribute]

    /// A new SignedData with one signer.
    public static func sign(
        _ document: DocumentSource, key: PrivateKey, certificate: Certificate, chain: [Certificate] = [],
        parameters: CMSSignerParameters = CMSSignerParameters(), unsignedAttributes: UnsignedAttributeProvider? = nil
    ) throws -> Data {
        OpenSSLRuntime.ensureInitialized()
        defer { OpenSSLErrorQueue.clear() }
        if let gost = key.gost {
            return try GOSTCMSSigner.sign(
                document, key: gost, certificate: certificate, chain: chain, parameters: parameters, unsignedAttributes: unsignedAttributes)
        }
        // A detached signature without unsigned attributes is made from this key's template once OpenSSL has made
        // one: per document only messageDigest, signingTime and the signature value are new.
        let templateKey =
            parameters.attached || unsignedAttributes != nil
            ? nil
            : CMSSigningTemplate.Key(
                certificate: certificate.sha256Fingerprint, chain: chain.map(\.sha256Fingerprint), digest: parameters.digest,
                signingCertificateAttribute: parameters.signingCertificateAttribute)
        let template = templateKey.flatMap { templateKey in key.signingTemplates.withLock { $0[templateKey] } }
        if template == nil {
            // The template exists only for a certificate this key was checked against.
            guard key.matches(certificate) else {
                throw CryptoError(.refused, "the private key does not belong to the certificate")
            }
        }
        let digest: Data
        if let template, case .bytes(let bytes) = document {
            digest = Data(try bytes.withUnsafeBytes { try template.hash($0) })
        } else {
            digest = try document.digests([parameters.digest]).digests[parameters.digest] ?? Data()
        }
        if let template, let signed = try template.sign(messageDigest: digest, signingTime: parameters.signingTime ?? Date()) {
            return signed
        }
        guard let cms = CMS_sign(nil, nil, nil, nil, UInt32(CMS_PARTIAL | CMS_BINARY | CMS_DETACHED)) else {
            throw CryptoError.openSSL("cannot create SignedData")
        }
        defer { CMS_ContentInfo_free(cms) }
        if parameters.attached {
            try setEncapsulatedContent(cms, try document.readAll())
        }
        _ = try addSigner(
            to: cms, digest: digest, key: key, certificate: certificate, chain: chain, parameters: parameters,
            unsignedAttributes: unsignedAttributes)
        let encoded = try encode(cms)
        if let templateKey, template == nil,
            let made = CMSSigningTemplate(signedData: encoded, messageDigest: digest, digest: parameters.digest, key: key)
        {
            key.signingTemplates.withLock { templates in
                if templates.count >= 8 { templates.removeAll() }
                templates[templateKey] = made
            }
        }
        return encoded
    }

    /// `existing` with one more SignerInfo over the same document. Every earlier SignerInfo keeps its exact bytes.
    public static func addSigner(
        to existing: Data, document: DocumentSource?, key: PrivateKey, certificate: Certificate, chain: [Certificate] = [],
        parameters: CMSSignerParameters = CMSSignerParameters(), unsignedAttributes: UnsignedAttributeProvider? = nil
    ) throws -> Data {
        OpenSSLRuntime.ensureInitialized()
        defer { OpenSSLErrorQueue.clear() }
        if let gost = key.gost {
            return try GOSTCMSSigner.addSigner(
                to: existing, document: document, key: gost, certificate: certificate, chain: chain, parameters: parameters,
                unsignedAttributes: unsignedAttributes)
        }
        guard key.matches(certificate) else {
            throw CryptoError(.refused, "the private key does not belong to the certificate")
        }
        let original = try CMSSignedData(existing)
        guard let originalLayout = original.layout, let originalSignerInfos = try? originalLayout.signerInfos() else {
            throw CryptoError(.malformedInput, "the existing signature's structure cannot be walked to keep its signers intact")
        }
        let source: DocumentSource
        if let embedded = original.encapsulatedContent {
            source = .bytes(embedded)
            if let document {
                let given = try document.digests([.sha256]).digests[.sha256]
                guard given == Digest.sha256(embedded) else {
                    throw CryptoError(.refused, "the document differs from the content embedded in the existing signature")
                }
            }
        } else if let document {
            source = document
        } else {
            throw CryptoError(.refused, "the existing signature is detached: the document is needed to add a signer")
        }
        let algorithms = Set(original.signers.compactMap(\.digestAlgorithm)).union([parameters.digest])
        let digests = try source.digests(algorithms).digests
        for signer in original.signers {
            guard let algorithm = signer.digestAlgorithm, let claimed = signer.messageDigest else { continue }
            guard digests[algorithm] == claimed else {
                throw CryptoError(.refused, "the existing signature was made over a different document (signer \(signer.index + 1)'s messageDigest does not match)")
            }
        }
        // A fresh parse of the original DER is the structure OpenSSL extends.
        let bio = try MemoryBIO(original.encoded)
        guard let cms = d2i_CMS_bio(bio.pointer, nil) else { throw CryptoError.malformed("not a CMS signature") }
        defer { CMS_ContentInfo_free(cms) }
        var addParameters = parameters
        addParameters.attached = false
        let signatureValue = try addSigner(
            to: cms, digest: digests[parameters.digest] ?? Data(), key: key, certificate: certificate, chain: chain,
            parameters: addParameters, unsignedAttributes: unsignedAttributes)
        let reencoded = try encode(cms)
        // OpenSSL re-encodes (and DER-sorts) the SignerInfo set; put the original SignerInfos back verbatim
        // and append only the new one.
        let newLayout = try SignedDataLayout(reencoded)
        let signatureBytes = [UInt8](signatureValue)
        guard let newSignerInfo = try newLayout.signerInfos().first(where: { $0.containsSubsequence(signatureBytes) }) else {
            throw CryptoError(.internalFailure, "the new SignerInfo was not found in OpenSSL's output")
        }
        return newLayout.replacingSignerInfos(with: originalSignerInfos + [newSignerInfo])
    }

    private static func setEncapsulatedContent(_ cms: OpaquePointer, _ content: Data) throws {
        guard let position = CMS_get0_content(cms) else { throw CryptoError.openSSL("SignedData has no content slot") }
        guard let octets = ASN1_OCTET_STRING_new() else { throw CryptoError.openSSL("cannot allocate content") }
        let stored = content.withUnsafeBytes { raw in
            ASN1_OCTET_STRING_set(octets, raw.bindMemory(to: UInt8.self).baseAddress, Int32(raw.count))
        }
        guard stored == 1 else {
            ASN1_OCTET_STRING_free(octets)
            throw CryptoError.openSSL("cannot store the content")
        }
        if let old = position.pointee { ASN1_OCTET_STRING_free(old) }
        position.pointee = octets
    }

    /// Adds a SignerInfo whose messageDigest is `digest`, signs it, and returns its signature value.
    private static func addSigner(
        to cms: OpaquePointer, digest: Data, key: PrivateKey, certificate: Certificate, chain: [Certificate],
        parameters: CMSSignerParameters, unsignedAttributes: UnsignedAttributeProvider?
    ) throws -> Data {
        var flags = CMS_PARTIAL | CMS_BINARY | CMS_NOSMIMECAP
        if parameters.signingCertificateAttribute { flags |= CMS_CADES }
        guard let info = CMS_add1_signer(cms, certificate.pointer, key.pointer, parameters.digest.evp, UInt32(flags)) else {
            throw CryptoError.openSSL("cannot add the signer (is the key type supported?)")
        }
        let present = Set(CMSCertificates.all(in: cms).map(\.sha256Fingerprint))
        for extra in chain where !present.contains(extra.sha256Fingerprint) && !(extra == certificate) {
            guard CMS_add1_cert(cms, extra.pointer) == 1 else { throw CryptoError.openSSL("cannot add a chain certificate") }
        }
        let added = digest.withUnsafeBytes { raw in
            CMS_signed_add1_attr_by_NID(info, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, raw.baseAddress, Int32(raw.count))
        }
        guard added == 1,
            CMS_signed_add1_attr_by_NID(info, NID_pkcs9_contentType, V_ASN1_OBJECT, UnsafeRawPointer(CMS_get0_eContentType(cms)), -1) == 1
        else {
            throw CryptoError.openSSL("cannot add the signed attributes")
        }
        if let signingTime = parameters.signingTime {
            // RFC 5652 § 11.3: UTCTime for 1950–2049, GeneralizedTime otherwise; ASN1_TIME_set picks accordingly.
            guard let time = ASN1_TIME_set(nil, time_t(signingTime.timeIntervalSince1970)) else {
                throw CryptoError.openSSL("cannot encode the signing time")
            }
            defer { ASN1_STRING_free(time) }
            let type = ASN1_STRING_type(time)
            guard CMS_signed_add1_attr_by_NID(info, NID_pkcs9_signingTime, type, UnsafeRawPointer(time), -1) == 1 else {
                throw CryptoError.openSSL("cannot add the signing time")
            }
        }
        guard CMS_SignerInfo_sign(info) == 1 else { throw CryptoError.openSSL("signing failed") }
        let signatureValue = ASN1Conversions.bytes(CMS_SignerInfo_get0_signature(info))
        if let unsignedAttributes {
            for attribute in try unsignedAttributes(signatureValue) {
                try addUnsignedAttribute(attribute, to: info)
            }
        }
        return signatureValue
    }

    static func addUnsignedAttribute(_ attribute: CMSAttribute, to info: OpaquePointer) throws {
        guard let object = attribute.oid.withCString({ OBJ_txt2obj($0, 1) }) else {
            throw CryptoError.openSSL("bad attribute OID \(attribute.oid)")
        }
        defer { ASN1_OBJECT_free(object) }
        for value in attribute.values {
            // Each value is a full TLV; as an ASN1_TYPE it is stored and re-encoded unchanged.
            let type: UnsafeMutablePointer<ASN1_TYPE>? = value.withUnsafeBytes { raw in
                var cursor = raw.bindMemory(to: UInt8.self).baseAddress.map { UnsafePointer($0) }
                return d2i_ASN1_TYPE(nil, &cursor, raw.count)
            }
            guard let type else { throw CryptoError.malformed("an unsigned attribute value is not DER") }
            defer { ASN1_TYPE_free(type) }
            // SEQUENCE/SET values are stored as their complete encoding, anything else as the typed value.
            let status: Int32
            switch type.pointee.type {
            case V_ASN1_SEQUENCE, V_ASN1_SET:
                let string = type.pointee.value.sequence
                status = CMS_unsigned_add1_attr_by_OBJ(
                    info, object, type.pointee.type, ASN1_STRING_get0_data(string), ASN1_STRING_length(string))
            default:
                status = CMS_unsigned_add1_attr_by_OBJ(info, object, type.pointee.type, UnsafeRawPointer(type.pointee.value.ptr), -1)
            }
            guard status == 1 else { throw CryptoError.openSSL("cannot add unsigned attribute \(attribute.oid)") }
        }
    }

    static func encode(_ cms: OpaquePointer) throws -> Data {
        let out = try MemoryBIO()
        guard i2d_CMS_bio(out.pointer, cms) == 1 else { throw CryptoError.openSSL("cannot encode the CMS") }
        return out.contents
    }
}

enum CMSCertificates {
    static func all(in cms: OpaquePointer) -> [Certificate] {
        guard let stack = CMS_get1_certs(cms) else {
            OpenSSLErrorQueue.clear()
            return []
        }
        defer { eds_sk_X509_pop_free(stack) }
        return (0..<eds_sk_X509_num(stack)).compactMap { eds_sk_X509_value(stack, $0).map { Certificate(retaining: $0) } }
    }
}

extension Array where Element == UInt8 {
    func containsSubsequence(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        for start in 0...(count - needle.count) where self[start] == needle[0] {
            if self[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}
