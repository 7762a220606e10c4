// JSONCodingTests.swift: the one JSON path (strict parse, strict decode that names the
// field, encode in declaration order) and the one base64.
import Foundation
import VouchCore
import XCTest

final class JSONCodingTests: XCTestCase {
    struct Inner: Codable, Equatable {
        var ipAddress: String
    }
    struct Body: Codable, Equatable {
        var name: String
        var ttl: Int?
        var strict: Bool?
        var ips: [Inner]?
        var labels: [String: String]?
        var at: Date?
    }

    func refused(_ text: String, _ code: JSONInputError.Code, path: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try JSON.decode(Body.self, from: Array(text.utf8)), file: file, line: line) { e in
            guard let e = e as? JSONInputError else { return XCTFail("\(e)", file: file, line: line) }
            XCTAssertEqual(e.code, code, e.message, file: file, line: line)
            XCTAssertEqual(e.path, path, e.message, file: file, line: line)
            XCTAssertFalse(e.message.isEmpty, file: file, line: line)
        }
    }

    func testDecodingIsStrictAndNamesTheField() throws {
        let ok = try JSON.decode(Body.self, from: Array(#"{"name":"a","ttl":60,"ips":[{"ipAddress":"10.0.0.0/8"}],"at":1700000000}"#.utf8))
        XCTAssertEqual(ok, Body(name: "a", ttl: 60, strict: nil, ips: [Inner(ipAddress: "10.0.0.0/8")], labels: nil,
                                at: Date(timeIntervalSince1970: 1_700_000_000)))
        XCTAssertNil(try JSON.decode(Body.self, from: Array(#"{"name":"a","ttl":null}"#.utf8)).ttl, "null is absent")
        refused(#"{"name":"a","nmae":"b"}"#, .unknownField, path: "nmae")
        refused(#"{"name":"a","ips":[{"ipAddress":"x","prefix":8}]}"#, .unknownField, path: "ips.0.prefix")
        refused(#"{"ttl":1}"#, .missingField, path: "name")
        refused(#"{"name":null}"#, .missingField, path: "name")
        refused(#"{"name":"a","ttl":"60"}"#, .invalidField, path: "ttl")
        refused(#"{"name":"a","ttl":1.5}"#, .invalidField, path: "ttl")
        refused(#"{"name":"a","ttl":99999999999999999999}"#, .malformed, path: "")
        refused(#"{"name":"a","strict":"yes"}"#, .invalidField, path: "strict")
        refused(#"{"name":"a","ips":[{"ipAddress":7}]}"#, .invalidField, path: "ips.0.ipAddress")
        refused(#"{"name":"a","ips":{}}"#, .invalidField, path: "ips")
        refused(#"{"name":"a","name":"b"}"#, .malformed, path: "")
        refused(#"{"name":"a"} trailing"#, .malformed, path: "")
        refused(#"["name"]"#, .invalidField, path: "")
        refused(#"{"name":"a","labels":{"x":1}}"#, .invalidField, path: "labels.x")
        let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        refused(#"{"name":"a","labels":"# + deep + "}", .malformed, path: "")
        XCTAssertThrowsError(try JSON.decode(Body.self, from: Array(#"{"name":"\#(String(repeating: "x", count: 200))"}"#.utf8), maxBytes: 100)) {
            XCTAssertEqual(($0 as? JSONInputError)?.code, .tooLarge)
        }
    }

    func testEncodingKeepsDeclarationOrderAndSortsDictionaries() {
        let b = Body(name: "q\"uote\n", ttl: 5, strict: true, ips: [Inner(ipAddress: "::1")], labels: ["b": "2", "a": "1"],
                     at: Date(timeIntervalSince1970: 12))
        XCTAssertEqual(JSON.encode(b),
                       #"{"name":"q\"uote\n","ttl":5,"strict":true,"ips":[{"ipAddress":"::1"}],"labels":{"a":"1","b":"2"},"at":12}"#)
        XCTAssertEqual(JSON.encode(Body(name: "n")), #"{"name":"n"}"#, "nil optionals are left out")
        XCTAssertEqual(JSON.encode(["\u{1}": [1, 2]]), #"{"\u0001":[1,2]}"#)
        // what it writes, it reads back
        XCTAssertEqual(try JSON.decode(Body.self, from: Array(JSON.encode(b).utf8)), b)
    }

    /// Every integer width is written as a number (bytes of a sealed secret among them),
    /// and read back.
    func testEveryIntegerWidthRoundTrips() throws {
        struct Widths: Codable, Equatable {
            var bytes: [UInt8] = [0, 7, 255]
            var i8: Int8 = -128, i16: Int16 = -300, u16: UInt16 = 65535, u32: UInt32 = 4_000_000_000, u: UInt = 42
        }
        XCTAssertEqual(JSON.encode(Widths()), #"{"bytes":[0,7,255],"i8":-128,"i16":-300,"u16":65535,"u32":4000000000,"u":42}"#)
        XCTAssertEqual(try JSON.decode(Widths.self, from: Array(JSON.encode(Widths()).utf8)), Widths())
        XCTAssertEqual(JSON.encode(UInt8(9)), "9")
    }

    func testWhatIsWrittenFoundationReadsBack() throws {
        struct Mixed: Encodable {
            let b = "quote \" backslash \\ newline \n tab \t bell \u{7} ü 😀"
            let one = 1, zero = 0, t = true, f = false
            let d = 1.5, whole = 2.0
            let i64 = Int64(-3)
            let nested: [String: [Int]] = ["z": [1], "y": []]
        }
        let text = JSON.encode(Mixed())
        let back = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual(back["b"] as? String, Mixed().b)
        XCTAssertEqual(back["d"] as? Double, 1.5)
        XCTAssertEqual(back["i64"] as? Int, -3)
        XCTAssertTrue(text.contains(#""one":1,"zero":0,"t":true,"f":false"#), "an Int is never written as a Bool: \(text)")
        XCTAssertTrue(text.contains(#""whole":2,"#), text)
        XCTAssertTrue(text.hasSuffix(#""nested":{"y":[],"z":[1]}}"#), text)
    }

    func testBase64IsStrictAndRoundTrips() {
        for n in 0..<40 {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            for v in [Base64.Variant.standard, .url] {
                let text = Base64.encode(bytes, v)
                XCTAssertEqual(Base64.decode(text, v), bytes, "\(v) \(n)")
            }
            XCTAssertEqual(Base64.encode(bytes, .standard), Data(bytes).base64EncodedString())
        }
        XCTAssertEqual(Base64.encode([0xfb, 0xff], .url), "-_8")
        for bad in ["-_9", "ab=", "a", "ab c", "ab\n", "+/8", "AAAA="] { XCTAssertNil(Base64.decode(bad, .url), bad) }
        for bad in ["-_8=", "AAA", "AB==", "AAA=A", "A===", "QQ==QQ=="] { XCTAssertNil(Base64.decode(bad, .standard), bad) }
        XCTAssertEqual(Base64.decode("QQ==", .standard), [0x41])
    }
}
