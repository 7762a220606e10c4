// BoundClaims.swift: which verified tokens a JWT login accepts by their claims: for each
// bound claim (a name, or a JSON pointer such as /kubernetes.io/namespace), the claim
// must match one of the allowed values. A claim may be a string, a number, a boolean or
// an array of those (then one element must match); patterns are globs (* and ?) unless
// matching is exact, as Vault's bound_claims_type "glob" / "string".
public struct BoundClaims: Sendable, Equatable {
    public var claims: [String: [String]]
    public var glob: Bool
    public var style: Glob.Style

    public init(_ claims: [String: [String]], glob: Bool = true, style: Glob.Style = .anything) {
        self.claims = claims
        self.glob = glob
        self.style = style
    }

    /// nil when every bound claim matches, else which one does not (for the audit log).
    public func refusal(_ token: JSONValue) -> String? {
        for (path, allowed) in claims.sorted(by: { $0.key < $1.key }) {
            guard let value = Self.lookup(token, path) else { return "claim \(path) is missing" }
            guard let texts = Self.texts(value) else { return "claim \(path) is not a string, number, boolean or array of those" }
            let matches: (String) -> Bool = glob
                ? { t in allowed.contains { Glob($0, style: style).matches(t) } } : { t in allowed.contains(t) }
            if !texts.contains(where: matches) { return "claim \(path) does not match the bound values" }
        }
        return nil
    }

    /// A claim by name, or by JSON pointer (RFC 6901: /a/b, ~1 for "/", ~0 for "~").
    public static func lookup(_ v: JSONValue, _ path: String) -> JSONValue? {
        guard path.hasPrefix("/") else { return v[path] }
        var cur = v
        for raw in path.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            let key = raw.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            switch cur {
            case .object: guard let next = cur[key] else { return nil }; cur = next
            case .array(let a): guard let i = Int(key), a.indices.contains(i) else { return nil }; cur = a[i]
            default: return nil
            }
        }
        return cur
    }

    /// The text forms a claim can be matched by: numbers as JSON writes them.
    public static func texts(_ v: JSONValue) -> [String]? {
        switch v {
        case .string(let s): return [s]
        case .int(let n): return [String(n)]
        case .double(let d): return [d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)]
        case .bool(let b): return [b ? "true" : "false"]
        case .array(let a):
            var out: [String] = []
            for e in a {
                guard case .array = e else {
                    guard let t = texts(e) else { return nil }
                    out += t
                    continue
                }
                return nil  // nested arrays are not matched
            }
            return out
        default: return nil
        }
    }
}
