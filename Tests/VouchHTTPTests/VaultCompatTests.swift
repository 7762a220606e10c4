// VaultCompatTests.swift: Vault's own Python client, hvac (PyPI), against Vouch's cert
// auth method, unchanged: role writes, reads and lists (hvac sends LIST), a client-
// certificate login over mTLS, token lookup/renew/revoke, and refusals as hvac raises them.
import Foundation
import VouchTestSupport
import XCTest

final class VaultCompatTests: XCTestCase {
    static let script = #"""
import sys, hvac
url, ca, cert, key, admin, root_pem, other_cert, other_key = sys.argv[1:9]
root = open(root_pem).read()
adminc = hvac.Client(url=url, token=admin, verify=ca)
r = adminc.auth.cert.create_ca_certificate_role(
    name="web", certificate=root, allowed_common_names="api-workload", token_policies=["web", "read"], token_ttl=3600)
assert r.status_code == 204, r
role = adminc.auth.cert.read_ca_certificate_role(name="web")
assert role["data"]["display_name"] == "web", role
assert role["data"]["token_policies"] == ["web", "read"], role
assert role["data"]["allowed_common_names"] == ["api-workload"], role
adminc.auth.cert.create_ca_certificate_role(name="other", certificate=root, allowed_common_names="nobody")
keys = adminc.auth.cert.list_certificate_roles()["data"]["keys"]
assert keys == ["other", "web"], keys

client = hvac.Client(url=url, cert=(cert, key), verify=ca)
login = client.auth.cert.login(name="web", cert_pem=cert, key_pem=key)
auth = login["auth"]
assert auth["policies"] == ["web", "read"], auth
assert auth["lease_duration"] == 3600, auth
assert auth["metadata"]["cert_name"] == "web" and auth["metadata"]["common_name"] == "api-workload", auth
assert auth["renewable"] is True
assert client.is_authenticated()
looked = client.lookup_token()
assert looked["data"]["policies"] == ["web", "read"], looked
renewed = client.auth.token.renew_self(increment="10m")
assert 0 < renewed["auth"]["lease_duration"] <= 600, renewed
client.auth.token.revoke_self()
assert not client.is_authenticated()

# unnamed login: every role is tried
anyrole = hvac.Client(url=url, cert=(cert, key), verify=ca)
assert anyrole.auth.cert.login(cert_pem=cert, key_pem=key)["auth"]["metadata"]["cert_name"] == "web"
# a role that does not match this certificate
try:
    hvac.Client(url=url, cert=(cert, key), verify=ca).auth.cert.login(name="other", cert_pem=cert, key_pem=key)
    raise SystemExit("login to a non-matching role succeeded")
except hvac.exceptions.InvalidRequest as e:
    assert "failed to match all constraints" in str(e), e
# a certificate from another CA
try:
    hvac.Client(url=url, cert=(other_cert, other_key), verify=ca).auth.cert.login(cert_pem=other_cert, key_pem=other_key)
    raise SystemExit("login with a stranger's certificate succeeded")
except hvac.exceptions.InvalidRequest:
    pass
adminc.auth.cert.delete_certificate_role(name="other")
assert adminc.auth.cert.list_certificate_roles()["data"]["keys"] == ["web"]
# without the admin token
try:
    hvac.Client(url=url, token="nope", verify=ca).auth.cert.read_ca_certificate_role(name="web")
    raise SystemExit("read without the admin token succeeded")
except hvac.exceptions.Forbidden:
    pass
print("hvac: ok")
"""#

    func testHvacCertAuthWorksUnchanged() throws {
        let pki = try PKI()
        let root = try pki.make("root")
        let server = try pki.make("server", issuer: root, extensions:
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost")
        let client = try pki.make("client", subject: "/CN=api-workload", issuer: root, profile: .client)
        let stranger = try pki.make("stranger", subject: "/CN=api-workload", issuer: try pki.make("other-ca"), profile: .client)
        let s = ServerProcess(tls: (server.certPath, server.keyPath))
        try s.start()
        defer { s.stop() }
        let out = try PKI.run(["python3", "-c", Self.script, s.base, root.certPath, client.certPath, client.keyPath, s.adminToken,
                               root.certPath, stranger.certPath, stranger.keyPath])
        XCTAssertTrue(String(decoding: out, as: UTF8.self).contains("hvac: ok"))
    }

    /// hvac with certificates from Python cryptography's plain builder (no key identifiers,
    /// CAs without keyUsage): they log in, with warnings in the audit log; the intermediate's
    /// pushed CRL applies; a strict role refuses them (Tests/Tools/hvac_plain_pki.py).
    func testHvacCertAuthWithPlainBuilderCertificates() throws {
        let pki = try PKI()
        let serverCA = try pki.make("server-ca")
        let server = try pki.make("server", issuer: serverCA, extensions:
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost")
        let plain = try PlainPKI(in: pki)
        let s = ServerProcess(tls: (server.certPath, server.keyPath))
        try s.start()
        defer { s.stop() }
        let out = try PKI.run(["python3", Repository.file("Tests/Tools/hvac_plain_pki.py").path, s.base, serverCA.certPath,
                               plain.dir.path, s.adminToken])
        XCTAssertTrue(String(decoding: out, as: UTF8.self).contains("hvac plain pki: ok"))
        XCTAssertTrue(s.auditLog.contains("missing authorityKeyIdentifier"), "the warnings reach the audit line")
        XCTAssertTrue(s.auditLog.contains("plain: revoked: leaf certificate 0 (CN=plain-client): revoked by a CRL of its issuer"), s.auditLog)
    }

    func testVaultShapesWithCurl() throws {
        let pki = try PKI()
        let root = try pki.make("root")
        let s = ServerProcess()
        try s.start()
        defer { s.stop() }
        // LIST and GET ?list=true both list; an empty list is a 404, as in Vault
        var r = try curl("LIST", s.base + "/v1/auth/cert/certs", vaultToken: s.adminToken)
        XCTAssertEqual(r.status, 404)
        XCTAssertNotNil(r.json["errors"])
        r = try curl("POST", s.base + "/v1/auth/cert/certs/Web", json: [
            "certificate": String(decoding: root.pem, as: UTF8.self), "policies": "a,b", "ttl": "1h", "max_ttl": "2h",
        ], vaultToken: s.adminToken)
        XCTAssertEqual(r.status, 204, r.body)
        r = try curl("LIST", s.base + "/v1/auth/cert/certs", vaultToken: s.adminToken)
        XCTAssertEqual((r.json["data"] as? [String: Any])?["keys"] as? [String], ["web"], r.body)
        r = try curl("GET", s.base + "/v1/auth/cert/certs?list=true", headers: ["Authorization: Bearer \(s.adminToken)"])
        XCTAssertEqual((r.json["data"] as? [String: Any])?["keys"] as? [String], ["web"], r.body)
        r = try curl("GET", s.base + "/v1/auth/cert/certs/web", vaultToken: s.adminToken)
        let data = try XCTUnwrap(r.json["data"] as? [String: Any])
        XCTAssertEqual(data["token_policies"] as? [String], ["a", "b"], "older names are accepted")
        XCTAssertEqual(data["token_ttl"] as? Int, 3600)
        XCTAssertEqual(data["token_max_ttl"] as? Int, 7200)
        r = try curl("POST", s.base + "/v1/auth/cert/certs/web", json: ["ttl": "soon"], vaultToken: s.adminToken)
        XCTAssertEqual(r.status, 400)
        XCTAssertEqual(r.vaultErrors.first, "ttl must be a duration such as 3600, \"1h\" or \"30m\"")
        r = try curl("POST", s.base + "/v1/auth/cert/crls/x", json: ["url": "http://example/crl"], vaultToken: s.adminToken)
        XCTAssertEqual(r.status, 400)
        r = try curl("POST", s.base + "/v1/auth/cert/login", json: [:])
        XCTAssertEqual(r.vaultErrors, ["client certificate must be supplied"])
        r = try curl("DELETE", s.base + "/v1/auth/cert/certs/web", vaultToken: s.adminToken)
        XCTAssertEqual(r.status, 204)
        r = try curl("GET", s.base + "/v1/auth/cert/certs/web", vaultToken: s.adminToken)
        XCTAssertEqual(r.status, 404)
    }
}
