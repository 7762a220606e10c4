// ServeDatabaseFlagsTests.swift: `vouch serve`'s database flags refused as a user mistypes
// them: each start exits with status 2 and names what was wrong, never the password.
import Foundation
import VouchTestSupport
import XCTest

final class ServeDatabaseFlagsTests: XCTestCase {
    /// Starts `vouch serve` with `args`; its exit status and log (stderr).
    private func refusedStart(_ args: [String], environment: [String: String] = [:]) throws -> (status: Int32?, log: String) {
        let s = ServerProcess(extraArgs: args)
        for (k, v) in environment { setenv(k, v, 1) }
        defer { for k in environment.keys { unsetenv(k) } }
        try s.launch()
        let status = s.exitStatus()
        return (status, s.log)
    }

    func testAStoreThatIsNeitherSQLiteNorPostgresIsRefused() throws {
        let r = try refusedStart(["--database", "mysql://vouch:s3cr3t-pw@127.0.0.1/vouch"])
        XCTAssertEqual(r.status, 2, r.log)
        XCTAssertTrue(r.log.contains("error (database_url)"), r.log)
        XCTAssertFalse(r.log.contains("s3cr3t-pw"), r.log)
    }

    func testAPoolSizeOutOfRangeIsRefused() throws {
        for size in ["0", "1001"] {
            let r = try refusedStart(["--database", "postgres://vouch@127.0.0.1/vouch", "--database-pool-size", size])
            XCTAssertEqual(r.status, 2, r.log)
            XCTAssertTrue(r.log.contains("error (database_pool_size)"), r.log)
        }
    }

    func testAPasswordFileThatCannotBeReadIsRefused() throws {
        let r = try refusedStart(["--database", "postgres://vouch@127.0.0.1/vouch", "--database-password-file", "/nonexistent/pgpass"])
        XCTAssertEqual(r.status, 2, r.log)
        XCTAssertTrue(r.log.contains("error (database_password_file)"), r.log)
    }

    /// Nothing listens on the port: unavailable, and neither the URL's password nor
    /// PGPASSWORD's shows in the message.
    func testADatabaseThatCannotBeReachedIsRefusedWithoutThePassword() throws {
        let port = freePort()
        for (url, env) in [("postgres://vouch:s3cr3t-pw@127.0.0.1:\(port)/vouch?sslmode=disable", [:]),
                           ("postgres://vouch@127.0.0.1:\(port)/vouch?sslmode=disable", ["PGPASSWORD": "s3cr3t-pw"])] {
            let r = try refusedStart(["--database", url], environment: env)
            XCTAssertEqual(r.status, 2, r.log)
            XCTAssertTrue(r.log.contains("error (database_unavailable)"), r.log)
            XCTAssertFalse(r.log.contains("s3cr3t-pw"), r.log)
        }
    }
}
