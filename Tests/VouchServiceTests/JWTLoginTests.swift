// JWTLoginTests.swift: OIDC and JWT logins (Infisical's per-identity shapes) against a
// real provider: nginx serving the discovery document and JWK Set over TLS, keys from the
// openssl CLI, tokens from PyJWT and joserfc. Every refusal has its code and audit reason;
// the key set is cached, refetched on an unknown kid at most once per interval, kept when
// the provider is down, and a removed key stops verifying.
import Foundation
import VouchCore
import VouchService
import VouchTestSupport
import XCTest

final class JWTLoginTests: XCTestCase {
    var provider: OIDCProvider!
    var rsa = "", p256 = "", p384 = "", ed = ""

    override func setUpWithError() throws {
        provider = try OIDCProvider()
        rsa = try provider.key("rsa", .rsa2048)
        p256 = try provider.key("p256", .p256)
        p384 = try provider.key("p384", .p384)
        ed = try provider.key("ed25519", .ed25519)
        try provider.publishKeys([("rsa", rsa), ("p256", p256), ("p384", p384), ("ed", ed)])
        try provider.publishDiscovery()
    }

    override func tearDown() { provider?.stop() }

    /// Claims a workload's token carries; `overrides` replace or add members.
    func claims(_ overrides: [String: OIDCProvider.Claim] = [:]) -> [String: OIDCProvider.Claim] {
        var c: [String: OIDCProvider.Claim] = [
            "iss": .text(provider.issuer), "sub": "repo:acme/api:ref:refs/heads/main", "aud": ["vouch-prod", "other"],
            "iat": "now", "nbf": "now-5", "exp": "now+600", "environment": "production", "groups": ["deploy", "read"],
        ]
        for (k, v) in overrides { c[k] = v }
        return c
    }

    func token(_ key: String, _ alg: String, kid: String?, lib: String = "pyjwt", _ overrides: [String: OIDCProvider.Claim] = [:])
        throws -> String
    {
        try OIDCProvider.mint([.init(key: key, alg: alg, kid: kid, lib: lib, claims: claims(overrides))])[0]
    }

    func oidcIdentity(_ f: Fixture, _ edit: (inout JWTAuthInput) -> Void = { _ in }) async throws -> String {
        let id = try await f.vouch.createIdentity(name: "ci-\(UUID().uuidString.prefix(8))", role: "deployer", policies: ["deploy"],
                                                  remote: nil).id
        var i = JWTAuthInput()
        i.discoveryURL = provider.issuer
        i.caCert = provider.caPEM
        i.boundIssuer = provider.issuer
        i.boundAudiences = "vouch-*"
        i.boundSubject = "repo:acme/**"  // picomatch, as Infisical: a single star would stop at the next slash
        i.boundClaims = ["environment": "production, staging"]
        i.claimMetadataMapping = ["env": "environment"]
        edit(&i)
        _ = try await f.vouch.attachJWTAuth(.oidc, identityId: id, i, remote: nil)
        return id
    }

    func assertRefused(_ f: Fixture, _ id: String, _ jwt: String, _ code: String, method: IdentityJWTAuth.Method = .oidc,
                       mentions: String? = nil, file: StaticString = #filePath, line: UInt = #line) async {
        await assertThrowsAsync(try await f.vouch.loginJWTAuth(method, identityId: id, jwt: jwt, remote: "10.0.0.1"),
                                file: file, line: line) { e in
            XCTAssertEqual((e as? ServiceError)?.code, code, "\(e)", file: file, line: line)
            if let mentions {
                XCTAssertTrue(((e as? ServiceError)?.detail ?? "").contains(mentions), "\(e) should mention \(mentions)",
                              file: file, line: line)
            }
        }
    }

    func testOIDCLoginsForEveryAlgorithmFromPyJWTAndJoserfc() async throws {
        let f = try await Fixture()
        let id = try await oidcIdentity(f)
        for lib in ["pyjwt", "joserfc"] {
            for (alg, key, kid) in [("RS256", rsa, "rsa"), ("PS256", rsa, "rsa"), ("ES256", p256, "p256"), ("ES384", p384, "p384"),
                                    ("EdDSA", ed, "ed")] {
                let r = try await f.vouch.loginJWTAuth(.oidc, identityId: id, jwt: try token(key, alg, kid: kid, lib: lib),
                                                       remote: "10.0.0.1")
                XCTAssertEqual(r.record.metadata["env"], "production", "\(lib) \(alg): claim mapped to metadata")
                XCTAssertEqual(r.record.policies, ["deploy"])
                _ = try await f.vouch.useToken(r.accessToken, remote: "10.0.0.1")
            }
        }
        XCTAssertEqual(provider.jwksFetches, 1, "one key set fetched and shared by every login")
        XCTAssertTrue(f.audit.contains(#""action":"oidc-auth","outcome":"allowed""#))
        XCTAssertEqual(f.vouch.authMethods(of: id), ["oidc-auth"])
    }

    func testEveryRefusalHasItsCodeAndAuditReason() async throws {
        let f = try await Fixture()
        let id = try await oidcIdentity(f)
        let other = try provider.key("other", .p256)
        await assertRefused(f, id, try token(rsa, "RS256", kid: "rsa", ["iss": "https://evil.example"]), "wrong_issuer")
        await assertRefused(f, id, try token(rsa, "RS256", kid: "rsa", ["aud": "someone-else"]), "wrong_audience")
        await assertRefused(f, id, try token(rsa, "RS256", kid: "rsa", ["sub": "repo:evil/api"]), "subject_not_allowed")
        let oneLevel = try await oidcIdentity(f) { $0.boundSubject = "repo:acme/*" }
        await assertRefused(f, oneLevel, try token(rsa, "RS256", kid: "rsa"), "subject_not_allowed")  // sub has slashes past acme/
        await assertRefused(f, id, try token(rsa, "RS256", kid: "rsa", ["environment": "dev"]), "claim_not_allowed",
                            mentions: "environment")
        await assertRefused(f, id, try token(rsa, "RS256", kid: "rsa", ["exp": "now-120"]), "token_expired")
        await assertRefused(f, id, try token(rsa, "RS256", kid: "rsa", ["nbf": "now+600", "exp": "now+1200"]), "token_not_yet_valid")
        await assertRefused(f, id, try token(other, "ES256", kid: "p256"), "bad_signature")
        await assertRefused(f, id, try token(other, "ES256", kid: "nobody"), "unknown_key", mentions: "nobody")
        await assertRefused(f, id, "not.a.jwt", "malformed_token")
        await assertRefused(f, id, "", "missing_jwt")
        let unknown = UUID().uuidString.lowercased()
        await assertRefused(f, unknown, try token(rsa, "RS256", kid: "rsa"), "auth_method_not_found")
        // trusted IPs
        let narrow = try await oidcIdentity(f) { $0.accessTokenTrustedIps = ["192.168.0.0/16"] }
        await assertRefused(f, narrow, try token(rsa, "RS256", kid: "rsa"), "ip_not_trusted")
        for code in ["wrong_issuer", "wrong_audience", "subject_not_allowed", "claim_not_allowed", "token_expired", "token_not_yet_valid",
                     "bad_signature", "unknown_key", "malformed_token", "ip_not_trusted"] {
            XCTAssertTrue(f.audit.contains(#""code":"\#(code)""#), "audited: \(code)")
        }
        XCTAssertFalse(f.audit.contains("eyJ"), "no token in the audit log")
    }

    func testUnknownKidRefetchesAtMostOncePerInterval() async throws {
        let f = try await Fixture(keyRefetchInterval: 10)
        let id = try await oidcIdentity(f)
        _ = try await f.vouch.loginJWTAuth(.oidc, identityId: id, jwt: try token(rsa, "RS256", kid: "rsa"), remote: "10.0.0.1")
        XCTAssertEqual(provider.jwksFetches, 1)
        // a flood of tokens naming kids the set lacks: no fetch within the interval
        let bad = try OIDCProvider.mint((0..<20).map { .init(key: rsa, alg: "RS256", kid: "k\($0)", claims: claims()) })
        for t in bad { await assertRefused(f, id, t, "unknown_key") }
        XCTAssertEqual(provider.jwksFetches, 1, "a flood of unknown kids is not a flood of fetches")
    }

    func testRotationRemovalAndProviderDown() async throws {
        let f = try await Fixture(keyRefetchInterval: 1)
        let id = try await oidcIdentity(f)
        let old = try token(rsa, "RS256", kid: "rsa")
        _ = try await f.vouch.loginJWTAuth(.oidc, identityId: id, jwt: old, remote: "10.0.0.1")
        // rotation: a new key is published and the old one removed
        let next = try provider.key("rsa-2", .rsa2048)
        try provider.publishKeys([("rsa-2", next), ("p256", p256)])
        try await Task.sleep(for: .milliseconds(1100))
        _ = try await f.vouch.loginJWTAuth(.oidc, identityId: id, jwt: try token(next, "RS256", kid: "rsa-2"), remote: "10.0.0.1")
        XCTAssertEqual(provider.jwksFetches, 2, "the new kid was fetched once")
        await assertRefused(f, id, old, "unknown_key")  // the removed key no longer verifies
        // the provider goes down: the last good set goes on verifying, and says so
        provider.stop()
        try await Task.sleep(for: .milliseconds(1100))
        await assertRefused(f, id, try token(rsa, "RS256", kid: "gone"), "unknown_key")  // a refetch that fails
        _ = try await f.vouch.loginJWTAuth(.oidc, identityId: id, jwt: try token(p256, "ES256", kid: "p256"), remote: "10.0.0.1")
        XCTAssertTrue(f.audit.contains("kept: \(provider.issuer)"), "the audit line says the keys are stale")
        XCTAssertTrue(f.vouch.metrics.render().contains(#"vouch_key_source_up{source="\#(provider.issuer)"} 0"#),
                      f.vouch.metrics.render())
        // with no set ever fetched, the login waits for the provider: 503, nothing issued
        let fresh = try await oidcIdentity(f) { $0.boundIssuer = "https://127.0.0.1:1"; $0.discoveryURL = "https://127.0.0.1:1" }
        await assertRefused(f, fresh, try token(p256, "ES256", kid: "p256"), "key_source_unavailable")
        // back up: the source recovers on its own
        try provider.start()
        try await Task.sleep(for: .milliseconds(1100))
        await assertRefused(f, id, try token(rsa, "RS256", kid: "still-unknown"), "unknown_key")
        XCTAssertTrue(f.vouch.metrics.render().contains(#"vouch_key_source_up{source="\#(provider.issuer)"} 1"#))
    }

    func testProvidersThatAnswerBadly() async throws {
        let f = try await Fixture(keyRefetchInterval: 1)
        let good = try token(rsa, "RS256", kid: "rsa")
        // a discovery document naming another issuer
        try provider.publishDiscovery(issuer: "https://someone-else.example", at: "/liar")
        let liar = try await oidcIdentity(f) { $0.discoveryURL = self.provider.issuer + "/liar" }
        await assertRefused(f, liar, good, "key_source_unavailable", mentions: "is not \(provider.issuer)/liar")
        // a redirect is not followed
        let redirect = try await oidcIdentity(f) { $0.discoveryURL = self.provider.issuer + "/redirect" }
        await assertRefused(f, redirect, good, "key_source_unavailable", mentions: "redirects are not followed")
        // JWT auth with a JWKS URL: a body over 1 MiB, garbage, a CA that did not sign the server
        func jwks(_ url: String, ca: String? = nil) async throws -> String {
            let id = try await f.vouch.createIdentity(name: "j-\(UUID().uuidString.prefix(8))", role: nil, policies: nil, remote: nil).id
            var i = JWTAuthInput()
            i.configurationType = "jwks"
            i.jwksURL = url
            i.caCert = ca ?? provider.caPEM
            _ = try await f.vouch.attachJWTAuth(.jwt, identityId: id, i, remote: nil)
            return id
        }
        try provider.serve("huge.json", #"{"keys":[],"pad":""# + String(repeating: "x", count: 1 << 21) + #""}"#)
        await assertRefused(f, try await jwks(provider.issuer + "/huge.json"), good, "key_source_unavailable",
                            method: .jwt, mentions: "more than 1048576")
        try provider.serve("garbage.json", "<html>not json</html>")
        await assertRefused(f, try await jwks(provider.issuer + "/garbage.json"), good, "key_source_unavailable",
                            method: .jwt, mentions: "not a usable JWK Set")
        let stranger = try provider.pki.make("stranger-root")
        await assertRefused(f, try await jwks(provider.jwksURL, ca: String(decoding: stranger.pem, as: UTF8.self)), good,
                            "key_source_unavailable", method: .jwt, mentions: "TLS")
        await assertRefused(f, try await jwks(provider.issuer + "/missing.json"), good, "key_source_unavailable",
                            method: .jwt, mentions: "answered 404")
        // and the configuration refuses what could never be fetched safely
        let id = try await f.vouch.createIdentity(name: "plain", role: nil, policies: nil, remote: nil).id
        var i = JWTAuthInput()
        i.discoveryURL = "http://idp.example.com"
        await assertThrowsAsync(try await f.vouch.attachJWTAuth(.oidc, identityId: id, i, remote: nil)) { e in
            XCTAssertEqual((e as? ServiceError)?.code, "invalid_url")
        }
        i.discoveryURL = "https://user:pw@idp.example.com"
        await assertThrowsAsync(try await f.vouch.attachJWTAuth(.oidc, identityId: id, i, remote: nil)) { e in
            XCTAssertEqual((e as? ServiceError)?.code, "invalid_url")
        }
    }

    /// How long a key set is kept: Cache-Control's max-age, bounded to 1 minute .. 24 hours.
    func testMaxAgeIsBounded() {
        XCTAssertEqual(KeySetSource.maxAge("public, max-age=3600"), 3600)
        XCTAssertEqual(KeySetSource.maxAge("max-age=5"), 60)
        XCTAssertEqual(KeySetSource.maxAge("max-age=99999999"), 86_400)
        XCTAssertEqual(KeySetSource.maxAge("no-cache"), 300)
        XCTAssertEqual(KeySetSource.maxAge("max-age=soon"), 300)
        XCTAssertEqual(KeySetSource.maxAge(nil), 300)
    }

    func testProviderThatNeverFinishesTimesOut() async throws {
        let f = try await Fixture(keyRefetchInterval: 1)
        let id = try await f.vouch.createIdentity(name: "slow", role: nil, policies: nil, remote: nil).id
        var i = JWTAuthInput()
        i.configurationType = "jwks"
        i.jwksURL = provider.issuer + "/slow/jwks.json"
        i.caCert = provider.caPEM
        _ = try await f.vouch.attachJWTAuth(.jwt, identityId: id, i, remote: nil)
        await assertRefused(f, id, try token(rsa, "RS256", kid: "rsa"), "key_source_unavailable", method: .jwt, mentions: "within 10 s")
    }

    /// SPIFFE JWT-SVIDs: `sub` a SPIFFE ID, `aud` an array, ES256 with a kid, verified
    /// against the trust domain's bundle served as a JWK Set (with its x509-svid authority).
    func testSPIFFEJWTSVIDAgainstABundle() async throws {
        let f = try await Fixture()
        let authority = try provider.key("spiffe", .p256)
        let out = try PKI.run(["python3", Repository.file("Tests/Tools/jwt_issuer.py").path, "jwks", "spire-1=\(authority)"])
        var bundle = try XCTUnwrap(try JSONSerialization.jsonObject(with: out) as? [String: Any])
        var keys = bundle["keys"] as! [[String: Any]]
        keys[0]["use"] = "jwt-svid"
        let x509 = try provider.pki.make("spiffe-ca")
        let der = try PKI.run(["openssl", "x509", "-in", x509.certPath, "-outform", "DER"])
        var x = try XCTUnwrap(try JSONSerialization.jsonObject(with: try PKI.run(
            ["python3", Repository.file("Tests/Tools/jwt_issuer.py").path, "jwks", "x=\(x509.keyPath)"])) as? [String: Any])
        var xkey = (x["keys"] as! [[String: Any]])[0]
        xkey.removeValue(forKey: "kid")
        xkey["use"] = "x509-svid"
        xkey["x5c"] = [der.base64EncodedString()]
        x = [:]
        keys.append(xkey)
        bundle["keys"] = keys
        bundle["spiffe_sequence"] = 1
        bundle["spiffe_refresh_hint"] = 300
        try provider.serve("bundle.json", String(decoding: try JSONSerialization.data(withJSONObject: bundle), as: UTF8.self))
        let id = try await f.vouch.createIdentity(name: "spiffe", role: nil, policies: nil, remote: nil).id
        var i = JWTAuthInput()
        i.configurationType = "jwks"
        i.jwksURL = provider.issuer + "/bundle.json"
        i.caCert = provider.caPEM
        i.boundAudiences = "vouch"
        i.boundSubject = "spiffe://example.org/ns/prod/sa/*"
        _ = try await f.vouch.attachJWTAuth(.jwt, identityId: id, i, remote: nil)
        let svid = try OIDCProvider.mint([
            .init(key: authority, alg: "ES256", kid: "spire-1", claims: ["sub": "spiffe://example.org/ns/prod/sa/api", "aud": ["vouch"],
                                                                        "exp": "now+300", "iat": "now"]),
            .init(key: authority, alg: "ES256", kid: "spire-1", claims: ["sub": "spiffe://example.org/ns/dev/sa/api", "aud": ["vouch"],
                                                                        "exp": "now+300", "iat": "now"]),
        ])
        _ = try await f.vouch.loginJWTAuth(.jwt, identityId: id, jwt: svid[0], remote: "10.0.0.1")
        await assertRefused(f, id, svid[1], "subject_not_allowed", method: .jwt)
    }

    func testStaticPublicKeysAndConfigurationRefusals() async throws {
        let f = try await Fixture()
        let pub = String(decoding: try PKI.run(["openssl", "pkey", "-in", p256, "-pubout"]), as: UTF8.self)
        let id = try await f.vouch.createIdentity(name: "static", role: nil, policies: nil, remote: nil).id
        var i = JWTAuthInput()
        i.configurationType = "static"
        i.publicKeys = [pub]
        i.boundIssuer = provider.issuer
        _ = try await f.vouch.attachJWTAuth(.jwt, identityId: id, i, remote: nil)
        _ = try await f.vouch.loginJWTAuth(.jwt, identityId: id, jwt: try token(p256, "ES256", kid: nil), remote: "10.0.0.1")
        await assertRefused(f, id, try token(rsa, "RS256", kid: nil), "algorithm_not_allowed", method: .jwt)
        // a second attach conflicts; bad keys and types are refused, naming the field
        await assertThrowsAsync(try await f.vouch.attachJWTAuth(.jwt, identityId: id, i, remote: nil)) { e in
            XCTAssertEqual((e as? ServiceError)?.code, "auth_method_exists")
        }
        var bad = JWTAuthInput()
        bad.publicKeys = ["-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"]
        await assertThrowsAsync(try await f.vouch.updateJWTAuth(.jwt, identityId: id, bad, remote: nil)) { e in
            XCTAssertEqual((e as? ServiceError)?.code, "invalid_public_keys")
        }
        bad = JWTAuthInput()
        bad.configurationType = "magic"
        await assertThrowsAsync(try await f.vouch.updateJWTAuth(.jwt, identityId: id, bad, remote: nil)) { e in
            XCTAssertEqual((e as? ServiceError)?.code, "invalid_configuration_type")
        }
        bad = JWTAuthInput()
        bad.configurationType = "jwks"
        await assertThrowsAsync(try await f.vouch.updateJWTAuth(.jwt, identityId: id, bad, remote: nil)) { e in
            XCTAssertEqual((e as? ServiceError)?.code, "missing_field")
        }
        // nothing changed by the refused updates; revoking detaches and revokes its tokens
        let login = try await f.vouch.loginJWTAuth(.jwt, identityId: id, jwt: try token(p256, "ES256", kid: nil), remote: "10.0.0.1")
        _ = try await f.vouch.revokeJWTAuth(.jwt, identityId: id, remote: nil)
        await assertThrowsAsync(try await f.vouch.useToken(login.accessToken, remote: "10.0.0.1")) { e in
            XCTAssertEqual((e as? ServiceError)?.code, "token_revoked")
        }
        await assertRefused(f, id, try token(p256, "ES256", kid: nil), "auth_method_not_found", method: .jwt)
        // survives a restart
        let id2 = try await f.vouch.createIdentity(name: "static2", role: nil, policies: nil, remote: nil).id
        _ = try await f.vouch.attachJWTAuth(.jwt, identityId: id2, i, remote: nil)
        let again = try await f.restarted()
        _ = try await again.loginJWTAuth(.jwt, identityId: id2, jwt: try token(p256, "ES256", kid: nil), remote: "10.0.0.1")
    }
}
