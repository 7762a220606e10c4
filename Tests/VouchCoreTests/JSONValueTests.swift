// JSONValueTests.swift: strict JSON: what parses, and every refusal with its reason.
import VouchCore
import XCTest

final class JSONValueTests: XCTestCase {
    func testValues() throws {
        let v = try JSONValue.parse(Array(#"{"s":"zü\n","i":-42,"d":1.5,"b":true,"n":null,"a":[1,"x"],"o":{"k":false}}"#.utf8))
        XCTAssertEqual(v["s"], .string("zü\n"))
        XCTAssertEqual(v["i"], .int(-42))
        XCTAssertEqual(v["d"], .double(1.5))
        XCTAssertEqual(v["b"], .bool(true))
        XCTAssertEqual(v["n"], .null)
        XCTAssertEqual(v["a"], .array([.int(1), .string("x")]))
        XCTAssertEqual(v["o"]?["k"], .bool(false))
        XCTAssertEqual(v.object?.map(\.0), ["s", "i", "d", "b", "n", "a", "o"], "document order")
    }

    func testRefusals() {
        func refused(_ text: String, _ mention: String, maxDepth: Int = 32, maxBytes: Int = 1 << 20) {
            XCTAssertThrowsError(try JSONValue.parse(Array(text.utf8), maxDepth: maxDepth, maxBytes: maxBytes), text) { e in
                XCTAssertTrue("\(e)".contains(mention), "\(text): \(e)")
            }
        }
        refused(#"{"a":1,"a":2}"#, "duplicate")
        refused(#"{"a":1} x"#, "line 1")
        refused(#"{"a":"\u0000"}"#, "NUL")
        refused(#"{"a":"#, "column")
        refused("", "malformed JSON")
        refused(String(repeating: "[", count: 40) + String(repeating: "]", count: 40), "deeper than 32")
        refused(#"{"a":[[[1]]]}"#, "deeper than 3", maxDepth: 3)
        refused(#"{"a":"bbbbbbbbbbbbbbbbbbbb"}"#, "at most 10", maxBytes: 10)
        refused("99999999999999999999999", "too big")
        XCTAssertNoThrow(try JSONValue.parse(Array(#"{"a":[[1]]}"#.utf8), maxDepth: 3))
    }
}
