// ConfigChangeLogTests.swift: the configuration's change log, written by the database's
// own triggers: every write to a login configuration table is logged with its keys (both
// keys when a row moves), a delta holds the current rows of what changed, and a log that no
// longer reaches back far enough (pruned, or another database's) means a full load.
import CSQLite
import Foundation
@testable import VouchService
import VouchCore
import VouchTestSupport
import XCTest

/// The rows sqlite3_exec hands back.
private final class SQLRows {
    var list: [[String]] = []
}

final class ConfigChangeLogTests: XCTestCase {
    var dir: String!
    override func setUp() async throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("vouch-log-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    /// Runs SQL on its own connection (as another writer would): statements separated by
    /// semicolons, the rows of the last one that has any, as text.
    @discardableResult
    func sql(_ path: String, _ statements: String) -> [[String]] {
        var db: OpaquePointer?
        XCTAssertEqual(sqlite3_open(path, &db), SQLITE_OK)
        defer { sqlite3_close(db) }
        sqlite3_busy_timeout(db, 5000)
        let rows = SQLRows()
        let rc = sqlite3_exec(db, statements, { ctx, n, values, _ in
            let rows = Unmanaged<SQLRows>.fromOpaque(ctx!).takeUnretainedValue()
            rows.list.append((0..<Int(n)).map { values?[$0].map { String(cString: $0) } ?? "NULL" })
            return 0
        }, Unmanaged.passUnretained(rows).toOpaque(), nil)
        XCTAssertEqual(rc, SQLITE_OK, String(cString: sqlite3_errmsg(db)))
        return rows.list
    }

    func log(_ path: String, after seq: Int64 = 0) -> [String] {
        sql(path, "SELECT kind, key FROM config_changes WHERE seq > \(seq) ORDER BY seq").map { "\($0[0]) \($0[1])" }
    }

    func identity(_ id: String, _ name: String) -> Identity {
        Identity(id: id, name: name, role: "r", policies: [], createdAt: Date(timeIntervalSince1970: 1), updatedAt: Date(timeIntervalSince1970: 1))
    }

    func tls(_ id: String) -> TLSCertAuthConfig {
        TLSCertAuthConfig(id: "c-" + id, identityId: id, caCertificate: "pem", names: NamePolicy(), token: TokenSettings(),
                          createdAt: Date(timeIntervalSince1970: 1), updatedAt: Date(timeIntervalSince1970: 1))
    }

    func testEveryConfigurationWriteIsLoggedWithItsKeys() async throws {
        let path = dir + "/v.db"
        let store = try SQLiteStore(path: path)
        try await store.insertIdentity(identity("i1", "one"))
        _ = try await store.putTLSCertAuth(tls("i1"), insert: true)
        _ = try await store.putTLSCertAuth(tls("i1"), insert: true)  // already there: nothing written, nothing logged
        _ = try await store.putTLSCertAuth(tls("i1"), insert: false)
        _ = try await store.putDocument(kind: DocumentKind.identityOIDC, key: "i1", Array("{}".utf8), insert: true)
        var role = CertRole(name: "web", displayName: "web", certificate: "pem", names: NamePolicy(), policies: [], token: TokenSettings(),
                            tokenType: "default")
        try await store.putCertRole(role)
        role.displayName = "w"
        try await store.putCertRole(role)
        try await store.putCRL(name: "c1", data: [1, 2])
        _ = try await store.putDocument(kind: DocumentKind.mountRole, key: "jwt/r1", Array("{}".utf8), insert: false)
        _ = try await store.putDocument(kind: DocumentKind.mountRole, key: "jwt/r2", Array("{}".utf8), insert: false)
        try await store.insertToken(TokenRecord(
            id: "t1", accessor: "a1", subject: "i1", authMethod: "tls-cert-auth", displayName: "", policies: [], metadata: [:],
            createdAt: 1, expiresAt: 9_999_999_999, maxExpiresAt: 9_999_999_999, ttl: 60, uses: 0, usesLimit: 0, trustedIPs: [],
            revoked: false))
        XCTAssertEqual(log(path), ["identity i1", "tls-cert-auth i1", "tls-cert-auth i1", "identity/oidc-auth i1", "cert-role web",
                                   "cert-role web", "crl c1", "mount-role jwt/r1", "mount-role jwt/r2"], "tokens are no configuration")
        let seq = try await store.configuration().seq
        XCTAssertEqual(seq, 9)
        // deleting an identity takes its TLS auth (foreign key cascade) and documents with it: all logged
        _ = try await store.deleteIdentity("i1")
        _ = try await store.deleteDocuments(kind: DocumentKind.mountRole, key: "jwt", tokensOf: nil)
        _ = try await store.deleteCertRole("web")
        _ = try await store.deleteCRL("c1")
        XCTAssertEqual(Set(log(path, after: seq)), ["tls-cert-auth i1", "identity/oidc-auth i1", "identity i1", "mount-role jwt/r1",
                                                    "mount-role jwt/r2", "cert-role web", "crl c1"])
    }

    func testAnUpdateThatMovesARowLogsBothKeys() async throws {
        let path = dir + "/v.db"
        let store = try SQLiteStore(path: path)
        try await store.insertIdentity(identity("old", "one"))
        _ = try await store.putTLSCertAuth(tls("old"), insert: true)
        try await store.putCRL(name: "c-old", data: [1])
        try await store.putCertRole(CertRole(name: "r-old", displayName: "", certificate: "", names: NamePolicy(), policies: [],
                                             token: TokenSettings(), tokenType: "default"))
        _ = try await store.putDocument(kind: DocumentKind.mount, key: "m-old", Array("{}".utf8), insert: true)
        let seq = try await store.configuration().seq
        sql(path, """
            UPDATE identities SET id = 'new' WHERE id = 'old';
            UPDATE tls_cert_auth SET identity_id = 'new' WHERE identity_id = 'old';
            UPDATE crls SET name = 'c-new' WHERE name = 'c-old';
            UPDATE cert_roles SET name = 'r-new' WHERE name = 'r-old';
            UPDATE documents SET key = 'm-new' WHERE key = 'm-old';
            UPDATE documents SET kind = 'secrets-mount' WHERE key = 'm-new';
            UPDATE identities SET name = 'two' WHERE id = 'new';
            """)
        XCTAssertEqual(log(path, after: seq), ["identity old", "identity new", "tls-cert-auth old", "tls-cert-auth new", "crl c-old",
                                               "crl c-new", "cert-role r-old", "cert-role r-new", "mount m-old", "mount m-new",
                                               "mount m-new", "secrets-mount m-new", "identity new"])
        // a delta reads each key once, as the store holds it now
        let delta = try await store.configurationChanges(after: seq)
        XCTAssertEqual(delta?.identities.map { "\($0.id) \($0.identity?.name ?? "deleted")" }.sorted(), ["new one", "old deleted"], "the row as it is (its document was not rewritten)")
        XCTAssertEqual(delta?.tlsCertAuths.map { "\($0.identityId) \($0.config == nil)" }.sorted(), ["new false", "old true"])
        XCTAssertEqual(delta?.crls.map { "\($0.name) \($0.data ?? [])" }.sorted(), ["c-new [1]", "c-old []"])
        XCTAssertEqual(delta?.certRoles.map { "\($0.name) \($0.role == nil)" }.sorted(), ["r-new false", "r-old true"])
        XCTAssertEqual(delta?.documents.map { "\($0.kind) \($0.key) \($0.doc == nil)" }.sorted(),
                       ["mount m-new true", "mount m-old true", "secrets-mount m-new false"])
        XCTAssertEqual(delta?.count, 11)
    }

    func testADeltaHoldsTheCurrentRowsOfWhatChanged() async throws {
        let store = try SQLiteStore(path: dir + "/v.db")
        let start = try await store.configuration().seq
        XCTAssertEqual(start, 0, "a new database has logged nothing")
        try await store.insertIdentity(identity("a", "a"))
        try await store.insertIdentity(identity("b", "b"))
        _ = try await store.putDocument(kind: DocumentKind.policy, key: "p", Array("1".utf8), insert: false)
        _ = try await store.deleteIdentity("b")
        _ = try await store.putDocument(kind: DocumentKind.policy, key: "p", Array("2".utf8), insert: false)
        let delta = try await store.configurationChanges(after: start)
        let config = try await store.configuration()
        XCTAssertEqual(delta?.seq, config.seq)
        XCTAssertEqual(delta?.identities.map { "\($0.id) \($0.identity != nil)" }.sorted(), ["a true", "b false"])
        XCTAssertEqual(delta?.documents.map { "\($0.kind) \($0.key) \($0.doc ?? [])" }, ["acl-policy p [50]"], "the latest row, once")
        let none = try await store.configurationChanges(after: config.seq)
        XCTAssertEqual(none?.seq, config.seq)
        XCTAssertEqual(none?.count, 0, "nothing changed since")
    }

    func testALogThatDoesNotReachBackMeansAFullLoad() async throws {
        let path = dir + "/v.db"
        let store = try SQLiteStore(path: path)
        try await store.insertIdentity(identity("a", "a"))
        let seq = try await store.configuration().seq
        let ahead = try await store.configurationChanges(after: seq + 5)
        XCTAssertNil(ahead, "a sequence number this log never reached (another database's)")
        try await store.insertIdentity(identity("b", "b"))
        let reaches = try await store.configurationChanges(after: seq)
        XCTAssertNotNil(reaches)
        // 10,000 more entries: the log keeps the newest 10,000, so "b" is gone from it
        sql(path, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000) INSERT INTO config_changes (kind, key) SELECT 'test', i FROM n")
        XCTAssertEqual(sql(path, "SELECT COUNT(*), MIN(seq), MAX(seq) FROM config_changes"), [["10000", "\(seq + 2)", "\(seq + 10_001)"]])
        let pruned = try await store.configurationChanges(after: seq)
        XCTAssertNil(pruned, "the entry of b was pruned")
        let recent = try await store.configurationChanges(after: seq + 1)
        XCTAssertEqual(recent?.seq, seq + 10_001, "a reader behind by exactly what is kept still gets a delta")
        XCTAssertEqual(recent?.documents.count, 10_000, "kinds this Vouch does not know come as documents, and are ignored")
    }

    /// A configuration too large to decode in one piece is decoded in parallel parts: all of
    /// it, each row once; a row that does not decode fails the whole read.
    func testALargeConfigurationIsReadWholeAndEveryRowChecked() async throws {
        let path = dir + "/v.db"
        let store = try SQLiteStore(path: path)
        try await store.insertIdentity(identity("model", "model"))
        _ = try await store.putTLSCertAuth(tls("model"), insert: true)
        sql(path, """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9999)
            INSERT INTO identities (id, name, doc) SELECT 'i' || i, 'n' || i, replace(doc, '"model"', '"i' || i || '"') FROM n, identities WHERE id = 'model';
            INSERT INTO tls_cert_auth (identity_id, doc) SELECT id, replace((SELECT doc FROM tls_cert_auth WHERE identity_id = 'model'), '"model"', '"' || id || '"') FROM identities WHERE id != 'model';
            """)
        let config = try await store.configuration()
        XCTAssertEqual(config.identities.count, 10_000)
        XCTAssertEqual(Set(config.identities.map(\.id)), Set(["model"] + (1...9999).map { "i\($0)" }))
        XCTAssertEqual(Set(config.identities.map(\.name)), Set(["model"] + (1...9999).map { "i\($0)" }), "each document as stored")
        XCTAssertEqual(Set(config.tlsCertAuths.map(\.identityId)), Set(config.identities.map(\.id)))
        sql(path, #"UPDATE tls_cert_auth SET doc = '{"id":1}' WHERE identity_id = 'i7777'"#)
        await assertThrowsAsync(try await store.configuration()) { e in
            XCTAssertTrue("\(e)".contains("id"), "\(e)")
        }
    }

    /// The service falls back to a full load when its snapshot is older than the log reaches.
    func testTheServiceLoadsEverythingWhenTheLogWasPruned() async throws {
        let pki = try PKI()
        let root = try pki.make("root")
        let f = try await Fixture()
        var input = CertRoleInput()
        input.certificate = String(decoding: root.pem, as: UTF8.self)
        try await f.vouch.putCertRole("model", input, remote: nil)
        let db = f.dir + "/vouch.db"
        // written by another writer, then pushed out of the log before this service reloads
        sql(db, """
            INSERT INTO cert_roles (name, doc) SELECT 'pruned', replace(doc, '"name":"model"', '"name":"pruned"') FROM cert_roles WHERE name = 'model';
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000) INSERT INTO config_changes (kind, key) SELECT 'test', i FROM n;
            """)
        let before = f.vouch.current.seq
        let delta = try await f.vouch.store.configurationChanges(after: before)
        XCTAssertNil(delta)
        try await f.vouch.change {}
        XCTAssertEqual(f.vouch.current.roles.map(\.role.name), ["model", "pruned"], "the full load has what the log lost")
        let after = f.vouch.current.seq
        XCTAssertEqual(after, before + 10_001)
    }
}
