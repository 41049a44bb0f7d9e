import EDSCrypto
import Foundation

/// The audit log's hash chain: each entry commits to the one before it, so an edited, removed or reordered entry
/// breaks every hash after it.
enum AuditChain {
    static func hash(sequence: Int64, draft: AuditDraft, previousHash: String) -> String {
        let canonical = [
            String(sequence), String(VaultClock.milliseconds(draft.at)), draft.actor, draft.action, draft.object,
            draft.outcome, draft.detail, previousHash,
        ].map { $0.replacingOccurrences(of: "\n", with: " ") }.joined(separator: "\n")
        return Digest.sha256(Data(canonical.utf8)).hexString
    }

    static func chain(_ drafts: [AuditDraft], after last: (sequence: Int64, hash: String)?) -> [AuditEntry] {
        var sequence = last?.sequence ?? 0
        var previous = last?.hash ?? AuditEntry.genesisHash
        return drafts.map { draft in
            sequence += 1
            let hash = hash(sequence: sequence, draft: draft, previousHash: previous)
            defer { previous = hash }
            return AuditEntry(sequence: sequence, draft: draft, previousHash: previous, hash: hash)
        }
    }

    /// The first break in the chain, described, or nil when every entry holds.
    static func firstBreak(in entries: [AuditEntry]) -> String? {
        var expectedPrevious = AuditEntry.genesisHash
        var expectedSequence: Int64 = 1
        for entry in entries {
            if entry.sequence != expectedSequence {
                return "audit entry \(expectedSequence) is missing (found \(entry.sequence) next)"
            }
            if entry.previousHash != expectedPrevious {
                return "audit entry \(entry.sequence) does not follow entry \(entry.sequence - 1) (previous hash differs)"
            }
            if hash(sequence: entry.sequence, draft: entry.draft, previousHash: entry.previousHash) != entry.hash {
                return "audit entry \(entry.sequence) was altered (its hash does not match its content)"
            }
            expectedPrevious = entry.hash
            expectedSequence += 1
        }
        return nil
    }
}

/// Dates in the index are whole milliseconds since 1970, so a stored date hashes the same as the one written.
enum VaultClock {
    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }
    static func date(milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
    static func now() -> Date { date(milliseconds: milliseconds(Date())) }
}
