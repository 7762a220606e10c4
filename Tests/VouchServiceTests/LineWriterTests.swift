// LineWriterTests.swift: the batched writer under the audit log and the server's log lines:
// every line arrives whole, in the order appended from one thread, none dropped; a line
// reaches the file within the interval without a flush; a full buffer is written by the
// caller that filled it.
import Foundation
@testable import VouchService
import XCTest

final class LineWriterTests: XCTestCase {
    func path() -> String { FileManager.default.temporaryDirectory.appendingPathComponent("vouch-lines-\(UUID().uuidString)").path }

    func open(_ path: String) -> Int32 { Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600) }

    func testConcurrentLinesArriveWholeAndNoneIsDropped() async throws {
        let p = path()
        let w = LineWriter(fd: open(p), ownsFD: true, limit: 4096)  // a small buffer: callers write it out often
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<8 {
                group.addTask { for i in 0..<2000 { w.append("{\"task\":\(t),\"i\":\(i),\"pad\":\"\(String(repeating: "x", count: i % 50))\"}") } }
            }
        }
        w.flush()
        let lines = try String(contentsOfFile: p, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(lines.count, 16000)
        var next = [Int](repeating: 0, count: 8)
        for line in lines {
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let t = o["task"] as! Int, i = o["i"] as! Int
            XCTAssertEqual(i, next[t], "one task's lines stay in its order")
            next[t] = i + 1
        }
        XCTAssertEqual(next, [Int](repeating: 2000, count: 8))
    }

    func testALineReachesTheFileWithinTheIntervalWithoutAFlush() throws {
        let p = path()
        let w = LineWriter(fd: open(p), ownsFD: true, interval: .milliseconds(20))
        w.append("first")
        XCTAssertEqual(try String(contentsOfFile: p, encoding: .utf8), "", "buffered, not yet written")
        var text = ""
        for _ in 0..<200 where text.isEmpty {  // up to 10 s on a loaded machine; typically 20 ms
            Thread.sleep(forTimeInterval: 0.05)
            text = try String(contentsOfFile: p, encoding: .utf8)
        }
        XCTAssertEqual(text, "first\n")
        withExtendedLifetime(w) {}
    }

    func testAFullBufferIsWrittenByTheCallerThatFilledIt() throws {
        let p = path()
        let w = LineWriter(fd: open(p), ownsFD: true, interval: .seconds(3600), limit: 100)
        w.append(String(repeating: "a", count: 60))
        XCTAssertEqual(try String(contentsOfFile: p, encoding: .utf8), "")
        w.append(String(repeating: "b", count: 60))  // 122 bytes waiting > 100: written now, by this call
        XCTAssertEqual(try String(contentsOfFile: p, encoding: .utf8),
                       String(repeating: "a", count: 60) + "\n" + String(repeating: "b", count: 60) + "\n")
    }

    func testAnAuditLogWrittenToAClosedDescriptorReportsInsteadOfCrashing() throws {
        let w = LineWriter(fd: 987_654, ownsFD: false, interval: .seconds(3600))
        w.append("lost")
        w.flush()  // EBADF: reported on standard error, the process goes on
    }
}
