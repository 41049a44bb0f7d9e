import ArgumentParser
import EDSCrypto
import EDSVault
import Foundation

/// `edsvault vault timestamp`: RFC 4998 evidence records for every kept signature, renewed before they lapse.
struct VaultTimestamp: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timestamp",
        abstract: "Archive-timestamp the vault (RFC 4998 evidence records): cover new signatures, renew what is due.",
        discussion: """
            Every kept signature without an evidence record gets one: the document's and the signature value's hashes go
            into one hash tree whose root the TSA timestamps (one request for the whole vault). Records whose latest
            archive timestamp's TSA certificate ends within --renew-within days get a renewal timestamp (RFC 4998 § 5.2).
            `vault proof` puts the records into the ASiC-S bundle (META-INF/evidencerecord.ers); `verify --bundle` uses
            them as proof of existence. Schedule it daily. Exit 69 when the TSA cannot be reached (nothing is written).
            """)

    @OptionGroup var vault: VaultLocation

    @Option(help: "The time-stamping authority's URL (RFC 3161 over HTTP).")
    var tsa: String

    @Option(name: .customLong("renew-within"), help: "Renew records whose TSA certificate ends within this many days.")
    var renewWithinDays: Int = 365

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    mutating func run() throws {
        try reportingFailures {
            guard renewWithinDays >= 0 else { throw CLIFailure(message: "--renew-within takes a number of days ≥ 0", code: ExitStatus.usage) }
            let url = tsa
            let run = try vaultFailures {
                try vault.open().timestampEvidence(
                    timestamp: { digest, algorithm in try TimeStampClient.timestamp(digest: digest, algorithm: algorithm, tsaURL: url).encoded },
                    renewalWindow: TimeInterval(renewWithinDays) * 86_400)
            }
            switch format {
            case .json:
                let summary = [
                    "covered": run.covered, "renewed": run.renewed, "unchanged": run.unchanged, "timeStampRequests": run.timeStampRequests,
                ]
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                FileHandle.standardOutput.write(try encoder.encode(summary) + Data("\n".utf8))
            case .text:
                Terminal.line(
                    "evidence records: \(run.covered) new, \(run.renewed) renewed, \(run.unchanged) unchanged "
                        + "(\(run.timeStampRequests) archive timestamp(s))")
            }
        }
    }
}
