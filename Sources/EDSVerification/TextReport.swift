import EDSCrypto
import Foundation

/// The human-readable report `edsvault verify` prints by default.
public enum TextReport {
    public static func render(_ report: ValidationReport) -> String {
        var lines: [String] = []
        lines.append("Result: \(headline(report.indication, report.subIndication))")
        if let document = report.document {
            lines.append("Document: SHA-256 \(document.sha256), \(document.size) bytes")
        } else {
            lines.append("Document: not supplied (detached signature)")
        }
        lines.append("Validation time: \(ISO8601.string(report.validationTime))")
        for (index, signature) in report.signatures.enumerated() {
            lines.append("")
            lines.append("Signature \(index + 1) of \(report.signatures.count): \(headline(signature.indication, signature.subIndication))")
            lines += signerLines(signature).map { "  " + $0 }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func headline(_ indication: Indication, _ subIndication: SubIndication?) -> String {
        subIndication.map { "\(indication.rawValue) / \($0.rawValue)" } ?? indication.rawValue
    }

    static func signerLines(_ signature: SignatureReport) -> [String] {
        var lines: [String] = []
        if let signer = signature.signer {
            let name = [signer.commonName, signer.givenName].compactMap { $0 }.joined(separator: " ")
            lines.append("Signer: \(name.isEmpty ? "?" : name)")
            if let iin = signer.iin { lines.append("IIN: \(iin)") }
            if let organization = signer.organization { lines.append("Organisation: \(organization)") }
            if let bin = signer.bin { lines.append("BIN: \(bin)") }
            if let email = signer.email { lines.append("Email: \(email)") }
            if !signer.roles.isEmpty { lines.append("Roles: \(signer.roles.map(\.englishName).joined(separator: ", "))") }
        }
        if let certificate = signature.certificate {
            lines.append("Certificate: serial \(certificate.serialNumber), \(certificate.holder == .legalEntity ? "legal entity" : "individual")")
            lines.append("  issuer: \(certificate.issuer)")
            lines.append("  valid: \(ISO8601.string(certificate.notBefore)) to \(ISO8601.string(certificate.notAfter))")
            lines.append("  SHA-256: \(certificate.sha256)")
        }
        lines.append("Algorithms: \(signature.digestAlgorithm), \(signature.signatureAlgorithm)")
        if let claimed = signature.signingTime { lines.append("Signing time (signer's claim): \(ISO8601.string(claimed))") }
        if let timestamp = signature.timestamp {
            lines.append("Timestamp: \(ISO8601.string(timestamp.genTime)) by \(timestamp.tsa), serial \(timestamp.serialNumber)")
        }
        if let revocation = signature.revocation {
            let when = (revocation.producedAt ?? revocation.thisUpdate).map { " of \(ISO8601.string($0))" } ?? ""
            lines.append("Revocation: \(revocation.status.rawValue) (\(revocation.source.rawValue)\(when))")
        }
        lines.append("Checks:")
        for check in signature.checks {
            lines.append("  [\(check.passed ? " ok " : "FAIL")] \(check.name): \(check.detail)")
        }
        for warning in signature.warnings { lines.append("Warning: \(warning)") }
        return lines
    }
}
