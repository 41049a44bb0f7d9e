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
    ///
    /// Each issuer → subject signature is checked once per `context` (keyed by the SHA-256 of both certificates):
    /// OpenSSL builds the path and checks every constraint, but its signature step is ours (`verifySignatures`), which
    /// asks the context before asking the public key; the context also remembers the whole outcome for the same
    /// certificates (path building here does not depend on the time).
    public static func buildPath(
        for leaf: Certificate, intermediates: [Certificate], anchors: [Certificate], context verdicts: VerificationContext = .shared,
        profile rules: CertificateProfile.Rules = .standard
    ) -> Result<CertificationPath, PathValidationFailure> {
        let outcome = standardPath(for: leaf, intermediates: intermediates, anchors: anchors, context: verdicts)
        guard rules == .strict, case .success(let path) = outcome else { return outcome }
        // The strict rules are a verifier's choice, not a property of the certificates alone: checked after the
        // remembered outcome, which stays the standard one (the facts they read are decoded once per certificate).
        return failure(CertificateProfile.strictViolation(in: path.certificates)) ?? outcome
    }

    private static func standardPath(
        for leaf: Certificate, intermediates: [Certificate], anchors: [Certificate], context verdicts: VerificationContext
    ) -> Result<CertificationPath, PathValidationFailure> {
        OpenSSLRuntime.ensureInitialized()
        // OpenSSL cannot check a GOST issuer's signature (it cannot decode GOST keys): those paths are built in GOST/.
        if GOSTPathBuilder.handles(leaf) {
            return conforming(GOSTPathBuilder.buildPath(for: leaf, intermediates: intermediates, anchors: anchors))
        }
        // Without time checks the outcome depends on these certificates alone: the same signer with the same
        // certificates and anchors gets the path (or the failure) OpenSSL gave the first time.
        if let recent = RecentPath.current, recent.matches(leaf: leaf, intermediates: intermediates, anchors: anchors, context: verdicts) {
            return recent.outcome
        }
        let key = VerificationContext.PathKey(
            leaf: leaf.sha256Fingerprint, intermediates: intermediates.map(\.sha256Fingerprint), anchors: anchors.map(\.sha256Fingerprint))
        let outcome = verdicts.path(key) { openSSLPathAvoidingRetiredDigests(for: leaf, intermediates: intermediates, anchors: anchors, context: verdicts) }
        RecentPath.current = RecentPath(leaf: leaf, intermediates: intermediates, anchors: anchors, context: verdicts, outcome: outcome)
        return outcome
    }

    /// OpenSSL's path, held to the profile. OpenSSL builds the first path it finds and does not go back: one through an
    /// intermediate its issuer signed with MD5 or SHA-1 is refused later by the algorithm policy, though other
    /// certificates of the same CAs may lead to the anchor with current algorithms (x509-limbo's BetterTLS
    /// path-building cases). Then OpenSSL is given each such chain alone, found by names and key identifiers: it still
    /// checks everything. The outcome depends on the certificates alone, so the context remembers it whole.
    private static func openSSLPathAvoidingRetiredDigests(
        for leaf: Certificate, intermediates: [Certificate], anchors: [Certificate], context verdicts: VerificationContext
    ) -> Result<CertificationPath, PathValidationFailure> {
        let outcome = conforming(openSSLPath(for: leaf, intermediates: intermediates, anchors: anchors, context: verdicts))
        guard case .success(let path) = outcome, path.certificates.dropFirst().dropLast().contains(where: \.isSignedWithRetiredDigest) else {
            return outcome
        }
        for chain in currentChains(from: leaf, intermediates: intermediates, anchors: anchors) {
            if case .success(let other) = conforming(openSSLPath(for: leaf, intermediates: chain, anchors: anchors, context: verdicts)),
                !other.certificates.dropFirst().dropLast().contains(where: \.isSignedWithRetiredDigest)
            {
                return .success(other)
            }
        }
        return outcome
    }

    /// Chains of intermediates from `leaf` towards an anchor in which no certificate is signed with a retired digest,
    /// by issuer names and key identifiers alone (signatures are OpenSSL's to check), each CA subject once; at most a
    /// few, depth-first, so hostile input with many look-alike certificates costs little.
    private static func currentChains(from leaf: Certificate, intermediates: [Certificate], anchors: [Certificate]) -> [[Certificate]] {
        let candidates = intermediates.filter { !$0.isSignedWithRetiredDigest && !anchors.contains($0) }
        var chains: [[Certificate]] = []
        var steps = 0
        func extend(_ path: [Certificate]) {
            guard chains.count < 4, steps < 256, path.count <= 10, let current = path.last else { return }
            steps += 1
            if path.count > 1, anchors.contains(where: { $0.namesAsIssuer(of: current) }) {
                chains.append(Array(path.dropFirst()))
                return
            }
            for issuer in candidates where issuer.namesAsIssuer(of: current) {
                let subject = issuer.pathExtensions.subject
                if path.contains(where: { $0.pathExtensions.subject == subject }) { continue }
                extend(path + [issuer])
            }
        }
        extend([leaf])
        return chains
    }

    /// A built path whose certificates break the RFC 5280 profile (`CertificateProfile`) is no path.
    private static func conforming(_ outcome: Result<CertificationPath, PathValidationFailure>) -> Result<CertificationPath, PathValidationFailure> {
        guard case .success(let path) = outcome else { return outcome }
        return failure(CertificateProfile.violation(in: path.certificates)) ?? outcome
    }

    private static func failure(_ violation: CertificateProfile.Violation?) -> Result<CertificationPath, PathValidationFailure>? {
        violation.map { violation in
            .failure(
                PathValidationFailure(
                    kind: violation.isNameConstraint ? .constraintsViolated : .invalidCertificate, openSSLCode: violation.code,
                    detail: violation.rule, depth: violation.depth))
        }
    }

    private static func openSSLPath(
        for leaf: Certificate, intermediates: [Certificate], anchors: [Certificate], context verdicts: VerificationContext
    ) -> Result<CertificationPath, PathValidationFailure> {
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
        // The path's certificates are the caller's objects (OpenSSL holds references to them, never copies): mapping
        // them back keeps each one's memoised fingerprint, and the path hands back the same objects.
        var known: [OpaquePointer: Certificate] = [:]
        for certificate in [leaf] + intermediates + anchors { known[certificate.pointer] = certificate }
        let state = SignatureStep(context: verdicts, known: known)
        X509_STORE_CTX_set_ex_data(context, 0, Unmanaged.passUnretained(state).toOpaque())
        X509_STORE_CTX_set_verify(context) { context in ChainValidator.verifySignatures(context) }
        let verified = withExtendedLifetime(state) { X509_verify_cert(context) == 1 }
        if verified {
            var path: [Certificate] = []
            if let chain = X509_STORE_CTX_get0_chain(context) {
                for index in 0..<eds_sk_X509_num(chain) {
                    if let certificate = eds_sk_X509_value(chain, index) { path.append(known[certificate] ?? Certificate(retaining: certificate)) }
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

    /// What `verifySignatures` needs inside OpenSSL's callback: the verdicts and the certificates it was given.
    private final class SignatureStep {
        let context: VerificationContext
        let known: [OpaquePointer: Certificate]

        init(context: VerificationContext, known: [OpaquePointer: Certificate]) {
            self.context = context
            self.known = known
        }

        func fingerprint(_ certificate: OpaquePointer) -> Data {
            known[certificate]?.sha256Fingerprint ?? Certificate(retaining: certificate).sha256Fingerprint
        }
    }

    /// OpenSSL 3.0's signature step of X509_verify_cert (`internal_verify` in crypto/x509/x509_vfy.c) for the flags
    /// set above (PARTIAL_CHAIN, NO_CHECK_TIME), with the same checks, order, error codes and depths: the top of the
    /// path is trusted as it is; below it, each issuer's keyUsage must allow the signature (RFC 5280 § 6.1.4 (n))
    /// and its key must verify the subject's signature (§ 6.1.3 (a)(1)), a verdict remembered in the context.
    private static func verifySignatures(_ context: OpaquePointer?) -> Int32 {
        guard let context, let chain = X509_STORE_CTX_get0_chain(context),
            let raw = X509_STORE_CTX_get_ex_data(context, 0)
        else { return 0 }
        let step = Unmanaged<SignatureStep>.fromOpaque(raw).takeUnretainedValue()
        let callback = X509_STORE_CTX_get_verify_cb(context)
        func report(_ certificate: OpaquePointer, depth: Int32, error: Int32) -> Bool {
            X509_STORE_CTX_set_error_depth(context, depth)
            X509_STORE_CTX_set_current_cert(context, certificate)
            X509_STORE_CTX_set_error(context, error)
            return callback?(0, context) ?? 0 != 0
        }
        let top = eds_sk_X509_num(chain) - 1
        guard top >= 0 else { return 0 }
        var depth = top
        while depth >= 0 {
            guard let subject = eds_sk_X509_value(chain, depth) else { return 0 }
            if depth < top, let issuer = eds_sk_X509_value(chain, depth + 1) {
                let usage = X509_get_key_usage(issuer)
                let isProxy = X509_get_extension_flags(subject) & UInt32(EXFLAG_PROXY) != 0
                let needed = UInt32(isProxy ? KU_DIGITAL_SIGNATURE : KU_KEY_CERT_SIGN)
                if usage != UInt32.max && usage & needed == 0 {
                    let code = isProxy ? X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE : X509_V_ERR_KEYUSAGE_NO_CERTSIGN
                    if !report(issuer, depth: depth + 1, error: code) { return 0 }
                }
                if let key = X509_get0_pubkey(issuer) {
                    let question = VerificationContext.Key(kind: .certificate, signed: step.fingerprint(subject), signer: step.fingerprint(issuer))
                    let signed = step.context.verdict(question) { X509_verify(subject, key) > 0 }
                    if !signed && !report(subject, depth: depth, error: X509_V_ERR_CERT_SIGNATURE_FAILURE) { return 0 }
                } else if !report(issuer, depth: depth + 1, error: X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY) {
                    return 0
                }
            }
            // Success at this depth (the callback sees it, as with OpenSSL's own step); an earlier error stays.
            X509_STORE_CTX_set_error_depth(context, depth)
            X509_STORE_CTX_set_current_cert(context, subject)
            if let callback, callback(1, context) == 0 { return 0 }
            depth -= 1
        }
        return 1
    }
}

extension Certificate {
    /// The issuer signed this certificate with MD5 or SHA-1, which ETSI TS 119 312 retires for signatures.
    public var isSignedWithRetiredDigest: Bool {
        derived(RetiredDigest.self) { certificate in
            let name = certificate.signatureAlgorithm.lowercased()
            return RetiredDigest(value: name.contains("md5") || name.contains("sha1"))
        }.value
    }

    private struct RetiredDigest: Sendable { let value: Bool }
}

/// The last path outcome a thread looked up, by the identity of the certificate objects and the context it was asked
/// for. A service's or a batch's validation thread meets the same signer, CA and anchors (the same objects, from the
/// process-wide certificate cache and the policy) validation after validation: it then needs neither the context's
/// shared lock nor a fingerprint hashed per certificate. The entry holds the objects it names, so no other object can
/// take one of their identities while it is remembered; certificates are immutable, so the same objects are the same
/// bytes, and the outcome is a function of those bytes.
final class RecentPath {
    let leaf: Certificate
    let intermediates: [Certificate]
    let anchors: [Certificate]
    let context: VerificationContext
    let outcome: Result<CertificationPath, PathValidationFailure>

    init(
        leaf: Certificate, intermediates: [Certificate], anchors: [Certificate], context: VerificationContext,
        outcome: Result<CertificationPath, PathValidationFailure>
    ) {
        self.leaf = leaf
        self.intermediates = intermediates
        self.anchors = anchors
        self.context = context
        self.outcome = outcome
    }

    func matches(leaf: Certificate, intermediates: [Certificate], anchors: [Certificate], context: VerificationContext) -> Bool {
        guard self.leaf === leaf, self.context === context, self.intermediates.count == intermediates.count,
            self.anchors.count == anchors.count
        else { return false }
        for index in intermediates.indices where self.intermediates[index] !== intermediates[index] { return false }
        for index in anchors.indices where self.anchors[index] !== anchors[index] { return false }
        return true
    }

    /// This thread's entry (pthread-specific storage; released when the thread ends).
    static var current: RecentPath? {
        get { pthread_getspecific(threadKey).map { Unmanaged<RecentPath>.fromOpaque($0).takeUnretainedValue() } }
        set {
            let old = pthread_getspecific(threadKey)
            pthread_setspecific(threadKey, newValue.map { Unmanaged.passRetained($0).toOpaque() })
            if let old { Unmanaged<RecentPath>.fromOpaque(old).release() }
        }
    }

    private static let threadKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { entry in if let entry { Unmanaged<RecentPath>.fromOpaque(entry).release() } }
        return key
    }()
}
