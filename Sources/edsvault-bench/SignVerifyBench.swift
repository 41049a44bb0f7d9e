import EDSCrypto
import EDSVerification
import Foundation

/// The demo PKI of Certs/: two signers under root CA → "nca-demo" intermediate, plus both CRLs.
struct DemoPKI {
    static let password = "Demo-2026!"

    let directory: URL
    let rsa: PKCS12Bundle
    let ec: PKCS12Bundle
    let root: Certificate
    let crls: [CertificateRevocationList]
    /// `-CAfile` of the `openssl cms` referee.
    var rootPEM: URL { directory.appendingPathComponent("ca/root.pem") }

    static func locate(_ given: URL?) throws -> URL {
        let candidate = given ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Certs")
        let marker = candidate.appendingPathComponent("employee.p12").path
        guard FileManager.default.fileExists(atPath: marker) else {
            throw BenchError(
                given == nil
                    ? "Certs/ not found in \(FileManager.default.currentDirectoryPath): run from the repository root or pass --certs DIR"
                    : "\(marker) not found: --certs must name the demo PKI folder")
        }
        return candidate
    }

    static func load(from directory: URL) throws -> DemoPKI {
        func read(_ path: String) throws -> Data {
            do { return try Data(contentsOf: directory.appendingPathComponent(path)) } catch {
                throw BenchError("cannot read \(directory.appendingPathComponent(path).path): \(error.localizedDescription)")
            }
        }
        let rsa = try PKCS12Bundle.open(try read("employee.p12"), password: password)
        let ec = try PKCS12Bundle.open(try read("employee-ec.p12"), password: password)
        guard let root = try Certificate.parseAll(try read("trust/root.pem")).first else { throw BenchError("no certificate in trust/root.pem") }
        let crls = [try CertificateRevocationList(try read("crl/nca_demo.crl")), try CertificateRevocationList(try read("crl/root.crl"))]
        return DemoPKI(directory: directory, rsa: rsa, ec: ec, root: root, crls: crls)
    }
}

enum KeyAlgorithm: String, CaseIterable {
    case rsa2048 = "RSA-2048"
    case p256 = "P-256"

    /// `openssl speed` algorithm name and the result line that carries sign/s and verify/s.
    var speedName: String { self == .rsa2048 ? "rsa2048" : "ecdsap256" }
    var speedLineMarker: String { self == .rsa2048 ? "rsa 2048 bits" : "ecdsa (nistp256)" }
    var fileTag: String { self == .rsa2048 ? "rsa" : "ec" }
    var optionName: String { self == .rsa2048 ? "rsa2048" : "p256" }
}

/// Everything measured for one key type.
struct SignVerifyResult {
    let algorithm: KeyAlgorithm
    let signatureBytes: Int
    let sign: Rate
    let verify: Rate
    /// In-process EVP_DigestSign of the same document (PrivateKey.sign), without CMS.
    let rawInProcessSign: Rate
    /// openssl speed sign/s, verify/s (nil when openssl is unavailable).
    let speed: (sign: Double, verify: Double)?
    /// N `openssl cms -verify` processes.
    let cmsProcesses: Rate?
    /// Public-key verifications one full validation performs.
    let publicKeyVerifications: PublicKeyVerifications
    /// Where one full validation spends its time, µs per step.
    let breakdown: [BreakdownStep]
}

struct BreakdownStep {
    let step: String
    let microseconds: Double
    /// A part of the step above it, not added to the total.
    var isDetail = false
    /// The whole validation the steps add up to.
    var isTotal = false

    init(_ step: String, _ microseconds: Double, isDetail: Bool = false, isTotal: Bool = false) {
        self.step = step
        self.microseconds = microseconds
        self.isDetail = isDetail
        self.isTotal = isTotal
    }
}

/// The public-key operations inside one `SignatureValidator.validate` of a signature from the demo PKI.
struct PublicKeyVerifications {
    /// The SignerInfo's signature value, with the signer's key (RSA or ECDSA).
    let signerValue = 1
    /// Certificate signatures checked while building the path (leaf by intermediate, intermediate by root;
    /// OpenSSL does not check the trust anchor's self-signature).
    let certificateSignatures: Int
    /// CRL signatures: one CRL per non-anchor certificate (nca_demo.crl for the leaf, root.crl for the intermediate).
    let crlSignatures: Int
    var total: Int { signerValue + certificateSignatures + crlSignatures }
}

struct SignVerifyBench {
    let options: Options
    let pki: DemoPKI
    let openssl: URL?
    let scratch: URL
    let document: Data
    let documentFile: URL

    init(options: Options, pki: DemoPKI, openssl: URL?, scratch: URL) throws {
        self.options = options
        self.pki = pki
        self.openssl = openssl
        self.scratch = scratch
        // 1 KiB of printable ASCII, the same every run: a small text document.
        var generator = XorShift(seed: 0x1D0C)
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789.,\n".utf8)
        self.document = Data((0..<1024).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
        self.documentFile = scratch.appendingPathComponent("document.bin")
        try document.write(to: documentFile)
    }

    func run(_ algorithm: KeyAlgorithm) throws -> SignVerifyResult {
        let bundle = algorithm == .rsa2048 ? pki.rsa : pki.ec
        let signer = { try CMSSigner.sign(.bytes(document), key: bundle.privateKey, certificate: bundle.certificate, chain: bundle.chain) }
        let validator = SignatureValidator(policy: ValidationPolicy(trustAnchors: [pki.root], crls: pki.crls, offline: true))

        // Correctness first: the signature must fully validate, or the timing means nothing.
        let signature = try signer()
        let report = try validator.validate(signature: signature, document: .bytes(document))
        guard report.indication == .totalPassed else {
            let errors = report.signatures.flatMap(\.errors).joined(separator: "; ")
            throw BenchError("\(algorithm.rawValue): the benchmark signature does not validate: \(report.indication.rawValue) \(report.subIndication?.rawValue ?? "") \(errors)")
        }
        let signatureFile = scratch.appendingPathComponent("signature-\(algorithm.fileTag).p7s")
        try signature.write(to: signatureFile)

        // Referee 1: raw private/public-key operations.
        let speed = try openssl.map { try Self.opensslSpeed($0, algorithm, seconds: options.speedSeconds) }

        progress("\(algorithm.rawValue): CMSSigner.sign for \(options.measureSeconds) s")
        var signatureBytes = 0
        let sign = try measureRate(seconds: options.measureSeconds, warmup: options.warmupSeconds, chunks: 5) {
            signatureBytes &+= try signer().count
        }
        progress("\(algorithm.rawValue): SignatureValidator.validate for \(options.measureSeconds) s")
        var failures = 0
        let verify = try measureRate(seconds: options.measureSeconds, warmup: options.warmupSeconds, chunks: 5) {
            if try validator.validate(signature: signature, document: .bytes(document)).indication != .totalPassed { failures += 1 }
        }
        guard failures == 0 else { throw BenchError("\(algorithm.rawValue): \(failures) validations did not pass while timing") }

        let short = max(0.3, options.measureSeconds / 4)
        let rawInProcessSign = try measureRate(seconds: short, warmup: options.warmupSeconds, chunks: 3) {
            signatureBytes &+= try bundle.privateKey.sign(document).count
        }
        let (steps, verifications) = try Self.breakdown(signature: signature, document: document, pki: pki, seconds: short) {
            if try validator.validate(signature: signature, document: .bytes(document)).indication != .totalPassed { failures += 1 }
        }
        guard failures == 0 else { throw BenchError("\(algorithm.rawValue): \(failures) validations did not pass while timing") }

        // Referee 2: one `openssl cms -verify` process per verification.
        let cmsProcesses = try openssl.map {
            try Self.opensslCMSVerify($0, signature: signatureFile, document: documentFile, anchor: pki.rootPEM, runs: options.cmsProcessRuns, algorithm: algorithm)
        }
        return SignVerifyResult(
            algorithm: algorithm, signatureBytes: signature.count, sign: sign, verify: verify, rawInProcessSign: rawInProcessSign,
            speed: speed, cmsProcesses: cmsProcesses, publicKeyVerifications: verifications, breakdown: steps)
    }

    /// Where one full validation spends its time, through the public API. Each stage runs on a fresh parse of the
    /// signature (as `validate` does: OpenSSL caches per-certificate work on its X509 objects, so re-using parsed
    /// certificates would hide part of the cost); a step's cost is the difference between consecutive stages.
    static func breakdown(
        signature: Data, document: Data, pki: DemoPKI, seconds: Double, validate: () throws -> Void
    ) throws -> ([BreakdownStep], PublicKeyVerifications) {
        let anchors = [pki.root]
        var sink = 0
        /// Runs stages 1...last over a fresh parse; returns the number of public-key checks that passed.
        func pipeline(through last: Int) throws -> (certificates: Int, crls: Int) {
            let signedData = try CMSSignedData(signature)
            guard let signer = signedData.signers.first, let certificate = signedData.signerCertificate(for: signer, extra: anchors) else {
                throw BenchError("cannot find the signer certificate in the benchmark signature")
            }
            guard last >= 2 else { return (0, 0) }
            let digest = Digest.sha256(document)
            guard signedData.verifySignatureValue(of: signer, with: certificate, contentDigest: digest) == .valid else {
                throw BenchError("the benchmark signature value does not verify")
            }
            guard last >= 3 else { return (0, 0) }
            guard case .success(let path) = ChainValidator.buildPath(for: certificate, intermediates: signedData.certificates, anchors: anchors) else {
                throw BenchError("the benchmark signature's chain does not build")
            }
            guard last >= 4 else { return (path.certificates.count - 1, 0) }
            // Each non-anchor certificate of the path against the CRL of its issuer, as RevocationEvaluation does.
            var crls = 0
            for depth in 0..<(path.certificates.count - 1) {
                let issuer = path.certificates[depth + 1]
                for crl in pki.crls where crl.issuer == path.certificates[depth].issuer {
                    guard crl.isSigned(by: issuer) else { throw BenchError("a demo CRL does not verify") }
                    crls += 1
                    break
                }
            }
            return (path.certificates.count - 1, crls)
        }
        let rounds = 3
        func microseconds(_ body: () throws -> Void) rethrows -> Double {
            1e6 / (try measureRate(seconds: seconds / Double(rounds), warmup: 0.02, body).perSecond)
        }
        let counts = try pipeline(through: 4)
        // The X.509 parse alone: the signature carries the signer and the intermediate certificate.
        let parsed = try CMSSignedData(signature)
        let embedded = parsed.certificates.map(\.derEncoded)
        // Rounds interleave the stages and the best of each is kept, so a burst of other load on the machine
        // cannot make one stage look cheaper than the one before it.
        var best = [Double](repeating: .infinity, count: 6)
        for _ in 0..<rounds {
            for stage in 1...4 {
                best[stage - 1] = min(best[stage - 1], try microseconds { sink &+= try pipeline(through: stage).crls + 1 })
            }
            best[4] = min(best[4], try microseconds {
                for der in embedded { sink &+= try Certificate(derEncoded: der).isCertificateAuthority ? 1 : 2 }
            })
            best[5] = min(best[5], try microseconds(validate))
        }
        let cumulative = Array(best[0..<4])
        let certificateParse = best[4]
        guard sink > 0 else { throw BenchError("breakdown produced nothing") }
        let signerKey = parsed.signers.first.flatMap { parsed.signerCertificate(for: $0) }?.publicKey.algorithm ?? "?"
        let verifications = PublicKeyVerifications(certificateSignatures: counts.certificates, crlSignatures: counts.crls)
        return (
            [
                BreakdownStep("parse the CMS (d2i_CMS_bio, SignerInfo attributes, signer certificate lookup)", cumulative[0]),
                BreakdownStep(
                    "  of which X.509 parsing of its \(embedded.count) certificates (Certificate(derEncoded:) each)", certificateParse,
                    isDetail: true),
                BreakdownStep("signature value (1 \(signerKey) verify) + SHA-256 of the document", max(0, cumulative[1] - cumulative[0])),
                BreakdownStep("chain building (\(counts.certificates) RSA certificate signatures)", max(0, cumulative[2] - cumulative[1])),
                BreakdownStep("CRL signatures (\(counts.crls) RSA verifies)", max(0, cumulative[3] - cumulative[2])),
                BreakdownStep(
                    "everything else (report: names, dates, key usage, profile; CRL lookup; allocations)", max(0, best[5] - cumulative[3])),
                BreakdownStep("full SignatureValidator.validate (best of \(rounds) rounds)", best[5], isTotal: true),
            ], verifications
        )
    }

    /// `edsvault-bench sign-loop N [rsa2048|p256]`: N detached CMS signatures of a 1 KiB document and nothing else,
    /// for a profiler (`valgrind --tool=callgrind` counts instructions whatever else runs on the machine).
    static func signLoop(_ arguments: [String]) throws {
        guard let count = arguments.first.flatMap(Int.init), count > 0, arguments.count <= 2,
            let algorithm = arguments.count == 2 ? KeyAlgorithm.allCases.first(where: { $0.optionName == arguments[1] }) : .rsa2048
        else { throw BenchError("usage: edsvault-bench sign-loop N [rsa2048|p256]") }
        let pki = try DemoPKI.load(from: try DemoPKI.locate(nil))
        let bundle = algorithm == .rsa2048 ? pki.rsa : pki.ec
        let document = Data(repeating: 0x61, count: 1024)
        let start = Stopwatch.now()
        var bytes = 0
        for _ in 0..<count {
            bytes &+= try CMSSigner.sign(.bytes(document), key: bundle.privateKey, certificate: bundle.certificate, chain: bundle.chain).count
        }
        let seconds = Stopwatch.now() - start
        print(String(format: "%d %@ signatures (%d bytes) in %.3f s: %.1f µs each", count, algorithm.rawValue, bytes, seconds, seconds * 1e6 / Double(count)))
    }

    /// `openssl speed -seconds N ALG`: sign/s and verify/s from the result table.
    static func opensslSpeed(_ openssl: URL, _ algorithm: KeyAlgorithm, seconds: Int) throws -> (sign: Double, verify: Double) {
        progress("\(algorithm.rawValue): openssl speed -seconds \(seconds) \(algorithm.speedName)")
        let result = try Subprocess.run(openssl, ["speed", "-seconds", "\(seconds)", algorithm.speedName])
        guard result.status == 0 else { throw BenchError("openssl speed \(algorithm.speedName) failed (\(result.status)): \(result.output.suffix(500))") }
        // "rsa 2048 bits 0.000245s 0.000017s   4088.0  60226.0"
        // " 256 bits ecdsa (nistp256)   0.0000s   0.0001s  50513.0  16895.0"
        for line in result.output.split(separator: "\n") where line.contains(algorithm.speedLineMarker) && !line.contains("Doing") {
            let fields = line.split(separator: " ")
            if fields.count >= 2, let sign = Double(fields[fields.count - 2]), let verify = Double(fields[fields.count - 1]) {
                return (sign, verify)
            }
        }
        throw BenchError("cannot find the \(algorithm.speedLineMarker) line in openssl speed's output:\n\(result.output.suffix(800))")
    }

    /// `runs` sequential `openssl cms -verify` processes over the same signature, timed as a whole.
    static func opensslCMSVerify(_ openssl: URL, signature: URL, document: URL, anchor: URL, runs: Int, algorithm: KeyAlgorithm) throws -> Rate {
        progress("\(algorithm.rawValue): \(runs) × openssl cms -verify")
        let arguments = [
            "cms", "-verify", "-binary", "-inform", "DER", "-in", signature.path, "-content", document.path,
            "-CAfile", anchor.path, "-purpose", "any", "-out", "/dev/null",
        ]
        let check = try Subprocess.run(openssl, arguments)
        guard check.status == 0 else {
            throw BenchError("openssl cms -verify rejects the \(algorithm.rawValue) benchmark signature (\(check.status)): \(check.output.suffix(500))")
        }
        let start = Stopwatch.now()
        for _ in 0..<runs {
            let result = try Subprocess.run(openssl, arguments, capture: false)
            guard result.status == 0 else { throw BenchError("openssl cms -verify failed while timing (\(result.status))") }
        }
        return Rate(operations: runs, seconds: Stopwatch.now() - start)
    }
}

/// xorshift64: cheap pseudo-random bytes, so the hashed file is neither sparse nor trivially compressible.
struct XorShift {
    private var state: UInt64

    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }

    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}
