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
}
