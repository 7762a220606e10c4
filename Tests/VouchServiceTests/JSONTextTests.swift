// JSONTextTests.swift: the direct JSON writer against Foundation's parser.
import Foundation
import VouchService
import XCTest

final class JSONTextTests: XCTestCase {
    func testRoundTripsThroughFoundation() throws {
        let value: [String: Any] = [
            "b": "quote \" backslash \\ newline \n tab \t bell \u{7} ü 😀", "a": 1, "n": NSNull(), "t": true, "f": false,
            "d": 1.5, "i64": Int64(-3), "arr": [1, "x", ["k": "v"]], "strs": ["p", "q"], "map": ["z": "1", "y": "2"],
        ]
        let text = JSONText.encode(value)
        XCTAssertTrue(text.hasPrefix(#"{"a":1,"arr":[1,"x",{"k":"v"}],"b":"#), text)
        let back = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual(back["b"] as? String, value["b"] as? String)
        XCTAssertEqual(back["a"] as? Int, 1)
        XCTAssertTrue(back["n"] is NSNull)
        XCTAssertEqual(back["t"] as? Bool, true)
        XCTAssertEqual(back["d"] as? Double, 1.5)
        XCTAssertEqual(back["i64"] as? Int, -3)
        XCTAssertEqual(back["strs"] as? [String], ["p", "q"])
        XCTAssertEqual((back["map"] as? [String: String])?["y"], "2")
        XCTAssertEqual(JSONText.encode(["x": 2.0]), #"{"x":2}"#)
        // exact types: an Int is never written as a Bool, nor a Bool as a number
        XCTAssertEqual(JSONText.encode(["one": 1, "zero": 0, "t": true, "f": false] as [String: Any]),
                       #"{"f":false,"one":1,"t":true,"zero":0}"#)
        XCTAssertEqual(JSONText.encode([1, true, "s", NSNull(), Optional<Int>.none as Any, [String: String]()] as [Any]),
                       #"[1,true,"s",null,null,{}]"#)
    }

    func testTimestamp() {
        XCTAssertEqual(JSONText.timestamp(0), "1970-01-01T00:00:00Z")
        XCTAssertEqual(JSONText.timestamp(1_795_485_195.25, milliseconds: true), "2026-11-24T01:53:15.250Z")
        XCTAssertEqual(JSONText.timestamp(951_782_400), "2000-02-29T00:00:00Z")
    }
}
