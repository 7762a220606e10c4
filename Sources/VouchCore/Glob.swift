// Glob.swift: name and claim patterns, in the three flavours the ecosystems use:
// - `.anything` (Vouch's allowed-name lists): `*` any run of characters, `?` one;
// - `.vault` (Vault's bound_claims_type "glob" and bound service-account names, which use
//   go-glob): `*` any run of characters, nothing else special (`?` is itself);
// - `.path` (Infisical's subject, audience and claim patterns, which use picomatch): `*`
//   any run without `/`, `?` one character other than `/`, `**` any run, `/` included.
// Matching is linear in pattern times text at worst: no backtracking blow-up on patterns
// like "*a*a*a*a*b".

public struct Glob: Sendable, Hashable, CustomStringConvertible {
    public enum Style: Sendable, Hashable { case anything, vault, path }

    public let pattern: String
    public let style: Style
    private let p: [Character]

    public init(_ pattern: String, style: Style = .anything) {
        self.pattern = pattern
        self.style = style
        self.p = Array(pattern)
    }

    public var description: String { pattern }

    /// Whether the whole of `text` matches (case-sensitive, character by character).
    public func matches(_ text: String) -> Bool {
        style == .path ? matchesPath(Array(text)) : matchesFlat(Array(text))
    }

    /// `*` crosses everything; `?` is one character (`.anything`) or itself (`.vault`).
    private func matchesFlat(_ t: [Character]) -> Bool {
        let any: Character? = style == .anything ? "?" : nil
        var pi = 0, ti = 0
        var star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] != "*", p[pi] == any || p[pi] == t[ti] {
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

    private enum Token { case literal(Character), one, star, globstar }

    /// picomatch's rules, by dynamic programming over the text positions.
    private func matchesPath(_ t: [Character]) -> Bool {
        var tokens: [Token] = []
        var i = 0
        while i < p.count {
            if p[i] == "*" {
                var j = i
                while j < p.count, p[j] == "*" { j += 1 }
                tokens.append(j - i >= 2 ? .globstar : .star)
                i = j
            } else {
                tokens.append(p[i] == "?" ? .one : .literal(p[i]))
                i += 1
            }
        }
        // reach[k]: the first k characters of the text are matched by the tokens so far
        var reach = [Bool](repeating: false, count: t.count + 1)
        reach[0] = true
        for token in tokens {
            var next = [Bool](repeating: false, count: t.count + 1)
            switch token {
            case .literal(let c):
                for k in 0..<t.count where reach[k] && t[k] == c { next[k + 1] = true }
            case .one:
                for k in 0..<t.count where reach[k] && t[k] != "/" { next[k + 1] = true }
            case .star, .globstar:
                var carrying = false
                for k in 0...t.count {
                    carrying = carrying || reach[k]
                    if carrying { next[k] = true }
                    if k < t.count, case .star = token, t[k] == "/" { carrying = false }
                }
            }
            reach = next
        }
        return reach[t.count]
    }

    /// Whether any of `patterns` matches any of `values`; an empty pattern list allows all.
    public static func anyMatch(_ patterns: [Glob], _ values: [String]) -> Bool {
        patterns.isEmpty || patterns.contains { g in values.contains { g.matches($0) } }
    }
}
