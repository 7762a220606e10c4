// TokenTests.swift: TTL, max TTL on renew, use limits under concurrency, revocation,
// tampering, and what survives a restart.
import Foundation
import VouchCore
import VouchService
import VouchTestSupport
import XCTest

final class TokenTests: XCTestCase {
    var pki: PKI!
    var f: Fixture!
    var root: Issued!
    var leaf: Issued!

    override func setUpWithError() throws {
        pki = try PKI()
        f = try Fixture()
        root = try pki.make("root")
        leaf = try pki.make("leaf", issuer: root, profile: .client)
    }

    private func identity(ttl: Int = 100, maxTTL: Int = 250, uses: Int = 0) throws -> Identity {
        let id = try f.vouch.createIdentity(name: "svc-\(UUID().uuidString.prefix(6))", role: nil, policies: nil, remote: nil)
        var input = TLSCertAuthInput()
        input.caCertificate = String(decoding: root.pem, as: UTF8.self)
        input.accessTokenTTL = ttl
        input.accessTokenMaxTTL = maxTTL
        input.accessTokenNumUsesLimit = uses
        _ = try f.vouch.attachTLSCertAuth(identityId: id.id, input, remote: nil)
        return id
    }

    private func login(_ id: Identity) throws -> LoginResult {
        try f.vouch.loginTLSCertAuth(identityId: id.id, chain: Array(leaf.pem), remote: "127.0.0.1")
    }

    private func code(_ body: () throws -> Any) -> String? {
        do { _ = try body(); return nil } catch let e as ServiceError { return e.code } catch { return "\(error)" }
    }

    func testTTLExpiresAndRenewNeverPassesMaxTTL() throws {
        let t = try login(try identity())
        f.clock.advance(90)
        var r = try f.vouch.renewToken(t.accessToken, remote: "127.0.0.1")
        XCTAssertEqual(r.expiresIn, 100)
        f.clock.advance(90)
        r = try f.vouch.renewToken(t.accessToken, remote: "127.0.0.1")
        XCTAssertEqual(r.expiresIn, 70, "capped by the max TTL: 250 - 180")
        XCTAssertEqual(r.accessToken, t.accessToken, "renewal keeps the token")
        f.clock.advance(69)
        XCTAssertNoThrow(try f.vouch.useToken(t.accessToken, remote: "127.0.0.1"))
        f.clock.advance(2)
        XCTAssertEqual(code { try f.vouch.useToken(t.accessToken, remote: "127.0.0.1") }, "token_expired")
        XCTAssertEqual(code { try f.vouch.renewToken(t.accessToken, remote: "127.0.0.1") }, "token_expired")
    }

    func testAnExpiredTokenCannotBeRenewed() throws {
        let t = try login(try identity())
        f.clock.advance(101)
        XCTAssertEqual(code { try f.vouch.renewToken(t.accessToken, remote: "127.0.0.1") }, "token_expired")
    }

    func testExactlyNOfManyConcurrentUsesSucceed() async throws {
        let t = try login(try identity(uses: 50))
        let vouch = f.vouch
        let token = t.accessToken
        let ok = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<200 {
                group.addTask { (try? vouch.useToken(token, remote: "127.0.0.1")) != nil }
            }
            var n = 0
            for await success in group where success { n += 1 }
            return n
        }
        XCTAssertEqual(ok, 50)
        XCTAssertEqual(code { try f.vouch.useToken(t.accessToken, remote: "127.0.0.1") }, "token_uses_exhausted")
        XCTAssertEqual(code { try f.vouch.renewToken(t.accessToken, remote: "127.0.0.1") }, "token_uses_exhausted")
    }

    func testRevokedAndTamperedTokens() throws {
        let t = try login(try identity())
        try f.vouch.revokeToken(t.accessToken, remote: "127.0.0.1")
        XCTAssertEqual(code { try f.vouch.useToken(t.accessToken, remote: "127.0.0.1") }, "token_revoked")
        XCTAssertEqual(code { try f.vouch.renewToken(t.accessToken, remote: "127.0.0.1") }, "token_revoked")

        let u = try login(try identity())
        var parts = u.accessToken.split(separator: ".").map(String.init)
        // claims of another token, signature of this one
        parts[1] = String(t.accessToken.split(separator: ".")[1])
        XCTAssertEqual(code { try f.vouch.useToken(parts.joined(separator: "."), remote: "127.0.0.1") }, "invalid_token")
        for bad in ["", "a.b", "a.b.c", u.accessToken + "=", u.accessToken.replacingOccurrences(of: ".", with: ".."),
                    String(repeating: "A", count: 100_000), "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."] {
            XCTAssertEqual(code { try f.vouch.useToken(bad, remote: "127.0.0.1") }, "invalid_token", bad.prefix(40) + "")
        }
        // a token signed by another server's key
        let other = try Fixture()
        let otherRoot = root!
        let oid = try other.vouch.createIdentity(name: "x", role: nil, policies: nil, remote: nil)
        var input = TLSCertAuthInput()
        input.caCertificate = String(decoding: otherRoot.pem, as: UTF8.self)
        _ = try other.vouch.attachTLSCertAuth(identityId: oid.id, input, remote: nil)
        let foreign = try other.vouch.loginTLSCertAuth(identityId: oid.id, chain: Array(leaf.pem), remote: "127.0.0.1")
        XCTAssertEqual(code { try f.vouch.useToken(foreign.accessToken, remote: "127.0.0.1") }, "invalid_token")
    }

    func testEverythingSurvivesARestart() throws {
        let id = try identity(uses: 5)
        let t = try login(id)
        _ = try f.vouch.useToken(t.accessToken, remote: "127.0.0.1")
        try pki.revoke(leaf, by: root)
        let other = try pki.make("other", issuer: root, profile: .client)
        try f.vouch.putCRL("root", Array(try pki.crl(of: root)), remote: nil)

        let again = try f.restarted()
        XCTAssertEqual(try again.identity(id.id).name, id.name)
        XCTAssertEqual(try again.useToken(t.accessToken, remote: "127.0.0.1").uses, 2, "the same signing key, the same state")
        XCTAssertEqual(again.crlNames(), ["root"])
        XCTAssertThrowsError(try again.loginTLSCertAuth(identityId: id.id, chain: Array(leaf.pem), remote: "127.0.0.1"))
        XCTAssertNoThrow(try again.loginTLSCertAuth(identityId: id.id, chain: Array(other.pem), remote: "127.0.0.1"))
        XCTAssertTrue(again.isAdmin(f.adminToken))
        XCTAssertFalse(again.isAdmin(f.adminToken + "x"))
        XCTAssertFalse(again.isAdmin(nil))
    }

    func testDataDirectorySecrets() throws {
        let key = f.dir + "/master.key"
        let mode = try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        let db = try Data(contentsOf: URL(fileURLWithPath: f.dir + "/vouch.db"))
        XCTAssertNil(db.range(of: Data(f.adminToken.utf8)), "the admin token is kept only as a hash")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: key)
        XCTAssertThrowsError(try f.restarted()) { e in
            XCTAssertTrue("\(e)".contains("chmod 600"), "\(e)")
        }
        let tokenFile = f.dir + "-admin-token"
        let dir2 = f.dir + "-2"
        let (_, first) = try Vouch.open(dataDir: dir2, adminTokenFile: tokenFile, audit: try AuditLog(path: nil))
        XCTAssertNil(first.adminToken, "written to the file instead")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: tokenFile)[.posixPermissions] as? Int, 0o600)
        XCTAssertTrue(try String(contentsOfFile: tokenFile, encoding: .utf8).hasPrefix("vouch.admin."))
    }
}
