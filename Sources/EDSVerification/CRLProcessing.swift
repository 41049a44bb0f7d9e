import EDSCrypto
import Foundation

/// CRL processing as RFC 5280 § 6.3.3 defines it, one implementation for RSA, ECDSA and GOST issuers: for each of the
/// certificate's distribution points, complete CRLs in scope (issuer or authorised indirect issuer, the issuing
/// distribution point, user/CA/attribute certificates only, some reasons) and signed by an authorised key whose own
/// path reaches the same trust anchor, each with its newest delta CRL of the same scope; the reasons they cover
/// accumulate until all are covered or the certificate is found listed. A CRL that cannot be used is passed over
/// with the reason, never silently.
extension RevocationSources {
    /// How deep CRL signers' own paths are checked for revocation (a CRL signer's CRL's signer…).
    static let maximumCRLSignerDepth = 3

    /// The certificate's status at `moment` from `candidates`, or nil when they do not decide it (§ 6.3.3's
    /// UNDETERMINED). `anchor` is the trust anchor of the certificate's path: a CRL signer's path must end there.
    func crlStatus(
        of certificate: Certificate, issuer: Certificate, anchor: Certificate?, pathCertificates: [Certificate],
        candidates: [CertificateRevocationList], at moment: Date, reasons: inout [DetailMessage], signerDepth: Int = 0
    ) -> Status? {
        let extensions = certificate.pathExtensions
        // A certificate without CRL distribution points has one implicit point: its issuer's full-scope CRL.
        let points: [DistributionPoint?] = extensions.crlDistributionPoints.isEmpty ? [nil] : extensions.crlDistributionPoints
        // Newest first: a later CRL still lists an earlier revocation, and knows of later ones.
        let ordered = candidates.sorted { ($0.thisUpdate ?? .distantPast) > ($1.thisUpdate ?? .distantPast) }
        let who = DetailMessage.Argument.text(issuer.subject.commonName ?? issuer.subject.description)
        var covered = RevocationReasons()
        var evidence: DetailMessage?
        var thisUpdate: Date?
        var usedComplete = false
        for point in points {
            if covered == .all { break }
            for complete in ordered where !complete.scope.isDelta {
                if covered == .all { break }
                guard isCandidate(complete, for: certificate, point: point) else { continue }
                guard complete.covers(moment) else {
                    reasons.append(
                        DetailMessage(
                            .crlExpired, .text(ISO8601.string(complete.thisUpdate ?? .distantPast)),
                            .text(complete.nextUpdate.map(ISO8601.string) ?? "?")))
                    continue
                }
                if let unusable = complete.scope.unusableBecause {
                    reasons.append(Self.unusableMessage(unusable, who))
                    continue
                }
                if let outOfScope = scopeProblem(of: complete, for: certificate, point: point) {
                    reasons.append(DetailMessage(outOfScope, who))
                    continue
                }
                // § 6.3.3 (d), (e): the reasons this CRL adds.
                var interim = complete.scope.issuingDistributionPoint?.onlySomeReasons ?? .all
                if let pointReasons = point?.reasons { interim.formIntersection(pointReasons) }
                guard !interim.subtracting(covered).isEmpty else { continue }
                // § 6.3.3 (f), (g): an authorised signer whose path reaches the same anchor, and the signature.
                guard
                    let signer = authorisedSigner(
                        of: complete, certificateIssuer: issuer, anchor: anchor, pathCertificates: pathCertificates, at: moment, who: who,
                        reasons: &reasons, signerDepth: signerDepth)
                else { continue }
                // § 6.3.3 (c), (h), (i)–(k): the newest delta of the same scope, signed by the same key, decides first.
                let delta = newestDelta(for: complete, signer: signer, at: moment, in: ordered)
                var entry = delta?.entry(for: certificate) ?? .notListed
                if entry == .notListed { entry = complete.entry(for: certificate) }
                let completeTime = complete.thisUpdate ?? .distantPast
                let usedEvidence =
                    delta.map { DetailMessage(.evidenceCRLWithDelta, .text(ISO8601.string(completeTime)), .text(ISO8601.string($0.thisUpdate ?? .distantPast))) }
                    ?? DetailMessage(.evidenceCRL, .text(ISO8601.string(completeTime)))
                let latest = delta?.thisUpdate ?? completeTime
                if case .revoked(let date, let reason) = entry {
                    return Status(
                        summary: RevocationSummary(status: .revoked, source: .crl, thisUpdate: latest, revocationTime: date, revocationReason: reason),
                        evidence: usedEvidence)
                }
                covered.formUnion(interim)
                usedComplete = true
                if evidence == nil || latest > (thisUpdate ?? .distantPast) {
                    evidence = usedEvidence
                    thisUpdate = latest
                }
            }
        }
        if covered == .all, let evidence {
            return Status(summary: RevocationSummary(status: .good, source: .crl, thisUpdate: thisUpdate), evidence: evidence)
        }
        if usedComplete {
            reasons.append(DetailMessage(.crlReasonsIncomplete, who))
        } else if let lone = ordered.first(where: { $0.scope.isDelta && $0.scope.issuer == extensions.issuer }) {
            reasons.append(DetailMessage(.crlDeltaAlone, who, .text(lone.scope.baseCRLNumber.map(Self.hex) ?? "?")))
        }
        return nil
    }

    /// § 6.3.3 (b)(1): the CRL is the issuer's own, or the indirect CRL of an issuer the distribution point names.
    private func isCandidate(_ crl: CertificateRevocationList, for certificate: Certificate, point: DistributionPoint?) -> Bool {
        if let crlIssuers = point?.crlIssuer {
            return crlIssuers.contains(.directory(crl.scope.issuer))
        }
        return crl.scope.issuer == certificate.pathExtensions.issuer
    }

    /// § 6.3.3 (b)(2): the CRL's issuing distribution point against the certificate and its distribution point.
    private func scopeProblem(of crl: CertificateRevocationList, for certificate: Certificate, point: DistributionPoint?) -> DetailMessage.Key? {
        let extensions = certificate.pathExtensions
        // Another authority's CRL speaks for this certificate only as an indirect CRL (`isCandidate` has checked that
        // the distribution point names that authority).
        if crl.scope.issuer != extensions.issuer, crl.scope.issuingDistributionPoint?.indirectCRL != true { return .crlNotIndirect }
        guard let scope = crl.scope.issuingDistributionPoint else { return nil }
        if let name = scope.distributionPoint {
            let crlNames = Set(name.names(relativeTo: crl.scope.issuer))
            let pointNames: [GeneralNameKey]
            if let pointName = point?.name {
                // A relative name in the certificate completes with its cRLIssuer, else the certificate's issuer.
                let base: NameKey =
                    point?.crlIssuer?.compactMap { if case .directory(let key) = $0 { key } else { nil } }.first ?? extensions.issuer
                pointNames = pointName.names(relativeTo: base)
            } else {
                pointNames = point?.crlIssuer ?? []
            }
            if !pointNames.contains(where: crlNames.contains) { return .crlScopeDistributionPoint }
        }
        if scope.onlyContainsUserCerts && extensions.isCertificateAuthority { return .crlScopeUserCertificates }
        if scope.onlyContainsCACerts && !extensions.isCertificateAuthority { return .crlScopeCACertificates }
        if scope.onlyContainsAttributeCerts { return .crlScopeAttributeCertificates }
        return nil
    }

    /// § 6.3.3 (f), (g): the certificate that signed `crl` and may: the certificate's issuer itself, or another
    /// certificate with the CRL issuer's name (a second key of the same CA, an indirect CRL issuer) whose key verifies
    /// the CRL, allows cRLSign, and whose own path, validity and revocation hold at `moment` up to the same anchor.
    private func authorisedSigner(
        of crl: CertificateRevocationList, certificateIssuer: Certificate, anchor: Certificate?, pathCertificates: [Certificate], at moment: Date,
        who: DetailMessage.Argument, reasons: inout [DetailMessage], signerDepth: Int
    ) -> Certificate? {
        var noCRLSign: Certificate?
        if crl.isSigned(by: certificateIssuer, context: context) {
            if !certificateIssuer.hasKeyUsageExtension || certificateIssuer.keyUsage.contains(.cRLSign) { return certificateIssuer }
            noCRLSign = certificateIssuer
        }
        var seen: Set<Data> = [certificateIssuer.sha256Fingerprint]
        var lastProblem: DetailMessage?
        for candidate in pathCertificates + trustAnchors + extraCertificates where candidate.pathExtensions.subject == crl.scope.issuer {
            guard seen.insert(candidate.sha256Fingerprint).inserted, crl.isSigned(by: candidate, context: context) else { continue }
            if candidate.hasKeyUsageExtension && !candidate.keyUsage.contains(.cRLSign) {
                noCRLSign = candidate
                continue
            }
            // A signer on the path being validated is validated with it.
            if pathCertificates.contains(candidate) { return candidate }
            if let problem = signerPathProblem(candidate, anchor: anchor, at: moment, signerDepth: signerDepth) {
                lastProblem = problem
                continue
            }
            return candidate
        }
        if let lastProblem {
            reasons.append(lastProblem)
        } else if let noCRLSign {
            reasons.append(DetailMessage(.crlSignerNoCRLSign, who, .text(noCRLSign.subject.commonName ?? noCRLSign.subject.description)))
        } else {
            reasons.append(DetailMessage(.crlSignatureInvalid))
        }
        return nil
    }

    /// Why a CRL signer other than the certificate's issuer cannot be relied on: no path to `anchor`, not valid at
    /// `moment`, or a certificate of its path revoked (or of unknown status) at `moment`.
    private func signerPathProblem(_ signer: Certificate, anchor: Certificate?, at moment: Date, signerDepth: Int) -> DetailMessage? {
        let name = DetailMessage.Argument.text(signer.subject.commonName ?? signer.subject.description)
        let anchors = anchor.map { [$0] } ?? trustAnchors
        if anchors.contains(signer) { return nil }
        guard signerDepth < Self.maximumCRLSignerDepth else { return DetailMessage(.crlSignerUnverified, name) }
        let path: CertificationPath
        switch ChainValidator.buildPath(for: signer, intermediates: extraCertificates, anchors: anchors, context: context) {
        case .success(let built): path = built
        case .failure: return DetailMessage(.crlSignerUnverified, name)
        }
        let certificates = path.certificates
        for depth in 0..<max(0, certificates.count - 1) {
            let certificate = certificates[depth]
            guard certificate.isValid(at: moment) else { return DetailMessage(.crlSignerUnverified, name) }
            var ignored: [DetailMessage] = []
            let status = status(
                of: certificate, issuer: certificates[depth + 1], anchor: path.anchor, pathCertificates: certificates, at: moment, reasons: &ignored,
                signerDepth: signerDepth + 1)
            guard let status, status.summary.status == .good || (status.summary.revocationTime ?? .distantPast) > moment else {
                return DetailMessage(.crlSignerUnverified, name)
            }
        }
        return nil
    }

    /// The newest delta CRL that § 6.3.3 (c) and (h) allow with `complete`: same issuer, scope and key identifier,
    /// based on a CRL no newer than `complete`, usable at `moment`, signed by the same key.
    private func newestDelta(
        for complete: CertificateRevocationList, signer: Certificate, at moment: Date, in candidates: [CertificateRevocationList]
    ) -> CertificateRevocationList? {
        var best: CertificateRevocationList?
        for delta in candidates where delta.scope.isDelta && complete.scope.acceptsDelta(delta.scope) {
            guard delta.scope.unusableBecause == nil, delta.covers(moment), delta.isSigned(by: signer, context: context) else { continue }
            if let current = best, let currentNumber = current.scope.crlNumber, let number = delta.scope.crlNumber,
                CRLScope.compareNumbers(number, currentNumber) <= 0
            {
                continue
            }
            best = delta
        }
        return best
    }

    static func unusableMessage(_ reason: CRLScope.UnusableReason, _ who: DetailMessage.Argument) -> DetailMessage {
        switch reason {
        case .unhandledCriticalExtension(let oid): DetailMessage(.crlUnhandledCriticalExtension, who, .text(oid))
        case .unhandledCriticalEntryExtension(let oid): DetailMessage(.crlUnhandledCriticalEntryExtension, who, .text(oid))
        case .malformedExtension(let name): DetailMessage(.crlMalformedExtension, who, .text(name))
        case .missingCRLNumber: DetailMessage(.crlMalformedExtension, who, .text("cRLNumber (missing)"))
        }
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.isEmpty ? "0" : bytes.map { String(format: "%02X", $0) }.joined() }
}

