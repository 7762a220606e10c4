// PostgresStoreTests.swift: what only the PostgreSQL store has, on a real server: nodes that
// migrate one database at once, a newer schema refused, database URLs (and their passwords),
// a server that goes away and comes back, a full pool, and the configuration writers taking
// turns so that the change log commits in the order it is numbered.
import Foundation
@testable import VouchService
import VouchCore
import VouchTestSupport
import XCTest

final class PostgresStoreTests: XCTestCase {
    var stores: [PostgresStore] = []

    override func tearDown() async throws {
        for s in stores { await s.shutdown() }
        stores = []
    }

    /// A store on `url`, shut down after the test.
    func open(_ url: String, password: String? = nil, settings: PostgresSettings = PostgresSettings()) async throws -> PostgresStore {
        let s = try await PostgresStore(url: url, password: password, settings: settings)
        stores.append(s)
        return s
    }

    func identity(_ id: String) -> Identity {
        Identity(id: id, name: "n-" + id, role: "r", policies: [], createdAt: Date(timeIntervalSince1970: 1), updatedAt: Date(timeIntervalSince1970: 1))
    }

    // MARK: schema

    func testNodesStartingAtOnceMigrateOnce() async throws {
        let db = try PostgresServer.freshDatabase()
        let url = db.url
        let versions = try await withThrowingTaskGroup(of: (PostgresStore, Int).self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let s = try await PostgresStore(url: url)
                    return (s, try await s.schemaVersion())
                }
            }
            return try await group.reduce(into: [(PostgresStore, Int)]()) { $0.append($1) }
        }
        stores += versions.map(\.0)
        XCTAssertEqual(versions.map(\.1), Array(repeating: PostgresSchema.migrations.count, count: 4))
        let applied = try db.server.psql("SELECT count(*), count(DISTINCT version), max(version) FROM schema_migrations", database: db.name)
        XCTAssertEqual(applied, "\(PostgresSchema.migrations.count)|\(PostgresSchema.migrations.count)|\(PostgresSchema.migrations.count)")
        let triggers = try db.server.psql("SELECT count(*) FROM pg_trigger WHERE tgname = 'identities_logged'", database: db.name)
        XCTAssertEqual(triggers, "1")
        // and the store works
        try await versions[0].0.insertIdentity(identity("a"))
        let seen = try await versions[3].0.identity("a")
        XCTAssertEqual(seen?.id, "a")
    }

    func testAFailedStepLeavesTheDatabaseAtTheStepBefore() async throws {
        let db = try PostgresServer.freshDatabase()
        let store = try await open(db.url)
        let pool = try PostgresPool(url: PostgresURL(db.url), settings: PostgresSettings())
        await assertThrowsAsync(try await pool.withSingleConnection {
            try await PostgresSchema.migrate($0, PostgresSchema.migrations + [["CREATE TABLE extra (x BIGINT)", "CREATE TABLE meta (x BIGINT)"]])
        })
        await pool.shutdown()
        let version = try await store.schemaVersion()
        XCTAssertEqual(version, PostgresSchema.migrations.count)
        let extra = try db.server.psql("SELECT count(*) FROM pg_tables WHERE tablename = 'extra'", database: db.name)
        XCTAssertEqual(extra, "0", "the failed step is undone whole")
        let unlocked = try db.server.psql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'", database: db.name)
        XCTAssertEqual(unlocked, "0", "the migration lock is released")
    }

    func testADatabaseFromANewerVouchIsRefused() async throws {
        let db = try PostgresServer.freshDatabase()
        _ = try await open(db.url)
        try db.server.psql("INSERT INTO schema_migrations (version) VALUES (99)", database: db.name)
        await assertThrowsAsync(try await PostgresStore(url: db.url)) { e in
            XCTAssertTrue("\(e)".contains("schema version 99, newer than this Vouch"), "\(e)")
        }
    }

    // MARK: URLs and passwords

    func testBadURLsAreRefusedWithoutTheirPassword() async throws {
        for url in [
            "mysql://u:s3cret@host/db", "postgres://u:s3cret/db", "postgres://:s3cret@host/db", "postgres://u:s3cret@host:99999/db",
            "postgres://u:s3cret@host:s3cret/db", "postgres://u:s3cret@host/db?sslmode=s3cret", "postgres://u:s3cret@host/db?s3cret=1",
            "postgres://u:s3%ZZcret@host/db", "postgres://u:s3cret@/db", "postgres://u:s3cret@[::1/db", "postgres://u:pa?s3cret@host/db",
            "postgres://u:s3cret@/db?host=/tmp&sslmode=require", "postgres://u:s3cret@host/db%FF",
        ] {
            await assertThrowsAsync(try await PostgresStore(url: url), url) { e in
                XCTAssertEqual((e as? ServiceError)?.code, "database_url", "\(url): \(e)")
                XCTAssertEqual((e as? ServiceError)?.kind, .badRequest)
                XCTAssertFalse("\(e)".contains("s3cret"), "\(url): \(e)")
            }
        }
    }

    func testURLsAreReadAsLibpqReadsThem() throws {
        let full = try PostgresURL("postgresql://us%40er:p%40ss%2Fw@db.example:6432/vouch?sslmode=verify-full&sslrootcert=/ca.pem")
        XCTAssertEqual(full.endpoint, .tcp(host: "db.example", port: 6432))
        XCTAssertEqual([full.user, full.password, full.database], ["us@er", "p@ss/w", "vouch"])
        XCTAssertEqual(full.sslMode, .verifyFull)
        XCTAssertEqual(full.sslRootCert, "/ca.pem")
        let plain = try PostgresURL("POSTGRES://u@[::1]/d")
        XCTAssertEqual(plain.endpoint, .tcp(host: "::1", port: 5432))
        XCTAssertNil(plain.password)
        XCTAssertEqual(plain.sslMode, .prefer, "libpq's default")
        let socket = try PostgresURL("postgres://u@/d?host=/run/pg&port=5433&sslmode=disable", password: "given")
        XCTAssertEqual(socket.endpoint, .socket(directory: "/run/pg", port: 5433))
        XCTAssertEqual(socket.endpoint.socketPath, "/run/pg/.s.PGSQL.5433")
        XCTAssertEqual(socket.password, "given")
        let unencoded = try PostgresURL("postgres://u:p@ss/w@h/", password: nil)
        XCTAssertEqual([unencoded.password, unencoded.database], ["p@ss/w", "u"], "the last @ ends the user; no database: the user's")
        XCTAssertEqual(try PostgresURL("postgres://u:x@h/d", password: "y").password, "y", "a given password wins")
    }

    func testAPasswordInTheURLAuthenticates() async throws {
        let db = try PostgresServer.freshDatabase()
        let encoded = PostgresServer.password.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let url = "postgres://\(PostgresServer.passwordUser):\(encoded)@127.0.0.1:\(db.server.port)/\(db.name)?sslmode=disable"
        let store = try await open(url)
        try await store.insertIdentity(identity("a"))
        let read = try await store.identity("a")
        XCTAssertEqual(read?.id, "a")
        let given = try await open("postgres://\(PostgresServer.passwordUser)@127.0.0.1:\(db.server.port)/\(db.name)?sslmode=disable",
                                   password: PostgresServer.password)
        let count = try await given.identities().count
        XCTAssertEqual(count, 1, "the password given beside the URL")
        await assertThrowsAsync(try await PostgresStore(url: url.replacingOccurrences(of: encoded, with: "wr0ngpass"))) { e in
            XCTAssertTrue("\(e)".contains("password authentication failed"), "\(e)")
            XCTAssertFalse("\(e)".contains("wr0ngpass"), "\(e)")
        }
    }

    func testAUnixSocketURLConnects() async throws {
        let db = try PostgresServer.freshDatabase()
        let store = try await open("postgres://\(db.server.superuser)@/\(db.name)?host=\(db.server.socketDir)&port=\(db.server.port)")
        try await store.insertIdentity(identity("a"))
        let n = try await store.identities().count
        XCTAssertEqual(n, 1)
    }

    // MARK: the server away, the pool full

    /// While the server is down every call fails as database_unavailable (503), promptly;
    /// once it is back the same store answers again.
    func testAStoppedServerIsUnavailableAndTheStoreReconnects() async throws {
        let server = try PostgresServer()
        let name = try server.createDatabase()
        var settings = PostgresSettings()
        settings.leaseTimeout = .seconds(1)
        settings.connectTimeout = .seconds(1)
        let store = try await open(server.url(name), settings: settings)
        try await store.insertIdentity(identity("a"))
        try await store.insertToken(TokenRecord(
            id: "t", accessor: "acc", subject: "a", authMethod: "m", displayName: "", policies: [], metadata: [:], createdAt: 1,
            expiresAt: 9_999_999_999, maxExpiresAt: 9_999_999_999, ttl: 60, uses: 0, usesLimit: 0, trustedIPs: [], revoked: false))

        server.stop()
        for _ in 0..<3 {
            let started = Date()
            await assertThrowsAsync(try await store.useToken(id: "t", now: 1)) { e in
                XCTAssertEqual((e as? ServiceError)?.code, "database_unavailable", "\(e)")
                XCTAssertEqual((e as? ServiceError)?.kind, .unavailable)
            }
            await assertThrowsAsync(try await store.configuration()) { e in
                XCTAssertEqual((e as? ServiceError)?.code, "database_unavailable", "\(e)")
            }
            XCTAssertLessThan(Date().timeIntervalSince(started), 5, "bounded by the lease timeout")
        }

        try server.start()
        var answered: Int?
        let deadline = Date().addingTimeInterval(60)
        while answered == nil, Date() < deadline {
            answered = try? await store.identities().count
            if answered == nil { try await Task.sleep(for: .milliseconds(200)) }
        }
        XCTAssertEqual(answered, 1, "the same store, reconnected")
        let used = try await store.useToken(id: "t", now: 1)
        guard case .used(let r) = used else { return XCTFail("\(used)") }
        XCTAssertEqual(r.uses, 1)
    }

    /// With every connection busy, a call waits the lease timeout and fails as unavailable
    /// (it never queues without end); once one is free, calls go through.
    func testAFullPoolAnswersUnavailableAfterTheLeaseTimeout() async throws {
        let db = try PostgresServer.freshDatabase()
        var settings = PostgresSettings()
        settings.maxConnections = 1
        settings.leaseTimeout = .milliseconds(500)
        let store = try await open(db.url, settings: settings)
        _ = try await store.identities()  // the one connection is open
        let busy = Task { try await store.execute(["SELECT pg_sleep(2)"]) }
        try await Task.sleep(for: .milliseconds(300))
        let started = Date()
        await assertThrowsAsync(try await store.identities()) { e in
            XCTAssertEqual((e as? ServiceError)?.code, "database_unavailable", "\(e)")
            XCTAssertTrue(((e as? ServiceError)?.detail ?? "").contains("1 at most"), "\(e)")
        }
        let waited = Date().timeIntervalSince(started)
        XCTAssertGreaterThan(waited, 0.4)
        XCTAssertLessThan(waited, 1.5)
        try await busy.value
        let after = try await store.identities()
        XCTAssertEqual(after.count, 0)
    }

    // MARK: the change log across nodes

    /// Two nodes write configuration at once: the second waits for the first to commit, so a
    /// reader never sees the later number without the earlier one.
    func testConfigurationWritersTakeTurnsSoTheLogCommitsInOrder() async throws {
        let db = try PostgresServer.freshDatabase()
        let first = try await open(db.url), second = try await open(db.url), reader = try await open(db.url)
        let start = try await reader.configuration().seq
        // node 1: a change, then a wait with its transaction still open; node 2 meanwhile
        let a = JSON.encode(identity("a")), b = identity("b")
        let slow = Task {
            try await first.execute([
                "INSERT INTO identities (id, name, doc) VALUES ('a', 'n-a', '\(a)')",
                "SELECT pg_sleep(1.5)",
            ])
            return Date()
        }
        try await Task.sleep(for: .milliseconds(400))
        let fast = Task {
            try await second.insertIdentity(b)
            return Date()
        }
        try await Task.sleep(for: .milliseconds(400))
        let between = try await reader.configuration()
        XCTAssertEqual(between.seq, start, "neither is committed: nothing seen")
        XCTAssertTrue(between.identities.isEmpty)
        let slowDone = try await slow.value, fastDone = try await fast.value
        XCTAssertGreaterThanOrEqual(fastDone, slowDone, "the second writer waited for the first to commit")
        let delta = try await reader.configurationChanges(after: between.seq)
        XCTAssertEqual(delta?.identities.map(\.id).sorted(), ["a", "b"])
        let log = try db.server.psql("SELECT string_agg(key, ',' ORDER BY seq) FROM config_changes", database: db.name)
        XCTAssertEqual(log, "a,b", "numbered in commit order")
    }

    /// A committed configuration change is announced on the channel other nodes listen to.
    func testAConfigurationChangeIsAnnounced() async throws {
        let db = try PostgresServer.freshDatabase()
        let store = try await open(db.url)
        let listener = Task.detached {
            // a notification arrives when the session is idle: shown before the last command's answer
            try db.server.psql("LISTEN \(PostgresStore.configChannel)", "SELECT pg_sleep(2)", "SELECT 1", database: db.name)
        }
        try await Task.sleep(for: .milliseconds(700))
        try await store.putCertRole(CertRole(name: "r", displayName: "", certificate: "", names: NamePolicy(), policies: [],
                                             token: TokenSettings(), tokenType: "default"))
        let heard = try await listener.value
        XCTAssertTrue(heard.contains("notification \"\(PostgresStore.configChannel)\""), heard)
    }
}
