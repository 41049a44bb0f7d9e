import ArgumentParser
import EDSVault
import Foundation

/// `edsvault vault extend --pending`: retries the signatures kept as received because the vault's TSA or revocation
/// responder could not be reached when they arrived.
struct VaultExtend: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extend",
        abstract: "Extend every signature awaiting evidence to CAdES-LT with the vault's TSA (`vault init --tsa`).",
        discussion: """
            Each signature extended replaces the one kept as received (one index transaction, audited); one that still \
            cannot be extended stays kept as it is. Exit codes: 0 every awaiting signature extended (or none awaiting), \
            69 some still await evidence, 64 no --pending or the vault has no TSA.
            """)

    @OptionGroup var vault: VaultLocation

    @Flag(help: "Retry every signature awaiting evidence (the only mode so far).")
    var pending = false

    mutating func run() throws {
        var waiting = 0
        try reportingFailures {
            guard pending else { throw CLIFailure(message: "say what to extend: --pending", code: ExitStatus.usage) }
            let opened = try vault.open()
            let outcomes = try vaultFailures {
                do { return try opened.extendPendingSignatures() } catch VaultError.invalidInput(let message) {
                    throw CLIFailure(message: message, code: ExitStatus.usage)
                }
            }
            for outcome in outcomes {
                if let extended = outcome.extendedID {
                    Terminal.line("signature \(outcome.previousID): extended to CAdES-LT, now \(extended) (document \(outcome.documentID))")
                } else {
                    waiting += 1
                    Terminal.line("signature \(outcome.previousID): still awaiting evidence: \(outcome.reason ?? "unknown")")
                }
            }
            Terminal.line("\(outcomes.count - waiting) extended, \(waiting) still awaiting evidence")
        }
        if waiting > 0 { throw ExitCode(ExitStatus.unavailable) }
    }
}
