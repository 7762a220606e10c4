// TokenHTTPTests.swift: access tokens over HTTP: TTL and max TTL on renew, the use limit
// under 200 concurrent requests, trusted IPs (127.0.0.2 is another source on loopback),
// revocation, and Vault's token self-service.
import Foundation
import VouchTestSupport
import XCTest

final class TokenHTTPTests: XCTestCase {
    var pki: PKI!
    var root: Issued!
    var leaf: Issued!
    var s: ServerProcess!

    override func setUpWithError() throws {
        pki = try PKI()
        root = try pki.make("root")
        leaf = try pki.make("leaf", subject: "/CN=api-workload", issuer: root, profile: .client)
        s = ServerProcess(extraArgs: ["--trusted-proxy", "127.0.0.1/32"])
        try s.start()
    }

    override func tearDown() { s.stop() }

    /// Logs in through the trusted-proxy header (plain HTTP keeps curl fast).
    func login(_ settings: [String: Any], headers: [String] = []) throws -> (id: String, token: String) {
        let created = try curl("POST", s.base + "/api/v1/identities", json: ["name": "t-\(UUID().uuidString.prefix(6))"], token: s.adminToken)
        let id = try XCTUnwrap((created.json["identity"] as? [String: Any])?["id"] as? String)
        var body = settings
        body["caCertificate"] = String(decoding: root.pem, as: UTF8.self)
        let attached = try curl("POST", s.base + "/api/v1/auth/tls-cert-auth/identities/\(id)", json: body, token: s.adminToken)
        XCTAssertEqual(attached.status, 200, attached.body)
        let header = "X-SSL-Client-Cert: " + String(decoding: leaf.pem, as: UTF8.self).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let r = try curl("POST", s.base + "/api/v1/auth/tls-cert-auth/login", json: ["identityId": id], headers: [header] + headers)
        XCTAssertEqual(r.status, 200, r.body)
        return (id, try XCTUnwrap(r.json["accessToken"] as? String))
    }

    func testXVaultTokenWinsOverBearerAndTheAnswerSaysSo() throws {
        let (_, token) = try login([:])
        // both sent: X-Vault-Token is the one judged, as in Vault, and a refusal says so
        var r = try curl("GET", s.base + "/v1/auth/token/lookup-self", vaultToken: "not-a-token", headers: ["Authorization: Bearer \(token)"])
        XCTAssertEqual(r.status, 403)
        XCTAssertTrue(r.vaultErrors.first?.contains("X-Vault-Token was used: it takes precedence over Authorization: Bearer") ?? false, r.body)
        r = try curl("POST", s.base + "/api/v1/auth/token/introspect", vaultToken: "not-a-token", headers: ["Authorization: Bearer \(token)"])
        XCTAssertEqual(r.status, 401)
        XCTAssertTrue((r.json["message"] as? String)?.contains("takes precedence") ?? false, r.body)
        // the same for the admin token
        r = try curl("GET", s.base + "/api/v1/identities", token: s.adminToken, vaultToken: "wrong")
        XCTAssertEqual(r.status, 403)
        XCTAssertTrue((r.json["message"] as? String)?.contains("takes precedence") ?? false, r.body)
        // each alone works, and a good X-Vault-Token beside a bad Bearer is used
        XCTAssertEqual(try curl("GET", s.base + "/v1/auth/token/lookup-self", vaultToken: token).status, 200)
        XCTAssertEqual(try curl("GET", s.base + "/v1/auth/token/lookup-self", token: token).status, 200)
        XCTAssertEqual(try curl("GET", s.base + "/v1/auth/token/lookup-self", token: "bad", vaultToken: token).status, 200)
    }

    func testRefusedAdminCallsAreAuditedWithTheCallersAddress() throws {
        XCTAssertEqual(try curl("GET", s.base + "/api/v1/identities", token: "vouch.admin.guess").status, 403)
        XCTAssertEqual(try curl("DELETE", s.base + "/v1/auth/cert/certs/web").status, 403)
        // Infisical's admin calls are audited as admin refusals; /v1/ calls by the policy check
        let lines = s.auditLog.split(separator: "\n").filter {
            ($0.contains("\"type\":\"admin\"") || $0.contains("\"type\":\"acl\"")) && $0.contains("\"outcome\":\"refused\"")
        }
        XCTAssertEqual(lines.count, 2, s.auditLog)
        XCTAssertTrue(lines[0].contains(#""action":"GET /api/v1/identities""#) && lines[0].contains(#""remote":"127.0.0.1""#)
                      && lines[0].contains(#""code":"permission_denied""#), String(lines[0]))
        XCTAssertTrue(lines[1].contains(#""type":"acl""#) && lines[1].contains(#""action":"delete auth/cert/certs/web""#)
                      && lines[1].contains(#""remote":"127.0.0.1""#) && lines[1].contains(#""code":"missing_token""#), String(lines[1]))
        XCTAssertFalse(s.auditLog.contains("vouch.admin.guess"), "never the token itself")
    }

    func testMetricsAreExposedInPrometheusFormat() throws {
        let (_, token) = try login([:])
        XCTAssertEqual(try curl("POST", s.base + "/api/v1/auth/token/introspect", token: token).status, 200)
        let text = try curl("GET", s.base + "/metrics").body
        for series in [#"vouch_logins_total{method="tls-cert-auth",outcome="allowed"} 1"#, #"vouch_token_uses_total{outcome="ok"} 1"#,
                       #"vouch_login_duration_seconds_count{method="tls-cert-auth"} 1"#, "# TYPE vouch_login_duration_seconds histogram",
                       #"vouch_http_request_duration_seconds_bucket{route="/api/v1/auth/tls-cert-auth/login",method="POST",le="0.005"}"#] {
            XCTAssertTrue(text.contains(series), "\(series) in:\n\(text)")
        }
    }

    func testUseLimitHoldsUnder200ConcurrentRequests() throws {
        let (_, token) = try login(["accessTokenNumUsesLimit": 50])
        // 200 parallel introspections on up to 200 connections
        var a = ["curl", "-s", "-w", "%{http_code}\n", "-Z", "--parallel-max", "200", "--parallel-immediate", "-X", "POST",
                 "-H", "Authorization: Bearer \(token)"]
        for _ in 0..<200 { a += ["-o", "/dev/null", s.base + "/api/v1/auth/token/introspect"] }
        let codes = String(decoding: try PKI.run(a), as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(codes.count, 200)
        XCTAssertEqual(codes.filter { $0 == "200" }.count, 50, "exactly the limit succeeds")
        XCTAssertEqual(codes.filter { $0 == "403" }.count, 150)
        let after = try curl("POST", s.base + "/api/v1/auth/token/introspect", token: token)
        XCTAssertEqual(after.errorCode, "token_uses_exhausted")
    }

    /// Token uses and revocations are committed (group commit) before they are answered:
    /// a server killed with SIGKILL right after its last answer has lost none of them.
    func testAcknowledgedUsesAndRevocationsSurviveKill9() throws {
        let (_, token) = try login(["accessTokenNumUsesLimit": 50])
        let (_, other) = try login([:])
        func introspect(_ n: Int, on server: ServerProcess) throws -> [Substring] {
            var a = ["curl", "-s", "-w", "%{http_code}\n", "-Z", "--parallel-max", "100", "--parallel-immediate", "-X", "POST",
                     "-H", "Authorization: Bearer \(token)"]
            for _ in 0..<n { a += ["-o", "/dev/null", server.base + "/api/v1/auth/token/introspect"] }
            return String(decoding: try PKI.run(a), as: UTF8.self).split(separator: "\n")
        }
        XCTAssertEqual(try introspect(30, on: s).filter { $0 == "200" }.count, 30)
        XCTAssertEqual(try curl("POST", s.base + "/api/v1/auth/token/revoke", json: ["accessToken": other]).status, 200)
        s.kill()
        let again = ServerProcess(dataDir: s.dataDir, extraArgs: ["--trusted-proxy", "127.0.0.1/32"])
        try again.start()
        defer { again.stop() }
        let codes = try introspect(30, on: again)
        XCTAssertEqual(codes.filter { $0 == "200" }.count, 20, "the 30 acknowledged uses were kept: 20 of 50 left")
        XCTAssertEqual(codes.filter { $0 == "403" }.count, 10)
        XCTAssertEqual(try curl("POST", again.base + "/api/v1/auth/token/introspect", token: other).errorCode, "token_revoked")
    }

    func testTTLRenewAndMaxTTL() throws {
        // times are whole seconds: TTL 6, max TTL 8, so that a renewal at about 3 s is capped
        // (with 3 s to spare before the TTL runs out, for a loaded machine)
        let (_, token) = try login(["accessTokenTTL": 6, "accessTokenMaxTTL": 8])
        Thread.sleep(forTimeInterval: 3)
        let renewed = try curl("POST", s.base + "/api/v1/auth/token/renew", json: ["accessToken": token])
        XCTAssertEqual(renewed.status, 200, renewed.body)
        XCTAssertEqual(renewed.json["accessToken"] as? String, token)
        let left = renewed.json["expiresIn"] as? Int ?? 99
        XCTAssertTrue((1...5).contains(left), "renewed by the TTL (6) but never past the max TTL: \(left) s left")
        XCTAssertEqual(renewed.json["accessTokenMaxTTL"] as? Int, 8)
        Thread.sleep(forTimeInterval: Double(left) + 1.2)
        let late = try curl("POST", s.base + "/api/v1/auth/token/introspect", token: token)
        XCTAssertEqual(late.status, 401, late.body)
        XCTAssertEqual(late.errorCode, "token_expired")
        XCTAssertEqual(try curl("POST", s.base + "/api/v1/auth/token/renew", json: ["accessToken": token]).errorCode, "token_expired")
    }

    func testTrustedIPsAndRevocation() throws {
        let (_, token) = try login(["accessTokenTrustedIps": [["ipAddress": "127.0.0.1/32"]]])
        XCTAssertEqual(try curl("POST", s.base + "/api/v1/auth/token/introspect", token: token).status, 200)
        let other = try curl("POST", s.base + "/api/v1/auth/token/introspect", token: token, args: ["--interface", "127.0.0.2"])
        XCTAssertEqual(other.status, 403, other.body)
        XCTAssertEqual(other.errorCode, "ip_not_trusted")
        let revoked = try curl("POST", s.base + "/api/v1/auth/token/revoke", json: ["accessToken": token])
        XCTAssertEqual(revoked.json["message"] as? String, "Successfully revoked access token")
        XCTAssertEqual(try curl("POST", s.base + "/api/v1/auth/token/introspect", token: token).errorCode, "token_revoked")
        XCTAssertEqual(try curl("POST", s.base + "/api/v1/auth/token/introspect", token: "eyJ.nope.x").errorCode, "invalid_token")
        XCTAssertEqual(try curl("POST", s.base + "/api/v1/auth/token/introspect").errorCode, "missing_token")
    }

    func testForwardedClientAddressFromTrustedProxy() throws {
        // behind the trusted proxy the client's own address (X-Forwarded-For) is what counts
        let (_, token) = try login(["accessTokenTrustedIps": [["ipAddress": "10.9.0.0/16"]]], headers: ["X-Forwarded-For: 10.9.1.1"])
        let viaProxy = try curl("POST", s.base + "/api/v1/auth/token/introspect", token: token, headers: ["X-Forwarded-For: 10.9.8.7"])
        XCTAssertEqual(viaProxy.status, 200, viaProxy.body)
        let spoofed = try curl("POST", s.base + "/api/v1/auth/token/introspect", token: token, headers: ["X-Forwarded-For: 10.9.8.7"],
                               args: ["--interface", "127.0.0.2"])
        XCTAssertEqual(spoofed.status, 403, "X-Forwarded-For from an untrusted peer is ignored")
    }
}
