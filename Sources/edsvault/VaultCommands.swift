import ArgumentParser
import EDSCrypto
import EDSVault
import EDSVaultPostgres
import EDSVerification
import Foundation

/// `edsvault vault …`: the embedded vault (files + SQLite) from the command line.
struct VaultCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vault",
        abstract: "Keep signed personnel documents: store, sign, read with access control, prove, check, erase.",
        discussion: """
            The vault directory is --vault DIR, else $EDSVAULT_VAULT, else ./vault. Its master key is DIR/master.key
            (made by `vault init`) unless $EDSVAULT_MASTER_KEY holds 64 hex digits.
            A vault in PostgreSQL (`vault init --store`, `vault migrate`) is --vault postgres://USER@HOST:PORT/DB[?schema=NAME] \
            (password from $PGPASSWORD), its master key --master-key-file KEY or $EDSVAULT_MASTER_KEY_FILE.
            Exit codes: 0 done, 1 `check` found problems or a signature TOTAL_FAILED, 2 a signature INDETERMINATE,
            64 usage, 65 bad input, 66 file or document not found, 73 cannot write, 74 vault I/O error or corruption,
            77 access refused, 78 wrong or missing master key.
            """,
        subcommands: [
            VaultInit.self, VaultPut.self, VaultSign.self, VaultAttach.self, VaultGet.self, VaultList.self,
            VaultProofCommand.self, VaultCardCommand.self, VaultLink.self, VaultCheck.self, VaultErase.self, VaultAudit.self,
            VaultTimestamp.self, VaultExtend.self, VaultMigrate.self, VaultTrustCommand.self, VaultAPIKeyCommand.self,
            VaultSigningSession.self,
        ]
    )
}

struct VaultLocation: ParsableArguments {
    @Option(
        name: .customLong("vault"),
        help: "The vault directory, or postgres://USER@HOST:PORT/DB[?schema=NAME] for a vault in PostgreSQL (default: $EDSVAULT_VAULT, else ./vault).")
    var directory: String?

    @Option(
        name: .customLong("master-key-file"),
        help: "The master key file of a vault in PostgreSQL (default: $EDSVAULT_MASTER_KEY_FILE).")
    var masterKeyFile: String?

    /// The vault argument as given: `--vault`, else `$EDSVAULT_VAULT`, else `vault`.
    var location: String {
        if let directory { return directory }
        if let configured = ProcessInfo.processInfo.environment["EDSVAULT_VAULT"], !configured.isEmpty { return configured }
        return "vault"
    }

    var url: URL { URL(fileURLWithPath: location) }

    /// Opens a vault in PostgreSQL (a postgres:// location), else the directory with the PostgreSQL index named in
    /// `DIR/index.url` when there is one, else the embedded one.
    func open(trustCheck: TrustSealCheck = .refuse) throws -> Vault {
        try VaultOpening.open(location, masterKeyFile: masterKeyFile, trustCheck: trustCheck)
    }
}

/// Opening a vault named on the command line: a directory or a postgres:// URL (`vault …`, `serve --vault`).
enum VaultOpening {
    static func open(_ location: String, masterKeyFile: String?, trustCheck: TrustSealCheck = .refuse) throws -> Vault {
        if PostgresVault.isURL(location) {
            try refusePassword(in: location, option: "the vault URL")
            let keyFile = try self.masterKeyFile(masterKeyFile)
            return try vaultFailures { try PostgresVault.open(url: location, masterKeyFile: keyFile, trustCheck: trustCheck) }
        }
        let url = URL(fileURLWithPath: location)
        return try vaultFailures { try Vault.open(at: url, index: try PostgresVaultIndex.configured(forVault: url), trustCheck: trustCheck) }
    }

    /// `--master-key-file`, else `$EDSVAULT_MASTER_KEY_FILE`; with neither, nil: `$EDSVAULT_MASTER_KEY` must hold the
    /// key (exit 78 otherwise): the key of a vault in PostgreSQL is never in the database.
    static func masterKeyFile(_ option: String?) throws -> URL? {
        let environment = ProcessInfo.processInfo.environment
        if let path = option ?? environment[PostgresVault.masterKeyFileVariable], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        if environment["EDSVAULT_MASTER_KEY"]?.isEmpty == false { return nil }
        throw CLIFailure(
            message: "a vault in PostgreSQL needs its master key: --master-key-file KEY or $\(PostgresVault.masterKeyFileVariable)",
            code: VaultExitStatus.configuration)
    }

    /// Passwords never on the command line (they would show in `ps` and shell history).
    static func refusePassword(in url: String, option: String) throws {
        if URLComponents(string: url)?.password != nil {
            throw CLIFailure(message: "\(option) must not hold a password: set $PGPASSWORD", code: ExitStatus.usage)
        }
    }
}

/// Maps vault errors to one line on stderr and the documented exit code.
func vaultFailures<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as VaultError {
        let code: Int32
        switch error {
        case .invalidInput, .conflict: code = ExitStatus.dataError
        case .notFound: code = ExitStatus.noInput
        case .accessDenied: code = VaultExitStatus.accessRefused
        case .signatureRefused(let indication, _, _): code = indication == Indication.totalFailed.rawValue ? 1 : 2
        case .corrupted, .io: code = VaultExitStatus.ioError
        case .wrongMasterKey: code = VaultExitStatus.configuration
        }
        throw CLIFailure(message: error.description, code: code)
    }
}

enum VaultExitStatus {
    static let ioError: Int32 = 74
    static let accessRefused: Int32 = 77
    static let configuration: Int32 = 78
}

extension Principal: ExpressibleByArgument {
    public init?(argument: String) {
        guard let principal = try? Principal(parsing: argument) else { return nil }
        self = principal
    }
}

struct VaultInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create a vault: directories, master key, index, trust anchors and CRLs.",
        discussion: """
            The vault keeps the trust anchors it is created with; `vault sign`, `attach` and `proof` validate against \
            those (and the vault's CRLs) only. They are named with --trust, else every file in $EDSVAULT_TRUST_DIR; \
            with neither, init stops with exit 64. A demo anchor (O=EDS Vault Demo, private key published) gets a warning.
            """)

    @Argument(help: "The vault directory, or a postgres:// URL as --store (default: $EDSVAULT_VAULT, else ./vault).")
    var directory: String?

    @Option(
        help: "Keep the whole vault in PostgreSQL (index, blobs, trust, evidence): postgres://USER@HOST:PORT/DB[?schema=NAME]; password from $PGPASSWORD.")
    var store: String?

    @Option(
        name: .customLong("master-key-file"),
        help: "With --store: the master key file, created (mode 0600) when absent (default: $EDSVAULT_MASTER_KEY_FILE).")
    var masterKeyFile: String?

    @Option(help: "A trust anchor kept in the vault (PEM or DER); repeatable. Without it: every file in $EDSVAULT_TRUST_DIR; one of the two is required.")
    var trust: [String] = []

    @Option(help: "A CRL kept in the vault and used to validate signatures offline; repeatable.")
    var crl: [String] = []

    @Option(
        name: .customLong("index-url"),
        help: "Keep the index in PostgreSQL: postgres://USER@HOST:PORT/DB[?schema=NAME]; password from $PGPASSWORD.")
    var indexURL: String?

    @Option(help: "RFC 3161 time-stamping authority (http://): every signature the vault keeps is extended to CAdES-LT with it.")
    var tsa: String?

    @Option(help: "With --tsa: revocation evidence kept with each signature: ocsp (signer via its OCSP responder, CAs via CRL), crl, or none.")
    var revocation: String?

    mutating func run() throws {
        try reportingFailures {
            let given = store ?? directory ?? VaultLocation().location
            if store != nil, directory != nil {
                throw CLIFailure(message: "give either a vault directory or --store, not both", code: ExitStatus.usage)
            }
            let policy = try evidencePolicy()
            let named = try TrustAnchors.loadNamed(trust)
            let anchors = named.map(\.certificate.derEncoded)
            let crls = try crl.map { try InputFiles.read($0, what: "CRL", limit: InputLimit.crl) }
            if PostgresVault.isURL(given) {
                guard indexURL == nil else {
                    throw CLIFailure(message: "--index-url is for a vault directory; --store keeps the index there already", code: ExitStatus.usage)
                }
                try VaultOpening.refusePassword(in: given, option: "--store")
                let keyFile = try VaultOpening.masterKeyFile(masterKeyFile)
                let vault = try vaultFailures {
                    try PostgresVault.create(url: given, masterKeyFile: keyFile, trustAnchors: anchors, crls: crls)
                }
                if let policy { try vaultFailures { try vault.setEvidencePolicy(policy) } }
                warnAboutDemoAnchors(named)
                Terminal.line(vault.directory.absoluteString)
                return
            }
            if store != nil {
                throw CLIFailure(message: "--store must be a postgres:// URL", code: ExitStatus.usage)
            }
            let location = URL(fileURLWithPath: given)
            // Passwords never on the command line (they would show in `ps` and shell history).
            if let indexURL, URLComponents(string: indexURL)?.password != nil {
                throw CLIFailure(message: "--index-url must not hold a password: set $PGPASSWORD", code: ExitStatus.usage)
            }
            let index = try vaultFailures { try indexURL.map { try PostgresVaultIndex(url: $0) } }
            let vault = try vaultFailures { try Vault.create(at: location, trustAnchors: anchors, crls: crls, index: index) }
            if let policy { try vaultFailures { try vault.setEvidencePolicy(policy) } }
            // Every later command finds the index through DIR/index.url (the URL without password).
            if let index { try vaultFailures { try PostgresVaultIndex.record(index.configuration, inVault: location) } }
            warnAboutDemoAnchors(named)
            Terminal.line(location.path)
        }
    }

    private func warnAboutDemoAnchors(_ named: [TrustAnchors.Anchor]) {
        for anchor in named where anchor.isDemo {
            Terminal.error("edsvault: warning: \(anchor.source): \(anchor.certificate.subject) is a demo trust anchor; its private key is published, so anyone can make signatures this vault accepts")
        }
    }

    /// `--tsa` and `--revocation` as the vault's policy (exit 64 when they do not fit together).
    func evidencePolicy() throws -> VaultEvidencePolicy? {
        guard let tsa else {
            if revocation != nil { throw CLIFailure(message: "--revocation needs --tsa", code: ExitStatus.usage) }
            return nil
        }
        let mode: RevocationEvidence.Mode?
        switch revocation ?? "ocsp" {
        case "none": mode = nil
        case "crl": mode = .crl
        case "ocsp": mode = .ocsp
        default: throw CLIFailure(message: "--revocation must be crl, ocsp or none", code: ExitStatus.usage)
        }
        do { return try VaultEvidencePolicy(tsa: tsa, revocation: mode) } catch let error as VaultError {
            throw CLIFailure(message: error.description, code: ExitStatus.usage)
        }
    }
}

struct VaultPut: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put", abstract: "Store a document with its owner, employer, type and required signers; prints its id (SHA-256).")

    @OptionGroup var vault: VaultLocation

    @Argument(help: "The document file; several files are stored as one group commit (same metadata, one id per line).")
    var files: [String]

    @Option(
        name: .customLong("owner-iin"),
        help: "An employee the document belongs to (IIN); repeatable: one order may name several employees.")
    var ownerIIN: [String] = []

    @Option(name: .customLong("employer-bin"), help: "The employer (BIN).")
    var employerBIN: String

    @Option(help: "employment-contract, supplementary-agreement, order-hiring, order-transfer, order-leave, order-dismissal, payroll-sheet, personal-data-consent, other.")
    var type: String

    @Option(help: "A title (default: the file name).")
    var title: String?

    @Option(help: "A required signer: owner (every --owner-iin), iin:IIN, or a role of the employer: first-head, hr, right-to-sign, financial, employee; repeatable.")
    var require: [String] = []

    @Option(help: "An IIN on the document's acquaintance sheet: that person acknowledges it by signing (a signing session); repeatable.")
    var acknowledge: [String] = []

    mutating func run() throws {
        try reportingFailures {
            guard !ownerIIN.isEmpty else {
                throw CLIFailure(message: "missing --owner-iin: the employee the document belongs to", code: ExitStatus.usage)
            }
            guard let documentType = DocumentType(name: type) else {
                throw CLIFailure(message: "unknown --type \(type); one of: \(DocumentType.allCases.map(\.rawValue).joined(separator: ", "))", code: ExitStatus.usage)
            }
            // Streamed: each file is hashed, then sealed chunk by chunk into the vault, never read whole into memory.
            let items = try files.map { file in
                _ = try InputFiles.document(file)
                return (url: URL(fileURLWithPath: file), fileName: URL(fileURLWithPath: file).lastPathComponent)
            }
            let stored = try vaultFailures {
                // `owner` is each owner; anything else names the same requirement whichever owner it is parsed for.
                var requirements: [SignerRequirement] = []
                for text in require {
                    for owner in ownerIIN {
                        let requirement = try SignerRequirement(parsing: text, ownerIIN: owner)
                        if !requirements.contains(requirement) { requirements.append(requirement) }
                    }
                }
                let documents = items.map { item in
                    var metadata = DocumentMetadata(
                        ownerIINs: ownerIIN, employerBIN: employerBIN, type: documentType,
                        title: items.count == 1 ? (title ?? item.fileName) : (title.map { "\($0) (\(item.fileName))" } ?? item.fileName),
                        fileName: item.fileName, requiredSigners: requirements)
                    metadata.acknowledgers = acknowledge.map { $0.hasPrefix("iin:") ? String($0.dropFirst(4)) : $0 }
                    return (file: item.url, metadata: metadata)
                }
                return try vault.open().put(filesAt: documents)
            }
            for document in stored { Terminal.line(document.id) }
        }
    }
}

struct VaultSign: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign", abstract: "Sign a stored document with a .p12 key; the signature is validated against the vault's own trust anchors and kept.")

    @OptionGroup var vault: VaultLocation

    @Argument(help: "The document id (SHA-256 hex).")
    var document: String

    @Option(help: "The signer's PKCS#12 key file (.p12).")
    var key: String

    @OptionGroup var passwords: PasswordOptions

    @OptionGroup var evidence: SigningEvidenceOptions

    mutating func run() throws {
        try reportingFailures {
            let bundle = try passwords.openKey(key)
            let unsignedAttributes = try evidence.unsignedAttributes(for: bundle)
            let result = try extensionFailures {
                try vaultFailures { try vault.open().sign(document, with: bundle, unsignedAttributes: unsignedAttributes) }
            }
            printAttached(result)
        }
    }
}

struct VaultAttach: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach", abstract: "Keep a signature made elsewhere, after validating it against the document and the vault's own trust anchors (from `vault init`).")

    @OptionGroup var vault: VaultLocation

    @Argument(help: "The document id (SHA-256 hex).")
    var document: String

    @Argument(help: "The signature (CMS: DER, PEM or base64).")
    var signature: String

    @Option(name: .customLong("as"), help: "Who attaches: iin:IIN or bin:BIN (default: the operator).")
    var principal: Principal?

    mutating func run() throws {
        try reportingFailures {
            let bytes = try InputFiles.read(signature, what: "signature", limit: InputLimit.signature)
            let result = try vaultFailures {
                try vault.open().attach(signature: bytes, to: document, as: principal ?? .operator_)
            }
            printAttached(result)
        }
    }
}

private func printAttached(_ result: AttachedSignature) {
    for signer in result.signature.signers {
        let who = [signer.identity.fullName, signer.identity.iin.map { "IIN \($0)" }, signer.identity.bin.map { "BIN \($0)" }]
            .compactMap { $0 }.joined(separator: ", ")
        Terminal.line("signature \(result.signature.id): \(who) — \(signer.indication.rawValue)")
    }
    Terminal.line("document \(result.document.id): \(result.document.status.rawValue)")
    if let reason = result.awaitingEvidence {
        Terminal.error("edsvault: warning: signature \(result.signature.id) kept as received, awaiting evidence (\(reason)); retry with `edsvault vault extend --pending`")
    }
}

struct VaultGet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Read a document as a principal: the owner (iin:…) or the employer (bin:…).")

    @OptionGroup var vault: VaultLocation

    @Argument(help: "The document id (SHA-256 hex).")
    var document: String

    @Option(name: .customLong("as"), help: "Who reads: iin:IIN or bin:BIN.")
    var principal: Principal

    @Option(help: "Write the document here (default: standard output).")
    var out: String?

    mutating func run() throws {
        try reportingFailures {
            // Streamed chunk by chunk. To --out: a temporary file renamed into place only once the whole document
            // authenticated, so a failure leaves no file. To standard output, chunks go out as they authenticate: a
            // failure part-way (exit 74) means the output received is void.
            if let out {
                let destination = URL(fileURLWithPath: out)
                let directory = destination.deletingLastPathComponent().path
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue,
                    FileManager.default.isWritableFile(atPath: directory)
                else {
                    throw CLIFailure(message: "cannot write \(out): its directory does not exist or is not writable", code: ExitStatus.cannotCreate)
                }
                let record = try vaultFailures { try vault.open().read(document, as: principal, writeTo: destination) }
                Terminal.error("\(record.metadata.title) (\(record.status.rawValue)) -> \(out)")
            } else {
                try vaultFailures { _ = try vault.open().read(document, as: principal) { FileHandle.standardOutput.write($0) } }
            }
        }
    }
}

struct VaultList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List documents, as a principal (--as) or as the operator.")

    @OptionGroup var vault: VaultLocation

    @Option(name: .customLong("owner-iin"), help: "Only this employee's documents.")
    var ownerIIN: String?

    @Option(name: .customLong("employer-bin"), help: "Only this employer's documents.")
    var employerBIN: String?

    @Option(name: .customLong("as"), help: "List as iin:IIN or bin:BIN: only what that principal may see (default: the operator).")
    var principal: Principal?

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    mutating func run() throws {
        try reportingFailures {
            let documents = try vaultFailures {
                try vault.open().list(ownerIIN: ownerIIN, employerBIN: employerBIN, as: principal ?? .operator_)
            }
            switch format {
            case .json:
                let encoder = JSONEncoder()
                encoder.dateEncodingStrategy = .iso8601
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                FileHandle.standardOutput.write(try encoder.encode(documents) + Data("\n".utf8))
            case .text:
                for document in documents {
                    let stored = ISO8601DateFormatter().string(from: document.storedAt)
                    Terminal.line(
                        "\(document.id)  \(document.metadata.type.rawValue)  \(document.status.rawValue)  "
                            + "signatures \(document.signatureCount)  IIN \(document.metadata.ownerIINs.joined(separator: ","))  BIN \(document.metadata.employerBIN)  "
                            + "\(stored)  \(document.metadata.title)")
                }
            }
        }
    }
}

struct VaultProofCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proof", abstract: "Write an offline-verifiable ASiC-S bundle: the document and every signature.")

    @OptionGroup var vault: VaultLocation

    @Argument(help: "The document id (SHA-256 hex).")
    var document: String

    @Option(help: "Where to write the bundle (.asics).")
    var out: String

    @Option(name: .customLong("as"), help: "Who asks: iin:IIN or bin:BIN (default: the operator).")
    var principal: Principal?

    mutating func run() throws {
        try reportingFailures {
            let bundle = try vaultFailures { try vault.open().proofBundle(for: document, as: principal ?? .operator_) }
            try InputFiles.writeAtomically(bundle, to: out, private: true)
            Terminal.error("proof bundle -> \(out) (check it with: edsvault verify --bundle \(out) --trust CA.pem)")
        }
    }
}

struct VaultCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Integrity scan: audit chain, blobs, index/audit agreement. Exit 0 clean, 1 problems found.")

    @OptionGroup var vault: VaultLocation

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    mutating func run() throws {
        var clean = true
        try reportingFailures {
            // A trust store that does not match its seal is reported here, not refused.
            let report = try vaultFailures { try vault.open(trustCheck: .report).check() }
            clean = report.isClean
            switch format {
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                FileHandle.standardOutput.write(try encoder.encode(report) + Data("\n".utf8))
            case .text:
                Terminal.line(
                    "checked \(report.documents) document(s), \(report.signatures) signature(s), \(report.blobs) blob(s), "
                        + "\(report.auditEntries) audit entries; "
                        + String(format: "%.1f MB in %.2f s (%.0f MB/s)", Double(report.bytesChecked) / 1e6, report.seconds, report.megabytesPerSecond))
                if report.recovered > 0 { Terminal.line("rolled back \(report.recovered) interrupted write(s)") }
                if report.inFlight > 0 { Terminal.line("\(report.inFlight) blob(s) of an erasure in progress") }
                if !report.awaitingEvidence.isEmpty {
                    Terminal.line("\(report.awaitingEvidence.count) signature(s) awaiting evidence (retry: `edsvault vault extend --pending`)")
                    for signature in report.awaitingEvidence { Terminal.line("AWAITING EVIDENCE: \(signature)") }
                }
                for problem in report.problems { Terminal.line("PROBLEM: \(problem)") }
                Terminal.line(report.isClean ? "clean" : "\(report.problems.count) problem(s)")
            }
        }
        if !clean { throw ExitCode(1) }
    }
}

struct VaultErase: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase",
        abstract: "Destroy an employee's personal data (Law 94-V): documents, signatures, keys; tombstones stay. Documents other owners share lose only this employee.")

    @OptionGroup var vault: VaultLocation

    @Option(name: .customLong("owner-iin"), help: "The employee whose data is destroyed.")
    var ownerIIN: String

    mutating func run() throws {
        try reportingFailures {
            let report = try vaultFailures { try vault.open().erase(ownerIIN: ownerIIN) }
            Terminal.line("erased \(report.documents) document(s) and \(report.signatures) signature(s); tombstones:")
            for tombstone in report.tombstones {
                Terminal.line("  \(tombstone.documentID)  \(tombstone.type.rawValue)  signatures \(tombstone.signatureCount)")
            }
            if !report.sharedDocuments.isEmpty {
                Terminal.line("removed the employee from \(report.sharedDocuments.count) document(s) their other owners keep:")
                for document in report.sharedDocuments { Terminal.line("  \(document)") }
            }
        }
    }
}

struct VaultAudit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Print the hash-chained audit log (pseudonymous subjects).")

    @OptionGroup var vault: VaultLocation

    mutating func run() throws {
        try reportingFailures {
            let entries = try vaultFailures { try vault.open().auditLog() }
            let formatter = ISO8601DateFormatter()
            for entry in entries {
                let draft = entry.draft
                Terminal.fields([
                    "\(entry.sequence)", formatter.string(from: draft.at), draft.actor, draft.action, "\(draft.outcome)", draft.object, draft.detail,
                    String(entry.hash.prefix(16)),
                ])
            }
        }
    }
}

struct VaultMigrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Copy a vault directory into PostgreSQL: rows, audit chain, blobs, trust, evidence (resumable).",
        discussion: """
            Every blob is opened under its document's key and hashed to its id before it is copied, and the audit chain \
            is verified first. Stop writers to DIR meanwhile. Re-run after an interruption: it copies what is missing \
            and ends identical. The target's master key file gets DIR's key (made, mode 0600, when absent). Exit 0 when \
            the migrated vault's `check` is clean, 1 when it found problems.
            """)

    @Argument(help: "The vault directory to copy.")
    var directory: String

    @Argument(help: "The target: postgres://USER@HOST:PORT/DB[?schema=NAME]; password from $PGPASSWORD.")
    var url: String

    @Option(
        name: .customLong("master-key-file"),
        help: "The target's master key file (default: $EDSVAULT_MASTER_KEY_FILE); DIR's key is written there when absent.")
    var masterKeyFile: String?

    mutating func run() throws {
        try reportingFailures {
            guard PostgresVault.isURL(url) else { throw CLIFailure(message: "the target must be a postgres:// URL", code: ExitStatus.usage) }
            try VaultOpening.refusePassword(in: url, option: "the target URL")
            let keyFile = try VaultOpening.masterKeyFile(masterKeyFile)
            let source = try VaultOpening.open(directory, masterKeyFile: nil)
            let report = try vaultFailures { try PostgresVault.migrate(source, to: url, masterKeyFile: keyFile) }
            Terminal.line(
                "migrated \(report.documents) document(s), \(report.signatures) signature(s), \(report.auditEntries) audit entries, "
                    + "\(report.evidenceRecords) evidence record(s); blobs: \(report.blobsCopied) copied "
                    + "(\(report.bytesCopied) bytes), \(report.blobsPresent) already there")
            if report.check.isClean {
                Terminal.line("check: clean")
            } else {
                for problem in report.check.problems { Terminal.line("problem: \(problem)") }
                throw ExitCode(1)
            }
        }
    }
}
