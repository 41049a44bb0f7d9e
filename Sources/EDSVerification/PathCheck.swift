import EDSCrypto

/// The `chain` check and, for a built path, the `policies` check: what a signer's certificate and a certificate
/// validated alone (`CertificateValidator`) are both judged by. Returns the path, if one was built, and the checks to
/// record in order.
enum PathCheck {
    static func evaluate(
        _ certificate: Certificate, intermediates: [Certificate], policy: ValidationPolicy
    ) -> (path: CertificationPath?, checks: [(check: Check, failure: (Indication, SubIndication)?)]) {
        switch ChainValidator.buildPath(
            for: certificate, intermediates: intermediates, anchors: policy.trustAnchors, context: policy.context, profile: policy.certificateProfile)
        {
        case .success(let built):
            let anchor = built.anchor.map { $0.subject.commonName ?? $0.subject.description } ?? "?"
            var checks: [(check: Check, failure: (Indication, SubIndication)?)] = [
                (Check(name: "chain", passed: true, DetailMessage(.chainBuilt, "\(built.certificates.count)", .text(anchor))), nil)
            ]
            if let policies = PolicyCheck.evaluate(built, inputs: policy.certificatePolicies) { checks.append(policies) }
            return (built, checks)
        case .failure(let failure):
            let subIndication: SubIndication =
                switch failure.kind {
                case .noPathToTrustAnchor: .noCertificateChainFound
                case .constraintsViolated: .chainConstraintsFailure
                case .invalidCertificate: .certificateChainGeneralFailure
                }
            let reason = DetailMessage.pathError(code: failure.openSSLCode, english: failure.detail)
            let detail = DetailMessage(failure.kind == .noPathToTrustAnchor ? .chainNoPath : .chainProblem, reason, "\(failure.depth)")
            return (nil, [(Check(name: "chain", passed: false, detail), (.indeterminate, subIndication))])
        }
    }
}

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
