import Foundation
internal import SwiftASN1

// EDSCrypto has its own `DER` helper; this file speaks swift-asn1.
typealias ASN1DER = SwiftASN1.DER

/// An RFC 4998 Evidence Record: proof that a data object (or a group of them) existed at the time of its first
/// archive timestamp, kept alive by timestamp renewal and hash-tree renewal.
///
/// ```
/// EvidenceRecord ::= SEQUENCE {
///     version                   INTEGER { v1(1) } ,
///     digestAlgorithms          SEQUENCE OF AlgorithmIdentifier,
///     cryptoInfos               [0] CryptoInfos OPTIONAL,
///     encryptionInfo            [1] EncryptionInfo OPTIONAL,
///     archiveTimeStampSequence  ArchiveTimeStampSequence }
/// ArchiveTimeStampSequence ::= SEQUENCE OF ArchiveTimeStampChain
/// ArchiveTimeStampChain    ::= SEQUENCE OF ArchiveTimeStamp
/// ```
/// The module uses IMPLICIT tags (RFC 4998 § 3, Appendix A). cryptoInfos and encryptionInfo are read and kept as
/// received; records made here carry neither (the vault does not encrypt archived data, § 6.1).
public struct EvidenceRecord: Sendable, Hashable {
    /// Every digest algorithm used in the record, in the order the chains introduced them (RFC 4998 § 3).
    public var digestAlgorithms: [DigestAlgorithm]
    /// ArchiveTimeStampSequence: each chain after the first is a hash-tree renewal (§ 5.3).
    public var chains: [[ArchiveTimeStamp]]
    /// cryptoInfos [0] / encryptionInfo [1] exactly as received, re-emitted unchanged.
    var preservedOptionalFields: [ArraySlice<UInt8>] = []

    public init(digestAlgorithms: [DigestAlgorithm], chains: [[ArchiveTimeStamp]]) {
        self.digestAlgorithms = digestAlgorithms
        self.chains = chains
    }

    /// Largest record accepted: thousands of renewals still fit; anything bigger is hostile.
    public static let maximumEncodedSize = 16 << 20

    public init(derEncoded bytes: Data) throws {
        guard !bytes.isEmpty, bytes.count <= Self.maximumEncodedSize else {
            throw CryptoError(.malformedInput, "the evidence record is empty or larger than \(Self.maximumEncodedSize) bytes")
        }
        do {
            let root = try ASN1DER.parse([UInt8](bytes))
            self = try ASN1DER.sequence(root, identifier: .sequence) { nodes in
                let version = try Int(derEncoded: &nodes)
                guard version == 1 else { throw CryptoError(.malformedInput, "evidence record version \(version) is not v1") }
                let algorithms = try ASN1DER.sequence(of: AlgorithmIdentifierOID.self, identifier: .sequence, nodes: &nodes)
                var preserved: [ArraySlice<UInt8>] = []
                var next = nodes.next()
                while let node = next, node.identifier.tagClass == .contextSpecific {
                    preserved.append(node.encodedBytes)
                    next = nodes.next()
                }
                guard let sequenceNode = next else { throw CryptoError(.malformedInput, "the evidence record has no archiveTimeStampSequence") }
                let chains = try ASN1DER.sequence(of: ArchiveTimeStampChainNode.self, identifier: .sequence, rootNode: sequenceNode)
                guard nodes.next() == nil else { throw CryptoError(.malformedInput, "the evidence record has fields after archiveTimeStampSequence") }
                var record = EvidenceRecord(
                    digestAlgorithms: try algorithms.map { try $0.digestAlgorithm() }, chains: chains.map(\.stamps))
                record.preservedOptionalFields = preserved
                return record
            }
        } catch let error as CryptoError {
            throw error
        } catch {
            throw CryptoError(.malformedInput, "not an RFC 4998 evidence record: \(error)")
        }
    }

    public var derEncoded: Data {
        var serializer = ASN1DER.Serializer()
        // Serializing values we built ourselves cannot fail: every field is a well-formed DER value.
        try? serializer.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(1)
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                for algorithm in digestAlgorithms { try AlgorithmIdentifierOID(algorithm).serialize(into: &coder) }
            }
            for field in preservedOptionalFields { coder.serializeRawBytes(field) }
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                for chain in chains {
                    try coder.appendConstructedNode(identifier: .sequence) { coder in
                        for stamp in chain { try stamp.serialize(into: &coder) }
                    }
                }
            }
        }
        return Data(serializer.serializedBytes)
    }

    /// The DER of archiveTimeStampSequence restricted to the first `count` chains: what a hash-tree renewal hashes
    /// (RFC 4998 § 5.2: "ha(i) = H(atsSeq)" over the chains made before it).
    func archiveTimeStampSequenceEncoding(chainCount count: Int) -> Data {
        var serializer = ASN1DER.Serializer()
        try? serializer.appendConstructedNode(identifier: .sequence) { coder in
            for chain in chains.prefix(count) {
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    for stamp in chain { try stamp.serialize(into: &coder) }
                }
            }
        }
        return Data(serializer.serializedBytes)
    }

    /// The first archive timestamp's token: its genTime is the proof of existence of the data.
    public var firstTimeStamp: ArchiveTimeStamp? { chains.first?.first }
    /// The most recent archive timestamp: the one a renewal must extend before its TSA certificate expires.
    public var latestTimeStamp: ArchiveTimeStamp? { chains.last?.last }
}

/// ```
/// ArchiveTimeStamp ::= SEQUENCE {
///     digestAlgorithm [0] AlgorithmIdentifier OPTIONAL,
///     attributes      [1] Attributes OPTIONAL,
///     reducedHashtree [2] SEQUENCE OF PartialHashtree OPTIONAL,
///     timeStamp       ContentInfo }
/// PartialHashtree ::= SEQUENCE OF OCTET STRING
/// ```
public struct ArchiveTimeStamp: Sendable, Hashable {
    /// When absent, the algorithm of the timestamp's messageImprint applies (RFC 4998 § 4.1).
    public var digestAlgorithm: DigestAlgorithm?
    /// The hash values needed to recompute the root from one data object or group (§ 4.2); nil when the
    /// timestamp covers the object's hash directly.
    public var reducedHashTree: [[Data]]?
    /// The RFC 3161 TimeStampToken (a CMS ContentInfo), DER.
    public var timeStamp: Data
    /// attributes [1] as received (records made here have none).
    var attributes: ArraySlice<UInt8>?

    public init(digestAlgorithm: DigestAlgorithm?, reducedHashTree: [[Data]]?, timeStamp: Data) {
        self.digestAlgorithm = digestAlgorithm
        self.reducedHashTree = reducedHashTree
        self.timeStamp = timeStamp
    }

    static let digestAlgorithmTag = ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)
    static let attributesTag = ASN1Identifier(tagWithNumber: 1, tagClass: .contextSpecific)
    static let reducedHashTreeTag = ASN1Identifier(tagWithNumber: 2, tagClass: .contextSpecific)

    init(derEncoded node: ASN1Node) throws {
        self = try ASN1DER.sequence(node, identifier: .sequence) { nodes in
            var field = nodes.next()
            var algorithm: DigestAlgorithm?
            if let node = field, node.identifier == Self.digestAlgorithmTag {
                algorithm = try AlgorithmIdentifierOID(derEncoded: node, withIdentifier: Self.digestAlgorithmTag).digestAlgorithm()
                field = nodes.next()
            }
            var attributes: ArraySlice<UInt8>?
            if let node = field, node.identifier == Self.attributesTag {
                attributes = node.encodedBytes
                field = nodes.next()
            }
            var tree: [[Data]]?
            if let node = field, node.identifier == Self.reducedHashTreeTag {
                tree = try ASN1DER.sequence(of: PartialHashTreeNode.self, identifier: Self.reducedHashTreeTag, rootNode: node).map(\.values)
                guard let tree, !tree.isEmpty, tree.allSatisfy({ !$0.isEmpty }) else {
                    throw CryptoError(.malformedInput, "an archive timestamp's reduced hash tree is empty")
                }
                field = nodes.next()
            }
            guard let tokenNode = field, tokenNode.identifier == .sequence else {
                throw CryptoError(.malformedInput, "an archive timestamp has no timeStamp ContentInfo")
            }
            guard nodes.next() == nil else { throw CryptoError(.malformedInput, "an archive timestamp has fields after timeStamp") }
            var stamp = ArchiveTimeStamp(digestAlgorithm: algorithm, reducedHashTree: tree, timeStamp: Data(tokenNode.encodedBytes))
            stamp.attributes = attributes
            return stamp
        }
    }

    func serialize(into coder: inout ASN1DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            if let digestAlgorithm {
                try AlgorithmIdentifierOID(digestAlgorithm).serialize(into: &coder, withIdentifier: Self.digestAlgorithmTag)
            }
            if let attributes { coder.serializeRawBytes(attributes) }
            if let reducedHashTree {
                try coder.appendConstructedNode(identifier: Self.reducedHashTreeTag) { coder in
                    for level in reducedHashTree {
                        try coder.serializeSequenceOf(level.map { ASN1OctetString(contentBytes: ArraySlice($0)) })
                    }
                }
            }
            coder.serializeRawBytes(timeStamp)
        }
    }

    /// The bytes a timestamp renewal covers: the DER of this ATS's timeStamp field (RFC 4998 § 5.2).
    public var renewalInput: Data { timeStamp }
}

/// AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL } for digests: SHA-2
/// parameters are absent (RFC 5754 § 2); a NULL is accepted on input.
struct AlgorithmIdentifierOID: DERImplicitlyTaggable {
    static var defaultIdentifier: ASN1Identifier { .sequence }
    let oid: ASN1ObjectIdentifier

    init(_ algorithm: DigestAlgorithm) {
        // The table's OIDs are literals we wrote: a failure here is a programming error caught by the tests.
        oid = (try? ASN1ObjectIdentifier(dotRepresentation: algorithm.oid)) ?? [0]
    }

    init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        oid = try ASN1DER.sequence(node, identifier: identifier) { nodes in
            let oid = try ASN1ObjectIdentifier(derEncoded: &nodes)
            if let parameters = nodes.next() {
                guard parameters.identifier == .null else { throw CryptoError(.malformedInput, "unexpected digest algorithm parameters") }
            }
            return oid
        }
    }

    func serialize(into coder: inout ASN1DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in try coder.serialize(oid) }
    }

    func digestAlgorithm() throws -> DigestAlgorithm {
        guard let algorithm = DigestAlgorithm(oid: oid.description) else {
            throw CryptoError(.unsupportedAlgorithm, "evidence record digest algorithm \(oid) is not supported")
        }
        return algorithm
    }
}

private struct ArchiveTimeStampChainNode: DERParseable {
    let stamps: [ArchiveTimeStamp]
    init(derEncoded node: ASN1Node) throws {
        var stamps: [ArchiveTimeStamp] = []
        try ASN1DER.sequence(node, identifier: .sequence) { nodes in
            while let stampNode = nodes.next() { stamps.append(try ArchiveTimeStamp(derEncoded: stampNode)) }
        }
        guard !stamps.isEmpty else { throw CryptoError(.malformedInput, "an archive timestamp chain is empty") }
        self.stamps = stamps
    }
}

private struct PartialHashTreeNode: DERParseable {
    let values: [Data]
    init(derEncoded node: ASN1Node) throws {
        values = try ASN1DER.sequence(of: ASN1OctetString.self, identifier: .sequence, rootNode: node).map { Data($0.bytes) }
    }
}
