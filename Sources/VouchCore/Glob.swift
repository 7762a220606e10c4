// Glob.swift: `*` (any run of characters, none included) and `?` (one character)
// patterns, as Vault's allowed_* lists and Infisical's subject/audience/claims use them.
// Matching is linear in pattern times text at worst: no backtracking blow-up on
// patterns like "*a*a*a*a*b".

public struct Glob: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String
    private let p: [Character]

    public init(_ pattern: String) {
        self.pattern = pattern
        self.p = Array(pattern)
    }

    public var description: String { pattern }

    /// Whether the whole of `text` matches (case-sensitive, character by character).
    public func matches(_ text: String) -> Bool {
        let t = Array(text)
        var pi = 0, ti = 0
        var star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == "?" || (p[pi] != "*" && p[pi] == t[ti]) {
                pi += 1
                ti += 1
            } else if pi < p.count, p[pi] == "*" {
                star = pi
                mark = ti
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    /// Whether any of `patterns` matches any of `values`; an empty pattern list allows all.
    public static func anyMatch(_ patterns: [Glob], _ values: [String]) -> Bool {
        patterns.isEmpty || patterns.contains { g in values.contains { g.matches($0) } }
    }
}
