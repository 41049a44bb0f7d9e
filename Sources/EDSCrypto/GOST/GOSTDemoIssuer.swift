internal import COpenSSL
import Foundation

/// Issues GOST 34.310 certificates and NCA-style PKCS#12 files for the DEMO PKI (Certs/make-gost-demo-pki.sh drives
/// it through `edsvault-demo-pki`). The OpenSSL CLI cannot: it cannot hold a GOST key. Certificates are built with
/// OpenSSL's X509 API (the key placed with X509_PUBKEY_set0_param) and their tbsCertificate signed by GOST/.
/// DEMO ONLY: nothing it makes is a real certification centre's.
@_spi(DemoPKI) public final class GOSTDemoKey: @unchecked Sendable {
    let key: GOSTPrivateKey

    init(_ key: GOSTPrivateKey) { self.key = key }

    /// A fresh GOST 34.310-2015 (512) key.
    public static func generate() throws -> GOSTDemoKey { GOSTDemoKey(try GOSTPrivateKey.generate(.gost2015_512)) }

    /// The key as PrivateKey (for signing with CMSSigner).
    public var privateKey: PrivateKey { PrivateKey(gost: key) }
}

@_spi(DemoPKI) public struct GOSTCertificateRequest: Sendable {
    /// (short name or OID, UTF-8 value) in order: ("CN", "…"), ("C", "KZ"), ("SERIALNUMBER", "IIN…")...
    public var subject: [(String, String)]
    public var notBefore: Date
    public var notAfter: Date
    /// OpenSSL extension configuration values by extension name ("basicConstraints": "critical,CA:TRUE", ...).
    public var extensions: [(String, String)]

    public init(subject: [(String, String)], notBefore: Date, notAfter: Date, extensions: [(String, String)]) {
        self.subject = subject
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.extensions = extensions
    }
}

@_spi(DemoPKI) public enum GOSTDemoIssuer {
    /// A certificate for `subjectKey`, signed by `issuerKey` (self-signed when `issuer` is nil).
    public static func issue(
        _ request: GOSTCertificateRequest, subjectKey: GOSTDemoKey, issuer: Certificate?, issuerKey: GOSTDemoKey
    ) throws -> Certificate {
        OpenSSLRuntime.ensureInitialized()
        defer { OpenSSLErrorQueue.clear() }
        guard let certificate = X509_new() else { throw CryptoError.openSSL("cannot allocate a certificate") }
        defer { X509_free(certificate) }
        guard X509_set_version(certificate, 2) == 1 else { throw CryptoError.openSSL("cannot set the version") }
        var serial = [UInt8](repeating: 0, count: 16)
        guard RAND_bytes(&serial, Int32(serial.count)) == 1 else { throw CryptoError.openSSL("no random serial") }
        serial[0] &= 0x7f
        serial[0] |= 0x10
        guard let serialNumber = BN_bin2bn(serial, Int32(serial.count), nil) else { throw CryptoError.openSSL("no serial") }
        defer { BN_free(serialNumber) }
        guard BN_to_ASN1_INTEGER(serialNumber, X509_get_serialNumber(certificate)) != nil else { throw CryptoError.openSSL("no serial") }
        guard let name = X509_NAME_new() else { throw CryptoError.openSSL("cannot allocate a name") }
        defer { X509_NAME_free(name) }
        for (field, value) in request.subject {
            let added = value.withCString { text in
                X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, UnsafeRawPointer(text).assumingMemoryBound(to: UInt8.self), -1, -1, 0)
            }
            guard added == 1 else { throw CryptoError.openSSL("cannot add \(field) to the name") }
        }
        guard X509_set_subject_name(certificate, name) == 1,
            X509_set_issuer_name(certificate, issuer.map { X509_get_subject_name($0.pointer) } ?? name) == 1,
            ASN1_TIME_set(X509_getm_notBefore(certificate), time_t(request.notBefore.timeIntervalSince1970)) != nil,
            ASN1_TIME_set(X509_getm_notAfter(certificate), time_t(request.notAfter.timeIntervalSince1970)) != nil
        else { throw CryptoError.openSSL("cannot set the names or validity") }
        try setPublicKey(of: certificate, subjectKey.key)
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, issuer?.pointer ?? certificate, certificate, nil, nil, 0)
        // Key identifiers as a conforming CA sets them (RFC 5280 § 4.2.1.1, § 4.2.1.2), unless the request names its own:
        // the subject's first, so that a self-signed certificate's own identifier exists before anything refers to it.
        let named = Set(request.extensions.map(\.0))
        var extensions = request.extensions
        if !named.contains("subjectKeyIdentifier") { extensions.insert(("subjectKeyIdentifier", "hash"), at: 0) }
        if issuer != nil && !named.contains("authorityKeyIdentifier") { extensions.append(("authorityKeyIdentifier", "keyid")) }
        for (extensionName, value) in extensions {
            guard let made = X509V3_EXT_nconf(nil, &context, extensionName, value) else {
                throw CryptoError.openSSL("cannot make the \(extensionName) extension")
            }
            defer { X509_EXTENSION_free(made) }
            guard X509_add_ext(certificate, made, -1) == 1 else { throw CryptoError.openSSL("cannot add the \(extensionName) extension") }
        }
        // The tbsCertificate's signature field, then the TBS bytes, signed by GOST.
        let signatureAlgorithm = issuerKey.key.algorithm
        guard let tbsAlgorithm = X509_get0_tbs_sigalg(certificate), let object = OBJ_txt2obj(signatureAlgorithm.signatureOID, 1) else {
            throw CryptoError.openSSL("cannot set the signature algorithm")
        }
        X509_ALGOR_set0(UnsafeMutablePointer(mutating: tbsAlgorithm), object, V_ASN1_NULL, nil)
        var tbsOut: UnsafeMutablePointer<UInt8>?
        let tbsLength = i2d_re_X509_tbs(certificate, &tbsOut)
        guard tbsLength > 0, let tbsOut else { throw CryptoError.openSSL("cannot encode the tbsCertificate") }
        let tbs = Array(UnsafeBufferPointer(start: tbsOut, count: Int(tbsLength)))
        eds_openssl_free(tbsOut)
        let signature = try issuerKey.key.sign(message: Data(tbs))
        let algorithmIdentifier = GOSTDER.sequence([GOSTDER.oid(signatureAlgorithm.signatureOID), [0x05, 0x00]])
        let der = GOSTDER.sequence([tbs, algorithmIdentifier, GOSTDER.encode(0x03, [0] + signature)])
        return try Certificate(derEncoded: Data(der))
    }

    /// subjectPublicKeyInfo { algorithm { key OID, SEQUENCE { curve OID, digest OID } }, BIT STRING { OCTET STRING x ‖ y } }.
    private static func setPublicKey(of certificate: OpaquePointer, _ key: GOSTPrivateKey) throws {
        let algorithm = key.algorithm
        // The certificate's own X509_PUBKEY, filled in place (OpenSSL 3.0 has no setter that takes an X509_PUBKEY).
        guard let publicKey = key.publicKey, let pubkey = X509_get_X509_PUBKEY(certificate) else {
            throw CryptoError.openSSL("cannot make the public key")
        }
        let parameters = GOSTDER.sequence([GOSTDER.oid(algorithm.curveParameterOID), GOSTDER.oid(algorithm.digestParameterOID)])
        guard let parameterString = ASN1_STRING_new(), ASN1_STRING_set(parameterString, parameters, Int32(parameters.count)) == 1,
            let object = OBJ_txt2obj(algorithm.publicKeyOID, 1)
        else { throw CryptoError.openSSL("cannot encode the key parameters") }
        let encoded = publicKey.subjectPublicKey
        guard let buffer = CRYPTO_malloc(encoded.count, #fileID, #line)?.assumingMemoryBound(to: UInt8.self) else {
            throw CryptoError.openSSL("out of memory")
        }
        buffer.initialize(from: encoded, count: encoded.count)
        guard X509_PUBKEY_set0_param(pubkey, object, V_ASN1_SEQUENCE, UnsafeMutableRawPointer(parameterString), buffer, Int32(encoded.count)) == 1
        else { throw CryptoError.openSSL("cannot set the public key") }
    }

    /// An empty GOST-signed CRL of `issuer` (RFC 5280 § 5.1: v2, cRLNumber, authorityKeyIdentifier), DER.
    public static func emptyCRL(issuer: Certificate, key: GOSTDemoKey, thisUpdate: Date, nextUpdate: Date, number: Int) throws -> Data {
        try crl(issuer: issuer, key: key, thisUpdate: thisUpdate, nextUpdate: nextUpdate, number: number)
    }

    /// One revokedCertificates entry: the certificate, when, and the CRLReason code (§ 5.3.1; nil: no reason).
    public struct RevokedEntry: Sendable {
        public let certificate: Certificate
        public let date: Date
        public let reason: Int?

        public init(_ certificate: Certificate, at date: Date, reason: Int? = nil) {
            self.certificate = certificate
            self.date = date
            self.reason = reason
        }
    }

    /// A GOST-signed CRL of `issuer` (RFC 5280 § 5.1: v2, cRLNumber, authorityKeyIdentifier) listing `revoked`; with
    /// `deltaOf`, a delta CRL (§ 5.2.4 deltaCRLIndicator, critical, naming that BaseCRLNumber), as NCA RK publishes
    /// beside its base CRL. DER.
    public static func crl(
        issuer: Certificate, key: GOSTDemoKey, thisUpdate: Date, nextUpdate: Date, number: Int, revoked: [RevokedEntry] = [],
        deltaOf base: Int? = nil
    ) throws -> Data {
        var nameOut: UnsafeMutablePointer<UInt8>?
        let nameLength = i2d_X509_NAME(X509_get_subject_name(issuer.pointer), &nameOut)
        guard nameLength > 0, let nameOut else { throw CryptoError.openSSL("cannot encode the issuer name") }
        let name = Array(UnsafeBufferPointer(start: nameOut, count: Int(nameLength)))
        eds_openssl_free(nameOut)
        let algorithmIdentifier = GOSTDER.sequence([GOSTDER.oid(key.key.algorithm.signatureOID), [0x05, 0x00]])
        var extensions = [GOSTDER.sequence([GOSTDER.oid("2.5.29.20"), GOSTDER.octetString(GOSTDER.integer(number))])]
        if let keyID = X509_get0_subject_key_id(issuer.pointer) {
            let identifier = GOSTDER.encode(0x80, [UInt8](ASN1Conversions.bytes(keyID)))
            extensions.append(GOSTDER.sequence([GOSTDER.oid("2.5.29.35"), GOSTDER.octetString(GOSTDER.sequence([identifier]))]))
        }
        if let base {
            extensions.append(GOSTDER.sequence([GOSTDER.oid("2.5.29.27"), [0x01, 0x01, 0xff], GOSTDER.octetString(GOSTDER.integer(base))]))
        }
        var fields: [[UInt8]] = [GOSTDER.integer(1), algorithmIdentifier, name, GOSTDER.time(thisUpdate), GOSTDER.time(nextUpdate)]
        if !revoked.isEmpty {
            fields.append(
                GOSTDER.sequence(
                    revoked.map { entry in
                        let serial = GOSTDER.encode(0x02, entry.certificate.identifierEncodings.serialNumber ?? [0])
                        var entryFields = [serial, GOSTDER.time(entry.date)]
                        if let reason = entry.reason {
                            let value = GOSTDER.octetString(GOSTDER.encode(0x0a, [UInt8(reason)]))
                            entryFields.append(GOSTDER.sequence([GOSTDER.sequence([GOSTDER.oid("2.5.29.21"), value])]))
                        }
                        return GOSTDER.sequence(entryFields)
                    }))
        }
        fields.append(GOSTDER.encode(0xa0, GOSTDER.sequence(extensions)))
        let tbs = GOSTDER.sequence(fields)
        let signature = try key.key.sign(message: Data(tbs))
        return Data(GOSTDER.sequence([tbs, algorithmIdentifier, GOSTDER.encode(0x03, [0] + signature)]))
    }

    /// An NCA-style PKCS#12: the key in a pkcs8ShroudedKeyBag (3DES), the certificates in an RC2-40 encrypted bag,
    /// SHA-1 MAC — what Kalkan writes and what `PKCS12Bundle.open` reads.
    public static func pkcs12(key: GOSTDemoKey, certificate: Certificate, chain: [Certificate], password: String) throws -> Data {
        OpenSSLRuntime.ensureInitialized()
        defer { OpenSSLErrorQueue.clear() }
        guard let info = PKCS8_PRIV_KEY_INFO_new() else { throw CryptoError.openSSL("out of memory") }
        defer { PKCS8_PRIV_KEY_INFO_free(info) }
        let algorithm = key.key.algorithm
        let parameters = GOSTDER.sequence([GOSTDER.oid(algorithm.curveParameterOID), GOSTDER.oid(algorithm.digestParameterOID)])
        let privateKey = key.key.pkcs8PrivateKey
        guard let parameterString = ASN1_STRING_new(), ASN1_STRING_set(parameterString, parameters, Int32(parameters.count)) == 1,
            let object = OBJ_txt2obj(algorithm.publicKeyOID, 1),
            let buffer = CRYPTO_malloc(privateKey.count, #fileID, #line)?.assumingMemoryBound(to: UInt8.self)
        else { throw CryptoError.openSSL("cannot encode the private key") }
        buffer.initialize(from: privateKey, count: privateKey.count)
        guard PKCS8_pkey_set0(info, object, 0, V_ASN1_SEQUENCE, UnsafeMutableRawPointer(parameterString), buffer, Int32(privateKey.count)) == 1 else {
            throw CryptoError.openSSL("cannot set the private key")
        }
        var localKeyID = [UInt8](certificate.sha256Fingerprint.prefix(20))
        guard let keyBag = PKCS12_SAFEBAG_create_pkcs8_encrypt(
            NID_pbe_WithSHA1And3_Key_TripleDES_CBC, password, Int32(password.utf8.count), nil, 0, 2048, info)
        else { throw CryptoError.openSSL("cannot encrypt the key bag") }
        PKCS12_add_localkeyid(keyBag, &localKeyID, Int32(localKeyID.count))
        guard let keyBags = eds_sk_PKCS12_SAFEBAG_new_null(), let certificateBags = eds_sk_PKCS12_SAFEBAG_new_null() else {
            throw CryptoError.openSSL("out of memory")
        }
        defer {
            eds_sk_PKCS12_SAFEBAG_pop_free(keyBags)
            eds_sk_PKCS12_SAFEBAG_pop_free(certificateBags)
        }
        eds_sk_PKCS12_SAFEBAG_push(keyBags, keyBag)
        for (index, item) in ([certificate] + chain).enumerated() {
            guard let bag = PKCS12_SAFEBAG_create_cert(item.pointer) else { throw CryptoError.openSSL("cannot make a certificate bag") }
            if index == 0 { PKCS12_add_localkeyid(bag, &localKeyID, Int32(localKeyID.count)) }
            eds_sk_PKCS12_SAFEBAG_push(certificateBags, bag)
        }
        var safes: OpaquePointer?
        guard PKCS12_add_safe(&safes, certificateBags, NID_pbe_WithSHA1And40BitRC2_CBC, 2048, password) == 1,
            PKCS12_add_safe(&safes, keyBags, -1, 0, nil) == 1, let safes
        else { throw CryptoError.openSSL("cannot assemble the PKCS#12 safes") }
        defer { eds_sk_PKCS7_pop_free(safes) }
        guard let p12 = PKCS12_add_safes(safes, 0) else { throw CryptoError.openSSL("cannot assemble the PKCS#12") }
        defer { PKCS12_free(p12) }
        guard PKCS12_set_mac(p12, password, Int32(password.utf8.count), nil, 0, 2048, EVP_sha1()) == 1 else {
            throw CryptoError.openSSL("cannot add the PKCS#12 MAC")
        }
        let out = try MemoryBIO()
        guard i2d_PKCS12_bio(out.pointer, p12) == 1 else { throw CryptoError.openSSL("cannot encode the PKCS#12") }
        return out.contents
    }
}
