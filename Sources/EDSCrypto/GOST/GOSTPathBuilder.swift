internal import COpenSSL
import Foundation

/// Certification path building for GOST-signed certificates (RFC 5280 § 6.1), which OpenSSL's X509_verify_cert
/// cannot do: its issuer check needs the issuer's decoded key, and OpenSSL cannot decode GOST keys.
///
/// The same checks the RSA paths get from OpenSSL, with the same partial-chain rule (any anchor may be an
/// intermediate CA) and no time checks (the caller judges validity at the signing moment):
/// issuer name = subject name and authorityKeyIdentifier = subjectKeyIdentifier (§ 6.1.3 (a)(4), § 4.2.1.1),
/// the issuer's signature (GOST here; RSA/ECDSA links through OpenSSL), basicConstraints cA and pathLenConstraint
/// (§ 6.1.4 (k), (l), (m)), keyCertSign (§ 6.1.4 (n)), no unknown critical extension (§ 6.1.4 (o)).
enum GOSTPathBuilder {
    static let maximumDepth = 10
    /// Hostile input may carry many certificates with the same name: the search stops after this many signature checks.
    static let maximumSignatureChecks = 64

    /// True when `leaf`'s path must be built here rather than by OpenSSL.
    static func handles(_ leaf: Certificate) -> Bool { leaf.isSignedWithGOST }

    static func buildPath(
        for leaf: Certificate, intermediates: [Certificate], anchors: [Certificate]
    ) -> Result<CertificationPath, PathValidationFailure> {
        defer { OpenSSLErrorQueue.clear() }
        // A leaf that is itself an anchor (as X509_V_FLAG_PARTIAL_CHAIN accepts).
        if anchors.contains(leaf) { return .success(CertificationPath(certificates: [leaf])) }
        var closest: PathValidationFailure?
        var budget = maximumSignatureChecks
        if let path = extend([leaf], intermediates: intermediates, anchors: anchors, budget: &budget, failure: &closest) {
            return .success(CertificationPath(certificates: path))
        }
        return .failure(
            closest
                ?? PathValidationFailure(
                    kind: .noPathToTrustAnchor, openSSLCode: X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
                    detail: String(cString: X509_verify_cert_error_string(Int(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY))),
                    depth: 0))
    }

    /// Depth-first: anchors first, then intermediates, each candidate issuer whose names match.
    private static func extend(
        _ path: [Certificate], intermediates: [Certificate], anchors: [Certificate], budget: inout Int,
        failure: inout PathValidationFailure?
    ) -> [Certificate]? {
        guard let current = path.last, path.count <= maximumDepth else { return nil }
        let depth = path.count - 1
        var candidates: [(Certificate, isAnchor: Bool)] = anchors.map { ($0, true) }
        candidates += intermediates.filter { candidate in !anchors.contains(candidate) }.map { ($0, false) }
        for (issuer, isAnchor) in candidates where !path.contains(issuer) && issuer.namesAsIssuer(of: current) {
            guard budget > 0 else { return nil }
            budget -= 1
            guard signatureVerifies(current, issuer: issuer) else {
                record(&failure, X509_V_ERR_CERT_SIGNATURE_FAILURE, .invalidCertificate, depth)
                continue
            }
            let extended = path + [issuer]
            if let violation = constraintViolation(issuer: issuer, path: extended) {
                record(&failure, violation, .constraintsViolated, extended.count - 1)
                continue
            }
            if isAnchor { return extended }
            // A self-issued intermediate that is no anchor ends nowhere.
            if issuer.namesAsIssuer(of: issuer) && !anchors.isEmpty {
                record(&failure, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, .noPathToTrustAnchor, extended.count - 1)
                continue
            }
            if let complete = extend(extended, intermediates: intermediates, anchors: anchors, budget: &budget, failure: &failure) {
                return complete
            }
        }
        if failure == nil {
            let code = path.count == 1 ? X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY : X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT
            record(&failure, code, .noPathToTrustAnchor, depth)
        }
        return nil
    }

    private static func record(_ failure: inout PathValidationFailure?, _ code: Int32, _ kind: PathValidationFailure.Kind, _ depth: Int) {
        // A bad signature or a constraint says more than "no issuer": keep the most specific finding.
        if let existing = failure, existing.kind != .noPathToTrustAnchor, kind == .noPathToTrustAnchor { return }
        failure = PathValidationFailure(
            kind: kind, openSSLCode: code, detail: String(cString: X509_verify_cert_error_string(Int(code))), depth: depth)
    }

    private static func signatureVerifies(_ subject: Certificate, issuer: Certificate) -> Bool {
        if let gost = GOSTSignedStructures.verifyIssued(subject, by: issuer) { return gost }
        // An RSA/ECDSA link inside a GOST path: OpenSSL can verify that one.
        guard let key = X509_get0_pubkey(issuer.pointer) else { return false }
        return X509_verify(subject.pointer, key) == 1
    }

    /// § 6.1.4: the new issuer at the end of `path` may act as a CA for everything below it.
    private static func constraintViolation(issuer: Certificate, path: [Certificate]) -> Int32? {
        let flags = X509_get_extension_flags(issuer.pointer)
        if flags & UInt32(EXFLAG_CRITICAL) != 0 { return X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION }
        // X509_check_ca: 1 for cA=TRUE (or a v1 self-signed root); an anchor given as such is trusted as it is.
        guard X509_check_ca(issuer.pointer) != 0 else { return X509_V_ERR_INVALID_CA }
        if issuer.hasKeyUsageExtension && !issuer.keyUsage.contains(.keyCertSign) { return X509_V_ERR_KEYUSAGE_NO_CERTSIGN }
        let pathLength = X509_get_pathlen(issuer.pointer)
        if pathLength >= 0 {
            // Non-self-issued intermediates between this issuer and the leaf (§ 6.1.4 (l), (m)).
            let below = path.dropFirst().dropLast().filter { !$0.namesAsIssuer(of: $0) }.count
            if below > pathLength { return X509_V_ERR_PATH_LENGTH_EXCEEDED }
        }
        return nil
    }
}
