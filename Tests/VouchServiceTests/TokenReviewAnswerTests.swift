// TokenReviewAnswerTests.swift: what Vouch reads from an API server's TokenReview answer,
// from the shapes the Kubernetes API reference gives (an authenticated review, a refused
// one, a Status for the reviewer) and from tens of thousands of mutations of them: no
// answer crashes the reader, and none but an authenticated review naming a service account
// (with the audience asked for, when one is) lets a login through.
import Foundation
import VouchService
import XCTest

final class TokenReviewAnswerTests: XCTestCase {
    static let authenticated = #"""
        {"kind":"TokenReview","apiVersion":"authentication.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{"token":"t","audiences":["vouch"]},"status":{"authenticated":true,"user":{"username":"system:serviceaccount:prod:api","uid":"cdc3d8fd","groups":["system:serviceaccounts","system:serviceaccounts:prod","system:authenticated"],"extra":{"authentication.kubernetes.io/pod-name":["api-1"]}},"audiences":["vouch"]}}
        """#
    static let refused = #"""
        {"kind":"TokenReview","apiVersion":"authentication.k8s.io/v1","metadata":{},"spec":{"token":"t"},"status":{"user":{},"error":"[invalid bearer token, service account token has been invalidated]"}}
        """#
    static let unauthorized = #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#

    func code(_ status: Int, _ body: String, audience: String = "vouch") -> String {
        do {
            let a = try TokenReviewer.interpret(status: status, body: Array(body.utf8), audience: audience)
            return "ok \(a.namespace)/\(a.name)/\(a.uid)"
        } catch {
            return error.code
        }
    }

    func testTheAPIsShapes() {
        XCTAssertEqual(code(201, Self.authenticated), "ok prod/api/cdc3d8fd")
        XCTAssertEqual(code(200, Self.authenticated, audience: ""), "ok prod/api/cdc3d8fd")
        XCTAssertEqual(code(201, Self.authenticated, audience: "other"), "wrong_audience")
        XCTAssertEqual(code(201, Self.refused), "tokenreview_refused")
        XCTAssertEqual(code(401, Self.unauthorized), "tokenreview_unauthorized")
        XCTAssertEqual(code(403, Self.unauthorized.replacingOccurrences(of: "401", with: "403")), "tokenreview_unauthorized")
        XCTAssertEqual(code(500, #"{"kind":"Status","status":"Failure","message":"etcd","code":500}"#), "kubernetes_unavailable")
        XCTAssertEqual(code(201, "<html>"), "kubernetes_unavailable")
        XCTAssertEqual(code(201, #"{"status":"Success"}"#), "kubernetes_unavailable", "a Status where a TokenReview belongs")
        // a user that is not a service account, or one with empty parts
        for user in ["admin", "system:serviceaccount:prod", "system:serviceaccount::api", "system:serviceaccount:prod:api:x",
                     "system:node:prod:api"] {
            XCTAssertEqual(code(201, Self.authenticated.replacingOccurrences(of: "system:serviceaccount:prod:api", with: user)),
                           "tokenreview_refused", user)
        }
        // authenticated must be true itself, not a string or a number
        for a in [#""true""#, "1", "false", "null"] {
            XCTAssertEqual(code(201, Self.authenticated.replacingOccurrences(of: #""authenticated":true"#, with: #""authenticated":\#(a)"#)),
                           "tokenreview_refused", a)
        }
    }

    /// Byte flips, truncations, insertions and member swaps of the real shapes.
    func testMutationsNeverPassWhatTheyShouldNot() {
        var rng = SystemRandomNumberGenerator()
        let seeds = [Self.authenticated, Self.refused, Self.unauthorized].map { Array($0.utf8) }
        let alphabet = Array(#"{}[]":,truefalsn0123456789 \system:serviceaccountauthenticated"#.utf8)
        var passed = 0
        for i in 0..<30_000 {
            var b = seeds[i % seeds.count]
            for _ in 0..<Int.random(in: 1...4, using: &rng) where !b.isEmpty {
                let at = Int.random(in: 0..<b.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: b[at] = alphabet.randomElement(using: &rng)!
                case 1: b.removeSubrange(at..<min(b.count, at + Int.random(in: 1...8, using: &rng)))
                case 2: b.insert(alphabet.randomElement(using: &rng)!, at: at)
                default: b = Array(b[..<at])
                }
            }
            let status = [200, 201, 401, 403, 500][Int.random(in: 0..<5, using: &rng)]
            guard let a = try? TokenReviewer.interpret(status: status, body: b, audience: i % 2 == 0 ? "vouch" : "") else { continue }
            passed += 1
            // whatever passed was a 2xx authenticated review of a service account, with the audience
            let json = try! JSONSerialization.jsonObject(with: Data(b)) as! [String: Any]
            let st = json["status"] as! [String: Any]
            XCTAssertEqual(st["authenticated"] as? Bool, true)
            XCTAssertTrue([200, 201].contains(status))
            XCTAssertNil(st["error"].flatMap { ($0 as? String).map { $0.isEmpty ? nil : $0 } ?? nil })
            XCTAssertEqual((st["user"] as? [String: Any])?["username"] as? String, "system:serviceaccount:\(a.namespace):\(a.name)")
            if i % 2 == 0 { XCTAssertTrue((st["audiences"] as? [String] ?? []).contains("vouch")) }
        }
        XCTAssertGreaterThan(passed, 0, "some mutations keep the answer valid")
    }
}
