import ArgumentParser
import EDSVault
import Foundation

/// `edsvault vault link`: proof links — make one (proof only by default, `--with-document` to hand the document over),
/// list them, revoke one.
struct VaultLink: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "link",
        abstract: "Create an unguessable link to the document's proof page (prints /proofs/<token>); --list, --revoke.",
        discussion: """
            A link proves who signed the document, when, the verdict and the document's SHA-256; it never gives out the
            document unless made with --with-document (then its document card, a PDF, embeds the document). A link
            expires after 90 days unless --expires says otherwise (at most 3650 days); --revoke ends it at once.
            The token is printed once and never stored (only its hash): --list shows each link's id (16 hex digits),
            which --revoke accepts as well as the token.
            """)

    @OptionGroup var vault: VaultLocation

    @Argument(help: "The document id (SHA-256 hex); with --list, only this document's links.")
    var document: String?

    @Flag(name: .customLong("with-document"), help: "The link hands over the document: its card (PDF) embeds the document.")
    var withDocument = false

    @Option(help: "When the link stops working: a duration (90d, 12h, 30m) or an ISO 8601 time (default 90d).")
    var expires: String?

    @Flag(help: "List links (of DOCUMENT, or every link for the operator) with their scope, expiry and state.")
    var list = false

    @Option(help: "Revoke a link, named by its token (or /proofs/<token>) or its link id from --list.")
    var revoke: String?

    @Option(name: .customLong("as"), help: "Who asks: iin:IIN or bin:BIN (default: the operator).")
    var principal: Principal?

    @Option(help: "Output format of --list: text or json.")
    var format: OutputFormat = .text

    mutating func validate() throws {
        if list && revoke != nil { throw ValidationError("--list and --revoke are separate commands") }
        if list || revoke != nil {
            if withDocument || expires != nil { throw ValidationError("--with-document and --expires apply when a link is made") }
            if revoke != nil && document != nil { throw ValidationError("--revoke takes the link, not a document") }
        } else if document == nil {
            throw ValidationError("name the document to link (or --list, --revoke)")
        }
        if let expires { _ = try Self.expiry(expires, now: Date()) }
    }

    /// `90d`, `12h`, `30m` from now, or an ISO 8601 time.
    static func expiry(_ text: String, now: Date) throws -> Date {
        let units: [Character: TimeInterval] = ["d": 86_400, "h": 3_600, "m": 60]
        if let unit = text.last.flatMap({ units[$0] }), let count = Int(text.dropLast()), count > 0, count <= 3_650 * 86_400 {
            return now.addingTimeInterval(Double(count) * unit)
        }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        if let date = formatter.date(from: text) { return date }
        throw ValidationError("--expires expects a duration such as 90d, 12h or 30m, or an ISO 8601 time, got \(text)")
    }

    mutating func run() throws {
        try reportingFailures {
            let principal = principal ?? .operator_
            if list {
                let links = try vaultFailures { try vault.open().proofLinks(for: document, as: principal) }
                switch format {
                case .json:
                    let encoder = JSONEncoder()
                    encoder.dateEncodingStrategy = .iso8601
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                    FileHandle.standardOutput.write(try encoder.encode(links) + Data("\n".utf8))
                case .text:
                    let formatter = ISO8601DateFormatter()
                    for link in links {
                        print(
                            "\(link.linkID)  \(link.documentID)  \(link.scope)  \(link.state)  created \(formatter.string(from: link.createdAt))  "
                                + "expires \(link.expiresAt.map(formatter.string) ?? "never")"
                                + (link.revokedAt.map { "  revoked \(formatter.string(from: $0))" } ?? ""))
                    }
                }
                return
            }
            if let revoke {
                let name = revoke.hasPrefix("/proofs/") ? String(revoke.dropFirst("/proofs/".count)) : revoke
                let revoked = try vaultFailures { try vault.open().revokeProofLink(name, as: principal) }
                FileHandle.standardError.write(Data("link \(revoked.linkID) of \(revoked.documentID) revoked\n".utf8))
                return
            }
            let now = Date()
            let expiresAt = try expires.map { try Self.expiry($0, now: now) }
            let token = try vaultFailures {
                try vault.open().createProofLink(for: document ?? "", as: principal, withDocument: withDocument, expiresAt: expiresAt)
            }
            print("/proofs/\(token)")
            let until = ISO8601DateFormatter().string(from: expiresAt ?? now.addingTimeInterval(Vault.defaultLinkLifetime))
            FileHandle.standardError.write(
                Data("\(withDocument ? "with the document (its card embeds it)" : "proof only (never the document)"), until \(until)\n".utf8))
        }
    }
}
