// StoreContractTests.swift: what every Store answers, each test run against each store in
// turn (SQLite embedded, PostgreSQL on a real server), each time a new empty one. (Not
// subclasses of one test case: the test discovery of swift-corelibs-xctest lists only the
// methods a class declares, so inherited tests would never run on Linux.) What only one
// store has (SQLite's group commit and files, PostgreSQL's migrations across nodes and
// reconnects) is tested beside them, in StoreTests and PostgresStoreTests.
import Foundation
@testable import VouchService
import VouchCore
import VouchTestSupport
import XCTest

/// A store that runs SQL as another writer would (tests only).
protocol RawSQLStore: Store {
    func execute(_ statements: [String]) async throws
}

extension SQLiteStore: RawSQLStore {}
extension PostgresStore: RawSQLStore {}

final class StoreContractTests: XCTestCase {
    enum Kind: String, CaseIterable { case sqlite = "SQLite", postgres = "PostgreSQL" }

    /// The store under test, and its kind (set by forEachStore).
    var store: (any RawSQLStore)!
    var kind = Kind.sqlite
    var dir: String!

    /// Runs `body` against a new, empty store of each kind; failures name the store.
    func forEachStore(_ body: () async throws -> Void) async throws {
        for k in Kind.allCases {
            kind = k
            let failures = testRun?.totalFailureCount ?? 0
            do {
                store = try await makeStore(k)
                try await body()
            } catch {
                XCTFail("\(error)")
            }
            await (store as? PostgresStore)?.shutdown()
            store = nil
            if (testRun?.totalFailureCount ?? 0) > failures { XCTFail("the failures above are \(k.rawValue)'s") }
        }
    }

    func makeStore(_ kind: Kind) async throws -> any RawSQLStore {
        switch kind {
        case .sqlite: return try SQLiteStore(path: dir + "/\(UUID().uuidString).db")
        case .postgres: return try await PostgresStore(url: try PostgresServer.freshDatabase().url)
        }
    }

    override func setUp() async throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("vouch-contract-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() async throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// SQL that appends `n` entries of kind `test` to the change log, as another writer.
    func appendChanges(_ n: Int) -> String {
        switch kind {
        case .sqlite:
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(n)) INSERT INTO config_changes (kind, key) SELECT 'test', i FROM n"
        case .postgres: "INSERT INTO config_changes (kind, key) SELECT 'test', i::text FROM generate_series(1, \(n)) AS i"
        }
    }

    func sql(_ statements: String...) async throws { try await store.execute(statements) }

    // MARK: fixtures

    func identity(_ id: String, _ name: String) -> Identity {
        Identity(id: id, name: name, role: "r", policies: ["p"], createdAt: Date(timeIntervalSince1970: 1), updatedAt: Date(timeIntervalSince1970: 2))
    }

    func tls(_ identityId: String, _ pem: String = "pem") -> TLSCertAuthConfig {
        TLSCertAuthConfig(id: "c-" + identityId, identityId: identityId, caCertificate: pem, names: NamePolicy(), token: TokenSettings(),
                          createdAt: Date(timeIntervalSince1970: 1), updatedAt: Date(timeIntervalSince1970: 1))
    }

    func role(_ name: String, _ displayName: String = "") -> CertRole {
        CertRole(name: name, displayName: displayName, certificate: "pem", names: NamePolicy(), policies: [], token: TokenSettings(),
                 tokenType: "default")
    }

    func token(_ id: String, subject: String = "s", method: String = "tls-cert-auth", expiresAt: Int64 = 2_000, maxExpiresAt: Int64 = 5_000,
               usesLimit: Int = 0) -> TokenRecord {
        TokenRecord(id: id, accessor: "acc-" + id, subject: subject, authMethod: method, displayName: "d", policies: ["a", "b"],
                    metadata: ["k": "v", "é": "\"q\""], createdAt: 1_000, expiresAt: expiresAt, maxExpiresAt: maxExpiresAt, ttl: 60,
                    uses: 0, usesLimit: usesLimit, trustedIPs: [try! CIDR("10.0.0.0/8")], revoked: false)
    }

    func certificate(_ mount: String, _ serial: String, ca: String? = "ca-1") -> SSHCertificateRecord {
        SSHCertificateRecord(mount: mount, serial: serial, role: "r", keyID: "k-" + serial, principals: ["root"], type: "user", validAfter: 1,
                             validBefore: 2, fingerprint: "SHA256:x", requester: "s", accessor: "a", issuedAt: 5, caPublicKey: ca)
    }

    func revocation(_ ca: String, _ value: String, key: String = "") -> SSHRevocation {
        SSHRevocation(ca: ca, kind: .serial, value: value, caKey: key, revokedAt: 7, revokedBy: "admin", fingerprint: nil)
    }

    func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    // MARK: meta

    func testMetaIsSetOnce() async throws {
        try await forEachStore {
            let none = try await store.meta("k")
            XCTAssertNil(none)
            let first = try await store.setMetaIfAbsent("k", [1, 2])
            XCTAssertEqual(first, [1, 2])
            let second = try await store.setMetaIfAbsent("k", [3])
            XCTAssertEqual(second, [1, 2], "the value set first stays")
            let read = try await store.meta("k")
            XCTAssertEqual(read, [1, 2])
            let empty = try await store.setMetaIfAbsent("empty", [])
            XCTAssertEqual(empty, [])
        }
    }

    /// Nodes starting at once each offer their own value (a signing key, say): all end up with one.
    func testConcurrentSetMetaIfAbsentAgreeOnOneValue() async throws {
        try await forEachStore {
            let store = store!
            let answers = try await withThrowingTaskGroup(of: [UInt8].self) { group in
                for i in 0..<20 { group.addTask { try await store.setMetaIfAbsent("key", [UInt8(i), 0xFF]) } }
                return try await group.reduce(into: [[UInt8]]()) { $0.append($1) }
            }
            XCTAssertEqual(answers.count, 20)
            XCTAssertEqual(Set(answers).count, 1, "\(answers)")
            let stored = try await store.meta("key")
            XCTAssertEqual(stored, answers[0])
        }
    }

    // MARK: identities

    func testIdentitiesAreStoredUpdatedAndDeleted() async throws {
        try await forEachStore {
            try await store.insertIdentity(identity("i2", "beta"))
            try await store.insertIdentity(identity("i1", "alpha"))
            try await store.insertIdentity(identity("i3", "Zeta"))
            let all = try await store.identities()
            XCTAssertEqual(all.map(\.name), ["Zeta", "alpha", "beta"], "by name, byte order")
            let one = try await store.identity("i1")
            XCTAssertEqual(one, identity("i1", "alpha"))
            let missing = try await store.identity("nope")
            XCTAssertNil(missing)

            var renamed = identity("i1", "gamma")
            renamed.policies = ["q"]
            try await store.updateIdentity(renamed)
            let after = try await store.identity("i1")
            XCTAssertEqual(after, renamed)
            try await store.updateIdentity(renamed)  // its own name is no conflict

            await assertThrowsAsync(try await self.store.insertIdentity(self.identity("i4", "beta"))) { e in
                XCTAssertEqual((e as? ServiceError)?.code, "identity_exists", "\(e)")
                XCTAssertEqual((e as? ServiceError)?.kind, .conflict)
            }
            await assertThrowsAsync(try await self.store.updateIdentity(self.identity("i1", "beta"))) { e in
                XCTAssertEqual((e as? ServiceError)?.code, "identity_exists", "\(e)")
            }
            let unchanged = try await store.identity("i1")
            XCTAssertEqual(unchanged?.name, "gamma", "a refused rename changes nothing")
            let deleted = try await store.deleteIdentity("i2")
            XCTAssertTrue(deleted)
            let again = try await store.deleteIdentity("i2")
            XCTAssertFalse(again)
            let left = try await store.identities()
            XCTAssertEqual(left.map(\.id), ["i3", "i1"])
        }
    }

    func testDeletingAnIdentityTakesItsAuthDocumentsAndTokens() async throws {
        try await forEachStore {
            try await store.insertIdentity(identity("i1", "one"))
            try await store.insertIdentity(identity("i2", "two"))
            _ = try await store.putTLSCertAuth(tls("i1"), insert: true)
            _ = try await store.putDocument(kind: DocumentKind.identityOIDC, key: "i1", bytes("{}"), insert: true)
            _ = try await store.putDocument(kind: DocumentKind.identityOIDC, key: "i2", bytes("{}"), insert: true)
            _ = try await store.putDocument(kind: DocumentKind.mount, key: "i1", bytes("{}"), insert: true)
            try await store.insertToken(token("t1", subject: "i1"))
            try await store.insertToken(token("t2", subject: "i2"))
            _ = try await store.deleteIdentity("i1")
            let auth = try await store.tlsCertAuth(identityId: "i1")
            XCTAssertNil(auth)
            let oidc1 = try await store.document(kind: DocumentKind.identityOIDC, key: "i1")
            XCTAssertNil(oidc1)
            let oidc2 = try await store.document(kind: DocumentKind.identityOIDC, key: "i2")
            XCTAssertNotNil(oidc2)
            let mount = try await store.document(kind: DocumentKind.mount, key: "i1")
            XCTAssertNotNil(mount, "not an identity's document")
            let t1 = try await store.token(id: "t1"), t2 = try await store.token(id: "t2")
            XCTAssertNil(t1)
            XCTAssertNotNil(t2)
        }
    }

    // MARK: TLS certificate auth

    func testTLSCertAuthIsInsertedOnceAndReplaced() async throws {
        try await forEachStore {
            try await store.insertIdentity(identity("i1", "one"))
            let inserted = try await store.putTLSCertAuth(tls("i1", "first"), insert: true)
            XCTAssertTrue(inserted)
            let twice = try await store.putTLSCertAuth(tls("i1", "second"), insert: true)
            XCTAssertFalse(twice, "an insert finds one there")
            let kept = try await store.tlsCertAuth(identityId: "i1")
            XCTAssertEqual(kept?.caCertificate, "first")
            let replaced = try await store.putTLSCertAuth(tls("i1", "third"), insert: false)
            XCTAssertTrue(replaced)
            let now = try await store.tlsCertAuth(identityId: "i1")
            XCTAssertEqual(now, tls("i1", "third"))
            try await store.insertIdentity(identity("i2", "two"))
            let absent = try await store.putTLSCertAuth(tls("i2"), insert: false)
            XCTAssertFalse(absent, "a replace needs one there")
            let none = try await store.tlsCertAuth(identityId: "i2")
            XCTAssertNil(none)

            try await store.insertToken(token("cert", subject: "i1"))
            try await store.insertToken(token("oidc", subject: "i1", method: "oidc-auth"))
            let deleted = try await store.deleteTLSCertAuth(identityId: "i1")
            XCTAssertTrue(deleted)
            let again = try await store.deleteTLSCertAuth(identityId: "i1")
            XCTAssertFalse(again)
            let cert = try await store.token(id: "cert"), oidc = try await store.token(id: "oidc")
            XCTAssertNil(cert, "the TLS auth's tokens go with it")
            XCTAssertNotNil(oidc)
        }
    }

    // MARK: cert roles and CRLs

    func testCertRolesAndCRLsArePutAndDeleted() async throws {
        try await forEachStore {
            try await store.putCertRole(role("web", "first"))
            try await store.putCertRole(role("api"))
            try await store.putCertRole(role("web", "second"))
            let roles = try await store.certRoles()
            XCTAssertEqual(roles.map { "\($0.name) \($0.displayName)" }, ["api ", "web second"])
            let deleted = try await store.deleteCertRole("api")
            XCTAssertTrue(deleted)
            let again = try await store.deleteCertRole("api")
            XCTAssertFalse(again)

            try await store.putCRL(name: "c2", data: [1])
            try await store.putCRL(name: "c1", data: [2, 0, 3])
            try await store.putCRL(name: "c2", data: [4])
            let crls = try await store.configuration().crls
            XCTAssertEqual(crls.map(\.name), ["c1", "c2"])
            XCTAssertEqual(crls.map(\.data), [[2, 0, 3], [4]])
            let crlDeleted = try await store.deleteCRL("c1")
            XCTAssertTrue(crlDeleted)
            let crlAgain = try await store.deleteCRL("c1")
            XCTAssertFalse(crlAgain)
        }
    }

    // MARK: documents

    func testDocumentsAreInsertedReplacedAndListed() async throws {
        try await forEachStore {
            let first = try await store.putDocument(kind: "k", key: "b", [0, 1, 2, 255], insert: true)
            XCTAssertTrue(first)
            let twice = try await store.putDocument(kind: "k", key: "b", [9], insert: true)
            XCTAssertFalse(twice)
            let kept = try await store.document(kind: "k", key: "b")
            XCTAssertEqual(kept, [0, 1, 2, 255], "bytes as given")
            let replaced = try await store.putDocument(kind: "k", key: "b", [7], insert: false)
            XCTAssertTrue(replaced)
            let created = try await store.putDocument(kind: "k", key: "a", [], insert: false)
            XCTAssertTrue(created, "a replace creates")
            _ = try await store.putDocument(kind: "other", key: "a", [1], insert: true)
            let list = try await store.documents(kind: "k")
            XCTAssertEqual(list.map(\.key), ["a", "b"])
            XCTAssertEqual(list.map(\.doc), [[], [7]])
            let missing = try await store.document(kind: "k", key: "c")
            XCTAssertNil(missing)
        }
    }

    func testDeletingDocumentsTakesTheKeyItsChildrenAndRevokesTheirTokens() async throws {
        try await forEachStore {
            for key in ["jwt", "jwt/r1", "jwt/r2", "jwtx", "jw_", "jwt%"] {
                _ = try await store.putDocument(kind: DocumentKind.mountRole, key: key, bytes("{}"), insert: true)
            }
            _ = try await store.putDocument(kind: DocumentKind.mount, key: "jwt/r1", bytes("{}"), insert: true)
            try await store.insertToken(token("a", subject: "x", method: "jwt"))
            try await store.insertToken(token("b", subject: "y", method: "jwt"))
            try await store.insertToken(token("c", subject: "x", method: "oidc"))
            let deleted = try await store.deleteDocuments(kind: DocumentKind.mountRole, key: "jwt", tokensOf: (subject: "x", authMethod: "jwt"))
            XCTAssertTrue(deleted)
            let left = try await store.documents(kind: DocumentKind.mountRole).map(\.key)
            XCTAssertEqual(left, ["jw_", "jwt%", "jwtx"], "only the key and key/..., no wildcards")
            let other = try await store.document(kind: DocumentKind.mount, key: "jwt/r1")
            XCTAssertNotNil(other, "another kind is untouched")
            var revoked: [String: Bool] = [:]
            for id in ["a", "b", "c"] { revoked[id] = try await store.token(id: id)?.revoked }
            XCTAssertEqual(revoked, ["a": true, "b": false, "c": false], "the subject's tokens of that method")
            let none = try await store.deleteDocuments(kind: DocumentKind.mountRole, key: "jwt", tokensOf: (subject: nil, authMethod: "jwt"))
            XCTAssertFalse(none, "nothing left to delete")
            let b = try await store.token(id: "b")
            XCTAssertEqual(b?.revoked, true, "every token of the method, in the same call")
        }
    }

    // MARK: SSH certificates

    func testSSHCertificatesArePagedByCursorInTheOrderRecorded() async throws {
        try await forEachStore {
            for (i, serial) in ["05", "01", "04", "02", "03"].enumerated() {
                let added = try await store.insertSSHCertificate(certificate("ssh", serial, ca: i < 3 ? "ca-1" : "ca-2"))
                XCTAssertTrue(added)
                _ = try await store.insertSSHCertificate(certificate("other", serial))
            }
            let dup = try await store.insertSSHCertificate(certificate("ssh", "01"))
            XCTAssertFalse(dup, "a serial is taken once per mount")
            _ = try await store.insertSSHCertificate(certificate("ssh", "06", ca: nil))
            var pages: [[String]] = []
            var cursor: Int64 = 0
            while true {
                let page = try await store.sshCertificates(mount: "ssh", after: cursor, limit: 2)
                if page.isEmpty { break }
                XCTAssertEqual(page.map(\.cursor), page.map(\.cursor).sorted())
                XCTAssertTrue(page.allSatisfy { $0.cursor > cursor })
                pages.append(page.map(\.record.serial))
                cursor = page.last!.cursor
            }
            XCTAssertEqual(pages, [["05", "01"], ["04", "02"], ["03", "06"]])
            let one = try await store.sshCertificate(mount: "ssh", serial: "04")
            XCTAssertEqual(one, certificate("ssh", "04"))
            let none = try await store.sshCertificate(mount: "ssh", serial: "99")
            XCTAssertNil(none)
            let keys = try await store.sshCAKeys(mount: "ssh")
            XCTAssertEqual(keys.sorted(), ["ca-1", "ca-2"])
            let empty = try await store.sshCertificates(mount: "none", after: 0, limit: 10)
            XCTAssertTrue(empty.isEmpty)
        }
    }

    func testSSHRevocationsAreKeptOnceInOrder() async throws {
        try await forEachStore {
            let added = try await store.insertSSHRevocations([revocation("ssh", "b"), revocation("ssh", "a"), revocation("ssh", "b"),
                                                              revocation("ssh", "a", key: "k2"), revocation("cas/x", "a")])
            XCTAssertEqual(added, 4, "the repeat in one call is kept once")
            let again = try await store.insertSSHRevocations([revocation("ssh", "a"), revocation("ssh", "c")])
            XCTAssertEqual(again, 1)
            let list = try await store.sshRevocations(mount: "ssh")
            XCTAssertEqual(list.map { "\($0.value)\($0.caKey)" }, ["b", "a", "ak2", "c"])
            XCTAssertEqual(list.map(\.sequence), list.map(\.sequence).sorted())
            XCTAssertEqual(Set(list.map(\.sequence)).count, 4)
            XCTAssertEqual(list.first.map { var r = $0; r.sequence = 0; return r }, revocation("ssh", "b"))
            let other = try await store.sshRevocations(mount: "cas/x")
            XCTAssertEqual(other.count, 1)
        }
    }

    // MARK: tokens

    func testTokensAreFoundByIdAndAccessor() async throws {
        try await forEachStore {
            let t = token("t1", usesLimit: 3)
            try await store.insertToken(t)
            let byID = try await store.token(id: "t1")
            XCTAssertEqual(byID, t)
            let byAccessor = try await store.token(accessor: "acc-t1")
            XCTAssertEqual(byAccessor, t)
            let none = try await store.token(id: "acc-t1"), noAccessor = try await store.token(accessor: "t1")
            XCTAssertNil(none)
            XCTAssertNil(noAccessor)
            await assertThrowsAsync(try await self.store.insertToken(t), "an id is taken once")
        }
    }

    func testUsesAreCountedToTheLimit() async throws {
        try await forEachStore {
            try await store.insertToken(token("t", usesLimit: 3))
            for n in 1...3 {
                let outcome = try await store.useToken(id: "t", now: 1_500)
                guard case .used(let r) = outcome else { return XCTFail("\(outcome)") }
                XCTAssertEqual(r.uses, n)
            }
            let fourth = try await store.useToken(id: "t", now: 1_500)
            XCTAssertEqual(fourth, .exhausted)
            let stored = try await store.token(id: "t")
            XCTAssertEqual(stored?.uses, 3, "a refused use is not counted")
            try await store.insertToken(token("unlimited"))
            for _ in 0..<5 { _ = try await store.useToken(id: "unlimited", now: 1_500) }
            let unlimited = try await store.token(id: "unlimited")
            XCTAssertEqual(unlimited?.uses, 5)
            let missing = try await store.useToken(id: "missing", now: 1_500)
            XCTAssertEqual(missing, .notFound)
        }
    }

    /// Of 200 uses at once of a token with 50 uses, exactly 50 succeed, each with its own count.
    func testExactlyTheLimitOfConcurrentUsesSucceed() async throws {
        try await forEachStore {
            try await store.insertToken(token("t", usesLimit: 50))
            let store = store!
            let outcomes = try await withThrowingTaskGroup(of: UseOutcome.self) { group in
                for _ in 0..<200 { group.addTask { try await store.useToken(id: "t", now: 1_500) } }
                return try await group.reduce(into: [UseOutcome]()) { $0.append($1) }
            }
            let counts = outcomes.compactMap { if case .used(let r) = $0 { r.uses } else { nil } }
            XCTAssertEqual(counts.count, 50)
            XCTAssertEqual(counts.sorted(), Array(1...50), "each use saw its own count")
            XCTAssertEqual(outcomes.filter { $0 == .exhausted }.count, 150)
            let stored = try await store.token(id: "t")
            XCTAssertEqual(stored?.uses, 50)
        }
    }

    func testExpiredAndRevokedTokensAreRefused() async throws {
        try await forEachStore {
            try await store.insertToken(token("t", expiresAt: 2_000))
            let live = try await store.useToken(id: "t", now: 1_999)
            guard case .used = live else { return XCTFail("\(live)") }
            let expired = try await store.useToken(id: "t", now: 2_000)
            XCTAssertEqual(expired, .expired)
            let revoked = try await store.revokeToken(id: "t")
            XCTAssertTrue(revoked)
            let twice = try await store.revokeToken(id: "t")
            XCTAssertFalse(twice, "already revoked")
            let missing = try await store.revokeToken(id: "missing")
            XCTAssertFalse(missing)
            let refused = try await store.useToken(id: "t", now: 1_500)
            XCTAssertEqual(refused, .revoked)
            let late = try await store.useToken(id: "t", now: 9_000)
            XCTAssertEqual(late, .revoked, "revoked before expired")
            let stored = try await store.token(id: "t")
            XCTAssertEqual(stored?.revoked, true)
            XCTAssertEqual(stored?.uses, 1)
        }
    }

    func testRenewalMovesTheExpiryNeverPastTheHardOne() async throws {
        try await forEachStore {
            try await store.insertToken(token("t", expiresAt: 2_000, maxExpiresAt: 5_000))
            let renewed = try await store.renewToken(id: "t", expiresAt: 3_000, now: 1_500)
            XCTAssertEqual(renewed?.expiresAt, 3_000)
            let capped = try await store.renewToken(id: "t", expiresAt: 9_000, now: 1_500)
            XCTAssertEqual(capped?.expiresAt, 5_000, "never past max_expires_at")
            let stored = try await store.token(id: "t")
            XCTAssertEqual(stored?.expiresAt, 5_000)
            let expired = try await store.renewToken(id: "t", expiresAt: 5_000, now: 5_000)
            XCTAssertNil(expired)
            try await store.insertToken(token("r"))
            _ = try await store.revokeToken(id: "r")
            let revoked = try await store.renewToken(id: "r", expiresAt: 3_000, now: 1_500)
            XCTAssertNil(revoked)
            try await store.insertToken(token("u", usesLimit: 1))
            _ = try await store.useToken(id: "u", now: 1_500)
            let exhausted = try await store.renewToken(id: "u", expiresAt: 3_000, now: 1_500)
            XCTAssertNil(exhausted)
            let missing = try await store.renewToken(id: "missing", expiresAt: 3_000, now: 1_500)
            XCTAssertNil(missing)
        }
    }

    func testRevokingASubjectsTokensOfOneMethod() async throws {
        try await forEachStore {
            try await store.insertToken(token("a", subject: "s", method: "m"))
            try await store.insertToken(token("b", subject: "s", method: "n"))
            try await store.insertToken(token("c", subject: "t", method: "m"))
            try await store.revokeTokens(subject: "s", authMethod: "m")
            var revoked: [String: Bool] = [:]
            for id in ["a", "b", "c"] { revoked[id] = try await store.token(id: id)?.revoked }
            XCTAssertEqual(revoked, ["a": true, "b": false, "c": false])
        }
    }

    func testPurgeDropsTokensPastTheirHardExpiry() async throws {
        try await forEachStore {
            try await store.insertToken(token("old", expiresAt: 100, maxExpiresAt: 100))
            try await store.insertToken(token("edge", expiresAt: 200, maxExpiresAt: 200))
            try await store.insertToken(token("live", expiresAt: 200, maxExpiresAt: 300))
            let purged = try await store.purgeExpiredTokens(now: 200)
            XCTAssertEqual(purged, 2)
            let live = try await store.token(id: "live"), old = try await store.token(id: "old")
            XCTAssertNotNil(live)
            XCTAssertNil(old)
            let none = try await store.purgeExpiredTokens(now: 200)
            XCTAssertEqual(none, 0)
        }
    }

    // MARK: configuration and its change log

    func testTheConfigurationHoldsEveryTableAndTheLogsLastNumber() async throws {
        try await forEachStore {
            let empty = try await store.configuration()
            XCTAssertEqual(empty.seq, 0, "a new database has logged nothing")
            XCTAssertTrue(empty.identities.isEmpty && empty.tlsCertAuths.isEmpty && empty.certRoles.isEmpty && empty.crls.isEmpty && empty.documents.isEmpty)
            try await store.insertIdentity(identity("i1", "one"))
            try await store.insertIdentity(identity("i2", "two"))
            _ = try await store.putTLSCertAuth(tls("i2"), insert: true)
            try await store.putCertRole(role("b"))
            try await store.putCertRole(role("a"))
            try await store.putCRL(name: "c", data: [1])
            _ = try await store.putDocument(kind: DocumentKind.policy, key: "p2", [2], insert: true)
            _ = try await store.putDocument(kind: DocumentKind.policy, key: "p1", [1], insert: true)
            _ = try await store.putDocument(kind: DocumentKind.mount, key: "m", [3], insert: true)
            try await store.insertToken(token("t"))  // no configuration
            let config = try await store.configuration()
            XCTAssertEqual(config.seq, 9)
            XCTAssertEqual(Set(config.identities.map(\.id)), ["i1", "i2"])
            XCTAssertEqual(config.tlsCertAuths, [tls("i2")])
            XCTAssertEqual(config.certRoles.map(\.name), ["a", "b"])
            XCTAssertEqual(config.crls.map(\.name), ["c"])
            XCTAssertEqual(config.documents.mapValues { $0.map(\.key) }, [DocumentKind.policy: ["p1", "p2"], DocumentKind.mount: ["m"]])
            XCTAssertEqual(config.documents[DocumentKind.policy]?.map(\.doc), [[1], [2]])
        }
    }

    /// Every write of each kind (insert, update, a change of key, delete) comes back in a
    /// delta as the row now is (nil: gone), each key once.
    func testEveryKindOfChangeShowsUpInTheDelta() async throws {
        try await forEachStore {
            try await store.insertIdentity(identity("i1", "one"))
            try await store.insertIdentity(identity("old", "moved"))
            _ = try await store.putTLSCertAuth(tls("i1"), insert: true)
            try await store.putCertRole(role("r1"))
            try await store.putCertRole(role("r-old"))
            try await store.putCRL(name: "c1", data: [1])
            try await store.putCRL(name: "c-old", data: [2])
            _ = try await store.putDocument(kind: DocumentKind.mount, key: "m1", [1], insert: true)
            _ = try await store.putDocument(kind: DocumentKind.mount, key: "m-old", [2], insert: true)
            let start = try await store.configuration().seq
            let nothing = try await store.configurationChanges(after: start)
            XCTAssertEqual(nothing?.seq, start)
            XCTAssertEqual(nothing?.count, 0)

            // updates, inserts, deletes through the store
            try await store.updateIdentity(identity("i1", "uno"))
            try await store.insertIdentity(identity("i2", "two"))
            _ = try await store.putTLSCertAuth(tls("i1", "other"), insert: false)
            try await store.putCertRole(role("r1", "changed"))
            try await store.putCertRole(role("r2"))
            _ = try await store.deleteCRL("c1")
            try await store.putCRL(name: "c2", data: [3])
            _ = try await store.putDocument(kind: DocumentKind.mount, key: "m1", [9], insert: false)
            _ = try await store.deleteDocuments(kind: DocumentKind.mount, key: "m1", tokensOf: nil)
            _ = try await store.putDocument(kind: DocumentKind.policy, key: "p", [4], insert: true)
            // changes of key, as another writer might make them
            try await sql("UPDATE identities SET id = 'new' WHERE id = 'old'", "UPDATE cert_roles SET name = 'r-new' WHERE name = 'r-old'",
                          "UPDATE crls SET name = 'c-new' WHERE name = 'c-old'", "UPDATE documents SET key = 'm-new' WHERE key = 'm-old'")
            try await store.insertToken(token("t"))  // no configuration
            let delta = try await store.configurationChanges(after: start)
            let config = try await store.configuration()
            XCTAssertEqual(delta?.seq, config.seq)
            XCTAssertEqual(delta?.identities.map { "\($0.id) \($0.identity?.name ?? "-")" }.sorted(), ["i1 uno", "i2 two", "new moved", "old -"])
            XCTAssertEqual(delta?.tlsCertAuths.map { "\($0.identityId) \($0.config?.caCertificate ?? "-")" }, ["i1 other"])
            XCTAssertEqual(delta?.certRoles.map { "\($0.name) \($0.role?.displayName ?? "-")" }.sorted(), ["r-new ", "r-old -", "r1 changed", "r2 "])
            XCTAssertEqual(delta?.crls.map { "\($0.name) \($0.data ?? [])" }.sorted(), ["c-new [2]", "c-old []", "c1 []", "c2 [3]"])
            XCTAssertEqual(delta?.documents.map { "\($0.kind) \($0.key) \($0.doc ?? [])" }.sorted(),
                           ["acl-policy p [4]", "mount m-new [2]", "mount m-old []", "mount m1 []"])
            XCTAssertEqual(delta?.count, 17)

            // deleting an identity takes its TLS auth (cascade): both logged
            let seq = config.seq
            _ = try await store.deleteIdentity("i1")
            let gone = try await store.configurationChanges(after: seq)
            XCTAssertEqual(gone?.identities.map { "\($0.id) \($0.identity == nil)" }, ["i1 true"])
            XCTAssertEqual(gone?.tlsCertAuths.map { "\($0.identityId) \($0.config == nil)" }, ["i1 true"])
            let upToDate = try await store.configurationChanges(after: gone?.seq ?? 0)
            XCTAssertEqual(upToDate?.count, 0)
        }
    }

    /// The log keeps its newest 10,000 entries: a reader whose next entry was pruned, or
    /// whose number the log never reached, gets nil (a full load); one whose next entry is
    /// the oldest kept still gets a delta.
    func testALogThatDoesNotReachBackMeansAFullLoad() async throws {
        try await forEachStore {
            try await store.insertIdentity(identity("a", "a"))
            try await store.insertIdentity(identity("b", "b"))
            let afterB = try await store.configuration().seq
            XCTAssertEqual(afterB, 2)
            try await sql(appendChanges(9_999))  // 10,001 entries written: a's is pruned
            let last = try await store.configuration().seq
            XCTAssertEqual(last, 10_001, "pruning never lowers the last number")
            let sinceA = try await store.configurationChanges(after: 1)
            XCTAssertEqual(sinceA?.identities.map(\.id), ["b"])
            XCTAssertEqual(sinceA?.documents.count, 9_999, "kinds this Vouch does not know come as documents")
            XCTAssertEqual(sinceA?.seq, last)
            for behind in [0, last + 1, last + 100] as [Int64] {
                let none = try await store.configurationChanges(after: behind)
                XCTAssertNil(none, "after \(behind)")
            }
            let upToDate = try await store.configurationChanges(after: last)
            XCTAssertEqual(upToDate?.count, 0)
        }
    }
}
