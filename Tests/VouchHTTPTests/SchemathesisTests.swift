// SchemathesisTests.swift: the server against its own OpenAPI document, by schemathesis
// (PyPI) through scripts/schemathesis.sh: a bounded run (about two minutes) that passes only
// with no 5xx and every response's status, Content-Type and body as documented. The server
// trusts 127.0.0.1 as a proxy so that the script can seed access tokens by real logins.
import Foundation
import VouchTestSupport
import XCTest

final class SchemathesisTests: XCTestCase {
    func testServerConformsToItsOpenAPIDocument() throws {
        let s = ServerProcess(extraArgs: ["--trusted-proxy", "127.0.0.1/32"])
        try s.start()
        defer { s.stop() }

        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["bash", Repository.file("scripts/schemathesis.sh").path, s.base, s.adminToken]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()

        XCTAssertEqual(p.terminationStatus, 0, "schemathesis found failures:\n\(text.suffix(20000))")
        XCTAssertTrue(text.contains("5 access tokens"), "the script seeded tokens by real logins: \(text.prefix(2000))")
        let errors = s.log.split(separator: "\n").filter { $0.contains(#""level":"error""#) || $0.contains(#""level":"critical""#) }
        XCTAssertEqual(errors, [], "the server logged errors")
    }
}
