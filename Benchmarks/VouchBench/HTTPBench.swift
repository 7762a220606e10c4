// HTTPBench.swift: TLS certificate logins over HTTP (the trusted-proxy header path,
// keep-alive, wrk from Debian) next to the same server's trivial JSON endpoint (/healthz)
// in the same run: the framework's own ceiling. The server is the real `vouch serve`.
import Foundation

struct WrkFigures {
    let rps: Double
    let p50ms: Double
    let p99ms: Double
    let non2xx: Int
}

/// Runs wrk and reads requests/s and the 50th/99th latency percentiles from its report.
func wrk(_ url: String, script: String?, seconds: Int, connections: Int) -> WrkFigures {
    var a = ["wrk", "-t1", "-c\(connections)", "-d\(seconds)s", "--latency"]
    if let script { a += ["-s", script] }
    let text = String(decoding: sh(a + [url]), as: UTF8.self)
    func number(after label: String) -> Double? {
        guard let line = text.split(separator: "\n").first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix(label) })
        else { return nil }
        return line.split(separator: " ", omittingEmptySubsequences: true).last.map(String.init).flatMap(duration)
    }
    func duration(_ s: String) -> Double? {  // wrk prints 1.23ms, 456.00us, 1.20s
        for (suffix, scale) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0)] where s.hasSuffix(suffix) {
            return Double(s.dropLast(suffix.count)).map { $0 * scale }
        }
        return nil
    }
    let rps = text.split(separator: "\n").first { $0.hasPrefix("Requests/sec:") }
        .flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    let non2xx = text.split(separator: "\n").first { $0.contains("Non-2xx") }
        .flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
    return WrkFigures(rps: rps, p50ms: number(after: "50%") ?? 0, p99ms: number(after: "99%") ?? 0, non2xx: non2xx)
}

func httpBench(vouch: String, pkiDir: URL, rootPEM: String, leafPEM: String) {
    let server = ServeProcess(vouch: vouch, dir: pkiDir, name: "http", port: 18_000 + Int(getpid() % 2000))
    server.start()
    defer { server.stop() }
    let base = server.base
    let id = server.identity("bench")
    server.post("/api/v1/auth/tls-cert-auth/identities/\(id)", ["caCertificate": rootPEM, "allowedCommonNames": "bench-leaf-*"])
    let script = pkiDir.appendingPathComponent("login.lua").path
    wrkPostScript(script, body: #"{"identityId":"\#(id)"}"#,
                  headers: ["X-SSL-Client-Cert": leafPEM.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!])
    let secs = smoke ? 1 : 10
    _ = wrk(base + "/healthz", script: nil, seconds: 1, connections: 32)  // warm up
    let ceiling = wrk(base + "/healthz", script: nil, seconds: secs, connections: 32)
    let login = wrk(base + "/api/v1/auth/tls-cert-auth/login", script: script, seconds: secs, connections: 32)
    precondition(login.non2xx == 0, "logins failed in the benchmark")
    add("http_tls_cert_login_header_path_p256", login.rps, "same server's GET /healthz (framework ceiling)", ceiling.rps,
        note: String(format: "wrk -t1 -c32 keep-alive, %ds; login p50 %.2f ms, p99 %.2f ms; /healthz p50 %.2f ms, p99 %.2f ms; "
                     + "each login verifies a P-256 chain, issues and stores a token", secs, login.p50ms, login.p99ms,
                     ceiling.p50ms, ceiling.p99ms))
    httpJWTBench(server, dir: pkiDir, ceiling: ceiling, secs: secs)
    httpSSHBench(server, dir: pkiDir, ceiling: ceiling, secs: secs)
}
