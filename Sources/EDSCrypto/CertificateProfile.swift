internal import COpenSSL
import Foundation

/// The RFC 5280 § 4 certificate profile, judged over a built path for every algorithm alike (OpenSSL's path for
/// RSA/ECDSA, `GOSTPathBuilder`'s for GOST): what conforming CAs MUST do, so that a certificate no conforming CA could
/// have issued is not accepted. OpenSSL checks part of this only under X509_V_FLAG_X509_STRICT, and GOST paths never
/// reach OpenSSL's checks at all; one Swift implementation gives both the same answers.
///
/// Judged on every certificate of the path, the trust anchor included (an anchor is a certificate the verifier
/// trusts, not one that may break the profile); the rules for CA certificates apply to every certificate that issues
/// another in the path and to every certificate asserting cA.
///
/// Also here, for the names under a nameConstraints extension (§ 4.2.1.10), what OpenSSL's matching does not ask:
/// DNS constraints and subjectAltName DNS and e-mail names must be well-formed to be inside (or outside) a subtree,
/// and a wildcard DNS name must not be able to stand for an excluded one. GOST paths get OpenSSL's own matching
/// (`NAME_CONSTRAINTS_check`) here too.
public enum CertificateProfile {
    /// Which rules to hold a path to.
    public enum Rules: Hashable, Sendable {
        /// Every rule path validation (§ 6) and NIST PKITS agree with.
        case standard
        /// Also the criticality rules of § 4.2.1.9 and § 4.2.1.11 that PKITS does not hold a path to (its valid paths
        /// 4.6.4 and 4.8.6 carry a non-critical basicConstraints and policyConstraints) and x509-limbo and
        /// `openssl verify -x509_strict` do: a CA's basicConstraints and any policyConstraints must be critical.
        case strict
    }

    /// The reason for a profile rule OpenSSL has no verification error code for (serial numbers, duplicated or
    /// non-critical extensions): OpenSSL never returns a negative code.
    public static let ruleWithoutOpenSSLCode: Int32 = -1

    public struct Violation: Error, Hashable, Sendable {
        /// Position in the path (0 = the certificate validated).
        public let depth: Int
        /// OpenSSL's X509_V_ERR code for the same rule, or `ruleWithoutOpenSSLCode`.
        public let code: Int32
        /// The rule, in English, with the RFC 5280 section.
        public let rule: String
        /// True for a name-constraint violation (a constraint of the path, not a malformed certificate).
        public let isNameConstraint: Bool
    }

    /// The first violation in `path` (leaf first, anchor last) of the standard rules, or nil when the path conforms.
    public static func violation(in path: [Certificate]) -> Violation? {
        defer { OpenSSLErrorQueue.clear() }
        for (depth, certificate) in path.enumerated() {
            if let rule = certificate.profileFacts.violation(actsAsCA: depth > 0) {
                return Violation(depth: depth, code: rule.code, rule: rule.text, isNameConstraint: false)
            }
        }
        return nameConstraintViolation(in: path)
    }

    /// The first violation of the rules `strict` adds, for a path that already holds to the standard ones.
    public static func strictViolation(in path: [Certificate]) -> Violation? {
        for (depth, certificate) in path.enumerated() {
            let facts = certificate.profileFacts
            if (depth > 0 || facts.isCA) && facts.hasBasicConstraints && !facts.basicConstraintsCritical {
                return Violation(
                    depth: depth, code: X509_V_ERR_CA_BCONS_NOT_CRITICAL, rule: "a CA certificate's basicConstraints must be critical (RFC 5280 § 4.2.1.9)",
                    isNameConstraint: false)
            }
            if facts.nonCriticalPolicyConstraints {
                return Violation(
                    depth: depth, code: ruleWithoutOpenSSLCode, rule: "policyConstraints must be critical (RFC 5280 § 4.2.1.11)", isNameConstraint: false)
            }
        }
        return nil
    }

    // MARK: - Name constraints

    /// § 6.1.3 (b), (c): the names of each certificate below a CA with nameConstraints, but for self-issued
    /// intermediates, must be within its permitted and outside its excluded subtrees.
    private static func nameConstraintViolation(in path: [Certificate]) -> Violation? {
        for (constrainingDepth, authority) in path.enumerated() where constrainingDepth > 0 {
            guard let constraints = authority.profileFacts.nameConstraints else { continue }
            for depth in (0..<constrainingDepth).reversed() {
                let subject = path[depth]
                if depth > 0 && subject.isSelfIssued { continue }
                if let reason = constraints.violation(by: subject.profileFacts.alternativeNames) {
                    return Violation(depth: depth, code: reason.code, rule: reason.text, isNameConstraint: true)
                }
                // OpenSSL matched these names while building an RSA/ECDSA path; a GOST path was built without it.
                if subject.isSignedWithGOST || authority.isSignedWithGOST,
                    let code = openSSLNameConstraintsCheck(subject, authority), code != X509_V_OK
                {
                    let text = String(cString: X509_verify_cert_error_string(Int(code)))
                    return Violation(depth: depth, code: code, rule: "\(text) (RFC 5280 § 6.1.3 (b), (c))", isNameConstraint: true)
                }
            }
        }
        return nil
    }

    private static func openSSLNameConstraintsCheck(_ subject: Certificate, _ authority: Certificate) -> Int32? {
        var critical: Int32 = 0
        guard let raw = X509_get_ext_d2i(authority.pointer, NID_name_constraints, &critical, nil) else { return nil }
        let constraints = raw.assumingMemoryBound(to: NAME_CONSTRAINTS.self)
        defer { NAME_CONSTRAINTS_free(constraints) }
        return NAME_CONSTRAINTS_check(subject.pointer, constraints)
    }
}

/// What the profile rules read from one certificate, decoded once (certificates are immutable).
struct CertificateProfileFacts: Sendable {
    struct Rule: Sendable {
        let code: Int32
        let text: String
    }

    /// A rule the certificate breaks whatever its place in a path, found when the facts were read.
    let standingViolation: Rule?
    let isCA: Bool
    let hasBasicConstraints: Bool
    let basicConstraintsCritical: Bool
    let nonCriticalPolicyConstraints: Bool
    let hasSubjectKeyIdentifier: Bool
    let subjectIsEmpty: Bool
    let nameConstraints: NameConstraintSubtrees?
    /// subjectAltName dNSName and rfc822Name values (other forms are not judged here).
    let alternativeNames: [(tag: UInt8, value: String)]

    func violation(actsAsCA: Bool) -> Rule? {
        if let standingViolation { return standingViolation }
        guard actsAsCA || isCA else { return nil }
        if !hasBasicConstraints || !isCA {
            return Rule(code: X509_V_ERR_INVALID_CA, text: "a certificate that issues another must assert basicConstraints cA (RFC 5280 § 4.2.1.9)")
        }
        if !hasSubjectKeyIdentifier {
            return Rule(
                code: X509_V_ERR_MISSING_SUBJECT_KEY_IDENTIFIER, text: "a CA certificate must carry a subjectKeyIdentifier (RFC 5280 § 4.2.1.2)")
        }
        if subjectIsEmpty {
            return Rule(code: X509_V_ERR_SUBJECT_NAME_EMPTY, text: "a CA certificate's subject must not be empty (RFC 5280 § 4.1.2.6)")
        }
        return nil
    }

    init(_ parsed: Certificate) {
        let certificate = parsed.pointer
        var found: Rule?
        func breaks(_ code: Int32, _ text: String) { if found == nil { found = Rule(code: code, text: text) } }
        let flags = X509_get_extension_flags(certificate)
        isCA = flags & UInt32(EXFLAG_CA) != 0
        subjectIsEmpty = X509_NAME_entry_count(X509_get_subject_name(certificate)) == 0

        // § 4.1.2.2: a positive INTEGER of at most 20 octets.
        if let serial = X509_get0_serialNumber(certificate) {
            let length = Int(ASN1_STRING_length(serial))
            let bytes = UnsafeBufferPointer(start: ASN1_STRING_get0_data(serial), count: max(0, length))
            if ASN1_STRING_type(serial) & V_ASN1_NEG != 0 {
                breaks(CertificateProfile.ruleWithoutOpenSSLCode, "the serial number must be positive (RFC 5280 § 4.1.2.2)")
            } else if bytes.allSatisfy({ $0 == 0 }) {
                breaks(CertificateProfile.ruleWithoutOpenSSLCode, "the serial number must not be zero (RFC 5280 § 4.1.2.2)")
            } else if length > 20 {
                breaks(CertificateProfile.ruleWithoutOpenSSLCode, "the serial number must be at most 20 octets (RFC 5280 § 4.1.2.2)")
            }
        }

        var seen: Set<String> = []
        var extensions: [Int32: (critical: Bool, value: [UInt8])] = [:]
        let count = X509_get_ext_count(certificate)
        if count > 0 && X509_get_version(certificate) != 2 {
            breaks(X509_V_ERR_EXTENSIONS_REQUIRE_VERSION_3, "extensions appear only in version 3 certificates (RFC 5280 § 4.1.2.1)")
        }
        for index in 0..<max(0, count) {
            guard let ext = X509_get_ext(certificate, index), let object = X509_EXTENSION_get_object(ext) else { continue }
            let oid = ASN1Conversions.oid(object)
            if !seen.insert(oid).inserted {
                breaks(CertificateProfile.ruleWithoutOpenSSLCode, "extension \(oid) appears twice (RFC 5280 § 4.2)")
            }
            let nid = OBJ_obj2nid(object)
            guard nid != NID_undef, let data = X509_EXTENSION_get_data(ext) else { continue }
            let value = Array(UnsafeBufferPointer(start: ASN1_STRING_get0_data(data), count: Int(ASN1_STRING_length(data))))
            extensions[nid] = (X509_EXTENSION_get_critical(ext) != 0, value)
        }

        let basicConstraints = extensions[NID_basic_constraints]
        hasBasicConstraints = basicConstraints != nil
        basicConstraintsCritical = basicConstraints?.critical ?? false
        // A CA certificate without keyUsage breaks § 4.2.1.3, but § 6.1.4 (n) and § 6.3.3 (f) judge keyUsage only
        // where it is present, and x509-limbo's crl::issuer-no-keyusage-extension holds a validator to that.
        let hasKeyUsage = extensions[NID_key_usage] != nil
        hasSubjectKeyIdentifier = extensions[NID_subject_key_identifier] != nil

        if let aki = extensions[NID_authority_key_identifier] {
            if aki.critical {
                breaks(X509_V_ERR_AUTHORITY_KEY_IDENTIFIER_CRITICAL, "authorityKeyIdentifier must not be critical (RFC 5280 § 4.2.1.1)")
            }
            if X509_get0_authority_key_id(certificate) == nil {
                breaks(X509_V_ERR_MISSING_AUTHORITY_KEY_IDENTIFIER, "authorityKeyIdentifier must carry keyIdentifier (RFC 5280 § 4.2.1.1)")
            }
        } else if parsed.pathExtensions.subject != parsed.pathExtensions.issuer {
            // Not self-issued (names compared as § 7.1 says): only a self-signed certificate may omit the identifier.
            // A key-rollover certificate between two keys of one CA is self-issued but carries it anyway.
            breaks(
                X509_V_ERR_MISSING_AUTHORITY_KEY_IDENTIFIER,
                "authorityKeyIdentifier is required in every certificate but a self-signed one (RFC 5280 § 4.2.1.1)")
        }
        if extensions[NID_subject_key_identifier]?.critical == true {
            breaks(X509_V_ERR_SUBJECT_KEY_IDENTIFIER_CRITICAL, "subjectKeyIdentifier must not be critical (RFC 5280 § 4.2.1.2)")
        }

        // § 4.2.1.3: at least one bit; keyCertSign only with cA. § 4.2.1.9: pathLenConstraint only with cA.
        let usage = X509_get_key_usage(certificate)
        if hasKeyUsage && usage == 0 {
            breaks(X509_V_ERR_INVALID_EXTENSION, "keyUsage must assert at least one bit (RFC 5280 § 4.2.1.3)")
        }
        if hasKeyUsage && usage & UInt32(KU_KEY_CERT_SIGN) != 0 && !isCA {
            breaks(X509_V_ERR_KU_KEY_CERT_SIGN_INVALID_FOR_NON_CA, "keyCertSign requires basicConstraints cA (RFC 5280 § 4.2.1.3)")
        }
        if X509_get_pathlen(certificate) >= 0 && !isCA {
            breaks(X509_V_ERR_PATHLEN_INVALID_FOR_NON_CA, "pathLenConstraint requires basicConstraints cA (RFC 5280 § 4.2.1.9)")
        }

        // § 4.2.1.6: at least one name; critical when the subject is empty.
        var names: [(tag: UInt8, value: String)] = []
        if let san = extensions[NID_subject_alt_name] {
            do {
                let list = try ExtensionDecoder.generalNames(try ExtensionDecoder.top(san.value, tag: 0x30), san.value)
                for case .other(let tag, let bytes) in list where tag == 0x81 || tag == 0x82 {
                    names.append((tag, String(decoding: bytes, as: UTF8.self)))
                }
            } catch {
                breaks(X509_V_ERR_EMPTY_SUBJECT_ALT_NAME, "subjectAltName must name at least one well-formed name (RFC 5280 § 4.2.1.6)")
            }
            if subjectIsEmpty && !san.critical {
                breaks(X509_V_ERR_EMPTY_SUBJECT_SAN_NOT_CRITICAL, "with an empty subject, subjectAltName must be critical (RFC 5280 § 4.2.1.6)")
            }
        } else if subjectIsEmpty && !isCA {
            breaks(X509_V_ERR_SUBJECT_NAME_EMPTY, "a certificate with an empty subject must carry subjectAltName (RFC 5280 § 4.1.2.6)")
        }
        alternativeNames = names

        // § 4.2.1.12: KeyPurposeId SIZE (1..MAX).
        if let eku = extensions[NID_ext_key_usage], eku.value == [0x30, 0x00] {
            breaks(X509_V_ERR_INVALID_EXTENSION, "extKeyUsage must list at least one purpose (RFC 5280 § 4.2.1.12)")
        }
        // § 4.2.1.11, § 4.2.1.14: critical, and policyConstraints not empty.
        nonCriticalPolicyConstraints = extensions[NID_policy_constraints].map { !$0.critical } ?? false
        if extensions[NID_policy_constraints]?.value == [0x30, 0x00] {
            breaks(X509_V_ERR_INVALID_EXTENSION, "policyConstraints must not be empty (RFC 5280 § 4.2.1.11)")
        }
        // PKITS's inhibitAnyPolicy extensions are all critical, as § 4.2.1.14 says they must be.
        if let inhibit = extensions[NID_inhibit_any_policy], !inhibit.critical {
            breaks(CertificateProfile.ruleWithoutOpenSSLCode, "inhibitAnyPolicy must be critical (RFC 5280 § 4.2.1.14)")
        }
        // § 4.2.1.10: critical, in CA certificates only, permitted or excluded present, DNS constraints well-formed.
        var subtrees: NameConstraintSubtrees?
        if let constraints = extensions[NID_name_constraints] {
            if !constraints.critical {
                breaks(CertificateProfile.ruleWithoutOpenSSLCode, "nameConstraints must be critical (RFC 5280 § 4.2.1.10)")
            }
            if !isCA {
                breaks(CertificateProfile.ruleWithoutOpenSSLCode, "nameConstraints may appear in CA certificates only (RFC 5280 § 4.2.1.10)")
            }
            do {
                subtrees = try NameConstraintSubtrees(der: constraints.value)
                if let bad = subtrees?.malformedDNSConstraint {
                    breaks(X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX, "DNS name constraint \"\(bad)\" is not a host name (RFC 5280 § 4.2.1.10)")
                }
            } catch {
                breaks(X509_V_ERR_INVALID_EXTENSION, "nameConstraints is malformed (RFC 5280 § 4.2.1.10)")
            }
        }
        nameConstraints = subtrees
        standingViolation = found
    }
}

/// The DNS and e-mail subtrees of a nameConstraints extension, for the checks OpenSSL's matching leaves out.
struct NameConstraintSubtrees: Sendable {
    var permittedDNS: [String] = []
    var excludedDNS: [String] = []
    var constrainsMail = false

    init(der bytes: [UInt8]) throws {
        let top = try ExtensionDecoder.top(bytes, tag: 0x30)
        let parts = try ExtensionDecoder.children(top, bytes)
        guard !parts.isEmpty else { throw ExtensionDecoder.Malformed() }
        for part in parts {
            guard part.tag == 0xa0 || part.tag == 0xa1 else { throw ExtensionDecoder.Malformed() }
            let subtrees = try ExtensionDecoder.children(part, bytes)
            guard !subtrees.isEmpty else { throw ExtensionDecoder.Malformed() }
            for subtree in subtrees {
                guard subtree.tag == 0x30, let base = try ExtensionDecoder.children(subtree, bytes).first else { throw ExtensionDecoder.Malformed() }
                switch base.tag {
                case 0x82:
                    let name = String(decoding: bytes[base.contentRange], as: UTF8.self)
                    if part.tag == 0xa0 { permittedDNS.append(name) } else { excludedDNS.append(name) }
                case 0x81: constrainsMail = true
                default: break
                }
            }
        }
    }

    /// A DNS constraint that is no host name: § 4.2.1.10 allows a leading period for URIs and mailboxes, not for DNS.
    var malformedDNSConstraint: String? {
        (permittedDNS + excludedDNS).first { !$0.isEmpty && !HostNameSyntax.isWellFormed($0, wildcard: false) }
    }

    /// A subjectAltName these subtrees cannot place (malformed), or a wildcard that could name an excluded host.
    func violation(by names: [(tag: UInt8, value: String)]) -> CertificateProfileFacts.Rule? {
        let constrainsDNS = !permittedDNS.isEmpty || !excludedDNS.isEmpty
        for (tag, value) in names {
            if tag == 0x82 && constrainsDNS {
                guard HostNameSyntax.isWellFormed(value, wildcard: true) else {
                    return .init(code: X509_V_ERR_UNSUPPORTED_NAME_SYNTAX, text: "DNS name \"\(value)\" is malformed, so no name constraint can place it (RFC 5280 § 4.2.1.10)")
                }
                if value.hasPrefix("*.") {
                    let base = String(value.dropFirst(2)).lowercased()
                    for excluded in excludedDNS.map({ $0.lowercased() }) where HostNameSyntax.wildcard(under: base, canName: excluded) {
                        return .init(code: X509_V_ERR_EXCLUDED_VIOLATION, text: "wildcard \"\(value)\" can name the excluded \"\(excluded)\" (RFC 5280 § 4.2.1.10)")
                    }
                }
            }
            if tag == 0x81 && constrainsMail && !HostNameSyntax.isMailbox(value) {
                return .init(code: X509_V_ERR_UNSUPPORTED_NAME_SYNTAX, text: "e-mail address \"\(value)\" is malformed, so no name constraint can place it (RFC 5280 § 4.2.1.10)")
            }
        }
        return nil
    }
}

/// Host-name syntax (RFC 1034 § 3.5 preferred name syntax, as RFC 5280 § 4.2.1.6 requires; digits may lead a label,
/// RFC 1123 § 2.1) and RFC 5322 addr-spec in the simple form certificates use.
public enum HostNameSyntax {
    public static func isWellFormed(_ name: String, wildcard: Bool) -> Bool {
        var labels = name.split(separator: ".", omittingEmptySubsequences: false)
        if wildcard, labels.count > 2, labels.first == "*" { labels.removeFirst() }
        guard !labels.isEmpty, name.utf8.count <= 253 else { return false }
        return labels.allSatisfy { label in
            let bytes = Array(label.utf8)
            guard (1...63).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-") else { return false }
            return bytes.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7a) || byte == UInt8(ascii: "-")
            }
        }
    }

    public static func isMailbox(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64 else { return false }
        let local = parts[0].utf8
        let atext = Set("!#$%&'*+-/=?^_`{|}~.".utf8)
        guard local.first != UInt8(ascii: "."), local.last != UInt8(ascii: "."),
            local.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7a) || atext.contains($0) })
        else { return false }
        return isWellFormed(String(parts[1]), wildcard: false)
    }

    /// True when some host "*.base" matches lies inside the subtree `excluded` names: the subtree holds all of them
    /// (base is `excluded` or below it), or `excluded` is one label under base (the wildcard can be that host).
    public static func wildcard(under base: String, canName excluded: String) -> Bool {
        if base == excluded || base.hasSuffix("." + excluded) { return true }
        guard excluded.hasSuffix("." + base) else { return false }
        return !excluded.dropLast(base.count + 1).contains(".")
    }
}

extension Certificate {
    var profileFacts: CertificateProfileFacts { derived { CertificateProfileFacts($0) } }
}
