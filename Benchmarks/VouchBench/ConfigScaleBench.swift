// ConfigScaleBench.swift: what the configuration costs as it grows, on the real `vouch
// serve` over HTTP (no TLS, as HTTPBench starts it):
// (a) one configuration write (TLS certificate auth attached to a new identity) with 10,
//     1,000 and 10,000 identities (each with TLS auth) already there, next to the same
//     write with 10;
// (b) 10,000 identities created with TLS auth through the API, 8 clients at once
//     (URLSession), next to the goal of under a minute;
// (c) start-up (process start until /healthz answers) with 100,000 identities with TLS
//     auth in the database, next to start-up with 10;
// (d) TLS logins (wrk) during a burst of configuration writes, next to the same logins alone.
// The database is seeded offline with Python's sqlite3 (standard library): rows copied
// from an identity and TLS auth the server itself wrote, with new ids and names, so they
// are in exactly the store's format. Every seeded identity trusts the same CA bundle.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The configuration benchmark's own calls on a server (plain HTTP on loopback).
extension ServeProcess {
    /// Copies the identity named `template` and its TLS auth `count` times (ids and names new).
    func seed(from template: String, count: Int) {
        guard count > 0 else { return }
        sh(["python3", "-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            n = int(sys.argv[3])
            iid, idoc = db.execute("SELECT id, doc FROM identities WHERE name = ?", (sys.argv[2],)).fetchone()
            adoc, = db.execute("SELECT doc FROM tls_cert_auth WHERE identity_id = ?", (iid,)).fetchone()
            aid, = db.execute("SELECT json_extract(?, '$.id')", (adoc,)).fetchone()
            name = '"%s"' % sys.argv[2]
            with db:
                for i in range(n):
                    new = "00000000-0000-4000-8000-%012d" % i
                    db.execute("INSERT INTO identities (id, name, doc) VALUES (?, ?, ?)",
                               (new, "seed-%d" % i, idoc.replace(iid, new).replace(name, '"seed-%d"' % i)))
                    db.execute("INSERT INTO tls_cert_auth (identity_id, doc) VALUES (?, ?)",
                               (new, adoc.replace(iid, new).replace(aid, "00000000-0000-4000-9000-%012d" % i)))
            db.close()
            """, dataDir + "/vouch.db", template, String(count)])
    }

    /// One admin request: the status and the JSON answer.
    func request(_ method: String, _ path: String, _ body: [String: String]) async -> (status: Int, json: [String: Any]) {
        var r = URLRequest(url: URL(string: base + path)!)
        r.httpMethod = method
        r.setValue("Bearer \(admin)", forHTTPHeaderField: "Authorization")
        r.setValue("application/json", forHTTPHeaderField: "Content-Type")
        r.httpBody = try! JSONSerialization.data(withJSONObject: body)
        guard let (data, response) = try? await ServeProcess.session.data(for: r) else { return (0, [:]) }
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
    }

    /// A new identity's id (nil when the call failed).
    func createIdentity(_ name: String) async -> String? {
        let (status, json) = await request("POST", "/api/v1/identities", ["name": name])
        return status == 200 ? (json["identity"] as? [String: Any])?["id"] as? String : nil
    }

    /// Attaches TLS certificate auth; true when the server took it.
    func attachTLS(_ id: String, ca: String) async -> Bool {
        await request("POST", "/api/v1/auth/tls-cert-auth/identities/\(id)", ["caCertificate": ca, "allowedCommonNames": "bench-leaf-*"]).status == 200
    }

    static let session: URLSession = {
        let c = URLSessionConfiguration.ephemeral
        c.httpMaximumConnectionsPerHost = 16
        c.timeoutIntervalForRequest = 600
        return URLSession(configuration: c)
    }()
}

/// Runs async work from the benchmark's synchronous top level.
func blocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var out: T?
    Task.detached {
        out = await body()
        done.signal()
    }
    done.wait()
    return out!
}

func configScaleBench(vouch: String) {
    let chain = makeChain("config", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
    let ca = chain.root + chain.int
    let sizes = smoke ? [10, 30, 100] : [10, 1_000, 10_000]
    let writes = smoke ? 3 : 15
    let creations = smoke ? 50 : 10_000
    let startupSize = smoke ? 300 : 100_000
    let wrkSeconds = smoke ? 1 : 10
    // (b) stops here, whatever it has made by then (the code before incremental snapshots
    // would take hours for 10,000)
    let cap = args.firstIndex(of: "--config-cap").map { Double(args[$0 + 1])! } ?? (smoke ? 60 : 600)
    var port = 20_000 + Int(getpid() % 2000)
    func server(_ name: String) -> ServeProcess {
        port += 1
        return ServeProcess(vouch: vouch, dir: dir, name: name, port: port)
    }

    /// A server whose database holds `size` identities with TLS auth; started, with its start-up time.
    func seeded(_ size: Int) -> (ServeProcess, startup: Double, loginId: String) {
        let s = server("config-\(size)")
        s.start()
        let id = blocking { await s.createIdentity("seedtemplate") }!
        precondition(blocking { await s.attachTLS(id, ca: ca) }, "attaching TLS auth failed")
        s.stop()
        s.seed(from: "seedtemplate", count: size - 1)
        return (s, s.start(), id)
    }

    /// The median seconds of `writes` writes: TLS auth attached to a new identity (the
    /// identity's creation is not timed: it is no configuration reload).
    func writeSeconds(_ s: ServeProcess) -> Double {
        let times = blocking { () -> [Double] in
            var t: [Double] = []
            for k in 0..<writes {
                guard let id = await s.createIdentity("write-\(k)") else { fatalError("creating an identity failed") }
                let t0 = Date()
                let attached = await s.attachTLS(id, ca: ca)
                precondition(attached, "attaching TLS auth failed")
                t.append(Date().timeIntervalSince(t0))
            }
            return t
        }
        return times.sorted()[times.count / 2]
    }

    // (a) and (c) at the sizes of (a), (d) at the largest
    var write10 = 0.0, startup10 = 0.0
    for size in sizes {
        let (s, startup, loginId) = seeded(size)
        defer { s.stop() }
        let w = writeSeconds(s)
        let label = size.description
        if size == sizes[0] {
            write10 = w
            startup10 = startup
            add("config_write_tls_attach_\(label)_identities", 1 / w, "-", nil,
                note: String(format: "writes per second; median of %d: %.2f ms per write (attach TLS auth to a new identity, HTTP)", writes, w * 1000))
        } else {
            add("config_write_tls_attach_\(label)_identities", 1 / w, "same write at \(sizes[0]) identities", 1 / write10,
                note: String(format: "writes per second; median of %d: %.2f ms per write, %.2f ms at %d identities", writes, w * 1000,
                             write10 * 1000, sizes[0]))
        }
        log(String(format: "  start-up with %d identities: %.2f s", size, startup))
        if size == sizes.last! {
            add("config_startup_\(label)_identities", 1 / startup, "start-up with \(sizes[0]) identities", 1 / startup10,
                note: String(format: "starts per second: %.2f s from process start to /healthz answering, %.2f s with %d", startup,
                             startup10, sizes[0]))
            loginsDuringWrites(s, loginId: loginId, ca: ca, leaf: chain.leaf, label: label, seconds: wrkSeconds)
        }
    }

    // (c) start-up at 100,000
    do {
        let (s, startup, _) = seeded(startupSize)
        s.stop()
        let label = startupSize.description
        add("config_startup_\(label)_identities", 1 / startup, "start-up with \(sizes[0]) identities", 1 / startup10,
            note: String(format: "starts per second: %.2f s from process start to /healthz answering (goal: under 5 s), %.2f s with %d",
                         startup, startup10, sizes[0]))
    }

    // (b) 10,000 identities with TLS auth through the API, 8 clients at once
    do {
        let s = server("config-create")
        s.start()
        defer { s.stop() }
        let clients = 8
        let (made, took) = blocking { () -> (Int, Double) in
            let t0 = Date()
            let made = await withTaskGroup(of: Int.self) { g in
                for c in 0..<clients {
                    g.addTask {
                        var n = 0
                        for k in stride(from: c, to: creations, by: clients) {
                            if Date().timeIntervalSince(t0) > cap { break }
                            guard let id = await s.createIdentity("create-\(k)") else { fatalError("creating an identity failed") }
                            let attached = await s.attachTLS(id, ca: ca)
                            precondition(attached, "attaching TLS auth failed")
                            n += 1
                        }
                        return n
                    }
                }
                return await g.reduce(0, +)
            }
            return (made, Date().timeIntervalSince(t0))
        }
        let label = creations.description
        add("config_create_\(label)_identities_with_tls_auth_http", Double(made) / took, "goal: \(label) in 60 s",
            Double(creations) / 60,
            note: String(format: "identities per second (create + attach TLS auth, %d URLSession clients at once): %d made in %.1f s%@",
                         clients, made, took, made < creations ? String(format: " (stopped at the %.0f s cap)", cap) : ""))
    }
}

/// (d) TLS logins through the trusted-proxy header (wrk, as HTTPBench), alone and while one
/// client writes configuration (TLS auth attached to new identities) back to back.
func loginsDuringWrites(_ s: ServeProcess, loginId: String, ca: String, leaf: String, label: String, seconds: Int) {
    let script = dir.appendingPathComponent("config-login.lua").path
    wrkPostScript(script, body: #"{"identityId":"\#(loginId)"}"#,
                  headers: ["X-SSL-Client-Cert": leaf.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!])
    let url = s.base + "/api/v1/auth/tls-cert-auth/login"
    _ = wrk(url, script: script, seconds: 1, connections: 32)  // warm up
    let alone = wrk(url, script: script, seconds: seconds, connections: 32)
    precondition(alone.non2xx == 0, "logins failed in the benchmark")
    // the writer runs for the length of the wrk run, then stops
    let writing = Task.detached { () -> Int in
        let t0 = Date()
        var n = 0
        while Date().timeIntervalSince(t0) < Double(seconds) {
            guard let id = await s.createIdentity("burst-\(n)") else { fatalError("creating an identity failed") }
            let attached = await s.attachTLS(id, ca: ca)
            precondition(attached, "attaching TLS auth failed")
            n += 1
        }
        return n
    }
    let during = wrk(url, script: script, seconds: seconds, connections: 32)
    let written = blocking { await writing.value }
    precondition(during.non2xx == 0, "logins failed during the writes")
    add("config_logins_during_writes_\(label)_identities", during.rps, "same logins without writes", alone.rps,
        note: String(format: "logins per second, wrk -t1 -c32 %ds: p50 %.2f ms, p99 %.2f ms during %d writes (%.1f/s); alone p50 %.2f ms, p99 %.2f ms",
                     seconds, during.p50ms, during.p99ms, written, Double(written) / Double(seconds), alone.p50ms, alone.p99ms))
}
