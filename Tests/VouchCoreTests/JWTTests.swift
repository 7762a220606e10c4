// JWTTests.swift: tokens made by other implementations (PyJWT and joserfc from PyPI, the
// openssl CLI by hand) verified by Vouch, and every refusal path with its reason.
import Foundation
import VouchCore
import VouchTestSupport
import XCTest

/// base64url, unpadded, to bytes.
func unb64(_ s: String) -> [UInt8] {
    var t = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    t += String(repeating: "=", count: (4 - t.count % 4) % 4)
    return Array(Data(base64Encoded: t)!)
}

final class JWTTests: XCTestCase {
    /// Keys made with the openssl CLI; tokens and JWKS made by PyJWT and joserfc.
    static let maker = #"""
import json, sys, time, base64, jwt
from joserfc import jwt as jjwt
from joserfc.jwk import import_key
from cryptography.hazmat.primitives import serialization, hashes
from cryptography.hazmat.primitives.asymmetric import padding, ec, utils, rsa
d = sys.argv[1]
def pem(name): return open(f"{d}/{name}.pem", "rb").read()
now = int(time.time())
claims = {"iss": "https://issuer.example", "aud": ["vouch", "other"], "sub": "system:serviceaccount:prod:api",
          "iat": now, "nbf": now - 5, "exp": now + 600,
          "kubernetes.io": {"namespace": "prod", "serviceaccount": {"name": "api", "uid": "1234"}}}
keys = {"RS256": "rsa", "RS384": "rsa", "RS512": "rsa", "PS256": "rsa", "PS384": "rsa", "PS512": "rsa",
        "ES256": "p256", "ES384": "p384", "ES512": "p521", "EdDSA": "ed25519"}
jwks, pyjwt, joserfc = [], {}, {}
for name in ["rsa", "p256", "p384", "p521", "ed25519"]:
    k = import_key(pem(name + "-pub"), parameters={"kid": name})
    jwks.append(k.as_dict(private=False))
for alg, name in keys.items():
    pyjwt[alg] = jwt.encode(claims, pem(name), algorithm=alg, headers={"kid": name})
    joserfc[alg] = jjwt.encode({"alg": alg, "kid": name}, claims, import_key(pem(name)), algorithms=[alg])
def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def raw(header, payload, key, alg):
    """a token signed over exactly these header and payload bytes"""
    inp = (b64(header) + "." + b64(payload)).encode()
    k = serialization.load_pem_private_key(pem(key), None)
    if alg == "RS256": sig = k.sign(inp, padding.PKCS1v15(), hashes.SHA256())
    elif alg == "PS256-maxsalt": sig = k.sign(inp, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.MAX_LENGTH), hashes.SHA256())
    elif alg == "ES256-der": sig = k.sign(inp, ec.ECDSA(hashes.SHA256()))
    return inp.decode() + "." + b64(sig)
h = json.dumps({"alg": "RS256", "kid": "rsa"}).encode()
special = {
  "duplicate_claims": raw(h, b'{"iss":"https://issuer.example","exp":%d,"sub":"a","sub":"b"}' % (now + 600), "rsa", "RS256"),
  "deep_claims": raw(h, (b'{"exp":%d,"x":' % (now + 600)) + b"[" * 50 + b"]" * 50 + b"}", "rsa", "RS256"),
  "no_exp": raw(h, b'{"iss":"https://issuer.example","sub":"a"}', "rsa", "RS256"),
  "exp_string": raw(h, b'{"exp":"tomorrow"}', "rsa", "RS256"),
  "claims_array": raw(h, b'[1,2]', "rsa", "RS256"),
  "pss_wrong_salt": raw(json.dumps({"alg": "PS256", "kid": "rsa"}).encode(), json.dumps(claims).encode(), "rsa", "PS256-maxsalt"),
  "es256_der": raw(json.dumps({"alg": "ES256", "kid": "p256"}).encode(), json.dumps(claims).encode(), "p256", "ES256-der"),
  "crit": raw(json.dumps({"alg": "RS256", "kid": "rsa", "crit": ["exp"], "exp": 1}).encode(), json.dumps(claims).encode(), "rsa", "RS256"),
  "dup_header": raw(b'{"alg":"RS256","kid":"rsa","kid":"p256"}', json.dumps(claims).encode(), "rsa", "RS256"),
}
# HS256 keyed with the RSA public key's bytes: the classic algorithm confusion
special["hs256_confusion"] = jwt.api_jws.PyJWS().encode(json.dumps(claims).encode(), pem("rsa-pub"), algorithm="HS256", headers={"kid": "rsa"}) if False else None
import hmac, hashlib
hh = b64(json.dumps({"alg": "HS256", "kid": "rsa"}).encode()) + "." + b64(json.dumps(claims).encode())
special["hs256_confusion"] = hh + "." + b64(hmac.new(pem("rsa-pub"), hh.encode(), hashlib.sha256).digest())
print(json.dumps({"jwks": {"keys": jwks}, "pyjwt": pyjwt, "joserfc": joserfc, "special": special, "now": now}))
"""#

    struct Made {
        let jwks: [UInt8]
        let pyjwt: [String: String]
        let joserfc: [String: String]
        let special: [String: String]
        let dir: URL
        let pki: PKI
        /// The time the tokens were minted at (their iat): times in the tests count from it,
        /// not from the clock, which has moved on by the time a test runs.
        let now: TimeInterval
    }

    static func make() throws -> Made {
        let pki = try PKI()
        for (name, args) in [("rsa", KeyType.rsa2048.genpkeyArgs), ("p256", KeyType.p256.genpkeyArgs), ("p384", KeyType.p384.genpkeyArgs),
                             ("p521", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"]), ("ed25519", KeyType.ed25519.genpkeyArgs)] {
            let key = pki.dir.appendingPathComponent("\(name).pem").path
            try PKI.run(["openssl", "genpkey"] + args + ["-out", key])
            try PKI.run(["openssl", "pkey", "-in", key, "-pubout", "-out", pki.dir.appendingPathComponent("\(name)-pub.pem").path])
        }
        let out = try PKI.run(["python3", "-c", maker, pki.dir.path])
        let j = try XCTUnwrap(try JSONSerialization.jsonObject(with: out) as? [String: Any])
        return Made(jwks: Array(try JSONSerialization.data(withJSONObject: j["jwks"]!)), pyjwt: j["pyjwt"] as! [String: String],
                    joserfc: j["joserfc"] as! [String: String], special: j["special"] as! [String: String], dir: pki.dir, pki: pki,
                    now: TimeInterval(j["now"] as! Int))
    }

    let policy = JWTPolicy(issuer: "https://issuer.example", audiences: ["vouch"])

    func refused(_ ks: JWKS, _ token: String, _ code: String, mentions: String? = nil, policy: JWTPolicy? = nil, at: Date = Date(),
                 file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ks.verify(token, policy: policy ?? self.policy, at: at), file: file, line: line) { e in
            let v = e as? VouchError
            XCTAssertEqual(v?.code, code, "\(e)", file: file, line: line)
            if let mentions { XCTAssertTrue(v?.message.contains(mentions) ?? false, "\(e) should mention \(mentions)", file: file, line: line) }
        }
    }

    func testTokensFromPyJWTAndJoserfcVerify() throws {
        let m = try Self.make()
        let ks = try JWKS(json: m.jwks)
        XCTAssertEqual(ks.count, 5)
        for alg in JWTAlgorithm.allCases {
            for (lib, tokens) in [("PyJWT", m.pyjwt), ("joserfc", m.joserfc)] {
                let token = try XCTUnwrap(tokens[alg.rawValue], "\(lib) \(alg)")
                let v = try ks.verify(token, policy: policy)
                XCTAssertEqual(v.claims["sub"], .string("system:serviceaccount:prod:api"), "\(lib) \(alg)")
                XCTAssertEqual(v.claims["kubernetes.io"]?["serviceaccount"]?["name"], .string("api"))
                XCTAssertEqual(v.header["alg"], .string(alg.rawValue))
                // only the algorithms allowed
                var only = policy
                only.algorithms = [alg == .rs256 ? .es256 : .rs256]
                refused(ks, token, "algorithm_not_allowed", policy: only)
            }
        }
    }

    func testTokensSignedByHandWithTheOpenSSLCLI() throws {
        let m = try Self.make()
        let ks = try JWKS(json: m.jwks)
        func b64(_ d: Data) -> String {
            d.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        let now = Int(Date().timeIntervalSince1970)
        let payload = b64(Data(#"{"iss":"https://issuer.example","aud":"vouch","exp":\#(now + 60)}"#.utf8))
        for (alg, key) in [("RS256", "rsa"), ("ES256", "p256")] {
            let input = b64(Data(#"{"alg":"\#(alg)","kid":"\#(key)"}"#.utf8)) + "." + payload
            let inputPath = try m.pki.write(Data(input.utf8), "input-\(alg)")
            var sig = try PKI.run(["openssl", "dgst", "-sha256", "-sign", m.dir.appendingPathComponent("\(key).pem").path, inputPath])
            if alg == "ES256" {
                // openssl writes ECDSA-Sig-Value DER; JWS wants r || s, 32 bytes each
                let text = String(decoding: try PKI.run(["openssl", "asn1parse", "-inform", "DER"], input: sig), as: UTF8.self)
                let ints = text.split(separator: "\n").compactMap { $0.split(separator: ":").last.map(String.init) }.suffix(2)
                sig = Data(ints.flatMap { hex -> [UInt8] in
                    let padded = String(repeating: "0", count: max(0, 64 - hex.count)) + hex
                    return stride(from: 0, to: 64, by: 2).map { UInt8(padded.dropFirst($0).prefix(2), radix: 16)! }
                })
            }
            XCTAssertNoThrow(try ks.verify(input + "." + b64(sig), policy: policy), alg)
        }
    }

    func testEveryRefusalNamesItsReason() throws {
        let m = try Self.make()
        let ks = try JWKS(json: m.jwks)
        let rs = m.pyjwt["RS256"]!, es = m.pyjwt["ES256"]!
        let later = Date(timeIntervalSince1970: m.now + 600 + 151), earlier = Date(timeIntervalSince1970: m.now - 156)
        refused(ks, rs, "token_expired", at: later)
        XCTAssertNoThrow(try ks.verify(rs, policy: policy, at: Date(timeIntervalSince1970: m.now + 600 + 149)), "within the leeway")
        refused(ks, rs, "token_not_yet_valid", at: earlier)
        refused(ks, rs, "wrong_issuer", mentions: "https://issuer.example", policy: JWTPolicy(issuer: "https://other.example"))
        refused(ks, rs, "wrong_audience", policy: JWTPolicy(issuer: "https://issuer.example", audiences: ["elsewhere"]))
        // kid unknown; kid of another key type; alg none; HMAC with the RSA key's bytes
        let parts = rs.split(separator: ".").map(String.init)
        func b64(_ s: String) -> String {
            Data(s.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        refused(ks, [b64(#"{"alg":"RS256","kid":"nope"}"#), parts[1], parts[2]].joined(separator: "."), "unknown_key")
        refused(ks, [b64(#"{"alg":"RS256","kid":"p256"}"#), parts[1], parts[2]].joined(separator: "."), "algorithm_not_allowed",
                mentions: "another type")
        refused(ks, [b64(#"{"alg":"none"}"#), parts[1], ""].joined(separator: "."), "algorithm_not_allowed", mentions: "none")
        refused(ks, m.special["hs256_confusion"]!, "algorithm_not_allowed", mentions: "HMAC")
        // ECDSA signature shapes
        refused(ks, m.special["es256_der"]!, "bad_signature")
        let esParts = es.split(separator: ".").map(String.init)
        let sig = unb64(esParts[2])
        func withSig(_ s: [UInt8]) -> String {
            esParts[0] + "." + esParts[1] + "." + Data(s).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        XCTAssertEqual(sig.count, 64)
        refused(ks, withSig(Array(sig.prefix(63))), "bad_signature")
        refused(ks, withSig([UInt8](repeating: 0, count: 32) + sig.suffix(32)), "bad_signature")  // r = 0
        refused(ks, withSig(Array(sig.prefix(32)) + [UInt8](repeating: 0xff, count: 32)), "bad_signature")  // s >= n
        refused(ks, m.special["pss_wrong_salt"]!, "bad_signature")
        // tampered header, claims, signature
        refused(ks, [b64(#"{"alg":"RS256","kid":"rsa","x":1}"#), parts[1], parts[2]].joined(separator: "."), "bad_signature")
        refused(ks, [parts[0], b64(#"{"iss":"https://issuer.example","aud":"vouch","exp":9999999999}"#), parts[2]].joined(separator: "."), "bad_signature")
        var flipped = Array(parts[2].utf8)
        flipped[10] = flipped[10] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        refused(ks, parts[0] + "." + parts[1] + "." + String(decoding: flipped, as: UTF8.self), "bad_signature")
        // JSON and encoding abuse
        refused(ks, m.special["duplicate_claims"]!, "invalid_claims", mentions: "duplicate")
        refused(ks, m.special["dup_header"]!, "malformed_token", mentions: "duplicate")
        refused(ks, m.special["deep_claims"]!, "invalid_claims", mentions: "nested deeper")
        refused(ks, m.special["no_exp"]!, "invalid_claims", mentions: "no exp", policy: JWTPolicy(issuer: "https://issuer.example"))
        refused(ks, m.special["exp_string"]!, "invalid_claims", policy: JWTPolicy())
        refused(ks, m.special["claims_array"]!, "invalid_claims", policy: JWTPolicy())
        refused(ks, m.special["crit"]!, "unsupported_critical_header", mentions: "exp")
        refused(ks, rs + "=", "malformed_token", mentions: "base64url")
        refused(ks, parts[0] + "=." + parts[1] + "." + parts[2], "malformed_token")
        refused(ks, parts[0] + "." + parts[1], "malformed_token")
        refused(ks, rs + ".x", "malformed_token")
        refused(ks, " " + rs, "malformed_token")
        refused(ks, String(repeating: "a", count: 1 << 20), "input_too_large")
        refused(ks, "", "malformed_token")
    }

    func testKeySetRefusals() throws {
        let m = try Self.make()
        func refusedSet(_ json: String, _ mention: String, pem: String = "", file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try JWKS(json: Array(json.utf8), pem: Array(pem.utf8)), file: file, line: line) { e in
                XCTAssertEqual((e as? VouchError)?.code, "invalid_jwks", "\(e)", file: file, line: line)
                XCTAssertTrue("\(e)".contains(mention), "\(e) should mention \(mention)", file: file, line: line)
            }
        }
        // a point off the curve: the P-256 key with y + 1
        let jwks = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(m.jwks)) as? [String: Any])
        var p256 = try XCTUnwrap((jwks["keys"] as? [[String: Any]])?.first { $0["kid"] as? String == "p256" })
        var y = unb64(p256["y"] as! String)
        y[31] ^= 1
        p256["y"] = Data(y).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        refusedSet(String(decoding: try JSONSerialization.data(withJSONObject: ["keys": [p256]]), as: UTF8.self), "not on its curve")
        // a 512-bit RSA key
        let weak = m.dir.appendingPathComponent("weak.pem").path
        try PKI.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:512", "-out", weak])
        let weakPub = try PKI.run(["openssl", "pkey", "-in", weak, "-pubout"])
        refusedSet("", "at least 2048", pem: String(decoding: weakPub, as: UTF8.self))
        let n512 = try PKI.run(["python3", "-c", """
            import json
            from joserfc.jwk import import_key
            print(json.dumps(import_key(open('\(weak)','rb').read()).as_dict(private=False)))
            """])
        refusedSet(String(decoding: n512, as: UTF8.self), "at least 2048")
        refusedSet(#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#, "symmetric")
        refusedSet(#"{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB","d":"AQAB"}]}"#, "private key material")
        refusedSet(#"{"keys":[{"kty":"EC","crv":"secp256k1","x":"AA","y":"AA"}]}"#, "not supported")
        refusedSet(#"{"keys":[{"kty":"OKP","crv":"X25519","x":"AA"}]}"#, "Ed25519 only")
        refusedSet(#"{"keys":[{"kty":"RSA","alg":"ES256","n":"AQAB","e":"AQAB"}]}"#, "does not fit")
        refusedSet(#"{"keys":[{"kty":"RSA","alg":"HS256","n":"AQAB","e":"AQAB"}]}"#, "not a signature algorithm")
        refusedSet(#"{"keys":[{"kty":"RSA","n":"AQAB=","e":"AQAB"}]}"#, "base64url")
        refusedSet(#"{"keys":[{"kty":"RSA","kty":"EC"}]}"#, "duplicate")
        refusedSet(#"{"keys":[{"kty":"RSA","use":"enc","n":"AQAB","e":"AQAB"}]}"#, "no signature verification keys")
        refusedSet(#"{"keys":[]}"#, "no signature verification keys")
        refusedSet("not json", "not valid JSON")
        // a JWK's own alg binds it: an RS256 key does not verify PS256
        var rsa = try XCTUnwrap((jwks["keys"] as? [[String: Any]])?.first { $0["kid"] as? String == "rsa" })
        rsa["alg"] = "RS256"
        let bound = try JWKS(json: Array(try JSONSerialization.data(withJSONObject: ["keys": [rsa]])))
        XCTAssertNoThrow(try bound.verify(m.pyjwt["RS256"]!, policy: policy))
        refused(bound, m.pyjwt["PS256"]!, "algorithm_not_allowed", mentions: "another alg")
        // a SPIFFE bundle: "jwt-svid" keys verify, "x509-svid" authorities are left out, other uses refuse the set
        var svid = try XCTUnwrap((jwks["keys"] as? [[String: Any]])?.first { $0["kid"] as? String == "p256" })
        svid["use"] = "jwt-svid"
        var x509 = try XCTUnwrap((jwks["keys"] as? [[String: Any]])?.first { $0["kid"] as? String == "rsa" })
        x509["use"] = "x509-svid"
        x509.removeValue(forKey: "kid")
        let bundle = try JWKS(json: Array(try JSONSerialization.data(withJSONObject: ["keys": [svid, x509], "spiffe_sequence": 7])))
        XCTAssertEqual(bundle.count, 1, "the X.509 authority is not a JWT key")
        XCTAssertNoThrow(try bundle.verify(m.pyjwt["ES256"]!, policy: policy))
        refused(bundle, m.pyjwt["RS256"]!, "unknown_key")
        refusedSet(#"{"keys":[{"kty":"RSA","use":"wrap","n":"AQAB","e":"AQAB"}]}"#, "unknown \"use\"")
        // PEM keys have no kid and serve any token of their type
        let pemSet = try JWKS(json: [UInt8](), pem: Array(try Data(contentsOf: m.dir.appendingPathComponent("p384-pub.pem"))))
        XCTAssertNoThrow(try pemSet.verify(m.pyjwt["ES384"]!, policy: policy))
    }

    func testInspectDecodesWithoutVerifying() throws {
        let m = try Self.make()
        let (header, payload) = try JWKS.inspect(m.pyjwt["EdDSA"]!)
        XCTAssertEqual(header["alg"], .string("EdDSA"))
        XCTAssertEqual(payload?["iss"], .string("https://issuer.example"))
        XCTAssertThrowsError(try JWKS.inspect("not.a")) { XCTAssertEqual(($0 as? VouchError)?.code, "malformed_token") }
    }
}
