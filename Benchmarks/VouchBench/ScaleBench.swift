// ScaleBench.swift: `make bench-scale` (`vouch-bench --only scale --vouch PATH`). The TLS
// certificate login of HTTPBench.swift (trusted-proxy header path, P-256 chain, the
// intermediate in the identity's CA bundle, keep-alive) and /healthz, with the real
// `vouch serve` pinned (taskset) to N cores and wrk pinned to the cores left, for N = 1,
// 2, 4, ... while at least one core is left for wrk. For each N: the wrk load (connections)
// that gives the most requests per second, found by trying each of a list, with p50/p99
// at that load; and `openssl speed -multi N ecdsap256` on the same N cores, the
// primitive's own scaling. Writes its own JSON (--scale-out, default bench-scale.json);
// scripts/bench-table.py --scale turns it into BENCHMARKS-scale.md.
//
// Options: --scale-cores 1,2,4 (server core counts), --scale-connections 8,32,128,256,
// --scale-seconds 10 (each wrk run), --scale-openssl-seconds 10, --scale-out PATH.
import Foundation

struct ScaleLoad: Encodable {
    let connections: Int
    let rps: Double
    let p50_ms: Double
    let p99_ms: Double
    let non2xx: Int
}

struct ScaleRow: Encodable {
    let server_cores: Int
    let wrk_cores: Int
    let server_cpus: String
    let wrk_cpus: String
    let healthz: [ScaleLoad]
    let login: [ScaleLoad]
    let healthz_best: ScaleLoad
    let login_best: ScaleLoad
    let login_p99_over_p50: Double
    let openssl_p256_verify_per_sec: Double
    let openssl_p256_sign_per_sec: Double
    let logins_over_healthz: Double
    /// (logins on N / logins on 1) / (openssl verify on N / openssl verify on 1); nil
    /// without a 1-core row.
    let scaling_efficiency: Double?
}

struct ScaleReport: Encodable {
    let date: String
    let cpu: String
    let cores: Int
    let openssl: String
    let seconds: Int
    let openssl_seconds: Int
    let connections: [Int]
    let smoke: Bool
    let rows: [ScaleRow]
}

func scaleOption(_ name: String) -> String? { args.firstIndex(of: name).map { args[$0 + 1] } }

/// Runs wrk pinned to `cpus` with `threads` threads; the figures of its --latency report.
func pinnedWrk(_ url: String, script: String?, seconds: Int, connections: Int, cpus: String, threads: Int) -> ScaleLoad {
    var a = ["taskset", "-c", cpus, "wrk", "-t\(max(1, min(threads, connections)))", "-c\(connections)", "-d\(seconds)s", "--latency"]
    if let script { a += ["-s", script] }
    let text = String(decoding: sh(a + [url]), as: UTF8.self)
    func duration(_ s: String) -> Double? {  // wrk prints 1.23ms, 456.00us, 1.20s, 2.00m
        for (suffix, scale) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60_000.0)] where s.hasSuffix(suffix) {
            return Double(s.dropLast(suffix.count)).map { $0 * scale }
        }
        return nil
    }
    let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    func percentile(_ label: String) -> Double {
        lines.first { $0.hasPrefix(label) }.flatMap { $0.split(separator: " ").last.map(String.init).flatMap(duration) } ?? 0
    }
    let rps = lines.first { $0.hasPrefix("Requests/sec:") }.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    let non2xx = lines.first { $0.contains("Non-2xx") }.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
    return ScaleLoad(connections: connections, rps: rps, p50_ms: percentile("50%"), p99_ms: percentile("99%"), non2xx: non2xx)
}

/// `openssl speed -multi N -seconds S ecdsap256` pinned to `cpus`: (sign/s, verify/s).
func opensslSpeedP256(processes: Int, cpus: String, seconds: Int) -> (sign: Double, verify: Double) {
    let text = String(decoding: sh(["taskset", "-c", cpus, "openssl", "speed", "-multi", "\(processes)", "-seconds", "\(seconds)",
                                    "ecdsap256"]), as: UTF8.self)
    // "256 bits ecdsa (nistp256)   0.0000s   0.0001s  45123.0  14000.0": the last two are sign/s, verify/s
    guard let line = text.split(separator: "\n").last(where: { $0.contains("(nistp256)") }) else { return (0, 0) }
    let numbers = line.split(separator: " ").compactMap { Double($0) }
    return numbers.count >= 2 ? (numbers[numbers.count - 2], numbers[numbers.count - 1]) : (0, 0)
}

/// "0-3" for cores 0..3, "4" for one core.
func cpuList(_ from: Int, _ to: Int) -> String { from == to ? "\(from)" : "\(from)-\(to)" }

func scaleBench(vouch: String) {
    let cores = Int(String(decoding: sh(["nproc"]), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 1
    let secs = smoke ? 1 : Int(scaleOption("--scale-seconds") ?? "") ?? 10
    let osslSecs = smoke ? 1 : Int(scaleOption("--scale-openssl-seconds") ?? "") ?? 10
    let loads = smoke ? [8] : (scaleOption("--scale-connections") ?? "8,32,128,256").split(separator: ",").compactMap { Int($0) }
    var counts: [Int] = []
    if let list = scaleOption("--scale-cores") {
        counts = list.split(separator: ",").compactMap { Int($0) }
    } else {
        var n = 1
        while n < cores { counts.append(n); n *= 2 }
    }
    counts = counts.filter { $0 >= 1 && $0 < cores }  // at least one core left for wrk
    if smoke { counts = Array(counts.prefix(1)) }
    guard !counts.isEmpty else {
        log("scale: \(cores) core(s): no server core count leaves a core for wrk; nothing measured")
        return
    }
    log("scale: server on \(counts) of \(cores) cores, wrk on the rest; loads \(loads) connections, \(secs) s each")

    let c = makeChain("scale", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
    var rows: [ScaleRow] = []
    for n in counts {
        let serverCPUs = cpuList(0, n - 1), wrkCPUs = cpuList(n, cores - 1), wrkThreads = cores - n
        let runDir = dir.appendingPathComponent("scale-\(n)")
        try! FileManager.default.createDirectory(at: runDir, withIntermediateDirectories: true)
        let server = ServeProcess(vouch: vouch, dataDir: runDir.appendingPathComponent("data").path,
                                  tokenFile: runDir.appendingPathComponent("admin-token").path,
                                  port: 20_000 + Int(getpid() % 1000) * 8 + n % 8, arguments: ["--trusted-proxy", "127.0.0.1/32"],
                                  cpus: serverCPUs)
        server.start()
        let base = server.base
        // as HTTPBench.swift: the leaf alone in the header, the intermediate in the identity's CA bundle
        let id = server.identity("bench")
        server.post("/api/v1/auth/tls-cert-auth/identities/\(id)", ["caCertificate": c.root + c.int, "allowedCommonNames": "bench-leaf-*"])
        let script = runDir.appendingPathComponent("login.lua").path
        wrkPostScript(script, body: #"{"identityId":"\#(id)"}"#,
                      headers: ["X-SSL-Client-Cert": c.leaf.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!])
        let loginURL = base + "/api/v1/auth/tls-cert-auth/login"
        if !smoke {  // warm up
            _ = pinnedWrk(base + "/healthz", script: nil, seconds: 1, connections: 32, cpus: wrkCPUs, threads: wrkThreads)
            _ = pinnedWrk(loginURL, script: script, seconds: 1, connections: 32, cpus: wrkCPUs, threads: wrkThreads)
        }
        var healthz: [ScaleLoad] = [], login: [ScaleLoad] = []
        for conns in loads {
            let h = pinnedWrk(base + "/healthz", script: nil, seconds: secs, connections: conns, cpus: wrkCPUs, threads: wrkThreads)
            let l = pinnedWrk(loginURL, script: script, seconds: secs, connections: conns, cpus: wrkCPUs, threads: wrkThreads)
            precondition(l.non2xx == 0 && h.non2xx == 0, "requests failed in the scale benchmark")
            log(String(format: "scale: server %d core(s), %d connections: /healthz %.0f/s (p50 %.2f ms, p99 %.2f ms), "
                       + "logins %.0f/s (p50 %.2f ms, p99 %.2f ms)", n, conns, h.rps, h.p50_ms, h.p99_ms, l.rps, l.p50_ms, l.p99_ms))
            healthz.append(h)
            login.append(l)
        }
        server.stop()
        let ossl = opensslSpeedP256(processes: n, cpus: serverCPUs, seconds: osslSecs)
        log(String(format: "scale: openssl speed -multi %d ecdsap256 on cpus %@: verify %.0f/s, sign %.0f/s", n, serverCPUs,
                   ossl.verify, ossl.sign))
        let hBest = healthz.max { $0.rps < $1.rps }!, lBest = login.max { $0.rps < $1.rps }!
        var efficiency: Double? = nil
        if let one = rows.first(where: { $0.server_cores == 1 }), one.login_best.rps > 0, one.openssl_p256_verify_per_sec > 0,
           ossl.verify > 0 {
            efficiency = (lBest.rps / one.login_best.rps) / (ossl.verify / one.openssl_p256_verify_per_sec)
        } else if n == 1 {
            efficiency = 1
        }
        let row = ScaleRow(server_cores: n, wrk_cores: wrkThreads, server_cpus: serverCPUs, wrk_cpus: wrkCPUs, healthz: healthz,
                           login: login, healthz_best: hBest, login_best: lBest,
                           login_p99_over_p50: lBest.p50_ms > 0 ? lBest.p99_ms / lBest.p50_ms : 0,
                           openssl_p256_verify_per_sec: ossl.verify, openssl_p256_sign_per_sec: ossl.sign,
                           logins_over_healthz: hBest.rps > 0 ? lBest.rps / hBest.rps : 0, scaling_efficiency: efficiency)
        rows.append(row)
        add("scale_tls_cert_login_p256_server_\(n)core\(n == 1 ? "" : "s")", lBest.rps,
            "same server's GET /healthz at its best load", hBest.rps,
            note: String(format: "server pinned to cpus %@, wrk (-t%d) to %@; best of %@ connections: logins at %d (p50 %.2f ms, "
                         + "p99 %.2f ms), /healthz at %d; openssl speed -multi %d ecdsap256 verify %.0f/s",
                         serverCPUs, wrkThreads, wrkCPUs, loads.map(String.init).joined(separator: "/"), lBest.connections,
                         lBest.p50_ms, lBest.p99_ms, hBest.connections, n, ossl.verify))
    }
    let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n")
        .first { $0.hasPrefix("model name") }.map { String($0.split(separator: ":", maxSplits: 1)[1]).trimmingCharacters(in: .whitespaces) } ?? "?"
    let openssl = String(decoding: sh(["openssl", "version"]), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    let df = ISO8601DateFormatter()
    df.formatOptions = [.withFullDate]
    let report = ScaleReport(date: df.string(from: Date()), cpu: cpu, cores: cores, openssl: openssl, seconds: secs,
                             openssl_seconds: osslSecs, connections: loads, smoke: smoke, rows: rows)
    let out = scaleOption("--scale-out") ?? (smoke ? dir.appendingPathComponent("bench-scale.json").path : "bench-scale.json")
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys]
    try! enc.encode(report).write(to: URL(fileURLWithPath: out))
    log("scale: wrote \(out)")
}
