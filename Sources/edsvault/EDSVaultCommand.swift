import ArgumentParser
import EDSCrypto
import EDSVerification
import Foundation

@main
struct EDSVaultCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edsvault",
        abstract: "Sign, verify and keep electronic-signature (EDS) documents under Kazakhstan's Law 370-II.",
        discussion: """
            Exit codes: 0 TOTAL_PASSED, 1 TOTAL_FAILED, 2 INDETERMINATE, 64 usage error,
            65 input that is not a certificate/CMS/key (or a key that may not sign), 66 file not found or unreadable.
            Nothing is trusted by default: verify, serve and vault init need --trust CERT or $EDSVAULT_TRUST_DIR.
            """,
        subcommands: [SignCommand.self, VerifyCommand.self, ExtendCommand.self, InspectCommand.self, VaultCommand.self, ServeCommand.self]
    )
}
