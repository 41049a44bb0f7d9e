import ArgumentParser
import EDSVault
import Foundation

/// `edsvault vault api-key create|revoke|list`: keys for the HR systems that call the vault API over HTTP.
struct VaultAPIKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api-key",
        abstract: "Issue, revoke and list API keys for the vault API (serve --vault): one employer each, role hr, auditor or operator.",
        discussion: """
            A key is shown once, alone on the last line of `create`'s output, and never stored: the vault keeps its \
            SHA-256, so a lost key is revoked and replaced, never recovered. Requests send it as \
            `Authorization: Bearer KEY`. Every creation, revocation and use is in the audit log by key id.
            """,
        subcommands: [VaultAPIKeyCreate.self, VaultAPIKeyRevoke.self, VaultAPIKeyList.self])
}

extension APIKeyRole: ExpressibleByArgument {}

struct VaultAPIKeyCreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Make a key for one employer's service; prints it once, alone on the last line.")

    @OptionGroup var vault: VaultLocation

    @Option(name: .customLong("employer-bin"), help: "The employer (BIN, 12 digits) whose documents the key reaches.")
    var employerBIN: String

    @Option(help: "hr (store, list, read, sign, link), auditor (metadata and proofs, no document bytes) or operator (hr + erasure).")
    var role: APIKeyRole

    @Option(help: "When the key stops working: a duration (90d, 12h, 30m) or an ISO 8601 time (default: never).")
    var expires: String?

    @Flag(name: .customLong("grant-document-bytes"), help: "An auditor key that also reads the documents' bytes and cards.")
    var grantDocumentBytes = false

    mutating func validate() throws {
        if let expires { _ = try VaultLink.expiry(expires, now: Date()) }
        if grantDocumentBytes && role != .auditor {
            throw ValidationError("--grant-document-bytes applies to auditor keys; hr and operator keys read the documents anyway")
        }
    }

    mutating func run() throws {
        try reportingFailures {
            let expiry = try expires.map { try VaultLink.expiry($0, now: Date()) }
            let issued = try vaultFailures { try vault.open().createAPIKey(employerBIN: employerBIN, role: role, expiresAt: expiry, readsDocuments: grantDocumentBytes) }
            Terminal.error(
                "edsvault: API key \(issued.record.id) for employer \(issued.record.employerBIN), role \(issued.record.role.rawValue)"
                    + (issued.record.readsDocuments ? " with the documents' bytes" : "")
                    + (issued.record.expiresAt.map { ", expires \(ISO8601DateFormatter().string(from: $0))" } ?? "")
                    + "; it is shown once, store it now")
            print(issued.key)
        }
    }
}

struct VaultAPIKeyRevoke: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a key (named by the key or its id): it stops working at once.")

    @OptionGroup var vault: VaultLocation

    @Argument(help: "The key, or its id (16 hex digits, from `api-key list`).")
    var key: String

    mutating func run() throws {
        try reportingFailures {
            let revoked = try vaultFailures { try vault.open().revokeAPIKey(key) }
            print("revoked \(revoked.id)")
        }
    }
}

struct VaultAPIKeyList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List keys: id, role, employer, expiry, state, last use (never the key).")

    @OptionGroup var vault: VaultLocation

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    mutating func run() throws {
        try reportingFailures {
            let keys = try vaultFailures { try vault.open().apiKeys() }
            let now = Date()
            switch format {
            case .json:
                let rows = keys.map { KeyRow($0, now: now) }
                let encoder = JSONEncoder()
                encoder.dateEncodingStrategy = .iso8601
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                FileHandle.standardOutput.write(try encoder.encode(rows) + Data("\n".utf8))
            case .text:
                let formatter = ISO8601DateFormatter()
                for key in keys {
                    let row = KeyRow(key, now: now)
                    print(
                        "\(key.id)  \(key.role.rawValue)\(key.readsDocuments ? "+bytes" : "")  bin \(key.employerBIN)  \(row.state)  expires \(key.expiresAt.map(formatter.string) ?? "never")"
                            + "  last used \(key.lastUsedAt.map(formatter.string) ?? "never")")
                }
            }
        }
    }

    /// A key as `list --format json` shows it.
    struct KeyRow: Encodable {
        var id: String
        var role: String
        var employerBIN: String
        var createdAt: Date
        var expiresAt: Date?
        var revokedAt: Date?
        var lastUsedAt: Date?
        /// active, expired or revoked.
        var state: String
        /// An auditor key granted the documents' bytes.
        var readsDocuments: Bool

        init(_ key: IndexedAPIKey, now: Date) {
            id = key.id
            role = key.role.rawValue
            employerBIN = key.employerBIN
            createdAt = key.createdAt
            expiresAt = key.expiresAt
            revokedAt = key.revokedAt
            lastUsedAt = key.lastUsedAt
            state = key.revokedAt != nil ? "revoked" : key.isActive(at: now) ? "active" : "expired"
            readsDocuments = key.readsDocuments
        }
    }
}
