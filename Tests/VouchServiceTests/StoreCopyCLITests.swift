// StoreCopyCLITests.swift: `vouch store copy` as an operator runs it: the real binary copies a
// data directory made by the service into a real PostgreSQL database (its password from a
// file, from PGPASSWORD), prints what it copied and the master key reminder; a second copy
// into the same database is refused and changes nothing; bad input of every kind exits 2 with
// `error (code): ...` and never prints a password.
import Foundation
import VouchService
import VouchTestSupport
import XCTest

final class StoreCopyCLITests: XCTestCase {
    var dir: String!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("vouch-copycli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { if let dir { try? FileManager.default.removeItem(atPath: dir) } }

    /// Runs the built `vouch`, with no PGPASSWORD but the one given.
    func vouch(_ args: [String], env: [String: String] = [:]) throws -> Outcome {
        try runProcess([vouchBinary()] + args, environment: ["PGPASSWORD": ""].merging(env) { $1 })
    }

    /// A data directory made by the service: two identities, a policy.
    func dataDirectory() async throws -> Fixture {
        let f = try await Fixture()
        for name in ["one", "two"] { _ = try await f.vouch.createIdentity(name: name, role: nil, policies: nil, remote: nil) }
        try await f.vouch.putPolicy("read", text: #"path "secret/*" { capabilities = ["read"] }"#, remote: nil)
        return f
    }

    /// The database's rows per table, read by psql.
    func counts(_ db: (server: PostgresServer, name: String, url: String)) throws -> String {
        try db.server.psql(
            "SELECT (SELECT count(*) FROM meta), (SELECT count(*) FROM identities), (SELECT count(*) FROM documents)", database: db.name)
    }

    func testCopiesADataDirectoryIntoPostgresOnceOnly() async throws {
        let f = try await dataDirectory()
        let db = try PostgresServer.freshDatabase()
        // as the role that must give its password, read from a file
        let url = "postgres://\(PostgresServer.passwordUser)@127.0.0.1:\(db.server.port)/\(db.name)"
        let passwordFile = dir + "/pgpass"
        try (PostgresServer.password + "\n").write(toFile: passwordFile, atomically: true, encoding: .utf8)
        let r = try vouch(["store", "copy", "--from", "sqlite:" + f.dir, "--to", url, "--to-password-file", passwordFile])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("Copied sqlite:\(f.dir)/vouch.db to postgres://127.0.0.1:\(db.server.port)/\(db.name)"), r.out)
        let lines = r.out.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        XCTAssertTrue(lines.contains("identities 2"), r.out)
        XCTAssertTrue(lines.contains("meta 2 (admin_token_sha256, token_signing_key)"), r.out)
        XCTAssertTrue(lines.contains("documents 1 (acl-policy 1)"), r.out)
        XCTAssertTrue(r.out.contains(f.dir + "/master.key (vouch serve --master-key-file)"), r.out)
        XCTAssertFalse(r.out.contains(PostgresServer.password) || r.err.contains(PostgresServer.password))
        XCTAssertEqual(try counts(db), "2|2|1")

        // again, its password from PGPASSWORD this time: refused, nothing changed
        let again = try vouch(["store", "copy", "--from", "sqlite:" + f.dir + "/vouch.db", "--to", url],
                              env: ["PGPASSWORD": PostgresServer.password])
        XCTAssertEqual(again.status, 2, again.out)
        XCTAssertTrue(again.err.hasPrefix("error (target_not_empty): "), again.err)
        XCTAssertTrue(again.err.contains("identities: 2"), again.err)
        XCTAssertEqual(again.out, "")
        XCTAssertEqual(try counts(db), "2|2|1")

        // and from PostgreSQL into a new data directory, made owner-only
        let back = dir + "/back"
        let r2 = try vouch(["store", "copy", "--from", url, "--to", "sqlite:" + back], env: ["PGPASSWORD": PostgresServer.password])
        XCTAssertEqual(r2.status, 0, r2.err)
        XCTAssertTrue(r2.out.contains("as master.key (mode 0600) in \(back)"), r2.out)
        let mode = (try FileManager.default.attributesOfItem(atPath: back)[.posixPermissions] as? NSNumber)?.intValue
        XCTAssertEqual(mode, 0o700)
        let copied = try await SQLiteStore(path: back + "/vouch.db").identities().map(\.name)
        XCTAssertEqual(copied, ["one", "two"])
    }

    func testBadInputExitsTwoAndNeverPrintsAPassword() async throws {
        let f = try await dataDirectory()
        let db = try PostgresServer.freshDatabase()
        let secret = "Sup3rSecretPw"
        let port = db.server.port
        let source = ["--from", "sqlite:" + f.dir]
        let cases: [(args: [String], env: [String: String], code: String)] = [
            (["--from", "mysql://u:\(secret)@h/db", "--to", db.url], [:], "store_url"),
            (source + ["--to", "redis://:\(secret)@127.0.0.1"], [:], "store_url"),
            (["--from", "sqlite:" + dir + "/none", "--to", db.url], [:], "store_not_found"),
            (["--from", "sqlite:" + dir, "--to", db.url], [:], "store_not_found"),
            (source + ["--to", "postgres://u:\(secret)@127.0.0.1:\(port)/x?oops=1"], [:], "database_url"),
            (source + ["--to", "postgres://u:\(secret)@127.0.0.1:\(freePort())/x"], [:], "database_unavailable"),
            (source + ["--to", "postgres://\(PostgresServer.passwordUser):\(secret)@127.0.0.1:\(port)/\(db.name)"], [:], "store_open"),
            (source + ["--to", "postgres://\(PostgresServer.passwordUser)@127.0.0.1:\(port)/\(db.name)"], ["PGPASSWORD": secret], "store_open"),
            (source + ["--to", db.url, "--to-password-file", dir + "/missing"], [:], "unreadable_file"),
            (source, [:], ""),  // --to missing: the argument parser's own message
        ]
        for c in cases {
            let r = try vouch(["store", "copy"] + c.args, env: c.env)
            XCTAssertEqual(r.status, 2, "\(c.args): \(r.out) \(r.err)")
            if !c.code.isEmpty { XCTAssertTrue(r.err.hasPrefix("error (\(c.code)): "), "\(c.args): \(r.err)") }
            XCTAssertFalse(r.err.contains(secret) || r.out.contains(secret), "\(c.args): \(r.err)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/none"), "a missing source is not made")
        let tables = try db.server.psql("SELECT count(*) FROM pg_tables WHERE tablename = 'identities'", database: db.name)
        XCTAssertEqual(tables, "0", "the target of a refused command is not touched")
    }
}
