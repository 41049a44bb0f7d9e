import EDSCard
import EDSVerification
import Foundation

extension VerifyCommand {
    /// `verify --card`: the report `verify` gives for every signature the card carries, plus the card's own check.
    func verifyCard(_ path: String, policy: ValidationPolicy) throws -> ValidationReport {
        let pdf = try InputFiles.read(path, what: "card", limit: InputLimit.card)
        return try cardFailures { try CardVerifier.verify(pdf, validator: SignatureValidator(policy: policy)) }
    }
}
