import Foundation

/// One PASS/MISS line.
struct Target {
    enum Comparison { case atLeast, below }

    let name: String
    /// nil when the referee could not run.
    let value: Double?
    let threshold: Double
    let comparison: Comparison
    let detail: String

    var status: String {
        guard let value, value.isFinite else { return "SKIP" }
        switch comparison {
        case .atLeast: return value >= threshold ? "PASS" : "MISS"
        case .below: return value < threshold ? "PASS" : "MISS"
        }
    }

    var thresholdText: String {
        let number = formatNumber(threshold, decimals: threshold >= 10 ? 0 : 2)
        return comparison == .atLeast ? "≥ \(number)" : "< \(number)"
    }
}

struct Report {
    let options: Options
    let opensslVersion: String
    /// /proc/loadavg when the run started: other work on the machine skews every figure.
    let loadAverage: String?
    let signVerify: [SignVerifyResult]
    let hash: HashResult

    var targets: [Target] {
        var targets: [Target] = []
        for result in signVerify {
            let name = result.algorithm.rawValue
            let signRatio = result.speed.map { result.sign.perSecond / $0.sign }
            let verifyRatio = result.speed.map { result.verify.perSecond / $0.verify }
            targets.append(
                Target(
                    name: "\(name) sign", value: signRatio, threshold: 0.80, comparison: .atLeast,
                    detail: "CMSSigner.sign \(formatNumber(result.sign.perSecond))/s ÷ openssl speed sign \(result.speed.map { formatNumber($0.sign) } ?? "n/a")/s"))
            targets.append(
                Target(
                    name: "\(name) verify", value: verifyRatio, threshold: 0.30, comparison: .atLeast,
                    detail: "full validate \(formatNumber(result.verify.perSecond))/s ÷ openssl speed verify \(result.speed.map { formatNumber($0.verify) } ?? "n/a")/s"
                        + " (one validate = \(result.publicKeyVerifications.total) public-key verifications)"))
        }
        targets.append(
            Target(
                name: "SHA-256 file hashing", value: hash.opensslMBps.map { hash.oursMBps / $0 }, threshold: 0.90, comparison: .atLeast,
                detail: "Digest.hashFile \(formatNumber(hash.oursMBps)) MB/s ÷ openssl dgst \(hash.opensslMBps.map { formatNumber($0) } ?? "n/a") MB/s"))
        targets.append(
            Target(
                name: "hashing peak RSS (MiB)", value: Double(hash.peakRSSKiB) / 1024, threshold: 64, comparison: .below,
                detail: "hash-only child over \(hash.bytes >> 20) MiB"))
        return targets
    }

    func render() -> String {
        var out: [String] = []
        out.append("EDS Vault benchmark\(options.quick ? " (--quick)" : "")")
        #if DEBUG
        out.append("  WARNING: debug build — figures are meaningless; use swift run -c release edsvault-bench")
        #endif
        out.append("  \(opensslVersion), \(ProcessInfo.processInfo.activeProcessorCount) CPUs, \(ProcessInfo.processInfo.operatingSystemVersionString)")
        if let loadAverage { out.append("  load average at start: \(loadAverage) (other work on the machine lowers every figure)") }
        out.append(
            "  1 KiB document in memory; in-process figures single-threaded, \(formatNumber(options.measureSeconds)) s each; openssl speed -seconds \(options.speedSeconds)")
        out.append("")

        // Signing and verification.
        let widths = [10, 52, 11, 11, 7, 8]
        func row(_ cells: [String]) -> String {
            padRight(cells[0], widths[0]) + padRight(cells[1], widths[1]) + padLeft(cells[2], widths[2]) + padLeft(cells[3], widths[3])
                + padLeft(cells[4], widths[4]) + "  " + cells[5]
        }
        out.append(row(["key", "operation (ours vs referee)", "ours/s", "referee/s", "ratio", "target"]))
        out.append(String(repeating: "-", count: widths.reduce(0, +) + 2))
        for result in signVerify {
            let name = result.algorithm.rawValue
            let speedSign = result.speed?.sign
            let speedVerify = result.speed?.verify
            func ratio(_ ours: Double, _ referee: Double?) -> String { referee.map { formatNumber(ours / $0, decimals: 2) } ?? "n/a" }
            out.append(
                row([name, "sign: CMSSigner.sign vs openssl speed", formatNumber(result.sign.perSecond), speedSign.map { formatNumber($0) } ?? "n/a",
                     ratio(result.sign.perSecond, speedSign), "≥ 0.80"]))
            out.append(
                row([name, "  (in-process raw EVP_DigestSign, no CMS)", formatNumber(result.rawInProcessSign.perSecond),
                     speedSign.map { formatNumber($0) } ?? "n/a", ratio(result.rawInProcessSign.perSecond, speedSign), "info"]))
            out.append(
                row([name, "verify: full validate vs openssl speed", formatNumber(result.verify.perSecond), speedVerify.map { formatNumber($0) } ?? "n/a",
                     ratio(result.verify.perSecond, speedVerify), "≥ 0.30"]))
            out.append(
                row([name, "  (ceiling: \(result.publicKeyVerifications.total) public-key verifies, nothing else)",
                     ceiling(result).map { formatNumber($0) } ?? "n/a", speedVerify.map { formatNumber($0) } ?? "n/a",
                     ceiling(result).map { ratio($0, speedVerify) } ?? "n/a", "info"]))
            let cms = result.cmsProcesses
            out.append(
                row([name, "verify: full validate vs \(options.cmsProcessRuns) × openssl cms -verify", formatNumber(result.verify.perSecond),
                     cms.map { formatNumber($0.perSecond) } ?? "n/a", ratio(result.verify.perSecond, cms?.perSecond), "info"]))
        }
        out.append("")
        out.append("  sign/s counts whole CMS SignedData (CAdES-BES attributes, certificates, DER encoding) per second.")
        out.append("  verify/s counts SignatureValidator.validate with CRLs, offline, asserted TOTAL_PASSED: per signer it checks the signature")
        out.append("  value, the leaf and intermediate certificate signatures, and one CRL signature per non-anchor certificate:")
        for result in signVerify {
            let checks = result.publicKeyVerifications
            out.append(
                "    \(result.algorithm.rawValue): \(checks.total) public-key verifications = 1 signer (\(result.algorithm.rawValue)) + \(checks.certificateSignatures) certificates (RSA-2048) + \(checks.crlSignatures) CRLs (RSA-2048)")
        }
        for result in signVerify {
            let cmsMicroseconds = 1e6 / result.sign.perSecond - 1e6 / result.rawInProcessSign.perSecond
            let rawMicroseconds = 1e6 / result.rawInProcessSign.perSecond
            out.append(
                "    \(result.algorithm.rawValue) sign: \(formatNumber(rawMicroseconds)) µs EVP_DigestSign + \(formatNumber(cmsMicroseconds)) µs CMS assembly"
                    + " (attributes, ESS certificate hash, certificates, DER) per \(result.signatureBytes)-byte signature")
        }
        out.append("  openssl speed counts one bare RSA/ECDSA operation on a precomputed digest, so the verify target compares 1 validate")
        out.append("  to 1 of those; the ceiling row is the best possible verify/s if all other work cost nothing.")
        out.append("  openssl cms -verify processes: chain to Certs/ca/root.pem, no CRL check, process start-up included.")
        out.append("")

        // Where the time of one validation goes.
        for result in signVerify {
            out.append("Where one \(result.algorithm.rawValue) validation goes (µs; cumulative stages on fresh parses, best of interleaved rounds):")
            let total = result.breakdown.first(where: \.isTotal)?.microseconds ?? 1e6 / result.verify.perSecond
            for step in result.breakdown {
                let share = step.isTotal ? "" : formatNumber(step.microseconds / total * 100, decimals: 0) + " %"
                out.append("  " + padRight(step.step, 84) + padLeft(formatNumber(step.microseconds), 9) + padLeft(share, 7))
            }
            out.append("")
        }

        // Hashing.
        let mib = hash.bytes >> 20
        out.append("SHA-256 over a \(mib) MiB file of pseudo-random bytes (page cache; written in \(formatNumber(hash.writeSeconds, decimals: 2)) s, best of \(options.hashRepeats))")
        out.append("  " + padRight("Digest.hashFile (in-process)", 44) + padLeft(formatNumber(hash.oursMBps), 10) + " MB/s   \(formatNumber(hash.oursSeconds, decimals: 3)) s")
        if let referee = hash.opensslMBps, let seconds = hash.opensslSeconds {
            out.append("  " + padRight("openssl dgst -sha256 FILE (process)", 44) + padLeft(formatNumber(referee), 10) + " MB/s   \(formatNumber(seconds, decimals: 3)) s")
            out.append("  " + padRight("ratio", 44) + padLeft(formatNumber(hash.oursMBps / referee, decimals: 2), 10) + "        target ≥ 0.90")
        }
        let childMBps = Double(hash.child.bytes) / 1e6 / hash.child.seconds
        out.append("  " + padRight("hash-only child (first read after the write)", 44) + padLeft(formatNumber(childMBps), 10) + " MB/s   \(formatNumber(hash.child.seconds, decimals: 3)) s")
        out.append(
            "  " + padRight("peak RSS of the hash-only child", 44) + padLeft(formatNumber(Double(hash.peakRSSKiB) / 1024), 10)
                + " MiB    VmHWM of `edsvault-bench hash-only FILE`; target < 64 MiB")
        out.append(
            "  " + padRight("  same child over /dev/null (baseline)", 44) + padLeft(formatNumber(Double(hash.baselineRSSKiB) / 1024), 10)
                + " MiB    Swift runtime, Foundation, libcrypto")
        out.append("  (MB = 10^6 bytes)")
        out.append("")

        out.append("Targets")
        for target in targets {
            let value = target.value.map { formatNumber($0, decimals: 2) } ?? "n/a"
            out.append("\(target.status)  \(target.name): \(value) (target \(target.thresholdText)) — \(target.detail)")
        }
        return out.joined(separator: "\n")
    }

    /// verify/s if a validation did nothing but its public-key verifications, at openssl speed's rates.
    func ceiling(_ result: SignVerifyResult) -> Double? {
        guard let speed = result.speed else { return nil }
        let rsaVerify = signVerify.first { $0.algorithm == .rsa2048 }?.speed?.verify ?? (result.algorithm == .rsa2048 ? speed.verify : nil)
        guard let rsaVerify else { return nil }
        let checks = result.publicKeyVerifications
        let seconds = 1 / speed.verify + Double(checks.certificateSignatures + checks.crlSignatures) / rsaVerify
        return 1 / seconds
    }
}
