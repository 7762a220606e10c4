// ClusterHTTPTests.swift: several real `vouch serve` nodes on one real PostgreSQL database,
// with real nginx in front (Cluster.swift), over HTTP with real curl: nodes started together
// on an empty database, refused starts that change nothing, configuration changes followed
// within a second, a use limit exact across nodes, tokens good on every node, a node killed
// and the database restarted under load, a pool of one connection under load.
import Foundation
import VouchTestSupport
import XCTest

final class ClusterHTTPTests: XCTestCase {
    var pki: PKI!
    var root: Issued!
    var leaf: Issued!
    var workload: Workload!
    var nginxCert: Issued!
    /// Stopped in tearDown, whatever the test's outcome: clusters first, then servers.
    var clusters: [Cluster] = []
    var databaseServers: [PostgresServer] = []

    override func setUpWithError() throws {
        pki = try PKI()
        root = try pki.make("root")
        leaf = try pki.make("leaf", subject: "/CN=api-workload", issuer: root, profile: .client)
        workload = Workload(cert: leaf.certPath, key: leaf.keyPath, pem: String(decoding: leaf.pem, as: UTF8.self))
        nginxCert = try pki.make("nginx", issuer: root, extensions: """
            basicConstraints=critical,CA:FALSE
            keyUsage=critical,digitalSignature
            extendedKeyUsage=serverAuth
            subjectAltName=IP:127.0.0.1
            """)
    }

    override func tearDown() {
        for c in clusters { c.stop() }
        for s in databaseServers { s.destroy() }
        pki = nil  // its directory goes with it (XCTest keeps the test case itself)
    }

    func cluster(postgres: PostgresServer? = nil) throws -> Cluster {
        let c = try Cluster(postgres: postgres)
        clusters.append(c)
        return c
    }

    // MARK: admin calls

    /// Creates an identity on the node at `base` and attaches TLS certificate auth trusting the test
    /// root (with `settings`: the token's TTLs, use limit); its id.
    func identityWithTLSAuth(on base: String, admin: String, _ settings: [String: Any] = [:]) throws -> String {
        let created = try curl("POST", base + "/api/v1/identities", json: ["name": "w-\(UUID().uuidString.prefix(8))"], token: admin)
        XCTAssertEqual(created.status, 200, created.body)
        let id = try XCTUnwrap((created.json["identity"] as? [String: Any])?["id"] as? String, created.body)
        var body = settings
        body["caCertificate"] = String(decoding: root.pem, as: UTF8.self)
        let attached = try curl("POST", base + "/api/v1/auth/tls-cert-auth/identities/\(id)", json: body, token: admin)
        XCTAssertEqual(attached.status, 200, attached.body)
        return id
    }

    /// Asks each node in turn until `done` says it has followed a change, until one second
    /// after `since` (when the admin call that made the change returned): a node whose
    /// answer is not there by then fails the test, with its last answer and the time taken.
    func assertFollowWithinOneSecond(
        _ what: String, since: Date, _ nodes: [String: ServerProcess], probe: (ServerProcess) throws -> CurlResult,
        done: (CurlResult) -> Bool, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        var pending = nodes, last: [String: CurlResult] = [:]
        repeat {
            for (name, node) in pending.sorted(by: { $0.key < $1.key }) {
                let r = try probe(node)
                let elapsed = Date().timeIntervalSince(since)
                if done(r), elapsed <= 1 { pending[name] = nil }
                last[name] = r
            }
        } while !pending.isEmpty && Date().timeIntervalSince(since) <= 1
        for name in pending.keys.sorted() {
            let r = last[name]
            XCTFail("\(what): node \(name) had not followed one second after the change (waited \(String(format: "%.3f", Date().timeIntervalSince(since))) s); "
                    + "its last answer: \(r?.status ?? 0) \(r?.body ?? "")", file: file, line: line)
        }
    }

    // MARK: 1. starting

    /// Two nodes started at the same moment on an empty database (with the same master
    /// key) both come up, one admin token file is written, and both serve one key set. A
    /// node with no master key, or another one, is refused (exit status 2) and changes nothing.
    func testNodesStartedTogetherShareOneSetUpAndWrongKeysAreRefused() throws {
        let c = try cluster()
        try c.writeMasterKey()
        let pair = try c.startTogether(2)
        XCTAssertEqual(c.adminTokenFiles.count, 1, "exactly one node writes the admin token file: \(c.adminTokenFiles)")
        XCTAssertEqual(pair.filter { FileManager.default.fileExists(atPath: $0.dataDir + "/admin.token") }.count, 1)
        for s in pair {
            let files = try FileManager.default.contentsOfDirectory(atPath: s.dataDir)
            XCTAssertFalse(files.contains { $0.hasSuffix(".new") }, "no file left half-made: \(files)")
        }
        let admin = try c.adminToken()
        let keySets = try pair.map { try curl("GET", $0.base + "/.well-known/jwks.json") }
        for k in keySets { XCTAssertEqual(k.status, 200, k.body) }
        let keys = try XCTUnwrap(keySets[0].json["keys"] as? [[String: Any]], keySets[0].body)
        XCTAssertEqual(keys.count, 1, keySets[0].body)
        XCTAssertEqual(keySets[0].body, keySets[1].body, "both nodes sign with the one key")
        for s in pair { XCTAssertEqual(try curl("GET", s.base + "/api/v1/identities", token: admin).status, 200, "the admin token works on every node") }
        _ = try identityWithTLSAuth(on: pair[0].base, admin: admin)

        let before = try c.dump()
        XCTAssertTrue(before.contains("token_signing_key") && before.contains("admin_token_sha256"), before)
        let absent = c.dir + "/absent.key"
        let keyless = c.node(masterKeyFile: absent)
        try keyless.launch()
        XCTAssertEqual(keyless.exitStatus(), 2, keyless.log)
        XCTAssertTrue(keyless.log.contains("master_key_missing"), keyless.log)
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: c.dir).contains { $0.hasPrefix("absent.key") },
                       "no key made for a database set up with another")
        XCTAssertEqual(try c.dump(), before, "a node without the key changes nothing")

        let other = c.dir + "/other.key"
        try Cluster.writeKey(to: other)
        let stranger = c.node(masterKeyFile: other)
        try stranger.launch()
        XCTAssertEqual(stranger.exitStatus(), 2, stranger.log)
        XCTAssertTrue(stranger.log.contains("master_key_mismatch"), stranger.log)
        XCTAssertFalse(FileManager.default.fileExists(atPath: stranger.dataDir + "/admin.token"))
        XCTAssertEqual(try c.dump(), before, "a node with another key changes nothing")
        XCTAssertEqual(try curl("GET", pair[1].base + "/.well-known/jwks.json").body, keySets[0].body)
    }

    /// Nodes given one master key path and one admin token path (a shared volume), neither
    /// there yet, started at the same moment: one sets the database up, any other may be
    /// refused, and the files left are the key the database was set up with (a node started
    /// with it comes up) and the admin token that works, with nothing else beside them.
    func testNodesSharingKeyAndTokenPathsStartedTogetherLeaveTheWinnersFiles() throws {
        let c = try cluster()
        let shared = c.dir + "/shared"
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let (key, token) = (shared + "/master.key", shared + "/admin.token")
        let group = (0..<3).map { _ in c.node(masterKeyFile: key, adminTokenFile: token) }
        for s in group { try s.launch() }
        let up = group.filter { (try? $0.waitUntilListening()) != nil }
        XCTAssertGreaterThanOrEqual(up.count, 1, group.map(\.log).joined(separator: "\n"))
        // a node that made a key too late is refused, and so is one that came after the
        // database took a key but before the key file was in place
        for s in group where !up.contains(where: { $0 === s }) {
            XCTAssertEqual(s.exitStatus(), 2)
            XCTAssertTrue(s.log.contains("master_key_mismatch") || s.log.contains("master_key_missing"), s.log)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: shared).sorted(), ["admin.token", "master.key"])
        let admin = try String(contentsOfFile: token, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        for s in up { XCTAssertEqual(try curl("GET", s.base + "/api/v1/identities", token: admin).status, 200, "the admin token file's token works") }
        let later = c.node(masterKeyFile: key, adminTokenFile: token)
        XCTAssertNoThrow(try later.start(), "the key file left opens the database: \(later.log)")
    }

    /// Nodes each with a key of their own (none given), started at the same moment on an
    /// empty database: one sets the database up and comes up with the admin token file;
    /// the other is refused (master_key_mismatch, or master_key_missing when it came after
    /// the key was set) having set nothing, an admin token among it. Tried a few times: which node gets where first varies.
    func testNodesWithKeysOfTheirOwnStartedTogetherLeaveTheAdminTokenWithTheOneThatRuns() throws {
        for trial in 1...4 {
            let c = try cluster()
            let pair = (1...2).map { _ in c.node(masterKeyFile: c.dir + "/node\(c.nodes.count + 1)/master.key") }
            for s in pair { try s.launch() }
            let up = pair.filter { (try? $0.waitUntilListening()) != nil }
            XCTAssertEqual(up.count, 1, "trial \(trial): " + pair.map(\.log).joined(separator: "\n"))
            for s in pair {
                let hasToken = FileManager.default.fileExists(atPath: s.dataDir + "/admin.token")
                if up.contains(where: { $0 === s }) {
                    XCTAssertTrue(hasToken, "trial \(trial): the node that runs holds the admin token file")
                    guard hasToken else { continue }
                    let admin = try String(contentsOfFile: s.dataDir + "/admin.token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                    XCTAssertEqual(try curl("GET", s.base + "/api/v1/identities", token: admin).status, 200)
                } else {
                    XCTAssertEqual(s.exitStatus(), 2)
                    XCTAssertTrue(s.log.contains("master_key_mismatch") || s.log.contains("master_key_missing"), s.log)
                    XCTAssertFalse(hasToken, "trial \(trial): the refused node set no admin token")
                }
            }
            c.stop()
        }
    }

    // MARK: 2. configuration followed

    /// An identity's auth made on A logs in on B and C within a second; a CRL pushed on B
    /// refuses the certificate on A and C, and the auth deleted on C on A and B, each within
    /// a second and with the refusal the node that made the change gives.
    func testConfigurationChangesAreFollowedWithinOneSecond() throws {
        let c = try cluster()
        let n = try c.start(3)
        let (a, b, cc) = (n[0], n[1], n[2])
        let admin = try c.adminToken()
        let w = workload!
        let id = try identityWithTLSAuth(on: a.base, admin: admin)
        try assertFollowWithinOneSecond("auth attached on A", since: Date(), ["B": b, "C": cc],
                                        probe: { try w.login($0.base, id) }, done: { $0.status == 200 })
        let issued = try w.login(a.base, id)
        XCTAssertEqual(issued.status, 200, issued.body)
        let token = try XCTUnwrap(issued.json["accessToken"] as? String)

        try pki.revoke(leaf, by: root)
        let pushed = try curl("POST", b.base + "/v1/auth/cert/crls/root", json: ["crl": String(decoding: try pki.crl(of: root), as: UTF8.self)],
                              vaultToken: admin)
        let afterCRL = Date()
        XCTAssertEqual(pushed.status, 204, pushed.body)
        let onB = try w.login(b.base, id)
        XCTAssertEqual(onB.errorCode, "revoked", "the node the CRL was pushed to refuses at once: \(onB.body)")
        try assertFollowWithinOneSecond("CRL pushed on B", since: afterCRL, ["A": a, "C": cc],
                                        probe: { try w.login($0.base, id) }, done: { $0.status == 401 && $0.errorCode == "revoked" })

        let deleted = try curl("DELETE", cc.base + "/api/v1/auth/tls-cert-auth/identities/\(id)", token: admin)
        let afterDelete = Date()
        XCTAssertEqual(deleted.status, 200, deleted.body)
        let onC = try w.login(cc.base, id)
        XCTAssertEqual(onC.status, 404, onC.body)
        XCTAssertEqual(onC.errorCode, "auth_method_not_found")
        try assertFollowWithinOneSecond("auth deleted on C", since: afterDelete, ["A": a, "B": b], probe: { try w.login($0.base, id) },
                                        done: { $0.status == onC.status && $0.errorCode == onC.errorCode })
        // the tokens the auth issued went with it, on every node
        for s in [a, b, cc] {
            let use = try curl("POST", s.base + "/api/v1/auth/token/introspect", token: token)
            XCTAssertEqual(use.status, 401, use.body)
            XCTAssertEqual(use.errorCode, "invalid_token")
        }
    }

    // MARK: 3. use limit

    /// 200 uses at once of a token limited to 50, spread by nginx over three nodes: exactly
    /// 50 pass, 150 are refused as exhausted, and every node answered some.
    func testUseLimitIsExactAcrossNodes() throws {
        let c = try cluster()
        let n = try c.start(3)
        let nginx = try c.balance(n, cert: nginxCert.certPath, key: nginxCert.keyPath)
        let admin = try c.adminToken()
        let id = try identityWithTLSAuth(on: n[0].base, admin: admin, ["accessTokenNumUsesLimit": 50])
        let login = try workload.login(n[0].base, id)
        let token = try XCTUnwrap(login.json["accessToken"] as? String, login.body)

        let answers = try parallel(200, "POST", "https://127.0.0.1:\(nginx.port)/api/v1/auth/token/introspect",
                                   ["-H", "Authorization: Bearer \(token)"])
        XCTAssertEqual(answers.count, 200)
        XCTAssertEqual(answers.filter { $0.status == 200 }.count, 50, "exactly the limit passes")
        XCTAssertEqual(answers.filter { $0.status == 403 && $0.errorCode == "token_uses_exhausted" }.count, 150,
                       "the rest are refused as exhausted: \(Dictionary(grouping: answers, by: { "\($0.status) \($0.errorCode ?? "")" }).mapValues(\.count))")
        XCTAssertEqual(Set(answers.filter { $0.status == 200 }.compactMap { $0.json["numUses"] as? Int }), Set(1...50), "each use counted once")

        // each node's own count of the uses it answered: all three answered some, 200 in all
        var passed = 0, refused = 0
        for (i, s) in n.enumerated() {
            let text = try curl("GET", s.base + "/metrics").body
            let ok = metric(text, #"vouch_token_uses_total{outcome="ok"}"#)
            let exhausted = metric(text, #"vouch_token_uses_total{outcome="token_uses_exhausted"}"#)
            XCTAssertGreaterThan(ok + exhausted, 0, "nginx sent node \(i + 1) some of the uses")
            passed += ok
            refused += exhausted
        }
        XCTAssertEqual(passed, 50)
        XCTAssertEqual(refused, 150)
        XCTAssertEqual(try curl("POST", n[1].base + "/api/v1/auth/token/introspect", token: token).errorCode, "token_uses_exhausted")
    }

    // MARK: 4. tokens on every node

    /// A token issued by any node is good on every node; revoked on one, the next use on
    /// any other is refused; renewed on others, it never outlives its max TTL.
    func testTokensWorkOnEveryNodeAndRevocationAndMaxTTLHoldEverywhere() throws {
        let c = try cluster()
        let n = try c.start(3)
        let admin = try c.adminToken()
        let w = workload!
        // TTL 10 s, max TTL 11 s: renewed two seconds after login, the max TTL caps it (9 s
        // left at most, where the TTL alone would give 10)
        let short = try identityWithTLSAuth(on: n[0].base, admin: admin, ["accessTokenTTL": 10, "accessTokenMaxTTL": 11])
        let id = try identityWithTLSAuth(on: n[0].base, admin: admin)
        try assertFollowWithinOneSecond("auth attached", since: Date(), ["2": n[1], "3": n[2]], probe: { try w.login($0.base, short) },
                                        done: { $0.status == 200 })
        let shortLogin = try w.login(n[0].base, short)
        let loggedIn = Date()
        XCTAssertEqual(shortLogin.json["expiresIn"] as? Int, 10, shortLogin.body)
        let shortToken = try XCTUnwrap(shortLogin.json["accessToken"] as? String, shortLogin.body)

        var tokens: [String] = []
        for s in n {
            let r = try w.login(s.base, id)
            XCTAssertEqual(r.status, 200, r.body)
            tokens.append(try XCTUnwrap(r.json["accessToken"] as? String, r.body))
        }
        for (i, token) in tokens.enumerated() {
            for (j, s) in n.enumerated() {
                let r = try curl("POST", s.base + "/api/v1/auth/token/introspect", token: token)
                XCTAssertEqual(r.status, 200, "token of node \(i + 1) on node \(j + 1): \(r.body)")
                XCTAssertEqual(r.json["identityId"] as? String, id)
                XCTAssertEqual(r.json["numUses"] as? Int, j + 1, "one count of uses, whichever node")
            }
        }
        let revoked = try curl("POST", n[0].base + "/api/v1/auth/token/revoke", json: ["accessToken": tokens[1]])
        XCTAssertEqual(revoked.status, 200, revoked.body)
        for (j, s) in n.enumerated() {
            let r = try curl("POST", s.base + "/api/v1/auth/token/introspect", token: tokens[1])
            XCTAssertEqual(r.status, 401, "node \(j + 1): \(r.body)")
            XCTAssertEqual(r.errorCode, "token_revoked", "node \(j + 1)")
        }
        XCTAssertEqual(try curl("POST", n[2].base + "/api/v1/auth/token/renew", json: ["accessToken": tokens[1]]).errorCode, "token_revoked")
        XCTAssertEqual(try curl("POST", n[2].base + "/api/v1/auth/token/introspect", token: tokens[0]).status, 200, "the others are untouched")

        Thread.sleep(forTimeInterval: max(0, 2.1 - Date().timeIntervalSince(loggedIn)))
        for s in [n[1], n[2]] {
            let renewed = try curl("POST", s.base + "/api/v1/auth/token/renew", json: ["accessToken": shortToken])
            XCTAssertEqual(renewed.status, 200, renewed.body)
            let left = renewed.json["expiresIn"] as? Int ?? 99
            XCTAssertTrue((1...9).contains(left), "renewed on another node, capped by the max TTL (11 s from login): \(left) s left")
            XCTAssertEqual(renewed.json["accessTokenMaxTTL"] as? Int, 11)
        }
        let seen = try curl("POST", n[0].base + "/api/v1/auth/token/introspect", token: shortToken)
        XCTAssertTrue((1...9).contains(seen.json["expiresIn"] as? Int ?? 99), "the node that issued it sees the capped expiry: \(seen.body)")
    }

    // MARK: 5. a node killed

    /// Logins through nginx from three clients for eight seconds, identities created and
    /// tokens revoked through nginx meanwhile; node 2 killed (SIGKILL) halfway. Only
    /// requests in flight at the kill may fail (502); everything after it succeeds; every
    /// acknowledged identity is on the surviving nodes and every acknowledged revocation holds.
    func testKilledNodeLosesOnlyRequestsInFlight() throws {
        let c = try cluster()
        let n = try c.start(3)
        let nginx = try c.balance(n, cert: nginxCert.certPath, key: nginxCert.keyPath)
        let admin = try c.adminToken()
        let w = workload!
        let id = try identityWithTLSAuth(on: n[0].base, admin: admin)
        try assertFollowWithinOneSecond("auth attached", since: Date(), ["2": n[1], "3": n[2]], probe: { try w.login($0.base, id) },
                                        done: { $0.status == 200 })
        let toRevoke = try (0..<12).map { _ in try XCTUnwrap(try w.login(n[0].base, id).json["accessToken"] as? String) }

        let front = "https://127.0.0.1:\(nginx.port)"
        let load = Load(seconds: 8)
        load.run("login", workers: 3) { _ in try w.loginTLS(front, id) }
        load.run("create", workers: 1, pause: 0.1) { i in
            try curl("POST", front + "/api/v1/identities", json: ["name": "during-kill-\(i)"], token: admin)
        }
        load.run("revoke", workers: 1, pause: 0.5, times: toRevoke.count) { i in
            try curl("POST", front + "/api/v1/auth/token/revoke", json: ["accessToken": toRevoke[i]])
        }
        Thread.sleep(forTimeInterval: 4)
        let servedBefore = metric(try curl("GET", n[1].base + "/metrics").body, #"vouch_logins_total{method="tls-cert-auth",outcome="allowed"}"#)
        let killStarted = load.now()
        n[1].kill()
        let killed = load.now()
        let answers = load.wait()
        XCTAssertGreaterThan(servedBefore, 0, "node 2 took part before it was killed")

        let inFlight = answers.filter { $0.sent <= killed && $0.answered >= killStarted }
        let logins = answers.filter { $0.kind == "login" }
        let failed = answers.filter { $0.status != 200 }
        for a in failed {
            XCTAssertEqual(a.status, 502, "\(a.kind) sent at \(a.sent) s: only a request cut off by the kill may fail: \(a.status) \(a.body)")
            XCTAssertTrue(a.sent <= killed && a.answered >= killStarted,
                          "\(a.kind) failed at \(a.answered) s, not in flight at the kill (\(killStarted)–\(killed) s)")
        }
        XCTAssertLessThanOrEqual(failed.count, inFlight.count)
        XCTAssertLessThanOrEqual(failed.filter { $0.kind == "login" }.count, 3, "at most one login a client was in flight")
        let after = logins.filter { $0.sent > killed }
        XCTAssertGreaterThan(after.count, 10, "logins went on after the kill")
        XCTAssertEqual(after.filter { $0.status == 200 }.count, after.count, "every login after the kill succeeds")
        XCTAssertGreaterThan(logins.filter { $0.status == 200 }.count, 50)

        let survivors = [n[0], n[2]]
        let created = answers.filter { $0.kind == "create" && $0.status == 200 }
            .compactMap { ($0.json["identity"] as? [String: Any])?["id"] as? String }
        XCTAssertGreaterThan(created.count, 20)
        for s in survivors {
            let listed = try curl("GET", s.base + "/api/v1/identities", token: admin)
            let ids = Set(((listed.json["identities"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String })
            XCTAssertTrue(Set(created).isSubset(of: ids), "every acknowledged identity is there: \(Set(created).subtracting(ids))")
            for i in created.prefix(3) + created.suffix(3) {
                XCTAssertEqual(try curl("GET", s.base + "/api/v1/identities/\(i)", token: admin).status, 200)
            }
        }
        let revoked = answers.filter { $0.kind == "revoke" && $0.status == 200 }
        XCTAssertGreaterThanOrEqual(revoked.count, toRevoke.count - 1, "revocations went on across the kill")
        for r in revoked {
            for s in survivors {
                let use = try curl("POST", s.base + "/api/v1/auth/token/introspect", token: toRevoke[r.index])
                XCTAssertEqual(use.errorCode, "token_revoked", "revocation \(r.index), acknowledged at \(r.answered) s: \(use.body)")
            }
        }
    }

    // MARK: 6. the database restarted

    /// PostgreSQL stopped (fast shutdown) under logins and token uses, and started again on
    /// the same port and data 6.5 s later: longer than a request waits for a connection (5 s),
    /// so both outcomes are seen. A request that waits past that while the database is down
    /// is answered 503 database_unavailable; one still waiting when it is back passes. Never
    /// a 500, never a revoked token passing. Afterwards the nodes recover on their own, and
    /// a change made on one reaches the other.
    func testDatabaseRestartIsAnsweredUnavailableThenRecovered() throws {
        let pg = try PostgresServer()
        databaseServers.append(pg)
        let c = try cluster(postgres: pg)
        let n = try c.start(2)
        let admin = try c.adminToken()
        let w = workload!
        let id = try identityWithTLSAuth(on: n[0].base, admin: admin)
        try assertFollowWithinOneSecond("auth attached", since: Date(), ["2": n[1]], probe: { try w.login($0.base, id) },
                                        done: { $0.status == 200 })
        let good = try XCTUnwrap(try w.login(n[0].base, id).json["accessToken"] as? String)
        let bad = try XCTUnwrap(try w.login(n[1].base, id).json["accessToken"] as? String)
        XCTAssertEqual(try curl("POST", n[0].base + "/api/v1/auth/token/revoke", json: ["accessToken": bad]).status, 200)

        let bases = n.map(\.base)
        let load = Load(seconds: 11)
        let requests: [String: @Sendable (Int) throws -> CurlResult] = [
            "login": { i in try w.login(bases[i % 2], id) },
            "use": { i in try curl("POST", bases[i % 2] + "/api/v1/auth/token/introspect", token: good) },
            "revoked": { i in try curl("POST", bases[i % 2] + "/api/v1/auth/token/introspect", token: bad) },
        ]
        for (kind, request) in requests { load.run(kind, workers: kind == "login" ? 2 : 1, pause: 0.05, request) }
        Thread.sleep(forTimeInterval: 1)
        let down = load.now()  // from the moment the shutdown begins
        pg.stop()
        // one of each sent to each node once the database is down: each waits 5 s for a
        // connection, before the restart
        Thread.sleep(forTimeInterval: 0.3)
        for (kind, request) in requests { load.run("down " + kind, workers: 2, times: 2, request) }
        Thread.sleep(forTimeInterval: 6.2)
        let restarting = load.now()
        try pg.start()
        let answers = load.wait()

        for a in answers {
            let unavailable = a.status == 503 && a.errorCode == "database_unavailable"
            switch a.kind.split(separator: " ").last {
            case "revoked":
                XCTAssertTrue(unavailable || (a.status == 401 && a.errorCode == "token_revoked"),
                              "a revoked token at \(a.sent) s: \(a.status) \(a.body)")
            default:
                XCTAssertTrue(unavailable || a.status == 200, "\(a.kind) at \(a.sent) s: \(a.status) \(a.body)")
            }
        }
        let whileDown = answers.filter { $0.sent >= down && $0.answered <= restarting }
        for a in whileDown {
            XCTAssertEqual(a.status, 503, "\(a.kind) sent at \(a.sent) s, answered at \(a.answered) s while the database was down: \(a.body)")
            XCTAssertEqual(a.errorCode, "database_unavailable")
        }
        for kind in requests.keys {
            XCTAssertEqual(whileDown.filter { $0.kind == "down " + kind }.count, 2,
                           "\(kind) sent while the database was down are answered before it is back (down \(down)–\(restarting) s)")
        }

        // recovered on their own: logins pass again on both nodes
        let restarted = Date()
        for (i, s) in n.enumerated() {
            var r = try w.login(s.base, id)
            while r.status != 200 && Date().timeIntervalSince(restarted) < 10 {
                Thread.sleep(forTimeInterval: 0.1)
                r = try w.login(s.base, id)
            }
            XCTAssertEqual(r.status, 200, "node \(i + 1) recovered within 10 s of the restart: \(r.body)")
        }
        XCTAssertEqual(try curl("POST", n[1].base + "/api/v1/auth/token/introspect", token: bad).errorCode, "token_revoked")
        // a change made now on node 1 reaches node 2 (LISTEN again, or the check every second)
        let later = try identityWithTLSAuth(on: n[0].base, admin: admin)
        try assertFollowWithinOneSecond("auth attached after the restart", since: Date(), ["2": n[1]], probe: { try w.login($0.base, later) },
                                        done: { $0.status == 200 })
    }

    // MARK: 7. a pool of one

    /// A node with one database connection under 50 logins at once answers each 200 or
    /// 503 database_unavailable, never a 500, and logs in afterwards.
    func testPoolOfOneConnectionUnderConcurrentLogins() throws {
        let c = try cluster()
        let node = try c.start(1, ["--database-pool-size", "1"])[0]
        let id = try identityWithTLSAuth(on: node.base, admin: try c.adminToken())
        let answers = try parallel(50, "POST", node.base + "/api/v1/auth/tls-cert-auth/login",
                                   ["-H", workload.header, "-H", "Content-Type: application/json", "-d", #"{"identityId":"\#(id)"}"#])
        XCTAssertEqual(answers.count, 50)
        for a in answers {
            XCTAssertTrue(a.status == 200 || (a.status == 503 && a.errorCode == "database_unavailable"), "\(a.status) \(a.body)")
        }
        XCTAssertGreaterThan(answers.filter { $0.status == 200 }.count, 0)
        XCTAssertEqual(try workload.login(node.base, id).status, 200, "logins go on afterwards")
    }

    // MARK: helpers

    /// `count` requests at once from one curl (-Z): each one's status and body.
    func parallel(_ count: Int, _ method: String, _ url: String, _ args: [String]) throws -> [CurlResult] {
        let dir = pki.dir.appendingPathComponent("parallel-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var a = ["curl", "-s", "-k", "-X", method, "-w", "%{http_code} %{filename_effective}\n", "-Z", "--parallel-max", "\(count)",
                 "--parallel-immediate"] + args
        for i in 0..<count { a += ["-o", "\(dir)/\(i)", url] }
        return String(decoding: try PKI.run(a), as: UTF8.self).split(separator: "\n").map { line in
            let parts = line.split(separator: " ", maxSplits: 1)
            let body = parts.count == 2 ? (try? String(contentsOfFile: String(parts[1]), encoding: .utf8)) ?? "" : ""
            return CurlResult(status: Int(parts.first ?? "") ?? 0, body: body)
        }
    }

    /// The value of one series in a node's /metrics text (0 when absent).
    func metric(_ text: String, _ series: String) -> Int {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Int(Double($0.split(separator: " ").last ?? "") ?? 0) } ?? 0
    }
}

/// The client certificate a workload logs in with: straight to a node in the header a
/// trusted proxy sets, or through nginx over TLS.
struct Workload: Sendable {
    let cert: String
    let key: String
    let pem: String

    var header: String { "X-SSL-Client-Cert: " + (pem.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") }

    func login(_ base: String, _ id: String) throws -> CurlResult {
        try curl("POST", base + "/api/v1/auth/tls-cert-auth/login", json: ["identityId": id], headers: [header])
    }

    func loginTLS(_ base: String, _ id: String) throws -> CurlResult {
        try curl("POST", base + "/api/v1/auth/tls-cert-auth/login", json: ["identityId": id], args: ["--cert", cert, "--key", key])
    }
}

/// Requests sent over and over from threads of their own for a fixed time, each answer
/// kept with when it was sent and answered (seconds since the load began).
final class Load: @unchecked Sendable {
    struct Answer {
        let kind: String
        /// Which request of its kind (0, 1, ...), in the order they were sent.
        let index: Int
        let sent: Double
        let answered: Double
        let status: Int
        let body: String
        var json: [String: Any] { CurlResult(status: status, body: body).json }
        var errorCode: String? { CurlResult(status: status, body: body).errorCode }
    }

    private let began = Date()
    private let seconds: Double
    private let group = DispatchGroup()
    private let lock = NSLock()
    private var answers: [Answer] = []
    private var counters: [String: Int] = [:]

    init(seconds: Double) { self.seconds = seconds }

    func now() -> Double { Date().timeIntervalSince(began) }

    /// Runs `request` (given its index) on `workers` threads until the time is up or
    /// `times` requests of this kind were sent, `pause` seconds between two of a thread.
    func run(_ kind: String, workers: Int, pause: Double = 0, times: Int = .max,
             _ request: @escaping @Sendable (Int) throws -> CurlResult) {
        for _ in 0..<workers {
            // a thread of its own each (a dispatch queue adds threads for blocked work only
            // slowly: a worker would start late)
            group.enter()
            Thread { [self] in
                defer { group.leave() }
                while now() < seconds {
                    let index: Int? = lock.withLock {
                        let i = counters[kind, default: 0]
                        guard i < times else { return nil }
                        counters[kind] = i + 1
                        return i
                    }
                    guard let index else { return }
                    let sent = now()
                    let r = (try? request(index)) ?? CurlResult(status: 0, body: "curl failed")
                    let answer = Answer(kind: kind, index: index, sent: sent, answered: now(), status: r.status, body: r.body)
                    lock.withLock { answers.append(answer) }
                    if pause > 0 { Thread.sleep(forTimeInterval: pause) }
                }
            }.start()
        }
    }

    /// Waits for every thread to stop; the answers, in the order they came.
    func wait() -> [Answer] {
        group.wait()
        return lock.withLock { answers }
    }
}
