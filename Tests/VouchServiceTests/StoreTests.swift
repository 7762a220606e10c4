// StoreTests.swift: the SQLite store's schema steps and where its work runs.
import CSQLite
import Foundation
@testable import VouchService
import VouchTestSupport
import XCTest

final class StoreTests: XCTestCase {
    var dir: String!
    override func setUp() async throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("vouch-store-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    func testMigrationsRunOnceInOrder() async throws {
        let store = try SQLiteStore(path: dir + "/a.db")
        let v1 = try await store.schemaVersion()
        XCTAssertEqual(v1, SQLiteStore.migrations.count)
        // opening again applies nothing twice (step 1 would fail on a second run without IF NOT EXISTS;
        // a later step without it would fail outright)
        let again = try SQLiteStore(path: dir + "/a.db")
        let v2 = try await again.schemaVersion()
        XCTAssertEqual(v2, v1)
        // a numbered step that fails leaves the database at the step before, untouched
        XCTAssertThrowsError(try SQLiteDatabase(path: dir + "/a.db", migrations: SQLiteStore.migrations + ["CREATE TABLE meta (x)"]))
        let v3 = try await SQLiteStore(path: dir + "/a.db").schemaVersion()
        XCTAssertEqual(v3, v1)
    }

    func testADatabaseFromANewerVouchIsRefused() throws {
        let path = dir + "/new.db"
        _ = try SQLiteStore(path: path)
        var db: OpaquePointer?
        XCTAssertEqual(sqlite3_open(path, &db), SQLITE_OK)
        XCTAssertEqual(sqlite3_exec(db, "PRAGMA user_version = 99", nil, nil, nil), SQLITE_OK)
        sqlite3_close(db)
        XCTAssertThrowsError(try SQLiteStore(path: path)) { e in
            XCTAssertTrue("\(e)".contains("schema version 99, newer than this Vouch"), "\(e)")
        }
    }

    func testDocumentsStoredBeforeStrictExistedReadAsNotStrict() throws {
        let role = #"{"name":"r","displayName":"r","certificate":"pem","names":{"allowedNames":[],"allowedCommonNames":[],"allowedDNSSANs":[],"allowedEmailSANs":[],"allowedURISANs":[],"allowedOrganizationalUnits":[]},"policies":[],"token":{"ttl":60,"maxTTL":60,"numUsesLimit":0,"trustedIPs":["0.0.0.0/0"]},"tokenType":"default"}"#
        var r = try JSON.decode(CertRole.self, from: Array(role.utf8))
        XCTAssertFalse(r.strict)
        r.strict = true
        let text = JSON.encode(r)
        XCTAssertTrue(text.contains(#""strict":true"#), text)
        XCTAssertTrue(try JSON.decode(CertRole.self, from: Array(text.utf8)).strict)
        XCTAssertThrowsError(try JSON.decode(CertRole.self, from: Array(text.replacingOccurrences(of: #""strict":true"#, with: #""strict":"yes""#).utf8)))
    }

    func testStoreWorkRunsOffTheCallersThread() async throws {
        let db = try SQLiteDatabase(path: dir + "/t.db", migrations: [])
        let caller = pthread_self()
        let onOther = try await db.run { _ in pthread_equal(pthread_self(), caller) == 0 }
        XCTAssertTrue(onOther, "SQLite runs on the store's own queue")
    }

    /// The hand-built JSON of a token's row and claims is exactly what Codable writes (both
    /// are read back with Codable).
    func testHandBuiltTokenJSONIsCodablesJSON() throws {
        for (metadata, ips, identity) in [([:], ["0.0.0.0/0"], nil), (["b": "2", "a": "x\"y\n", "é": "ü"], ["10.0.0.0/8", "::1/128"], "id-1")]
        as [([String: String], [String], String?)] {
            let doc = TokenDocument(
                id: "i\u{1}d", accessor: "acc", subject: "s\\", authMethod: "cert", displayName: "d", policies: ["p1", "p2"],
                metadata: metadata, createdAt: 1, maxExpiresAt: 99, ttl: 60, usesLimit: 5, trustedIPs: try ips.map(CIDR.init))
            XCTAssertEqual(doc.json, JSON.encode(doc))
            let claims = AccessClaims(iss: "vouch", sub: "s", jti: "j", iat: 1, exp: 2, authMethod: "cert", identityId: identity)
            XCTAssertEqual(claims.json, JSON.encode(claims))
            XCTAssertEqual(try JSON.decode(AccessClaims.self, from: Array(claims.json.utf8)), claims)
        }
    }

    /// Writes queued together share one transaction, each in its own savepoint: the one that
    /// throws is undone alone, the others are committed and answered; none is lost.
    func testGroupCommitUndoesOnlyTheWriteThatFails() async throws {
        let db = try SQLiteDatabase(path: dir + "/g.db", migrations: ["CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)"])
        struct Planted: Error {}
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for k in 0..<400 {
                group.addTask {
                    do {
                        try await db.write { c in
                            try c.update("INSERT INTO t (k, v) VALUES (?, 'x')", [.int(Int64(k))])
                            if k % 7 == 3 { throw Planted() }  // after its own insert: that insert must go too
                        }
                        return (k, true)
                    } catch {
                        XCTAssertTrue(error is Planted, "\(error)")
                        return (k, false)
                    }
                }
            }
            var all: [Int: Bool] = [:]
            for await (k, ok) in group { all[k] = ok }
            return all
        }
        let stored = Set(try await db.run { try $0.query("SELECT k FROM t").compactMap { $0[0].int.map(Int.init) } })
        XCTAssertEqual(stored, Set(outcomes.filter(\.value).map(\.key)), "exactly the writes answered as done are stored")
        XCTAssertEqual(stored, Set((0..<400).filter { $0 % 7 != 3 }))
        // a write that runs its own transaction inside the group nests as a savepoint
        try await db.write { c in try c.transaction { try c.update("INSERT INTO t (k, v) VALUES (1000, 'y')") } }
        let n = try await db.run { try $0.query("SELECT count(*) FROM t WHERE k = 1000")[0][0].int }
        XCTAssertEqual(n, 1)
    }

    /// A unique-key violation inside a group fails that write alone (the statement error
    /// does not end the group's transaction).
    func testAConstraintErrorInAGroupFailsThatWriteAlone() async throws {
        let db = try SQLiteDatabase(path: dir + "/u.db", migrations: ["CREATE TABLE t (k INTEGER PRIMARY KEY)"])
        let results = await withTaskGroup(of: Bool.self) { group in
            for k in [1, 2, 1, 3, 2, 4] {
                group.addTask { (try? await db.write { try $0.update("INSERT INTO t (k) VALUES (?)", [.int(Int64(k))]) }) != nil }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        XCTAssertEqual(results.filter { $0 }.count, 4, "1, 2, 3 and 4 once each")
        XCTAssertEqual(results.filter { !$0 }.count, 2)
        let keys = try await db.run { try $0.query("SELECT k FROM t ORDER BY k").compactMap { $0[0].int } }
        XCTAssertEqual(keys, [1, 2, 3, 4])
    }
}

/// A committed change the service cannot load into its running configuration holds
/// logins (503) until a reload succeeds; it never lets logins decide on the old one.
final class ReloadFailureTests: XCTestCase {
    func testLoginsWaitWhileTheConfigurationCannotBeReloaded() async throws {
        let pki = try PKI()
        let f = try await Fixture()
        let root = try pki.make("root")
        let leaf = try pki.make("leaf", issuer: root, profile: .client)
        let id = try await f.vouch.createIdentity(name: "svc", role: nil, policies: nil, remote: nil)
        var input = TLSCertAuthInput()
        input.caCertificate = String(decoding: root.pem, as: UTF8.self)
        _ = try await f.vouch.attachTLSCertAuth(identityId: id.id, input, remote: nil)
        await assertNoThrowAsync(try await f.vouch.loginTLSCertAuth(identityId: id.id, chain: Array(leaf.pem), remote: "127.0.0.1"))

        // a stored document this server cannot read (as a newer or damaged writer might leave)
        func sql(_ statement: String) {
            var db: OpaquePointer?
            XCTAssertEqual(sqlite3_open(f.dir + "/vouch.db", &db), SQLITE_OK)
            sqlite3_busy_timeout(db, 5000)
            XCTAssertEqual(sqlite3_exec(db, statement, nil, nil, nil), SQLITE_OK, String(cString: sqlite3_errmsg(db)))
            sqlite3_close(db)
        }
        sql(#"INSERT INTO cert_roles (name, doc) VALUES ('damaged', '{"name":1}')"#)
        await assertThrowsAsync(try await f.vouch.updateIdentity(id.id, name: "svc2", role: nil, policies: nil, remote: nil)) { e in
            XCTAssertEqual((e as? ServiceError)?.code, "configuration_unavailable", "\(e)")
            XCTAssertEqual((e as? ServiceError)?.kind, .unavailable)
        }
        await assertThrowsAsync(try await f.vouch.loginTLSCertAuth(identityId: id.id, chain: Array(leaf.pem), remote: "127.0.0.1")) { e in
            XCTAssertEqual((e as? ServiceError)?.code, "configuration_unavailable", "\(e)")
        }
        XCTAssertTrue(f.audit.contains(#""code":"configuration_unavailable""#), "the held login is audited")
        XCTAssertTrue(f.audit.contains(#""action":"reload","outcome":"failed""#), f.audit)
        // repaired: the retry (every second) reloads, and logins resume with the new configuration
        sql("DELETE FROM cert_roles WHERE name = 'damaged'")
        var resumed = false
        for _ in 0..<50 where !resumed {
            try await Task.sleep(for: .milliseconds(200))
            resumed = (try? await f.vouch.loginTLSCertAuth(identityId: id.id, chain: Array(leaf.pem), remote: "127.0.0.1")) != nil
        }
        XCTAssertTrue(resumed, "logins resume once the configuration reloads")
        let renamed = try await f.vouch.identity(id.id).name
        XCTAssertEqual(renamed, "svc2", "the change that was saved is the one in force")
    }
}
