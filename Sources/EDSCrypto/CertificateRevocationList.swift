internal import COpenSSL
import Foundation

/// An X.509 CRL (RFC 5280 § 5), read in one pass over its DER.
///
/// A national CA's CRL lists hundreds of thousands of serials (NCA RK's: 500,000, ~26 MB), so nothing is built per
/// entry: the entries are indexed by where they start in the DER (an open-addressing table over their serials'
/// bytes), the revocation time and reason of a listed certificate are read when it is looked up, and the signature
/// is verified over the exact tbsCertList bytes (§ 5.1.1.3), once per issuer for the life of this object.
public final class CertificateRevocationList: @unchecked Sendable {
    /// The CertificateList as read (a PEM file's base64 decoded).
    private let der: Data
    private let layout: CertificateListLayout
    /// The tbsCertList issuer, decoded by OpenSSL so names compare as they always have (X509_NAME_cmp).
    private let issuerName: OpaquePointer
    private let serials: SerialIndex
    /// An entry names a certificateIssuer (§ 5.3.3, indirect CRLs): lookups then go through OpenSSL's own
    /// X509_CRL_get0_by_cert, whose issuer-carrying rules are not worth re-implementing for a form nobody issues.
    private let namesCertificateIssuers: Bool
    public let thisUpdate: Date?
    public let nextUpdate: Date?
    /// What RFC 5280 § 6.3 reads from the CRL's extensions: its number, whether it is a delta, its scope.
    public let scope: CRLScope

    private let lock = NSLock()
    private var indirect: OpaquePointer?
    /// isSigned(by:) answers, by the SHA-256 of the issuer certificate's DER.
    private var signatureChecks: [Data: Bool] = [:]
    /// The last isSigned(by:) answer and the certificate object it was for: the CA's certificate, from the process
    /// cache, asks again on every validation, and is known by identity without hashing anything. `lastIssuer` is held
    /// strongly, so no other certificate can take its identity.
    private var lastIssuer: Certificate?
    private var lastSigned = false
    private var storedFingerprint: Data?
    private var decodedIssuer: DistinguishedName?

    /// DER or PEM.
    public convenience init(_ data: Data) throws {
        OpenSSLRuntime.ensureInitialized()
        let der: Data
        if PEM.looksLikePEM(data) {
            guard data.count <= ASN1Limits.crl.maximumBytes * 2 else {
                throw CryptoError(.malformedInput, "the CRL file is larger than the limit of \(ASN1Limits.crl.maximumBytes * 2) bytes")
            }
            guard let decoded = Self.pemBody(data) else { throw CryptoError.malformed("not a certificate revocation list") }
            der = decoded
        } else {
            der = data
        }
        // DER is checked to be exactly one CertificateList within limits before anything else reads it (RFC 5280 § 5.1).
        do {
            try ASN1Input.checkSingleObject(der, rules: .der, limits: .crl)
        } catch {
            throw CryptoError.malformed("not a certificate revocation list", error)
        }
        try self.init(der: der)
    }

    /// A parsed CRL for `data` (DER or PEM), shared with earlier callers that passed the same bytes.
    ///
    /// The CA's current CRL is embedded (revocationValues, SignedData.crls) in signature after signature until its
    /// next update: parsed once per process, its issuer name decoded once, and its signature verified once per
    /// issuer certificate (this object remembers the verdict). Keyed by the exact bytes, so a CRL altered in any
    /// byte is another entry, parsed and verified afresh. Bounded (64 CRLs, 4 MiB counting their indexes; a CRL over
    /// 512 KiB is parsed every time and not kept), so uploads can only evict, never grow the memory.
    public static func cached(_ data: Data) throws -> CertificateRevocationList {
        if let hit = parsedCache.lookup(data) { return hit }
        let parsed = try CertificateRevocationList(data)
        // The serial index holds about 12 bytes per ~40-byte entry: twice the bytes bounds the whole object.
        parsedCache.store(data, parsed, cost: 2 * data.count)
        return parsed
    }

    static let parsedCache = ParsedObjectCache<CertificateRevocationList>(capacity: 64, byteCapacity: 4 << 20)

    /// Empties the cache behind `cached(_:)`: the benchmark's one-shot row parses every CRL afresh.
    @_spi(Benchmarking) public static func purgeParsedCache() {
        parsedCache.removeAll()
    }

    private init(der: Data) throws {
        let read = der.withUnsafeBytes { raw in Reader.read(raw.bindMemory(to: UInt8.self)) }
        guard let read else { throw CryptoError.malformed("not a certificate revocation list") }
        let decoded = der.withUnsafeBytes { raw -> (name: OpaquePointer, thisUpdate: Date?, nextUpdate: Date?)? in
            guard let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
            var cursor: UnsafePointer<UInt8>? = base + read.layout.issuer.lowerBound
            guard let name = d2i_X509_NAME(nil, &cursor, read.layout.issuer.count) else { return nil }
            func time(_ range: Range<Int>?) -> Date?? {
                guard let range else { return .some(nil) }
                var cursor: UnsafePointer<UInt8>? = base + range.lowerBound
                guard let time = d2i_ASN1_TIME(nil, &cursor, range.count) else { return nil }
                defer { ASN1_TIME_free(time) }
                return .some(ASN1Conversions.date(time))
            }
            guard let thisUpdate = time(read.layout.thisUpdate), let nextUpdate = time(read.layout.nextUpdate) else {
                X509_NAME_free(name)
                return nil
            }
            return (name, thisUpdate, nextUpdate)
        }
        OpenSSLErrorQueue.clear()
        guard let decoded else { throw CryptoError.malformed("not a certificate revocation list") }
        // Layout ranges count from the first byte; a Data slice need not.
        self.der = der.startIndex == 0 ? der : Data(der)
        self.layout = read.layout
        self.issuerName = decoded.name
        self.thisUpdate = decoded.thisUpdate
        self.nextUpdate = decoded.nextUpdate
        self.serials = read.serials
        self.namesCertificateIssuers = read.namesCertificateIssuers
        self.scope = self.der.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            let entryOID = read.unhandledCriticalEntryExtension.flatMap { range -> String? in
                let tlv = Array(bytes[range])
                return try? ExtensionDecoder.oid(DER.Node(tag: 0x06, range: 0..<tlv.count, contentRange: 0..<tlv.count), tlv)
            }
            return CRLScope(
                issuer: NameKey(name: decoded.name), extensions: read.layout.extensions.map { Array(bytes[$0]) },
                unhandledCriticalEntryExtension: read.unhandledCriticalEntryExtension.map { _ in entryOID ?? "?" })
        }
        OpenSSLErrorQueue.clear()
    }

    deinit {
        X509_NAME_free(issuerName)
        if let indirect { X509_CRL_free(indirect) }
    }

    public var derEncoded: Data { der }

    /// Decoded once: every validation compares it with the certificates it may speak of.
    public var issuer: DistinguishedName { remembered(\.decodedIssuer) { DistinguishedName(name: issuerName) } }

    /// True when `issuer` issued this CRL: names match and its key verifies the CRL signature.
    ///
    /// The signature verdict is remembered by this object and (up to 1 MiB) by `context`, keyed by the SHA-256 of
    /// the CRL's bytes and of the issuer certificate: the same CRL embedded in signature after signature
    /// (revocationValues) is parsed each time but its signature is verified once.
    public func isSigned(by issuer: Certificate, context: VerificationContext = .shared) -> Bool {
        guard X509_NAME_cmp(issuerName, X509_get_subject_name(issuer.pointer)) == 0 else { return false }
        lock.lock()
        let same: Bool? = lastIssuer === issuer ? lastSigned : nil
        lock.unlock()
        if let same { return same }
        let key = issuer.sha256Fingerprint
        lock.lock()
        let known = signatureChecks[key]
        if let known { rememberLast(issuer, known) }
        lock.unlock()
        if let known { return known }
        // Hashing the bytes for the key costs what verifying does, less the public-key operation: for a large CRL
        // (NCA's 26 MB) the context saves nothing, and this object's own answer serves every later look-up.
        let signed =
            der.count > Self.contextLimit
            ? verifySignature(with: issuer)
            : context.verdict(VerificationContext.Key(kind: .crl, signed: fingerprint, signer: key)) { verifySignature(with: issuer) }
        lock.lock()
        signatureChecks[key] = signed
        rememberLast(issuer, signed)
        lock.unlock()
        return signed
    }

    /// Called with `lock` held.
    private func rememberLast(_ issuer: Certificate, _ signed: Bool) {
        lastIssuer = issuer
        lastSigned = signed
    }

    /// CRLs larger than this are not remembered in a `VerificationContext` (see `isSigned(by:context:)`).
    static let contextLimit = 1 << 20

    /// SHA-256 of the CRL's DER, computed on first use.
    private var fingerprint: Data { remembered(\.storedFingerprint) { Digest.sha256(der) } }

    /// The value in `slot`, else `compute()`'s, stored there. `compute` runs outside the lock; two threads may both
    /// compute a value the first time, and agree.
    private func remembered<Value>(_ slot: ReferenceWritableKeyPath<CertificateRevocationList, Value?>, _ compute: () -> Value) -> Value {
        lock.lock()
        let known = self[keyPath: slot]
        lock.unlock()
        if let known { return known }
        let computed = compute()
        lock.lock()
        self[keyPath: slot] = computed
        lock.unlock()
        return computed
    }

    private func verifySignature(with issuer: Certificate) -> Bool {
        defer { OpenSSLErrorQueue.clear() }
        return der.withUnsafeBytes { raw -> Bool in
            guard let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return false }
            // RFC 5280 § 5.1.1.2: signatureAlgorithm must equal the tbsCertList's signature field (X509_CRL_verify's rule).
            guard raw[layout.signatureAlgorithm].elementsEqual(raw[layout.innerSignatureAlgorithm]) else { return false }
            let tbs = UnsafeRawBufferPointer(start: base + layout.toBeSigned.lowerBound, count: layout.toBeSigned.count)
            let algorithm = Array(raw[layout.signatureAlgorithm])
            let bitString = raw[layout.signature]
            if let gost = GOSTSignedStructures.verify(
                toBeSigned: tbs, signatureAlgorithm: algorithm, signatureBitString: Array(bitString), signer: issuer)
            {
                return gost == .valid
            }
            guard let key = X509_get0_pubkey(issuer.pointer) else { return false }
            var cursor: UnsafePointer<UInt8>? = base + layout.signatureAlgorithm.lowerBound
            guard let algor = d2i_X509_ALGOR(nil, &cursor, layout.signatureAlgorithm.count) else { return false }
            defer { X509_ALGOR_free(algor) }
            cursor = base + layout.signature.lowerBound
            guard let signature = d2i_ASN1_BIT_STRING(nil, &cursor, layout.signature.count) else { return false }
            defer { ASN1_BIT_STRING_free(signature) }
            // The tbsCertList as an ASN.1 ANY of type SEQUENCE re-encodes as exactly its bytes; the string borrows
            // them rather than copying 26 MB, and gives them back before it is freed.
            guard let string = ASN1_STRING_type_new(V_ASN1_SEQUENCE) else { return false }
            string.pointee.data = UnsafeMutablePointer(mutating: base + layout.toBeSigned.lowerBound)
            string.pointee.length = Int32(layout.toBeSigned.count)
            guard let any = ASN1_TYPE_new() else {
                string.pointee.data = nil
                ASN1_STRING_free(string)
                return false
            }
            ASN1_TYPE_set(any, V_ASN1_SEQUENCE, UnsafeMutableRawPointer(string))
            defer {
                // Not ASN1_STRING_set0, which frees the data it replaces.
                string.pointee.data = nil
                string.pointee.length = 0
                ASN1_TYPE_free(any)
            }
            return ASN1_item_verify(ASN1_ANY_it(), algor, signature, UnsafeMutableRawPointer(any), key) == 1
        }
    }

    public enum Entry: Hashable, Sendable {
        case notListed
        case revoked(at: Date, reason: String?)
        /// Listed in a delta CRL with reason removeFromCRL (§ 5.3.1): a certificateHold of the base CRL is lifted.
        case removedFromCRL
    }

    /// Whether `certificate` (by serial, under this CRL's issuer) is listed; what X509_CRL_get0_by_cert answers.
    public func entry(for certificate: Certificate) -> Entry {
        defer { OpenSSLErrorQueue.clear() }
        if namesCertificateIssuers { return indirectEntry(for: certificate) }
        guard X509_NAME_cmp(X509_get_issuer_name(certificate.pointer), issuerName) == 0,
            let serial = Self.serialContents(of: certificate)
        else { return .notListed }
        return der.withUnsafeBytes { raw -> Entry in
            let bytes = raw.bindMemory(to: UInt8.self)
            guard let start = serials.firstEntry(withSerial: serial, in: bytes), let base = bytes.baseAddress else { return .notListed }
            // The entry's own length: its header is the one the reader already accepted.
            guard let header = try? ASN1Scanner.readHeader(bytes, at: start, bound: bytes.count, rules: .der) else { return .notListed }
            var cursor: UnsafePointer<UInt8>? = base + start
            guard let revoked = d2i_X509_REVOKED(nil, &cursor, header.headerLength + (header.contentLength ?? 0)) else { return .notListed }
            defer { X509_REVOKED_free(revoked) }
            return Self.entry(revoked)
        }
    }

    private static func entry(_ revoked: OpaquePointer) -> Entry {
        var code: Int?
        var critical: Int32 = 0
        if let raw = X509_REVOKED_get_ext_d2i(revoked, NID_crl_reason, &critical, nil) {
            let enumerated = raw.assumingMemoryBound(to: ASN1_ENUMERATED.self)
            code = Int(ASN1_ENUMERATED_get(enumerated))
            ASN1_ENUMERATED_free(enumerated)
        }
        // An entry removed from a delta CRL (§ 5.3.1 removeFromCRL) is not a revocation (OpenSSL's crl_lookup).
        if code == 8 { return .removedFromCRL }
        let date = ASN1Conversions.date(X509_REVOKED_get0_revocationDate(revoked)) ?? .distantPast
        return .revoked(at: date, reason: code.map(RevocationReason.name))
    }

    private func indirectEntry(for certificate: Certificate) -> Entry {
        lock.lock()
        defer { lock.unlock() }
        if indirect == nil {
            indirect = der.withUnsafeBytes { raw -> OpaquePointer? in
                var cursor: UnsafePointer<UInt8>? = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
                return d2i_X509_CRL(nil, &cursor, raw.count)
            }
        }
        guard let indirect else { return .notListed }
        var revoked: OpaquePointer?
        let found = X509_CRL_get0_by_cert(indirect, &revoked, certificate.pointer)
        // 2: listed with reason removeFromCRL.
        if found == 2 { return .removedFromCRL }
        guard found == 1, let revoked else { return .notListed }
        return Self.entry(revoked)
    }

    /// The certificate's serialNumber INTEGER contents as DER writes them (minimal two's complement).
    private static func serialContents(of certificate: Certificate) -> [UInt8]? {
        guard let serial = X509_get0_serialNumber(certificate.pointer) else { return nil }
        var out: UnsafeMutablePointer<UInt8>?
        let length = Int(i2d_ASN1_INTEGER(serial, &out))
        guard length > 0, let out else { return nil }
        defer { eds_openssl_free(out) }
        let encoded = UnsafeBufferPointer(start: out, count: length)
        guard let header = try? ASN1Scanner.readHeader(encoded, at: 0, bound: length, rules: .der) else { return nil }
        return Array(encoded[header.headerLength...])
    }

    /// The DER inside a `-----BEGIN X509 CRL-----` block (RFC 7468 § 5), the only label OpenSSL reads a CRL from.
    private static func pemBody(_ data: Data) -> Data? {
        guard let bio = try? MemoryBIO(data) else { return nil }
        while true {
            var name: UnsafeMutablePointer<CChar>?
            var header: UnsafeMutablePointer<CChar>?
            var body: UnsafeMutablePointer<UInt8>?
            var length = 0
            guard PEM_read_bio(bio.pointer, &name, &header, &body, &length) == 1 else {
                OpenSSLErrorQueue.clear()
                return nil
            }
            defer {
                eds_openssl_free(name)
                eds_openssl_free(header)
                eds_openssl_free(body)
            }
            if let name, String(cString: name) == "X509 CRL", let body { return Data(bytes: body, count: length) }
        }
    }
}

/// RFC 5280 § 5.3.1 CRLReason names.
public enum RevocationReason {
    public static func name(_ code: Int) -> String {
        switch code {
        case 0: "unspecified"
        case 1: "keyCompromise"
        case 2: "cACompromise"
        case 3: "affiliationChanged"
        case 4: "superseded"
        case 5: "cessationOfOperation"
        case 6: "certificateHold"
        case 8: "removeFromCRL"
        case 9: "privilegeWithdrawn"
        case 10: "aACompromise"
        default: "reason \(code)"
        }
    }
}

/// The parts of a CRL's extensions that decide what it may be used for (RFC 5280 § 5.2, § 6.3.3).
public struct CRLScope: Sendable {
    /// The issuer name in § 7.1's comparison form.
    public let issuer: NameKey
    /// CRLNumber (§ 5.2.3), big-endian without leading zeros.
    public let crlNumber: [UInt8]?
    /// deltaCRLIndicator's BaseCRLNumber (§ 5.2.4): set only on a delta CRL.
    public let baseCRLNumber: [UInt8]?
    public let issuingDistributionPoint: IssuingDistributionPoint?
    /// The IDP extension's value as received: a delta matches its base's scope when both are absent or equal.
    let issuingDistributionPointDER: [UInt8]?
    /// authorityKeyIdentifier's keyIdentifier (§ 5.2.1).
    public let authorityKeyIdentifier: [UInt8]?
    /// Freshest CRL (§ 5.2.6): where this complete CRL's deltas are published.
    public let freshestCRL: [DistributionPoint]
    /// Why the CRL cannot be used at all: an unknown critical CRL or entry extension (§ 5.2, § 5.3), or a CRL
    /// extension that could not be read.
    public let unusableBecause: UnusableReason?

    public enum UnusableReason: Hashable, Sendable {
        case unhandledCriticalExtension(String)
        case unhandledCriticalEntryExtension(String)
        case malformedExtension(String)
        case missingCRLNumber
    }

    public var isDelta: Bool { baseCRLNumber != nil }

    /// The CRL extensions RFC 5280 § 5.2 defines (a critical one of these is understood).
    private static let understood: Set<String> = [
        "2.5.29.35", "2.5.29.18", "2.5.29.20", "2.5.29.27", "2.5.29.28", "2.5.29.46", "1.3.6.1.5.5.7.1.1",
    ]

    init(issuer: NameKey, extensions: [UInt8]?, unhandledCriticalEntryExtension: String?) {
        self.issuer = issuer
        var crlNumber: [UInt8]?
        var base: [UInt8]?
        var point: IssuingDistributionPoint?
        var pointDER: [UInt8]?
        var keyIdentifier: [UInt8]?
        var freshest: [DistributionPoint] = []
        var unusable: UnusableReason?
        if let extensions {
            do {
                let list = try DER.node(in: extensions, at: 0)
                var seen: Set<String> = []
                for ext in try DER.children(of: list, in: extensions) {
                    let fields = try DER.children(of: ext, in: extensions)
                    guard fields.count == 2 || fields.count == 3, fields.last?.tag == 0x04 else { throw ExtensionDecoder.Malformed() }
                    let oid = try ExtensionDecoder.oid(fields[0], extensions)
                    guard seen.insert(oid).inserted else { throw ExtensionDecoder.Malformed() }
                    let critical = fields.count == 3 && fields[1].tag == 0x01 && extensions[fields[1].contentRange].first.map { $0 != 0 } == true
                    let value = Array(extensions[fields[fields.count - 1].contentRange])
                    func decode<T>(_ name: String, _ reader: ([UInt8]) throws -> T) -> T? {
                        do { return try reader(value) } catch {
                            if unusable == nil { unusable = .malformedExtension(name) }
                            return nil
                        }
                    }
                    switch oid {
                    case "2.5.29.20":
                        crlNumber = decode("cRLNumber", ExtensionDecoder.unsignedInteger)
                        // § 5.2.3: the CRL number is never critical; a CA that marks it so is asking for something else.
                        if critical && unusable == nil { unusable = .unhandledCriticalExtension(oid) }
                    case "2.5.29.27": base = decode("deltaCRLIndicator", ExtensionDecoder.unsignedInteger)
                    case "2.5.29.28":
                        point = decode("issuingDistributionPoint", ExtensionDecoder.issuingDistributionPoint)
                        pointDER = value
                    case "2.5.29.35": keyIdentifier = decode("authorityKeyIdentifier", ExtensionDecoder.keyIdentifier) ?? nil
                    case "2.5.29.46": freshest = decode("freshestCRL", ExtensionDecoder.distributionPoints) ?? []
                    default:
                        if critical && !Self.understood.contains(oid) && unusable == nil { unusable = .unhandledCriticalExtension(oid) }
                    }
                }
            } catch {
                unusable = .malformedExtension("crlExtensions")
            }
        }
        if unusable == nil, let entry = unhandledCriticalEntryExtension { unusable = .unhandledCriticalEntryExtension(entry) }
        // § 5.2.3: conforming CRL issuers MUST include the CRL number (NCA RK's do); without it a CRL cannot be ordered
        // against its deltas or its successors.
        if unusable == nil && crlNumber == nil { unusable = .missingCRLNumber }
        self.crlNumber = crlNumber
        self.baseCRLNumber = base
        self.issuingDistributionPoint = point
        self.issuingDistributionPointDER = pointDER
        self.authorityKeyIdentifier = keyIdentifier
        self.freshestCRL = freshest
        self.unusableBecause = unusable
    }

    /// § 6.3.3 (c): `delta` is a delta CRL for this complete CRL: same issuer, same scope (IDP), same key identifier,
    /// and its base is no newer than this CRL (§ 5.2.4: BaseCRLNumber ≤ this CRL's number).
    public func acceptsDelta(_ delta: CRLScope) -> Bool {
        guard let base = delta.baseCRLNumber, let number = crlNumber, !isDelta else { return false }
        return delta.issuer == issuer && delta.issuingDistributionPointDER == issuingDistributionPointDER
            && delta.authorityKeyIdentifier == authorityKeyIdentifier && Self.compareNumbers(base, number) <= 0
    }

    /// Orders two CRL numbers (unsigned, big-endian, without leading zeros): -1, 0 or 1.
    public static func compareNumbers(_ lhs: [UInt8], _ rhs: [UInt8]) -> Int {
        if lhs.count != rhs.count { return lhs.count < rhs.count ? -1 : 1 }
        for (left, right) in zip(lhs, rhs) where left != right { return left < right ? -1 : 1 }
        return 0
    }
}
