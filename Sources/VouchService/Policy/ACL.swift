// ACL.swift: what a token's policies let it do, by Vault's rules (vault/acl.go), compiled
// once per set of policies and asked on every request.
//
// Building: the rules of every policy are merged by pattern (one pattern written in two
// policies, or twice in one, is one rule): capabilities add up, and a `deny` in any of
// them makes the merged rule deny alone. Exact, prefix (`*` at the end) and segment (`+`)
// patterns are kept apart, so "secret/a" and "secret/a*" are two rules. `root` among the
// policies allows everything.
//
// Deciding: exactly one rule decides a request, the most specific one that matches, and
// only its capabilities count; a less specific rule, deny or not, changes nothing (Vault
// works so: `path "secret/*" { capabilities = ["deny"] }` does not stop a token whose
// policy also has `path "secret/app" { capabilities = ["read"] }` from reading
// secret/app). The order:
//  1. an exact pattern equal to the path (for list, also the path less a trailing "/");
//  2. for list of a path ending in "/", steps 3-4 on the path less that "/" first;
//  3. among the longest matching prefix pattern and every matching segment pattern, the
//     highest by: later first wildcard (`+`, or where the prefix's `*` stood) wins; then
//     no trailing `*` beats a trailing `*`; then fewer `+` segments; then the longer
//     pattern; then (a tie Vault calls arbitrary) the greater bytes.
// No matching rule means denied. Paths and patterns compare as bytes, as in Vault.

/// The answer to "may this token do that on this path", with what decided it.
public struct ACLDecision: Sendable, Equatable, CustomStringConvertible {
    public let allowed: Bool
    /// The path checked, less its leading slashes.
    public let path: String
    public let capability: Capability
    /// Whether the check also asked for `sudo` (a root-protected path).
    public let sudo: Bool
    /// The pattern of the rule that decided, as written (with its `*`); nil when no rule
    /// matched, or for root.
    public let pattern: String?
    /// What the deciding rule grants (empty when none matched).
    public let granted: CapabilitySet
    /// The policies whose rules for that pattern count (for a deny, the ones that deny).
    public let policies: [String]
    /// Allowed because the token has the root policy.
    public let isRoot: Bool

    /// Safe to show the caller: "permission denied: path "x" needs capability "read"".
    public var message: String {
        if allowed { return "allowed" }
        let needs = sudo && capability != .sudo ? "capabilities \"\(capability)\" and \"sudo\"" : "capability \"\(capability)\""
        return "permission denied: path \"\(path)\" needs \(needs)"
    }

    /// For the audit log: which rule decided, from which policies.
    public var detail: String {
        if isRoot { return "root policy" }
        guard let pattern else { return "no rule matches path \"\(path)\"" }
        let from = policies.count == 1 ? "policy \(policies[0])" : "policies \(policies.joined(separator: ", "))"
        if granted.contains(.deny) { return "rule \"\(pattern)\" of \(from) denies" }
        return "rule \"\(pattern)\" of \(from) grants \(granted)"
    }

    public var description: String { allowed ? "allowed: \(detail)" : "\(message) (\(detail))" }

    /// The 403 to answer with when not allowed.
    public var error: ServiceError { ServiceError(.forbidden, "permission_denied", message, detail: detail) }
}

public struct ACL: Sendable {
    /// A merged rule.
    struct Entry: Sendable {
        var pattern: String
        var capabilities: CapabilitySet
        var policies: [String]

        mutating func merge(_ caps: CapabilitySet, from policy: String) {
            if capabilities.contains(.deny) {
                if caps.contains(.deny), !policies.contains(policy) { policies.append(policy) }
                return
            }
            if caps.contains(.deny) {
                capabilities = .deny
                policies = [policy]
                return
            }
            capabilities.formUnion(caps)
            if !policies.contains(policy) { policies.append(policy) }
        }
    }

    /// A pattern with `+` segments, split once.
    struct SegmentRule: Sendable {
        enum Part: Sendable { case any, literal([UInt8]) }
        let parts: [Part]
        let isPrefix: Bool          // ends in `*`: its last part matches as a prefix, more segments may follow
        let firstWildcard: Int      // byte offset of the first `+`
        let wildcards: Int          // `+` segments
        let stem: [UInt8]           // the pattern less its `*`
        var entry: Entry

        /// Whether the path's segments match, by Vault's rules.
        func matches(_ segs: [ArraySlice<UInt8>]) -> Bool {
            if segs.count < parts.count || (!isPrefix && segs.count != parts.count) { return false }
            for (i, part) in parts.enumerated() {
                guard case .literal(let lit) = part else { continue }
                if segs[i].elementsEqual(lit) { continue }
                if isPrefix && i == parts.count - 1 && segs[i].starts(with: lit) { continue }
                return false
            }
            return true
        }
    }

    /// A candidate in step 3 of the order above.
    private struct Candidate {
        let firstWildcard: Int
        let isPrefix: Bool
        let wildcards: Int
        let stem: ArraySlice<UInt8>
        let entry: Entry

        /// Vault's `less`: whether `self` has lower priority than `o`.
        func ranksBelow(_ o: Candidate) -> Bool {
            if firstWildcard != o.firstWildcard { return firstWildcard < o.firstWildcard }
            if isPrefix != o.isPrefix { return isPrefix }
            if wildcards != o.wildcards { return wildcards > o.wildcards }
            if stem.count != o.stem.count { return stem.count < o.stem.count }
            return stem.lexicographicallyPrecedes(o.stem)
        }
    }

    /// The token has the root policy: everything is allowed.
    public let isRoot: Bool
    /// The names of the policies it was built from, in order.
    public let policyNames: [String]

    private let exact: [ArraySlice<UInt8>: Entry]
    private let prefixes: [ArraySlice<UInt8>: Entry]
    private let prefixLengths: [Int] // distinct, longest first
    private let segments: [SegmentRule]
    private let segmentIndex: SegmentIndex

    /// Builds the ACL of a token holding `policies` (duplicates harmless).
    public init(_ policies: [ACLPolicy]) {
        var exact: [ArraySlice<UInt8>: Entry] = [:]
        var prefixes: [ArraySlice<UInt8>: Entry] = [:]
        var segments: [String: SegmentRule] = [:]
        var segmentOrder: [String] = []
        var root = false
        for policy in policies {
            if policy.isRoot {
                root = true
                continue
            }
            for rule in policy.rules {
                let caps = rule.capabilities
                switch rule.kind {
                case .exact:
                    let key = ArraySlice(rule.path.utf8)
                    exact[key, default: Entry(pattern: rule.path, capabilities: [], policies: [])].merge(caps, from: policy.name)
                case .prefix:
                    let key = ArraySlice(rule.path.utf8.dropLast())
                    prefixes[key, default: Entry(pattern: rule.path, capabilities: [], policies: [])].merge(caps, from: policy.name)
                case .segments:
                    if segments[rule.path] == nil {
                        segments[rule.path] = Self.segmentRule(rule.path)
                        segmentOrder.append(rule.path)
                    }
                    segments[rule.path]!.entry.merge(caps, from: policy.name)
                }
            }
        }
        self.isRoot = root
        self.policyNames = policies.map(\.name)
        self.exact = exact
        self.prefixes = prefixes
        self.prefixLengths = Set(prefixes.keys.map(\.count)).sorted(by: >)
        self.segments = segmentOrder.map { segments[$0]! }
        self.segmentIndex = SegmentIndex(self.segments)
    }

    /// Which segment patterns can match a path, so that a check reads a few of them and not
    /// all: a pattern without a trailing `*` needs as many segments as it has, and a first
    /// segment that is not `+` must equal the path's (a pattern with `*` compares its last
    /// segment as a prefix, so only its other segments narrow it down).
    struct SegmentIndex: Sendable {
        struct Key: Hashable, Sendable {
            let count: Int              // segments; -1 for a pattern with `*`
            let first: ArraySlice<UInt8>?  // the first segment; nil for `+`
        }
        var buckets: [Key: [Int]] = [:]

        init(_ rules: [SegmentRule]) {
            for (i, r) in rules.enumerated() {
                var first: ArraySlice<UInt8>?
                if case .literal(let lit) = r.parts[0], !(r.isPrefix && r.parts.count == 1) { first = ArraySlice(lit) }
                buckets[Key(count: r.isPrefix ? -1 : r.parts.count, first: first), default: []].append(i)
            }
        }

        /// The indexes of the rules that may match `segs`, in no particular order.
        func candidates(_ segs: [ArraySlice<UInt8>], _ body: (Int) -> Void) {
            for key in [Key(count: segs.count, first: segs[0]), Key(count: segs.count, first: nil),
                        Key(count: -1, first: segs[0]), Key(count: -1, first: nil)] {
                buckets[key]?.forEach(body)
            }
        }
    }

    /// The ACL of a token's policy names: `root` is the root policy, `lookup` gives the
    /// others, and a name it does not know is skipped (as Vault skips a deleted policy).
    public init(policyNames: [String], lookup: (String) throws -> ACLPolicy?) rethrows {
        var policies: [ACLPolicy] = []
        for raw in policyNames {
            let name = ACLPolicy.normalizedName(raw)
            if name == ACLPolicy.rootName {
                policies.append(.root)
            } else if let p = try lookup(name) {
                policies.append(p)
            }
        }
        self.init(policies)
    }

    /// Everything allowed.
    public static let root = ACL([.root])

    private static func segmentRule(_ pattern: String) -> SegmentRule {
        let bytes = Array(pattern.utf8)
        let isPrefix = bytes.last == UInt8(ascii: "*")
        let stem = isPrefix ? Array(bytes.dropLast()) : bytes
        let parts: [SegmentRule.Part] = stem.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map {
            $0.elementsEqual([UInt8(ascii: "+")]) ? .any : .literal(Array($0))
        }
        return SegmentRule(
            parts: parts, isPrefix: isPrefix, firstWildcard: bytes.firstIndex(of: UInt8(ascii: "+")) ?? -1,
            wildcards: parts.filter { if case .any = $0 { true } else { false } }.count, stem: stem,
            entry: Entry(pattern: pattern, capabilities: [], policies: []))
    }

    // MARK: asking

    /// Whether the token may use `capability` on `path` (and, when `sudo`, also holds sudo
    /// there: Vault's root-protected paths). `.list` checks as a list operation (see the
    /// order above); `.deny` is never allowed.
    public func allows(_ path: String, _ capability: Capability, sudo: Bool = false) -> ACLDecision {
        let p = Self.trimmed(path)
        let shown = String(decoding: p, as: UTF8.self)
        if isRoot {
            return ACLDecision(
                allowed: true, path: shown, capability: capability, sudo: sudo, pattern: nil, granted: [],
                policies: [ACLPolicy.rootName], isRoot: true)
        }
        let e = entry(p, listing: capability == .list)
        let caps = e?.capabilities ?? []
        let ok = capability != .deny && !caps.contains(.deny) && caps.contains(capability) && (!sudo || caps.contains(.sudo))
        return ACLDecision(
            allowed: ok, path: shown, capability: capability, sudo: sudo, pattern: e?.pattern, granted: caps,
            policies: e?.policies ?? [], isRoot: false)
    }

    /// What `sys/capabilities-self` answers for `path`: the deciding rule's capabilities
    /// (looked up as a list operation, as Vault does), sorted; ["deny"] when it denies or
    /// none matches; ["root"] for root.
    public func capabilities(_ path: String) -> [String] {
        if isRoot { return [ACLPolicy.rootName] }
        let caps = entry(Self.trimmed(path), listing: true)?.capabilities ?? []
        return caps.isEmpty || caps.contains(.deny) ? [Capability.deny.rawValue] : caps.names
    }

    private static func trimmed(_ path: String) -> ArraySlice<UInt8> {
        let b = ArraySlice(path.utf8)
        return b.drop { $0 == UInt8(ascii: "/") }
    }

    /// The rule that decides for `path` (without leading slashes).
    func entry(_ path: ArraySlice<UInt8>, listing: Bool) -> Entry? {
        if let e = exact[path] { return e }
        let slash = path.last == UInt8(ascii: "/")
        if listing && slash {
            let less = path.dropLast()
            if let e = exact[less] { return e }
            if let e = nonExact(less) { return e }
        }
        return nonExact(path)
    }

    private func nonExact(_ path: ArraySlice<UInt8>) -> Entry? {
        var best: Candidate?
        for n in prefixLengths where n <= path.count {
            let stem = path.prefix(n)
            if let e = prefixes[stem] {
                if segments.isEmpty { return e }
                best = Candidate(firstWildcard: n, isPrefix: true, wildcards: 0, stem: stem, entry: e)
                break
            }
        }
        if segments.isEmpty { return nil }
        let segs = path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        segmentIndex.candidates(segs) { i in
            let rule = segments[i]
            guard rule.matches(segs) else { return }
            let c = Candidate(
                firstWildcard: rule.firstWildcard, isPrefix: rule.isPrefix, wildcards: rule.wildcards,
                stem: ArraySlice(rule.stem), entry: rule.entry)
            if best.map({ $0.ranksBelow(c) }) ?? true { best = c }
        }
        return best?.entry
    }
}
