import EDSCrypto

/// The `policies` check: RFC 5280 § 6.1 certificate-policy processing over a built path, for the verifier's inputs.
enum PolicyCheck {
    /// The check to report, or nil when there is nothing to say: the verifier asked for nothing in particular and
    /// the path asserts no policies or only anyPolicy.
    static func evaluate(_ path: CertificationPath, inputs: CertificatePolicyInputs) -> (check: Check, failure: (Indication, SubIndication)?)? {
        switch CertificatePolicyValidator.validate(path.certificates, inputs: inputs) {
        case .success(let policies):
            let specific = policies.filter { $0 != PathExtensions.anyPolicy }
            if inputs == .default && specific.isEmpty { return nil }
            let detail: DetailMessage =
                if !specific.isEmpty { DetailMessage(.policiesValid, .text(specific.joined(separator: ", "))) }
                else if policies.isEmpty { DetailMessage(.policiesNone) }
                else { DetailMessage(.policiesAny) }
            return (Check(name: "policies", passed: true, detail), nil)
        case .failure(let failure):
            let depth = DetailMessage.Argument.text("\(failure.depth)")
            let detail: DetailMessage =
                switch failure.reason {
                case .noValidPolicy: DetailMessage(.policyNoValid, depth)
                case .noAcceptablePolicy: DetailMessage(.policyNotAcceptable, .text(inputs.initialPolicySet.sorted().joined(separator: ", ")))
                case .anyPolicyMapped: DetailMessage(.policyAnyMapped, depth)
                case .malformedExtension(let name): DetailMessage(.policyMalformed, .text(name), depth)
                case .treeTooLarge: DetailMessage(.policyTreeTooLarge, depth)
                }
            return (Check(name: "policies", passed: false, detail), (.indeterminate, .chainConstraintsFailure))
        }
    }
}
