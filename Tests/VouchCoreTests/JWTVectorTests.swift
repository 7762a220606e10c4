// JWTVectorTests.swift: public vectors through the code the login path uses: RFC 7515
// Appendix A and RFC 7520 (the JOSE cookbook) signing examples, and Wycheproof's ECDSA
// (P1363, as JWS carries it), RSA PKCS#1 v1.5, RSA-PSS, Ed25519, JWS and JWK files. No
// vector marked invalid may verify.
import Foundation
import VouchCore
import VouchTestSupport
import XCTest

final class JWTVectorTests: XCTestCase {
    func load(_ path: String) throws -> [String: Any] {
        let url = try Repository.vector(path)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// The public members of a JWK (the vectors carry private ones, which Vouch refuses).
    static func publicJWK(_ jwk: [String: Any]) -> [String: Any] {
        jwk.filter { !["d", "p", "q", "dp", "dq", "qi", "oth", "k"].contains($0.key) }
    }

    static func keySet(_ jwk: [String: Any]) throws -> JWKS {
        try JWKS(json: Array(try JSONSerialization.data(withJSONObject: publicJWK(jwk))))
    }

    func testRFC7515AppendixA() throws {
        let doc = try load("jose/rfc7515_appendix_a.json")
        var verified = 0
        for ex in try XCTUnwrap(doc["examples"] as? [[String: Any]]) {
            let alg = ex["alg"] as? String ?? ""
            let compact = try XCTUnwrap(ex["compact"] as? String)
            guard let jwk = ex["jwk"] as? [String: Any], jwk["kty"] as? String != "oct" else {
                // HS256 and none: refused for logins whatever the key
                let anyKey = try Self.keySet(try XCTUnwrap((doc["examples"] as? [[String: Any]])?.first { $0["alg"] as? String == "RS256" }?["jwk"] as? [String: Any]))
                XCTAssertThrowsError(try anyKey.verify(compact, policy: JWTPolicy(), at: Date(timeIntervalSince1970: 1_300_000_000)), alg) {
                    XCTAssertEqual(($0 as? VouchError)?.code, "algorithm_not_allowed", "\(alg): \($0)")
                }
                continue
            }
            let ks = try Self.keySet(jwk)
            XCTAssertNoThrow(try ks.verifySignature(compact), "\(ex["section"] ?? "")")
            verified += 1
            guard alg != "ES512" else { continue }  // A.4's payload is the text "Payload", not claims
            // the examples' claims expire in 2011: checked at that time, and refused now
            var policy = JWTPolicy(issuer: "joe")
            policy.requireExpiration = true
            XCTAssertNoThrow(try ks.verify(compact, policy: policy, at: Date(timeIntervalSince1970: 1_300_819_000)), alg)
            XCTAssertThrowsError(try ks.verify(compact, policy: policy)) { XCTAssertEqual(($0 as? VouchError)?.code, "token_expired") }
        }
        XCTAssertEqual(verified, 3, "A.2 RS256, A.3 ES256, A.4 ES512")
    }

    func testRFC7520Cookbook() throws {
        let dir = try Repository.vector("jose/rfc7520")
        func key(_ name: String) throws -> [String: Any] {
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent(name))) as? [String: Any])
        }
        let rsa = try Self.keySet(key("3_4.rsa_private_key.json"))
        let ec = try Self.keySet(key("3_2.ec_private_key.json"))
        var checked = 0
        for (file, ks) in [("4_1.rsa_v15_signature.json", rsa), ("4_2.rsa-pss_signature.json", rsa), ("4_3.ecdsa_signature.json", ec)] {
            let ex = try key(file)
            let compact = try XCTUnwrap(((ex["output"] as? [String: Any])?["compact"] as? String), file)
            let payload = try ks.verifySignature(compact)
            XCTAssertTrue(String(decoding: payload, as: UTF8.self).hasPrefix("It’s a dangerous business"), file)
            var tampered = Array(compact.utf8)
            tampered[tampered.count - 5] = tampered[tampered.count - 5] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            XCTAssertThrowsError(try ks.verifySignature(String(decoding: tampered, as: UTF8.self)), file)
            checked += 1
        }
        XCTAssertEqual(checked, 3)
        // 4.4: HMAC, never accepted for logins
        let hmac = try key("4_4.hmac-sha2_integrity_protection.json")
        let hmacToken = try XCTUnwrap((hmac["output"] as? [String: Any])?["compact"] as? String)
        XCTAssertThrowsError(try rsa.verifySignature(hmacToken)) { XCTAssertEqual(($0 as? VouchError)?.code, "algorithm_not_allowed") }
    }

    /// Wycheproof's signature files: every "invalid" vector must fail; "valid" ones must pass.
    func testWycheproofSignatures() throws {
        let files: [(String, String)] = [
            ("ecdsa_secp256r1_sha256_p1363_test.json", "ES256"), ("ecdsa_secp384r1_sha384_p1363_test.json", "ES384"),
            ("ecdsa_secp521r1_sha512_p1363_test.json", "ES512"), ("ed25519_test.json", "EdDSA"),
            ("rsa_signature_2048_sha256_test.json", "RS256"), ("rsa_signature_2048_sha384_test.json", "RS384"),
            ("rsa_signature_2048_sha512_test.json", "RS512"), ("rsa_signature_3072_sha256_test.json", "RS256"),
            ("rsa_signature_3072_sha384_test.json", "RS384"), ("rsa_signature_3072_sha512_test.json", "RS512"),
            ("rsa_signature_4096_sha256_test.json", "RS256"), ("rsa_signature_4096_sha384_test.json", "RS384"),
            ("rsa_signature_4096_sha512_test.json", "RS512"), ("rsa_pss_2048_sha256_mgf1_32_test.json", "PS256"),
            ("rsa_pss_2048_sha384_mgf1_48_test.json", "PS384"), ("rsa_pss_3072_sha256_mgf1_32_test.json", "PS256"),
            ("rsa_pss_4096_sha256_mgf1_32_test.json", "PS256"), ("rsa_pss_4096_sha384_mgf1_48_test.json", "PS384"),
            ("rsa_pss_4096_sha512_mgf1_64_test.json", "PS512"),
        ]
        func hex(_ s: String) -> [UInt8] {
            var out = [UInt8]()
            var it = s.makeIterator()
            while let a = it.next(), let b = it.next() { out.append(UInt8(String([a, b]), radix: 16)!) }
            return out
        }
        var total = 0, validPassed = 0, validTotal = 0, acceptable = 0
        var wrong: [String] = []
        for (file, alg) in files {
            let doc = try load("wycheproof/" + file)
            for group in try XCTUnwrap(doc["testGroups"] as? [[String: Any]]) {
                var jwk = (group["publicKeyJwk"] ?? group["keyJwk"]) as? [String: Any]
                if jwk == nil, let pk = group["publicKey"] as? [String: Any] {
                    // a few ECDSA groups give only the point: build the JWK from it
                    let size = ((pk["keySize"] as? Int ?? 256) + 7) / 8
                    func coord(_ h: String) -> String {
                        var b = hex(h)
                        while b.count > size, b.first == 0 { b.removeFirst() }
                        b = [UInt8](repeating: 0, count: max(0, size - b.count)) + b
                        return Data(b).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
                    }
                    let crv = ["secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"][pk["curve"] as? String ?? ""] ?? "?"
                    jwk = ["kty": "EC", "crv": crv, "x": coord(pk["wx"] as! String), "y": coord(pk["wy"] as! String)]
                }
                let ks = try Self.keySet(try XCTUnwrap(jwk, file))
                for t in try XCTUnwrap(group["tests"] as? [[String: Any]]) {
                    total += 1
                    let ok = ks.verify(signature: hex(t["sig"] as! String), message: hex(t["msg"] as! String), algorithm: alg)
                    switch t["result"] as! String {
                    case "valid":
                        validTotal += 1
                        if ok { validPassed += 1 } else { wrong.append("\(file) #\(t["tcId"]!) valid, refused") }
                    case "invalid":
                        if ok { wrong.append("\(file) #\(t["tcId"]!) INVALID, accepted: \(t["comment"] ?? "")") }
                    default: acceptable += 1
                    }
                }
            }
        }
        XCTAssertGreaterThan(total, 3000)
        XCTAssertEqual(wrong, [], wrong.joined(separator: "\n"))
        print("wycheproof: \(total) vectors, \(validPassed)/\(validTotal) valid accepted, no invalid accepted, \(acceptable) acceptable")
    }

    /// Wycheproof's JWS and JWK files: no token marked invalid verifies against the
    /// group's public keys; HMAC groups' keys are refused outright.
    func testWycheproofJWSAndJWK() throws {
        var accepted = 0, refusedSets = 0, total = 0
        var wrong: [String] = []
        for file in ["jose/wycheproof/json_web_signature_test.json", "jose/wycheproof/json_web_key_test.json"] {
            let doc = try load(file)
            for group in try XCTUnwrap(doc["testGroups"] as? [[String: Any]]) {
                let priv = try XCTUnwrap(group["private"] as? [String: Any])
                var set: [String: Any] = priv
                if let keys = priv["keys"] as? [[String: Any]] { set = ["keys": keys.map(Self.publicJWK)] } else { set = Self.publicJWK(priv) }
                let ks = try? JWKS(json: Array(try JSONSerialization.data(withJSONObject: set)))
                for t in try XCTUnwrap(group["tests"] as? [[String: Any]]) {
                    total += 1
                    guard let jws = t["jws"] as? String else { continue }  // JWE vectors in the JWK file
                    guard let ks else { refusedSets += 1; continue }
                    let ok = (try? ks.verifySignature(jws)) != nil
                    if ok { accepted += 1 }
                    if ok, t["result"] as? String == "invalid" {
                        wrong.append("\(group["comment"] ?? "") #\(t["tcId"]!) INVALID, accepted: \(t["comment"] ?? "")")
                    }
                }
            }
        }
        XCTAssertEqual(wrong, [], wrong.joined(separator: "\n"))
        XCTAssertGreaterThan(accepted, 10, "the valid asymmetric vectors verify")
        print("wycheproof jose: \(total) vectors, \(accepted) accepted, \(refusedSets) against refused key sets (HMAC)")
    }
}
