// ProfileLoop.swift: one of the core's loops alone, for a profiler:
//   perf record -g .build/release/vouch-bench --profile-loop jwt_rs256 [--loop-seconds 10]
// Loops: chain_rsa2048_presented, chain_rsa2048_bundle, chain_p256_presented, jwt_rs256,
// jwt_ps256, jwt_es256, keygen_rsa2048, service_tls_login_p256 (32 logins at once); the same inputs as their benchmark sections, then
// ours alone (no baseline, no peers) for the time asked. Prints operations per second.
import Foundation
import VouchCore
import VouchService

func profileLoop(_ name: String) {
    let secs = args.firstIndex(of: "--loop-seconds").flatMap { Double(args[$0 + 1]) } ?? 10
    var body: () -> Void
    switch name {
    case "chain_rsa2048_presented", "chain_rsa2048_bundle", "chain_p256_presented":
        let c = makeChain("loop", name.contains("rsa") ? ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
                          : ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
        let bundle = name.hasSuffix("bundle")
        let store = try! TrustStore(pem: Array((bundle ? c.root + c.int : c.root).utf8))
        let chain = Array((bundle ? c.leaf : c.leaf + c.int).utf8)
        precondition(store.verify(chain: chain).isAccepted)
        body = { _ = store.verify(chain: chain).isAccepted }
    case "jwt_rs256", "jwt_ps256", "jwt_es256":
        let jdir = dir.appendingPathComponent("loop-jwt")
        try! FileManager.default.createDirectory(at: jdir, withIntermediateDirectories: true)
        for (key, keyArgs) in [("rsa", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]),
                               ("p256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]),
                               ("p384", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]), ("ed25519", ["-algorithm", "ed25519"])] {
            sh(["openssl", "genpkey"] + keyArgs + ["-out", jdir.appendingPathComponent("\(key).pem").path])
            sh(["openssl", "pkey", "-in", jdir.appendingPathComponent("\(key).pem").path, "-pubout", "-out",
                jdir.appendingPathComponent("\(key)-pub.pem").path])
        }
        let made = try! JSONSerialization.jsonObject(with: sh(["python3", "-c", jwtMaker, jdir.path])) as! [String: Any]
        let jwks = try! JWKS(json: Array(try! JSONSerialization.data(withJSONObject: made["jwks"]!)))
        let token = (made["tokens"] as! [String: String])[String(name.dropFirst(4)).uppercased()]!
        let policy = JWTPolicy(issuer: "https://issuer.example", audiences: ["vouch"])
        precondition((try? jwks.verify(token, policy: policy)) != nil)
        body = { _ = try! jwks.verify(token, policy: policy) }
    case "service_tls_login_p256":  // the service layer, 32 logins at once (ServiceBench.swift)
        let c = makeChain("loop", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
        let r = blocking { () -> Double in
            let (vouch, audit, id) = await serviceWithTLSIdentity(rootPEM: c.root + c.int, name: "loop-service")
            defer { audit.flush() }
            return await serviceLogins(vouch, identityId: id, leafPEM: c.leaf, concurrency: 32, seconds: secs)
        }
        log("\(name): \(String(format: "%.1f", r))/s over \(secs) s")
        return
    case "keygen_rsa2048":
        body = { _ = try! SSHPrivateKey.generate(.rsa, bits: 2048) }
    default:
        log("--profile-loop: unknown loop \(name)")
        exit(2)
    }
    log("\(name): \(String(format: "%.1f", rate(secs, body)))/s over \(secs) s")
}
