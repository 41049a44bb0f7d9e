import Foundation
import GRDB

/// The rows `vault migrate` copies that the `VaultIndex` protocol does not read.
extension SQLiteVaultIndex: VaultIndexExporting {
    public func allSubjects() throws -> [IndexedSubject] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT lookup, pseudonym, wrapped_data_key FROM subjects ORDER BY lookup").map { row in
                IndexedSubject(lookup: row["lookup"], pseudonym: row["pseudonym"], wrappedDataKey: row["wrapped_data_key"])
            }
        }
    }

    public func allLinks() throws -> [IndexedLink] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.linkColumns) FROM proof_links ORDER BY token_hash").map(Self.link)
        }
    }
}
