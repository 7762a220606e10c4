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

    override func setUp() async throws {
        pki = try PKI()
        f = try await Fixture()
        root = try pki.make("root")
        leaf = try pki.make("leaf", issuer: root, profile: .client)
    }

    private func identity(ttl: Int = 100, maxTTL: Int = 250, uses: Int = 0) async throws -> Identity {
        let id = try await f.vouch.createIdentity(name: "svc-\(UUID().uuidString.prefix(6))", role: nil, policies: nil, remote: nil)
        var input = TLSCertAuthInput()
        input.caCertificate = String(decoding: root.pem, as: UTF8.self)
        input.accessTokenTTL = ttl
        input.accessTokenMaxTTL = maxTTL
        input.accessTokenNumUsesLimit = uses
        _ = try await f.vouch.attachTLSCertAuth(identityId: id.id, input, remote: nil)
        return id
    }

    private func login(_ id: Identity) async throws -> LoginResult {
        try await f.vouch.loginTLSCertAuth(identityId: id.id, chain: Array(leaf.pem), remote: "127.0.0.1")
    }

    private func code(_ body: () async throws -> Any) async -> String? {
        do { _ = try await body(); return nil } catch let e as ServiceError { return e.code } catch { return "\(error)" }
    }

    func testTTLExpiresAndRenewNeverPassesMaxTTL() async throws {
        let t = try await login(try await identity())
        f.clock.advance(90)
        var r = try await f.vouch.renewToken(t.accessToken, remote: "127.0.0.1")
        XCTAssertEqual(r.expiresIn, 100)
        f.clock.advance(90)
        r = try await f.vouch.renewToken(t.accessToken, remote: "127.0.0.1")
        XCTAssertEqual(r.expiresIn, 70, "capped by the max TTL: 250 - 180")
        XCTAssertEqual(r.accessToken, t.accessToken, "renewal keeps the token")
        f.clock.advance(69)
        await assertNoThrowAsync(try await f.vouch.useToken(t.accessToken, remote: "127.0.0.1"))
        f.clock.advance(2)
        let code1 = await code { try await f.vouch.useToken(t.accessToken, remote: "127.0.0.1") }
        XCTAssertEqual(code1, "token_expired")
        let code2 = await code { try await f.vouch.renewToken(t.accessToken, remote: "127.0.0.1") }
        XCTAssertEqual(code2, "token_expired")
    }

    func testAnExpiredTokenCannotBeRenewed() async throws {
        let t = try await login(try await identity())
        f.clock.advance(101)
        let code3 = await code { try await f.vouch.renewToken(t.accessToken, remote: "127.0.0.1") }
        XCTAssertEqual(code3, "token_expired")
    }

    func testExactlyNOfManyConcurrentUsesSucceed() async throws {
        let t = try await login(try await identity(uses: 50))
        let vouch = f.vouch
        let token = t.accessToken
        let ok = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<200 {
                group.addTask { (try? await vouch.useToken(token, remote: "127.0.0.1")) != nil }
            }
            var n = 0
            for await success in group where success { n += 1 }
            return n
        }
        XCTAssertEqual(ok, 50)
        let code4 = await code { try await f.vouch.useToken(t.accessToken, remote: "127.0.0.1") }
        XCTAssertEqual(code4, "token_uses_exhausted")
        let code5 = await code { try await f.vouch.renewToken(t.accessToken, remote: "127.0.0.1") }
        XCTAssertEqual(code5, "token_uses_exhausted")
    }

    func testRevokedAndTamperedTokens() async throws {
        let t = try await login(try await identity())
        try await f.vouch.revokeToken(t.accessToken, remote: "127.0.0.1")
        let code6 = await code { try await f.vouch.useToken(t.accessToken, remote: "127.0.0.1") }
        XCTAssertEqual(code6, "token_revoked")
        let code7 = await code { try await f.vouch.renewToken(t.accessToken, remote: "127.0.0.1") }
        XCTAssertEqual(code7, "token_revoked")

        let u = try await login(try await identity())
        var parts = u.accessToken.split(separator: ".").map(String.init)
        // claims of another token, signature of this one
        parts[1] = String(t.accessToken.split(separator: ".")[1])
        let code8 = await code { try await f.vouch.useToken(parts.joined(separator: "."), remote: "127.0.0.1") }
        XCTAssertEqual(code8, "invalid_token")
        for bad in ["", "a.b", "a.b.c", u.accessToken + "=", u.accessToken.replacingOccurrences(of: ".", with: ".."),
                    String(repeating: "A", count: 100_000), "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."] {
            let code9 = await code { try await f.vouch.useToken(bad, remote: "127.0.0.1") }
            XCTAssertEqual(code9, "invalid_token", bad.prefix(40) + "")
        }
        // a token signed by another server's key
        let other = try await Fixture()
        let otherRoot = root!
        let oid = try await other.vouch.createIdentity(name: "x", role: nil, policies: nil, remote: nil)
        var input = TLSCertAuthInput()
        input.caCertificate = String(decoding: otherRoot.pem, as: UTF8.self)
        _ = try await other.vouch.attachTLSCertAuth(identityId: oid.id, input, remote: nil)
        let foreign = try await other.vouch.loginTLSCertAuth(identityId: oid.id, chain: Array(leaf.pem), remote: "127.0.0.1")
        let code10 = await code { try await f.vouch.useToken(foreign.accessToken, remote: "127.0.0.1") }
        XCTAssertEqual(code10, "invalid_token")
    }

    func testEverythingSurvivesARestart() async throws {
        let id = try await identity(uses: 5)
        let t = try await login(id)
        _ = try await f.vouch.useToken(t.accessToken, remote: "127.0.0.1")
        try pki.revoke(leaf, by: root)
        let other = try pki.make("other", issuer: root, profile: .client)
        try await f.vouch.putCRL("root", Array(try pki.crl(of: root)), remote: nil)

        let again = try await f.restarted()
        let name = try await again.identity(id.id).name
        XCTAssertEqual(name, id.name)
        let uses = try await again.useToken(t.accessToken, remote: "127.0.0.1").uses
        XCTAssertEqual(uses, 2, "the same signing key, the same state")
        XCTAssertEqual(again.crlNames(), ["root"])
        await assertThrowsAsync(try await again.loginTLSCertAuth(identityId: id.id, chain: Array(leaf.pem), remote: "127.0.0.1"))
        await assertNoThrowAsync(try await again.loginTLSCertAuth(identityId: id.id, chain: Array(other.pem), remote: "127.0.0.1"))
        XCTAssertTrue(again.isAdmin(f.adminToken))
        XCTAssertFalse(again.isAdmin(f.adminToken + "x"))
        XCTAssertFalse(again.isAdmin(nil))
    }

    func testDataDirectorySecrets() async throws {
        let fm = FileManager.default
        let key = f.dir + "/master.key"
        let mode = try fm.attributesOfItem(atPath: key)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        // the database, its WAL and shared memory: the owner's only, and the directory too
        _ = try await identity()
        for file in ["vouch.db", "vouch.db-wal", "vouch.db-shm"] {
            XCTAssertEqual(try fm.attributesOfItem(atPath: f.dir + "/" + file)[.posixPermissions] as? Int, 0o600, file)
        }
        XCTAssertEqual(try fm.attributesOfItem(atPath: f.dir)[.posixPermissions] as? Int, 0o700)
        // opened by others since: refused at start, naming the fix
        for (path, fix) in [(f.dir, "chmod 700"), (f.dir + "/vouch.db", "chmod 600")] {
            let before = try fm.attributesOfItem(atPath: path)[.posixPermissions] as! Int
            try fm.setAttributes([.posixPermissions: before | 0o044], ofItemAtPath: path)
            await assertThrowsAsync(try await f.restarted()) { e in
                XCTAssertEqual((e as? ServiceError)?.code, "insecure_permissions", "\(e)")
                XCTAssertTrue("\(e)".contains(fix) && "\(e)".contains(path), "\(e)")
            }
            try fm.setAttributes([.posixPermissions: before], ofItemAtPath: path)
        }
        await assertNoThrowAsync(try await f.restarted())
        // a file that belongs to someone else (the tests run as root: give it to nobody)
        if geteuid() == 0 {
            XCTAssertEqual(chown(f.dir + "/vouch.db", 65534, 65534), 0)
            await assertThrowsAsync(try await f.restarted()) { e in
                XCTAssertTrue("\(e)".contains("belongs to uid 65534, not to the user running vouch"), "\(e)")
            }
            XCTAssertEqual(chown(f.dir + "/vouch.db", 0, 0), 0)
        }
        // a data directory reached through a symbolic link is judged by what it points to
        let link = f.dir + "-link"
        try fm.createSymbolicLink(atPath: link, withDestinationPath: f.dir)
        await assertNoThrowAsync(try await Vouch.open(dataDir: link, adminTokenFile: nil, audit: try AuditLog(path: nil)))
        let db = try Data(contentsOf: URL(fileURLWithPath: f.dir + "/vouch.db"))
        XCTAssertNil(db.range(of: Data(f.adminToken.utf8)), "the admin token is kept only as a hash")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: key)
        await assertThrowsAsync(try await f.restarted()) { e in
            XCTAssertTrue("\(e)".contains("chmod 600"), "\(e)")
        }
        let tokenFile = f.dir + "-admin-token"
        let dir2 = f.dir + "-2"
        let (_, first) = try await Vouch.open(dataDir: dir2, adminTokenFile: tokenFile, audit: try AuditLog(path: nil))
        XCTAssertNil(first.adminToken, "written to the file instead")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: tokenFile)[.posixPermissions] as? Int, 0o600)
        XCTAssertTrue(try String(contentsOfFile: tokenFile, encoding: .utf8).hasPrefix("vouch.admin."))
    }
}
