// HCLTests.swift: the HCL subset of Vault policies to JSON: the shapes, and every refusal
// with its line and column.
import VouchCore
import XCTest

final class HCLTests: XCTestCase {
    private func hcl(_ text: String, maxDepth: Int = 32, maxBytes: Int = 1 << 20) throws -> JSONValue {
        try HCL.parse(Array(text.utf8), maxDepth: maxDepth, maxBytes: maxBytes)
    }

    private func json(_ text: String) throws -> JSONValue { try JSONValue.parse(Array(text.utf8)) }

    func testVaultPolicyBecomesItsJSONForm() throws {
        let text = """
            # Dev servers have version 2 of KV secrets engine mounted by default, so will
            # need these paths to grant permissions:
            path "secret/data/*" {
              capabilities = ["create", "update"]
            }

            path "secret/data/foo" {
              capabilities = ["read"]
            }
            """
        XCTAssertEqual(
            try hcl(text),
            try json(
                #"{"path": {"secret/data/*": {"capabilities": ["create", "update"]}, "secret/data/foo": {"capabilities": ["read"]}}}"#
            ))
    }

    func testRepeatedBlockIsAListOfItsBodiesInOrder() throws {
        let text = """
            path "secret/a" { capabilities = ["read"] }
            path "secret/b" { capabilities = ["list"] }
            path "secret/a" { capabilities = ["deny"] }
            path "secret/a" { policy = "write" }
            """
        XCTAssertEqual(
            try hcl(text),
            try json(
                #"{"path": {"secret/a": [{"capabilities": ["read"]}, {"capabilities": ["deny"]}, {"policy": "write"}], "secret/b": {"capabilities": ["list"]}}}"#
            ))
    }

    func testBlocksOfSeveralLabelsAndNone() throws {
        XCTAssertEqual(
            try hcl(#"a "b" "c" { x = 1 } a "b" "d" { x = 2 } e { f = true }"#),
            try json(#"{"a": {"b": {"c": {"x": 1}, "d": {"x": 2}}}, "e": {"f": true}}"#))
        XCTAssertEqual(try hcl("ident label { }"), try json(#"{"ident": {"label": {}}}"#), "labels may be bare words")
    }

    func testValues() throws {
        let v = try hcl(
            """
            s = "tab\\t quote\\" backslash\\\\ newline\\n \\u00e9 \\U0001F600 ${not interpolated}"
            i = -42
            f = 1.5e2
            t = true
            n = false
            l = ["a", 1, [2], { k = "v" },]
            o = { a = 1, b = 2
                  c = 3 }
            empty = []
            "quoted key" = "x"
            dotted.key-name_1 = 0
            """)
        XCTAssertEqual(v["s"], .string("tab\t quote\" backslash\\ newline\n é 😀 ${not interpolated}"))
        XCTAssertEqual(v["i"], .int(-42))
        XCTAssertEqual(v["f"], .double(150))
        XCTAssertEqual(v["t"], .bool(true))
        XCTAssertEqual(v["n"], .bool(false))
        XCTAssertEqual(v["l"], try json(#"["a", 1, [2], {"k": "v"}]"#))
        XCTAssertEqual(v["o"], try json(#"{"a": 1, "b": 2, "c": 3}"#))
        XCTAssertEqual(v["empty"], .array([]))
        XCTAssertEqual(v["quoted key"], .string("x"))
        XCTAssertEqual(v["dotted.key-name_1"], .int(0))
        XCTAssertEqual(v.object?.map(\.0), ["s", "i", "f", "t", "n", "l", "o", "empty", "quoted key", "dotted.key-name_1"])
    }

    func testComments() throws {
        let text = """
            # hash
            // slashes
            /* a block
               comment */ a = 1 /* inline */ b = 2 # trailing
            """
        XCTAssertEqual(try hcl(text), try json(#"{"a": 1, "b": 2}"#))
        XCTAssertEqual(try hcl(""), .object([]))
        XCTAssertEqual(try hcl("  # nothing but a comment\n"), .object([]))
    }

    func testHeredocs() throws {
        let plain = "a = <<EOF\n  first\nsecond\nEOF\nb = 1\n"
        XCTAssertEqual(try hcl(plain)["a"], .string("  first\nsecond\n"))
        XCTAssertEqual(try hcl(plain)["b"], .int(1))
        let indented = "x {\n  a = <<-EOT\n    one\n      two\n    EOT\n}\n"
        XCTAssertEqual(try hcl(indented)["x"]?["a"], .string("one\n  two\n"), "the closing line's indentation comes off")
        let ragged = "a = <<-EOT\n    one\n  two\n    EOT\n"
        XCTAssertEqual(try hcl(ragged)["a"], .string("    one\n  two\n"), "a line less indented: the text as it is")
        XCTAssertEqual(try hcl("a = <<EOF\nEOF")["a"], .string(""), "empty, closed at the end of the text")
        XCTAssertEqual(try hcl("a = <<EOF\r\nx\r\nEOF\r\n")["a"], .string("x\r\n"), "CRLF lines")
        XCTAssertEqual(try hcl("a = <<EOF\nEOFX\nEOF\n")["a"], .string("EOFX\n"), "the anchor alone closes, not a longer word")
    }

    func testRefusalsNameLineColumnAndReason() {
        func refused(_ text: String, _ mention: String, maxDepth: Int = 32, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try hcl(text, maxDepth: maxDepth), text, file: file, line: line) { e in
                XCTAssertTrue("\(e)".contains(mention), "\(text): \(e)", file: file, line: line)
            }
        }
        refused("a = \"open", "line 1, column 5: unterminated string")
        refused("a = 1\nb = \"two\nlines\"", "line 2, column 5: unterminated string")
        refused(#"a = "\q""#, "line 1, column 6: bad escape \\q")
        refused(#"a = "\x41""#, "bad escape \\x")
        refused(#"a = "\u12""#, "needs 4 hexadecimal digits")
        refused(#"a = "\ud800""#, "not a Unicode scalar value")
        refused(#"a = "\U00110000""#, "not a Unicode scalar value")
        refused(#"a = "\u0000""#, "NUL character")
        refused("a = 1\na = 2", "line 2, column 1: duplicate key \"a\"")
        refused("o = { k = 1, k = 2 }", "line 1, column 14: duplicate key \"k\"")
        refused("a = 1\na \"x\" { }", "assigned, and a block uses it too")
        refused("a \"x\" { }\na = 1", "line 2, column 1: duplicate key \"a\"")
        refused("a \"x\" { }\na \"x\" \"y\" { }", "different number")
        refused("a = [1, 2", "line 1, column 5: '[' never closed")
        refused("a = [1 2]", "expected ',' or ']'")
        refused("path \"x\" {\n  capabilities = []\n", "line 1, column 10: '{' never closed")
        refused("a = 1 }", "expected a key, found '}'")
        refused("a = 1,, b = 2", "expected a key, found ','")
        refused("a 1", "expected '=' or '{'")
        refused("/* open", "line 1, column 1: unterminated comment")
        refused("a = 1 / 2", "unexpected character '/'")
        refused("a = <<EOF\nno end\n", "line 1, column 5: unterminated heredoc")
        refused("a = <<EOF trailing\nx\nEOF\n", "anchor must end its line")
        refused("a = <<\nx\n", "needs an anchor")
        refused("a = <EOF\n", "unexpected '<'")
        refused("a = 0x1F", "malformed number")
        refused("a = 0755", "malformed number")
        refused("a = 1.", "malformed number")
        refused("a = 1e999", "number out of range")
        refused("a = 99999999999999999999", "number out of range")
        refused("a = yes", "unquoted word 'yes'")
        refused("a = null", "unquoted word 'null'")
        refused("{\"a\": 1}", "expected a key, found '{'")
        refused("a = 1\n\u{1}", "line 2, column 1: unexpected control character")
        refused("é = 1", "only ASCII")
        refused("a = [[[[1]]]]", "nested deeper than 4 levels", maxDepth: 4)
        refused("a = {b = {c = {d = 1}}}", "nested deeper than 3 levels", maxDepth: 3)
        refused("a \"b\" { c \"d\" { } }", "nested deeper than 5 levels", maxDepth: 5)
        refused("a = " + String(repeating: "[", count: 300), "nested deeper than 32 levels")
        XCTAssertNoThrow(try hcl("a = [[[1]]]", maxDepth: 4))
    }

    func testByteLevelRefusals() {
        func refused(_ bytes: [UInt8], _ mention: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try HCL.parse(bytes), file: file, line: line) { e in
                XCTAssertTrue("\(e)".contains(mention), "\(e)", file: file, line: line)
            }
        }
        refused(Array("a = \"x".utf8) + [0] + Array("\"".utf8), "line 1, column 7: NUL byte")
        refused(Array("# c\na = \"".utf8) + [0xc3, 0x28] + Array("\"".utf8), "line 2, column 6: invalid UTF-8")
        refused(Array("a = \"".utf8) + [0xed, 0xa0, 0x80] + Array("\"".utf8), "invalid UTF-8")  // a surrogate
        refused(Array("a = \"".utf8) + [0xc0, 0xaf] + Array("\"".utf8), "invalid UTF-8")  // overlong
        refused(Array("a = \"".utf8) + [0xf4, 0x90, 0x80, 0x80] + Array("\"".utf8), "invalid UTF-8")  // past U+10FFFF
        refused(Array("a = \"".utf8) + [0xe2, 0x82], "invalid UTF-8")  // cut short
        XCTAssertThrowsError(try HCL.parse(Array(repeating: UInt8(ascii: " "), count: 101), maxBytes: 100)) { e in
            XCTAssertEqual((e as? VouchError)?.code, "input_too_large")
        }
    }

    func testColumnsCountCharacters() {
        XCTAssertThrowsError(try hcl("a = \"é\" b = \"open")) { e in
            XCTAssertTrue("\(e)".contains("line 1, column 13"), "\(e)")
        }
    }
}
