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

    /// Reads an ASiC-S container: checks the mimetype and finds the single data object and the signature.
    public static func read(_ bundle: Data) throws -> Contents {
        let archive: Archive
        do { archive = try Archive(data: bundle, accessMode: .read) } catch {
            throw VaultError.invalidInput("not an ASiC-S container (not a ZIP archive)")
        }
        let entries = Array(archive)
        guard let first = entries.first, first.path == "mimetype" else {
            throw VaultError.invalidInput("not an ASiC-S container: its first entry is not `mimetype`")
        }
        let type = String(decoding: try extract(first, from: archive), as: UTF8.self)
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
        var records: [Data] = []
        while let entry = entries.first(where: { $0.path == evidenceRecordPath(records.count) }) {
            records.append(try extract(entry, from: archive))
        }
        return Contents(
            fileName: documentEntry.path, document: try extract(documentEntry, from: archive),
            signature: try extract(signatureEntry, from: archive), evidenceRecords: records)
    }

    private static func extract(_ entry: Entry, from archive: Archive) throws -> Data {
        var data = Data()
        do {
            _ = try archive.extract(entry) { chunk in data.append(chunk) }
        } catch {
            throw VaultError.invalidInput("the container's \(entry.path) is damaged: \(error)")
        }
        return data
    }
}
