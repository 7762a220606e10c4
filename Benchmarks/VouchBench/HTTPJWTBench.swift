// HTTPJWTBench.swift: JWT and Kubernetes logins over HTTP against the same running server
// as the TLS login benchmark, each next to that server's /healthz ceiling (measured in the
// same run) and, in its note, next to the core's verification of the very same token:
// - jwt-auth with cached keys (an ES256 P-256 key; the path an OIDC login takes once its
//   key set is cached),
// - kubernetes-auth in local mode (RS256 service-account token checked against the
//   cluster's key, no API server),
// - kubernetes-auth with TokenReview against the loopback double
//   (Tests/Tools/k8s_apiserver_double.py): positive reviews are remembered for a minute,
//   so a workload logging in again and again costs one review a minute; the figure is that
//   steady state, and the note gives the first login's review count.
import Foundation
import VouchCore

func httpJWTBench(_ server: ServeProcess, dir: URL, ceiling: WrkFigures, secs: Int) {
    let base = server.base
    func post(_ path: String, _ body: [String: Any]) -> [String: Any] { server.post(path, body) }
    func identity(_ name: String) -> String { server.identity(name) }
    func key(_ name: String, _ args: [String]) -> (priv: String, pub: String) {
        let priv = dir.appendingPathComponent("\(name).pem").path
        _ = sh(["openssl", "genpkey"] + args + ["-out", priv])
        return (priv, String(decoding: sh(["openssl", "pkey", "-in", priv, "-pubout"]), as: UTF8.self))
    }
    /// A token PyJWT mints (as users' issuers do).
    func mint(_ priv: String, _ alg: String, _ claims: String) -> String {
        String(decoding: sh(["python3", "-c", """
            import sys, time, json, jwt
            now = int(time.time())
            c = json.loads(sys.argv[2].replace('"NOW+', '"').replace('"NOW"', str(now)))
            c["exp"] = now + 7200
            c["iat"] = now
            print(jwt.encode(c, open(sys.argv[1], "rb").read(), algorithm=sys.argv[3], headers={"kid": "k1"}))
            """, priv, claims, alg]), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
    func login(_ path: String, _ body: String, _ name: String) -> WrkFigures {
        let script = dir.appendingPathComponent("\(name).lua").path
        wrkPostScript(script, body: body)
        let r = wrk(base + path, script: script, seconds: secs, connections: 32)
        precondition(r.non2xx == 0, "\(name): logins failed in the benchmark")
        return r
    }
    func coreRate(_ set: JWKS, _ token: String, _ policy: JWTPolicy) -> Double {
        _ = try! set.verify(token, policy: policy)
        return rate { _ = try? set.verify(token, policy: policy) }
    }
    func note(_ r: WrkFigures, _ core: Double, _ what: String) -> String {
        String(format: "wrk -t1 -c32 keep-alive, %ds; login p50 %.2f ms, p99 %.2f ms; the core verifies the same token at %.0f/s on one thread; %@",
               secs, r.p50ms, r.p99ms, core, what)
    }

    // jwt-auth, cached keys, ES256
    let ec = key("bench-p256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
    let jwtId = identity("bench-jwt")
    _ = post("/api/v1/auth/jwt-auth/identities/\(jwtId)", ["configurationType": "static", "publicKeys": [ec.pub],
                                                            "boundIssuer": "https://issuer.bench", "boundAudiences": "vouch"])
    let jwtToken = mint(ec.priv, "ES256", #"{"iss":"https://issuer.bench","aud":"vouch","sub":"bench"}"#)
    let jwtSet = try! JWKS(json: Array(#"{"keys":[]}"#.utf8), pem: Array(ec.pub.utf8))
    let jwtCore = coreRate(jwtSet, jwtToken, JWTPolicy(issuer: "https://issuer.bench"))
    let jwtLogin = login("/api/v1/auth/jwt-auth/login", #"{"identityId":"\#(jwtId)","jwt":"\#(jwtToken)"}"#, "jwt")
    add("http_jwt_login_es256_cached_keys", jwtLogin.rps, "same server's GET /healthz (framework ceiling)", ceiling.rps,
        note: note(jwtLogin, jwtCore, "each login verifies the token against the cached key set, matches its claims, issues and stores a token"))

    // kubernetes-auth, local mode, RS256 service-account token
    let sa = key("bench-sa", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
    let issuer = "https://kubernetes.default.svc.cluster.local"
    let saToken = mint(sa.priv, "RS256", #"""
        {"iss":"\#(issuer)","aud":["\#(issuer)"],"sub":"system:serviceaccount:prod:api","jti":"bench",
         "kubernetes.io":{"namespace":"prod","serviceaccount":{"name":"api","uid":"u-1"}}}
        """#)
    let saSet = try! JWKS(json: Array(#"{"keys":[]}"#.utf8), pem: Array(sa.pub.utf8))
    let saCore = coreRate(saSet, saToken, JWTPolicy(issuer: issuer))
    let localId = identity("bench-k8s-local")
    _ = post("/api/v1/auth/kubernetes-auth/identities/\(localId)", [
        "tokenReviewMode": "local", "pemKeys": [sa.pub], "issuer": issuer, "allowedNamespaces": "prod", "allowedNames": "api",
    ])
    let local = login("/api/v1/auth/kubernetes-auth/login", #"{"identityId":"\#(localId)","jwt":"\#(saToken)"}"#, "k8s-local")
    add("http_kubernetes_login_local_keys_rs256", local.rps, "same server's GET /healthz (framework ceiling)", ceiling.rps,
        note: note(local, saCore, "tokenReviewMode local: the token is checked against the cluster's key, no API server"))

    // kubernetes-auth with TokenReview against the loopback double
    let ca = dir.appendingPathComponent("k8s-ca").path, crt = dir.appendingPathComponent("k8s-server").path
    _ = sh(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=k8s-bench-ca",
            "-days", "2", "-keyout", ca + ".key", "-out", ca + ".pem"])
    _ = sh(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=kubernetes",
            "-keyout", crt + ".key", "-out", crt + ".csr"])
    try! "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n".write(toFile: crt + ".ext", atomically: true, encoding: .utf8)
    _ = sh(["openssl", "x509", "-req", "-in", crt + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key", "-CAcreateserial", "-days", "2",
            "-extfile", crt + ".ext", "-out", crt + ".pem"])
    let state = dir.appendingPathComponent("k8s-state.json").path, reqlog = dir.appendingPathComponent("k8s-requests.log").path
    try! #"{"mode":"ok","reviewers":["bench-reviewer"],"auth_delegators":[],"invalidated":[]}"#.write(toFile: state, atomically: true, encoding: .utf8)
    FileManager.default.createFile(atPath: reqlog, contents: nil)
    let k8sPort = 19_000 + Int(getpid() % 2000)
    try! sa.pub.write(toFile: sa.priv + ".pub", atomically: true, encoding: .utf8)
    let double = Process()
    double.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    double.arguments = ["python3", "Tests/Tools/k8s_apiserver_double.py", "--port", String(k8sPort), "--cert", crt + ".pem", "--key",
                        crt + ".key", "--signing-key", sa.priv + ".pub", "--state", state, "--log", reqlog]
    let out = Pipe()
    double.standardOutput = out
    double.standardError = FileHandle.nullDevice
    try! double.run()
    defer {
        double.terminate()
        double.waitUntilExit()
    }
    _ = out.fileHandleForReading.availableData
    let reviewId = identity("bench-k8s-review")
    _ = post("/api/v1/auth/kubernetes-auth/identities/\(reviewId)", [
        "kubernetesHost": "https://127.0.0.1:\(k8sPort)", "caCert": try! String(contentsOfFile: ca + ".pem", encoding: .utf8),
        "tokenReviewerJwt": "bench-reviewer", "pemKeys": [sa.pub], "issuer": issuer, "allowedNamespaces": "prod", "allowedNames": "api",
    ])
    let reviewed = login("/api/v1/auth/kubernetes-auth/login", #"{"identityId":"\#(reviewId)","jwt":"\#(saToken)"}"#, "k8s-review")
    let reviews = (try? String(contentsOfFile: reqlog, encoding: .utf8))?.split(separator: "\n").count ?? 0
    add("http_kubernetes_login_tokenreview_cached_rs256", reviewed.rps, "same server's GET /healthz (framework ceiling)", ceiling.rps,
        note: note(reviewed, saCore, "local checks, then TokenReview against the loopback double; positive reviews remembered 60 s: \(reviews) review(s) for the whole run"))
}
