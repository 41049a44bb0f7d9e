import Foundation

/// The certificate-policy inputs of path validation (RFC 5280 § 6.1.1 (c), (e), (f), (g)).
public struct CertificatePolicyInputs: Hashable, Sendable {
    /// user-initial-policy-set: the policies the verifier accepts; anyPolicy (the default) accepts any.
    public var initialPolicySet: Set<String>
    /// initial-explicit-policy: the path must be valid for at least one policy of the set.
    public var initialExplicitPolicy: Bool
    /// initial-policy-mapping-inhibit: policy mappings are not allowed.
    public var initialPolicyMappingInhibit: Bool
    /// initial-any-policy-inhibit: anyPolicy in a certificate is not processed.
    public var initialAnyPolicyInhibit: Bool

    public init(
        initialPolicySet: Set<String> = [PathExtensions.anyPolicy], initialExplicitPolicy: Bool = false,
        initialPolicyMappingInhibit: Bool = false, initialAnyPolicyInhibit: Bool = false
    ) {
        self.initialPolicySet = initialPolicySet.isEmpty ? [PathExtensions.anyPolicy] : initialPolicySet
        self.initialExplicitPolicy = initialExplicitPolicy
        self.initialPolicyMappingInhibit = initialPolicyMappingInhibit
        self.initialAnyPolicyInhibit = initialAnyPolicyInhibit
    }

    public static let `default` = CertificatePolicyInputs()

    var acceptsAnyPolicy: Bool { initialPolicySet.contains(PathExtensions.anyPolicy) }
}

/// Why a path is not valid for the verifier's policies.
public struct CertificatePolicyFailure: Error, Hashable, Sendable {
    public enum Reason: Hashable, Sendable {
        /// explicit_policy reached 0 with no valid policy (requireExplicitPolicy, or the verifier's initial-explicit-policy).
        case noValidPolicy
        /// None of the path's valid policies is among those the verifier accepts, and a policy is required.
        case noAcceptablePolicy
        /// policyMappings maps to or from anyPolicy (§ 6.1.4 (a)).
        case anyPolicyMapped
        /// A policy extension could not be read.
        case malformedExtension(String)
        /// The valid policy tree would grow beyond what one validation may spend (hostile mappings).
        case treeTooLarge
    }

    public let reason: Reason
    /// Position in the path of the certificate at fault (0 = leaf).
    public let depth: Int
}

/// RFC 5280 § 6.1.2–6.1.5 certificate-policy processing over a built path: the valid policy tree, policy mappings,
/// requireExplicitPolicy, inhibitPolicyMapping and inhibitAnyPolicy. One implementation for RSA, ECDSA and GOST
/// paths alike: it reads the certificates' extensions, never their keys.
public enum CertificatePolicyValidator {
    /// More nodes than this in the tree stops the validation (a few CAs' mappings can multiply nodes level by level).
    static let maximumNodes = 10_000

    /// The path's valid policies for the verifier (the user-constrained policy set: anyPolicy alone means any), or why
    /// there are none when a policy is required. `path` is leaf first, the trust anchor last; the anchor is trust
    /// anchor information and is not processed (§ 6.1.1 (d)).
    public static func validate(_ path: [Certificate], inputs: CertificatePolicyInputs = .default) -> Result<[String], CertificatePolicyFailure> {
        let processed = Array(path.dropLast().reversed())
        let count = processed.count
        guard count > 0 else { return .success([PathExtensions.anyPolicy]) }
        var tree = PolicyTree()
        var explicitPolicy = inputs.initialExplicitPolicy ? 0 : count + 1
        var inhibitAnyPolicy = inputs.initialAnyPolicyInhibit ? 0 : count + 1
        var policyMapping = inputs.initialPolicyMappingInhibit ? 0 : count + 1

        for (offset, certificate) in processed.enumerated() {
            let level = offset + 1
            let depth = count - level
            let extensions = certificate.pathExtensions
            if let malformed = extensions.malformedExtension {
                return .failure(CertificatePolicyFailure(reason: .malformedExtension(malformed), depth: depth))
            }
            // § 6.1: self-issued means the same subject and issuer names (a CA's key rollover certificate is one too).
            let selfIssued = extensions.subject == extensions.issuer
            // § 6.1.3 (d), (e).
            if let policies = extensions.policies, !tree.isNull {
                let anyAllowed = inhibitAnyPolicy > 0 || (level < count && selfIssued)
                guard tree.addLevel(policies: policies, anyPolicyProcessed: anyAllowed) else {
                    return .failure(CertificatePolicyFailure(reason: .treeTooLarge, depth: depth))
                }
            } else {
                tree.makeNull()
            }
            // § 6.1.3 (f).
            if explicitPolicy == 0 && tree.isNull {
                return .failure(CertificatePolicyFailure(reason: .noValidPolicy, depth: depth))
            }
            if level == count { break }
            // § 6.1.4 (a), (b).
            let mappings = extensions.policyMappings
            if !mappings.isEmpty {
                if mappings.contains(where: { $0.issuerDomain == PathExtensions.anyPolicy || $0.subjectDomain == PathExtensions.anyPolicy }) {
                    return .failure(CertificatePolicyFailure(reason: .anyPolicyMapped, depth: depth))
                }
                if !tree.isNull {
                    guard tree.applyMappings(mappings, allowed: policyMapping > 0) else {
                        return .failure(CertificatePolicyFailure(reason: .treeTooLarge, depth: depth))
                    }
                }
            }
            // § 6.1.4 (h), (i), (j).
            if !selfIssued {
                if explicitPolicy > 0 { explicitPolicy -= 1 }
                if policyMapping > 0 { policyMapping -= 1 }
                if inhibitAnyPolicy > 0 { inhibitAnyPolicy -= 1 }
            }
            if let require = extensions.requireExplicitPolicy, require < explicitPolicy { explicitPolicy = require }
            if let inhibit = extensions.inhibitPolicyMapping, inhibit < policyMapping { policyMapping = inhibit }
            if let inhibit = extensions.inhibitAnyPolicy, inhibit < inhibitAnyPolicy { inhibitAnyPolicy = inhibit }
        }

        // § 6.1.5 (a), (b), (g).
        if explicitPolicy > 0 { explicitPolicy -= 1 }
        if processed.last?.pathExtensions.requireExplicitPolicy == 0 { explicitPolicy = 0 }
        let policies = tree.intersect(with: inputs)
        if explicitPolicy > 0 || !policies.isEmpty {
            return .success(policies.sorted())
        }
        return .failure(CertificatePolicyFailure(reason: tree.isNull ? .noValidPolicy : .noAcceptablePolicy, depth: 0))
    }
}

/// The valid_policy_tree of RFC 5280 § 6.1.2 (a), by level: level 0 is the root anyPolicy node.
struct PolicyTree {
    struct Node {
        var policy: String
        var expected: Set<String>
        /// Index of the parent in the level above (-1 for the root).
        var parent: Int
        var removed = false
    }

    private(set) var levels: [[Node]] = [[Node(policy: PathExtensions.anyPolicy, expected: [PathExtensions.anyPolicy], parent: -1)]]
    private(set) var isNull = false
    private var nodeCount = 1

    mutating func makeNull() {
        isNull = true
        levels = []
    }

    /// § 6.1.3 (d) (1)–(3) for one certificate's policies; false when the tree grew past its bound.
    mutating func addLevel(policies: [String], anyPolicyProcessed: Bool) -> Bool {
        let above = levels[levels.count - 1]
        var next: [Node] = []
        let any = PathExtensions.anyPolicy
        for policy in policies where policy != any {
            var matched = false
            for (index, node) in above.enumerated() where !node.removed && node.expected.contains(policy) {
                next.append(Node(policy: policy, expected: [policy], parent: index))
                matched = true
            }
            if !matched {
                for (index, node) in above.enumerated() where !node.removed && node.policy == any {
                    next.append(Node(policy: policy, expected: [policy], parent: index))
                }
            }
        }
        if policies.contains(any) && anyPolicyProcessed {
            for (index, node) in above.enumerated() where !node.removed {
                let children = Set(next.lazy.filter { $0.parent == index }.map(\.policy))
                for expected in node.expected.sorted() where !children.contains(expected) {
                    next.append(Node(policy: expected, expected: [expected], parent: index))
                }
            }
        }
        nodeCount += next.count
        guard nodeCount <= CertificatePolicyValidator.maximumNodes else { return false }
        levels.append(next)
        prune()
        return true
    }

    /// § 6.1.4 (b) for one certificate's mappings; false when the tree grew past its bound.
    mutating func applyMappings(_ mappings: [(issuerDomain: String, subjectDomain: String)], allowed: Bool) -> Bool {
        var mapped: [String: [String]] = [:]
        for mapping in mappings where !(mapped[mapping.issuerDomain]?.contains(mapping.subjectDomain) ?? false) {
            mapped[mapping.issuerDomain, default: []].append(mapping.subjectDomain)
        }
        let last = levels.count - 1
        if allowed {
            for (issuerPolicy, subjectPolicies) in mapped.sorted(by: { $0.key < $1.key }) {
                var found = false
                for index in levels[last].indices where !levels[last][index].removed && levels[last][index].policy == issuerPolicy {
                    levels[last][index].expected = Set(subjectPolicies)
                    found = true
                }
                if !found, let anyNode = levels[last].first(where: { !$0.removed && $0.policy == PathExtensions.anyPolicy }) {
                    levels[last].append(Node(policy: issuerPolicy, expected: Set(subjectPolicies), parent: anyNode.parent))
                    nodeCount += 1
                }
            }
        } else {
            for index in levels[last].indices where mapped[levels[last][index].policy] != nil { levels[last][index].removed = true }
            prune()
        }
        return nodeCount <= CertificatePolicyValidator.maximumNodes
    }

    /// Removes nodes below the last level that have no children left, bottom-up; an empty tree becomes NULL.
    private mutating func prune() {
        guard !isNull else { return }
        var level = levels.count - 1
        while level > 0 {
            var alive = Set<Int>()
            for node in levels[level] where !node.removed { alive.insert(node.parent) }
            for index in levels[level - 1].indices where !alive.contains(index) { levels[level - 1][index].removed = true }
            level -= 1
        }
        if levels[0].allSatisfy(\.removed) { makeNull() }
    }

    /// § 6.1.5 (g): the tree intersected with the user-initial-policy-set; returns the valid policies of the last
    /// level that remain (anyPolicy alone: any policy), empty for a NULL tree.
    func intersect(with inputs: CertificatePolicyInputs) -> [String] {
        guard !isNull, let leaves = levels.last else { return [] }
        let alive = leaves.filter { !$0.removed }
        if inputs.acceptsAnyPolicy { return Array(Set(alive.map(\.policy))) }
        // The valid_policy_node_set: nodes whose parent is anyPolicy. Along a path from the root, the first node that
        // is not anyPolicy decides which policy its branch stands for.
        var result: Set<String> = []
        var anyAtBottom = false
        for leaf in alive {
            if leaf.policy == PathExtensions.anyPolicy && branchIsAllAny(leaf) {
                anyAtBottom = true
                continue
            }
            if let deciding = decidingPolicy(of: leaf), inputs.initialPolicySet.contains(deciding) { result.insert(leaf.policy) }
        }
        if anyAtBottom {
            // § 6.1.5 (g)(iii)(3): each user policy not yet in the tree stands in for the anyPolicy leaf.
            result.formUnion(inputs.initialPolicySet)
        }
        return Array(result)
    }

    private func branchIsAllAny(_ leaf: Node) -> Bool {
        var level = levels.count - 1
        var node = leaf
        while level > 0 {
            guard node.policy == PathExtensions.anyPolicy else { return false }
            level -= 1
            node = levels[level][node.parent]
        }
        return true
    }

    /// The valid policy of the highest non-anyPolicy node on the branch from the root to `leaf` (the node whose
    /// parent is anyPolicy); nil when the whole branch is anyPolicy.
    private func decidingPolicy(of leaf: Node) -> String? {
        var level = levels.count - 1
        var node = leaf
        var deciding: String?
        while level > 0 {
            if node.policy != PathExtensions.anyPolicy { deciding = node.policy }
            level -= 1
            node = levels[level][node.parent]
        }
        return deciding
    }
}
