import Foundation

/// Asks a time-stamping authority for an RFC 3161 token whose messageImprint is `digest` under `algorithm`, and
/// returns the token (ContentInfo DER). The vault passes an HTTP client; tests pass an in-process TSA.
public typealias ArchiveTimeStamper = @Sendable (_ digest: Data, _ algorithm: DigestAlgorithm) throws -> Data

/// Makes and renews RFC 4998 evidence records, many at once: one archive timestamp covers a whole hash tree.
public enum EvidenceRecordBuilder {
    /// § 4.2: one record per group (each group: the hash values of its data objects under `algorithm`), all
    /// covered by one archive timestamp over the tree's root.
    public static func make(groups: [[Data]], algorithm: DigestAlgorithm, timestamp: ArchiveTimeStamper) throws -> [EvidenceRecord] {
        let tree = try ArchiveHashTree(groups: groups, algorithm: algorithm)
        let token = try timestamp(tree.root, algorithm)
        try checkToken(token, covers: tree.root, algorithm: algorithm)
        return tree.reducedTrees.map { reduced in
            EvidenceRecord(
                digestAlgorithms: [algorithm],
                chains: [[ArchiveTimeStamp(digestAlgorithm: algorithm, reducedHashTree: reduced, timeStamp: token)]])
        }
    }

    /// § 5.2 timestamp renewal: before the latest archive timestamp's TSA certificate expires (or its algorithm
    /// weakens for signatures), a new archive timestamp in the same chain covers the hash of the previous one's
    /// timeStamp field. All records are renewed under one new timestamp.
    public static func renewTimeStamps(_ records: [EvidenceRecord], timestamp: ArchiveTimeStamper) throws -> [EvidenceRecord] {
        guard let algorithm = records.first?.chains.last?.last?.digestAlgorithm ?? records.first?.digestAlgorithms.last else { return records }
        guard records.allSatisfy({ ($0.chains.last?.last?.digestAlgorithm ?? $0.digestAlgorithms.last) == algorithm }) else {
            throw CryptoError(.malformedInput, "records renewed together must use one digest algorithm")
        }
        let groups = try records.map { record -> [Data] in
            guard let latest = record.latestTimeStamp else { throw CryptoError(.malformedInput, "an evidence record has no archive timestamp") }
            return [try Digest.hash(latest.renewalInput, algorithm: algorithm)]
        }
        let tree = try ArchiveHashTree(groups: groups, algorithm: algorithm)
        let token = try timestamp(tree.root, algorithm)
        try checkToken(token, covers: tree.root, algorithm: algorithm)
        return zip(records, tree.reducedTrees).map { record, reduced in
            var renewed = record
            renewed.chains[renewed.chains.count - 1].append(
                ArchiveTimeStamp(digestAlgorithm: algorithm, reducedHashTree: reduced, timeStamp: token))
            return renewed
        }
    }

    /// § 5.2 hash-tree renewal: when the hash algorithm itself weakens, a new chain under `algorithm` covers, for
    /// every data object, H(h(d) ‖ ha) with ha = H(archiveTimeStampSequence so far), the pair ordered in binary
    /// ascending order as every other node (BouncyCastle's reading). `groupsData`: per record, its data objects' bytes.
    public static func renewHashTrees(
        _ records: [EvidenceRecord], groupsData: [[Data]], algorithm: DigestAlgorithm, timestamp: ArchiveTimeStamper
    ) throws -> [EvidenceRecord] {
        guard records.count == groupsData.count else { throw CryptoError(.malformedInput, "one group of data objects per record") }
        let groups = try zip(records, groupsData).map { record, objects in
            try renewedObjectHashes(record: record, chainCount: record.chains.count, objects: objects, algorithm: algorithm)
        }
        let tree = try ArchiveHashTree(groups: groups, algorithm: algorithm)
        let token = try timestamp(tree.root, algorithm)
        try checkToken(token, covers: tree.root, algorithm: algorithm)
        return zip(records, tree.reducedTrees).map { record, reduced in
            var renewed = record
            if !renewed.digestAlgorithms.contains(algorithm) { renewed.digestAlgorithms.append(algorithm) }
            renewed.chains.append([ArchiveTimeStamp(digestAlgorithm: algorithm, reducedHashTree: reduced, timeStamp: token)])
            return renewed
        }
    }

    /// The hash values a chain's first archive timestamp covers: plain object hashes for the first chain, and for a
    /// hash-tree renewal H(sorted(h(d), H(the chains before it))).
    public static func renewedObjectHashes(record: EvidenceRecord, chainCount: Int, objects: [Data], algorithm: DigestAlgorithm) throws -> [Data] {
        let plain = try objects.map { try Digest.hash($0, algorithm: algorithm) }
        guard chainCount > 0 else { return plain }
        let previous = try Digest.hash(record.archiveTimeStampSequenceEncoding(chainCount: chainCount), algorithm: algorithm)
        return try plain.map { try ArchiveHashTree.branch([$0, previous], algorithm: algorithm) }
    }

    /// A TSA that answered for other data must not end up in a record.
    static func checkToken(_ der: Data, covers digest: Data, algorithm: DigestAlgorithm) throws {
        let token = try TimeStampToken(der)
        guard token.imprint == digest, token.imprintAlgorithmOID == algorithm.oid else {
            throw CryptoError(.network, "the TSA's archive timestamp does not cover the hash tree's root")
        }
    }
}
