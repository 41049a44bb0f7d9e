import EDSCrypto
import Foundation

/// Revocation status of every non-anchor certificate in the path at the signing moment (RFC 5280 § 6.3, RFC 6960).
struct RevocationEvaluation {
    let path: CertificationPath
    let signedData: CMSSignedData
    let signedDataCertificates: [Certificate]
    let embedded: EmbeddedEvidence
    let signingMoment: Date
    let proofOfExistence: Bool
    let policy: ValidationPolicy

    struct Outcome {
        var checks: [(check: Check, failure: (Indication, SubIndication)?)] = []
        var leafSummary: RevocationSummary?
        var warnings: [String] = []
    }

    /// One certificate's status from one piece of evidence.
    struct Status {
        let summary: RevocationSummary
        let description: String
    }

    func run() -> Outcome {
        var outcome = Outcome()
        let certificates = path.certificates
        guard certificates.count >= 2 else {
            // The signer certificate is itself a trust anchor: nothing above it can revoke it.
            outcome.checks.append((Check(name: "revocation", passed: true, detail: "the signer certificate is a trust anchor"), nil))
            return outcome
        }
        var crlCandidates: [CertificateRevocationList] = policy.crls
        for der in signedData.crls + embedded.crls {
            if let crl = try? CertificateRevocationList(der) { crlCandidates.append(crl) }
        }
        let ocspCandidates = embedded.basicOCSPResponses
        for depth in 0..<(certificates.count - 1) {
            let certificate = certificates[depth]
            let issuer = certificates[depth + 1]
            let isLeaf = depth == 0
            let who = isLeaf ? "the signer certificate" : "CA certificate \"\(certificate.subject.commonName ?? certificate.serialNumberHex)\""
            var reasons: [String] = []
            var status = OCSPEvaluation.status(
                of: certificate, issuer: issuer, responses: ocspCandidates, anchors: policy.trustAnchors,
                extraCertificates: signedDataCertificates + embedded.certificates, signingMoment: signingMoment, reasons: &reasons)
            if status == nil {
                status = crlStatus(of: certificate, issuer: issuer, candidates: crlCandidates, reasons: &reasons)
            }
            if status == nil, !policy.offline, let source = policy.revocationSource {
                status = fetchedStatus(of: certificate, issuer: issuer, source: source, reasons: &reasons)
            }
            guard let status else {
                let why = reasons.isEmpty ? "no CRL or OCSP response available" : reasons.joined(separator: "; ")
                let hint = policy.offline ? " (offline: embed evidence with sign --revocation, or pass --crl)" : ""
                outcome.checks.append(
                    (Check(name: "revocation", passed: false, detail: "no usable revocation data for \(who): \(why)\(hint)"), (.indeterminate, .tryLater)))
                continue
            }
            if isLeaf { outcome.leafSummary = status.summary }
            switch status.summary.status {
            case .good:
                outcome.checks.append((Check(name: "revocation", passed: true, detail: "\(who) is not revoked (\(status.description))"), nil))
            case .unknown:
                outcome.checks.append(
                    (Check(name: "revocation", passed: false, detail: "the responder does not know \(who) (\(status.description))"), (.indeterminate, .tryLater)))
            case .revoked:
                let revokedAt = status.summary.revocationTime ?? .distantPast
                let reason = status.summary.revocationReason.map { ", reason \($0)" } ?? ""
                if revokedAt > signingMoment {
                    outcome.checks.append(
                        (Check(
                            name: "revocation", passed: true,
                            detail: "\(who) was revoked on \(ISO8601.string(revokedAt))\(reason), after the signing moment \(ISO8601.string(signingMoment)) (\(status.description))"),
                         nil))
                    outcome.warnings.append("\(who) was revoked on \(ISO8601.string(revokedAt)), after this signature was made")
                } else {
                    let failure: (Indication, SubIndication) =
                        proofOfExistence ? (.totalFailed, .revoked) : (.indeterminate, isLeaf ? .revokedNoPOE : .revokedCANoPOE)
                    outcome.checks.append(
                        (Check(
                            name: "revocation", passed: false,
                            detail: "\(who) was revoked on \(ISO8601.string(revokedAt))\(reason), before the signing moment \(ISO8601.string(signingMoment)) (\(status.description))"),
                         failure))
                }
            }
        }
        return outcome
    }

    /// A CRL from the certificate's issuer whose period covers the signing moment, or that was issued after it
    /// (a later CRL still lists a revocation that happened before).
    private func crlStatus(of certificate: Certificate, issuer: Certificate, candidates: [CertificateRevocationList], reasons: inout [String]) -> Status? {
        for crl in candidates where crl.issuer == certificate.issuer {
            guard crl.isSigned(by: issuer) else {
                reasons.append("a CRL names the issuer but its signature does not verify with the issuer's key")
                continue
            }
            let thisUpdate = crl.thisUpdate ?? .distantPast
            let covers = thisUpdate >= signingMoment || (crl.nextUpdate.map { signingMoment <= $0 } ?? true)
            guard covers else {
                reasons.append("the CRL of \(ISO8601.string(thisUpdate)) expired on \(crl.nextUpdate.map(ISO8601.string) ?? "?"), before the signing moment")
                continue
            }
            switch crl.entry(for: certificate) {
            case .notListed:
                return Status(
                    summary: RevocationSummary(status: .good, source: .crl, thisUpdate: thisUpdate),
                    description: "CRL of \(ISO8601.string(thisUpdate))")
            case .revoked(let date, let reason):
                return Status(
                    summary: RevocationSummary(status: .revoked, source: .crl, thisUpdate: thisUpdate, revocationTime: date, revocationReason: reason),
                    description: "CRL of \(ISO8601.string(thisUpdate))")
            }
        }
        return nil
    }

    private func fetchedStatus(of certificate: Certificate, issuer: Certificate, source: any RevocationSource, reasons: inout [String]) -> Status? {
        for url in certificate.ocspURLs {
            do {
                let response = try source.fetchOCSP(certificate: certificate, issuer: issuer, url: url)
                if let status = OCSPEvaluation.status(
                    of: certificate, issuer: issuer, responses: [response], anchors: policy.trustAnchors,
                    extraCertificates: signedDataCertificates + embedded.certificates, signingMoment: signingMoment, reasons: &reasons)
                {
                    return status
                }
            } catch {
                reasons.append("OCSP request to \(url) failed: \(error)")
            }
        }
        var fetched: [CertificateRevocationList] = []
        for url in certificate.crlDistributionURLs {
            do {
                fetched.append(try CertificateRevocationList(try source.fetchCRL(from: url)))
            } catch {
                reasons.append("CRL download from \(url) failed: \(error)")
            }
        }
        return crlStatus(of: certificate, issuer: issuer, candidates: fetched, reasons: &reasons)
    }
}

/// OCSP evidence (RFC 6960): a response signed by the issuer itself or by a responder the issuer delegated
/// (id-kp-OCSPSigning), fresh for the signing moment (SIGEX document-card rule: thisUpdate within 5 minutes
/// of the timestamp, or a validity period that covers the signing moment).
enum OCSPEvaluation {
    static let freshness: TimeInterval = 300

    static func status(
        of certificate: Certificate, issuer: Certificate, responses: [Data], anchors: [Certificate], extraCertificates: [Certificate],
        signingMoment: Date, reasons: inout [String]
    ) -> RevocationEvaluation.Status? {
        for der in responses {
            guard let response = try? OCSPResponse(basicResponse: der) else {
                reasons.append("an OCSP response cannot be read")
                continue
            }
            guard let single = response.status(of: certificate, issuer: issuer) else { continue }
            guard let signer = response.verifiedSigner(candidates: extraCertificates + [issuer]) else {
                reasons.append("an OCSP response's signature does not verify")
                continue
            }
            let delegated = signer.isIssued(by: issuer) && signer.extendedKeyUsage.contains(ExtendedKeyUsageOID.ocspSigning)
            guard signer == issuer || delegated else {
                reasons.append("the OCSP response is signed by \"\(signer.subject.commonName ?? "?")\", which the issuer did not authorise (no id-kp-OCSPSigning)")
                continue
            }
            let covers = single.nextUpdate.map { single.thisUpdate <= signingMoment && signingMoment <= $0 } ?? false
            guard single.thisUpdate >= signingMoment.addingTimeInterval(-freshness) || covers else {
                reasons.append("the OCSP response of \(ISO8601.string(single.thisUpdate)) is older than the signing moment \(ISO8601.string(signingMoment)) by more than 5 minutes")
                continue
            }
            let producedAt = response.producedAt
            let by = "OCSP by \"\(signer.subject.commonName ?? "?")\" at \(ISO8601.string(producedAt ?? single.thisUpdate))"
            switch single.state {
            case .good:
                return .init(summary: RevocationSummary(status: .good, source: .ocsp, producedAt: producedAt, thisUpdate: single.thisUpdate), description: by)
            case .unknown:
                return .init(summary: RevocationSummary(status: .unknown, source: .ocsp, producedAt: producedAt, thisUpdate: single.thisUpdate), description: by)
            case .revoked(let at, let reason):
                return .init(
                    summary: RevocationSummary(
                        status: .revoked, source: .ocsp, producedAt: producedAt, thisUpdate: single.thisUpdate, revocationTime: at, revocationReason: reason),
                    description: by)
            }
        }
        return nil
    }
}
