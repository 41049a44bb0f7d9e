import EDSCrypto
import Foundation

/// Why a signature cannot be extended as asked (the network's own failures stay `CryptoError` with code `.network`).
public struct SignatureExtensionError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        /// What was asked does not fit the signature (no TSA for a signer without timestamp, no revocation source).
        case request
        /// The signature lacks something the extension needs (its signer's certificate, a readable timestamp).
        case signature
        /// The evidence the servers gave does not hold for the timestamp just obtained (a cached OCSP response older
        /// than the SIGEX rule allows, and no CRL covering it): asking later may succeed.
        case evidence
    }

    public let kind: Kind
    public let description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}

/// What to add after a signature value exists: a signature timestamp (CAdES-T, ETSI EN 319 122-1 § 5.3) and
/// revocation evidence with the certificates (CAdES-LT, § 5.5). The rules `sign`, `vault sign`, `vault attach` and
/// `extend` share.
public struct EvidenceRequest: Sendable {
    public var tsa: String?
    public var mode: RevocationEvidence.Mode?
    /// CRLs (DER) to embed instead of downloading from the certificates' distribution points.
    public var crlFiles: [Data]

    public init(tsa: String?, mode: RevocationEvidence.Mode?, crlFiles: [Data] = []) {
        self.tsa = tsa
        self.mode = mode
        self.crlFiles = crlFiles
    }

    /// The provider for a signer whose certificate path (signer first, then its CAs) is `path`.
    ///
    /// With both a TSA and a revocation mode, the TSA's certificates get evidence too (they arrive with the token),
    /// so the timestamp can be trusted offline years later as well. `timestamp: false` when the signer already has
    /// a signature timestamp (`existingToken`, whose TSA still gets evidence); `evidence: false` when it already
    /// has revocationValues. `pool`: further certificates that may issue the path's or the TSA's (trust anchors).
    public func provider(
        path: [Certificate], timestamp: Bool = true, evidence: Bool = true, existingToken: TimeStampToken? = nil,
        pool extra: [Certificate] = []
    ) throws -> CMSSigner.UnsignedAttributeProvider? {
        let mode = evidence ? self.mode : nil
        let files = crlFiles
        let chain = Array(path.dropFirst())
        // The signer's evidence is gathered before signing: a responder that cannot be reached fails the command
        // before a timestamp is spent.
        let signerEvidence = try mode.map {
            try RevocationEvidence.gather(for: path, pool: chain + extra, mode: $0, crlFiles: files)
        }
        let tsa = timestamp ? self.tsa : nil
        guard tsa != nil || signerEvidence != nil else { return nil }
        return { @Sendable signatureValue in
            var attributes: [CMSAttribute] = []
            var evidence = signerEvidence
            var token = existingToken
            if let tsa {
                let fresh = try TimeStampClient.timestamp(signatureValue, tsaURL: tsa)
                attributes.append(CMSAttribute(oid: CMSAttribute.OID.signatureTimeStampToken, values: [fresh.encoded]))
                token = fresh
            }
            if let mode, let gathered = evidence, let token {
                let tsaCertificates = token.signedData.certificates
                evidence = try gathered.merging(
                    try RevocationEvidence.gather(
                        for: tsaCertificates, pool: tsaCertificates + chain + extra, mode: mode, crlFiles: files,
                        skipping: gathered.coveredCertificates)
                ).holding(at: token.genTime, crlFiles: files)
            }
            return attributes + (evidence?.attributes ?? [])
        }
    }
}

/// CAdES-LT values (revocationValues, certValues): revocation evidence for every certificate of a path (OCSP where
/// asked and available, CRLs otherwise) and the certificates themselves, so `verify --offline` needs nothing but
/// the signature and the trust anchors.
public struct RevocationEvidence: Sendable {
    public enum Mode: String, Sendable, Codable { case crl, ocsp }

    var crls: [Data] = []
    var answers: [OCSPAnswer] = []
    var certificates: [Certificate] = []
    /// Certificates whose status this evidence answers (by SHA-256 fingerprint).
    var coveredCertificates: Set<Data> = []

    /// One certificate's BasicOCSPResponse, with what asking again needs.
    struct OCSPAnswer: Sendable {
        let certificate: Certificate
        let issuer: Certificate
        let url: String
        var response: Data
    }

    var attributes: [CMSAttribute] {
        [CAdESEvidence.certValues(certificates), CAdESEvidence.revocationValues(crls: crls, basicOCSPResponses: answers.map(\.response))]
    }

    func merging(_ other: RevocationEvidence) -> RevocationEvidence {
        var merged = self
        merged.crls += other.crls.filter { !crls.contains($0) }
        merged.answers += other.answers
        merged.certificates += other.certificates.filter { !certificates.contains($0) }
        merged.coveredCertificates.formUnion(other.coveredCertificates)
        return merged
    }

    /// With `crlFiles`, those CRLs are the evidence (nothing is downloaded for CRLs).
    static func gather(
        for path: [Certificate], pool: [Certificate], mode: Mode, crlFiles: [Data], skipping covered: Set<Data> = []
    ) throws -> RevocationEvidence {
        var evidence = RevocationEvidence(crls: crlFiles, certificates: path)
        var needCRL: [Certificate] = []
        for certificate in path where !certificate.isSelfIssued && !covered.contains(certificate.sha256Fingerprint) {
            evidence.coveredCertificates.insert(certificate.sha256Fingerprint)
            let issuer = pool.first { $0 != certificate && certificate.isIssued(by: $0) }
            if mode == .ocsp, let issuer, let url = certificate.ocspURLs.first {
                let response = try OCSPClient.fetch(certificate: certificate, issuer: issuer, url: url)
                evidence.answers.append(OCSPAnswer(certificate: certificate, issuer: issuer, url: url, response: response))
                evidence.certificates += (try? OCSPResponse(basicResponse: response))?.certificates ?? []
            } else {
                needCRL.append(certificate)
            }
        }
        if crlFiles.isEmpty {
            var fetched = Set<String>()
            for certificate in needCRL {
                for url in certificate.crlDistributionURLs.prefix(1) where fetched.insert(url).inserted {
                    let base = try HTTPTransport.get(url)
                    evidence.crls.append(base)
                    // The delta CRL beside the base (RFC 5280 § 5.2.6 Freshest CRL, in the certificate or the base CRL):
                    // NCA RK revokes between base CRLs through its delta, so LT evidence without it can miss a revocation.
                    let bases = (try? CertificateRevocationList.cached(base)).map { [$0] } ?? []
                    for deltaURL in certificate.deltaCRLURLs(besides: bases).prefix(1) where fetched.insert(deltaURL).inserted {
                        evidence.crls.append(try HTTPTransport.get(deltaURL))
                    }
                }
            }
        }
        if covered.isEmpty, evidence.crls.isEmpty, evidence.answers.isEmpty {
            throw SignatureExtensionError(
                .request,
                "no revocation evidence to embed: the certificates name no CRL distribution point or OCSP responder; pass --crl")
        }
        return evidence
    }
}

extension RevocationEvidence {
    /// This evidence made to hold for a timestamp's `genTime` under the rule the validator applies (`OCSPEvaluation`,
    /// the SIGEX document-card rule): every OCSP answer's thisUpdate at most 5 minutes before genTime, or its
    /// thisUpdate–nextUpdate period covering it. A stale answer (a responder serving a cached response, a slow fetch)
    /// is asked for once more; if that is stale too, the issuer's CRL stands in when it covers genTime (RFC 5280
    /// § 6.3.3: thisUpdate ≤ genTime ≤ nextUpdate, or issued after it); otherwise `.evidence` says why, so nothing
    /// that would not validate as LT is written.
    func holding(at genTime: Date, crlFiles: [Data]) throws -> RevocationEvidence {
        var held = self
        held.answers = []
        for answer in answers {
            var problems: [String] = []
            guard let stale = answer.staleness(at: genTime) else {
                held.answers.append(answer)
                continue
            }
            problems.append(stale)
            do {
                var again = answer
                again.response = try OCSPClient.fetch(certificate: answer.certificate, issuer: answer.issuer, url: answer.url)
                if let staleAgain = again.staleness(at: genTime) {
                    problems.append("asked again: \(staleAgain)")
                } else {
                    held.answers.append(again)
                    let responders = (try? OCSPResponse(basicResponse: again.response))?.certificates ?? []
                    held.certificates += responders.filter { !held.certificates.contains($0) }
                    continue
                }
            } catch {
                problems.append("asked again: \(error)")
            }
            switch Self.crlCovering(answer.certificate, issuer: answer.issuer, at: genTime, crlFiles: crlFiles) {
            case .success(let crls):
                held.crls += crls.filter { !held.crls.contains($0) }
                continue
            case .failure(let why):
                problems.append(why.description)
            }
            let name = answer.certificate.subject.commonName ?? answer.certificate.serialNumberHex
            throw SignatureExtensionError(
                .evidence,
                "no revocation evidence for \(name) holds at the timestamp's genTime \(ISO8601.string(genTime)) "
                    + "(SIGEX rule: OCSP thisUpdate within 5 minutes, or a CRL covering it): " + problems.joined(separator: "; "))
        }
        return held
    }

    private struct Unavailable: Error, CustomStringConvertible {
        let description: String
    }

    /// The CRL (DER) of `issuer` that covers `moment` as the validator counts it: from `crlFiles` when given, else
    /// downloaded from the certificate's first distribution point together with the delta CRL that the certificate's
    /// or the base's Freshest CRL names (as `gather` embeds it: NCA RK revokes between base CRLs through the delta).
    private static func crlCovering(
        _ certificate: Certificate, issuer: Certificate, at moment: Date, crlFiles: [Data]
    ) -> Result<[Data], Unavailable> {
        var candidates = crlFiles
        if crlFiles.isEmpty {
            guard let url = certificate.crlDistributionURLs.first else {
                return .failure(Unavailable(description: "its CA publishes no CRL to fall back to"))
            }
            do { candidates = [try HTTPTransport.get(url)] } catch {
                return .failure(Unavailable(description: "the CRL at \(url) could not be had: \(error)"))
            }
        }
        for der in candidates {
            guard let crl = try? CertificateRevocationList(der), crl.issuer == certificate.issuer, crl.isSigned(by: issuer) else { continue }
            if crl.covers(moment) {
                guard crlFiles.isEmpty,
                    let deltaURL = certificate.deltaCRLURLs(besides: [crl]).first
                else { return .success([der]) }
                do { return .success([der, try HTTPTransport.get(deltaURL)]) } catch {
                    return .failure(Unavailable(description: "the delta CRL at \(deltaURL) could not be had: \(error)"))
                }
            }
            let thisUpdate = crl.thisUpdate ?? .distantPast
            return .failure(
                Unavailable(
                    description: "its CRL (thisUpdate \(ISO8601.string(thisUpdate)), nextUpdate "
                        + "\(crl.nextUpdate.map(ISO8601.string) ?? "none")) does not cover it"))
        }
        return .failure(
            Unavailable(
                description: crlFiles.isEmpty
                    ? "the CRL its distribution point gave is not its CA's" : "no CRL of its CA among the given CRLs"))
    }
}

extension RevocationEvidence.OCSPAnswer {
    /// Why this answer is not evidence for `moment` under the validator's freshness rule, or nil when it is.
    func staleness(at moment: Date) -> String? {
        guard let single = (try? OCSPResponse(basicResponse: response))?.status(of: certificate, issuer: issuer) else {
            return "the OCSP response from \(url) does not answer for it"
        }
        if OCSPEvaluation.isFresh(thisUpdate: single.thisUpdate, nextUpdate: single.nextUpdate, for: moment) { return nil }
        return "the OCSP response from \(url) has thisUpdate \(ISO8601.string(single.thisUpdate)) and nextUpdate "
            + "\(single.nextUpdate.map(ISO8601.string) ?? "none")"
    }
}

/// Extension of an existing signature (CAdES-B → T → LT): per SignerInfo, what it lacks — a signature timestamp over
/// its signature value (RFC 3161, id-aa-signatureTimeStampToken, RFC 5126 § 6.1.1), then revocationValues and
/// certValues for the signer's and the TSA's paths (RFC 5126 § 6.3.3, § 6.3.4). Only unsigned attributes change
/// (`CMSSignerInfoExtension`).
public enum SignatureExtension {
    /// What one SignerInfo gets.
    public struct Plan: Sendable {
        /// 1-based.
        public let number: Int
        public let name: String
        public let addTimestamp: Bool
        public let addEvidence: Bool
        let provider: CMSSigner.UnsignedAttributeProvider?
        let signatureValue: Data

        public var isComplete: Bool { provider == nil }
    }

    /// The plan for every SignerInfo of `signedData`; nothing is fetched from the TSA yet, but OCSP responses and CRLs
    /// for the signers' paths are (so an unreachable responder fails before a timestamp is spent).
    /// `extra`: CA certificates the signature does not carry (NCALayer embeds the signer's certificate alone).
    public static func plan(_ signedData: CMSSignedData, request: EvidenceRequest, extra: [Certificate] = []) throws -> [Plan] {
        try signedData.signers.map { try plan(for: $0, in: signedData, request: request, extra: extra) }
    }

    /// Runs `plans` (asking the TSA) and returns `signature` with their attributes; everything is fetched before the
    /// result exists, so a failure leaves nothing half-extended. Signers with nothing to add keep their bytes.
    public static func apply(_ plans: [Plan], to signature: Data) throws -> Data {
        var additions: [Int: [CMSAttribute]] = [:]
        for plan in plans {
            guard let provider = plan.provider else { continue }
            additions[plan.number - 1] = try provider(plan.signatureValue)
        }
        return try CMSSignerInfoExtension.addingUnsignedAttributes(additions, to: signature)
    }

    static func plan(for signer: CMSSignerInfo, in signedData: CMSSignedData, request: EvidenceRequest, extra: [Certificate]) throws -> Plan {
        let number = signer.index + 1
        guard let certificate = signedData.signerCertificate(for: signer, extra: extra) else {
            throw SignatureExtensionError(.signature, "signer \(number): its certificate is neither in the signature nor given with --trust")
        }
        let name = certificate.subject.commonName ?? certificate.subject.description
        let existingToken: TimeStampToken?
        if let value = signer.unsignedAttribute(CMSAttribute.OID.signatureTimeStampToken)?.values.first {
            do {
                existingToken = try TimeStampToken(value)
            } catch {
                throw SignatureExtensionError(.signature, "signer \(number) (\(name)): its signature timestamp cannot be read")
            }
        } else {
            existingToken = nil
        }
        let addTimestamp = existingToken == nil
        let addEvidence = request.mode != nil && signer.unsignedAttribute(CMSAttribute.OID.revocationValues) == nil
        if addTimestamp && request.tsa == nil {
            throw SignatureExtensionError(.request, "signer \(number) (\(name)) has no signature timestamp: pass --tsa URL")
        }
        guard addTimestamp || addEvidence else {
            return Plan(number: number, name: name, addTimestamp: false, addEvidence: false, provider: nil, signatureValue: signer.signatureValue)
        }
        let pool = signedData.certificates + extra
        let provider = try request.provider(
            path: path(from: certificate, pool: pool), timestamp: addTimestamp, evidence: addEvidence,
            existingToken: existingToken, pool: pool)
        return Plan(
            number: number, name: name, addTimestamp: addTimestamp, addEvidence: addEvidence, provider: provider,
            signatureValue: signer.signatureValue)
    }

    /// The certificate and its issuers found in `pool`, up to a self-issued one (bounded against issuer loops).
    public static func path(from certificate: Certificate, pool: [Certificate]) -> [Certificate] {
        var path = [certificate]
        var current = certificate
        while !current.isSelfIssued, path.count < 16,
            let issuer = pool.first(where: { candidate in !path.contains(candidate) && current.isIssued(by: candidate) })
        {
            path.append(issuer)
            current = issuer
        }
        return path
    }
}
