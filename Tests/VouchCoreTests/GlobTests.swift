// GlobTests.swift: the `*` / `?` matcher used by allowed-name and claim policies.
import VouchCore
import VouchTestSupport
import XCTest

final class GlobTests: XCTestCase {
    func testStarAndQuestionMark() {
        XCTAssertTrue(Glob("*").matches(""))
        XCTAssertTrue(Glob("*").matches("anything.at.all"))
        XCTAssertTrue(Glob("*.example.com").matches("api.example.com"))
        XCTAssertTrue(Glob("*.example.com").matches("a.b.example.com"), "a star crosses dots, as Vault's globs do")
        XCTAssertFalse(Glob("*.example.com").matches("example.com"))
        XCTAssertFalse(Glob("*.example.com").matches("api.example.com.evil.org"))
        XCTAssertTrue(Glob("api-?").matches("api-1"))
        XCTAssertFalse(Glob("api-?").matches("api-12"))
        XCTAssertFalse(Glob("api-?").matches("api-"))
        XCTAssertTrue(Glob("spiffe://example.org/ns/*/sa/api").matches("spiffe://example.org/ns/prod/sa/api"))
        XCTAssertTrue(Glob("a*b*c").matches("aXXbYYc"))
        XCTAssertFalse(Glob("a*b*c").matches("aXXbYY"))
        XCTAssertTrue(Glob("exact").matches("exact"))
        XCTAssertFalse(Glob("exact").matches("Exact"), "case-sensitive")
        XCTAssertFalse(Glob("").matches("x"))
        XCTAssertTrue(Glob("").matches(""))
        XCTAssertTrue(Glob("zür*").matches("zürich"))
    }

    /// Vault's go-glob: only `*` is special.
    func testVaultStyle() {
        XCTAssertTrue(Glob("repo:acme/*", style: .vault).matches("repo:acme/api/ref/main"), "a star crosses slashes")
        XCTAssertFalse(Glob("api-?", style: .vault).matches("api-1"), "? is itself")
        XCTAssertTrue(Glob("api-?", style: .vault).matches("api-?"))
        XCTAssertTrue(Glob("*", style: .vault).matches(""))
    }

    /// Infisical's picomatch: `*` and `?` stop at `/`, `**` crosses it.
    func testPathStyle() {
        let g = Glob("repo:acme/api:ref:refs/heads/*", style: .path)
        XCTAssertTrue(g.matches("repo:acme/api:ref:refs/heads/main"))
        XCTAssertFalse(g.matches("repo:acme/api:ref:refs/heads/feature/x"), "a star stops at a slash")
        XCTAssertTrue(Glob("repo:acme/api:ref:refs/heads/**", style: .path).matches("repo:acme/api:ref:refs/heads/feature/x"))
        XCTAssertTrue(Glob("spiffe://td/ns/prod/sa/*", style: .path).matches("spiffe://td/ns/prod/sa/api"))
        XCTAssertFalse(Glob("spiffe://td/ns/*/sa/api", style: .path).matches("spiffe://td/ns/a/b/sa/api"))
        XCTAssertTrue(Glob("vouch-*", style: .path).matches("vouch-prod"))
        XCTAssertTrue(Glob("a?c", style: .path).matches("abc"))
        XCTAssertFalse(Glob("a?c", style: .path).matches("a/c"))
        XCTAssertTrue(Glob("**", style: .path).matches("a/b/c"))
        XCTAssertTrue(Glob("*", style: .path).matches(""))
        XCTAssertFalse(Glob("*", style: .path).matches("a/b"))
        XCTAssertTrue(Glob("exact", style: .path).matches("exact"))
        XCTAssertFalse(Glob("exact", style: .path).matches("exactly"))
        XCTAssertFalse(Glob(String(repeating: "*a", count: 40) + "b", style: .path).matches(String(repeating: "a", count: 5000)))
    }

    func testAnyMatch() {
        XCTAssertTrue(Glob.anyMatch([], ["x"]), "no patterns: everything allowed")
        XCTAssertTrue(Glob.anyMatch([Glob("a*"), Glob("b")], ["c", "b"]))
        XCTAssertFalse(Glob.anyMatch([Glob("a*")], []))
        XCTAssertFalse(Glob.anyMatch([Glob("a*")], ["ba"]))
    }

    func testPathologicalPatternStaysFast() {
        // would take exponential time with naive backtracking; here it is quadratic at worst
        let pattern = Glob(String(repeating: "*a", count: 40) + "b")
        XCTAssertFalse(pattern.matches(String(repeating: "a", count: 5000)))
    }
}
