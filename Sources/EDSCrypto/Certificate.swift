internal import COpenSSL
import Foundation
import Synchronization

/// An X.509 certificate (RFC 5280), owning its OpenSSL `X509` handle.
public final class Certificate: @unchecked Sendable, Hashable, CustomStringConvertible {
    /// X509*; immutable after construction, so sharing across threads is safe.
    let pointer: OpaquePointer
    /// What some validations ask of a certificate and OpenSSL computes afresh each time (extensions, the key's
    /// description, verification contexts, values other modules derive): computed on first use and kept. Certificates
    /// come from the process cache, so a CA's are computed once per process rather than on every validation.
    private let memo = Mutex(Memo())

    /// What depends on the certificate alone and nearly every validation reads, decoded when the certificate is made
    /// and then read as plain constants: validation threads share the cached CA and signer certificates, and the lock
    /// a lazily filled value needed on every read moved the certificate's lock between cores on every access.
    private let decoded: Decoded

    private final class Decoded: Sendable {
        let derEncoded: Data
        let sha256Fingerprint: Data
        let subject: DistinguishedName
        let issuer: DistinguishedName
        let serialNumberHex: String
        let notBefore: Date
        let notAfter: Date
        let identifierEncodings: IdentifierEncodings

        init(_ pointer: OpaquePointer) {
            var out: UnsafeMutablePointer<UInt8>?
            let length = i2d_X509(pointer, &out)
            if length > 0, let out {
                derEncoded = Data(bytes: out, count: Int(length))
                eds_openssl_free(out)
            } else {
                derEncoded = Data()
            }
            sha256Fingerprint = Digest.sha256(derEncoded)
            subject = DistinguishedName(name: X509_get_subject_name(pointer))
            issuer = DistinguishedName(name: X509_get_issuer_name(pointer))
            serialNumberHex = ASN1Conversions.integerHex(X509_get0_serialNumber(pointer))
            notBefore = ASN1Conversions.date(X509_get0_notBefore(pointer)) ?? .distantPast
            notAfter = ASN1Conversions.date(X509_get0_notAfter(pointer)) ?? .distantPast
            identifierEncodings = IdentifierEncodings(pointer)
            OpenSSLErrorQueue.clear()
        }
    }

    struct Memo {
        var extendedKeyUsage: [String]?
        var policies: [String]?
        var publicKey: PublicKeyDescription?
        var signatureAlgorithm: String?
        var isSelfIssued: Bool?
        var tbsSignatureAlgorithmOID: String?
        var publicKeyAlgorithmOID: String?
        /// The bytes this certificate was decoded from passed a DER check (X.690 § 10) with the certificate limits.
        var encodingIsDER = false
        /// nil in the map: the key is not one `SignatureVerifierPool` covers.
        var verifiers: [DigestAlgorithm: SignatureVerifierPool?] = [:]
        /// Values other modules derive from this certificate alone (`derived(_:)`), one per type, each in a
        /// `DerivedBox` of that type.
        var derived: [ObjectIdentifier: any AnyObject & Sendable] = [:]
    }

    /// The issuer Name and serial number as they would appear in a SignerIdentifier (RFC 5652 § 10.2.4).
    struct IdentifierEncodings: Sendable {
        /// The issuer Name's TLV as received (OpenSSL re-emits a parsed name's original bytes).
        let issuer: [UInt8]
        /// The serial number's two's-complement content octets, minimal; nil for a negative serial number (never
        /// compared by bytes).
        let serialNumber: [UInt8]?

        init(_ pointer: OpaquePointer) {
            var issuer: [UInt8] = []
            var out: UnsafeMutablePointer<UInt8>?
            let length = i2d_X509_NAME(X509_get_issuer_name(pointer), &out)
            if length > 0, let out {
                issuer = Array(UnsafeBufferPointer(start: out, count: Int(length)))
                eds_openssl_free(out)
            }
            OpenSSLErrorQueue.clear()
            var serial: [UInt8]?
            // OpenSSL keeps a minimal magnitude and the sign apart; a non-negative one is the DER content once a
            // leading 0x00 keeps its top bit from reading as a sign.
            if let integer = X509_get0_serialNumber(pointer), ASN1_STRING_type(integer) == V_ASN1_INTEGER {
                let stored = UnsafeBufferPointer(start: ASN1_STRING_get0_data(integer), count: Int(ASN1_STRING_length(integer)))
                let magnitude = Array(stored.drop { $0 == 0 })
                serial = magnitude.first.map { $0 & 0x80 != 0 ? [0] + magnitude : magnitude } ?? [0]
            }
            self.issuer = issuer
            serialNumber = serial
        }
    }

    /// The memoised value at `path`, else `compute()`'s, remembered. `compute` runs outside the lock (it may ask for
    /// other memoised values); two threads may both compute a value the first time, and agree.
    func remembered<Value: Sendable>(_ path: WritableKeyPath<Memo, Value?>, _ compute: () -> Value) -> Value {
        if let known = memo.withLock({ $0[keyPath: path] }) { return known }
        let computed = compute()
        memo.withLock { $0[keyPath: path] = computed }
        return computed
    }

    /// Whether the bytes this certificate was decoded from are known to be DER (set by the parser that checked them,
    /// so a certificate from the process cache is not scanned again).
    var encodingIsDER: Bool {
        get { memo.withLock { $0.encodingIsDER } }
        set { memo.withLock { $0.encodingIsDER = newValue } }
    }

    /// Reusable verification contexts for this certificate's key and `digest` (see `SignatureVerifierPool`); nil when
    /// the key is not RSA (PKCS#1 v1.5) or EC.
    func verifier(for digest: DigestAlgorithm) -> SignatureVerifierPool? {
        if let known = memo.withLock({ $0.verifiers[digest] }) { return known }
        let made = X509_get0_pubkey(pointer).flatMap { SignatureVerifierPool(key: $0, digest: digest) }
        OpenSSLErrorQueue.clear()
        return memo.withLock { memo in
            // The first pool made is the one every caller shares.
            if let raced = memo.verifiers[digest] { return raced }
            memo.verifiers[digest] = made
            return made
        }
    }

    /// A value that depends on this certificate's bytes alone, computed by `make` once per certificate object and then
    /// handed back to every caller that asks for the same type (a report's summary of the certificate, its Kazakh
    /// profile). Certificates come from the process cache, so a CA's or a frequent signer's is computed once.
    public func derived<Value: Sendable>(_ type: Value.Type = Value.self, _ make: (Certificate) -> Value) -> Value {
        let key = ObjectIdentifier(type)
        // The box under a type's key is always of that type: a pointer cast, not a dynamic cast of an existential.
        if let known = memo.withLock({ $0.derived[key] }) { return unsafeDowncast(known, to: DerivedBox<Value>.self).value }
        let computed = make(self)
        memo.withLock { $0.derived[key] = DerivedBox(computed) }
        return computed
    }

    private final class DerivedBox<Value: Sendable>: Sendable {
        let value: Value
        init(_ value: Value) { self.value = value }
    }

    /// Takes ownership of one reference to `pointer`.
    init(taking pointer: OpaquePointer) {
        self.pointer = pointer
        decoded = Decoded(pointer)
    }

    /// Adds a reference to `pointer` (for certificates borrowed from OpenSSL structures).
    init(retaining pointer: OpaquePointer) {
        X509_up_ref(pointer)
        self.pointer = pointer
        decoded = Decoded(pointer)
    }

    deinit { X509_free(pointer) }

    /// One certificate from DER bytes.
    public convenience init(derEncoded der: Data) throws {
        OpenSSLRuntime.ensureInitialized()
        let parsed: OpaquePointer? = der.withUnsafeBytes { raw in
            guard let base = raw.bindMemory(to: UInt8.self).baseAddress else { return nil }
            var cursor: UnsafePointer<UInt8>? = base
            let certificate = d2i_X509(nil, &cursor, raw.count)
            // Trailing bytes mean this was not (only) a certificate.
            if let certificate, cursor != base + raw.count {
                X509_free(certificate)
                return nil
            }
            return certificate
        }
        guard let parsed else { throw CryptoError.malformed("not a DER-encoded X.509 certificate") }
        self.init(taking: parsed)
    }

    /// A parsed certificate for `der`, shared with earlier callers that passed the same bytes.
    ///
    /// OpenSSL 3.0 spends ~135 µs decoding one certificate's public key, and the same CA, TSA and OCSP responder
    /// certificates arrive in nearly every signature's certValues: decoding each once per process is the difference
    /// between CAdES-LT validation costing ~2.5× or well under 2× a plain one. Certificates are immutable, so sharing is safe.
    public static func cached(derEncoded der: Data) throws -> Certificate {
        if let hit = ParsedCertificateCache.shared.lookup(der) { return hit }
        let parsed = try Certificate(derEncoded: der)
        ParsedCertificateCache.shared.store(der, parsed)
        return parsed
    }

    /// Empties the process-wide cache behind `cached(derEncoded:)`, so the next validation parses every certificate
    /// afresh: the benchmark uses it to show what a one-shot `edsvault verify` pays.
    @_spi(Benchmarking) public static func purgeParsedCache() {
        ParsedCertificateCache.shared.removeAll()
    }

    /// Every certificate in a file's bytes: exactly one DER certificate, or any number of PEM blocks.
    public static func parseAll(_ data: Data) throws -> [Certificate] {
        OpenSSLRuntime.ensureInitialized()
        guard data.count <= ASN1Limits.certificateFile.maximumBytes else {
            throw CryptoError(.malformedInput, "the certificate file is larger than the limit of \(ASN1Limits.certificateFile.maximumBytes) bytes")
        }
        if PEM.looksLikePEM(data) {
            let bio = try MemoryBIO(data)
            var certificates: [Certificate] = []
            while let certificate = PEM_read_bio_X509(bio.pointer, nil, nil, nil) {
                certificates.append(Certificate(taking: certificate))
            }
            OpenSSLErrorQueue.clear()  // the loop always ends on "no start line"
            if certificates.isEmpty { throw CryptoError(.malformedInput, "no PEM certificate found") }
            return certificates
        }
        // X.509 is DER (RFC 5280 § 4.1): one object, definite minimal lengths, nothing after it.
        do {
            try ASN1Input.checkSingleObject(data, rules: .der, limits: .certificate)
        } catch {
            throw CryptoError.malformed("not a DER-encoded X.509 certificate", error)
        }
        return [try Certificate(derEncoded: data)]
    }

    /// The DER, re-emitted by OpenSSL once and then remembered (ESS hashes, certValues and certificate reuse ask
    /// for it on every validation).
    public var derEncoded: Data { decoded.derEncoded }

    public var pemEncoded: String {
        guard let bio = try? MemoryBIO() else { return "" }
        PEM_write_bio_X509(bio.pointer, pointer)
        return String(decoding: bio.contents, as: UTF8.self)
    }

    public var subject: DistinguishedName { decoded.subject }

    public var issuer: DistinguishedName { decoded.issuer }

    /// Serial number in upper-case hex, as certification centres print it.
    public var serialNumberHex: String { decoded.serialNumberHex }

    public var notBefore: Date { decoded.notBefore }
    public var notAfter: Date { decoded.notAfter }

    /// What a SignerIdentifier naming this certificate by issuer and serial number holds, for a byte comparison.
    var identifierEncodings: IdentifierEncodings { decoded.identifierEncodings }

    public func isValid(at date: Date) -> Bool { notBefore <= date && date <= notAfter }

    public var sha256Fingerprint: Data { decoded.sha256Fingerprint }

    /// keyUsage bits by their RFC 5280 names, in bit order.
    public var keyUsage: [KeyUsage] {
        let bits = X509_get_key_usage(pointer)
        // UINT32_MAX means "no keyUsage extension": any usage.
        guard bits != UInt32.max else { return [] }
        return KeyUsage.allCases.filter { bits & $0.openSSLBit != 0 }
    }

    public var hasKeyUsageExtension: Bool { X509_get_key_usage(pointer) != UInt32.max }

    /// extendedKeyUsage purposes as dotted OIDs, in certificate order.
    public var extendedKeyUsage: [String] { remembered(\.extendedKeyUsage) { decodedExtendedKeyUsage } }

    private var decodedExtendedKeyUsage: [String] {
        guard let raw = X509_get_ext_d2i(pointer, NID_ext_key_usage, nil, nil) else { return [] }
        let usages = OpaquePointer(raw)
        defer { eds_extended_key_usage_free(usages) }
        return (0..<eds_sk_ASN1_OBJECT_num(usages)).map { ASN1Conversions.oid(eds_sk_ASN1_OBJECT_value(usages, $0)) }
    }

    /// RFC 3161 § 2.3: a TSA certificate's extendedKeyUsage is critical and holds id-kp-timeStamping alone (and any
    /// keyUsage allows signing). OpenSSL's X509_PURPOSE_TIMESTAMP_SIGN check, the one `openssl ts -verify` applies.
    public var isTimeStampingCertificate: Bool {
        defer { OpenSSLErrorQueue.clear() }
        return X509_check_purpose(pointer, X509_PURPOSE_TIMESTAMP_SIGN, 0) == 1
    }

    /// certificatePolicies as dotted OIDs.
    public var policies: [String] { remembered(\.policies) { decodedPolicies } }

    private var decodedPolicies: [String] {
        guard let raw = X509_get_ext_d2i(pointer, NID_certificate_policies, nil, nil) else { return [] }
        let policies = OpaquePointer(raw)
        defer { eds_certificate_policies_free(policies) }
        return (0..<eds_sk_POLICYINFO_num(policies)).compactMap { index in
            guard let info = eds_sk_POLICYINFO_value(policies, index) else { return nil }
            return ASN1Conversions.oid(info.pointee.policyid)
        }
    }

    /// basicConstraints cA.
    public var isCertificateAuthority: Bool { X509_check_ca(pointer) != 0 }

    public var isSelfIssued: Bool {
        remembered(\.isSelfIssued) {
            // X509_check_issued compares the issuer key's algorithm, which OpenSSL cannot decode for GOST.
            if isSignedWithGOST { return namesAsIssuer(of: self) }
            return X509_check_issued(pointer, pointer) == X509_V_OK
        }
    }

    /// True when `issuer`'s subject and key identifiers match this certificate's issuer and its key verifies the signature.
    public func isIssued(by issuer: Certificate) -> Bool { issued(by: issuer, context: nil) }

    /// `isIssued(by:)`, with the signature verdict remembered in `context` keyed by the SHA-256 of both certificates:
    /// the question the chain validator asks of each link, here for an OCSP responder's delegation (RFC 6960
    /// § 4.2.2.2), which every response from that responder asks again. Names and key identifiers are compared
    /// every time.
    public func isIssued(by issuer: Certificate, context: VerificationContext) -> Bool { issued(by: issuer, context: context) }

    private func issued(by issuer: Certificate, context: VerificationContext?) -> Bool {
        if let gost = gostIsIssued(by: issuer) { return gost }
        defer { OpenSSLErrorQueue.clear() }
        guard X509_check_issued(issuer.pointer, pointer) == X509_V_OK, let key = X509_get0_pubkey(issuer.pointer) else { return false }
        guard let context else { return X509_verify(pointer, key) == 1 }
        let question = VerificationContext.Key(kind: .certificate, signed: sha256Fingerprint, signer: issuer.sha256Fingerprint)
        return context.verdict(question) { X509_verify(pointer, key) == 1 }
    }

    /// OCSP responder URLs from authorityInfoAccess.
    public var ocspURLs: [String] { accessURLs(method: NID_ad_OCSP) }

    /// CA certificate URLs from authorityInfoAccess.
    public var caIssuerURLs: [String] { accessURLs(method: NID_ad_ca_issuers) }

    private func accessURLs(method: Int32) -> [String] {
        guard let raw = X509_get_ext_d2i(pointer, NID_info_access, nil, nil) else { return [] }
        let access = OpaquePointer(raw)
        defer { eds_authority_info_access_free(access) }
        var urls: [String] = []
        for index in 0..<eds_sk_ACCESS_DESCRIPTION_num(access) {
            guard let description = eds_sk_ACCESS_DESCRIPTION_value(access, index),
                OBJ_obj2nid(description.pointee.method) == method,
                let url = Self.uri(description.pointee.location)
            else { continue }
            urls.append(url)
        }
        return urls
    }

    /// CRL distribution point URLs.
    public var crlDistributionURLs: [String] {
        guard let raw = X509_get_ext_d2i(pointer, NID_crl_distribution_points, nil, nil) else { return [] }
        let points = OpaquePointer(raw)
        defer { eds_crl_dist_points_free(points) }
        var urls: [String] = []
        for index in 0..<eds_sk_DIST_POINT_num(points) {
            guard let point = eds_sk_DIST_POINT_value(points, index),
                let name = point.pointee.distpoint, name.pointee.type == 0
            else { continue }
            let fullName = name.pointee.name.fullname
            for nameIndex in 0..<eds_sk_GENERAL_NAME_num(fullName) {
                if let url = Self.uri(eds_sk_GENERAL_NAME_value(fullName, nameIndex)) { urls.append(url) }
            }
        }
        return urls
    }

    private static func uri(_ name: UnsafeMutablePointer<GENERAL_NAME>?) -> String? {
        guard let name, name.pointee.type == GEN_URI else { return nil }
        return ASN1Conversions.utf8(name.pointee.d.uniformResourceIdentifier)
    }

    /// The public key's algorithm and size.
    public var publicKey: PublicKeyDescription { remembered(\.publicKey) { decodedPublicKey } }

    private var decodedPublicKey: PublicKeyDescription {
        guard let key = X509_get0_pubkey(pointer) else {
            OpenSSLErrorQueue.clear()
            if let gost = gostPublicKey {
                // The name carries the size ("GOST 34.310-2015 (512)").
                return PublicKeyDescription(algorithm: gost.algorithm.displayName, bits: 0, isSupported: true)
            }
            return PublicKeyDescription(algorithm: publicKeyAlgorithmOID, bits: 0, isSupported: false)
        }
        return PublicKeyDescription(key: key)
    }

    /// The subjectPublicKeyInfo algorithm OID (GOST keys show up here even when OpenSSL cannot use them).
    public var publicKeyAlgorithmOID: String {
        remembered(\.publicKeyAlgorithmOID) {
            guard let publicKey = X509_get_X509_PUBKEY(pointer) else { return "" }
            var object: OpaquePointer?
            X509_PUBKEY_get0_param(&object, nil, nil, nil, publicKey)
            return ASN1Conversions.oid(object)
        }
    }

    /// The certificate's own signature algorithm (how its issuer signed it).
    public var signatureAlgorithm: String {
        remembered(\.signatureAlgorithm) {
            if let gost = gostSignatureAlgorithm { return gost.displayName }
            let nid = X509_get_signature_nid(pointer)
            return ASN1Conversions.shortName(nid: nid).map { OpenSSLNames.longName(nid: nid) ?? $0 } ?? "unknown"
        }
    }

    public static func == (lhs: Certificate, rhs: Certificate) -> Bool {
        X509_cmp(lhs.pointer, rhs.pointer) == 0
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(sha256Fingerprint) }

    public var description: String { "Certificate(\(subject), serial \(serialNumberHex))" }
}

/// RFC 5280 § 4.2.1.3 keyUsage bits.
public enum KeyUsage: String, CaseIterable, Sendable, Codable {
    case digitalSignature, nonRepudiation, keyEncipherment, dataEncipherment, keyAgreement
    case keyCertSign, cRLSign, encipherOnly, decipherOnly

    var openSSLBit: UInt32 {
        switch self {
        case .digitalSignature: UInt32(KU_DIGITAL_SIGNATURE)
        case .nonRepudiation: UInt32(KU_NON_REPUDIATION)
        case .keyEncipherment: UInt32(KU_KEY_ENCIPHERMENT)
        case .dataEncipherment: UInt32(KU_DATA_ENCIPHERMENT)
        case .keyAgreement: UInt32(KU_KEY_AGREEMENT)
        case .keyCertSign: UInt32(KU_KEY_CERT_SIGN)
        case .cRLSign: UInt32(KU_CRL_SIGN)
        case .encipherOnly: UInt32(KU_ENCIPHER_ONLY)
        case .decipherOnly: UInt32(KU_DECIPHER_ONLY)
        }
    }
}

/// What a public key is, without exposing it.
public struct PublicKeyDescription: Hashable, Sendable {
    /// "RSA", "EC", or a dotted OID for keys OpenSSL does not know (GOST).
    public let algorithm: String
    public let bits: Int
    /// Named curve for EC keys ("prime256v1").
    public var curve: String? = nil
    public let isSupported: Bool

    init(algorithm: String, bits: Int, curve: String? = nil, isSupported: Bool) {
        self.algorithm = algorithm
        self.bits = bits
        self.curve = curve
        self.isSupported = isSupported
    }

    init(key: OpaquePointer) {
        let bits = Int(EVP_PKEY_get_bits(key))
        switch EVP_PKEY_get_base_id(key) {
        case EVP_PKEY_RSA, EVP_PKEY_RSA_PSS:
            self.init(algorithm: "RSA", bits: bits, isSupported: true)
        case EVP_PKEY_EC:
            var name = [CChar](repeating: 0, count: 80)
            var length = 0
            let curve = EVP_PKEY_get_group_name(key, &name, name.count, &length) == 1 ? String(nullTerminated: name) : nil
            self.init(algorithm: "EC", bits: bits, curve: curve, isSupported: true)
        case EVP_PKEY_ED25519:
            self.init(algorithm: "Ed25519", bits: bits, isSupported: true)
        default:
            let type = EVP_PKEY_get0_type_name(key).map { String(cString: $0) } ?? "unknown"
            self.init(algorithm: type, bits: bits, isSupported: false)
        }
    }

    public var summary: String {
        if let curve { return "\(algorithm) \(curve)" }
        return bits > 0 ? "\(algorithm) \(bits)" : algorithm
    }
}

enum OpenSSLNames {
    static func longName(nid: Int32) -> String? {
        guard nid != NID_undef, let name = OBJ_nid2ln(nid) else { return nil }
        return String(cString: name)
    }
}

/// PEM sniffing shared by every parser that accepts "PEM or DER".
enum PEM {
    static func looksLikePEM(_ data: Data) -> Bool {
        data.prefix(4096).range(of: Data("-----BEGIN ".utf8)) != nil
    }
}

/// Turns certificate DER into parsed certificates without parsing any certificate twice in one validation: first a
/// byte-identical one among `known` (what the validation already parsed), then the process-wide cache.
struct CertificateReuse {
    /// The usual handful (the signer and its CAs), compared by bytes, lengths first: cheaper than hashing each DER.
    private let few: [Certificate]
    /// More than that (a hostile SignedData), in a hash table, so the work stays linear.
    private let many: [Data: Certificate]

    init(_ known: [Certificate]) {
        if known.count <= 8 {
            few = known
            many = [:]
        } else {
            few = []
            many = Dictionary(known.map { ($0.derEncoded, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    /// The certificate already parsed in this validation for exactly these bytes.
    func known(_ der: Data) -> Certificate? {
        many.isEmpty ? few.first { $0.derEncoded == der } : many[der]
    }

    func certificate(_ der: Data) throws -> Certificate {
        try known(der) ?? Certificate.cached(derEncoded: der)
    }
}
