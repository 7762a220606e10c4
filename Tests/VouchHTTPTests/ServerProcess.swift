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
    /// The audit log and the server's log lines. The server writes both in batches (within
    /// 10 ms of each line), so a file is read until it stops growing for 50 ms.
    var auditLog: String { Self.settled(dataDir + "/audit.log") }
    var log: String { Self.settled(stderrPath) }

    static func settled(_ path: String) -> String {
        func read() -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        var text = read()
        for _ in 0..<40 {
            Thread.sleep(forTimeInterval: 0.05)
            let again = read()
            if again == text { break }
            text = again
        }
        return text
    }

    func start() throws {
        try launch()
        try waitUntilListening()
    }

    private var stdout: Pipe?

    /// Starts the process and returns at once (several nodes started at the same moment);
    /// `waitUntilListening` then waits for it.
    func launch() throws {
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
        stdout = out
    }

    /// Reads stdout until the server says it listens (or fails when it exits first).
    func waitUntilListening() throws {
        guard let p = process, let out = stdout else { return }
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

    /// Waits for a process that ends by itself (a refused start); its exit status.
    func exitStatus() -> Int32? {
        guard let p = process else { return nil }
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// SIGTERM, then wait: the graceful path.
    @discardableResult
    func stop() -> Int32 {
        guard let p = process, p.isRunning else { return process?.terminationStatus ?? 0 }
        p.terminate()
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// SIGKILL, then wait: a crash, with no chance to flush or close anything.
    func kill() {
        guard let p = process, p.isRunning else { return }
        Glibc.kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
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
