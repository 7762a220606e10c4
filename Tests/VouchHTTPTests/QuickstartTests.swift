// QuickstartTests.swift: the README's quickstart, run as it stands, against a server
// started the way `make run` starts it (HTTPS with the demo PKI, admin token file).
import Foundation
import VouchTestSupport
import XCTest

final class QuickstartTests: XCTestCase {
    func testReadmeQuickstartLogsIn() throws {
        let root = Repository.root
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try XCTUnwrap(readme.range(of: "## Quickstart").map { readme[$0.upperBound...] })
        let start = try XCTUnwrap(section.range(of: "```sh\n"))
        let end = try XCTUnwrap(section[start.upperBound...].range(of: "```"))
        let script = String(section[start.upperBound..<end.lowerBound])
        XCTAssertTrue(script.contains("tls-cert-auth/login"))

        // a scratch copy of what `make run` makes: ./demo and ./vouch-data
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("vouch-quickstart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        try PKI.run(["bash", root.appendingPathComponent("scripts/demo-pki.sh").path, work.appendingPathComponent("demo").path])
        let s = ServerProcess(dataDir: work.appendingPathComponent("vouch-data").path,
                              tls: (work.appendingPathComponent("demo/server.pem").path, work.appendingPathComponent("demo/server.key").path),
                              extraArgs: ["--admin-token-file", work.appendingPathComponent("vouch-data/admin-token").path])
        try s.start()
        defer { s.stop() }
        XCTAssertEqual(s.adminToken, "", "written to the file, not printed")
        let out = try PKI.run(["bash", "-euo", "pipefail", "-c",
                               "cd \(work.path) && " + script.replacingOccurrences(of: "https://127.0.0.1:8200", with: s.base)])
        let text = String(decoding: out, as: UTF8.self)
        let last = try XCTUnwrap(text.split(separator: "\n").last)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any], text)
        XCTAssertEqual(json["active"] as? Bool, true, text)
        XCTAssertEqual(json["numUses"] as? Int, 1, text)
    }
}
