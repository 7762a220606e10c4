// TLSLoginHTTPTests.swift: what a platform team does, over real HTTP with real curl:
// an identity with TLS certificate auth, a login through Vouch's own mTLS listener and
// through nginx terminating TLS, the header refused from anyone else, CRLs pushed and
// replaced, tokens used, and everything still there after a restart.
import Foundation
import VouchTestSupport
import XCTest

final class TLSLoginHTTPTests: XCTestCase {
    var pki: PKI!
    var root: Issued!
    var server: Issued!  // the HTTPS listener's own certificate

    override func setUpWithError() throws {
        pki = try PKI()
        root = try pki.make("root")
        server = try pki.make("server", issuer: root,
                              extensions: "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost")
    }

    func identityWithTLSAuth(_ s: ServerProcess, _ extra: [String: Any] = [:]) throws -> String {
        let created = try curl("POST", s.base + "/api/v1/identities", json: ["name": "api-\(UUID().uuidString.prefix(6))", "role": "member"],
                               token: s.adminToken)
        XCTAssertEqual(created.status, 200, created.body)
        let id = try XCTUnwrap((created.json["identity"] as? [String: Any])?["id"] as? String)
        var body: [String: Any] = ["caCertificate": String(decoding: root.pem, as: UTF8.self), "allowedCommonNames": "api-workload"]
        body.merge(extra) { $1 }
        let attached = try curl("POST", s.base + "/api/v1/auth/tls-cert-auth/identities/\(id)", json: body, token: s.adminToken)
        XCTAssertEqual(attached.status, 200, attached.body)
        return id
    }

    func testLoginThroughOwnMTLSListenerAndUseTheToken() throws {
        let s = ServerProcess(tls: (server.certPath, server.keyPath))
        try s.start()
        defer { s.stop() }
        let id = try identityWithTLSAuth(s)
        let leaf = try pki.make("leaf", subject: "/CN=api-workload", issuer: root, profile: .client)
        let login = try curl("POST", s.base + "/api/v1/auth/tls-cert-auth/login", json: ["identityId": id],
                             args: ["--cert", leaf.certPath, "--key", leaf.keyPath, "--cacert", root.certPath])
        XCTAssertEqual(login.status, 200, login.body)
        XCTAssertEqual(login.json["tokenType"] as? String, "Bearer")
        XCTAssertEqual(login.json["expiresIn"] as? Int, 2_592_000)
        XCTAssertEqual(login.json["accessTokenMaxTTL"] as? Int, 2_592_000)
        let token = try XCTUnwrap(login.json["accessToken"] as? String)
        let used = try curl("POST", s.base + "/api/v1/auth/token/introspect", token: token, args: ["--cacert", root.certPath])
        XCTAssertEqual(used.status, 200, used.body)
        XCTAssertEqual(used.json["identityId"] as? String, id)
        XCTAssertEqual(used.json["numUses"] as? Int, 1)

        // without a certificate; with one from another CA; with a wrong common name
        var r = try curl("POST", s.base + "/api/v1/auth/tls-cert-auth/login", json: ["identityId": id], args: ["--cacert", root.certPath])
        XCTAssertEqual(r.status, 400, r.body)
        XCTAssertEqual(r.errorCode, "missing_client_certificate")
        let other = try pki.make("other")
        let stranger = try pki.make("stranger", subject: "/CN=api-workload", issuer: other, profile: .client)
        r = try curl("POST", s.base + "/api/v1/auth/tls-cert-auth/login", json: ["identityId": id],
                     args: ["--cert", stranger.certPath, "--key", stranger.keyPath, "--cacert", root.certPath])
        XCTAssertEqual(r.status, 401, r.body)
        XCTAssertEqual(r.errorCode, "unknown_issuer")
        XCTAssertEqual(r.json["message"] as? String, "certificate refused", "the detail is for the audit log")
        XCTAssertTrue(s.auditLog.contains("neither a trusted CA nor a presented intermediate"), s.auditLog)
        let batch = try pki.make("batch", subject: "/CN=batch-7", issuer: root, profile: .client)
        r = try curl("POST", s.base + "/api/v1/auth/tls-cert-auth/login", json: ["identityId": id],
                     args: ["--cert", batch.certPath, "--key", batch.keyPath, "--cacert", root.certPath])
        XCTAssertEqual(r.errorCode, "name_not_allowed")
        XCTAssertFalse(s.auditLog.contains(token), "no token in the audit log")
        XCTAssertFalse(s.log.contains(token), "no token in the server log")
    }

    /// A client that resumes its TLS session (a session ticket; curl does between the URLs
    /// of one run) has no second handshake: the login still judges the chain the client
    /// presented when the session was made, here a leaf and the intermediate the identity's
    /// CA bundle lacks. Over TLS 1.3 and 1.2; curl's trace shows the client certificate sent once.
    func testResumedTLSSessionsLogInWithTheChainTheyWereMadeWith() throws {
        let s = ServerProcess(tls: (server.certPath, server.keyPath))
        try s.start()
        defer { s.stop() }
        let id = try identityWithTLSAuth(s)  // the root alone
        let int = try pki.make("int", issuer: root)
        let leaf = try pki.make("leaf-r", subject: "/CN=api-workload", issuer: int, profile: .client)
        let presented = try pki.write(leaf.pem + int.pem, "leaf-and-int.pem")
        let url = s.base + "/api/v1/auth/tls-cert-auth/login"
        for version in ["--tlsv1.3", "--tls-max"] {
            let pin = version == "--tls-max" ? ["--tlsv1.2", "--tls-max", "1.2"] : [version]
            let trace = String(decoding: try PKI.run(["sh", "-c", #"curl -sv "$@" 2>&1"#, "curl"] + pin + [
                "--cacert", root.certPath, "--cert", presented, "--key", leaf.keyPath, "-H", "Connection: close",
                "-H", "Content-Type: application/json", "-d", #"{"identityId":"\#(id)"}"#, "-w", "\nstatus %{http_code}\n",
                url, url,
            ]), as: UTF8.self)
            let statuses = trace.split(separator: "\n").filter { $0.hasPrefix("status ") }
            XCTAssertEqual(statuses, ["status 200", "status 200"], "\(version): both logins pass\n\(trace.suffix(3000))")
            let sent = trace.components(separatedBy: "(OUT), TLS handshake, Certificate (11)").count - 1
            XCTAssertEqual(sent, 1, "\(version): the second login resumed the session (no client certificate sent again)")
            XCTAssertEqual(trace.components(separatedBy: "\"accessToken\"").count - 1, 2)
        }
        // a resumed session of a client whose chain does not verify is refused as its first login was
        let other = try pki.make("other-r")
        let stranger = try pki.make("stranger-r", subject: "/CN=api-workload", issuer: other, profile: .client)
        let trace = String(decoding: try PKI.run(["sh", "-c", #"curl -sv "$@" 2>&1"#, "curl", "--tlsv1.3",
            "--cacert", root.certPath, "--cert", stranger.certPath, "--key", stranger.keyPath, "-H", "Connection: close",
            "-H", "Content-Type: application/json", "-d", #"{"identityId":"\#(id)"}"#, "-w", "\nstatus %{http_code}\n", url, url,
        ]), as: UTF8.self)
        XCTAssertEqual(trace.split(separator: "\n").filter { $0.hasPrefix("status ") }, ["status 401", "status 401"], trace)
    }

    func testLoginThroughNginxAndHeaderRefusedFromUntrustedAddress() throws {
        let s = ServerProcess(extraArgs: ["--trusted-proxy", "127.0.0.1/32"])
        try s.start()
        defer { s.stop() }
        let nginx = try Nginx.proxy(upstreamPort: s.port, cert: server.certPath, key: server.keyPath)
        defer { nginx.stop() }
        let id = try identityWithTLSAuth(s, ["accessTokenTrustedIps": [["ipAddress": "127.0.0.0/8"]]])
        let leaf = try pki.make("leaf", subject: "/CN=api-workload", issuer: root, profile: .client)
        let login = try curl("POST", "https://127.0.0.1:\(nginx.port)/api/v1/auth/tls-cert-auth/login", json: ["identityId": id],
                             args: ["--cert", leaf.certPath, "--key", leaf.keyPath, "--cacert", root.certPath])
        XCTAssertEqual(login.status, 200, login.body + nginx.errors)
        XCTAssertNotNil(login.json["accessToken"] as? String)

        // the same header, sent straight to Vouch from 127.0.0.2: refused and audited
        let escaped = try XCTUnwrap(String(decoding: leaf.pem, as: UTF8.self).addingPercentEncoding(withAllowedCharacters: .alphanumerics))
        let direct = try curl("POST", s.base + "/api/v1/auth/tls-cert-auth/login", json: ["identityId": id],
                              headers: ["X-SSL-Client-Cert: \(escaped)"], args: ["--interface", "127.0.0.2"])
        XCTAssertEqual(direct.status, 403, direct.body)
        XCTAssertEqual(direct.errorCode, "untrusted_proxy")
        XCTAssertTrue(s.auditLog.contains("127.0.0.2, which is not a trusted proxy"), s.auditLog)
        // from the trusted address the header is believed
        let trusted = try curl("POST", s.base + "/api/v1/auth/tls-cert-auth/login", json: ["identityId": id],
                               headers: ["X-SSL-Client-Cert: \(escaped)"])
        XCTAssertEqual(trusted.status, 200, trusted.body)
        // a broken header from the trusted proxy is a clear 400
        let broken = try curl("POST", s.base + "/api/v1/auth/tls-cert-auth/login", json: ["identityId": id],
                              headers: ["X-SSL-Client-Cert: %ZZnot-a-cert"])
        XCTAssertEqual(broken.status, 400, broken.body)
    }

    func testPushedCRLRevokesThenItsReplacementRestores() throws {
        let s = ServerProcess(tls: (server.certPath, server.keyPath))
        try s.start()
        defer { s.stop() }
        let id = try identityWithTLSAuth(s)
        let leaf = try pki.make("leaf", subject: "/CN=api-workload", issuer: root, profile: .client)
        let clean = String(decoding: try pki.crl(of: root), as: UTF8.self)
        try pki.revoke(leaf, by: root)
        let revoking = String(decoding: try pki.crl(of: root), as: UTF8.self)
        let tlsArgs = ["--cert", leaf.certPath, "--key", leaf.keyPath, "--cacert", root.certPath]
        func login() throws -> CurlResult {
            try curl("POST", s.base + "/api/v1/auth/tls-cert-auth/login", json: ["identityId": id], args: tlsArgs)
        }
        XCTAssertEqual(try login().status, 200)
        var w = try curl("POST", s.base + "/v1/auth/cert/crls/Root", json: ["crl": revoking], vaultToken: s.adminToken,
                         args: ["--cacert", root.certPath])
        XCTAssertEqual(w.status, 204, w.body)
        XCTAssertEqual(try login().errorCode, "revoked")
        let read = try curl("GET", s.base + "/v1/auth/cert/crls/root", vaultToken: s.adminToken, args: ["--cacert", root.certPath])
        let serials = ((read.json["data"] as? [String: Any])?["serials"] as? [String: Any])?.keys.map { $0 } ?? []
        XCTAssertEqual(serials.count, 1, read.body)
        w = try curl("PUT", s.base + "/v1/auth/cert/crls/root", json: ["crl": clean], vaultToken: s.adminToken,
                     args: ["--cacert", root.certPath])
        XCTAssertEqual(w.status, 204, w.body)
        XCTAssertEqual(try login().status, 200)
        // a CRL under the root's name that the root did not sign revoking the leaf: kept, but
        // unverified (its issuer could be an intermediate sharing the name), and it revokes nothing
        let impostor = try pki.make("imp", subject: "/CN=root")
        try pki.revoke(leaf, by: impostor)
        let forged = String(decoding: try pki.crl(of: impostor), as: UTF8.self)
        w = try curl("POST", s.base + "/v1/auth/cert/crls/forged", json: ["crl": forged], vaultToken: s.adminToken,
                     args: ["--cacert", root.certPath])
        XCTAssertEqual(w.status, 204, w.body)
        let unverified = try curl("GET", s.base + "/v1/auth/cert/crls/forged", vaultToken: s.adminToken, args: ["--cacert", root.certPath])
        let data = try XCTUnwrap(unverified.json["data"] as? [String: Any], unverified.body)
        XCTAssertEqual(data["signature_verified"] as? Bool, false)
        XCTAssertTrue((data["warning"] as? String)?.contains("revokes nothing") ?? false, unverified.body)
        XCTAssertEqual(try login().status, 200, "an unverified CRL revokes nothing")
    }

    func testTokensAndConfigSurviveARestart() throws {
        let s = ServerProcess(tls: (server.certPath, server.keyPath))
        try s.start()
        let id = try identityWithTLSAuth(s, ["accessTokenNumUsesLimit": 5])
        let leaf = try pki.make("leaf", subject: "/CN=api-workload", issuer: root, profile: .client)
        let token = try XCTUnwrap(try curl("POST", s.base + "/api/v1/auth/tls-cert-auth/login", json: ["identityId": id],
                                           args: ["--cert", leaf.certPath, "--key", leaf.keyPath, "--cacert", root.certPath])
            .json["accessToken"] as? String)
        XCTAssertEqual(try curl("POST", s.base + "/api/v1/auth/token/introspect", token: token, args: ["--cacert", root.certPath])
            .json["numUses"] as? Int, 1)
        try pki.revoke(leaf, by: root)
        XCTAssertEqual(try curl("POST", s.base + "/v1/auth/cert/crls/root", json: ["crl": String(decoding: try pki.crl(of: root), as: UTF8.self)],
                                vaultToken: s.adminToken, args: ["--cacert", root.certPath]).status, 204)
        XCTAssertEqual(s.stop(), 0, "SIGTERM ends the server cleanly")

        let again = ServerProcess(dataDir: s.dataDir, tls: (server.certPath, server.keyPath))
        try again.start()
        defer { again.stop() }
        XCTAssertEqual(again.adminToken, "", "the admin token is printed on first start only")
        XCTAssertEqual(try curl("POST", again.base + "/api/v1/auth/token/introspect", token: token, args: ["--cacert", root.certPath])
            .json["numUses"] as? Int, 2)
        XCTAssertEqual(try curl("GET", again.base + "/api/v1/identities/\(id)", token: s.adminToken, args: ["--cacert", root.certPath]).status, 200)
        let refused = try curl("POST", again.base + "/api/v1/auth/tls-cert-auth/login", json: ["identityId": id],
                               args: ["--cert", leaf.certPath, "--key", leaf.keyPath, "--cacert", root.certPath])
        XCTAssertEqual(refused.errorCode, "revoked", "the CRL is still there")
    }
}
