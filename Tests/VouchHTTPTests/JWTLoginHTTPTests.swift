// JWTLoginHTTPTests.swift: the JWT, OIDC and Kubernetes logins over HTTP, as clients make
// them: Infisical's shapes with real curl (attach, read wrapped as Infisical does, login,
// refusals with stable codes, bad bodies naming the field), and Vault's with hvac,
// unchanged (Tests/Tools/hvac_jwt_kubernetes.py), against a real OIDC provider (nginx) and
// the TokenReview double.
import Foundation
import VouchTestSupport
import XCTest

final class JWTLoginHTTPTests: XCTestCase {
    func identity(_ s: ServerProcess, _ name: String) throws -> String {
        let r = try curl("POST", s.base + "/api/v1/identities", json: ["name": name, "role": "workload"], token: s.adminToken)
        XCTAssertEqual(r.status, 200, r.body)
        return try XCTUnwrap((r.json["identity"] as? [String: Any])?["id"] as? String)
    }

    func testInfisicalShapesWithCurl() throws {
        let provider = try OIDCProvider()
        defer { provider.stop() }
        let key = try provider.key("rsa", .rsa2048)
        try provider.publishKeys([("k1", key)])
        try provider.publishDiscovery()
        let k8s = try KubernetesDouble()
        defer { k8s.stop() }
        let s = ServerProcess()
        try s.start()
        defer { s.stop() }

        // OIDC auth: attach, read, log in
        let oidc = try identity(s, "ci")
        var r = try curl("POST", s.base + "/api/v1/auth/oidc-auth/identities/\(oidc)", json: [
            "oidcDiscoveryUrl": provider.issuer, "caCert": provider.caPEM, "boundIssuer": provider.issuer,
            "boundAudiences": "vouch-*", "boundSubject": "repo:acme/*", "boundClaims": ["environment": "production"],
            "claimMetadataMapping": ["env": "environment"], "accessTokenTTL": 600,
        ], token: s.adminToken)
        XCTAssertEqual(r.status, 200, r.body)
        let body = try XCTUnwrap(r.json["identityOidcAuth"] as? [String: Any])
        XCTAssertEqual(body["boundAudiences"] as? String, "vouch-*")
        XCTAssertEqual(body["accessTokenTTL"] as? Int, 600)
        r = try curl("GET", s.base + "/api/v1/auth/oidc-auth/identities/\(oidc)", token: s.adminToken)
        XCTAssertEqual((r.json["identityOidcAuth"] as? [String: Any])?["oidcDiscoveryUrl"] as? String, provider.issuer)
        let tokens = try OIDCProvider.mint([
            .init(key: key, alg: "RS256", kid: "k1", claims: ["iss": .text(provider.issuer), "sub": "repo:acme/api", "aud": ["vouch-prod"],
                                                            "exp": "now+600", "iat": "now", "environment": "production"]),
            .init(key: key, alg: "RS256", kid: "k1", claims: ["iss": .text(provider.issuer), "sub": "repo:acme/api", "aud": ["vouch-prod"],
                                                            "exp": "now+600", "iat": "now", "environment": "dev"]),
        ])
        r = try curl("POST", s.base + "/api/v1/auth/oidc-auth/login", json: ["identityId": oidc, "jwt": tokens[0]])
        XCTAssertEqual(r.status, 200, r.body)
        XCTAssertEqual(r.json["expiresIn"] as? Int, 600)
        XCTAssertEqual(r.json["tokenType"] as? String, "Bearer")
        let access = try XCTUnwrap(r.json["accessToken"] as? String)
        r = try curl("POST", s.base + "/api/v1/auth/token/introspect", token: access)
        XCTAssertEqual(r.status, 200, r.body)
        r = try curl("POST", s.base + "/api/v1/auth/oidc-auth/login", json: ["identityId": oidc, "jwt": tokens[1]])
        XCTAssertEqual(r.status, 401, r.body)
        XCTAssertEqual(r.errorCode, "claim_not_allowed")
        XCTAssertFalse((r.json["message"] as? String ?? "").contains("environment"), "the precise reason stays in the audit log")
        // bad bodies name the field and change nothing
        r = try curl("PATCH", s.base + "/api/v1/auth/oidc-auth/identities/\(oidc)", json: ["boundAudience": "typo"], token: s.adminToken)
        XCTAssertEqual(r.status, 400, r.body)
        XCTAssertTrue(r.body.contains("boundAudience"), r.body)
        r = try curl("PATCH", s.base + "/api/v1/auth/oidc-auth/identities/\(oidc)", json: ["oidcDiscoveryUrl": "ftp://x"], token: s.adminToken)
        XCTAssertEqual(r.errorCode, "invalid_url", r.body)
        r = try curl("POST", s.base + "/api/v1/auth/oidc-auth/identities/\(oidc)", json: ["oidcDiscoveryUrl": provider.issuer],
                     token: s.adminToken)
        XCTAssertEqual(r.status, 409, r.body)
        r = try curl("POST", s.base + "/api/v1/auth/oidc-auth/login", json: ["identityId": oidc, "jwt": tokens[0]])
        XCTAssertEqual(r.status, 200, "the refused changes changed nothing")
        // without the admin token, no configuration
        r = try curl("GET", s.base + "/api/v1/auth/oidc-auth/identities/\(oidc)")
        XCTAssertEqual(r.status, 401, r.body)

        // JWT auth with static keys
        let jwtId = try identity(s, "svid")
        let pub = String(decoding: try PKI.run(["openssl", "pkey", "-in", key, "-pubout"]), as: UTF8.self)
        r = try curl("POST", s.base + "/api/v1/auth/jwt-auth/identities/\(jwtId)", json: [
            "configurationType": "static", "publicKeys": [pub], "boundIssuer": provider.issuer,
        ], token: s.adminToken)
        XCTAssertEqual(r.status, 200, r.body)
        XCTAssertEqual((r.json["identityJwtAuth"] as? [String: Any])?["configurationType"] as? String, "static")
        r = try curl("POST", s.base + "/api/v1/auth/jwt-auth/login", json: ["identityId": jwtId, "jwt": tokens[0]])
        XCTAssertEqual(r.status, 200, r.body)

        // Kubernetes auth
        let kid = try identity(s, "api")
        r = try curl("POST", s.base + "/api/v1/auth/kubernetes-auth/identities/\(kid)", json: [
            "kubernetesHost": k8s.host, "caCert": k8s.caPEM, "tokenReviewerJwt": KubernetesDouble.reviewerToken,
            "allowedNamespaces": "prod", "allowedNames": "api",
        ], token: s.adminToken)
        XCTAssertEqual(r.status, 200, r.body)
        let kbody = try XCTUnwrap(r.json["identityKubernetesAuth"] as? [String: Any])
        XCTAssertEqual(kbody["tokenReviewerJwt"] as? String, "", "the reviewer JWT is never read back")
        XCTAssertEqual(kbody["tokenReviewerJwtSet"] as? Bool, true)
        XCTAssertFalse(r.body.contains(KubernetesDouble.reviewerToken))
        r = try curl("POST", s.base + "/api/v1/auth/kubernetes-auth/login",
                     json: ["identityId": kid, "jwt": try k8s.token(namespace: "prod", name: "api")])
        XCTAssertEqual(r.status, 200, r.body)
        r = try curl("POST", s.base + "/api/v1/auth/kubernetes-auth/login",
                     json: ["identityId": kid, "jwt": try k8s.token(namespace: "dev", name: "api")])
        XCTAssertEqual(r.status, 403, r.body)
        XCTAssertEqual(r.errorCode, "namespace_not_allowed")
        var state = KubernetesDouble.State()
        state.mode = "500"
        try k8s.set(state)
        r = try curl("POST", s.base + "/api/v1/auth/kubernetes-auth/login",
                     json: ["identityId": kid, "jwt": try k8s.token(namespace: "prod", name: "api", jti: "other")])
        XCTAssertEqual(r.status, 503, r.body)
        XCTAssertEqual(r.errorCode, "kubernetes_unavailable")
        r = try curl("GET", s.base + "/api/v1/identities/\(kid)", token: s.adminToken)
        XCTAssertTrue(r.body.contains("kubernetes-auth"), r.body)
        XCTAssertTrue(s.auditLog.contains(#""action":"kubernetes-auth","outcome":"allowed""#))
        XCTAssertFalse(s.auditLog.contains(KubernetesDouble.reviewerToken) || s.log.contains(KubernetesDouble.reviewerToken))
        XCTAssertFalse(s.auditLog.contains("eyJ") || s.log.contains("eyJ"), "no JWT in the audit log or the server log")
    }

    func testHvacJWTAndKubernetesWorkUnchanged() throws {
        let provider = try OIDCProvider()
        defer { provider.stop() }
        let key = try provider.key("rsa", .rsa2048)
        try provider.publishKeys([("k1", key)])
        try provider.publishDiscovery()
        let k8s = try KubernetesDouble()
        defer { k8s.stop() }
        let pki = try PKI()
        let serverCA = try pki.make("server-ca")
        let server = try pki.make("server", issuer: serverCA, extensions:
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost")
        let s = ServerProcess(tls: (server.certPath, server.keyPath))
        try s.start()
        defer { s.stop() }
        let out = try PKI.run([
            "python3", Repository.file("Tests/Tools/hvac_jwt_kubernetes.py").path, s.base, serverCA.certPath, s.adminToken,
            provider.issuer, String(decoding: provider.root.pem, as: UTF8.self), key, "k1", k8s.host,
            String(decoding: k8s.root.pem, as: UTF8.self), KubernetesDouble.reviewerToken, k8s.signingKey,
        ])
        XCTAssertEqual(String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines), "ok", s.log)
    }
}
