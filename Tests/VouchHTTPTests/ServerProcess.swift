// ServerProcess.swift: the real `vouch serve` binary, started by a test on a free
// loopback port with its own data directory, and real curl to talk to it.
import Foundation
import VouchTestSupport
import XCTest

final class ServerProcess {
    let dataDir: String
    let port: Int
    let tls: (cert: String, key: String)?
    var extraArgs: [String]
    private(set) var process: Process?
    private(set) var adminToken: String = ""
    private var stdoutText = ""
    let stderrPath: String

    init(dataDir: String? = nil, tls: (cert: String, key: String)? = nil, extraArgs: [String] = []) {
        self.dataDir = dataDir ?? FileManager.default.temporaryDirectory.appendingPathComponent("vouch-http-\(UUID().uuidString)").path
        self.port = freePort()
        self.tls = tls
        self.extraArgs = extraArgs
        self.stderrPath = self.dataDir + ".stderr"
    }

    var base: String { "\(tls == nil ? "http" : "https")://127.0.0.1:\(port)" }
    var auditLog: String { (try? String(contentsOfFile: dataDir + "/audit.log", encoding: .utf8)) ?? "" }
    var log: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    func start() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: vouchBinary())
        var args = ["serve", "--data-dir", dataDir, "--address", "127.0.0.1:\(port)"]
        if let tls { args += ["--tls-cert", tls.cert, "--tls-key", tls.key] }
        p.arguments = args + extraArgs
        let out = Pipe()
        p.standardOutput = out
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        p.standardError = FileHandle(forWritingAtPath: stderrPath)
        try p.run()
        process = p
        // read stdout until the server says it listens
        let deadline = Date().addingTimeInterval(30)
        while !stdoutText.contains("vouch listening on") {
            guard Date() < deadline, p.isRunning else {
                throw NSError(domain: "ServerProcess", code: 1, userInfo: [NSLocalizedDescriptionKey: "vouch serve did not start: \(stdoutText) \(log)"])
            }
            let chunk = out.fileHandleForReading.availableData
            stdoutText += String(decoding: chunk, as: UTF8.self)
        }
        if let line = stdoutText.split(separator: "\n").first(where: { $0.contains("vouch.admin.") }) {
            adminToken = line.trimmingCharacters(in: .whitespaces)
        }
    }

    /// SIGTERM, then wait: the graceful path.
    @discardableResult
    func stop() -> Int32 {
        guard let p = process, p.isRunning else { return process?.terminationStatus ?? 0 }
        p.terminate()
        p.waitUntilExit()
        return p.terminationStatus
    }

    deinit { if process?.isRunning == true { process?.terminate() } }
}

/// What curl got back.
struct CurlResult {
    let status: Int
    let body: String
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
    var errorCode: String? { json["error"] as? String }
    var vaultErrors: [String] { json["errors"] as? [String] ?? [] }
}

/// Runs real curl: `args` come before the URL; the status is appended by -w.
func curl(_ method: String, _ url: String, json body: Any? = nil, raw: String? = nil, token: String? = nil,
          vaultToken: String? = nil, headers: [String] = [], args: [String] = []) throws -> CurlResult {
    var a = ["curl", "-s", "-k", "-X", method, "-w", "\n%{http_code}", "--max-time", "30"]
    if let token { a += ["-H", "Authorization: Bearer \(token)"] }
    if let vaultToken { a += ["-H", "X-Vault-Token: \(vaultToken)"] }
    for h in headers { a += ["-H", h] }
    var input: Data? = nil
    if let body {
        input = try JSONSerialization.data(withJSONObject: body)
        a += ["-H", "Content-Type: application/json", "--data-binary", "@-"]
    } else if let raw {
        input = Data(raw.utf8)
        a += ["--data-binary", "@-"]
    }
    let out = String(decoding: try PKI.run(a + args + [url], input: input), as: UTF8.self)
    let status = Int(out.split(separator: "\n").last ?? "") ?? 0
    let text = out.split(separator: "\n", omittingEmptySubsequences: false).dropLast().joined(separator: "\n")
    return CurlResult(status: status, body: text)
}
