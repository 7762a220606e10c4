// SSHEngineHTTPTests.swift: Vault's ssh secrets engine over HTTP: hvac's secrets.ssh and
// sys.enable_secrets_engine, unchanged (Tests/Tools/hvac_ssh.py), the certificate it gets
// read back by ssh-keygen; the CA's public key served without authentication as plain
// text for TrustedUserCAKeys.
import Foundation
import VouchTestSupport
import XCTest

final class SSHEngineHTTPTests: XCTestCase {
    func testHvacSSHWorksUnchanged() throws {
        let pki = try PKI()
        let serverCA = try pki.make("server-ca")
        let server = try pki.make("server", issuer: serverCA, extensions:
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost")
        let jwtKey = pki.dir.appendingPathComponent("ci.pem").path
        try PKI.run(["openssl", "genpkey"] + KeyType.p256.genpkeyArgs + ["-out", jwtKey])
        try PKI.run(["openssl", "pkey", "-in", jwtKey, "-pubout", "-out", pki.dir.appendingPathComponent("ci.pub.pem").path])
        let userKey = pki.dir.appendingPathComponent("id_ed25519").path
        XCTAssertEqual(try runProcess(["ssh-keygen", "-q", "-N", "", "-t", "ed25519", "-f", userKey]).status, 0)
        let s = ServerProcess(tls: (server.certPath, server.keyPath))
        try s.start()
        defer { s.stop() }
        let cert = pki.dir.appendingPathComponent("id_ed25519-cert.pub").path
        let out = try PKI.run(["python3", Repository.file("Tests/Tools/hvac_ssh.py").path, s.base, serverCA.certPath, s.adminToken, jwtKey,
                               userKey + ".pub", cert])
        XCTAssertEqual(String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines), "ok", s.log)
        let shown = try runProcess(["ssh-keygen", "-L", "-f", cert]).out
        XCTAssertTrue(shown.contains("Type: ssh-ed25519-cert-v01@openssh.com user certificate"), shown)
        XCTAssertTrue(shown.contains("Key ID: \"vault-jwt-ci-runner-"), shown)
        XCTAssertTrue(shown.contains("                deploy"), shown)
        XCTAssertTrue(s.auditLog.contains(#""type":"ssh","action":"sign","outcome":"ok""#), s.auditLog)
        XCTAssertTrue(s.auditLog.contains(#""code":"principal_not_allowed""#))
    }

    func testPublicKeyIsPlainTextWithoutAToken() throws {
        let s = ServerProcess()
        try s.start()
        defer { s.stop() }
        var r = try curl("GET", s.base + "/v1/ssh/public_key")
        XCTAssertEqual(r.status, 400, r.body)
        XCTAssertFalse(r.vaultErrors.isEmpty)
        r = try curl("POST", s.base + "/v1/ssh/config/ca", json: ["key_type": "ecdsa-sha2-nistp256"], vaultToken: s.adminToken)
        XCTAssertEqual(r.status, 200, r.body)
        let line = try XCTUnwrap((r.json["data"] as? [String: Any])?["public_key"] as? String)
        r = try curl("GET", s.base + "/v1/ssh/public_key")
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.body.trimmingCharacters(in: .whitespacesAndNewlines), line)
        // configuring the CA needs the admin token; a second CA is refused until the first is deleted
        r = try curl("POST", s.base + "/v1/ssh/config/ca", json: ["key_type": "ssh-ed25519"])
        XCTAssertEqual(r.status, 403, r.body)
        r = try curl("POST", s.base + "/v1/ssh/config/ca", json: ["key_type": "ssh-ed25519"], vaultToken: s.adminToken)
        XCTAssertEqual(r.status, 400, r.body)
        XCTAssertTrue(r.body.contains("already configured"), r.body)
        r = try curl("GET", s.base + "/v1/nowhere/public_key")
        XCTAssertEqual(r.status, 404, r.body)
        XCTAssertFalse(s.auditLog.contains("PRIVATE KEY") || s.log.contains("PRIVATE KEY"))
    }
}
