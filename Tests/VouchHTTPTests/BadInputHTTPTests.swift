// BadInputHTTPTests.swift: what attackers and broken clients send: malformed JSON, wrong
// types, unknown fields, oversized bodies, bad PEM, bad headers, bad tokens. Every one
// gets a 4xx with a stable code, none a 5xx, and the server keeps serving.
import Foundation
import VouchTestSupport
import XCTest

final class BadInputHTTPTests: XCTestCase {
    func testEveryBadInputIsA4xxAndTheServerStaysUp() throws {
        let pki = try PKI()
        let root = try pki.make("root")
        let s = ServerProcess(extraArgs: ["--trusted-proxy", "127.0.0.1/32"])
        try s.start()
        defer { s.stop() }
        let admin = s.adminToken
        let created = try curl("POST", s.base + "/api/v1/identities", json: ["name": "victim"], token: admin)
        let id = try XCTUnwrap((created.json["identity"] as? [String: Any])?["id"] as? String)
        let ca = String(decoding: root.pem, as: UTF8.self)
        XCTAssertEqual(try curl("POST", s.base + "/api/v1/auth/tls-cert-auth/identities/\(id)", json: ["caCertificate": ca], token: admin).status, 200)

        struct Case { let name: String; let method: String; let path: String; var raw: String? = nil; var json: Any? = nil
            var headers: [String] = []; var token: String? = nil; let status: Int; let code: String }
        let big = String(repeating: "A", count: 2 << 20)
        let cases: [Case] = [
            Case(name: "malformed JSON", method: "POST", path: "/api/v1/identities", raw: "{\"name\":", token: admin, status: 400, code: "malformed_json"),
            Case(name: "duplicate member", method: "POST", path: "/api/v1/identities", raw: #"{"name":"a","name":"b"}"#, token: admin, status: 400, code: "malformed_json"),
            Case(name: "not an object", method: "POST", path: "/api/v1/identities", raw: "[1,2]", token: admin, status: 400, code: "invalid_body"),
            Case(name: "deep nesting", method: "POST", path: "/api/v1/identities", raw: String(repeating: "[", count: 5000), token: admin, status: 400, code: "malformed_json"),
            Case(name: "wrong type", method: "POST", path: "/api/v1/identities", json: ["name": ["x"]], token: admin, status: 400, code: "invalid_field"),
            Case(name: "unknown field", method: "POST", path: "/api/v1/identities", json: ["name": "x", "admin": true], token: admin, status: 400, code: "unknown_field"),
            Case(name: "bad name", method: "POST", path: "/api/v1/identities", json: ["name": "a/b"], token: admin, status: 400, code: "invalid_name"),
            Case(name: "NUL in a string", method: "POST", path: "/api/v1/identities", json: ["name": "a\u{0}"], token: admin, status: 400, code: "malformed_json"),
            Case(name: "oversized body", method: "POST", path: "/api/v1/identities", raw: big, token: admin, status: 413, code: "body_too_large"),
            Case(name: "no admin token", method: "GET", path: "/api/v1/identities", status: 401, code: "missing_token"),
            Case(name: "wrong admin token", method: "GET", path: "/api/v1/identities", token: "vouch.admin.guess", status: 403, code: "permission_denied"),
            Case(name: "bad PEM CA", method: "PATCH", path: "/api/v1/auth/tls-cert-auth/identities/\(id)",
                 json: ["caCertificate": "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"], token: admin, status: 400, code: "invalid_ca_certificate"),
            Case(name: "private key as CA", method: "PATCH", path: "/api/v1/auth/tls-cert-auth/identities/\(id)",
                 json: ["caCertificate": String(decoding: try Data(contentsOf: URL(fileURLWithPath: root.keyPath)), as: UTF8.self)],
                 token: admin, status: 400, code: "invalid_ca_certificate"),
            Case(name: "TTL over max", method: "PATCH", path: "/api/v1/auth/tls-cert-auth/identities/\(id)",
                 json: ["accessTokenTTL": 100, "accessTokenMaxTTL": 10], token: admin, status: 400, code: "invalid_ttl"),
            Case(name: "negative uses", method: "PATCH", path: "/api/v1/auth/tls-cert-auth/identities/\(id)",
                 json: ["accessTokenNumUsesLimit": -1], token: admin, status: 400, code: "invalid_num_uses"),
            Case(name: "bad CIDR", method: "PATCH", path: "/api/v1/auth/tls-cert-auth/identities/\(id)",
                 json: ["accessTokenTrustedIps": [["ipAddress": "300.1.1.1/8"]]], token: admin, status: 400, code: "invalid_cidr"),
            Case(name: "TTL as a float", method: "PATCH", path: "/api/v1/auth/tls-cert-auth/identities/\(id)",
                 json: ["accessTokenTTL": 1.5], token: admin, status: 400, code: "invalid_field"),
            Case(name: "huge integer", method: "PATCH", path: "/api/v1/auth/tls-cert-auth/identities/\(id)",
                 raw: #"{"accessTokenTTL": 99999999999999999999999}"#, token: admin, status: 400, code: "malformed_json"),
            Case(name: "unknown identity", method: "GET", path: "/api/v1/identities/nope", token: admin, status: 404, code: "identity_not_found"),
            Case(name: "login without identityId", method: "POST", path: "/api/v1/auth/tls-cert-auth/login", json: [:], status: 400, code: "missing_field"),
            Case(name: "garbage certificate header", method: "POST", path: "/api/v1/auth/tls-cert-auth/login", json: ["identityId": id],
                 headers: ["X-SSL-Client-Cert: -----BEGIN%20CERTIFICATE-----%0AAAAA%0A-----END%20CERTIFICATE-----"], status: 400, code: "malformed_der"),
            Case(name: "truncated certificate header", method: "POST", path: "/api/v1/auth/tls-cert-auth/login", json: ["identityId": id],
                 headers: ["X-SSL-Client-Cert: -----BEGIN%20CERTIFICATE-----%0AMIIB"], status: 400, code: "malformed_pem"),
            Case(name: "binary certificate header", method: "POST", path: "/api/v1/auth/tls-cert-auth/login", json: ["identityId": id],
                 headers: ["X-SSL-Client-Cert: %00%01%02%FF"], status: 400, code: "malformed_client_certificate"),
            Case(name: "bad bearer token", method: "POST", path: "/api/v1/auth/token/introspect", headers: ["Authorization: Bearer a.b.c"], status: 401, code: "invalid_token"),
            Case(name: "basic auth instead of bearer", method: "POST", path: "/api/v1/auth/token/introspect", headers: ["Authorization: Basic eDp5"], status: 401, code: "missing_token"),
            Case(name: "huge token", method: "POST", path: "/api/v1/auth/token/renew", json: ["accessToken": String(repeating: "x", count: 100_000)], status: 401, code: "invalid_token"),
            Case(name: "unknown path", method: "GET", path: "/api/v1/secrets", status: 404, code: "route_not_found"),
            Case(name: "wrong method", method: "DELETE", path: "/healthz", status: 404, code: "route_not_found"),
            Case(name: "bad role name", method: "POST", path: "/v1/auth/cert/certs/bad%20name", json: ["certificate": ca], token: admin, status: 400, code: ""),
            Case(name: "bad duration", method: "POST", path: "/v1/auth/cert/certs/r", json: ["certificate": ca, "token_ttl": "1y"], token: admin, status: 400, code: ""),
            Case(name: "CRL junk", method: "POST", path: "/v1/auth/cert/crls/r", json: ["crl": "junk"], token: admin, status: 400, code: ""),
        ]
        for c in cases {
            let r = try curl(c.method, s.base + c.path, json: c.json, raw: c.raw, token: c.token, headers: c.headers)
            XCTAssertEqual(r.status, c.status, "\(c.name): \(r.body.prefix(300))")
            if c.code.isEmpty {
                XCTAssertFalse(r.vaultErrors.isEmpty, "\(c.name): Vault's error shape: \(r.body.prefix(300))")
            } else {
                XCTAssertEqual(r.errorCode, c.code, "\(c.name): \(r.body.prefix(300))")
                XCTAssertNotNil(r.json["message"] as? String, c.name)
            }
        }
        // a request line and headers no HTTP parser takes; then the server still answers
        let raw = try PKI.run(["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/\(s.port); printf 'GARBAGE\\r\\n\\r\\n' >&3; timeout 3 cat <&3 || true"])
        XCTAssertFalse(String(decoding: raw, as: UTF8.self).contains(" 500 "))
        XCTAssertEqual(try curl("GET", s.base + "/healthz").status, 200)
        XCTAssertFalse(s.log.contains("\"level\":\"error\""), "nothing reached the unexpected-error path: \(s.log.suffix(2000))")
        XCTAssertFalse(s.log.contains(admin), "the admin token never reaches the log")
        // nothing was changed by any of it
        let auth = try curl("GET", s.base + "/api/v1/auth/tls-cert-auth/identities/\(id)", token: admin)
        XCTAssertEqual((auth.json["identityTlsCertAuth"] as? [String: Any])?["accessTokenTTL"] as? Int, 2_592_000)
        XCTAssertEqual(((try curl("GET", s.base + "/api/v1/identities", token: admin)).json["identities"] as? [Any])?.count, 1)
    }
}
