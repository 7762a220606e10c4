// HTTPSSHBench.swift: SSH certificates per second over HTTP against the same running server
// as the login benchmarks, next to that server's /healthz ceiling, with the core's own
// signing of a like certificate (same CA key, one thread) in the note:
// - sign (Infisical's /api/v1/ssh/certificates/sign) under a template, per CA algorithm,
//   by a workload's access token whose policy names the template's path: each call checks
//   the token and its policy, counts a use, signs, and records the certificate;
// - issue (the key pair made by the server), per key algorithm, with an Ed25519 CA.
import Foundation
import VouchCore

func httpSSHBench(_ server: ServeProcess, dir: URL, ceiling: WrkFigures, secs: Int) {
    let base = server.base
    func call(_ method: String, _ path: String, _ body: [String: Any], token: String? = nil) -> [String: Any] {
        server.call(method, path, body, token: token)
    }
    // a workload: an identity whose policy lets it sign and issue under every template, logged in once (JWT, static key)
    _ = call("PUT", "/v1/sys/policies/acl/ssh-bench", ["policy": #"path "sys/ssh/templates/+/*" { capabilities = ["update"] }"#])
    let id = (call("POST", "/api/v1/identities", ["name": "bench-ssh", "policies": ["ssh-bench"]])["identity"] as! [String: Any])["id"] as! String
    let jwtKey = dir.appendingPathComponent("bench-ssh-jwt.pem").path
    _ = sh(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", jwtKey])
    let jwtPub = String(decoding: sh(["openssl", "pkey", "-in", jwtKey, "-pubout"]), as: UTF8.self)
    _ = call("POST", "/api/v1/auth/jwt-auth/identities/\(id)", ["configurationType": "static", "publicKeys": [jwtPub],
                                                                "accessTokenTTL": 7200, "accessTokenMaxTTL": 7200])
    let jwt = String(decoding: sh(["python3", "-c", """
        import sys, time, jwt
        now = int(time.time())
        print(jwt.encode({"sub": "bench", "iat": now, "exp": now + 600}, open(sys.argv[1], "rb").read(), algorithm="ES256"))
        """, jwtKey]), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    let token = call("POST", "/api/v1/auth/jwt-auth/login", ["identityId": id, "jwt": jwt])["accessToken"] as! String

    let userPath = dir.appendingPathComponent("bench-ssh-user").path
    sh(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bench", "-f", userPath])
    let userLine = try! String(contentsOfFile: userPath + ".pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    let user = try! SSHPublicKey(line: userLine)

    func run(_ path: String, _ body: String, _ name: String) -> WrkFigures {
        let script = dir.appendingPathComponent("\(name).lua").path
        wrkPostScript(script, body: body, headers: ["Authorization": "Bearer \(token)"])
        let r = wrk(base + path, script: script, seconds: secs, connections: 32)
        precondition(r.non2xx == 0, "\(name): requests failed in the benchmark")
        return r
    }
    var ed25519Template = ""
    for (label, algorithm) in [("rsa2048", "RSA_2048"), ("p256", "EC_prime256v1"), ("p384", "EC_secp384r1"), ("ed25519", "ED25519")] {
        let ca = call("POST", "/api/v1/ssh/cas", ["friendlyName": "bench \(label)", "keyAlgorithm": algorithm])["ca"] as! [String: Any]
        let template = call("POST", "/api/v1/ssh/certificate-templates", [
            "sshCaId": ca["id"] as! String, "name": "bench-\(label)", "ttl": "1h", "maxTTL": "8h", "allowedUsers": ["deploy"],
            "allowedHosts": [], "allowUserCertificates": true, "allowHostCertificates": false, "allowCustomKeyIds": false,
        ])["id"] as! String
        if label == "ed25519" { ed25519Template = template }
        // the core signing a like certificate with a like key (its own, generated here)
        let kind: SSHKeyKind = label == "rsa2048" ? .rsa : label == "p256" ? .ecdsaP256 : label == "p384" ? .ecdsaP384 : .ed25519
        let core = SSHCertificateAuthority(key: try! SSHPrivateKey.generate(kind, bits: label == "rsa2048" ? 2048 : 0))
        let now = UInt64(Date().timeIntervalSince1970)
        var q = SSHCertificateRequest(key: user, type: .user, validAfter: now - 30, validBefore: now + 3600)
        q.keyID = "bench@bench-\(label)"
        q.principals = ["deploy"]
        q.extensions = ["permit-X11-forwarding", "permit-agent-forwarding", "permit-port-forwarding", "permit-pty", "permit-user-rc"]
        q.rsaSHA256 = true
        let coreRate = rate { _ = try! core.sign(q) }
        let r = run("/api/v1/ssh/certificates/sign",
                    #"{"certificateTemplateId":"\#(template)","publicKey":"\#(userLine)","principals":["deploy"]}"#, "ssh-sign-\(label)")
        add("http_ssh_sign_\(label)", r.rps, "same server's GET /healthz (framework ceiling)", ceiling.rps,
            note: String(format: "wrk -t1 -c32 keep-alive, %ds; p50 %.2f ms, p99 %.2f ms; the core signs the same certificate at %.0f/s on one thread; "
                         + "each call checks the access token and its policy, counts a use, signs, records the certificate",
                         secs, r.p50ms, r.p99ms, coreRate))
    }
    for (label, algorithm, kind, bits) in [("ed25519", "ED25519", SSHKeyKind.ed25519, 0), ("p256", "EC_prime256v1", .ecdsaP256, 0),
                                           ("p384", "EC_secp384r1", .ecdsaP384, 0), ("rsa2048", "RSA_2048", .rsa, 2048)] {
        let keygen = rate { _ = try! SSHPrivateKey.generate(kind, bits: bits) }
        let r = run("/api/v1/ssh/certificates/issue",
                    #"{"certificateTemplateId":"\#(ed25519Template)","keyAlgorithm":"\#(algorithm)","principals":["deploy"]}"#,
                    "ssh-issue-\(label)")
        add("http_ssh_issue_\(label)", r.rps, "same server's GET /healthz (framework ceiling)", ceiling.rps,
            note: String(format: "wrk -t1 -c32 keep-alive, %ds; p50 %.2f ms, p99 %.2f ms; Ed25519 CA; the core makes a %@ key pair at %.0f/s on one thread; "
                         + "each call makes the key pair, signs, records, and returns key and certificate", secs, r.p50ms, r.p99ms, label, keygen))
    }
}
