import ArgumentParser
import EDSVault
import EDSVerification
import Foundation

/// `edsvault vault trust`: the vault's sealed trust store — list it, add anchors or CRLs, remove them. The operator's
/// commands (they need the master key); every change is sealed and audited.
struct VaultTrustCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust",
        abstract: "The vault's sealed trust anchors and CRLs: list, add, remove (audited).",
        discussion: """
            What the vault trusts (its anchors, CRLs and evidence policy) is sealed under the master key at `vault init`
            and by these commands; a vault whose trust store does not match its seal is not opened (exit 74), and
            `vault check` lists the differences. A file put into the trust directory (or a row into trust_material)
            any other way is refused; `vault trust remove NAME` removes it. A running `serve` keeps the anchors it
            started with: restart it after a change.
            """,
        subcommands: [VaultTrustList.self, VaultTrustAdd.self, VaultTrustRemove.self])
}

struct VaultTrustList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List anchors and CRLs with their state against the seal: sealed, unsealed, altered, missing.")

    @OptionGroup var vault: VaultLocation

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    mutating func run() throws {
        var clean = true
        try reportingFailures {
            let entries = try vaultFailures { try vault.open(trustCheck: .report).trustList() }
            clean = entries.allSatisfy { $0.state == "sealed" }
            switch format {
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                FileHandle.standardOutput.write(try encoder.encode(entries) + Data("\n".utf8))
            case .text:
                for entry in entries {
                    print("\(entry.state)\t\(entry.kind)\t\(TerminalText.escaped(entry.name))\t\(entry.sha256)\t\(TerminalText.escaped(entry.subject ?? "-"))")
                }
            }
        }
        // Like `vault check`: 1 when anything is not as sealed.
        if !clean { throw ExitCode(1) }
    }
}

struct VaultTrustAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add trust anchors (PEM or DER, one or many per file) and CRLs; sealed and audited.")

    @OptionGroup var vault: VaultLocation

    @Argument(help: "Certificate files to trust.")
    var certificates: [String] = []

    @Option(help: "A CRL to keep (DER or PEM); repeatable.")
    var crl: [String] = []

    mutating func validate() throws {
        if certificates.isEmpty && crl.isEmpty { throw ValidationError("name a certificate or a --crl to add") }
    }

    mutating func run() throws {
        try reportingFailures {
            let anchors = try certificates.map { try InputFiles.read($0, what: "certificate", limit: InputLimit.certificateFile) }
            let crls = try crl.map { try InputFiles.read($0, what: "CRL", limit: InputLimit.crl) }
            let added = try vaultFailures { try vault.open(trustCheck: .report).trustAdd(anchors: anchors, crls: crls) }
            for entry in added { print("added\t\(entry.kind)\t\(TerminalText.escaped(entry.name))\t\(TerminalText.escaped(entry.subject ?? "-"))") }
        }
    }
}

struct VaultTrustRemove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove anchors or CRLs by name (trust list) or SHA-256 prefix (at least 8 hex digits), sealed or not; re-sealed and audited.")

    @OptionGroup var vault: VaultLocation

    @Argument(help: "Names or SHA-256 prefixes.")
    var names: [String]

    mutating func run() throws {
        try reportingFailures {
            let removed = try vaultFailures { try vault.open(trustCheck: .report).trustRemove(names) }
            for entry in removed { print("removed\t\(entry.kind)\t\(TerminalText.escaped(entry.name))\t\(entry.state)") }
        }
    }
}
