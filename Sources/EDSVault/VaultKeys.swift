import EDSCrypto
import Foundation

/// The vault master key and the purpose keys derived from it.
///
/// The master key never encrypts data itself: it wraps per-owner data keys (so erasing an owner is destroying one
/// wrapped key) and keys the HMAC that turns IINs into index lookup values (so the index can find an owner's
/// documents without holding the IIN in clear).
struct VaultKeys: Sendable {
    /// Kept only so `vault migrate` can give the target vault the same key file.
    let master: Data
    let wrapping: Data
    let lookup: Data
    /// Seals the trust manifest (anchors, CRLs, evidence policy) kept in the index: HMAC-SHA256 under this key.
    let trustSeal: Data
    /// Stored in the index at `vault init`, to tell a wrong master key from corrupted data.
    let checkValue: String

    static let environmentVariable = "EDSVAULT_MASTER_KEY"
    static let fileName = "master.key"

    init(master: Data) throws {
        guard master.count == AES256GCM.keySize else {
            throw VaultError.wrongMasterKey("the vault master key must be 32 bytes (64 hex digits)")
        }
        self.master = master
        wrapping = try KeyedHash.expandKey(master, info: "eds-vault/v1/wrap-data-keys")
        lookup = try KeyedHash.expandKey(master, info: "eds-vault/v1/index-lookup")
        trustSeal = try KeyedHash.expandKey(master, info: "eds-vault/v1/trust-seal")
        checkValue = try KeyedHash.expandKey(master, info: "eds-vault/v1/check-value").hexString
    }

    /// The key from `$EDSVAULT_MASTER_KEY` (64 hex digits) when set, else from `DIR/master.key`.
    static func load(
        vaultDirectory: URL, fileName: String = fileName, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> VaultKeys {
        if let text = environment[environmentVariable], !text.isEmpty {
            guard let key = Data(hex: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw VaultError.wrongMasterKey("\(environmentVariable) must hold 64 hex digits")
            }
            return try VaultKeys(master: key)
        }
        let file = vaultDirectory.appendingPathComponent(fileName)
        guard let text = try? String(contentsOf: file, encoding: .utf8) else {
            throw VaultError.wrongMasterKey(
                "no master key: neither \(environmentVariable) is set nor \(file.path) is readable")
        }
        guard let key = Data(hex: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw VaultError.wrongMasterKey("\(file.path) must hold 64 hex digits")
        }
        return try VaultKeys(master: key)
    }

    /// A new random master key written to `DIR/master.key` (mode 0600, fsynced), unless the environment supplies one.
    static func create(vaultDirectory: URL, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> VaultKeys {
        if environment[environmentVariable]?.isEmpty == false {
            return try load(vaultDirectory: vaultDirectory, environment: environment)
        }
        let master = try AES256GCM.generateKey()
        try DurableFile.write(
            Data((master.hexString + "\n").utf8), to: vaultDirectory.appendingPathComponent(fileName),
            temporaryDirectory: vaultDirectory, permissions: 0o600)
        return try VaultKeys(master: master)
    }

    /// The key from `$EDSVAULT_MASTER_KEY` when set, else from `file` (a vault outside a directory: the key is never
    /// kept where the vault's data is). nil: the environment must hold it.
    static func load(file: URL?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> VaultKeys {
        guard let file else { return try fromEnvironment(environment) }
        return try load(vaultDirectory: file.deletingLastPathComponent(), fileName: file.lastPathComponent, environment: environment)
    }

    /// As `load(file:)`, but a new random key is written to `file` (mode 0600, fsynced) when it does not exist.
    /// `master`: the key to write (a migrated vault's), instead of a new random one.
    static func loadOrCreate(
        file: URL?, environment: [String: String] = ProcessInfo.processInfo.environment, master given: Data? = nil
    ) throws -> VaultKeys {
        guard let file else { return try fromEnvironment(environment) }
        if environment[environmentVariable]?.isEmpty == false || FileManager.default.fileExists(atPath: file.path) {
            return try load(file: file, environment: environment)
        }
        let master = try given ?? AES256GCM.generateKey()
        let directory = file.deletingLastPathComponent()
        try DurableFile.makeDirectory(directory)
        try DurableFile.write(Data((master.hexString + "\n").utf8), to: file, temporaryDirectory: directory, permissions: 0o600)
        return try VaultKeys(master: master)
    }

    /// `$EDSVAULT_MASTER_KEY` alone (no key file named).
    private static func fromEnvironment(_ environment: [String: String]) throws -> VaultKeys {
        guard let text = environment[environmentVariable], !text.isEmpty else {
            throw VaultError.wrongMasterKey("no master key: no key file was given and \(environmentVariable) is not set")
        }
        return try load(vaultDirectory: URL(fileURLWithPath: "/"), environment: environment)
    }

    func lookupValue(for principal: String) throws -> String {
        try KeyedHash.hmacSHA256(key: lookup, Data(principal.utf8)).hexString
    }

    func wrap(dataKey: Data, for lookupValue: String) throws -> Data {
        try AES256GCM.seal(dataKey, key: wrapping, associatedData: Data(lookupValue.utf8))
    }

    func unwrap(_ wrapped: Data, for lookupValue: String) throws -> Data {
        do {
            return try AES256GCM.open(wrapped, key: wrapping, associatedData: Data(lookupValue.utf8))
        } catch {
            throw VaultError.corrupted("an owner's data key does not open with this master key")
        }
    }
}

extension Data {
    init?(hex: String) {
        guard hex.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.count / 2)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.init(bytes)
    }
}
