// ClusterBench.swift: TLS certificate logins (trusted-proxy header path, P-256 chain) through
// nginx to one, two and three `vouch serve` nodes on one PostgreSQL database, next to one
// node on its embedded SQLite behind the same nginx, in the same run. wrk keeps its
// connections to nginx, nginx keeps its connections to the nodes (round robin). Every
// process shares this machine's cores: the figures say what a node and the database cost
// here, not what more machines would add (the README's scaling section does that sum).
import Foundation

/// A PostgreSQL server of the benchmark's own, in its directory, on loopback (initdb and the
/// server as the unprivileged `postgres` user when run as root: PostgreSQL refuses root).
final class BenchPostgres {
    let dir: String, port: Int
    private let bin: String
    private let server = Process()
    private var asPostgres: [String] { getuid() == 0 ? ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"] : [] }

    init(dir: String, port: Int) {
        (self.dir, self.port) = (dir, port)
        let root = "/usr/lib/postgresql"
        let newest = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).max()
        bin = "\(root)/\(newest.map(String.init) ?? "15")/bin"
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if getuid() == 0 { sh(["chown", "postgres:postgres", dir]) }
        sh(asPostgres + ["\(bin)/initdb", "-D", dir + "/data", "-U", "vouch", "--auth=trust", "-E", "UTF8", "--locale=C"])
        // the server as our child in the foreground (pg_ctl's daemon would keep what it
        // inherits open, and Foundation would wait on it for ever)
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = asPostgres + ["\(bin)/postgres", "-D", dir + "/data", "-c", "listen_addresses=127.0.0.1", "-c", "port=\(port)",
                                         "-c", "unix_socket_directories=\(dir)", "-c", "max_connections=200"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try! server.run()
        for _ in 0..<300 {
            let ready = Process()
            ready.executableURL = URL(fileURLWithPath: "\(bin)/pg_isready")
            ready.arguments = ["-q", "-h", "127.0.0.1", "-p", "\(port)"]
            try! ready.run()
            ready.waitUntilExit()
            if ready.terminationStatus == 0 { return }
            precondition(server.isRunning, "PostgreSQL did not start")
            Thread.sleep(forTimeInterval: 0.1)
        }
        preconditionFailure("PostgreSQL did not start in 30 s")
    }

    /// A new database's URL.
    func database(_ name: String) -> String {
        sh(["psql", "-h", "127.0.0.1", "-p", "\(port)", "-U", "vouch", "-d", "postgres", "-qc", "CREATE DATABASE \(name)"])
        return "postgres://vouch@127.0.0.1:\(port)/\(name)?sslmode=disable"
    }

    /// Fast shutdown (SIGINT: sessions ended, then a clean stop).
    func stop() {
        kill(server.processIdentifier, SIGINT)
        server.waitUntilExit()
    }

    /// The CPU seconds of the server so far: the postmaster and its processes (each
    /// connection's backend among them; a backend that has ended is not counted).
    func cpuSeconds() -> Double {
        let pid = server.processIdentifier
        let children = String(decoding: sh(["sh", "-c", "pgrep -P \(pid) || true"]), as: UTF8.self).split(separator: "\n")
        return children.reduce(processCPUSeconds(pid)) { $0 + processCPUSeconds(Int32($1) ?? 0) }
    }
}

/// A process's CPU seconds so far (user and system, from /proc; 0 when it is gone).
func processCPUSeconds(_ pid: Int32) -> Double {
    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
    let ticks = fields.count > 12 ? (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0) : 0  // utime, stime
    return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// nginx with one worker in `prefix` (made if missing), serving `servers` (the http
/// block's server and upstream blocks), in the foreground as our child: stopped with the run.
func runNginx(prefix: String, servers: String) -> Process {
    try! FileManager.default.createDirectory(atPath: prefix, withIntermediateDirectories: true)
    try! """
        worker_processes 1;
        error_log \(prefix)/error.log;
        pid \(prefix)/nginx.pid;
        events { worker_connections 4096; }
        http {
          access_log off;
          client_body_temp_path \(prefix)/body; proxy_temp_path \(prefix)/proxy; fastcgi_temp_path \(prefix)/fcgi;
          uwsgi_temp_path \(prefix)/uwsgi; scgi_temp_path \(prefix)/scgi;
        \(servers)
        }
        """.write(toFile: prefix + "/nginx.conf", atomically: true, encoding: .utf8)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["nginx", "-p", prefix, "-c", prefix + "/nginx.conf", "-g", "daemon off;"]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try! p.run()
    return p
}

/// nginx in front of `upstreams`, each a port list: one server block (a port of its own)
/// per list, round robin with kept connections. Returns the ports, in order.
func startNginx(dir: String, upstreams: [[Int]], basePort: Int) -> (Process, [Int]) {
    var blocks = "", ports: [Int] = []
    for (i, members) in upstreams.enumerated() {
        let port = basePort + i
        ports.append(port)
        blocks += """
              upstream u\(i) { \(members.map { "server 127.0.0.1:\($0);" }.joined(separator: " ")) keepalive 64; }
              server {
                listen 127.0.0.1:\(port);
                location / {
                  proxy_pass http://u\(i);
                  proxy_http_version 1.1;
                  proxy_set_header Connection "";
                  proxy_set_header X-SSL-Client-Cert $http_x_ssl_client_cert;
                }
              }

            """
    }
    let p = runNginx(prefix: dir, servers: blocks)
    Thread.sleep(forTimeInterval: 0.3)
    return (p, ports)
}

func clusterBench(vouch: String) {
    let c = makeChain("cluster", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
    let secs = smoke ? 1 : 10
    let base = 23_000 + Int(getpid() % 1000) * 10
    let pg = BenchPostgres(dir: dir.appendingPathComponent("cluster-pg").path, port: base)
    defer { pg.stop() }
    let url = pg.database("vouch_bench")
    func node(_ n: Int, _ more: [String]) -> ServeProcess {
        let d = dir.appendingPathComponent("cluster-node\(n)")
        return ServeProcess(vouch: vouch, dataDir: d.appendingPathComponent("data").path, tokenFile: d.appendingPathComponent("admin").path,
                            port: base + 1 + n, arguments: ["--trusted-proxy", "127.0.0.1/32"] + more)
    }
    // the SQLite node, and three on PostgreSQL sharing the first one's master key
    let single = node(0, [])
    let first = node(1, ["--database", url])
    let key = first.dataDir + "/master.key"
    let nodes = [first, node(2, ["--database", url, "--master-key-file", key]), node(3, ["--database", url, "--master-key-file", key])]
    for s in [single] + nodes { s.start() }
    defer { for s in [single] + nodes { s.stop() } }
    // one identity on each store (the PostgreSQL nodes share theirs)
    var ids: [String] = []
    for s in [single, first] {
        let id = s.identity("bench")
        s.post("/api/v1/auth/tls-cert-auth/identities/\(id)", ["caCertificate": c.root + c.int, "allowedCommonNames": "bench-leaf-*"])
        ids.append(id)
    }
    Thread.sleep(forTimeInterval: 1.5)  // the other nodes follow the change (LISTEN, or the 1 s check)
    let (proxy, ports) = startNginx(dir: dir.appendingPathComponent("cluster-nginx").path,
                                    upstreams: [[single.port], [nodes[0].port], nodes.prefix(2).map(\.port), nodes.map(\.port)],
                                    basePort: base + 5)
    defer {
        proxy.terminate()
        proxy.waitUntilExit()
    }
    let header = ["X-SSL-Client-Cert": c.leaf.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!]
    let scripts = ids.enumerated().map { i, id -> String in
        let path = dir.appendingPathComponent("cluster-login-\(i).lua").path
        wrkPostScript(path, body: #"{"identityId":"\#(id)"}"#, headers: header)
        return path
    }
    /// Requests/s through nginx's server block `k` (a login, or `path`), with the nodes' and
    /// the database's CPU per request.
    func run(_ k: Int, script: String, servers: [ServeProcess], path: String = "/api/v1/auth/tls-cert-auth/login")
        -> (WrkFigures, nodeCPU: Double, dbCPU: Double) {
        let login = "http://127.0.0.1:\(ports[k])" + path
        _ = wrk(login, script: script, seconds: 1, connections: 32)  // warm up: connections, caches
        let (n0, d0) = (servers.reduce(0) { $0 + $1.cpuSeconds() }, pg.cpuSeconds())
        let r = wrk(login, script: script, seconds: secs, connections: 32)
        let (n1, d1) = (servers.reduce(0) { $0 + $1.cpuSeconds() }, pg.cpuSeconds())
        precondition(r.non2xx == 0, "requests failed in the cluster benchmark")
        let total = max(r.rps * Double(secs), 1)
        return (r, (n1 - n0) / total * 1e6, (d1 - d0) / total * 1e6)
    }
    let sqlite = run(0, script: scripts[0], servers: [single])
    add("cluster_tls_login_sqlite_1_node_nginx", sqlite.0.rps, "-", nil,
        note: String(format: "wrk -c32 -> nginx (kept upstream connections) -> one node on SQLite, %ds; p50 %.2f ms, p99 %.2f ms; "
                     + "node CPU %.0f us per login", secs, sqlite.0.p50ms, sqlite.0.p99ms, sqlite.nodeCPU))
    // token uses (introspect: the token checked, one use counted by a conditional UPDATE),
    // a token with no use limit from one login on each store
    let useScripts = ids.enumerated().map { i, id -> String in
        let out = sh(["curl", "-s", "-H", "Content-Type: application/json", "-H", "X-SSL-Client-Cert: \(header["X-SSL-Client-Cert"]!)",
                      "--data-binary", #"{"identityId":"\#(id)"}"#, "http://127.0.0.1:\(ports[i == 0 ? 0 : 1])/api/v1/auth/tls-cert-auth/login"])
        let token = ((try? JSONSerialization.jsonObject(with: out)) as? [String: Any])?["accessToken"] as! String
        let path = dir.appendingPathComponent("cluster-use-\(i).lua").path
        wrkPostScript(path, body: "", headers: ["Authorization": "Bearer \(token)"])
        return path
    }
    let introspect = "/api/v1/auth/token/introspect"
    let sqliteUses = run(0, script: useScripts[0], servers: [single], path: introspect)
    add("cluster_token_use_sqlite_1_node_nginx", sqliteUses.0.rps, "-", nil,
        note: String(format: "POST %@ (one use counted) through nginx to one node on SQLite, %ds; p50 %.2f ms, p99 %.2f ms; "
                     + "node CPU %.0f us per use", introspect, secs, sqliteUses.0.p50ms, sqliteUses.0.p99ms, sqliteUses.nodeCPU))
    for n in [1, 3] {
        let r = run(n == 1 ? 1 : 3, script: useScripts[1], servers: Array(nodes.prefix(n)), path: introspect)
        add("cluster_token_use_postgres_\(n)_node\(n == 1 ? "" : "s")_nginx", r.0.rps, "one node on SQLite behind the same nginx",
            sqliteUses.0.rps,
            note: String(format: "POST %@ (one use counted: a conditional UPDATE) through nginx to %d node(s) on one PostgreSQL, "
                         + "%ds; p50 %.2f ms, p99 %.2f ms; CPU per use: nodes %.0f us, PostgreSQL %.0f us", introspect, n, secs,
                         r.0.p50ms, r.0.p99ms, r.nodeCPU, r.dbCPU))
    }
    for n in 1...3 {
        let r = run(n, script: scripts[1], servers: Array(nodes.prefix(n)))
        add("cluster_tls_login_postgres_\(n)_node\(n == 1 ? "" : "s")_nginx", r.0.rps, "one node on SQLite behind the same nginx",
            sqlite.0.rps,
            note: String(format: "wrk -c32 -> nginx -> %d node(s) on one PostgreSQL (this machine's cores shared by all), %ds; "
                         + "p50 %.2f ms, p99 %.2f ms; CPU per login: nodes %.0f us, PostgreSQL %.0f us", n, secs, r.0.p50ms,
                         r.0.p99ms, r.nodeCPU, r.dbCPU))
    }
}
