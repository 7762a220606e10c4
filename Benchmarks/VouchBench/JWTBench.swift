// JWTBench.swift: JWT verifications per second, token string in and verified claims out,
// next to the raw signature verification of the same key in the same run, with
// vapor/jwt-kit verifying the same tokens as a peer.
import CVouchBench
import Crypto
import Foundation
import JWTKit
import VouchCore

struct BenchClaims: JWTPayload {
    let iss: IssuerClaim
    let aud: AudienceClaim
    let exp: ExpirationClaim
    let sub: SubjectClaim

    struct Refused: Error {}

    func verify(using algorithm: some JWTKit.JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        try aud.verifyIntendedAudience(includes: "vouch")
        guard iss.value == "https://issuer.example" else { throw Refused() }
    }
}

/// Keys from the openssl CLI; the JWKS and tokens from PyJWT and joserfc.
let jwtMaker = #"""
import json, sys, time, jwt
from joserfc.jwk import import_key
d = sys.argv[1]
algs = {"RS256": "rsa", "PS256": "rsa", "ES256": "p256", "ES384": "p384", "EdDSA": "ed25519"}
claims = {"iss": "https://issuer.example", "aud": "vouch", "sub": "system:serviceaccount:prod:api", "exp": int(time.time()) + 86400}
keys, tokens = [], {}
for alg, name in algs.items():
    kid = name + "-" + alg.lower()
    k = import_key(open(f"{d}/{name}-pub.pem", "rb").read(), parameters={"kid": kid, "alg": alg, "use": "sig"}).as_dict(private=False)
    keys.append(k)
    tokens[alg] = jwt.encode(claims, open(f"{d}/{name}.pem", "rb").read(), algorithm=alg, headers={"kid": kid})
print(json.dumps({"jwks": {"keys": keys}, "tokens": tokens}))
"""#

func jwtBench() {
    for (name, args) in [("rsa", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]),
                         ("p256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]),
                         ("p384", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]), ("ed25519", ["-algorithm", "ed25519"])] {
        let key = dir.appendingPathComponent("\(name).pem").path
        sh(["openssl", "genpkey"] + args + ["-out", key])
        sh(["openssl", "pkey", "-in", key, "-pubout", "-out", dir.appendingPathComponent("\(name)-pub.pem").path])
    }
    let made = try! JSONSerialization.jsonObject(with: sh(["python3", "-c", jwtMaker, dir.path])) as! [String: Any]
    let jwksJSON = try! JSONSerialization.data(withJSONObject: made["jwks"]!)
    let tokens = made["tokens"] as! [String: String]
    let ours = try! JWKS(json: Array(jwksJSON))
    let policy = JWTPolicy(issuer: "https://issuer.example", audiences: ["vouch"])

    // vapor/jwt-kit with the same JWK Set
    let sem = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var kit: JWTKeyCollection!
    let jwksText = String(decoding: jwksJSON, as: UTF8.self)
    Task.detached {
        kit = try! await JWTKeyCollection().add(jwksJSON: jwksText)
        sem.signal()
    }
    sem.wait()
    func kitRate(_ token: String, _ secs: Double) -> Double {
        let keys = kit!
        return asyncRate(secs) { _ = try! await keys.verify(token, as: BenchClaims.self) }
    }

    for (alg, keyName) in [("RS256", "rsa"), ("PS256", "rsa"), ("ES256", "p256"), ("ES384", "p384"), ("EdDSA", "ed25519")] {
        let token = tokens[alg]!
        precondition((try? ours.verify(token, policy: policy)) != nil, "\(alg) bench token must verify")
        let pub = try! String(contentsOf: dir.appendingPathComponent("\(keyName)-pub.pem"), encoding: .utf8)
        // the fastest vetted primitive for the key is the baseline: BoringSSL (swift-crypto) for P-256,
        // nettle for P-384, libsodium for Ed25519, OpenSSL for RSA
        let backend: Int32 = alg == "ES384" ? 1 : alg == "EdDSA" ? 2 : alg == "ES256" ? 3 : 0
        let rawName = ["raw \(alg) signature verification",
                       ["(OpenSSL, prepared context)", "(nettle)", "(libsodium)", "(swift-crypto BoringSSL, digest precomputed)"][Int(backend)]]
            .joined(separator: " ")
        let rawRate: (Double) -> Double = backend == 3
            ? { s in boringP256Rate(token, pub, s) } : { s in vb_raw_jws_verify(token, pub, backend, s) }
        let (oursRate, raw) = paired({ s in rate(s) { _ = try! ours.verify(token, policy: policy) } }, rawRate)
        var note = "median of alternating rounds; token string in, verified claims out (iss, aud, exp checked)"
        if backend != 0 {
            note += String(format: "; OpenSSL's raw verification of the same signature: %.0f/s", vb_raw_jws_verify(token, pub, 0, seconds))
        }
        add("jwt_verify_\(alg.lowercased())", oursRate, rawName, raw, note: note)
        add("peer_jwt_kit_\(alg.lowercased())", kitRate(token, seconds), rawName, raw,
            note: "vapor/jwt-kit 5: JWTKeyCollection.verify with the same JWKS and claims checks")
    }
}

/// Raw: swift-crypto's P256.Signing verification of the token's signature, the SHA-256
/// of its signing input computed once outside the loop.
func boringP256Rate(_ token: String, _ pubPEM: String, _ secs: Double) -> Double {
    let parts = token.split(separator: ".")
    let input = Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
    var b64 = parts[2].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    b64 += String(repeating: "=", count: (4 - b64.count % 4) % 4)
    let key = try! P256.Signing.PublicKey(pemRepresentation: pubPEM)
    let sig = try! P256.Signing.ECDSASignature(rawRepresentation: Data(base64Encoded: b64)!)
    return boringRate(key, sig, SHA256.hash(data: input), secs)
}

/// Raw: swift-crypto's verification of a certificate's signature with its issuer's key.
func boringP256LeafRate(leafPEM: String, issuerPEM: String, _ secs: Double) -> Double {
    var tbs: UnsafeMutablePointer<UInt8>? = nil, sig: UnsafeMutablePointer<UInt8>? = nil
    var tbsLen = 0, sigLen = 0
    guard vb_cert_tbs_and_signature(leafPEM, &tbs, &tbsLen, &sig, &sigLen) == 0, let tbs, let sig else { return -1 }
    defer { free(tbs); free(sig) }
    let pub = String(decoding: sh(["bash", "-c", "openssl x509 -noout -pubkey <<'EOF'\n\(issuerPEM)EOF"]), as: UTF8.self)
    let key = try! P256.Signing.PublicKey(pemRepresentation: pub)
    let signature = try! P256.Signing.ECDSASignature(derRepresentation: UnsafeBufferPointer(start: sig, count: sigLen))
    return boringRate(key, signature, SHA256.hash(data: UnsafeBufferPointer(start: tbs, count: tbsLen)), secs)
}

func boringRate(_ key: P256.Signing.PublicKey, _ sig: P256.Signing.ECDSASignature, _ digest: SHA256Digest, _ secs: Double) -> Double {
    var ok = true
    let r = rate(secs) { ok = ok && key.isValidSignature(sig, for: digest) }
    return ok ? r : -1
}
