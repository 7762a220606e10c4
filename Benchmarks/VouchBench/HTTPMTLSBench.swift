// HTTPMTLSBench.swift: TLS certificate logins through Vouch's own mTLS listener, a new TLS
// connection per login (the way a workload that logs in now and then arrives), with the
// TLS session resumed (a session ticket) and with a full handshake each time. wrk cannot
// present a client certificate, so nginx does: wrk -> nginx (plain HTTP) -> Vouch (mTLS,
// `proxy_ssl_session_reuse on|off`, no upstream keep-alive). Each login row is next to
// the same path's GET /healthz (the connection's own cost); the server's CPU per login is
// read from /proc.
import Foundation

func httpMTLSBench(vouch: String, pkiDir: URL, secs: Int) {
    let c = makeChain("mtls", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
    func path(_ n: String) -> String { pkiDir.appendingPathComponent("mtls-\(n)").path }
    try! "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n"
        .write(toFile: path("server.ext"), atomically: true, encoding: .utf8)
    sh(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path("server.key")])
    sh(["openssl", "req", "-config", cnf, "-new", "-key", path("server.key"), "-subj", "/CN=127.0.0.1", "-out", path("server.csr")])
    sh(["openssl", "x509", "-req", "-in", path("server.csr"), "-CA", path("root.pem"), "-CAkey", path("root.key"), "-days", "20",
        "-extfile", path("server.ext"), "-out", path("server.pem"), "-set_serial", "77"])
    let port = 21_000 + Int(getpid() % 2000)
    let server = ServeProcess(vouch: vouch, dataDir: path("data"), tokenFile: path("admin"), port: port,
                              arguments: ["--tls-cert", path("server.pem"), "--tls-key", path("server.key")], caFile: path("root.pem"))
    server.start()
    defer { server.stop() }
    let id = server.identity("mtls")
    server.post("/api/v1/auth/tls-cert-auth/identities/\(id)", ["caCertificate": c.root + c.int, "allowedCommonNames": "bench-leaf-*"])

    // one nginx per mode, each its own prefix
    var nginxPorts: [String: Int] = [:]
    var proxies: [Process] = []
    defer {
        for p in proxies {
            p.terminate()
            p.waitUntilExit()
        }
    }
    for (i, mode) in ["on", "off"].enumerated() {
        let prefix = path("nginx-\(mode)")
        let listen = port + 1 + i
        let proxy = runNginx(prefix: prefix, servers: """
              server {
                listen 127.0.0.1:\(listen);
                location / {
                  proxy_pass https://127.0.0.1:\(port);
                  proxy_http_version 1.1;
                  proxy_set_header Connection close;
                  proxy_ssl_certificate \(path("leaf.pem"));
                  proxy_ssl_certificate_key \(path("leaf.key"));
                  proxy_ssl_trusted_certificate \(path("root.pem"));
                  proxy_ssl_session_reuse \(mode);
                }
              }
            """)
        proxies.append(proxy)
        nginxPorts[mode] = listen
    }
    Thread.sleep(forTimeInterval: 0.3)
    let script = path("login.lua")
    wrkPostScript(script, body: #"{"identityId":"\#(id)"}"#)
    for (mode, label) in [("on", "resumed"), ("off", "full_handshake")] {
        let url = "http://127.0.0.1:\(nginxPorts[mode]!)"
        _ = wrk(url + "/healthz", script: nil, seconds: 1, connections: 16)
        let ceiling = wrk(url + "/healthz", script: nil, seconds: secs, connections: 16)
        let t0 = server.cpuSeconds()
        let login = wrk(url + "/api/v1/auth/tls-cert-auth/login", script: script, seconds: secs, connections: 16)
        let cpu = server.cpuSeconds() - t0
        precondition(login.non2xx == 0, "mTLS logins failed in the benchmark")
        let perLogin = login.rps > 0 ? cpu / (login.rps * Double(secs)) * 1e6 : 0
        add("http_mtls_login_new_connection_\(label)_p256", login.rps, "the same path's GET /healthz (a new TLS connection each)",
            ceiling.rps,
            note: String(format: "wrk -c16 -> nginx (proxy_ssl_session_reuse %@, no upstream keep-alive) -> vouch mTLS, %ds; "
                         + "login p50 %.2f ms, p99 %.2f ms; server CPU %.0f us per login", mode, secs, login.p50ms, login.p99ms, perLogin))
    }
}
