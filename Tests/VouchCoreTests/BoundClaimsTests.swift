// BoundClaimsTests.swift: claims policy for JWT logins: strings, numbers, booleans, arrays,
// nested claims by JSON pointer, globs or exact matching, and each refusal's reason.
import VouchCore
import XCTest

final class BoundClaimsTests: XCTestCase {
    let token = try! JSONValue.parse(Array(#"""
        {"sub":"system:serviceaccount:prod:api","groups":["dev","ops"],"level":3,"ratio":0.5,"admin":false,
         "kubernetes.io":{"namespace":"prod","serviceaccount":{"name":"api"}},"a/b":"slash","nested":[[1]],"obj":{"k":1}}
        """#.utf8))

    func testMatches() {
        XCTAssertNil(BoundClaims(["sub": ["system:serviceaccount:prod:*"]]).refusal(token))
        XCTAssertNil(BoundClaims(["groups": ["ops"]]).refusal(token), "one element of an array")
        XCTAssertNil(BoundClaims(["level": ["3"], "admin": ["false"], "ratio": ["0.5"]]).refusal(token))
        XCTAssertNil(BoundClaims(["/kubernetes.io/namespace": ["prod", "staging"]]).refusal(token))
        XCTAssertNil(BoundClaims(["/kubernetes.io/serviceaccount/name": ["a?i"]]).refusal(token))
        XCTAssertNil(BoundClaims(["/a~1b": ["slash"]]).refusal(token), "RFC 6901 escapes")
        XCTAssertNil(BoundClaims(["/groups/1": ["ops"]]).refusal(token))
        XCTAssertNil(BoundClaims([:]).refusal(token))
    }

    func testRefusals() {
        XCTAssertEqual(BoundClaims(["sub": ["system:serviceaccount:dev:*"]]).refusal(token),
                       "claim sub does not match the bound values")
        XCTAssertEqual(BoundClaims(["missing": ["x"]]).refusal(token), "claim missing is missing")
        XCTAssertEqual(BoundClaims(["/kubernetes.io/nope": ["x"]]).refusal(token), "claim /kubernetes.io/nope is missing")
        XCTAssertEqual(BoundClaims(["obj": ["x"]]).refusal(token), "claim obj is not a string, number, boolean or array of those")
        XCTAssertEqual(BoundClaims(["nested": ["1"]]).refusal(token), "claim nested is not a string, number, boolean or array of those")
        XCTAssertNotNil(BoundClaims(["sub": ["system:serviceaccount:prod:*"]], glob: false).refusal(token), "exact: * is literal")
        XCTAssertNil(BoundClaims(["sub": ["system:serviceaccount:prod:api"]], glob: false).refusal(token))
        XCTAssertNotNil(BoundClaims(["level": ["03"]]).refusal(token), "numbers match as JSON writes them")
    }
}
