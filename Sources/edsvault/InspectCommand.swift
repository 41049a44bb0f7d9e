import ArgumentParser
import EDSCrypto
import EDSVerification
import Foundation

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show who a certificate, CMS signature or .p12 key file names: roles, key usage, validity, issuer, fingerprints."
    )

    @Argument(help: "A certificate (PEM/DER), a CMS signature, or a .p12/.pfx key file.")
    var file: String

    @OptionGroup var passwords: PasswordOptions

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    mutating func run() throws {
        try reportingFailures {
            let data = try InputFiles.read(file, what: "file", limit: InputLimit.inspected)
            var sections: [(title: String, certificate: Certificate)] = []
            var notes: [String] = []
            let lowered = file.lowercased()
            if lowered.hasSuffix(".p12") || lowered.hasSuffix(".pfx") {
                let bundle = try passwords.openKey(file)
                sections.append(("Key file: signer certificate (\(bundle.privateKey.description.summary) private key)", bundle.certificate))
                sections += bundle.chain.map { ("Key file: CA certificate", $0) }
            } else if let certificates = try? Certificate.parseAll(data) {
                sections += certificates.map { ("Certificate", $0) }
            } else if let signedData = try? CMSSignedData(data) {
                notes.append("CMS SignedData, \(signedData.isDetached ? "detached" : "attached (\(signedData.encapsulatedContent?.count ?? 0) bytes of content)"), \(signedData.signerCount) signer(s)")
                if signedData.trailingByteCount > 0 {
                    notes.append("malformed: \(signedData.trailingByteCount) byte(s) follow the CMS object")
                }
                for signer in signedData.signers {
                    let claimed = signer.signingTime.map { ", signingTime claim \($0.formatted(.iso8601))" } ?? ""
                    notes.append("signer \(signer.index + 1): \(signer.digestAlgorithmName), \(signer.signatureAlgorithmName)\(claimed)")
                    notes += signer.formatProblems.map { "signer \(signer.index + 1): malformed: \($0)" }
                    if let certificate = signedData.signerCertificate(for: signer) {
                        sections.append(("Signer \(signer.index + 1) certificate", certificate))
                    } else {
                        notes.append("signer \(signer.index + 1): certificate not included (\(signer.identifier))")
                    }
                }
            } else {
                throw CLIFailure(message: "\(file) is not a certificate, a CMS signature or a .p12 key file", code: ExitStatus.dataError)
            }
            switch format {
            case .json:
                let items = sections.map { InspectedCertificate(title: $0.title, signer: KazakhIdentity(certificate: $0.certificate), certificate: CertificateSummary($0.certificate)) }
                let encoder = JSONEncoder()
                encoder.dateEncodingStrategy = .iso8601
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                FileHandle.standardOutput.write(try encoder.encode(InspectReport(notes: notes, certificates: items)) + Data("\n".utf8))
            case .text:
                var lines = notes
                for section in sections { lines += [""] + describe(section.certificate, title: section.title) }
                Terminal.lines(lines)
            }
        }
    }

    private func describe(_ certificate: Certificate, title: String) -> [String] {
        let identity = KazakhIdentity(certificate: certificate)
        var lines = ["\(title):"]
        lines.append("  Subject: \(certificate.subject)")
        if !identity.fullName.isEmpty { lines.append("  Name: \(identity.fullName)") }
        if let iin = identity.iin { lines.append("  IIN: \(iin)\(KazakhIdentificationNumber.isValid(iin) ? "" : " (invalid check digit)")") }
        if let organization = identity.organization { lines.append("  Organisation: \(organization)") }
        if let bin = identity.bin { lines.append("  BIN: \(bin)\(KazakhIdentificationNumber.isValid(bin) ? "" : " (invalid check digit)")") }
        if !identity.roles.isEmpty { lines.append("  Roles: \(identity.roles.map(\.englishName).joined(separator: ", "))") }
        lines.append("  Holder: \(identity.holder == .legalEntity ? "legal entity" : "individual")")
        lines.append("  Issuer: \(certificate.issuer)")
        lines.append("  Serial: \(certificate.serialNumberHex)")
        lines.append("  Valid: \(certificate.notBefore.formatted(.iso8601)) to \(certificate.notAfter.formatted(.iso8601))\(certificate.isValid(at: Date()) ? "" : " (not valid now)")")
        lines.append("  Key: \(certificate.publicKey.summary); signed with \(certificate.signatureAlgorithm)")
        if !certificate.keyUsage.isEmpty { lines.append("  Key usage: \(certificate.keyUsage.map(\.rawValue).joined(separator: ", "))") }
        if !certificate.extendedKeyUsage.isEmpty { lines.append("  Extended key usage: \(certificate.extendedKeyUsage.joined(separator: ", "))") }
        if !certificate.policies.isEmpty { lines.append("  Policies: \(certificate.policies.joined(separator: ", "))") }
        if certificate.isCertificateAuthority { lines.append("  Certification authority: yes") }
        if !certificate.ocspURLs.isEmpty { lines.append("  OCSP: \(certificate.ocspURLs.joined(separator: ", "))") }
        if !certificate.crlDistributionURLs.isEmpty { lines.append("  CRL: \(certificate.crlDistributionURLs.joined(separator: ", "))") }
        lines.append("  SHA-256 fingerprint: \(certificate.sha256Fingerprint.hexString)")
        lines += identity.profileWarnings.map { "  Warning: \($0)" }
        return lines
    }
}

struct InspectedCertificate: Encodable {
    let title: String
    let signer: SignerSummary
    let certificate: CertificateSummary
}

struct InspectReport: Encodable {
    let notes: [String]
    let certificates: [InspectedCertificate]
}
