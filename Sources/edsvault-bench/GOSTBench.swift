@_spi(Benchmarking) import EDSCrypto
import EDSVerification
import Foundation

/// GOST 34.310-2015 (512) rows: sign/s and full validate/s for a 1 KiB document and a chain of 3 (leaf, NCA, root of
/// the GOST demo PKI, with both CRLs), beside the raw floor measured in the same run: one double-scalar
/// EC_POINT_mul on the same curve, what one verification costs at least. And Streebog-512 over the hash file
/// against `openssl dgst -provider gostprov -md_gost12_512` (issue 9's targets).
struct GOSTBench {
    let options: Options
    let certs: URL
    let openssl: URL?
    let scratch: URL

    struct Result {
        let sign: Rate
        let validate: Rate
        let floor: Rate
        /// GOST signature checks in one validation: the SignerInfo, two certificates, two CRLs.
        let checksPerValidation: Int
        let streebogBytes: UInt64
        let streebogSeconds: Double
        let opensslStreebogSeconds: Double?

        var validateTarget: Double { 0.5 * floor.perSecond / Double(checksPerValidation) }
        var hashRatio: Double? { opensslStreebogSeconds.map { $0 / streebogSeconds } }
    }

    func run() throws -> Result {
        let password = DemoPKI.password
        func read(_ path: String) throws -> Data { try Data(contentsOf: certs.appendingPathComponent(path)) }
        let bundle = try PKCS12Bundle.open(try read("employee-gost.p12"), password: password)
        let anchors = try Certificate.parseAll(try read("trust/gost-root.pem"))
        let crls = [try CertificateRevocationList(try read("crl/gost_nca_demo.crl")), try CertificateRevocationList(try read("crl/gost_root.crl"))]
        let document = Data((0..<1024).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let sign = { try CMSSigner.sign(.bytes(document), key: bundle.privateKey, certificate: bundle.certificate, chain: bundle.chain) }
        let signature = try sign()
        let validator = SignatureValidator(policy: ValidationPolicy(trustAnchors: anchors, crls: crls, offline: true))
        guard try validator.validate(signature: signature, document: .bytes(document)).indication == .totalPassed else {
            throw BenchError("the GOST demo signature does not validate: regenerate the GOST demo PKI (Certs/make-gost-demo-pki.sh)")
        }
        progress("GOST 2015: sign")
        let signRate = try measureRate(seconds: options.measureSeconds, warmup: options.warmupSeconds, chunks: 5) { _ = try sign() }
        progress("GOST 2015: validate (chain of 3, CRLs)")
        let validateRate = try measureRate(seconds: options.measureSeconds, warmup: options.warmupSeconds, chunks: 5) {
            guard try validator.validate(signature: signature, document: .bytes(document)).indication == .totalPassed else {
                throw BenchError("GOST validation stopped passing")
            }
        }
        progress("GOST 2015: raw double-scalar EC_POINT_mul")
        let floor = try GOSTVerificationFloor()
        let floorRate = try measureRate(seconds: options.measureSeconds, warmup: options.warmupSeconds, chunks: 5) {
            guard floor.multiply() else { throw BenchError("EC_POINT_mul failed") }
        }
        let (streebog, referee, bytes) = try hash()
        return Result(
            sign: signRate, validate: validateRate, floor: floorRate, checksPerValidation: 5, streebogBytes: bytes, streebogSeconds: streebog,
            opensslStreebogSeconds: referee)
    }

    /// Streebog-512 over a file of the hash size, ours (Digest.hashFile) and openssl's, best of the repeats each.
    private func hash() throws -> (ours: Double, openssl: Double?, bytes: UInt64) {
        let file = scratch.appendingPathComponent("gost-hash.bin")
        defer { try? FileManager.default.removeItem(at: file) }
        progress("writing \(options.hashMiB) MiB for Streebog")
        try HashBench.writeRandomFile(file, mebibytes: options.hashMiB)
        var ours: [Double] = []
        var referee: [Double] = []
        var expected = ""
        for round in 1...options.hashRepeats {
            progress("Streebog-512, round \(round)/\(options.hashRepeats)")
            let (result, seconds) = try Stopwatch.time { try Digest.hashFile(at: file, algorithms: [.streebog512]) }
            ours.append(seconds)
            expected = result.digests[.streebog512]?.hexString ?? ""
            if let openssl {
                let run = try Subprocess.run(openssl, ["dgst", "-provider", "gostprov", "-md_gost12_512", file.path])
                guard run.status == 0 else { throw BenchError("openssl dgst -md_gost12_512 failed: \(run.output.suffix(300))") }
                let printed = run.output.split(separator: "=").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
                guard printed == expected else { throw BenchError("openssl's Streebog-512 is \(printed), ours \(expected)") }
                referee.append(run.seconds)
            }
        }
        return (ours.min() ?? .nan, referee.min(), UInt64(options.hashMiB) << 20)
    }

    static func render(_ result: Result) -> String {
        let validateStatus = result.validate.perSecond >= result.validateTarget ? "ok" : "MISS"
        let hashLine: String
        if let ratio = result.hashRatio, let referee = result.opensslStreebogSeconds {
            hashLine = "  Streebog-512 of \(result.streebogBytes >> 20) MiB: ours \(formatNumber(Double(result.streebogBytes) / 1e6 / result.streebogSeconds)) MB/s, "
                + "openssl dgst -md_gost12_512 \(formatNumber(Double(result.streebogBytes) / 1e6 / referee)) MB/s, ratio \(formatNumber(ratio, decimals: 2)) "
                + "(target >= 0.90: \(ratio >= 0.9 ? "ok" : "MISS"))"
        } else {
            hashLine = "  Streebog-512 of \(result.streebogBytes >> 20) MiB: ours \(formatNumber(Double(result.streebogBytes) / 1e6 / result.streebogSeconds)) MB/s (no openssl referee)"
        }
        return """

            GOST 34.310-2015 (512), 1 KiB document, chain of 3 (leaf, NCA, root) with both CRLs
              sign/s                      \(formatNumber(result.sign.perSecond))
              validate/s                  \(formatNumber(result.validate.perSecond))   (\(result.checksPerValidation) GOST signature checks each)
              raw z1*P + z2*Q /s          \(formatNumber(result.floor.perSecond))   (one EC_POINT_mul, same curve, same run)
              validate target             >= 0.5 x raw / \(result.checksPerValidation) = \(formatNumber(result.validateTarget))/s: \(validateStatus)
            \(hashLine)

            """
    }
}
