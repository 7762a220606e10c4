// ACLPolicy.swift: one Vault ACL policy, parsed from its text (HCL, or JSON when the text
// starts with `{`, as Vault reads it) into path rules. What Vault's parser (vault/policy.go)
// accepts and Vouch does not enforce is refused by name, never ignored: the parameter
// constraints, wrapping TTLs, MFA, control groups, event subscriptions and templated paths.
// How rules combine and which one decides a request is ACL.swift's business.
import VouchCore

/// What a policy rule lets a token do on a path (Vault's names).
public enum Capability: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case create, read, update, delete, list, patch, sudo, deny

    public var description: String { rawValue }
}

/// A set of capabilities. A rule that denies holds `deny` alone.
public struct CapabilitySet: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public init(_ capabilities: some Sequence<Capability>) {
        self.init(rawValue: capabilities.reduce(0) { $0 | Self.bit($1) })
    }

    private static func bit(_ c: Capability) -> UInt16 { 1 << UInt16(Capability.allCases.firstIndex(of: c)!) }

    public static let create = CapabilitySet(rawValue: bit(.create))
    public static let read = CapabilitySet(rawValue: bit(.read))
    public static let update = CapabilitySet(rawValue: bit(.update))
    public static let delete = CapabilitySet(rawValue: bit(.delete))
    public static let list = CapabilitySet(rawValue: bit(.list))
    public static let patch = CapabilitySet(rawValue: bit(.patch))
    public static let sudo = CapabilitySet(rawValue: bit(.sudo))
    public static let deny = CapabilitySet(rawValue: bit(.deny))

    public func contains(_ c: Capability) -> Bool { rawValue & Self.bit(c) != 0 }

    /// The names, sorted as Vault's sys/capabilities endpoints sort them.
    public var names: [String] { Capability.allCases.filter { contains($0) }.map(\.rawValue).sorted() }

    public var description: String { "[" + names.joined(separator: ", ") + "]" }
}

public struct ACLPolicy: Sendable, Equatable {
    /// One `path "pattern" { ... }` block.
    public struct Rule: Sendable, Equatable {
        /// How a pattern matches, by Vault's rules: a `+` segment (the whole pattern "+",
        /// or a "/+" or a leading "+/" anywhere in it) makes a segment pattern, which may
        /// also end in `*`; otherwise a trailing `*` makes a prefix, and anything else
        /// matches only itself.
        public enum Kind: Sendable, Equatable { case exact, prefix, segments }

        /// The pattern as written, less the one leading "/" Vault strips.
        public let path: String
        public let capabilities: CapabilitySet

        public init(path: String, capabilities: CapabilitySet) {
            self.path = path
            self.capabilities = capabilities
        }

        public var kind: Kind {
            let p = path
            if p == "+" || p.contains("/+") || p.hasPrefix("+/") { return .segments }
            return p.hasSuffix("*") ? .prefix : .exact
        }
    }

    /// The name, normalised (trimmed, lower-cased) as Vault stores it.
    public let name: String
    /// The text as given (what `sys/policies/acl/:name` reads back).
    public let text: String
    /// The rules in document order. A path written twice gives two rules; the ACL merges them.
    public let rules: [Rule]
    /// The built-in `root` policy: everything allowed. It has no text and no rules.
    public let isRoot: Bool

    public static let rootName = "root"
    public static let defaultName = "default"
    public static let maxBytes = 1 << 20
    static let maxDepth = 32

    /// Parses a policy. Throws ServiceError `invalid_policy_name` (see `validatedName`),
    /// `immutable_policy` for `root`, or `invalid_policy` with the reason (the line and
    /// column for syntax, the path and key for what a rule holds).
    public init(name: String, text: String) throws {
        let n = try Self.validatedName(name)
        if n == Self.rootName { throw Self.immutable("update", n) }
        self.name = n
        self.text = text
        self.rules = try Self.parseRules(text)
        self.isRoot = false
    }

    private init(root: Void) {
        name = Self.rootName
        text = ""
        rules = []
        isRoot = true
    }

    /// The built-in root policy.
    public static let root = ACLPolicy(root: ())

    // MARK: names

    /// Vault's normalisation: surrounding white space trimmed, lower-cased.
    public static func normalizedName(_ name: String) -> String {
        String(name.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()).lowercased()
    }

    /// The normalised name, if it is one Vouch accepts: 1 to 128 characters of a-z, 0-9
    /// and - _ . @ : + (after lower-casing). Throws `invalid_policy_name`.
    public static func validatedName(_ name: String) throws -> String {
        let n = normalizedName(name)
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-_.@:+".utf8)
        guard !n.isEmpty, n.utf8.count <= 128, n.utf8.allSatisfy(allowed.contains) else {
            throw ServiceError.badRequest(
                "invalid_policy_name",
                "policy name \"\(name.prefix(140))\" is not accepted: 1 to 128 characters of letters, digits and - _ . @ : +")
        }
        return n
    }

    /// Policies no one writes: `root` (built in), and the two Vault reserves for its own use.
    public static let immutableNames: Set<String> = [rootName, "response-wrapping", "control-group"]

    /// The normalised name, if a policy of that name may be created or replaced. Throws
    /// `invalid_policy_name`, or `immutable_policy` for root and Vault's reserved names.
    public static func checkWritable(_ name: String) throws -> String {
        let n = try validatedName(name)
        if immutableNames.contains(n) { throw immutable("update", n) }
        return n
    }

    /// The normalised name, if that policy may be deleted: not root, not Vault's reserved
    /// names, and not `default` (it always exists). Throws `immutable_policy`.
    public static func checkDeletable(_ name: String) throws -> String {
        let n = try validatedName(name)
        if immutableNames.contains(n) { throw immutable("delete", n) }
        if n == defaultName { throw ServiceError.badRequest("immutable_policy", "cannot delete default policy") }
        return n
    }

    private static func immutable(_ verb: String, _ name: String) -> ServiceError {
        .badRequest("immutable_policy", "cannot \(verb) \"\(name)\" policy")
    }

    /// The `default` policy a new store starts with (Vault's default policy, less what
    /// needs identity templating): a token may look itself up, renew and revoke itself, ask
    /// its own capabilities, use its cubbyhole, wrap and unwrap, and use the hash and random
    /// tools. It can be changed, not deleted.
    public static let defaultPolicyText = #"""
        # A token may look up its own properties
        path "auth/token/lookup-self" {
          capabilities = ["read"]
        }

        # A token may renew itself
        path "auth/token/renew-self" {
          capabilities = ["update"]
        }

        # A token may revoke itself
        path "auth/token/revoke-self" {
          capabilities = ["update"]
        }

        # A token may ask what it can do on a path
        path "sys/capabilities-self" {
          capabilities = ["update"]
        }

        # A token may renew and look up a lease whose id it knows
        path "sys/renew" {
          capabilities = ["update"]
        }
        path "sys/leases/renew" {
          capabilities = ["update"]
        }
        path "sys/leases/lookup" {
          capabilities = ["update"]
        }

        # A token's own cubbyhole
        path "cubbyhole/*" {
          capabilities = ["create", "read", "update", "delete", "list"]
        }

        # Response wrapping
        path "sys/wrapping/wrap" {
          capabilities = ["update"]
        }
        path "sys/wrapping/lookup" {
          capabilities = ["update"]
        }
        path "sys/wrapping/unwrap" {
          capabilities = ["update"]
        }

        # General purpose tools
        path "sys/tools/hash" {
          capabilities = ["update"]
        }
        path "sys/tools/hash/*" {
          capabilities = ["update"]
        }
        path "sys/tools/random" {
          capabilities = ["update"]
        }
        path "sys/tools/random/*" {
          capabilities = ["update"]
        }

        """#

    // MARK: parsing

    private static func invalid(_ why: String) -> ServiceError {
        .badRequest("invalid_policy", "failed to parse policy: \(why)")
    }

    /// HCL or JSON text to rules. JSON when the first character after white space is `{`
    /// (HCL's own rule for picking its JSON parser; HCL cannot start with `{`).
    static func parseRules(_ text: String) throws -> [Rule] {
        let bytes = Array(text.utf8)
        let json = bytes.first { ![0x20, 0x09, 0x0a, 0x0d].contains($0) } == UInt8(ascii: "{")
        let doc: JSONValue
        do {
            doc = json
                ? try JSONValue.parse(bytes, maxDepth: maxDepth, maxBytes: maxBytes)
                : try HCL.parse(bytes, maxDepth: maxDepth, maxBytes: maxBytes)
        } catch let e as VouchError {
            if e.code == "input_too_large" {
                throw ServiceError(.tooLarge, "policy_too_large", "a policy is at most \(maxBytes) bytes")
            }
            throw invalid(json ? "JSON: \(e.message)" : e.message)
        }
        guard let top = doc.object else { throw invalid("a policy is an object of path rules") }
        var rules: [Rule] = []
        for (key, value) in top {
            switch key {
            case "name":
                // Vault accepts a name in the document and ignores it: the API's name counts.
                guard case .string = value else { throw invalid("\"name\" must be a string") }
            case "path":
                for (pattern, body) in try pathEntries(value) {
                    for b in try bodies(pattern, body) { rules.append(try rule(pattern, b)) }
                }
            default:
                throw invalid("unknown key \"\(key)\" at the top of the policy (a policy holds path rules)")
            }
        }
        return rules
    }

    /// `path` as an object of pattern to body, or (HCL's JSON form) a list of such objects.
    private static func pathEntries(_ v: JSONValue) throws -> [(String, JSONValue)] {
        switch v {
        case .object(let members): return members
        case .array(let items):
            return try items.flatMap { item -> [(String, JSONValue)] in
                guard let m = item.object else { throw invalid("\"path\" must map path patterns to rules") }
                return m
            }
        default: throw invalid("\"path\" must map path patterns to rules")
        }
    }

    /// A path's body, or the bodies of a path written more than once.
    private static func bodies(_ pattern: String, _ v: JSONValue) throws -> [[(String, JSONValue)]] {
        switch v {
        case .object(let members): return [members]
        case .array(let items):
            return try items.map { item in
                guard let m = item.object else { throw invalid("path \"\(pattern)\": a rule must be an object") }
                return m
            }
        default: throw invalid("path \"\(pattern)\": a rule must be an object")
        }
    }

    /// Keys Vault's parser knows and Vouch does not enforce: refused rather than ignored.
    static let unsupportedKeys: Set<String> = [
        "allowed_parameters", "denied_parameters", "required_parameters", "min_wrapping_ttl", "max_wrapping_ttl",
        "control_group", "mfa_methods", "subscribe_event_types",
    ]

    /// Capabilities of newer Vault releases that Vouch has no operation for.
    static let unsupportedCapabilities: Set<String> = ["recover", "subscribe"]

    private static func rule(_ written: String, _ body: [(String, JSONValue)]) throws -> Rule {
        // lower-cased: the names a path holds (mounts, roles, policies, ids) are
        // case-insensitive in Vouch, and requests are checked lower-cased (Vouch.aclPath)
        let path = (written.hasPrefix("/") ? String(written.dropFirst()) : written).lowercased()
        let q = "path \"\(written)\""
        if path.contains("+*") { throw invalid("\(q): invalid use of wildcards ('+*' is forbidden)") }
        if let star = path.utf8.firstIndex(of: UInt8(ascii: "*")), path.utf8.index(after: star) != path.utf8.endIndex {
            throw invalid("\(q): '*' may only end a path (Vault would read this one as a plain character)")
        }
        if path.contains("{{") { throw invalid("\(q): templated policy paths are not supported") }

        var caps = CapabilitySet()
        for (key, value) in body {
            switch key {
            case "capabilities":
                guard case .array(let items) = value else { throw invalid("\(q): capabilities must be a list of strings") }
                for item in items {
                    guard case .string(let s) = item else { throw invalid("\(q): capabilities must be a list of strings") }
                    if let c = Capability(rawValue: s) {
                        caps.insert(CapabilitySet([c]))
                    } else if unsupportedCapabilities.contains(s) {
                        throw invalid("\(q): capability \"\(s)\" is not supported")
                    } else {
                        throw invalid(
                            "\(q): invalid capability \"\(s)\" (known: create, read, update, patch, delete, list, sudo, deny)")
                    }
                }
            case "policy":
                // Vault's older form, mapped as Vault maps it
                guard case .string(let s) = value else { throw invalid("\(q): policy must be a string") }
                switch s {
                case "deny": caps.insert(.deny)
                case "read": caps.formUnion([.read, .list])
                case "write": caps.formUnion([.create, .read, .update, .delete, .list])
                case "sudo": caps.formUnion([.create, .read, .update, .delete, .list, .sudo])
                default: throw invalid("\(q): invalid policy \"\(s)\" (known: read, write, sudo, deny)")
                }
            case "comment":
                guard case .string = value else { throw invalid("\(q): comment must be a string") }
            default:
                if unsupportedKeys.contains(key) { throw invalid("\(q): \"\(key)\" is not supported") }
                throw invalid("\(q): unknown key \"\(key)\"")
            }
        }
        // deny anywhere in a rule is the whole rule
        if caps.contains(.deny) { caps = .deny }
        return Rule(path: path, capabilities: caps)
    }
}
