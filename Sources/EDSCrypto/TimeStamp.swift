internal import COpenSSL
import Foundation

/// An RFC 3161 TimeStampToken: a CMS SignedData over a TSTInfo.
public struct TimeStampToken: Sendable {
    /// The token's ContentInfo DER, as embedded in id-aa-signatureTimeStampToken.
    public let encoded: Data
    public let signedData: CMSSignedData
    /// The TSA's time of stamping: the proof of existence a signature can rely on.
    public let genTime: Date
    public let serialNumberHex: String
    public let policyOID: String
    public let imprintAlgorithmOID: String
    public let imprint: Data
    /// The TSTInfo tsa field, when the TSA names itself.
    public let tsaName: String?
    public let nonceHex: String?

    public var imprintAlgorithm: DigestAlgorithm? { DigestAlgorithm(oid: imprintAlgorithmOID) }

    /// `known`: certificates already parsed (the signature's own, its certValues); the token's certificates that
    /// are byte-identical to one of them are not parsed again, the others come through `Certificate.cached`
    /// (see `CMSSignedData.init(_:reusingCertificates:)`: a TSA's certificate recurs in every token it issues).
    public init(_ der: Data, reusingCertificates known: [Certificate] = []) throws {
        let signedData = try CMSSignedData(der, reusingCertificates: known)
        guard signedData.trailingByteCount == 0 else {
            throw CryptoError(.malformedInput, "the timestamp token is followed by \(signedData.trailingByteCount) byte(s)")
        }
        guard signedData.contentTypeOID == CMSAttribute.OID.tstInfo, let content = signedData.encapsulatedContent else {
            throw CryptoError(.malformedInput, "not a timestamp token: the CMS does not encapsulate a TSTInfo")
        }
        let bio = try MemoryBIO(content)
        guard let info = d2i_TS_TST_INFO_bio(bio.pointer, nil) else { throw CryptoError.malformed("the timestamp's TSTInfo cannot be read") }
        defer { TS_TST_INFO_free(info) }
        guard let genTime = ASN1Conversions.date(TS_TST_INFO_get_time(info)) else {
            throw CryptoError(.malformedInput, "the timestamp's genTime cannot be read")
        }
        let imprint = TS_TST_INFO_get_msg_imprint(info)
        var algorithmObject: OpaquePointer?
        X509_ALGOR_get0(&algorithmObject, nil, nil, TS_MSG_IMPRINT_get_algo(imprint))
        self.encoded = signedData.encoded
        self.signedData = signedData
        self.genTime = genTime
        self.serialNumberHex = ASN1Conversions.integerHex(TS_TST_INFO_get_serial(info))
        self.policyOID = ASN1Conversions.oid(TS_TST_INFO_get_policy_id(info))
        self.imprintAlgorithmOID = ASN1Conversions.oid(algorithmObject)
        self.imprint = ASN1Conversions.bytes(TS_MSG_IMPRINT_get_msg(imprint))
        if let name = TS_TST_INFO_get_tsa(info), name.pointee.type == GEN_DIRNAME {
            self.tsaName = DistinguishedName(name: name.pointee.d.directoryName).description
        } else {
            self.tsaName = nil
        }
        self.nonceHex = TS_TST_INFO_get_nonce(info).map { ASN1Conversions.integerHex($0) }
        OpenSSLErrorQueue.clear()
    }

    /// True when `certificate`'s key verifies the token's first SignerInfo signature (RFC 5652 § 5.6, over its signed
    /// attributes as received, or over the TSTInfo's digest when it has none).
    ///
    /// The verdict depends only on that SignerInfo's bytes, the TSTInfo's digest and the certificate, so it is
    /// remembered in `context` keyed by the SHA-256 of the first two and of the certificate, as chain and CRL
    /// signatures are: a signature validated again (a vault's audit, the same upload twice) does not verify its
    /// timestamp again. Whether the TSA was entitled to sign, and when, is the caller's to check every time.
    ///
    /// `contentDigest`: the TSTInfo's digest with the SignerInfo's algorithm, when the caller has computed it.
    public func isSigned(by certificate: Certificate, contentDigest: Data? = nil, context: VerificationContext = .shared) -> Bool {
        guard let signer = signedData.signers.first, let signerInfo = signedData.structure.signerInfoEncodings.first,
            let algorithm = signer.digestAlgorithm, let content = signedData.encapsulatedContent,
            let contentDigest = contentDigest ?? (try? Digest.hash(content, algorithm: algorithm))
        else { return false }
        // A SignerInfo is one DER TLV, so it and the digest after it cannot run into each other.
        var signed = Data(signerInfo)
        signed.append(contentDigest)
        let question = VerificationContext.Key(kind: .timeStampToken, signed: Digest.sha256(signed), signer: certificate.sha256Fingerprint)
        return context.verdict(question) {
            signedData.verifySignatureValue(of: signer, with: certificate, contentDigest: contentDigest) == .valid
        }
    }

    /// True when the token's message imprint is the digest of `data` (for a signature timestamp: the signature value).
    public func covers(_ data: Data) -> Bool {
        guard let algorithm = imprintAlgorithm, let digest = try? Digest.hash(data, algorithm: algorithm) else { return false }
        return digest == imprint
    }
}

/// An RFC 3161 client over HTTP (application/timestamp-query).
public enum TimeStampClient {
    /// A TimeStampReq for `data`'s digest, with a random nonce and certReq set.
    public static func request(for data: Data, algorithm: DigestAlgorithm = .sha256) throws -> (request: Data, nonce: Data) {
        try request(forDigest: try Digest.hash(data, algorithm: algorithm), algorithm: algorithm)
    }

    /// A TimeStampReq whose messageImprint is `digest` itself: an archive timestamp covers a hash tree's root value.
    public static func request(forDigest digest: Data, algorithm: DigestAlgorithm) throws -> (request: Data, nonce: Data) {
        OpenSSLRuntime.ensureInitialized()
        defer { OpenSSLErrorQueue.clear() }
        guard let request = TS_REQ_new(), let imprint = TS_MSG_IMPRINT_new(), let algorithmIdentifier = X509_ALGOR_new() else {
            throw CryptoError.openSSL("cannot allocate a timestamp request")
        }
        defer {
            TS_REQ_free(request)
            TS_MSG_IMPRINT_free(imprint)
            X509_ALGOR_free(algorithmIdentifier)
        }
        X509_ALGOR_set_md(algorithmIdentifier, algorithm.evp)
        var digestBytes = [UInt8](digest)
        var nonceBytes = [UInt8](repeating: 0, count: 8)
        RAND_bytes(&nonceBytes, Int32(nonceBytes.count))
        nonceBytes[0] &= 0x7f  // a positive INTEGER
        guard let nonce = BN_bin2bn(nonceBytes, Int32(nonceBytes.count), nil) else { throw CryptoError.openSSL("cannot make a nonce") }
        defer { BN_free(nonce) }
        guard let nonceInteger = BN_to_ASN1_INTEGER(nonce, nil) else { throw CryptoError.openSSL("cannot make a nonce") }
        defer { ASN1_INTEGER_free(nonceInteger) }
        guard TS_REQ_set_version(request, 1) == 1,
            TS_MSG_IMPRINT_set_algo(imprint, algorithmIdentifier) == 1,
            TS_MSG_IMPRINT_set_msg(imprint, &digestBytes, Int32(digestBytes.count)) == 1,
            TS_REQ_set_msg_imprint(request, imprint) == 1,
            TS_REQ_set_nonce(request, nonceInteger) == 1,
            TS_REQ_set_cert_req(request, 1) == 1
        else { throw CryptoError.openSSL("cannot build the timestamp request") }
        let out = try MemoryBIO()
        guard i2d_TS_REQ_bio(out.pointer, request) == 1 else { throw CryptoError.openSSL("cannot encode the timestamp request") }
        return (out.contents, Data(nonceBytes))
    }

    /// The token out of a TimeStampResp, after checking the status is granted.
    public static func token(fromResponse response: Data) throws -> Data {
        OpenSSLRuntime.ensureInitialized()
        defer { OpenSSLErrorQueue.clear() }
        do {
            try ASN1Input.checkSingleObject(response, rules: .ber, limits: .cms)
        } catch {
            throw CryptoError.malformed("the TSA's answer is not a TimeStampResp", error)
        }
        let bio = try MemoryBIO(response)
        guard let parsed = d2i_TS_RESP_bio(bio.pointer, nil) else { throw CryptoError.malformed("the TSA's answer is not a TimeStampResp") }
        defer { TS_RESP_free(parsed) }
        let status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(parsed)))
        guard status == 0 || status == 1, let token = TS_RESP_get_token(parsed) else {
            throw CryptoError(.network, "the TSA refused the request (PKIStatus \(status))")
        }
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_PKCS7(token, &out)
        guard length > 0, let out else { throw CryptoError.openSSL("cannot encode the timestamp token") }
        defer { eds_openssl_free(out) }
        return Data(bytes: out, count: Int(length))
    }

    /// Asks the TSA at `url` to timestamp `data` (a signature value) and checks the answer covers it.
    public static func timestamp(_ data: Data, tsaURL url: String) throws -> TimeStampToken {
        let token = try timestamp(digest: try Digest.hash(data, algorithm: .sha256), algorithm: .sha256, tsaURL: url)
        guard token.covers(data) else { throw CryptoError(.network, "the TSA's token does not cover the signature value") }
        return token
    }

    /// Asks the TSA at `url` for a token over `digest` (messageImprint = digest) and checks the answer.
    public static func timestamp(digest: Data, algorithm: DigestAlgorithm, tsaURL url: String) throws -> TimeStampToken {
        let (request, nonce) = try request(forDigest: digest, algorithm: algorithm)
        let response = try HTTPTransport.post(url, body: request, contentType: "application/timestamp-query")
        let token = try TimeStampToken(try self.token(fromResponse: response))
        guard token.imprint == digest else { throw CryptoError(.network, "the TSA's token does not cover the requested digest") }
        let expectedNonce = Data(nonce.drop { $0 == 0 }).hexString.uppercased()
        if let nonceHex = token.nonceHex, nonceHex.trimmingPrefix("0") != Substring(expectedNonce).trimmingPrefix("0") {
            throw CryptoError(.network, "the TSA's token answers another request (nonce mismatch)")
        }
        return token
    }
}

/// A time-stamping authority built on OpenSSL's TS responder; the demo TSA and the tests use it.
public final class TimeStampAuthority: @unchecked Sendable {
    let certificate: Certificate
    let key: PrivateKey
    let chain: [Certificate]
    let policyOID: String

    public init(certificate: Certificate, key: PrivateKey, chain: [Certificate] = [], policyOID: String = "1.2.398.3.3.2.6.1") {
        self.certificate = certificate
        self.key = key
        self.chain = chain
        self.policyOID = policyOID
    }

    /// A TimeStampResp for `request`; `time` overrides the clock (tests make tokens "in the past").
    public func respond(to request: Data, at time: Date? = nil) throws -> Data {
        OpenSSLRuntime.ensureInitialized()
        defer { OpenSSLErrorQueue.clear() }
        guard let context = TS_RESP_CTX_new() else { throw CryptoError.openSSL("cannot create the TSA context") }
        defer { TS_RESP_CTX_free(context) }
        guard let policy = policyOID.withCString({ OBJ_txt2obj($0, 1) }) else { throw CryptoError.openSSL("bad TSA policy OID") }
        defer { ASN1_OBJECT_free(policy) }
        guard TS_RESP_CTX_set_signer_cert(context, certificate.pointer) == 1,
            TS_RESP_CTX_set_signer_key(context, key.pointer) == 1,
            TS_RESP_CTX_set_def_policy(context, policy) == 1,
            TS_RESP_CTX_add_md(context, EVP_sha256()) == 1,
            TS_RESP_CTX_add_md(context, EVP_sha384()) == 1,
            TS_RESP_CTX_add_md(context, EVP_sha512()) == 1,
            TS_RESP_CTX_set_signer_digest(context, EVP_sha256()) == 1,
            TS_RESP_CTX_set_ess_cert_id_digest(context, EVP_sha256()) == 1,
            TS_RESP_CTX_set_accuracy(context, 1, 0, 0) == 1
        else { throw CryptoError.openSSL("cannot configure the TSA") }
        if !chain.isEmpty {
            let stack = eds_sk_X509_new_null()
            defer { eds_sk_X509_free(stack) }
            for certificate in chain { eds_sk_X509_push(stack, certificate.pointer) }
            TS_RESP_CTX_set_certs(context, stack)
        }
        TS_RESP_CTX_add_flags(context, Int32(TS_ESS_CERT_ID_CHAIN))
        let box = TimeBox(seconds: time.map { Int($0.timeIntervalSince1970) })
        let unmanaged = Unmanaged.passRetained(box)
        defer { unmanaged.release() }
        TS_RESP_CTX_set_time_cb(context, { _, data, seconds, microseconds in
            guard let data, let seconds, let microseconds else { return 0 }
            let box = Unmanaged<TimeBox>.fromOpaque(data).takeUnretainedValue()
            var now = timeval()
            gettimeofday(&now, nil)
            seconds.pointee = box.seconds ?? Int(now.tv_sec)
            microseconds.pointee = box.seconds == nil ? Int(now.tv_usec) : 0
            return 1
        }, unmanaged.toOpaque())
        let input = try MemoryBIO(request)
        guard let response = TS_RESP_create_response(context, input.pointer) else { throw CryptoError.openSSL("the TSA could not answer") }
        defer { TS_RESP_free(response) }
        let out = try MemoryBIO()
        guard i2d_TS_RESP_bio(out.pointer, response) == 1 else { throw CryptoError.openSSL("cannot encode the TSA answer") }
        return out.contents
    }

    private final class TimeBox {
        let seconds: Int?
        init(seconds: Int?) { self.seconds = seconds }
    }
}
