import EDSVault
import Foundation
import PostgresNIO

/// `vault migrate`: rows read from (a directory vault with this index) and copied into (a vault in PostgreSQL).
extension PostgresVaultIndex: VaultIndexExporting, VaultIndexImporting {
    public func allSubjects() throws -> [IndexedSubject] {
        try read { db in
            try db.rows("SELECT lookup, pseudonym, wrapped_data_key FROM subjects ORDER BY lookup").map { row in
                let (lookup, pseudonym, key) = try row.decode((String, String, Data?).self)
                return IndexedSubject(lookup: lookup, pseudonym: pseudonym, wrappedDataKey: key)
            }
        }
    }

    public func allLinks() throws -> [IndexedLink] {
        try read { db in
            try db.rows("SELECT \(Self.linkColumns) FROM proof_links ORDER BY token_hash").map(Self.link)
        }
    }

    public func importRows(_ rows: VaultIndexRows) throws {
        try transaction { db in
            try db.execute("LOCK TABLE audit IN EXCLUSIVE MODE")
            let tail = try db.rows("SELECT sequence, hash FROM audit ORDER BY sequence DESC LIMIT 1").first
                .map { try $0.decode((Int64, String).self) }
            // The target's log is a prefix of the source's (a run that resumes), or the source's is a prefix of the
            // target's (migrated before, used since); anything else is another vault.
            if let (sequence, hash) = tail {
                let sourceTail = rows.audit.last
                if sequence <= sourceTail?.sequence ?? 0 {
                    guard rows.audit.first(where: { $0.sequence == sequence })?.hash == hash else {
                        throw VaultError.conflict("the target's audit log is not the migrated vault's: another vault is there")
                    }
                } else if let sourceTail {
                    let stored = try db.rows("SELECT hash FROM audit WHERE sequence = $1", [.int(sourceTail.sequence)]).first
                        .map { try $0.decode(String.self) }
                    guard stored == sourceTail.hash else {
                        throw VaultError.conflict("the target's audit log is not the migrated vault's: another vault is there")
                    }
                }
            }
            for subject in rows.subjects {
                try db.execute(
                    "INSERT INTO subjects (lookup, pseudonym, wrapped_data_key) VALUES ($1, $2, $3) ON CONFLICT (lookup) DO NOTHING",
                    [.text(subject.lookup), .text(subject.pseudonym), .bytes(subject.wrappedDataKey)])
            }
            for document in rows.documents {
                try db.execute(
                    """
                    INSERT INTO documents
                        (id, owner_lookup, employer_bin, type, size, stored_at, status, signature_count, sealed_metadata)
                    VALUES ($1, '', $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING
                    """,
                    [
                        .text(document.id), .text(document.employerBIN), .text(document.type), .int(Int64(document.size)),
                        .int(Milliseconds.of(document.storedAt)), .text(document.status), .int(Int64(document.signatureCount)),
                        .bytes(document.sealedMetadata),
                    ])
                for (ordinal, owner) in document.owners.enumerated() {
                    try db.execute(
                        """
                        INSERT INTO document_owners (document_id, owner_lookup, ordinal, wrapped_document_key, sealed_entry)
                        VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING
                        """,
                        [
                            .text(document.id), .text(owner.lookup), .int(Int64(ordinal)), .bytes(owner.wrappedDocumentKey),
                            .bytes(owner.sealedEntry),
                        ])
                }
            }
            for signature in rows.signatures {
                try db.execute(
                    "INSERT INTO signatures (id, document_id, added_at, sealed_signers) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
                    [.text(signature.id), .text(signature.documentID), .int(Milliseconds.of(signature.addedAt)), .bytes(signature.sealedSigners)])
            }
            for link in rows.links {
                try Self.insertLink(db, link, ignoringConflicts: true)
            }
            if try db.rows("SELECT 1 FROM tombstones LIMIT 1").isEmpty {
                for tombstone in rows.tombstones {
                    try db.execute(
                        "INSERT INTO tombstones (document_id, type, stored_at, erased_at, signature_count) VALUES ($1, $2, $3, $4, $5)",
                        [
                            .text(tombstone.documentID), .text(tombstone.type.rawValue), .int(Milliseconds.of(tombstone.storedAt)),
                            .int(Milliseconds.of(tombstone.erasedAt)), .int(Int64(tombstone.signatureCount)),
                        ])
                }
            }
            // Verbatim: the same sequence numbers, times and hashes, so the chain verifies as it did in the source.
            for entry in rows.audit where entry.sequence > (tail?.0 ?? 0) {
                try db.execute(
                    """
                    INSERT INTO audit (sequence, at, actor, action, object, outcome, detail, previous_hash, hash)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                    """,
                    [
                        .int(entry.sequence), .int(Milliseconds.of(entry.draft.at)), .text(entry.draft.actor),
                        .text(entry.draft.action), .text(entry.draft.object), .text(entry.draft.outcome),
                        .text(entry.draft.detail), .text(entry.previousHash), .text(entry.hash),
                    ])
            }
        }
    }
}
