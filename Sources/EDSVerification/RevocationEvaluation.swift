import EDSCrypto
import Foundation

/// The revocation evidence one validation can use (RFC 5280 § 6.3, RFC 6960), gathered and parsed once and shared by
/// the signer's path and the timestamp authority's: embedded OCSP responses, CRLs from SignedData.crls,
/// revocationValues and `--crl`, and (online) what the certificates' AIA and distribution points give.
final class RevocationSources {
    let crls: [CertificateRevocationList]
    /// Embedded BasicOCSPResponses, parsed once (nil: unreadable); their responder certificates are reused, not re-parsed.
    let ocspResponses: [OCSPResponse?]
    /// Certificates an OCSP response's signer may be among.
    let extraCertificates: [Certificate]
    // What the policy says about revocation, not the policy: a copy of it retains each of its arrays, which every
    // thread validating against the same policy shares.
    let trustAnchors: [Certificate]
    let context: VerificationContext
    let offline: Bool
    private let revocationSource: (any RevocationSource)?
    /// CRLs downloaded in this validation, by URL (nil: the download failed).
    private var fetched: [String: Result<CertificateRevocationList, any Error>] = [:]

    /// One certificate's status from one piece of evidence.
    struct Status {
        let summary: RevocationSummary
        /// Which evidence: "CRL of …", "OCSP by … at …".
        let evidence: DetailMessage
    }

    init(signedData: CMSSignedData, signedDataCertificates: [Certificate], embedded: EmbeddedEvidence, policy: ValidationPolicy) {
        var crls = policy.crls
        // The same CA CRL arrives in signature after signature: parsed, and its signature verified, once per process.
        for der in signedData.crls + embedded.crls {
            if let crl = try? CertificateRevocationList.cached(der) { crls.append(crl) }
        }
        self.crls = crls
        let extraCertificates = signedDataCertificates + embedded.certificates
        self.ocspResponses = embedded.basicOCSPResponses.map { try? OCSPResponse(basicResponse: $0, reusingCertificates: extraCertificates) }
        self.extraCertificates = extraCertificates
        trustAnchors = policy.trustAnchors
        context = policy.context
        offline = policy.offline
        revocationSource = policy.revocationSource
    }

    /// `certificate`'s status at `moment` from the first usable evidence: embedded OCSP, then CRLs (RFC 5280 § 6.3,
    /// `crlStatus`), then (online) the responder, distribution points and Freshest CRL points it names. Why each
    /// unusable piece was passed over goes to `reasons`. `anchor` is the trust anchor of the certificate's path (nil:
    /// any of the policy's): a CRL signed by another key than the issuer's must chain to it.
    ///
    /// `pathCertificates`: the path being validated; a CRL signed by one of them needs no path of its own (OpenSSL's
    /// "same path" rule), which is how a CRL issuer's own status can come from the indirect CRL it signs.
    func status(
        of certificate: Certificate, issuer: Certificate, anchor: Certificate? = nil, pathCertificates: [Certificate] = [], at moment: Date,
        reasons: inout [DetailMessage], signerDepth: Int = 0
    ) -> Status? {
        if let status = OCSPEvaluation.status(
            of: certificate, issuer: issuer, responses: ocspResponses, anchors: trustAnchors, extraCertificates: extraCertificates,
            signingMoment: moment, context: context, reasons: &reasons)
        {
            return status
        }
        if let status = crlStatus(
            of: certificate, issuer: issuer, anchor: anchor, pathCertificates: pathCertificates, candidates: crls, at: moment, reasons: &reasons,
            signerDepth: signerDepth)
        {
            return status
        }
        guard !offline, let source = revocationSource else { return nil }
        return fetchedStatus(
            of: certificate, issuer: issuer, anchor: anchor, pathCertificates: pathCertificates, source: source, at: moment, reasons: &reasons,
            signerDepth: signerDepth)
    }

    private func fetchedStatus(
        of certificate: Certificate, issuer: Certificate, anchor: Certificate?, pathCertificates: [Certificate], source: any RevocationSource,
        at moment: Date, reasons: inout [DetailMessage], signerDepth: Int
    ) -> Status? {
        for url in certificate.ocspURLs {
            do {
                let response = try source.fetchOCSP(certificate: certificate, issuer: issuer, url: url)
                if let status = OCSPEvaluation.status(
                    of: certificate, issuer: issuer, responses: [try? OCSPResponse(basicResponse: response)], anchors: trustAnchors, extraCertificates: extraCertificates,
                    signingMoment: moment, context: context, reasons: &reasons)
                {
                    return status
                }
            } catch {
                reasons.append(DetailMessage(.ocspFetchFailed, .text(url), "\(error)"))
            }
        }
        // The complete CRLs the certificate names, then the delta CRLs its Freshest CRL extension and those CRLs name
        // (RFC 5280 § 5.2.6, § 4.2.1.15): NCA RK publishes a base and a delta, and only both tell a recent revocation.
        var downloaded: [CertificateRevocationList] = []
        func download(_ url: String) {
            let result = fetched[url] ?? Result { try CertificateRevocationList(try source.fetchCRL(from: url)) }
            fetched[url] = result
            switch result {
            case .success(let crl): downloaded.append(crl)
            case .failure(let error): reasons.append(DetailMessage(.crlFetchFailed, .text(url), "\(error)"))
            }
        }
        for url in certificate.crlDistributionURLs { download(url) }
        let deltaURLs = certificate.deltaCRLURLs(besides: downloaded)
        var seen = Set(certificate.crlDistributionURLs)
        for url in deltaURLs where seen.insert(url).inserted { download(url) }
        guard !downloaded.isEmpty else { return nil }
        return crlStatus(
            of: certificate, issuer: issuer, anchor: anchor, pathCertificates: pathCertificates, candidates: crls + downloaded, at: moment,
            reasons: &reasons, signerDepth: signerDepth)
    }
}

/// Revocation status of every non-anchor certificate in the signer's path at the signing moment.
struct RevocationEvaluation {
    let path: CertificationPath
    let sources: RevocationSources
    let signingMoment: Date
    let proofOfExistence: Bool

    struct Outcome {
        var checks: [(check: Check, failure: (Indication, SubIndication)?)] = []
        var leafSummary: RevocationSummary?
        var warnings: [DetailMessage] = []
    }

    func run() -> Outcome {
        var outcome = Outcome()
        let certificates = path.certificates
        guard certificates.count >= 2 else {
            // The signer certificate is itself a trust anchor: nothing above it can revoke it.
            outcome.checks.append((Check(name: "revocation", passed: true, DetailMessage(.revocationSignerIsAnchor)), nil))
            return outcome
        }
        // Said only of a revocation.
        var moment: DetailMessage.Argument { .text(ISO8601.string(signingMoment)) }
        for depth in 0..<(certificates.count - 1) {
            let certificate = certificates[depth]
            let issuer = certificates[depth + 1]
            let isLeaf = depth == 0
            let who = DetailMessage.who(depth: depth, name: certificate.subject.commonName ?? certificate.serialNumberHex)
            var reasons: [DetailMessage] = []
            guard let status = sources.status(
                    of: certificate, issuer: issuer, anchor: path.anchor, pathCertificates: certificates, at: signingMoment, reasons: &reasons) else {
                let why: DetailMessage.Argument = reasons.isEmpty ? .message(DetailMessage(.revocationNothingAvailable)) : .list(reasons)
                let hint: DetailMessage.Argument = sources.offline ? .message(DetailMessage(.revocationOfflineHint)) : ""
                outcome.checks.append(
                    (Check(name: "revocation", passed: false, DetailMessage(.revocationNoData, who, why, hint)), (.indeterminate, .tryLater)))
                continue
            }
            if isLeaf { outcome.leafSummary = status.summary }
            let evidence = DetailMessage.Argument.message(status.evidence)
            switch status.summary.status {
            case .good:
                outcome.checks.append((Check(name: "revocation", passed: true, DetailMessage(.revocationGood, who, evidence)), nil))
            case .unknown:
                outcome.checks.append(
                    (Check(name: "revocation", passed: false, DetailMessage(.revocationUnknown, who, evidence)), (.indeterminate, .tryLater)))
            case .revoked:
                let revokedAt = status.summary.revocationTime ?? .distantPast
                let when = DetailMessage.Argument.text(ISO8601.string(revokedAt))
                let reason = DetailMessage.reason(status.summary.revocationReason)
                if revokedAt > signingMoment {
                    outcome.checks.append(
                        (Check(name: "revocation", passed: true, DetailMessage(.revocationRevokedAfter, who, when, reason, moment, evidence)), nil))
                    outcome.warnings.append(DetailMessage(.warningRevokedAfterSigning, who, when))
                } else {
                    let failure: (Indication, SubIndication) =
                        proofOfExistence ? (.totalFailed, .revoked) : (.indeterminate, isLeaf ? .revokedNoPOE : .revokedCANoPOE)
                    outcome.checks.append(
                        (Check(name: "revocation", passed: false, DetailMessage(.revocationRevokedBefore, who, when, reason, moment, evidence)), failure))
                }
            }
        }
        return outcome
    }
}

extension DetailMessage {
    /// ", reason keyCompromise", or nothing. RFC 5280 reason names are identifiers and stay as they are.
    static func reason(_ name: String?) -> Argument {
        name.map { .message(DetailMessage(.revocationReason, .text($0))) } ?? ""
    }
}

/// OCSP evidence (RFC 6960): a response signed by the issuer itself or by a responder the issuer delegated
/// (id-kp-OCSPSigning), fresh for the signing moment (SIGEX document-card rule: thisUpdate within 5 minutes
/// of the timestamp, or a validity period that covers the signing moment).
extension CertificateRevocationList {
    /// Whether this CRL speaks for `moment` (RFC 5280 § 6.3.3): its thisUpdate–nextUpdate period covers it, or it was
    /// issued after it (a later CRL still lists a revocation from before). The one rule for validation and extension.
    func covers(_ moment: Date) -> Bool {
        (thisUpdate ?? .distantPast) >= moment || (nextUpdate.map { moment <= $0 } ?? true)
    }
}

enum OCSPEvaluation {
    static let freshness: TimeInterval = 300

    /// The freshness rule for an OCSP answer at `moment` (the signing moment; at extension time the new timestamp's
    /// genTime): thisUpdate at most `freshness` (5 minutes) before it, or a thisUpdate–nextUpdate period that covers it.
    static func isFresh(thisUpdate: Date, nextUpdate: Date?, for moment: Date) -> Bool {
        let covers = nextUpdate.map { thisUpdate <= moment && moment <= $0 } ?? false
        return thisUpdate >= moment.addingTimeInterval(-freshness) || covers
    }

    static func status(
        of certificate: Certificate, issuer: Certificate, responses: [OCSPResponse?], anchors: [Certificate], extraCertificates: [Certificate],
        signingMoment: Date, context: VerificationContext, reasons: inout [DetailMessage]
    ) -> RevocationSources.Status? {
        for response in responses {
            guard let response else {
                reasons.append(DetailMessage(.ocspUnreadable))
                continue
            }
            guard let single = response.status(of: certificate, issuer: issuer) else { continue }
            guard let signer = response.verifiedSigner(candidates: extraCertificates + [issuer], context: context) else {
                reasons.append(DetailMessage(.ocspSignatureInvalid))
                continue
            }
            let delegated = signer.isIssued(by: issuer, context: context) && signer.extendedKeyUsage.contains(ExtendedKeyUsageOID.ocspSigning)
            guard signer == issuer || delegated else {
                reasons.append(DetailMessage(.ocspUnauthorised, .text(signer.subject.commonName ?? "?")))
                continue
            }
            guard isFresh(thisUpdate: single.thisUpdate, nextUpdate: single.nextUpdate, for: signingMoment) else {
                reasons.append(DetailMessage(.ocspStale, .text(ISO8601.string(single.thisUpdate)), .text(ISO8601.string(signingMoment))))
                continue
            }
            let producedAt = response.producedAt
            let by = DetailMessage(.evidenceOCSP, .text(signer.subject.commonName ?? "?"), .text(ISO8601.string(producedAt ?? single.thisUpdate)))
            switch single.state {
            case .good:
                return .init(summary: RevocationSummary(status: .good, source: .ocsp, producedAt: producedAt, thisUpdate: single.thisUpdate), evidence: by)
            case .unknown:
                return .init(summary: RevocationSummary(status: .unknown, source: .ocsp, producedAt: producedAt, thisUpdate: single.thisUpdate), evidence: by)
            case .revoked(let at, let reason):
                return .init(
                    summary: RevocationSummary(
                        status: .revoked, source: .ocsp, producedAt: producedAt, thisUpdate: single.thisUpdate, revocationTime: at, revocationReason: reason),
                    evidence: by)
            }
        }
        return nil
    }
}

extension Certificate {
    /// Where the delta CRLs for this certificate are published (RFC 5280 § 5.2.6, § 4.2.1.15): its own Freshest CRL
    /// extension first, then those of the complete CRLs `bases` it was checked against. NCA RK names its delta both ways.
    func deltaCRLURLs(besides bases: [CertificateRevocationList]) -> [String] {
        pathExtensions.freshestCRL.flatMap(\.urls) + bases.flatMap { $0.scope.freshestCRL.flatMap(\.urls) }
    }
}
