internal import COpenSSL
import Foundation

/// An X.509 CRL (RFC 5280 § 5), owning its OpenSSL `X509_CRL`.
public final class CertificateRevocationList: @unchecked Sendable {
    let pointer: OpaquePointer

    init(taking pointer: OpaquePointer) { self.pointer = pointer }

    deinit { X509_CRL_free(pointer) }

    /// DER or PEM.
    public convenience init(_ data: Data) throws {
        OpenSSLRuntime.ensureInitialized()
        // DER is checked to be exactly one CertificateList within limits before OpenSSL parses it (RFC 5280 § 5.1).
        if !PEM.looksLikePEM(data) {
            do {
                try ASN1Input.checkSingleObject(data, rules: .der, limits: .crl)
            } catch {
                throw CryptoError.malformed("not a certificate revocation list", error)
            }
        } else if data.count > ASN1Limits.crl.maximumBytes * 2 {
            throw CryptoError(.malformedInput, "the CRL file is larger than the limit of \(ASN1Limits.crl.maximumBytes * 2) bytes")
        }
        let bio = try MemoryBIO(data)
        let crl = PEM.looksLikePEM(data) ? PEM_read_bio_X509_CRL(bio.pointer, nil, nil, nil) : d2i_X509_CRL_bio(bio.pointer, nil)
        guard let crl else { throw CryptoError.malformed("not a certificate revocation list") }
        self.init(taking: crl)
    }

    public var derEncoded: Data {
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509_CRL(pointer, &out)
        guard length > 0, let out else { return Data() }
        defer { eds_openssl_free(out) }
        return Data(bytes: out, count: Int(length))
    }

    public var issuer: DistinguishedName { DistinguishedName(name: X509_CRL_get_issuer(pointer)) }
    public var thisUpdate: Date? { ASN1Conversions.date(X509_CRL_get0_lastUpdate(pointer)) }
    public var nextUpdate: Date? { ASN1Conversions.date(X509_CRL_get0_nextUpdate(pointer)) }

    /// True when `issuer` issued this CRL: names match and its key verifies the CRL signature.
    public func isSigned(by issuer: Certificate) -> Bool {
        defer { OpenSSLErrorQueue.clear() }
        if let gost = GOSTSignedStructures.verify(der: [UInt8](derEncoded), signer: issuer) {
            return gost == .valid && X509_NAME_cmp(X509_CRL_get_issuer(pointer), X509_get_subject_name(issuer.pointer)) == 0
        }
        guard X509_NAME_cmp(X509_CRL_get_issuer(pointer), X509_get_subject_name(issuer.pointer)) == 0,
            let key = X509_get0_pubkey(issuer.pointer)
        else { return false }
        return X509_CRL_verify(pointer, key) == 1
    }

    public enum Entry: Hashable, Sendable {
        case notListed
        case revoked(at: Date, reason: String?)
    }

    /// Whether `certificate` (by serial, under this CRL's issuer) is listed.
    public func entry(for certificate: Certificate) -> Entry {
        var revoked: OpaquePointer?
        let found = X509_CRL_get0_by_cert(pointer, &revoked, certificate.pointer)
        OpenSSLErrorQueue.clear()
        guard found == 1, let revoked else { return .notListed }
        let date = ASN1Conversions.date(X509_REVOKED_get0_revocationDate(revoked)) ?? .distantPast
        var reason: String?
        var critical: Int32 = 0
        if let raw = X509_REVOKED_get_ext_d2i(revoked, NID_crl_reason, &critical, nil) {
            let enumerated = raw.assumingMemoryBound(to: ASN1_ENUMERATED.self)
            reason = RevocationReason.name(Int(ASN1_ENUMERATED_get(enumerated)))
            ASN1_ENUMERATED_free(enumerated)
        }
        return .revoked(at: date, reason: reason)
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
