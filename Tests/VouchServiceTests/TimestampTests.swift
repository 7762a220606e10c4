// TimestampTests.swift: the times audit and log lines carry.
import VouchService
import XCTest

final class TimestampTests: XCTestCase {
    func testTimestamp() {
        XCTAssertEqual(Timestamp.iso(0), "1970-01-01T00:00:00Z")
        XCTAssertEqual(Timestamp.iso(1_795_485_195.25, milliseconds: true), "2026-11-24T01:53:15.250Z")
        XCTAssertEqual(Timestamp.iso(951_782_400), "2000-02-29T00:00:00Z")
    }
}
