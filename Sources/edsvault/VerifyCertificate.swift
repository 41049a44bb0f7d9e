import EDSCrypto
import EDSVerification
import Foundation

extension VerifyCommand {
    /// `verify --certificate CERT [--intermediate CERT]…`: the certificate validated alone (`CertificateValidator`),
    /// reported as `verify` reports a signature; returns the exit status of its indication.
    func verifyCertificate(_ path: String, anchors: [Certificate]) throws -> Int32 {
        let certificates = try InputFiles.certificates(path)
        guard certificates.count == 1, let leaf = certificates.first else {
            throw CLIFailure(
                message: "\(path) holds \(certificates.count) certificates: --certificate takes exactly one (give CA certificates with --intermediate)",
                code: ExitStatus.dataError)
        }
        let intermediates = try intermediate.flatMap(InputFiles.certificates)
        var policy = ValidationPolicy(
            trustAnchors: anchors, crls: try InputFiles.crls(crl), validationTime: try at.map(DateArgument.parse), offline: offline,
            revocationSource: offline ? nil : NetworkRevocationSource())
        policy.certificatePolicies = certificatePolicyOptions.inputs
        policy.certificateProfile = certificatePolicyOptions.profileRules
        let report = CertificateValidator(policy: policy).validate(certificate: leaf, intermediates: intermediates)
        switch format {
        case .json: FileHandle.standardOutput.write(try report.jsonData() + Data("\n".utf8))
        case .text: FileHandle.standardOutput.write(Data(TextReport.render(report, language: ReportLanguage(rawValue: lang) ?? .english).utf8))
        }
        return report.exitCode
    }
}
