internal import COpenSSL
import Foundation

/// An RFC 6960 BasicOCSPResponse, as embedded in CAdES revocationValues.
public final class OCSPResponse: @unchecked Sendable {
    /// OCSP_BASICRESP*
    let pointer: OpaquePointer
    public let encoded: Data

    /// The response's certs [0] when they were parsed apart from OpenSSL's decoder (`init(basicResponse:reusingCertificates:)`).
    private let separatelyParsedCertificates: [Certificate]

    /// A BasicOCSPResponse DER.
    public convenience init(basicResponse der: Data) throws {
        try self.init(der: der, decoding: der, certificates: [])
    }

    /// The same response, but its certificates are not handed to OpenSSL's decoder: each is taken from `known` when
    /// byte-identical to one there, else from the process-wide cache. A responder signs every response with the same
    /// certificate, which CAdES-LT signatures also carry in certValues; OpenSSL 3.0 spends ~135 µs decoding one.
    /// The response's signature covers tbsResponseData only (RFC 6960 § 4.2.1), so nothing it signs is touched.
    public convenience init(basicResponse der: Data, reusingCertificates known: [Certificate]) throws {
        if let (withoutCertificates, encodings) = Self.split(der) {
            let reuse = CertificateReuse(known)
            // A certificate OpenSSL cannot read: let the ordinary decoder report the structure as it always has.
            if let certificates = try? encodings.map({ try reuse.certificate($0) }) {
                try self.init(der: der, decoding: withoutCertificates, certificates: certificates)
                return
            }
        }
        try self.init(der: der, decoding: der, certificates: [])
    }

    private init(der: Data, decoding bytes: Data, certificates: [Certificate]) throws {
        OpenSSLRuntime.ensureInitialized()
        // Exactly one DER BasicOCSPResponse within limits (RFC 6960 § 4.2.1) before OpenSSL parses it.
        do {
            try ASN1Input.checkSingleObject(der, rules: .der, limits: .ocsp)
        } catch {
            throw CryptoError.malformed("not a BasicOCSPResponse", error)
        }
        let parsed: OpaquePointer? = bytes.withUnsafeBytes { raw in
            var cursor = raw.bindMemory(to: UInt8.self).baseAddress.map { UnsafePointer($0) }
            return d2i_OCSP_BASICRESP(nil, &cursor, raw.count)
        }
        guard let parsed else { throw CryptoError.malformed("not a BasicOCSPResponse") }
        self.pointer = parsed
        self.encoded = der
        self.separatelyParsedCertificates = certificates
    }

    /// BasicOCSPResponse ::= SEQUENCE { tbsResponseData, signatureAlgorithm, signature, certs [0] EXPLICIT SEQUENCE OF
    /// Certificate OPTIONAL }: the response without certs, and each certificate's TLV. Nil when there are none.
    private static func split(_ der: Data) -> (Data, [Data])? {
        let bytes = der.byteArray
        guard let outer = try? DER.node(in: bytes, at: 0), outer.tag == 0x30, outer.range.upperBound == bytes.count,
            let fields = try? DER.children(of: outer, in: bytes), fields.count == 4, fields[3].tag == 0xa0,
            let sequence = try? DER.children(of: fields[3], in: bytes), sequence.count == 1, sequence[0].tag == 0x30,
            let certificates = try? DER.children(of: sequence[0], in: bytes)
        else { return nil }
        let kept = fields[0..<3].flatMap { bytes[$0.range] }
        return (Data(DER.encode(tag: 0x30, contents: kept)), certificates.map { Data(bytes[$0.range]) })
    }

    deinit { OCSP_BASICRESP_free(pointer) }

    /// The BasicOCSPResponse inside a successful OCSPResponse (what `openssl ocsp -respout` writes and responders
    /// send), ready to embed in revocationValues.
    public static func basicResponse(fromResponse der: Data) throws -> Data {
        OpenSSLRuntime.ensureInitialized()
        defer { OpenSSLErrorQueue.clear() }
        do {
            try ASN1Input.checkSingleObject(der, rules: .der, limits: .ocsp)
        } catch {
            throw CryptoError.malformed("not an OCSPResponse", error)
        }
        let response: OpaquePointer? = der.withUnsafeBytes { raw in
            var cursor = raw.bindMemory(to: UInt8.self).baseAddress.map { UnsafePointer($0) }
            return d2i_OCSP_RESPONSE(nil, &cursor, raw.count)
        }
        guard let response else { throw CryptoError.malformed("not an OCSPResponse") }
        defer { OCSP_RESPONSE_free(response) }
        let status = OCSP_response_status(response)
        guard status == OCSP_RESPONSE_STATUS_SUCCESSFUL, let basic = OCSP_response_get1_basic(response) else {
            throw CryptoError(.malformedInput, "the OCSP response is not successful: \(String(cString: OCSP_response_status_str(Int(status))))")
        }
        defer { OCSP_BASICRESP_free(basic) }
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_OCSP_BASICRESP(basic, &out)
        guard length > 0, let out else { throw CryptoError.openSSL("cannot encode the OCSP response") }
        defer { eds_openssl_free(out) }
        return Data(bytes: out, count: Int(length))
    }

    public var producedAt: Date? { ASN1Conversions.date(OCSP_resp_get0_produced_at(pointer)) }

    public var certificates: [Certificate] {
        guard let stack = OCSP_resp_get0_certs(pointer) else { return separatelyParsedCertificates }
        return (0..<eds_sk_X509_num(stack)).compactMap { eds_sk_X509_value(stack, $0).map { Certificate(retaining: $0) } }
            + separatelyParsedCertificates
    }

    /// The certificate that signed the response, among its own certificates and `candidates`, if its key verifies the signature.
    ///
    /// The verdict is remembered in `context`, keyed by the SHA-256 of the response's bytes and of the signer's
    /// certificate: a response embedded in many signatures has its signature verified once.
    public func verifiedSigner(candidates: [Certificate], context: VerificationContext = .shared) -> Certificate? {
        defer { OpenSSLErrorQueue.clear() }
        guard let extra = eds_sk_X509_new_null() else { return nil }
        defer { eds_sk_X509_free(extra) }
        let offered = separatelyParsedCertificates + candidates
        for certificate in offered { eds_sk_X509_push(extra, certificate.pointer) }
        var found: OpaquePointer?
        guard OCSP_resp_get0_signer(pointer, &found, extra) == 1, let found else { return nil }
        let signer = offered.first { $0.pointer == found } ?? Certificate(retaining: found)
        let question = VerificationContext.Key(kind: .ocspResponse, signed: fingerprint, signer: signer.sha256Fingerprint)
        return context.verdict(question) { verifySignature(signer: signer) } ? signer : nil
    }

    /// SHA-256 of the response's DER (a response is asked for its signer about once per validation).
    private var fingerprint: Data { Digest.sha256(encoded) }

    private func verifySignature(signer certificate: Certificate) -> Bool {
        guard let extra = eds_sk_X509_new_null() else { return false }
        defer { eds_sk_X509_free(extra) }
        for certificate in separatelyParsedCertificates + [certificate] { eds_sk_X509_push(extra, certificate.pointer) }
        // A GOST responder (NCA's): its signature over tbsResponseData, checked in GOST/.
        if let gost = GOSTSignedStructures.verify(der: [UInt8](encoded), signer: certificate) {
            return gost == .valid
        }
        guard let store = X509_STORE_new() else { return false }
        defer { X509_STORE_free(store) }
        // Signature only: who may sign for the issuer, and at which time, is the caller's policy.
        let flags = UInt(OCSP_NOVERIFY | OCSP_NOCHECKS | OCSP_NOEXPLICIT)
        return OCSP_basic_verify(pointer, extra, store, flags) == 1
    }

    public struct SingleStatus: Sendable {
        public enum State: Sendable { case good, revoked(at: Date, reason: String?), unknown }
        public let state: State
        public let thisUpdate: Date
        public let nextUpdate: Date?
    }

    /// The status this response gives `certificate` (issued by `issuer`), nil when it does not speak of it.
    public func status(of certificate: Certificate, issuer: Certificate) -> SingleStatus? {
        defer { OpenSSLErrorQueue.clear() }
        // A CertID names the serial number in clear (RFC 6960 § 4.1.1): a response listing no such serial does not
        // speak of the certificate, and the issuer's name and key need not be hashed to know it.
        guard speaks(ofSerial: X509_get0_serialNumber(certificate.pointer)) else { return nil }
        for digest in [EVP_sha1(), EVP_sha256()] {
            guard let identifier = OCSP_cert_to_id(digest, certificate.pointer, issuer.pointer) else { continue }
            defer { OCSP_CERTID_free(identifier) }
            var status: Int32 = -1
            var reason: Int32 = -1
            var revocationTime: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>?
            var thisUpdate: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>?
            var nextUpdate: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>?
            guard OCSP_resp_find_status(pointer, identifier, &status, &reason, &revocationTime, &thisUpdate, &nextUpdate) == 1 else { continue }
            let state: SingleStatus.State
            switch status {
            case V_OCSP_CERTSTATUS_GOOD: state = .good
            case V_OCSP_CERTSTATUS_REVOKED:
                state = .revoked(
                    at: ASN1Conversions.date(revocationTime) ?? .distantPast, reason: reason >= 0 ? RevocationReason.name(Int(reason)) : nil)
            default: state = .unknown
            }
            return SingleStatus(
                state: state, thisUpdate: ASN1Conversions.date(thisUpdate) ?? .distantPast, nextUpdate: ASN1Conversions.date(nextUpdate))
        }
        return nil
    }
}

extension OCSPResponse {
    /// True when some SingleResponse's CertID has this serialNumber.
    fileprivate func speaks(ofSerial serial: UnsafePointer<ASN1_INTEGER>?) -> Bool {
        guard let serial else { return true }
        for index in 0..<OCSP_resp_count(pointer) {
            guard let single = OCSP_resp_get0(pointer, index), let identifier = OCSP_SINGLERESP_get0_id(single) else { continue }
            var listed: UnsafeMutablePointer<ASN1_INTEGER>?
            guard OCSP_id_get0_info(nil, nil, nil, &listed, identifier) == 1, let listed else { return true }
            if ASN1_INTEGER_cmp(listed, serial) == 0 { return true }
        }
        return false
    }
}

/// An RFC 6960 client over HTTP POST.
public enum OCSPClient {
    /// Asks `url` for the status of `certificate`; returns the BasicOCSPResponse DER after checking the nonce.
    public static func fetch(certificate: Certificate, issuer: Certificate, url: String) throws -> Data {
        OpenSSLRuntime.ensureInitialized()
        defer { OpenSSLErrorQueue.clear() }
        guard let request = OCSP_REQUEST_new() else { throw CryptoError.openSSL("cannot allocate an OCSP request") }
        defer { OCSP_REQUEST_free(request) }
        guard let identifier = OCSP_cert_to_id(EVP_sha1(), certificate.pointer, issuer.pointer),
            OCSP_request_add0_id(request, identifier) != nil,
            OCSP_request_add1_nonce(request, nil, -1) == 1
        else { throw CryptoError.openSSL("cannot build the OCSP request") }
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_OCSP_REQUEST(request, &out)
        guard length > 0, let out else { throw CryptoError.openSSL("cannot encode the OCSP request") }
        let body = Data(bytes: out, count: Int(length))
        eds_openssl_free(out)
        let answer = try HTTPTransport.post(url, body: body, contentType: "application/ocsp-request")
        let response: OpaquePointer? = answer.withUnsafeBytes { raw in
            var cursor = raw.bindMemory(to: UInt8.self).baseAddress.map { UnsafePointer($0) }
            return d2i_OCSP_RESPONSE(nil, &cursor, raw.count)
        }
        guard let response else { throw CryptoError(.network, "the OCSP responder at \(url) did not answer with an OCSPResponse") }
        defer { OCSP_RESPONSE_free(response) }
        let status = OCSP_response_status(response)
        guard status == OCSP_RESPONSE_STATUS_SUCCESSFUL, let basic = OCSP_response_get1_basic(response) else {
            throw CryptoError(.network, "the OCSP responder at \(url) refused: \(String(cString: OCSP_response_status_str(Int(status))))")
        }
        defer { OCSP_BASICRESP_free(basic) }
        // 1: nonce present and equal; 2: both absent; -1: absent in the response (allowed by RFC 6960 for pre-produced responses).
        guard OCSP_check_nonce(request, basic) != 0 else { throw CryptoError(.network, "the OCSP response answers another request (nonce mismatch)") }
        var basicOut: UnsafeMutablePointer<UInt8>?
        let basicLength = i2d_OCSP_BASICRESP(basic, &basicOut)
        guard basicLength > 0, let basicOut else { throw CryptoError.openSSL("cannot encode the OCSP response") }
        defer { eds_openssl_free(basicOut) }
        return Data(bytes: basicOut, count: Int(basicLength))
    }
}
