import ArgumentParser
import EDSCrypto

/// The certificate-policy inputs of path validation (RFC 5280 § 6.1.1), as `verify` takes them.
struct CertificatePolicyOptions: ParsableArguments {
    @Option(
        name: .customLong("certificate-policy"),
        help: "A certificate policy OID the path must be valid for (e.g. an NCA RK signing policy 1.2.398.3.3.2.x); repeatable; implies --require-explicit-policy. Default: any policy.")
    var certificatePolicy: [String] = []

    @Flag(help: "The path must be valid for at least one accepted policy (RFC 5280 initial-explicit-policy).")
    var requireExplicitPolicy = false

    @Flag(help: "Policy mappings in CA certificates are not honoured (initial-policy-mapping-inhibit).")
    var inhibitPolicyMapping = false

    @Flag(help: "anyPolicy in certificates does not stand for other policies (initial-any-policy-inhibit).")
    var inhibitAnyPolicy = false

    @Flag(
        help:
            "Also hold every certificate of the path to RFC 5280's criticality rules for CA certificates that path validation and NIST PKITS do not enforce (basicConstraints and policyConstraints must be critical), as openssl verify -x509_strict does.")
    var strictProfile = false

    func validate() throws {
        for oid in certificatePolicy where !Self.isDottedOID(oid) {
            throw ValidationError("--certificate-policy takes a dotted OID such as 1.2.398.3.3.2.1 (got \"\(oid)\")")
        }
    }

    var inputs: CertificatePolicyInputs {
        CertificatePolicyInputs(
            initialPolicySet: certificatePolicy.isEmpty ? [PathExtensions.anyPolicy] : Set(certificatePolicy),
            // Naming the policies a signature must be under is asking for one of them (RFC 5280's set alone would only
            // narrow a path that already requires a policy).
            initialExplicitPolicy: requireExplicitPolicy || !certificatePolicy.isEmpty, initialPolicyMappingInhibit: inhibitPolicyMapping,
            initialAnyPolicyInhibit: inhibitAnyPolicy)
    }

    var profileRules: CertificateProfile.Rules { strictProfile ? .strict : .standard }

    private static func isDottedOID(_ text: String) -> Bool {
        let arcs = text.split(separator: ".", omittingEmptySubsequences: false)
        guard arcs.count >= 2, arcs.count <= 64, let first = arcs.first, ["0", "1", "2"].contains(first) else { return false }
        return arcs.allSatisfy { arc in !arc.isEmpty && arc.count <= 20 && arc.allSatisfy(\.isASCII) && arc.allSatisfy(\.isNumber) }
    }
}
