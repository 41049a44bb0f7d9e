internal import COpenSSL
import Foundation

/// The result of building and checking a certification path (RFC 5280 § 6) with OpenSSL.
public struct CertificationPath: Sendable {
    /// Leaf first, trust anchor last.
    public let certificates: [Certificate]
    public var anchor: Certificate? { certificates.last }
}

public struct PathValidationFailure: Error, Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// No path to any trust anchor (unknown root, missing intermediate).
        case noPathToTrustAnchor
        /// A certificate in the path has a bad signature or a broken structure.
        case invalidCertificate
        /// A certificate in the path may not act as it does (not a CA, path length...).
        case constraintsViolated
    }

    public let kind: Kind
    /// OpenSSL's X509_V_ERR code and message.
    public let openSSLCode: Int32
    public let detail: String
    /// Position in the path of the certificate at fault (0 = leaf).
    public let depth: Int
}

/// Path building over the trust anchors a verifier chose; intermediates come from the signature itself.
public enum ChainValidator {
    /// Builds the path from `leaf` to one of `anchors` without time checks: validity at the signing moment is
    /// judged by the caller, who knows which moment that is. Any anchor may be an intermediate CA (partial chain).
    public static func buildPath(
        for leaf: Certificate, intermediates: [Certificate], anchors: [Certificate]
    ) -> Result<CertificationPath, PathValidationFailure> {
        OpenSSLRuntime.ensureInitialized()
        // OpenSSL cannot check a GOST issuer's signature (it cannot decode GOST keys): those paths are built in GOST/.
        if GOSTPathBuilder.handles(leaf) { return GOSTPathBuilder.buildPath(for: leaf, intermediates: intermediates, anchors: anchors) }
        defer { OpenSSLErrorQueue.clear() }
        guard let store = X509_STORE_new() else {
            return .failure(PathValidationFailure(kind: .invalidCertificate, openSSLCode: 0, detail: "out of memory", depth: 0))
        }
        defer { X509_STORE_free(store) }
        for anchor in anchors { X509_STORE_add_cert(store, anchor.pointer) }
        OpenSSLErrorQueue.clear()  // duplicates are harmless
        guard let untrusted = eds_sk_X509_new_null() else {
            return .failure(PathValidationFailure(kind: .invalidCertificate, openSSLCode: 0, detail: "out of memory", depth: 0))
        }
        defer { eds_sk_X509_free(untrusted) }
        for certificate in intermediates { eds_sk_X509_push(untrusted, certificate.pointer) }
        guard let context = X509_STORE_CTX_new() else {
            return .failure(PathValidationFailure(kind: .invalidCertificate, openSSLCode: 0, detail: "out of memory", depth: 0))
        }
        defer { X509_STORE_CTX_free(context) }
        guard X509_STORE_CTX_init(context, store, leaf.pointer, untrusted) == 1 else {
            return .failure(PathValidationFailure(kind: .invalidCertificate, openSSLCode: 0, detail: "cannot start path validation", depth: 0))
        }
        let parameters = X509_STORE_CTX_get0_param(context)
        X509_VERIFY_PARAM_set_flags(parameters, UInt(X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_NO_CHECK_TIME))
        if X509_verify_cert(context) == 1 {
            var path: [Certificate] = []
            if let chain = X509_STORE_CTX_get0_chain(context) {
                for index in 0..<eds_sk_X509_num(chain) {
                    if let certificate = eds_sk_X509_value(chain, index) { path.append(Certificate(retaining: certificate)) }
                }
            }
            return .success(CertificationPath(certificates: path))
        }
        let code = X509_STORE_CTX_get_error(context)
        let depth = Int(X509_STORE_CTX_get_error_depth(context))
        let message = String(cString: X509_verify_cert_error_string(Int(code)))
        let kind: PathValidationFailure.Kind
        switch code {
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
            X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
            X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, X509_V_ERR_CERT_UNTRUSTED:
            kind = .noPathToTrustAnchor
        case X509_V_ERR_INVALID_CA, X509_V_ERR_PATH_LENGTH_EXCEEDED, X509_V_ERR_INVALID_PURPOSE,
            X509_V_ERR_KEYUSAGE_NO_CERTSIGN, X509_V_ERR_INVALID_EXTENSION, X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION:
            kind = .constraintsViolated
        default:
            kind = .invalidCertificate
        }
        return .failure(PathValidationFailure(kind: kind, openSSLCode: code, detail: message, depth: depth))
    }
}
