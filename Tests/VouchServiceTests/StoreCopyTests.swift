// StoreCopyTests.swift: copying a whole deployment from one store to another (StoreCopy), on
// a real PostgreSQL server: an SQLite store filled through the service itself (identities
// with every kind of auth, a Vault mount, a cert role and a CRL, a policy, an SSH CA with a
// certificate and a revocation, tokens used, revoked and expired) copied into a new database,
// every table's rows compared, the configuration a node loads compared, and a service started
// on the copy with the source's master key; a target that holds anything refused unchanged;
// and back from PostgreSQL into a new SQLite file.
import Foundation
@testable import VouchService
import VouchCore
import VouchTestSupport
import XCTest

final class StoreCopyTests: XCTestCase {
    var dir: URL!
    var stores: [PostgresStore] = []

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("vouch-copy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() async throws {
        for s in stores { await s.shutdown() }
        stores = []
        if let dir { try? FileManager.default.removeItem(at: dir) }
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// A store on a new, empty database of the shared test server.
    func freshPostgres() async throws -> (store: PostgresStore, db: (server: PostgresServer, name: String, url: String)) {
        let db = try PostgresServer.freshDatabase()
        let s = try await PostgresStore(url: db.url)
        stores.append(s)
        return (s, db)
    }

    /// What the service made, to look for after the copy.
    struct Filled {
        var usedToken: String
        var revokedToken: String
        var expiredTokenId: String
        var kubernetesIdentity: String
    }

    /// Fills the fixture's store through the service, as a deployment would have been.
    func fill(_ f: Fixture) async throws -> Filled {
        let v = f.vouch
        let pki = try PKI()
        let root = try pki.make("root")
        try await v.putPolicy("ssh-templates", text: #"path "sys/ssh/templates/+/sign" { capabilities = ["update"] }"#, remote: nil)

        // a JWT identity (static key) whose logins make the tokens
        let keyPEM = path("issuer.pem")
        try PKI.run(["openssl", "genpkey"] + KeyType.p256.genpkeyArgs + ["-out", keyPEM])
        let jwtIdentity = try await v.createIdentity(name: "ci", role: "deployer", policies: ["ssh-templates"], remote: nil).id
        var jwt = JWTAuthInput()
        jwt.configurationType = "static"
        jwt.publicKeys = [String(decoding: try PKI.run(["openssl", "pkey", "-in", keyPEM, "-pubout"]), as: UTF8.self)]
        jwt.accessTokenTTL = 600
        jwt.accessTokenMaxTTL = 3600
        _ = try await v.attachJWTAuth(.jwt, identityId: jwtIdentity, jwt, remote: nil)
        func login() async throws -> LoginResult {
            let token = try OIDCProvider.mint([.init(key: keyPEM, alg: "ES256", kid: nil, claims: ["sub": "ci", "exp": .number(Int(f.clock.now) + 600)])])[0]
            return try await v.loginJWTAuth(.jwt, identityId: jwtIdentity, jwt: token, remote: "10.0.0.1")
        }
        // one token whose max expiry passes before the copy: left behind
        let expired = try await v.useToken(try await login().accessToken, remote: "10.0.0.1").id
        f.clock.advance(7200)
        let used = try await login().accessToken
        for _ in 0..<3 { _ = try await v.useToken(used, remote: "10.0.0.1") }
        let revoked = try await login().accessToken
        try await v.revokeToken(revoked, remote: "10.0.0.1")

        // TLS certificate auth, a Vault cert role and CRL
        let tlsIdentity = try await v.createIdentity(name: "api", role: "member", policies: ["read"], remote: nil).id
        var tls = TLSCertAuthInput()
        tls.caCertificate = String(decoding: root.pem, as: UTF8.self)
        _ = try await v.attachTLSCertAuth(identityId: tlsIdentity, tls, remote: nil)
        var role = CertRoleInput()
        role.certificate = String(decoding: root.pem, as: UTF8.self)
        try await v.putCertRole("web", role, remote: nil)
        try await v.putCRL("root", Array(try pki.crl(of: root)), remote: nil)

        // Kubernetes auth (its reviewer JWT sealed under the master key), a Vault auth mount
        let k8sIdentity = try await v.createIdentity(name: "pods", role: nil, policies: nil, remote: nil).id
        var k8s = KubernetesAuthInput()
        k8s.kubernetesHost = "https://127.0.0.1:6443"
        k8s.caCert = String(decoding: root.pem, as: UTF8.self)
        k8s.tokenReviewerJwt = "reviewer.jwt.secret"
        k8s.allowedNamespaces = "prod"
        _ = try await v.attachKubernetesAuth(identityId: k8sIdentity, k8s, remote: nil)
        try await v.enableMount(path: "ci-jwt", type: "jwt", description: "CI", remote: nil)

        // an SSH CA and template, a certificate signed under it, and a revocation
        var caInput = SSHAuthorityInput()
        caInput.friendlyName = "ops"
        let ca = try await v.createSSHAuthority(caInput, remote: nil)
        var template = SSHTemplateInput()
        template.sshCaId = ca.id
        template.name = "ops"
        template.ttl = "30m"
        template.maxTTL = "8h"
        template.allowedUsers = ["deploy"]
        template.allowedHosts = ["*.example.com"]
        template.allowUserCertificates = true
        template.allowHostCertificates = false
        template.allowCustomKeyIds = false
        let t = try await v.putSSHTemplate(id: nil, template, remote: nil)
        try PKI.run(["ssh-keygen", "-q", "-N", "", "-t", "ed25519", "-f", path("user")])
        var sign = SSHSignInput(publicKey: try String(contentsOfFile: path("user.pub"), encoding: .utf8))
        sign.validPrincipals = ["deploy"]
        for _ in 0..<2 { _ = try await v.signWithTemplate(t.id, sign, token: used, remote: "10.0.0.1") }
        let signed = try await v.signWithTemplate(t.id, sign, token: used, remote: "10.0.0.1")
        try await v.revokeSSH(.authority(ca.id), .serial(UInt64(signed.serial, radix: 16) ?? 0), by: "admin", remote: nil)
        try await v.revokeSSH(.authority(ca.id), .keyID("lost-laptop"), by: "admin", remote: nil)
        return Filled(usedToken: used, revokedToken: revoked, expiredTokenId: expired, kubernetesIdentity: k8sIdentity)
    }

    /// A configuration as comparable text (its change log number aside: each store has its own log).
    func comparable(_ c: Configuration) -> [String] {
        [
            JSON.encode(c.identities.sorted { $0.id < $1.id }),
            JSON.encode(c.tlsCertAuths.sorted { $0.identityId < $1.identityId }),
            JSON.encode(c.certRoles),
        ] + c.crls.map { "crl \($0.name) \($0.data)" }
            + c.documents.keys.sorted().flatMap { kind in (c.documents[kind] ?? []).map { "\(kind) \($0.key) \($0.doc)" } }
    }

    func testSQLiteToPostgresCopiesEveryLiveRowAsStored() async throws {
        let f = try await Fixture()
        let filled = try await fill(f)
        let source = try XCTUnwrap(f.vouch.store as? SQLiteStore)
        let now = f.clock.now
        let before = try await source.storedRows(now: now)
        let (target, db) = try await freshPostgres()

        let summary = try await StoreCopy.copy(from: source, to: target, now: now)

        // every table's rows, as stored, in order (documents' bytes, cursors, sequences, counters)
        let copied = try await target.storedRows(now: now)
        XCTAssertEqual(copied, before)
        let again = try await source.storedRows(now: now)
        XCTAssertEqual(again, before, "the source is unchanged")
        let counts = Dictionary(uniqueKeysWithValues: summary.tables.map { ($0.name, $0.rows) })
        XCTAssertEqual(counts, before.counts)
        XCTAssertEqual(counts["tokens"], 2, "the live tokens (used, revoked), not the expired one")
        XCTAssertEqual(counts["ssh_certificates"], 3)
        XCTAssertGreaterThanOrEqual(counts["ssh_revocations"] ?? 0, 2)
        XCTAssertEqual(summary.metaKeys, ["admin_token_sha256", "token_signing_key"])
        XCTAssertTrue(summary.documentKinds.contains { $0.kind == DocumentKind.identityKubernetes && $0.count == 1 })
        XCTAssertTrue(summary.text.contains("identities"), summary.text)
        // checked apart from the copy's own reading: the server's counts, the expired token left behind
        let uses = before.rows(.tokens).map { row -> Int64 in if case .int(let n) = row[6] { n } else { -1 } }
        let tokens = try db.server.psql("SELECT count(*), sum(uses), sum(revoked) FROM tokens", database: db.name)
        XCTAssertEqual(tokens, "2|\(uses.reduce(0, +))|1", "uses and revocations as they were")
        let expired = try await target.token(id: filled.expiredTokenId)
        XCTAssertNil(expired)
        let stillThere = try await source.token(id: filled.expiredTokenId)
        XCTAssertNotNil(stillThere)

        // what a node started on the copy loads
        let sourceConfig = try await source.configuration()
        let targetConfig = try await target.configuration()
        XCTAssertEqual(comparable(targetConfig), comparable(sourceConfig))
        XCTAssertGreaterThan(targetConfig.seq, 0, "the copy's rows are in the target's change log")

        // a service on the copy with the source's master key: tokens, sealed secrets and SSH state work
        let keyText = try String(contentsOfFile: f.dir + "/master.key", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let clock = f.clock
        let node = try await Vouch(store: target, masterKey: try SealingKey(bytes: try XCTUnwrap(Base64.decode(keyText))),
                                   audit: try AuditLog(path: path("node-audit.log")), now: { clock.now })
        XCTAssertEqual(node.configWarnings, [], "the sealed reviewer JWT opens under the source's master key")
        let use = try await node.useToken(filled.usedToken, remote: "10.0.0.1")
        let counted = before.rows(.tokens).first { $0[8] == .int(0) }.flatMap { if case .int(let n) = $0[6] { n } else { nil } }
        XCTAssertEqual(Int64(use.uses), try XCTUnwrap(counted) + 1, "the uses counted at the source go on")
        XCTAssertGreaterThanOrEqual(counted ?? 0, 3)
        await assertThrowsAsync(try await node.useToken(filled.revokedToken, remote: "10.0.0.1")) { e in
            XCTAssertEqual((e as? ServiceError)?.code, "token_revoked", "\(e)")
        }
        let k8s = try await node.kubernetesAuth(identityId: filled.kubernetesIdentity)
        XCTAssertEqual(k8s.cluster.host, "https://127.0.0.1:6443")
        // the sequences go on after the copied numbers: new revocations and certificates come after
        let ref = try XCTUnwrap(before.rows(.sshRevocations).last.flatMap { if case .text(let ca) = $0[1] { ca } else { nil } })
        let lastSeq = try await target.sshRevocations(mount: ref).last?.sequence ?? 0
        _ = try await target.insertSSHRevocations([SSHRevocation(ca: ref, kind: .keyID, value: "after-copy", caKey: "", revokedAt: 1, revokedBy: "t", fingerprint: nil)])
        let next = try await target.sshRevocations(mount: ref).last?.sequence
        XCTAssertEqual(next, lastSeq + 1)
        let lastCursor = try XCTUnwrap(before.rows(.sshCertificates).last.flatMap { if case .int(let n) = $0[0] { n } else { nil } })
        let mount = try XCTUnwrap(before.rows(.sshCertificates).last.flatMap { if case .text(let m) = $0[1] { m } else { nil } })
        let first = try await target.sshCertificates(mount: mount, after: 0, limit: 1).first?.record
        var record = try XCTUnwrap(first)
        record.serial = "ffff"
        _ = try await target.insertSSHCertificate(record)
        let cursors = try await target.sshCertificates(mount: mount, after: lastCursor, limit: 10).map(\.cursor)
        XCTAssertEqual(cursors, [lastCursor + 1])
    }

    func testATargetThatHoldsAnythingIsRefusedAndLeftAsItWas() async throws {
        let f = try await Fixture()
        _ = try await f.vouch.createIdentity(name: "one", role: nil, policies: nil, remote: nil)
        let now = f.clock.now
        // a target that a server has already started on: only meta (its own signing key)
        let (target, _) = try await freshPostgres()
        _ = try await target.setMetaIfAbsent("token_signing_key", [1, 2, 3])
        let held = try await target.storedRows(now: now)
        await assertThrowsAsync(try await StoreCopy.copy(from: f.vouch.store, to: target, now: now)) { e in
            XCTAssertEqual((e as? ServiceError)?.code, "target_not_empty", "\(e)")
            XCTAssertTrue("\(e)".contains("meta: 1"), "\(e)")
        }
        let after = try await target.storedRows(now: now)
        XCTAssertEqual(after, held)
        // a copy done once is refused the second time, and the first one stays whole
        let (fresh, _) = try await freshPostgres()
        _ = try await StoreCopy.copy(from: f.vouch.store, to: fresh, now: now)
        let copied = try await fresh.storedRows(now: now)
        await assertThrowsAsync(try await StoreCopy.copy(from: f.vouch.store, to: fresh, now: now)) { e in
            XCTAssertEqual((e as? ServiceError)?.code, "target_not_empty", "\(e)")
        }
        let still = try await fresh.storedRows(now: now)
        XCTAssertEqual(still, copied)
        // an SQLite target likewise
        let sqlite = try SQLiteStore(path: path("held.db"))
        _ = try await sqlite.setMetaIfAbsent("admin_token_sha256", [9])
        await assertThrowsAsync(try await StoreCopy.copy(from: fresh, to: sqlite, now: now)) { e in
            XCTAssertEqual((e as? ServiceError)?.code, "target_not_empty", "\(e)")
        }
        let identities = try await sqlite.identities()
        XCTAssertEqual(identities.count, 0)
    }

    func testManyRowsGoInSeveralBatchesInOrder() async throws {
        // more rows than one INSERT takes (PostgresStore.batchRows), written by SQL as another writer would
        let n = PostgresStore.batchRows * 2 + 500
        let source = try SQLiteStore(path: path("many.db"))
        try await source.execute([
            """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(n))
            INSERT INTO tokens (id, accessor, subject, auth_method, expires_at, max_expires_at, uses, uses_limit, revoked, doc)
            SELECT 't' || i, 'a' || i, 's', 'jwt-auth', 100 + i, 1000 + i, i % 7, 10, i % 2, '{"i":' || i || '}' FROM n
            """,
            """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(n))
            INSERT INTO ssh_revocations (seq, ca, kind, value, ca_key, revoked_at, doc)
            SELECT i * 3, 'cas/x', 'serial', printf('%x', i), 'k', i, '{}' FROM n
            """,
        ])
        let (target, db) = try await freshPostgres()
        let summary = try await StoreCopy.copy(from: source, to: target, now: 1500)
        XCTAssertEqual(summary.tables.first { $0.name == "tokens" }?.rows, n - 500, "those whose max expiry is past 1500 only")
        let copied = try await target.storedRows(now: 1500)
        let read = try await source.storedRows(now: 1500)
        XCTAssertEqual(copied, read)
        XCTAssertEqual(try db.server.psql("SELECT max(seq) FROM ssh_revocations", database: db.name), "\(n * 3)", "the gaps kept")
        _ = try await target.insertSSHRevocations([SSHRevocation(ca: "cas/x", kind: .keyID, value: "k", caKey: "", revokedAt: 1, revokedBy: "t", fingerprint: nil)])
        XCTAssertEqual(try db.server.psql("SELECT max(seq) FROM ssh_revocations", database: db.name), "\(n * 3 + 1)")
    }

    func testTheChangeLogIsPrunedOnceAndItsTriggerLeftOn() async throws {
        let source = try SQLiteStore(path: path("log.db"))
        let n = PostgresSchema.changesKept + 500
        try await source.execute([
            """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(n))
            INSERT INTO cert_roles (name, doc) SELECT 'r' || i, '{}' FROM n
            """,
        ])
        // as the tables' owner (the trigger paused), then as a role that may write them but not
        // alter them (the trigger kept: the same outcome, slower)
        for owner in [true, false] {
            let (store, db) = try await freshPostgres()
            var target = store
            if !owner {
                try db.server.psql("GRANT ALL ON ALL TABLES IN SCHEMA public TO \(PostgresServer.passwordUser)",
                                   "GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO \(PostgresServer.passwordUser)", database: db.name)
                target = try await PostgresStore(
                    url: "postgres://\(PostgresServer.passwordUser)@127.0.0.1:\(db.server.port)/\(db.name)", password: PostgresServer.password)
                stores.append(target)
            }
            _ = try await StoreCopy.copy(from: source, to: target, now: 0)
            if !owner { XCTAssertTrue(db.server.log.contains("must be owner of table config_changes"), "the pause was refused") }
            let log = try db.server.psql("SELECT count(*), min(seq), max(seq) FROM config_changes", database: db.name)
            XCTAssertEqual(log, "\(PostgresSchema.changesKept)|501|\(n)", "owner: \(owner)")
            let trigger = try db.server.psql("SELECT tgenabled FROM pg_trigger WHERE tgname = 'config_changes_prune'", database: db.name)
            XCTAssertEqual(trigger, "O", "the prune trigger is on after the copy")
            let changes = try await target.configurationChanges(after: 0)
            XCTAssertNil(changes, "a reader from before the copy reads everything")
        }
    }

    func testPostgresBackToSQLiteRoundTrips() async throws {
        let f = try await Fixture()
        _ = try await fill(f)
        let now = f.clock.now
        let before = try await (f.vouch.store as! SQLiteStore).storedRows(now: now)
        let (pg, _) = try await freshPostgres()
        _ = try await StoreCopy.copy(from: f.vouch.store, to: pg, now: now)
        let back = try SQLiteStore(path: path("back.db"))
        let summary = try await StoreCopy.copy(from: pg, to: back, now: now)
        let rows = try await back.storedRows(now: now)
        XCTAssertEqual(rows, before)
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: summary.tables.map { ($0.name, $0.rows) }), before.counts)
        let config = try await back.configuration()
        let sourceConfig = try await f.vouch.store.configuration()
        XCTAssertEqual(comparable(config), comparable(sourceConfig))
        // SQLite's JSON functions read the copied documents as text (not as JSONB blobs)
        let mount = try XCTUnwrap(before.rows(.sshCertificates).first.flatMap { if case .text(let m) = $0[1] { m } else { nil } })
        let keys = try await back.sshCAKeys(mount: mount)
        XCTAssertEqual(keys.count, 1)
    }
}
