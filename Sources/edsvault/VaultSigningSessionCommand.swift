import ArgumentParser
import EDSVault
import Foundation

/// `edsvault vault signing-session create|list|cancel` (issue 22): a session lets one expected signer sign a stored
/// document on the page `/sign/<token>` (NCALayer) or with eGov Mobile (the page's QR code).
struct VaultSigningSession: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signing-session",
        abstract: "Signing sessions: a page where one expected signer signs a document with eGov Mobile (QR) or NCALayer.",
        subcommands: [Create.self, List.self, Cancel.self, Sheet.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open a session for one signer; prints the session page's URL (its token is shown once, never stored).",
            discussion: """
                --signer iin:IIN expects that person; role:first-head (or hr, right-to-sign, financial, employee) expects
                someone of the document's employer (its BIN) holding that role. The session takes one signature, once,
                until --expires (a duration such as 30m, 12h, 7d, or an ISO 8601 time; default 1h, at most 7 days).
                """)

        @OptionGroup var vault: VaultLocation

        @Option(help: "The document id (SHA-256 hex).")
        var document: String

        @Option(help: "Who must sign: iin:IIN or role:first-head|hr|right-to-sign|financial|employee.")
        var signer: String

        @Option(help: "When the session ends: a duration (30m, 12h, 7d) or an ISO 8601 time (default 1h).")
        var expires: String?

        @Option(name: .customLong("base-url"), help: "The vault service's public address, e.g. https://vault.example.kz (default: $EDSVAULT_PUBLIC_URL; without it the path alone is printed).")
        var baseURL: String?

        @Option(name: .customLong("as"), help: "Who asks: iin:IIN (only for themselves) or bin:BIN (default: the operator).")
        var principal: Principal?

        mutating func validate() throws {
            _ = try VaultSigningSession.requirement(signer)
            if let expires { _ = try VaultLink.expiry(expires, now: Date()) }
        }

        mutating func run() throws {
            try reportingFailures {
                let requirement = try VaultSigningSession.requirement(signer)
                let expiresAt = try expires.map { try VaultLink.expiry($0, now: Date()) }
                let created = try vaultFailures {
                    try vault.open().createSigningSession(for: document, signer: requirement, expiresAt: expiresAt, as: principal ?? .operator_)
                }
                let base = (baseURL ?? ProcessInfo.processInfo.environment["EDSVAULT_PUBLIC_URL"] ?? "")
                    .trimmingCharacters(in: CharacterSet(charactersIn: "/"))
                print("\(base)/sign/\(created.token)")
                FileHandle.standardError.write(
                    Data("session \(created.session.sessionID) for \(created.session.signer), until \(ISO8601DateFormatter().string(from: created.session.expiresAt))\n".utf8))
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the sessions of a document (or every session, for the operator).")

        @OptionGroup var vault: VaultLocation

        @Argument(help: "The document id; without it, every session (operator only).")
        var document: String?

        @Option(name: .customLong("as"), help: "Who asks: iin:IIN or bin:BIN (default: the operator).")
        var principal: Principal?

        @Option(help: "Output format: text or json.")
        var format: OutputFormat = .text

        mutating func run() throws {
            try reportingFailures {
                let sessions = try vaultFailures { try vault.open().signingSessions(for: document, as: principal ?? .operator_) }
                switch format {
                case .json:
                    let encoder = JSONEncoder()
                    encoder.dateEncodingStrategy = .iso8601
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                    FileHandle.standardOutput.write(try encoder.encode(sessions) + Data("\n".utf8))
                case .text:
                    let formatter = ISO8601DateFormatter()
                    for session in sessions {
                        print(
                            "\(session.sessionID)  \(session.documentID)  \(session.signer)  \(session.state.rawValue)  "
                                + "expires \(formatter.string(from: session.expiresAt))"
                                + (session.detail.isEmpty ? "" : "  (\(session.detail))"))
                    }
                }
            }
        }
    }

    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a waiting session, named by its token, its URL or its session id.")

        @OptionGroup var vault: VaultLocation

        @Argument(help: "The session's token, its /sign/<token> URL, or its session id from `list`.")
        var session: String

        @Option(name: .customLong("as"), help: "Who asks: iin:IIN or bin:BIN (default: the operator).")
        var principal: Principal?

        mutating func run() throws {
            try reportingFailures {
                let name = session.components(separatedBy: "/sign/").last ?? session
                let cancelled = try vaultFailures { try vault.open().cancelSigningSession(name, as: principal ?? .operator_) }
                FileHandle.standardError.write(Data("session \(cancelled.sessionID) of \(cancelled.documentID) cancelled\n".utf8))
            }
        }
    }

    struct Sheet: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sheet",
            abstract: "The document's acquaintance sheet (vault put --acknowledge): who has acknowledged it by signing, and who has not.",
            discussion: "Exit status 0 when everyone on the sheet has acknowledged, 1 while someone has not.")

        @OptionGroup var vault: VaultLocation

        @Argument(help: "The document id (SHA-256 hex).")
        var document: String

        @Option(name: .customLong("as"), help: "Who asks: iin:IIN (their own line) or bin:BIN (default: the operator).")
        var principal: Principal?

        @Option(help: "Output format: text or json.")
        var format: OutputFormat = .text

        mutating func run() throws {
            try reportingFailures {
                let sheet = try vaultFailures { try vault.open().acknowledgementSheet(of: document, as: principal ?? .operator_) }
                switch format {
                case .json:
                    let encoder = JSONEncoder()
                    encoder.dateEncodingStrategy = .iso8601
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                    FileHandle.standardOutput.write(try encoder.encode(sheet) + Data("\n".utf8))
                case .text:
                    let formatter = ISO8601DateFormatter()
                    for line in sheet {
                        print("\(line.iin)  " + (line.acknowledgedAt.map { "acknowledged \(formatter.string(from: $0))" } ?? "not yet"))
                    }
                }
                if sheet.contains(where: { $0.acknowledgedAt == nil }) { throw ExitCode(1) }
            }
        }
    }

    /// `iin:IIN`, a bare IIN, or `role:ROLE` / `ROLE` (first-head, hr, right-to-sign, financial, employee).
    static func requirement(_ text: String) throws -> SignerRequirement {
        let lowered = text.lowercased()
        let name = lowered.hasPrefix("role:") ? String(text.dropFirst(5)) : text
        guard !name.lowercased().hasPrefix("owner") else { throw ValidationError("--signer names the signer: iin:IIN or role:ROLE") }
        do { return try SignerRequirement(parsing: name, ownerIIN: "") } catch { throw ValidationError("--signer: \(error)") }
    }
}
