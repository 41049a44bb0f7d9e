@_spi(Benchmarking) import EDSCrypto
import EDSVerification
import Foundation

/// The two RSA-2048 signatures of issue 3's figure over the same document: a plain CAdES-BES one, and a CAdES-LT
/// one carrying a signature timestamp (demo TSA, in-process), certValues and both CRLs in revocationValues.
struct LongTermFixture {
    let document = Data(repeating: 0x41, count: 1024)
    let plain: Data
    let longTerm: Data
    /// CAdES-LT the NCA RK way: an OCSP response for the signer (demo delegated responder, made offline by
    /// `openssl ocsp`), the root's CRL for the intermediate, certValues with the responder. Nil without openssl.
    let longTermOCSP: Data?
    /// The plain signature is validated with the CRLs passed by the verifier (`--crl`).
    let plainValidator: SignatureValidator
    /// The CAdES-LT signature is validated from what it carries alone: no `--crl`, offline.
    let longTermValidator: SignatureValidator
    /// Makes another CAdES-LT signature over `document` like `longTerm`, with its own timestamp token.
    private let makeLongTerm: @Sendable () throws -> Data

    init(pki: DemoPKI, openssl: URL?) throws {
        let tsaCertificates = try Certificate.parseAll(try Data(contentsOf: pki.directory.appendingPathComponent("tsa.pem")))
        guard let tsaCertificate = tsaCertificates.first else { throw BenchError("no certificate in tsa.pem") }
        let tsa = TimeStampAuthority(
            certificate: tsaCertificate, key: try PrivateKey(pemOrDER: try Data(contentsOf: pki.directory.appendingPathComponent("tsa.key"))),
            chain: pki.rsa.chain)
        let signer = pki.rsa
        let crls = pki.crls.map(\.derEncoded)
        let document = self.document
        plain = try CMSSigner.sign(.bytes(document), key: signer.privateKey, certificate: signer.certificate, chain: signer.chain)
        @Sendable func timestamp(_ signatureValue: Data) throws -> CMSAttribute {
            let request = try TimeStampClient.request(for: signatureValue).request
            let token = try TimeStampClient.token(fromResponse: try tsa.respond(to: request))
            return CMSAttribute(oid: CMSAttribute.OID.signatureTimeStampToken, values: [token])
        }
        makeLongTerm = {
            try CMSSigner.sign(.bytes(document), key: signer.privateKey, certificate: signer.certificate, chain: signer.chain) {
                signatureValue in
                [
                    try timestamp(signatureValue),
                    CAdESEvidence.certValues([signer.certificate] + signer.chain),
                    CAdESEvidence.revocationValues(crls: crls, basicOCSPResponses: []),
                ]
            }
        }
        longTerm = try makeLongTerm()
        if let openssl {
            let (response, responder) = try Self.ocspEvidence(pki: pki, openssl: openssl)
            longTermOCSP = try CMSSigner.sign(.bytes(document), key: signer.privateKey, certificate: signer.certificate, chain: signer.chain) {
                signatureValue in
                [
                    try timestamp(signatureValue),
                    CAdESEvidence.certValues([signer.certificate] + signer.chain + [responder]),
                    CAdESEvidence.revocationValues(crls: [pki.crls[1].derEncoded], basicOCSPResponses: [response]),
                ]
            }
        } else {
            longTermOCSP = nil
        }
        plainValidator = SignatureValidator(policy: ValidationPolicy(trustAnchors: [pki.root], crls: pki.crls, offline: true))
        longTermValidator = SignatureValidator(policy: ValidationPolicy(trustAnchors: [pki.root], offline: true))
        // Correctness first: both must fully validate, the LT one on its timestamp, or the timing means nothing.
        var cases = [(plainValidator, plain, "plain"), (longTermValidator, longTerm, "CAdES-LT")]
        if let longTermOCSP { cases.append((longTermValidator, longTermOCSP, "CAdES-LT with OCSP")) }
        for (validator, signature, name) in cases {
            let report = try validator.validate(signature: signature, document: .bytes(document))
            guard report.indication == .totalPassed, report.signatures.first?.timestamp != nil || name == "plain" else {
                throw BenchError("the \(name) signature does not validate as TOTAL_PASSED: \(report.signatures.first?.errors ?? [])")
            }
            if name.hasSuffix("OCSP"), report.signatures.first?.revocation?.source != .ocsp {
                throw BenchError("the \(name) signature was not judged by its OCSP response")
            }
        }
    }

    /// A BasicOCSPResponse "good" for the demo employee from the demo delegated responder, and the responder's
    /// certificate: `openssl ocsp` with request and response files, no server.
    static func ocspEvidence(pki: DemoPKI, openssl: URL) throws -> (response: Data, responder: Certificate) {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-bench-ocsp-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let certs = pki.directory.path
        let request = work.appendingPathComponent("request.der").path
        let response = work.appendingPathComponent("response.der").path
        for arguments in [
            ["ocsp", "-issuer", "\(certs)/ca/nca-demo.pem", "-cert", "\(certs)/employee.pem", "-no_nonce", "-reqout", request],
            [
                "ocsp", "-index", "\(certs)/demo-ca/nca/index.txt", "-CA", "\(certs)/ca/nca-demo.pem", "-rsigner", "\(certs)/ocsp.pem",
                "-rkey", "\(certs)/ocsp.key", "-reqin", request, "-respout", response,
            ],
        ] {
            let result = try Subprocess.run(openssl, arguments)
            guard result.status == 0 else { throw BenchError("openssl \(arguments.prefix(3).joined(separator: " ")) failed: \(result.output.suffix(300))") }
        }
        guard let responder = try Certificate.parseAll(try Data(contentsOf: pki.directory.appendingPathComponent("ocsp.pem"))).first else {
            throw BenchError("no certificate in ocsp.pem")
        }
        return (try OCSPResponse.basicResponse(fromResponse: try Data(contentsOf: URL(fileURLWithPath: response))), responder)
    }

    /// `count` more CAdES-LT signatures, each with a token never seen before: a stream of new signatures, where
    /// nothing remembered about a token (its signature verdict) can help.
    func freshLongTermSignatures(_ count: Int) throws -> [Data] {
        try (0..<count).map { _ in try makeLongTerm() }
    }

    func validateLongTerm(_ signature: Data) throws -> Bool {
        try longTermValidator.validate(signature: signature, document: .bytes(document)).indication == .totalPassed
    }

    func validatePlain() throws -> Bool {
        try plainValidator.validate(signature: plain, document: .bytes(document)).indication == .totalPassed
    }

    func validateLongTerm() throws -> Bool {
        try longTermValidator.validate(signature: longTerm, document: .bytes(document)).indication == .totalPassed
    }

    func validateLongTermOCSP() throws -> Bool {
        guard let longTermOCSP else { throw BenchError("no OCSP fixture (openssl not found)") }
        return try longTermValidator.validate(signature: longTermOCSP, document: .bytes(document)).indication == .totalPassed
    }
}

/// Issue 3's figure: validating a CAdES-LT signature (timestamp + embedded CRLs + certValues) fully offline,
/// against validating the plain CAdES-BES signature with the same CRLs supplied by the verifier, in the same run.
struct LongTermBench {
    let options: Options
    let pki: DemoPKI
    let openssl: URL?

    struct Result {
        let plain: Rate
        /// The same LT signature validated over and over: the TSA certificate comes from the process-wide certificate
        /// cache, as it does in a vault or service that validates many signatures from one TSA. The signer's and CA's
        /// certValues are reused from SignedData.certificates of the same validation, not from the cache.
        let longTerm: Rate
        /// The certificate and CRL caches emptied before every validation: everything parsed afresh, as a one-shot
        /// `edsvault verify` does.
        let longTermCold: Rate
        /// Every validation a new LT signature, its token never seen before (its signature verified, not remembered):
        /// a stream of uploads rather than an archive validated again.
        let longTermFresh: Rate
        /// With OCSP for the signer instead of a CRL (nil without openssl).
        let longTermOCSP: Rate?
        /// What the LT evidence adds, piece by piece, µs.
        let extra: [BreakdownStep]
        /// How many times longer one LT validation takes than one plain validation (target < 2).
        var costFactor: Double { Self.factor(plain, longTerm) }
        var coldCostFactor: Double { Self.factor(plain, longTermCold) }
        var freshCostFactor: Double { Self.factor(plain, longTermFresh) }
        var ocspCostFactor: Double? { longTermOCSP.map { Self.factor(plain, $0) } }

        static func factor(_ plain: Rate, _ other: Rate) -> Double { other.perSecond > 0 ? plain.perSecond / other.perSecond : .infinity }
    }

    /// New LT signatures validated per round for the `longTermFresh` row.
    static let freshPerRound = 100

    func run() throws -> Result {
        let fixture = try LongTermFixture(pki: pki, openssl: openssl)
        var failures = 0
        progress("CAdES-LT: plain and LT validation, \(options.measureSeconds) s each")
        // Interleaved, so a burst of other load on the machine hits all three alike.
        var plain: [Rate] = []
        var longTerm: [Rate] = []
        var cold: [Rate] = []
        var ocsp: [Rate] = []
        var fresh: [Rate] = []
        let slice = options.measureSeconds / 3
        // Each new signature is validated once, so each round needs its own (two RSA signatures each to make).
        let freshSets = try (0..<3).map { _ in try fixture.freshLongTermSignatures(Self.freshPerRound) }
        for round in 0..<3 {
            plain.append(try measureRate(seconds: slice, warmup: options.warmupSeconds, chunks: 3) {
                if try !fixture.validatePlain() { failures += 1 }
            })
            longTerm.append(try measureRate(seconds: slice, warmup: options.warmupSeconds, chunks: 3) {
                if try !fixture.validateLongTerm() { failures += 1 }
            })
            cold.append(try measureRate(seconds: slice, warmup: options.warmupSeconds, chunks: 3) {
                Certificate.purgeParsedCache()
                CertificateRevocationList.purgeParsedCache()
                if try !fixture.validateLongTerm() { failures += 1 }
            })
            let freshStart = Stopwatch.now()
            for signature in freshSets[round] where try !fixture.validateLongTerm(signature) { failures += 1 }
            fresh.append(Rate(operations: Self.freshPerRound, seconds: Stopwatch.now() - freshStart))
            if fixture.longTermOCSP != nil {
                ocsp.append(try measureRate(seconds: slice, warmup: options.warmupSeconds, chunks: 3) {
                    if try !fixture.validateLongTermOCSP() { failures += 1 }
                })
            }
        }
        guard failures == 0 else { throw BenchError("\(failures) CAdES-LT benchmark validations did not pass while timing") }
        func median(_ rates: [Rate]) -> Rate { rates.sorted { $0.perSecond < $1.perSecond }[rates.count / 2] }
        let extra = try Self.extraWork(fixture, seconds: max(0.2, options.measureSeconds / 5))
        return Result(
            plain: median(plain), longTerm: median(longTerm), longTermCold: median(cold), longTermFresh: median(fresh), longTermOCSP: ocsp.isEmpty ? nil : median(ocsp),
            extra: extra)
    }

    /// The work a CAdES-LT validation does on top of a plain one, each piece timed on its own through the public
    /// API, the way `SignatureValidator` does it (best of 3 rounds, µs).
    static func extraWork(_ fixture: LongTermFixture, seconds: Double) throws -> [BreakdownStep] {
        let signedData = try CMSSignedData(fixture.longTerm)
        guard let signer = signedData.signers.first,
            let tokenDER = signer.unsignedAttribute(CMSAttribute.OID.signatureTimeStampToken)?.values.first,
            let certValues = signer.unsignedAttribute(CMSAttribute.OID.certValues)?.values.first,
            let revocationValues = signer.unsignedAttribute(CMSAttribute.OID.revocationValues)?.values.first
        else { throw BenchError("the CAdES-LT benchmark signature lacks its timestamp or evidence") }
        let known = signedData.certificates
        let anchors = fixture.longTermValidator.policy.trustAnchors
        let token = try TimeStampToken(tokenDER, reusingCertificates: known)
        guard let tokenSigner = token.signedData.signers.first, let tsa = token.signedData.signerCertificate(for: tokenSigner),
            let content = token.signedData.encapsulatedContent
        else { throw BenchError("the benchmark timestamp token has no signer") }
        let crls = CAdESEvidence.revocationValues(revocationValues).crls
        var sink = 0
        let pieces: [(String, () throws -> Void)] = [
            ("read the timestamp token (TSTInfo, SignerInfo; TSA certificate cached, its CA reused)", {
                sink &+= try TimeStampToken(tokenDER, reusingCertificates: known).serialNumberHex.count
            }),
            ("  the same with an empty certificate cache (the TSA certificate parsed)", {
                Certificate.purgeParsedCache()
                sink &+= try TimeStampToken(tokenDER, reusingCertificates: known).serialNumberHex.count
            }),
            ("imprint, token signature (verdict remembered in the context), ESS certificate hash, TSA purpose", {
                guard token.covers(signer.signatureValue), token.isSigned(by: tsa),
                    tokenSigner.signingCertificateReferences.first?.matches(tsa) == true, tsa.isTimeStampingCertificate
                else { throw BenchError("the benchmark timestamp token does not verify") }
                sink &+= 1
            }),
            ("  the token signature itself (1 RSA verify: a token seen for the first time)", {
                let digest = try Digest.hash(content, algorithm: tokenSigner.digestAlgorithm ?? .sha256)
                guard token.signedData.verifySignatureValue(of: tokenSigner, with: tsa, contentDigest: digest) == .valid else {
                    throw BenchError("the benchmark timestamp token does not verify")
                }
                sink &+= 1
            }),
            ("TSA chain (2 RSA certificate signatures)", {
                guard case .success = ChainValidator.buildPath(for: tsa, intermediates: token.signedData.certificates + known, anchors: anchors) else {
                    throw BenchError("the benchmark TSA does not chain")
                }
                sink &+= 1
            }),
            ("certValues (byte-identical to SignedData.certificates: reused, not parsed)", {
                sink &+= CAdESEvidence.certificates(fromCertValues: certValues, reusing: known).count
            }),
            ("the \(crls.count) embedded CRLs, from the parsed-CRL cache (the plain run gets them parsed from --crl)", {
                for der in crls { sink &+= try CertificateRevocationList.cached(der).thisUpdate == nil ? 0 : 1 }
            }),
            ("  the same parsed afresh (CRLs not seen before)", {
                for der in crls { sink &+= try CertificateRevocationList(der).thisUpdate == nil ? 0 : 1 }
            }),
        ]
        var best = [Double](repeating: .infinity, count: pieces.count)
        for _ in 0..<3 {
            for (index, piece) in pieces.enumerated() {
                best[index] = min(best[index], 1e6 / (try measureRate(seconds: seconds / 3, warmup: 0.02, piece.1).perSecond))
            }
        }
        guard sink > 0 else { throw BenchError("the LT breakdown produced nothing") }
        return pieces.enumerated().map { index, piece in BreakdownStep(piece.0, best[index], isDetail: piece.0.hasPrefix(" ")) }
    }

    static func render(_ result: Result) -> String {
        func row(_ label: String, _ value: Rate, _ note: String = "") -> String {
            "  " + label.padding(toLength: 52, withPad: " ", startingAt: 0) + String(format: "%8.0f  %8.0f", value.perSecond, 1e6 / max(value.perSecond, 1e-9))
                + (note.isEmpty ? "" : "   " + note)
        }
        func factor(_ value: Double) -> String { String(format: "%.2fx", value) }
        var lines = [
            "",
            "CAdES-LT offline validation (RSA-2048, timestamp + embedded CRLs + certValues) vs plain CAdES-BES with --crl:",
            "  " + "".padding(toLength: 52, withPad: " ", startingAt: 0) + "validate/s   µs each",
            row("plain CAdES-BES, CRLs given by the verifier", result.plain),
            row(
                "CAdES-LT, TSA certificate cached", result.longTerm,
                "\(factor(result.costFactor))  (target < 2.00: \(result.costFactor < 2 ? "PASS" : "MISS"))"),
            row("CAdES-LT, certificate and CRL caches emptied", result.longTermCold, "\(factor(result.coldCostFactor))  (one-shot verify; info)"),
            row("CAdES-LT, a new signature every time", result.longTermFresh, "\(factor(result.freshCostFactor))  (token verified; info)"),
        ]
        if let ocsp = result.longTermOCSP, let ocspFactor = result.ocspCostFactor {
            lines.append(row("CAdES-LT, OCSP for the signer + CRL for its CA", ocsp, "\(factor(ocspFactor))  (as NCA RK signs; info)"))
        } else {
            lines.append("  CAdES-LT with OCSP: n/a (openssl not found)")
        }
        lines += [
            "  The signer's and its CA's certValues are the same bytes as SignedData.certificates and are reused, not cached:",
            "  a new signer every time costs what this repeated one does. The TSA (and OCSP responder) certificates come",
            "  from the process-wide cache, as in a service where one TSA stamps every signature; so do the CAs' CRLs (the",
            "  same CRL is embedded until its next update). The repeated signature's token verdict is remembered (an archive",
            "  validated again); a new signature's token is verified (\(Self.freshPerRound) new signatures per round).",
            "What the LT evidence adds (µs, each piece timed on its own, best of 3 rounds):",
        ]
        lines += result.extra.map { step in
            "  " + step.step.padding(toLength: 92, withPad: " ", startingAt: 0) + String(format: "%7.1f", step.microseconds)
        }
        return lines.joined(separator: "\n")
    }

    /// How many new signatures `lt-loop --fresh` makes, whatever N is (so that N = 50 and N = 250 do the same set-up
    /// and their difference is validations only).
    static let freshSignatureCount = 250

    /// `edsvault-bench lt-loop N [--cold|--plain|--ocsp|--fresh]`: N CAdES-LT (or plain, or OCSP-based LT)
    /// validations and nothing else, for a profiler (`valgrind --tool=callgrind .build/release/edsvault-bench lt-loop
    /// 200`). `--fresh`: each validation a signature with a token not seen before (N ≤ 250).
    static func loop(_ arguments: [String]) throws {
        let usage = BenchError("usage: edsvault-bench lt-loop N [--cold|--plain|--ocsp|--fresh]")
        guard let count = arguments.first.flatMap(Int.init), count > 0, arguments.count <= 2 else { throw usage }
        let mode = arguments.count == 2 ? arguments[1] : ""
        guard ["", "--cold", "--plain", "--ocsp", "--fresh"].contains(mode) else { throw usage }
        let fixture = try LongTermFixture(pki: try DemoPKI.load(from: try DemoPKI.locate(nil)), openssl: Subprocess.which("openssl"))
        let fresh = mode == "--fresh" ? try fixture.freshLongTermSignatures(freshSignatureCount) : []
        guard mode != "--fresh" || count <= fresh.count else { throw BenchError("lt-loop --fresh: N is at most \(freshSignatureCount)") }
        let start = Stopwatch.now()
        for index in 0..<count {
            if mode == "--cold" {
                Certificate.purgeParsedCache()
                CertificateRevocationList.purgeParsedCache()
            }
            let passed =
                switch mode {
                case "--plain": try fixture.validatePlain()
                case "--ocsp": try fixture.validateLongTermOCSP()
                case "--fresh": try fixture.validateLongTerm(fresh[index])
                default: try fixture.validateLongTerm()
                }
            guard passed else { throw BenchError("a validation did not pass") }
        }
        let seconds = Stopwatch.now() - start
        print(String(format: "%d validations in %.3f s: %.1f µs each", count, seconds, seconds * 1e6 / Double(count)))
    }
}
