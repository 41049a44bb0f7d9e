import Foundation

/// The RFC 4998 § 4.2 hash tree over data object groups, and the reduced hash tree each group keeps.
///
/// Each group (a document and its signatures, say) is one leaf: a group of several hash values hashes to
/// H(sorted concatenation), a group of one is its own value. Leaves are paired left to right, each pair hashed as
/// H(sorted concatenation) — RFC 4998 orders the values of a node "in binary ascending order", so a verifier
/// needs no left/right flags — and an odd node is carried up unchanged (the left-weighted binary tree
/// BouncyCastle's `BinaryTreeRootCalculator` builds, so our records and theirs read the same way).
///
/// A reduced hash tree lists, per level, the values needed beside the running hash: the group's own values first,
/// then one sibling per level. A group of one value has its first sibling folded into the first list, so both
/// readings of § 4.3 ("concatenate the list, hash it" and "the list's single value is the node") agree.
public struct ArchiveHashTree: Sendable {
    public let algorithm: DigestAlgorithm
    /// The value the archive timestamp covers (its messageImprint).
    public let root: Data
    /// Per group, in the order given: the reduced hash tree, or nil when the group's own value is the root.
    public let reducedTrees: [[[Data]]?]

    /// `groups`: each group's hash values under `algorithm` (at least one value per group, at least one group).
    public init(groups: [[Data]], algorithm: DigestAlgorithm) throws {
        guard !groups.isEmpty, groups.allSatisfy({ !$0.isEmpty }) else {
            throw CryptoError(.malformedInput, "a hash tree needs at least one data object")
        }
        self.algorithm = algorithm
        // levels[0] = leaves; levels[k + 1] = parents of levels[k].
        var levels: [[Data]] = [try groups.map { try Self.nodeValue($0, algorithm: algorithm) }]
        while levels[levels.count - 1].count > 1 {
            let level = levels[levels.count - 1]
            var parents: [Data] = []
            parents.reserveCapacity((level.count + 1) / 2)
            var index = 0
            while index + 1 < level.count {
                parents.append(try Self.branch([level[index], level[index + 1]], algorithm: algorithm))
                index += 2
            }
            if index < level.count { parents.append(level[index]) }
            levels.append(parents)
        }
        root = levels[levels.count - 1][0]

        var trees: [[[Data]]?] = []
        trees.reserveCapacity(groups.count)
        for (leafIndex, group) in groups.enumerated() {
            var siblings: [Data] = []
            var position = leafIndex
            for level in levels.dropLast() {
                let sibling = position % 2 == 0 ? position + 1 : position - 1
                if sibling < level.count { siblings.append(level[sibling]) }
                position /= 2
            }
            if group.count > 1 {
                trees.append([group] + siblings.map { [$0] })
            } else if let first = siblings.first {
                trees.append([[group[0], first]] + siblings.dropFirst().map { [$0] })
            } else {
                trees.append(nil)
            }
        }
        reducedTrees = trees
    }

    /// A node over several values: H(values sorted in binary ascending order, concatenated) (RFC 4998 § 4.2 step 4).
    static func branch(_ values: [Data], algorithm: DigestAlgorithm) throws -> Data {
        var joined = Data()
        for value in values.sorted(by: { $0.lexicographicallyPrecedes($1) }) { joined.append(value) }
        return try Digest.hash(joined, algorithm: algorithm)
    }

    /// A list's node value: its single value, or the branch hash of its values.
    static func nodeValue(_ values: [Data], algorithm: DigestAlgorithm) throws -> Data {
        values.count == 1 ? values[0] : try branch(values, algorithm: algorithm)
    }

    /// RFC 4998 § 4.3 steps 2–3: the root a reduced hash tree leads to from `objectHashes`, each of which must be
    /// in the first list; nil when one is not.
    public static func recoverRoot(reducedTree: [[Data]], objectHashes: [Data], algorithm: DigestAlgorithm) throws -> Data? {
        guard let first = reducedTree.first, objectHashes.allSatisfy({ first.contains($0) }) else { return nil }
        var running = try nodeValue(first, algorithm: algorithm)
        for level in reducedTree.dropFirst() {
            running = try branch(level + [running], algorithm: algorithm)
        }
        return running
    }
}
