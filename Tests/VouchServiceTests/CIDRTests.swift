// CIDRTests.swift: networks as configurations write them: white space at the ends (ASCII or
// not) is trimmed, anything else that is not an address and prefix is refused.
import VouchService
import XCTest

final class CIDRTests: XCTestCase {
    func testWhiteSpaceAtTheEndsIsTrimmedAndNothingElse() throws {
        let net = try CIDR("10.0.0.0/8")
        XCTAssertEqual(net.description, "10.0.0.0/8")
        XCTAssertEqual(try CIDR("10.1.2.3/8"), net, "host bits cleared")
        for text in [" 10.1.2.3/8", "10.1.2.3/8 ", "\t10.1.2.3/8\t", "\u{00A0}10.1.2.3/8\u{2003}"] {
            XCTAssertEqual(try CIDR(text), net, text)
        }
        XCTAssertEqual(try CIDR(" ::1 ").description, "::1/128")
        for bad in ["", " ", "10.0.0.0/33", "10.0.0.0/+8", "10.0.0.0/x", "10.0.0.0 /8", "10.0.0.0/\u{0668}", "10.0.0.0\u{00A0}x"] {
            XCTAssertThrowsError(try CIDR(bad), bad)
        }
        XCTAssertTrue(net.contains("10.200.0.1"))
        XCTAssertTrue(net.contains("::ffff:10.0.0.1"))
        XCTAssertFalse(net.contains("11.0.0.1"))
    }
}
