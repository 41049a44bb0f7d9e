import EDSCrypto
import Foundation
import ZIPFoundation

/// ASiC-S containers (ETSI EN 319 162-1 § 4.3): a ZIP holding `mimetype` (first, stored uncompressed, so the type
/// can be read at a fixed offset), one data object, and `META-INF/signature.p7s` with a detached CMS over it.
public enum ProofBundle {
    public static let mimeType = "application/vnd.etsi.asic-s+zip"
    public static let signaturePath = "META-INF/signature.p7s"
    /// RFC 4998 evidence records (ETSI EN 319 162-1 § 4.3.3 names `META-INF/evidencerecord.ers`); a vault document with
    /// several kept signatures has one record per signature: the others follow as `evidencerecord-2.ers`, `-3`, ….
    public static let evidenceRecordPath = "META-INF/evidencerecord.ers"

    static func evidenceRecordPath(_ position: Int) -> String {
        position == 0 ? evidenceRecordPath : "META-INF/evidencerecord-\(position + 1).ers"
    }

    public struct Contents: Sendable {
        public var fileName: String
        public var document: Data
        public var signature: Data
        /// The DER of each evidence record the container carries (none for containers made elsewhere).
        public var evidenceRecords: [Data] = []
    }

    public static func make(document: Data, fileName: String, signature: Data, evidenceRecords: [Data] = []) throws -> Data {
        do {
            let archive = try Archive(accessMode: .create)
            // Fixed dates keep a bundle of the same document and signatures byte-identical whenever it is made.
            let date = Date(timeIntervalSince1970: 1_577_836_800)
            try add(Data(mimeType.utf8), as: "mimetype", to: archive, date: date, compress: false)
            try add(document, as: fileName, to: archive, date: date, compress: true)
            try add(signature, as: signaturePath, to: archive, date: date, compress: false)
            for (position, record) in evidenceRecords.enumerated() {
                try add(record, as: evidenceRecordPath(position), to: archive, date: date, compress: false)
            }
            guard let data = archive.data else { throw VaultError.io("the proof bundle could not be assembled") }
            return data
        } catch let error as VaultError {
            throw error
        } catch {
            throw VaultError.io("the proof bundle could not be written: \(error)")
        }
    }

    private static func add(_ data: Data, as path: String, to archive: Archive, date: Date, compress: Bool) throws {
        try archive.addEntry(
            with: path, type: .file, uncompressedSize: Int64(data.count), modificationDate: date, permissions: 0o644,
            compressionMethod: compress ? .deflate : .none
        ) { position, size in
            data.subdata(in: Int(position)..<Int(position) + size)
        }
    }

    /// Bounds on a container read from outside (anything passed to `read`): ZIP entries are untrusted, and a few
    /// kilobytes of deflate can claim or inflate to gigabytes.
    public struct Limits: Sendable {
        public var maximumBundleBytes = 512 << 20
        public var maximumEntries = 64
        public var maximumDocumentBytes = 256 << 20
        public var maximumSignatureBytes = ASN1Limits.cms.maximumBytes
        public static let standard = Limits()
    }

    /// Reads an ASiC-S container: checks the mimetype and finds the single data object and the signature.
    public static func read(_ bundle: Data, limits: Limits = .standard) throws -> Contents {
        guard bundle.count <= limits.maximumBundleBytes else {
            throw VaultError.invalidInput("the ASiC-S container is larger than the limit of \(limits.maximumBundleBytes) bytes")
        }
        // ZIPFoundation's in-memory reader traps on offsets past the end of the data (found by Fuzz/fuzz-asic,
        // Fuzz/regressions/asic-zipfoundation-read-past-end.zip); its file reader gets short reads and throws instead.
        // So the container is read from a private temporary file, removed whatever happens.
        let spool = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-asic-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: spool.path, contents: bundle, attributes: [.posixPermissions: 0o600]) else {
            throw VaultError.io("cannot write the container to a temporary file")
        }
        defer { try? FileManager.default.removeItem(at: spool) }
        let archive: Archive
        do { archive = try Archive(url: spool, accessMode: .read) } catch {
            throw VaultError.invalidInput("not an ASiC-S container (not a ZIP archive)")
        }
        var entries: [Entry] = []
        for entry in archive {
            entries.append(entry)
            guard entries.count <= limits.maximumEntries else {
                throw VaultError.invalidInput("the ASiC-S container has more than \(limits.maximumEntries) entries")
            }
        }
        guard let first = entries.first, first.path == "mimetype" else {
            throw VaultError.invalidInput("not an ASiC-S container: its first entry is not `mimetype`")
        }
        // Two entries with one name would let two readers see two different documents or signatures.
        var seen = Set<String>()
        for entry in entries where !seen.insert(entry.path).inserted {
            throw VaultError.invalidInput("the ASiC-S container has two entries named \(entry.path)")
        }
        let type = String(decoding: try extract(first, from: archive, limit: 256), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard type == mimeType else {
            throw VaultError.invalidInput("not an ASiC-S container: mimetype is \(type)")
        }
        guard let signatureEntry = entries.first(where: { $0.path == signaturePath }) else {
            throw VaultError.invalidInput("the ASiC-S container has no \(signaturePath)")
        }
        let dataObjects = entries.filter { $0.type == .file && $0.path != "mimetype" && !$0.path.hasPrefix("META-INF/") }
        guard dataObjects.count == 1, let documentEntry = dataObjects.first else {
            throw VaultError.invalidInput("an ASiC-S container holds exactly one document; this one holds \(dataObjects.count)")
        }
        // ETSI EN 319 162-1 § 4.3.2: the data object sits at the root; a path is not a file name to show or write.
        let name = documentEntry.path
        guard !name.isEmpty, !name.contains("/"), !name.contains("\\"), name != ".", name != "..", !name.contains("\u{0}") else {
            throw VaultError.invalidInput("the ASiC-S container's document is not a plain file name at its root")
        }
        var records: [Data] = []
        while let entry = entries.first(where: { $0.path == evidenceRecordPath(records.count) }) {
            records.append(try extract(entry, from: archive, limit: EvidenceRecord.maximumEncodedSize))
        }
        return Contents(
            fileName: name, document: try extract(documentEntry, from: archive, limit: limits.maximumDocumentBytes),
            signature: try extract(signatureEntry, from: archive, limit: limits.maximumSignatureBytes), evidenceRecords: records)
    }

    private struct TooLarge: Error {}

    /// The entry's bytes, refusing more than `limit` whatever its header claims (the count is of inflated bytes).
    private static func extract(_ entry: Entry, from archive: Archive, limit: Int) throws -> Data {
        guard entry.uncompressedSize <= UInt64(limit) else {
            throw VaultError.invalidInput("the container's \(entry.path) is larger than the limit of \(limit) bytes")
        }
        var data = Data()
        do {
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                guard data.count + chunk.count <= limit else { throw TooLarge() }
                data.append(chunk)
            }
        } catch is TooLarge {
            throw VaultError.invalidInput("the container's \(entry.path) inflates past the limit of \(limit) bytes")
        } catch {
            throw VaultError.invalidInput("the container's \(entry.path) is damaged: \(error)")
        }
        return data
    }
}
