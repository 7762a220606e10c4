// KubernetesLoginTests.swift: Kubernetes logins (Infisical's per-identity shape) against a
// TokenReview double that follows the API's JSON to the letter: local checks refuse
// garbage and the wrong service accounts without a round trip, TokenReview decides the
// rest (positive answers remembered for a minute), every refusal and every failure of the
// API server has its own code, never a pass; local mode decides without the API server.
import Foundation
import VouchCore
import VouchService
import VouchTestSupport
import XCTest

final class KubernetesLoginTests: XCTestCase {
    var k8s: KubernetesDouble!

    override func setUpWithError() throws { k8s = try KubernetesDouble() }
    override func tearDown() { k8s?.stop() }

    func identity(_ f: Fixture, _ edit: (inout KubernetesAuthInput) -> Void = { _ in }) async throws -> String {
        let id = try await f.vouch.createIdentity(name: "k8s-\(UUID().uuidString.prefix(8))", role: "workload", policies: ["read"],
                                                  remote: nil).id
        var i = KubernetesAuthInput()
        i.kubernetesHost = k8s.host
        i.caCert = k8s.caPEM
        i.tokenReviewerJwt = KubernetesDouble.reviewerToken
        i.allowedNamespaces = "prod, staging"
        i.allowedNames = "api, worker-*"
        edit(&i)
        _ = try await f.vouch.attachKubernetesAuth(identityId: id, i, remote: nil)
        return id
    }

    func assertRefused(_ f: Fixture, _ id: String, _ jwt: String, _ code: String, mentions: String? = nil,
                       file: StaticString = #filePath, line: UInt = #line) async {
        await assertThrowsAsync(try await f.vouch.loginKubernetesAuth(identityId: id, jwt: jwt, remote: "10.0.0.1"), file: file, line: line) { e in
            XCTAssertEqual((e as? ServiceError)?.code, code, "\(e)", file: file, line: line)
            if let mentions {
                XCTAssertTrue(((e as? ServiceError)?.detail ?? "").contains(mentions), "\(e) should mention \(mentions)", file: file, line: line)
            }
        }
    }

    func testTokenReviewLoginIsRememberedForAMinute() async throws {
        let f = try await Fixture()
        let id = try await identity(f)
        let t = try k8s.token(namespace: "prod", name: "api", uid: "sa-uid-1")
        let r = try await f.vouch.loginKubernetesAuth(identityId: id, jwt: t, remote: "10.0.0.1")
        XCTAssertEqual(r.record.metadata["service_account_name"], "api")
        XCTAssertEqual(r.record.metadata["service_account_namespace"], "prod")
        XCTAssertEqual(r.record.metadata["service_account_uid"], "sa-uid-1")
        XCTAssertEqual(k8s.reviews, 1)
        _ = try await f.vouch.loginKubernetesAuth(identityId: id, jwt: t, remote: "10.0.0.1")
        XCTAssertEqual(k8s.reviews, 1, "a positive review is remembered")
        f.clock.advance(61)
        _ = try await f.vouch.loginKubernetesAuth(identityId: id, jwt: t, remote: "10.0.0.1")
        XCTAssertEqual(k8s.reviews, 2, "for a minute at most")
        _ = try await f.vouch.loginKubernetesAuth(identityId: id, jwt: try k8s.token(namespace: "staging", name: "worker-7"), remote: "10.0.0.1")
        XCTAssertEqual(f.vouch.authMethods(of: id), ["kubernetes-auth"])
        XCTAssertTrue(f.audit.contains(#""service_account":"prod\/api""#) || f.audit.contains(#""service_account":"prod/api""#), f.audit)
    }

    /// A workload's pods logging in at once with one token: one review, shared.
    func testConcurrentLoginsWithOneTokenShareOneReview() async throws {
        let f = try await Fixture()
        let id = try await identity(f)
        let t = try k8s.token(namespace: "prod", name: "api")
        try await withThrowingTaskGroup(of: Void.self) { g in
            for _ in 0..<20 { g.addTask { _ = try await f.vouch.loginKubernetesAuth(identityId: id, jwt: t, remote: "10.0.0.1") } }
            try await g.waitForAll()
        }
        XCTAssertEqual(k8s.reviews, 1)
    }

    func testLocalChecksRefuseWithoutARoundTrip() async throws {
        let f = try await Fixture()
        let id = try await identity(f)
        await assertRefused(f, id, try k8s.token(namespace: "kube-system", name: "api"), "namespace_not_allowed")
        await assertRefused(f, id, try k8s.token(namespace: "prod", name: "admin"), "service_account_not_allowed")
        await assertRefused(f, id, "garbage", "malformed_token")
        await assertRefused(f, id, try k8s.token(namespace: "prod", name: "api", exp: "now-3600"), "token_expired")
        let plain = try OIDCProvider.mint([.init(key: k8s.signingKey, alg: "RS256", kid: nil, claims: ["sub": "someone", "exp": "now+60"])])[0]
        await assertRefused(f, id, plain, "invalid_claims")
        await assertRefused(f, id, "", "missing_jwt")
        // an exp at the end of time on an unverified token: no overflow, the review decides
        let farFuture = try OIDCProvider.mint([.init(key: k8s.signingKey, alg: "RS256", kid: nil, claims: [
            "sub": "system:serviceaccount:prod:api", "exp": .number(Int.max), "kubernetes.io/serviceaccount/namespace": "kube-system",
            "kubernetes.io/serviceaccount/service-account.name": "api"])])[0]
        await assertRefused(f, id, farFuture, "namespace_not_allowed")
        let farFutureAllowed = try OIDCProvider.mint([.init(key: k8s.signingKey, alg: "RS256", kid: nil, claims: [
            "sub": "system:serviceaccount:prod:api", "exp": .number(Int.max), "kubernetes.io/serviceaccount/namespace": "prod",
            "kubernetes.io/serviceaccount/service-account.name": "api"])])[0]
        XCTAssertEqual(k8s.reviews, 0, "nothing reached the API server")
        await assertRefused(f, id, farFutureAllowed, "tokenreview_refused")
        await assertRefused(f, id, farFutureAllowed, "tokenreview_refused")
        XCTAssertEqual(k8s.reviews, 1, "a refused token is refused again without asking, for a while")
        // with the cluster's keys known, a forged token is refused locally too
        let keyed = try await identity(f) { $0.pemKeys = [self.k8s.publicKeyPEM] }
        let forger = FileManager.default.temporaryDirectory.appendingPathComponent("forger-\(UUID().uuidString).pem").path
        try PKI.run(["openssl", "genpkey"] + KeyType.rsa2048.genpkeyArgs + ["-out", forger])
        await assertRefused(f, keyed, try k8s.token(namespace: "prod", name: "api", key: forger), "bad_signature")
        XCTAssertEqual(k8s.reviews, 1, "the forged token never reached the API server")
        _ = try await f.vouch.loginKubernetesAuth(identityId: keyed, jwt: try k8s.token(namespace: "prod", name: "api"), remote: "10.0.0.1")
        XCTAssertEqual(k8s.reviews, 2)
    }

    func testTokenReviewRefusals() async throws {
        let f = try await Fixture()
        let id = try await identity(f)
        var state = KubernetesDouble.State()
        state.invalidated = ["deleted-pod-jti"]
        try k8s.set(state)
        await assertRefused(f, id, try k8s.token(namespace: "prod", name: "api", jti: "deleted-pod-jti"), "tokenreview_refused",
                            mentions: "has been invalidated")
        // a token for another audience, reviewed against the API server's own
        await assertRefused(f, id, try k8s.token(namespace: "prod", name: "api", audiences: ["someone-else"]), "tokenreview_refused",
                            mentions: "is invalid for the target audiences")
        // an audience set on the auth: checked locally, then sent as spec.audiences
        let aud = try await identity(f) { $0.allowedAudience = "vouch" }
        await assertRefused(f, aud, try k8s.token(namespace: "prod", name: "api"), "wrong_audience")
        _ = try await f.vouch.loginKubernetesAuth(identityId: aud, jwt: try k8s.token(namespace: "prod", name: "api", audiences: ["vouch"]),
                                                  remote: "10.0.0.1")
        // the reviewer's own credentials refused: 401 from the API server
        let wrongReviewer = try await identity(f) { $0.tokenReviewerJwt = try! self.k8s.token(namespace: "x", name: "y", key: nil) + "x" }
        await assertRefused(f, wrongReviewer, try k8s.token(namespace: "prod", name: "api"), "tokenreview_unauthorized", mentions: "401")
        // self-review by a service account without system:auth-delegator: 403; with it: allowed
        let selfReview = try await identity(f) { $0.tokenReviewerJwt = "" }
        await assertRefused(f, selfReview, try k8s.token(namespace: "prod", name: "api"), "tokenreview_unauthorized", mentions: "403")
        state.auth_delegators = ["system:serviceaccount:prod:api"]
        try k8s.set(state)
        _ = try await f.vouch.loginKubernetesAuth(identityId: selfReview, jwt: try k8s.token(namespace: "prod", name: "api"), remote: "10.0.0.1")
        XCTAssertFalse(f.audit.contains(KubernetesDouble.reviewerToken), "the reviewer token is never logged")
    }

    func testAnAPIServerThatFailsIsARefusalNeverAPass() async throws {
        let f = try await Fixture()
        let id = try await identity(f)
        var state = KubernetesDouble.State()
        for mode in ["500", "garbage"] {
            state.mode = mode
            try k8s.set(state)
            await assertRefused(f, id, try k8s.token(namespace: "prod", name: "api"), "kubernetes_unavailable")
        }
        state.mode = "hang"
        try k8s.set(state)
        await assertRefused(f, id, try k8s.token(namespace: "prod", name: "api"), "kubernetes_unavailable", mentions: "within 10 s")
        k8s.stop()
        await assertRefused(f, id, try k8s.token(namespace: "prod", name: "api"), "kubernetes_unavailable")
        XCTAssertFalse(f.audit.contains(#""outcome":"allowed""#))
    }

    func testLocalModeDecidesWithoutTheAPIServer() async throws {
        let f = try await Fixture()
        // local mode needs the cluster's keys
        let id0 = try await f.vouch.createIdentity(name: "local0", role: nil, policies: nil, remote: nil).id
        var i = KubernetesAuthInput()
        i.tokenReviewMode = "local"
        await assertThrowsAsync(try await f.vouch.attachKubernetesAuth(identityId: id0, i, remote: nil)) { e in
            XCTAssertEqual((e as? ServiceError)?.code, "missing_field")
        }
        let id = try await identity(f) {
            $0.tokenReviewMode = "local"
            $0.pemKeys = [self.k8s.publicKeyPEM]
            $0.issuer = KubernetesDouble.issuer
        }
        var state = KubernetesDouble.State()
        state.invalidated = ["deleted"]
        try k8s.set(state)
        // the trade-off: a token the cluster has invalidated still logs in until it expires
        _ = try await f.vouch.loginKubernetesAuth(identityId: id, jwt: try k8s.token(namespace: "prod", name: "api", jti: "deleted"),
                                                  remote: "10.0.0.1")
        XCTAssertEqual(k8s.reviews, 0)
        // a token the pod obtained for another service is not replayable here
        await assertRefused(f, id, try k8s.token(namespace: "prod", name: "api", audiences: ["sts.amazonaws.com"]), "wrong_audience")
        // and a token that never expires (a legacy secret token) is refused: nothing could ever revoke it
        let legacy = try OIDCProvider.mint([.init(key: k8s.signingKey, alg: "RS256", kid: nil, claims: [
            "iss": .text(KubernetesDouble.issuer), "sub": "system:serviceaccount:prod:api",
            "kubernetes.io/serviceaccount/namespace": "prod", "kubernetes.io/serviceaccount/service-account.name": "api",
            "kubernetes.io/serviceaccount/service-account.uid": "u1", "kubernetes.io/serviceaccount/secret.name": "api-token-x",
        ])])[0]
        await assertRefused(f, id, legacy, "invalid_claims", mentions: "no exp")
        // the reviewer JWT is sealed at rest: not in the database file
        let db = try Data(contentsOf: URL(fileURLWithPath: f.dir + "/vouch.db"))
        XCTAssertNil(db.range(of: Data(KubernetesDouble.reviewerToken.utf8)), "the reviewer JWT is not stored in the clear")
        let stored = try await f.vouch.kubernetesAuth(identityId: id)
        XCTAssertFalse(stored.cluster.sealedReviewerJWT.isEmpty, "a reviewer JWT is set, sealed")
    }

    /// A cluster whose service-account issuer publishes discovery (EKS, GKE, or a cluster
    /// with ServiceAccountIssuerDiscovery): the local keys come from there, kept fresh.
    func testLocalKeysFromTheIssuersDiscovery() async throws {
        let provider = try OIDCProvider()
        defer { provider.stop() }
        try provider.publishKeys([("sa-key-1", k8s.signingKey)])
        try provider.publishDiscovery()
        let f = try await Fixture()
        let id = try await identity(f) {
            $0.tokenReviewMode = "local"
            $0.issuer = provider.issuer
            $0.keysFromIssuer = true
            $0.caCert = provider.caPEM
        }
        // the cluster CA given (here the provider's) is trusted besides the system store
        let claims: [String: OIDCProvider.Claim] = [
            "iss": .text(provider.issuer), "sub": "system:serviceaccount:prod:api", "aud": .list([.text(provider.issuer)]), "exp": "now+600",
            "iat": "now",
            "kubernetes.io": ["namespace": "prod", "serviceaccount": ["name": "api", "uid": "u-7"]],
        ]
        let t = try OIDCProvider.mint([.init(key: k8s.signingKey, alg: "RS256", kid: "sa-key-1", claims: claims)])[0]
        let r = try await f.vouch.loginKubernetesAuth(identityId: id, jwt: t, remote: "10.0.0.1")
        XCTAssertEqual(r.record.metadata["service_account_uid"], "u-7")
        XCTAssertEqual(k8s.reviews, 0)
        XCTAssertEqual(provider.jwksFetches, 1)
        // a token of another issuer, or signed by another key, is refused locally
        var other = claims
        other["iss"] = "https://kubernetes.default.svc.cluster.local"
        await assertRefused(f, id, try OIDCProvider.mint([.init(key: k8s.signingKey, alg: "RS256", kid: "sa-key-1", claims: other)])[0],
                            "wrong_issuer")
    }
}
