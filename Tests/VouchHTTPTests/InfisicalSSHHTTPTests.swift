// InfisicalSSHHTTPTests.swift: Infisical's SSH shapes over HTTP with curl: a CA, its public
// key without authentication, a template, certificates signed and issued for a workload's
// access token (refused without the policy the template's path needs), listed, revoked,
// and the KRL polled with its ETag and judged by ssh-keygen -Q.
import Foundation
import VouchTestSupport
import XCTest

final class InfisicalSSHHTTPTests: XCTestCase {
    func testCAsTemplatesSigningRevocationAndKRL() throws {
        let pki = try PKI()
        let s = ServerProcess()
        try s.start()
        defer { s.stop() }
        let dir = pki.dir.path
        // a CA (Ed25519 by default), its public key for TrustedUserCAKeys
        var r = try curl("POST", s.base + "/api/v1/ssh/cas", json: ["friendlyName": "prod users"], token: s.adminToken)
        XCTAssertEqual(r.status, 200, r.body)
        let ca = try XCTUnwrap(r.json["ca"] as? [String: Any])
        let caId = try XCTUnwrap(ca["id"] as? String)
        XCTAssertEqual(ca["keyAlgorithm"] as? String, "ED25519")
        XCTAssertEqual(ca["keySource"] as? String, "internal")
        XCTAssertEqual(ca["status"] as? String, "active")
        XCTAssertNil(ca["privateKey"], "a CA is never read back with its private key")
        r = try curl("GET", s.base + "/api/v1/ssh/cas/\(caId)/public-key")
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.body.trimmingCharacters(in: .whitespacesAndNewlines), ca["publicKey"] as? String)
        r = try curl("POST", s.base + "/api/v1/ssh/cas", json: ["friendlyName": "x", "keyAlgorithm": "DSA"], token: s.adminToken)
        XCTAssertEqual(r.status, 400, r.body)
        XCTAssertEqual(r.errorCode, "invalid_key_algorithm")
        r = try curl("POST", s.base + "/api/v1/ssh/cas", json: ["friendlyName": "x"])
        XCTAssertEqual(r.status, 401, r.body)

        // a template
        r = try curl("POST", s.base + "/api/v1/ssh/certificate-templates", json: [
            "sshCaId": caId, "name": "deployers", "ttl": "30m", "maxTTL": "8h", "allowedUsers": ["deploy"], "allowedHosts": [],
            "allowUserCertificates": true, "allowHostCertificates": false, "allowCustomKeyIds": false,
        ], token: s.adminToken)
        XCTAssertEqual(r.status, 200, r.body)
        let templateId = try XCTUnwrap(r.json["id"] as? String)
        XCTAssertEqual(r.json["maxTTL"] as? String, "8h")
        r = try curl("GET", s.base + "/api/v1/ssh/cas/\(caId)/certificate-templates", token: s.adminToken)
        XCTAssertEqual((r.json["certificateTemplates"] as? [[String: Any]])?.count, 1, r.body)

        // sign (a key from ssh-keygen) and issue
        let key = dir + "/id_ed25519"
        XCTAssertEqual(try runProcess(["ssh-keygen", "-q", "-N", "", "-t", "ed25519", "-f", key]).status, 0)
        let pub = try String(contentsOfFile: key + ".pub", encoding: .utf8)
        r = try curl("POST", s.base + "/api/v1/ssh/certificates/sign", json: [
            "certificateTemplateId": templateId, "publicKey": pub, "certType": "user", "principals": ["deploy"], "ttl": "1h",
        ], token: s.adminToken)
        XCTAssertEqual(r.status, 200, r.body)
        let signed = try XCTUnwrap(r.json["signedKey"] as? String)
        let serial = try XCTUnwrap(r.json["serialNumber"] as? String)
        XCTAssertNotNil(UInt64(serial), "Infisical's serials are decimal")
        try signed.write(toFile: key + "-cert.pub", atomically: true, encoding: .utf8)
        let shown = try runProcess(["ssh-keygen", "-L", "-f", key + "-cert.pub"]).out
        XCTAssertTrue(shown.contains("Serial: \(serial)"), shown)
        r = try curl("POST", s.base + "/api/v1/ssh/certificates/sign", json: [
            "certificateTemplateId": templateId, "publicKey": pub, "principals": ["root"],
        ], token: s.adminToken)
        XCTAssertEqual(r.status, 400, r.body)
        XCTAssertEqual(r.errorCode, "principal_not_allowed")
        r = try curl("POST", s.base + "/api/v1/ssh/certificates/sign", json: [
            "certificateTemplateId": templateId, "publicKey": pub, "principals": ["deploy"], "ttl": "9h",
        ], token: s.adminToken)
        XCTAssertEqual(r.errorCode, "ttl_too_long", r.body)
        r = try curl("POST", s.base + "/api/v1/ssh/certificates/sign", json: [
            "certificateTemplateId": templateId, "publicKey": pub, "principals": ["deploy"], "surprise": 1,
        ], token: s.adminToken)
        XCTAssertEqual(r.status, 400, r.body)
        r = try curl("POST", s.base + "/api/v1/ssh/certificates/issue", json: [
            "certificateTemplateId": templateId, "keyAlgorithm": "EC_secp384r1", "principals": ["deploy"],
        ], token: s.adminToken)
        XCTAssertEqual(r.status, 200, r.body)
        XCTAssertEqual(r.json["keyAlgorithm"] as? String, "EC_secp384r1")
        XCTAssertTrue((r.json["privateKey"] as? String)?.hasPrefix("-----BEGIN OPENSSH PRIVATE KEY-----") ?? false)
        XCTAssertTrue((r.json["publicKey"] as? String)?.hasPrefix("ecdsa-sha2-nistp384 ") ?? false)
        let issuedCert = try XCTUnwrap(r.json["signedKey"] as? String)
        try issuedCert.write(toFile: dir + "/issued-cert.pub", atomically: true, encoding: .utf8)

        // listed and looked up
        r = try curl("GET", s.base + "/api/v1/ssh/cas/\(caId)/certificates?limit=1", token: s.adminToken)
        XCTAssertEqual(r.status, 200, r.body)
        XCTAssertEqual((r.json["certificates"] as? [[String: Any]])?.first?["serialNumber"] as? String, serial)
        let next = try XCTUnwrap(r.json["next"] as? String)
        r = try curl("GET", s.base + "/api/v1/ssh/cas/\(caId)/certificates?limit=1&after=\(next)", token: s.adminToken)
        XCTAssertEqual((r.json["certificates"] as? [[String: Any]])?.count, 1, r.body)
        XCTAssertNil(r.json["next"], "two certificates: the second page is the last")
        r = try curl("GET", s.base + "/api/v1/ssh/cas/\(caId)/certificates?after=x", token: s.adminToken)
        XCTAssertEqual(r.errorCode, "invalid_cursor", r.body)
        r = try curl("GET", s.base + "/api/v1/ssh/cas/\(caId)/certificates?limit=0", token: s.adminToken)
        XCTAssertEqual(r.errorCode, "invalid_limit", r.body)
        r = try curl("GET", s.base + "/api/v1/ssh/cas/\(caId)/certificates/\(serial)", token: s.adminToken)
        let record = try XCTUnwrap(r.json["certificate"] as? [String: Any], r.body)
        XCTAssertEqual(record["principals"] as? [String], ["deploy"])
        XCTAssertEqual(record["revoked"] as? Bool, false)

        // the KRL: empty, then the revoked serial; polled with its ETag
        let krlPath = dir + "/ca.krl"
        r = try curl("GET", s.base + "/api/v1/ssh/cas/\(caId)/krl", args: ["-D", dir + "/headers", "-o", krlPath])
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(try runProcess(["ssh-keygen", "-Q", "-f", krlPath, key + "-cert.pub"]).status, 0, "nothing revoked yet")
        r = try curl("POST", s.base + "/api/v1/ssh/cas/\(caId)/revoke", json: ["serialNumber": serial], token: s.adminToken)
        XCTAssertEqual(r.status, 200, r.body)
        XCTAssertEqual(r.json["revoked"] as? Int, 1)
        r = try curl("POST", s.base + "/api/v1/ssh/cas/\(caId)/revoke", json: ["serialNumber": serial, "keyId": "x"], token: s.adminToken)
        XCTAssertEqual(r.errorCode, "invalid_revocation", r.body)
        r = try curl("POST", s.base + "/api/v1/ssh/cas/\(caId)/revoke", json: ["serialNumber": "ff"], token: s.adminToken)
        XCTAssertEqual(r.errorCode, "invalid_serial", "Infisical's serials are decimal")
        r = try curl("POST", s.base + "/api/v1/ssh/cas/\(caId)/revoke", json: ["keyId": "x"])
        XCTAssertEqual(r.status, 401, "revoking needs a token")
        r = try curl("GET", s.base + "/api/v1/ssh/cas/\(caId)/krl", args: ["-D", dir + "/headers", "-o", krlPath])
        XCTAssertEqual(r.status, 200)
        let headers = try String(contentsOfFile: dir + "/headers", encoding: .utf8)
        let etag = try XCTUnwrap(headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix("etag:") }?.dropFirst(5)
            .trimmingCharacters(in: .whitespaces))
        XCTAssertEqual(try runProcess(["ssh-keygen", "-Q", "-f", krlPath, key + "-cert.pub"]).status, 1, "revoked")
        XCTAssertEqual(try runProcess(["ssh-keygen", "-Q", "-f", krlPath, dir + "/issued-cert.pub"]).status, 0, "not revoked")
        r = try curl("GET", s.base + "/api/v1/ssh/cas/\(caId)/krl", headers: ["If-None-Match: \(etag)"])
        XCTAssertEqual(r.status, 304, "unchanged: the poller keeps what it has")
        r = try curl("GET", s.base + "/api/v1/ssh/cas/\(caId)/certificates/\(serial)", token: s.adminToken)
        XCTAssertEqual((r.json["certificate"] as? [String: Any])?["revoked"] as? Bool, true, r.body)
        // by public key: the issued certificate's key
        r = try curl("POST", s.base + "/api/v1/ssh/cas/\(caId)/revoke", json: ["publicKey": issuedCert], token: s.adminToken)
        XCTAssertEqual(r.status, 200, r.body)
        r = try curl("GET", s.base + "/api/v1/ssh/cas/\(caId)/krl", headers: ["If-None-Match: \(etag)"], args: ["-o", krlPath])
        XCTAssertEqual(r.status, 200, "changed: a new KRL")
        XCTAssertEqual(try runProcess(["ssh-keygen", "-Q", "-f", krlPath, dir + "/issued-cert.pub"]).status, 1)

        // a disabled CA signs nothing; deleting it takes its templates
        r = try curl("PATCH", s.base + "/api/v1/ssh/cas/\(caId)", json: ["status": "disabled"], token: s.adminToken)
        XCTAssertEqual((r.json["ca"] as? [String: Any])?["status"] as? String, "disabled", r.body)
        r = try curl("POST", s.base + "/api/v1/ssh/certificates/sign", json: [
            "certificateTemplateId": templateId, "publicKey": pub, "principals": ["deploy"],
        ], token: s.adminToken)
        XCTAssertEqual(r.errorCode, "ca_disabled", r.body)
        r = try curl("DELETE", s.base + "/api/v1/ssh/cas/\(caId)", token: s.adminToken)
        XCTAssertEqual(r.status, 200, r.body)
        r = try curl("GET", s.base + "/api/v1/ssh/certificate-templates/\(templateId)", token: s.adminToken)
        XCTAssertEqual(r.status, 404, r.body)
        XCTAssertFalse(s.auditLog.contains("PRIVATE KEY") || s.log.contains("PRIVATE KEY"))
        XCTAssertTrue(s.auditLog.contains(#""action":"revoke""#), s.auditLog)
    }
}
