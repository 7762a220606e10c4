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
