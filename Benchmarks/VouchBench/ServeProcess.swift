// ServeProcess.swift: one real `vouch serve` for a benchmark, on a data directory of its
// own and a loopback port: started (optionally pinned to CPUs, over TLS, with more
// arguments), probed until /healthz answers, stopped; and the admin calls the benchmarks
// make to set it up (curl, so nothing of this process's own HTTP stack is measured).
import Foundation

final class ServeProcess: @unchecked Sendable {
    let vouch: String, dataDir: String, tokenFile: String, port: Int
    /// For a TLS listener: the CA file the probe and the admin calls trust.
    let caFile: String?
    private let extraArguments: [String], cpus: String?, environment: [String: String]
    private var process: Process?
    private(set) var admin = ""

    var base: String { "\(caFile == nil ? "http" : "https")://127.0.0.1:\(port)" }
    var pid: Int32 { process?.processIdentifier ?? 0 }
    var isRunning: Bool { process?.isRunning ?? false }

    /// `arguments` go after `serve --data-dir D --address A --admin-token-file F`; `cpus`
    /// pins the server with taskset (and sizes SwiftNIO's event loops to match, since they
    /// follow the machine's cores rather than the affinity mask).
    init(vouch: String, dataDir: String, tokenFile: String, port: Int, arguments: [String] = [], caFile: String? = nil,
         cpus: String? = nil, environment: [String: String] = [:]) {
        (self.vouch, self.dataDir, self.tokenFile, self.port) = (vouch, dataDir, tokenFile, port)
        (self.extraArguments, self.caFile, self.cpus, self.environment) = (arguments, caFile, cpus, environment)
    }

    /// A server in `dir`, its files named after `name`, trusting 127.0.0.1 as a proxy.
    convenience init(vouch: String, dir: URL, name: String, port: Int) {
        self.init(vouch: vouch, dataDir: dir.appendingPathComponent("\(name)-data").path,
                  tokenFile: dir.appendingPathComponent("\(name)-admin-token").path, port: port,
                  arguments: ["--trusted-proxy", "127.0.0.1/32"])
    }

    /// Starts the server; returns the seconds until /healthz answered.
    @discardableResult
    func start() -> Double {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let serve = [vouch, "serve", "--data-dir", dataDir, "--address", "127.0.0.1:\(port)", "--admin-token-file", tokenFile]
            + extraArguments
        p.arguments = cpus.map { ["taskset", "-c", $0] + serve } ?? serve
        var env = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let cpus { env["NIO_SINGLETON_GROUP_LOOP_COUNT"] = "\(cpuCount(cpus))" }
        p.environment = env
        // its output in DATA_DIR.log, named when it fails to start
        let logPath = dataDir + ".log"
        try? FileManager.default.createDirectory(atPath: (dataDir as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let out = FileHandle(forWritingAtPath: logPath)!
        p.standardOutput = out
        p.standardError = out
        let t0 = Date()
        try! p.run()
        try? out.close()
        process = p
        while !healthy() {
            precondition(p.isRunning, "vouch serve exited at start: "
                + ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "(no output)"))
            precondition(Date().timeIntervalSince(t0) < 600, "vouch serve did not start in 10 minutes")
            Thread.sleep(forTimeInterval: 0.005)
        }
        let took = Date().timeIntervalSince(t0)
        // written before the server listens; only the first node on a shared database has one
        admin = (try? String(contentsOfFile: tokenFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return took
    }

    func stop() {
        guard let p = process else { return }
        p.terminate()
        p.waitUntilExit()
        process = nil
    }

    /// The server's CPU seconds so far (user and system, from /proc).
    func cpuSeconds() -> Double { processCPUSeconds(pid) }

    /// One call with the admin token (or `token`): the JSON answer ([:] when there is none).
    @discardableResult
    func call(_ method: String, _ path: String, _ body: [String: Any], token: String? = nil) -> [String: Any] {
        let data = try! JSONSerialization.data(withJSONObject: body)
        let out = sh(["curl", "-s"] + (caFile.map { ["--cacert", $0] } ?? []) + [
            "-X", method, "-H", "Authorization: Bearer \(token ?? admin)", "-H", "Content-Type: application/json",
            "--data-binary", String(decoding: data, as: UTF8.self), base + path,
        ])
        return (try? JSONSerialization.jsonObject(with: out)) as? [String: Any] ?? [:]
    }

    @discardableResult
    func post(_ path: String, _ body: [String: Any]) -> [String: Any] { call("POST", path, body) }

    /// A new identity's id.
    func identity(_ name: String, _ more: [String: Any] = [:]) -> String {
        (post("/api/v1/identities", more.merging(["name": name]) { $1 })["identity"] as! [String: Any])["id"] as! String
    }

    /// Whether /healthz answers 200: a plain socket over HTTP (no client library's retries
    /// or pools), curl over TLS.
    private func healthy() -> Bool {
        if let caFile {
            let probe = Process()
            probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            probe.arguments = ["curl", "-sf", "--cacert", caFile, "-o", "/dev/null", base + "/healthz"]
            try! probe.run()
            probe.waitUntilExit()
            return probe.terminationStatus == 0
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return false }
        let req = Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard write(fd, req, req.count) == req.count else { return false }
        var buf = [UInt8](repeating: 0, count: 64)
        let n = read(fd, &buf, buf.count)
        return n > 12 && String(decoding: buf[0..<n], as: UTF8.self).hasPrefix("HTTP/1.1 200")
    }
}

/// How many CPUs a taskset list names ("0", "0-3", "1,3-5").
func cpuCount(_ list: String) -> Int {
    list.split(separator: ",").reduce(0) { n, part in
        let ends = part.split(separator: "-").compactMap { Int($0) }
        return n + (ends.count == 2 ? ends[1] - ends[0] + 1 : 1)
    }
}

/// A wrk script that POSTs `body` as JSON, with more headers.
func wrkPostScript(_ path: String, body: String, headers: [String: String] = [:]) {
    var s = "wrk.method = \"POST\"\nwrk.body = '\(body)'\nwrk.headers[\"Content-Type\"] = \"application/json\"\n"
    for (k, v) in headers.sorted(by: { $0.key < $1.key }) { s += "wrk.headers[\"\(k)\"] = \"\(v)\"\n" }
    try! s.write(toFile: path, atomically: true, encoding: .utf8)
}
