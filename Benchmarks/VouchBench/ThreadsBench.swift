// ThreadsBench.swift: the core on N threads at once (N = 1, 2, 4, ... up to the machine's
// cores, and the core count itself), each row next to the raw primitive on N threads in the
// same run. Ours shares one object between the threads, as the server does (one trust
// store, one key set, one CA key); each raw thread has its own key and context, so the
// raw figure is the primitive's own scaling, with nothing shared. A ratio that falls as N
// grows means the core takes a lock, or contends on an object, that the primitive does not.
// Measured: chain verification (P-256, RSA-2048, intermediate presented), JWT verification
// (ES256, RS256), SSH certificate signing (Ed25519, P-256).
import CVouchBench
import Crypto
import Foundation
import VouchCore

/// 1, 2, 4, ... below the core count, then the core count (`--threads 1,2,8` overrides).
func threadCounts() -> [Int] {
    if let i = args.firstIndex(of: "--threads") { return args[i + 1].split(separator: ",").compactMap { Int($0) } }
    let cores = ProcessInfo.processInfo.activeProcessorCount
    if smoke { return [1, min(2, cores)].reduce(into: []) { if !$0.contains($1) { $0.append($1) } } }
    var counts: [Int] = []
    var n = 1
    while n < cores { counts.append(n); n *= 2 }
    return counts + [cores]
}

final class RateBox: @unchecked Sendable {
    var rates: [Double]
    let lock = NSLock()
    init(_ n: Int) { rates = Array(repeating: 0, count: n) }
}

/// Runs `body` on `n` threads that start together and returns the sum of the rates they
/// return: the operations per second of all of them at once.
func parallel(_ n: Int, _ body: @escaping @Sendable () -> Double) -> Double {
    let box = RateBox(n)
    let ready = DispatchSemaphore(value: 0), go = DispatchSemaphore(value: 0), done = DispatchGroup()
    for i in 0..<n {
        done.enter()
        let t = Thread {
            ready.signal()
            go.wait()
            let r = body()
            box.lock.lock()
            box.rates[i] = r
            box.lock.unlock()
            done.leave()
        }
        t.stackSize = 4 << 20
        t.start()
    }
    for _ in 0..<n { ready.wait() }
    for _ in 0..<n { go.signal() }
    done.wait()
    return box.rates.contains { $0 < 0 } ? -1 : box.rates.reduce(0, +)
}

/// One benchmark on every thread count: medians of alternating rounds, ours and raw.
func threadRows(_ name: String, _ rawName: String, ours: @escaping @Sendable (Double) -> Double,
                raw: @escaping @Sendable (Double) -> Double) {
    let rounds = smoke ? 1 : 5
    var ours1 = 0.0, raw1 = 0.0
    for n in threadCounts() {
        var a: [Double] = [], b: [Double] = []
        for _ in 0..<rounds {
            b.append(parallel(n) { raw(seconds / 2) })
            a.append(parallel(n) { ours(seconds / 2) })
        }
        let o = a.sorted()[rounds / 2], r = b.sorted()[rounds / 2]
        if n == 1 { ours1 = o; raw1 = r }
        add("threads_\(name)_\(n)", o, "\(rawName), \(n) thread\(n == 1 ? "" : "s"), each with its own key", r,
            note: String(format: "%d thread%@ at once on one shared object; from 1 thread: ours x%.2f, raw x%.2f; "
                         + "median of %d alternating rounds", n, n == 1 ? "" : "s", ours1 > 0 ? o / ours1 : 0,
                         raw1 > 0 ? r / raw1 : 0, rounds))
    }
}

func threadsBench() {
    log("threads: \(threadCounts()) on \(ProcessInfo.processInfo.activeProcessorCount) cores")
    // chains, the intermediate presented with the leaf
    for (label, keyArgs) in chainKinds {
        let c = makeChain("mt-\(label)", keyArgs)
        let store = try! TrustStore(pem: Array(c.root.utf8))
        let presented = Array((c.leaf + c.int).utf8)
        precondition(store.verify(chain: presented).isAccepted)
        let raw: @Sendable (Double) -> Double
        let rawName: String
        if label == "p256" {
            var tbs: UnsafeMutablePointer<UInt8>? = nil, sig: UnsafeMutablePointer<UInt8>? = nil
            var tbsLen = 0, sigLen = 0
            precondition(vb_cert_tbs_and_signature(c.leaf, &tbs, &tbsLen, &sig, &sigLen) == 0)
            let digest = SHA256.hash(data: UnsafeBufferPointer(start: tbs, count: tbsLen))
            let signature = try! P256.Signing.ECDSASignature(derRepresentation: UnsafeBufferPointer(start: sig, count: sigLen))
            free(tbs)
            free(sig)
            let pub = String(decoding: sh(["bash", "-c", "openssl x509 -noout -pubkey <<'EOF'\n\(c.int)EOF"]), as: UTF8.self)
            raw = { s in
                let key = try! P256.Signing.PublicKey(pemRepresentation: pub)
                return boringRate(key, signature, digest, s)
            }
            rawName = "raw p256 signature verification (swift-crypto BoringSSL, digest precomputed)"
        } else {
            let leaf = c.leaf, int = c.int
            raw = { s in vb_raw_verify_leaf(leaf, int, s) }
            rawName = "raw \(label) signature verification (OpenSSL EVP_PKEY_verify, prepared context)"
        }
        threadRows("chain_verify_\(label)_intermediate_presented", rawName,
                   ours: { s in rate(s) { _ = store.verify(chain: presented).isAccepted } }, raw: raw)
    }

    // JWT: the same tokens as the JWT section, from their own key files
    let jdir = dir.appendingPathComponent("mt-jwt")
    try! FileManager.default.createDirectory(at: jdir, withIntermediateDirectories: true)
    for (name, keyArgs) in [("rsa", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]),
                            ("p256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]),
                            ("p384", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]), ("ed25519", ["-algorithm", "ed25519"])] {
        let key = jdir.appendingPathComponent("\(name).pem").path
        sh(["openssl", "genpkey"] + keyArgs + ["-out", key])
        sh(["openssl", "pkey", "-in", key, "-pubout", "-out", jdir.appendingPathComponent("\(name)-pub.pem").path])
    }
    let made = try! JSONSerialization.jsonObject(with: sh(["python3", "-c", jwtMaker, jdir.path])) as! [String: Any]
    let jwks = try! JWKS(json: Array(try! JSONSerialization.data(withJSONObject: made["jwks"]!)))
    let tokens = made["tokens"] as! [String: String]
    let policy = JWTPolicy(issuer: "https://issuer.example", audiences: ["vouch"])
    for (alg, keyName) in [("ES256", "p256"), ("RS256", "rsa")] {
        let token = tokens[alg]!
        precondition((try? jwks.verify(token, policy: policy)) != nil)
        let pub = try! String(contentsOf: jdir.appendingPathComponent("\(keyName)-pub.pem"), encoding: .utf8)
        let boring = alg == "ES256"
        threadRows("jwt_verify_\(alg.lowercased())",
                   boring ? "raw ES256 signature verification (swift-crypto BoringSSL, digest precomputed)"
                       : "raw \(alg) signature verification (OpenSSL, prepared context)",
                   ours: { s in rate(s) { _ = try! jwks.verify(token, policy: policy) } },
                   raw: { s in boring ? boringP256Rate(token, pub, s) : vb_raw_jws_verify(token, pub, 0, s) })
    }

    // SSH certificates, the request of the SSH section
    let subjectPath = dir.appendingPathComponent("mt-ssh-user").path
    sh(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "alice@laptop", "-f", subjectPath])
    let subject = try! SSHPublicKey(line: String(contentsOfFile: subjectPath + ".pub", encoding: .utf8))
    let now = UInt64(Date().timeIntervalSince1970)
    var q = SSHCertificateRequest(key: subject, type: .user, validAfter: now - 30, validBefore: now + 3600)
    q.serial = 7
    q.keyID = "bench"
    q.principals = ["alice", "deploy"]
    q.criticalOptions = ["source-address": "10.0.0.0/8"]
    q.extensions = ["permit-pty", "permit-agent-forwarding"]
    let request = q
    for (label, keyArgs, raw) in [("ed25519", ["-algorithm", "ed25519"], "libsodium"),
                                  ("p256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], "OpenSSL ECDSA_do_sign")] {
        let keyPath = dir.appendingPathComponent("mt-ssh-ca-\(label).pem").path
        sh(["openssl", "genpkey"] + keyArgs + ["-out", keyPath])
        let pem = try! String(contentsOfFile: keyPath, encoding: .utf8)
        let ca = SSHCertificateAuthority(key: try! SSHPrivateKey(pem: Array(pem.utf8)))
        let body = signedPart(try! ca.sign(request).blob, caKey: ca.key.publicKey.blob)
        threadRows("ssh_cert_sign_\(label)", "raw \(label) signature of the certificate's bytes (\(raw))",
                   ours: { s in rate(s) { _ = try! ca.sign(request) } },
                   raw: { s in vb_raw_ssh_sign(pem, body, body.count, s) })
    }
}
