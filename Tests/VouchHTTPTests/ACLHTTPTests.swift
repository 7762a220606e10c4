// ACLHTTPTests.swift: the policy check in front of every /v1/ call, with curl, as an
// attacker would try it: other spellings of a path (`//v1/`, empty segments, a trailing /,
// upper case) never reach an object the check did not name; a create-only policy cannot
// overwrite an object under another spelling of its name; a less specific grant does not
// undo a deny; capabilities-self answers valid JSON.
import Foundation
import VouchTestSupport
import XCTest

final class ACLHTTPTests: XCTestCase {
    var s: ServerProcess!
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("vouch-acl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        s = ServerProcess()
        try s.start()
    }

    override func tearDownWithError() throws {
        s?.stop()
        if let dir { try? FileManager.default.removeItem(at: dir) }
    }

    /// A token from a jwt login whose role grants `policies`.
    func token(policies: [String]) throws -> String {
        let key = dir.appendingPathComponent("ci-\(UUID().uuidString).pem").path
        try PKI.run(["openssl", "genpkey"] + KeyType.p256.genpkeyArgs + ["-out", key])
        let pub = String(decoding: try PKI.run(["openssl", "pkey", "-in", key, "-pubout"]), as: UTF8.self)
        let role = "r\(UUID().uuidString.prefix(8).lowercased())"
        let mount = "jwt-\(role)"
        XCTAssertEqual(try curl("POST", s.base + "/v1/sys/auth/\(mount)", json: ["type": "jwt"], vaultToken: s.adminToken).status, 204)
        XCTAssertEqual(try curl("POST", s.base + "/v1/auth/\(mount)/config", json: ["jwt_validation_pubkeys": [pub]], vaultToken: s.adminToken).status, 204)
        let made = try curl("POST", s.base + "/v1/auth/\(mount)/role/\(role)", json: [
            "role_type": "jwt", "user_claim": "sub", "bound_subject": "ci", "token_policies": policies,
        ], vaultToken: s.adminToken)
        XCTAssertEqual(made.status, 204, made.body)
        let jwt = try OIDCProvider.mint([.init(key: key, alg: "ES256", kid: nil, claims: ["sub": "ci", "exp": "now+600"])])[0]
        let r = try curl("POST", s.base + "/v1/auth/\(mount)/login", json: ["role": role, "jwt": jwt])
        XCTAssertEqual(r.status, 200, r.body)
        return try XCTUnwrap((r.json["auth"] as? [String: Any])?["client_token"] as? String)
    }

    func put(_ name: String, _ policy: String) throws {
        let r = try curl("PUT", s.base + "/v1/sys/policies/acl/\(name)", json: ["policy": policy], vaultToken: s.adminToken)
        XCTAssertEqual(r.status, 204, r.body)
    }

    func testOtherSpellingsOfAPathReachNothingTheCheckDidNotName() throws {
        // no token at all, with the router's own normalisation as the way in
        var r = try curl("PUT", s.base + "//v1/sys/policies/acl/default", json: ["policy": #"path "*" { capabilities = ["sudo"] }"#],
                         args: ["--path-as-is"])
        XCTAssertEqual(r.status, 404, r.body)
        r = try curl("GET", s.base + "//v1/sys/policies/acl?list=true", args: ["--path-as-is"])
        XCTAssertEqual(r.status, 404, r.body)
        r = try curl("GET", s.base + "/v1/sys/policies/acl/default", vaultToken: s.adminToken)
        XCTAssertFalse(r.body.contains("sudo"), "the default policy was not rewritten")
        r = try curl("GET", s.base + "/v1/sys/policies/acl?list=true")
        XCTAssertEqual(r.status, 403, "no token: refused")

        // a deny on one role, under a broader grant
        XCTAssertEqual(try curl("POST", s.base + "/v1/ssh/config/ca", json: ["key_type": "ssh-ed25519"], vaultToken: s.adminToken).status, 200)
        for role in ["admin", "ops"] {
            XCTAssertEqual(try curl("POST", s.base + "/v1/ssh/roles/\(role)", json: [
                "key_type": "ca", "allowed_users": "root", "allow_user_certificates": true,
            ], vaultToken: s.adminToken).status, 204)
        }
        try put("ssh-ops", """
            path "ssh/*" { capabilities = ["create", "read", "update", "list"] }
            path "ssh/sign/admin" { capabilities = ["deny"] }
            """)
        let t = try token(policies: ["ssh-ops"])
        let keyPath = dir.appendingPathComponent("id").path
        XCTAssertEqual(try runProcess(["ssh-keygen", "-q", "-N", "", "-t", "ed25519", "-f", keyPath]).status, 0)
        let pub = try String(contentsOfFile: keyPath + ".pub", encoding: .utf8)
        let body: [String: Any] = ["public_key": pub, "valid_principals": "root"]
        r = try curl("POST", s.base + "/v1/ssh/sign/ops", json: body, vaultToken: t)
        XCTAssertEqual(r.status, 200, "the grant: " + r.body)
        r = try curl("POST", s.base + "/v1/ssh/sign/admin", json: body, vaultToken: t)
        XCTAssertEqual(r.status, 403, r.body)
        XCTAssertTrue(r.body.contains(#"path \"ssh/sign/admin\" needs capability \"update\""#), r.body)
        for spelling in ["/v1/ssh/sign/ADMIN", "/v1/ssh/sign/Admin", "/v1/ssh/sign/admin/", "/v1/ssh//sign/admin", "/v1/ssh/sign//admin",
                         "/v1//ssh/sign/admin"] {
            r = try curl("POST", s.base + spelling, json: body, vaultToken: t, args: ["--path-as-is"])
            XCTAssertTrue(r.status == 403 || r.status == 404, "\(spelling): \(r.status) \(r.body)")
            XCTAssertFalse(r.body.contains("signed_key"), spelling)
        }
        // Infisical's calls: the id in any case is the same CA
        r = try curl("POST", s.base + "/api/v1/ssh/cas", json: ["friendlyName": "prod"], token: s.adminToken)
        let caId = try XCTUnwrap((r.json["ca"] as? [String: Any])?["id"] as? String)
        try put("ssh-cas", """
            path "sys/ssh/cas/*" { capabilities = ["read"] }
            path "sys/ssh/cas/\(caId)" { capabilities = ["deny"] }
            """)
        let reader = try token(policies: ["ssh-cas"])
        XCTAssertEqual(try curl("GET", s.base + "/api/v1/ssh/cas/\(caId)", token: reader).status, 403)
        XCTAssertEqual(try curl("GET", s.base + "/api/v1/ssh/cas/\(caId.uppercased())", token: reader).status, 403)
        // a Vault-style grant on the ssh mount grants nothing on Infisical's CAs
        XCTAssertEqual(try curl("PATCH", s.base + "/api/v1/ssh/cas/\(caId)", json: ["status": "disabled"], token: t).status, 403)
        XCTAssertEqual(try curl("POST", s.base + "/api/v1/ssh/cas", json: ["friendlyName": "mine"], token: t).status, 403)
    }

    func testCreateOnlyCannotOverwriteUnderAnotherSpelling() throws {
        let key = dir.appendingPathComponent("k.pem").path
        try PKI.run(["openssl", "genpkey"] + KeyType.p256.genpkeyArgs + ["-out", key])
        let pub = String(decoding: try PKI.run(["openssl", "pkey", "-in", key, "-pubout"]), as: UTF8.self)
        XCTAssertEqual(try curl("POST", s.base + "/v1/auth/jwt/config", json: ["jwt_validation_pubkeys": [pub], "bound_issuer": "https://good"],
                                vaultToken: s.adminToken).status, 204)
        try put("creator", #"path "auth/*" { capabilities = ["create"] }"#)
        let t = try token(policies: ["creator"])
        for mount in ["jwt", "JWT", "Jwt"] {
            let r = try curl("POST", s.base + "/v1/auth/\(mount)/config", json: ["jwt_validation_pubkeys": [pub], "bound_issuer": "https://evil"],
                             vaultToken: t)
            XCTAssertEqual(r.status, 403, "\(mount): \(r.body)")
            XCTAssertTrue(r.body.contains("needs capability \\\"update\\\""), r.body)
        }
        let r = try curl("GET", s.base + "/v1/auth/jwt/config", vaultToken: s.adminToken)
        XCTAssertEqual((r.json["data"] as? [String: Any])?["bound_issuer"] as? String, "https://good")
        // sys/auth/{path} is root-protected: sudo for every call, reads too
        try put("mounts", #"path "sys/auth/*" { capabilities = ["read", "create", "update"] }"#)
        let m = try token(policies: ["mounts"])
        XCTAssertEqual(try curl("GET", s.base + "/v1/sys/auth/jwt", vaultToken: m).status, 403)
        try put("mounts", #"path "sys/auth/*" { capabilities = ["read", "create", "update", "sudo"] }"#)
        XCTAssertEqual(try curl("GET", s.base + "/v1/sys/auth/jwt", vaultToken: m).status, 200)
    }

    func testCapabilitiesSelfAnswersValidJSON() throws {
        try put("reader", #"path "ssh/roles/*" { capabilities = ["read", "list"] }"#)
        let t = try token(policies: ["reader"])
        var r = try curl("POST", s.base + "/v1/sys/capabilities-self", json: ["paths": ["ssh/roles/a", "ssh/roles/a", "ssh/sign/a"]], vaultToken: t)
        XCTAssertEqual(r.status, 200, r.body)
        XCTAssertEqual(r.json["ssh/roles/a"] as? [String], ["list", "read"], r.body)
        XCTAssertEqual(r.json["ssh/sign/a"] as? [String], ["deny"], r.body)
        XCTAssertEqual(r.body.components(separatedBy: "\"ssh/roles/a\"").count - 1, 2, "once at the top, once in data: \(r.body)")
        r = try curl("POST", s.base + "/v1/sys/capabilities-self", json: ["paths": ["SSH/roles/A", "ssh//roles/a"]], vaultToken: t)
        XCTAssertEqual(r.json["SSH/roles/A"] as? [String], ["list", "read"], "read as a request's path is: " + r.body)
        XCTAssertEqual(r.json["ssh//roles/a"] as? [String], ["list", "read"], r.body)
        // Vault's list grant: a pattern with a trailing /, for LIST with or without one
        try put("lister", #"path "ssh/roles/" { capabilities = ["list"] }"#)
        XCTAssertEqual(try curl("POST", s.base + "/v1/ssh/roles/ops", json: ["key_type": "ca", "allow_user_certificates": true],
                                vaultToken: s.adminToken).status, 204)
        let l = try token(policies: ["lister"])
        XCTAssertEqual(try curl("GET", s.base + "/v1/ssh/roles?list=true", vaultToken: l).status, 200)
        XCTAssertEqual(try curl("GET", s.base + "/v1/ssh/roles/?list=true", vaultToken: l).status, 200)
        XCTAssertEqual(try curl("GET", s.base + "/v1/ssh/roles/ops", vaultToken: l).status, 403, "list is not read")
        r = try curl("POST", s.base + "/v1/sys/capabilities-self", json: ["paths": ["data"]], vaultToken: t)
        XCTAssertEqual(r.status, 400, r.body)
        r = try curl("POST", s.base + "/v1/sys/capabilities-self", json: ["path": "anything"], vaultToken: s.adminToken)
        XCTAssertEqual(r.json["capabilities"] as? [String], ["root"], r.body)
    }
}
