// CLICredentialsTests.swift: the user's command line for SSH credentials, all real parts:
// a real `vouch serve`, the real `vouch` binary for `vouch login` (jwt, and cert over
// mTLS) and `vouch ssh issue-credentials`, a real ssh-agent (keys and certificates loaded
// over its socket, listed by ssh-add, forgotten at the certificate's expiry) and a real
// sshd that admits ssh with nothing but the agent's certificate. Refusals: no token, a
// principal the role refuses, no agent, token files others can read or that are links.
import Foundation
import VouchCore
import VouchTestSupport
import XCTest

final class CLICredentialsTests: XCTestCase {
    var dir: URL!
    var home: String!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("vouch-cli-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // the CLI's defaults (~/.vouch/token, ~/.ssh) go to a home of the test's own
        home = dir.appendingPathComponent("home").path
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { if let dir { try? FileManager.default.removeItem(at: dir) } }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// Runs the built `vouch` with a clean environment for what it reads.
    func vouch(_ args: [String], input: String? = nil, env: [String: String] = [:]) throws -> Outcome {
        var e = ["HOME": home!, "VOUCH_TOKEN": "", "VOUCH_ADDR": "", "VOUCH_CACERT": "", "VOUCH_TOKEN_FILE": "", "SSH_AUTH_SOCK": ""]
        e.merge(env) { $1 }
        return try runProcess([vouchBinary()] + args, input: input.map { Data($0.utf8) }, environment: e)
    }

    func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    func requireRoot() throws {
        guard getuid() == 0 else { throw XCTSkip("sshd needs root for privilege separation (CI runs as root)") }
    }

    /// A server with an ssh CA at `ssh`, role `dev` (users root and deploy, 1h), and a jwt
    /// mount whose role `ci` takes ES256 tokens from a static key; returns the key's path.
    func serverWithSSHAndJWT(tls: (cert: String, key: String)? = nil, caCert: String? = nil) throws -> (ServerProcess, String) {
        let s = ServerProcess(tls: tls)
        try s.start()
        let args = caCert.map { ["--cacert", $0] } ?? []
        var r = try curl("POST", s.base + "/v1/ssh/config/ca", json: ["generate_signing_key": true, "key_type": "ssh-ed25519"],
                         vaultToken: s.adminToken, args: args)
        XCTAssertEqual(r.status, 200, r.body)
        r = try curl("POST", s.base + "/v1/ssh/roles/dev", json: [
            "key_type": "ca", "allowed_users": "root,deploy", "default_user": "root", "ttl": "1h", "max_ttl": "4h",
            "allow_user_certificates": true, "default_extensions": ["permit-pty": ""],
        ], vaultToken: s.adminToken, args: args)
        XCTAssertEqual(r.status, 204, r.body)
        // the policy the logins grant: sign under dev (and under any template, for Infisical's shape)
        r = try curl("PUT", s.base + "/v1/sys/policies/acl/ssh-users", json: [
            "policy": "path \"ssh/sign/dev\" { capabilities = [\"update\"] }\npath \"sys/ssh/templates/+/sign\" { capabilities = [\"update\"] }",
        ], vaultToken: s.adminToken, args: args)
        XCTAssertEqual(r.status, 204, r.body)
        let key = path("ci.pem")
        try PKI.run(["openssl", "genpkey"] + KeyType.p256.genpkeyArgs + ["-out", key])
        let pub = String(decoding: try PKI.run(["openssl", "pkey", "-in", key, "-pubout"]), as: UTF8.self)
        r = try curl("POST", s.base + "/v1/auth/jwt/config", json: ["jwt_validation_pubkeys": [pub], "bound_issuer": "https://ci.test"],
                     vaultToken: s.adminToken, args: args)
        XCTAssertEqual(r.status, 204, r.body)
        r = try curl("POST", s.base + "/v1/auth/jwt/role/ci", json: [
            "role_type": "jwt", "user_claim": "sub", "bound_audiences": ["vouch"], "token_policies": ["ssh-users"], "token_ttl": "1h",
        ], vaultToken: s.adminToken, args: args)
        XCTAssertEqual(r.status, 204, r.body)
        return (s, key)
    }

    func ciToken(_ key: String, audience: String = "vouch") throws -> String {
        try OIDCProvider.mint([.init(key: key, alg: "ES256", kid: nil, claims: [
            "iss": "https://ci.test", "sub": "ci-runner", "aud": .text(audience), "exp": "now+600", "iat": "now",
        ])])[0]
    }

    func caLine(_ s: ServerProcess, args: [String] = []) throws -> String {
        let r = try curl("GET", s.base + "/v1/ssh/public_key", args: args)
        XCTAssertEqual(r.status, 200, r.body)
        return r.body.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func signCount(_ s: ServerProcess) -> Int { s.auditLog.components(separatedBy: #""type":"ssh","action":"sign""#).count - 1 }

    // MARK: the whole path

    func testJWTLoginThenCredentialsInTheAgentLogIntoSSHD() throws {
        try requireRoot()
        let (s, key) = try serverWithSSHAndJWT()
        defer { s.stop() }

        // vouch login: the JWT on standard input, the token into ~/.vouch/token
        let login = try vouch(["login", "--method", "jwt", "--role", "ci", "--jwt", "-", "--address", s.base], input: try ciToken(key))
        XCTAssertEqual(login.status, 0, login.err + s.log)
        let tokenFile = home + "/.vouch/token"
        XCTAssertEqual(try mode(tokenFile), 0o600, "the token file is the user's alone")
        XCTAssertEqual(try mode(home + "/.vouch"), 0o700)
        let token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertFalse(token.isEmpty)
        XCTAssertFalse(login.out.contains(token) || login.err.contains(token), "the token is described, never printed")
        XCTAssertTrue(login.out.contains("token stored in \(tokenFile) (mode 0600)"), login.out)
        XCTAssertTrue(login.out.contains("policies: ssh-users"), login.out)
        XCTAssertTrue(login.out.contains("ttl: 1h"), login.out)
        XCTAssertTrue(login.out.contains("subject: "), login.out)

        // vouch ssh issue-credentials with that token, into a real agent
        let agent = try SSHAgent(dir: dir.appendingPathComponent("agent"))
        defer { agent.stop() }
        let out = path("id_dev")
        let issued = try vouch(["ssh", "issue-credentials", "--role", "dev", "--principal", "root", "--out", out, "--add-to-agent",
                                "--address", s.base], env: ["SSH_AUTH_SOCK": agent.socket])
        XCTAssertEqual(issued.status, 0, issued.err + s.log)
        XCTAssertTrue(issued.out.contains("agent: added with its certificate for "), issued.out)
        XCTAssertEqual(try mode(out), 0o600)
        let certLine = try String(contentsOfFile: out + "-cert.pub", encoding: .utf8)
        XCTAssertTrue(certLine.hasPrefix("ssh-ed25519-cert-v01@openssh.com "), certLine)
        let shown = try runProcess(["ssh-keygen", "-L", "-f", out + "-cert.pub"]).out
        XCTAssertTrue(shown.contains("                root"), shown)
        XCTAssertTrue(shown.contains("Key ID: \"vault-"), shown)
        // the certificate was signed for the token's holder (the jwt login), not the admin
        XCTAssertTrue(s.auditLog.contains(#""type":"ssh","action":"sign","outcome":"ok""#), s.auditLog)

        // the agent holds the certificate itself
        let listed = try agent.listed()
        let blob = certLine.split(separator: " ")[1]
        XCTAssertTrue(listed.contains { $0.hasPrefix("ssh-ed25519-cert-v01@openssh.com \(blob)") }, "\(listed)")

        // and a real sshd trusting the CA admits ssh with nothing but the agent
        let server = try SSHServer(dir: dir.appendingPathComponent("sshd"), trustedUserCAs: [try caLine(s)])
        defer { server.stop() }
        let moved = path("elsewhere-cert.pub")  // no private key beside it, and none left: only the agent can sign
        try FileManager.default.copyItem(atPath: out + "-cert.pub", toPath: moved)
        try FileManager.default.removeItem(atPath: out)
        let ssh = try server.loginWithAgent(user: "root", agent: agent.socket, certificate: moved)
        XCTAssertEqual(ssh.status, 0, ssh.err + "\n" + server.log)
        XCTAssertEqual(ssh.out.trimmingCharacters(in: .whitespacesAndNewlines), "vouch-ok")
        XCTAssertTrue(server.log.contains("Accepted certificate ID \"vault-"), server.log)
        // a principal the certificate does not name is refused by sshd
        let other = try server.loginWithAgent(user: "deploy", agent: agent.socket, certificate: moved)
        XCTAssertEqual(other.status, 255, other.out)
    }

    func testEveryKeyTypeIsLoadedWithItsCertificateAndLogsIn() throws {
        try requireRoot()
        let (s, _) = try serverWithSSHAndJWT()
        defer { s.stop() }
        let server = try SSHServer(dir: dir.appendingPathComponent("sshd"), trustedUserCAs: [try caLine(s)])
        defer { server.stop() }
        let types = [("ed25519", "ssh-ed25519"), ("ecdsa-p256", "ecdsa-sha2-nistp256"), ("ecdsa-p384", "ecdsa-sha2-nistp384"),
                     ("rsa-2048", "ssh-rsa"), ("rsa-4096", "ssh-rsa")]
        for (flag, type) in types {
            // a fresh agent each time: the login can only use this key type's certificate
            let agent = try SSHAgent(dir: dir.appendingPathComponent("agent-\(flag)"))
            defer { agent.stop() }
            let out = path("id_\(flag)")
            let r = try vouch(["ssh", "issue-credentials", "--role", "dev", "--principal", "root", "--key-type", flag, "--out", out,
                               "--add-to-agent", "--comment", "vouch-\(flag)", "--address", s.base],
                              env: ["SSH_AUTH_SOCK": agent.socket, "VOUCH_TOKEN": s.adminToken])
            XCTAssertEqual(r.status, 0, "\(flag): \(r.err)")
            let listed = try agent.listed()
            XCTAssertEqual(listed.count, 1, "\(flag): \(listed)")
            XCTAssertTrue(listed.first?.hasPrefix("\(type)-cert-v01@openssh.com ") == true, "\(flag): \(listed)")
            XCTAssertTrue(listed.first?.hasSuffix(" vouch-\(flag)") == true, "\(flag): the comment: \(listed)")
            if flag.hasPrefix("rsa") {
                let bits = try runProcess(["ssh-keygen", "-l", "-f", out + ".pub"]).out
                XCTAssertTrue(bits.hasPrefix(flag.dropFirst(4) + " "), bits)
            }
            let ssh = try server.loginWithAgent(user: "root", agent: agent.socket, certificate: out + "-cert.pub")
            XCTAssertEqual(ssh.status, 0, "\(flag): the agent signs with the key it was given: \(ssh.err)\n\(server.log)")
        }
    }

    /// The core's agent request: framed as the agent reads it, and only for the key the
    /// certificate certifies (a certificate for another key would load a key that cannot use it).
    func testAgentRequestIsForTheCertifiedKeyOnly() throws {
        let ca = SSHCertificateAuthority(key: try SSHPrivateKey.generate(.ed25519))
        let key = try SSHPrivateKey.generate(.ecdsaP256), other = try SSHPrivateKey.generate(.ecdsaP256)
        var q = SSHCertificateRequest(key: key.publicKey, type: .user, validAfter: 0, validBefore: 4_000_000_000)
        q.principals = ["root"]
        let cert = try ca.sign(q)
        let bytes = try key.withAgentAddRequest(certificate: cert.blob, comment: "c", lifetime: 600) { Array($0) }
        let length = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
        XCTAssertEqual(length, bytes.count - 4)
        XCTAssertEqual(bytes[4], 25, "SSH_AGENTC_ADD_ID_CONSTRAINED")
        let strings = try XCTUnwrap(SSHWire.strings(Array(bytes[5..<(5 + 4 + 40)])))
        XCTAssertEqual(String(decoding: strings[0], as: UTF8.self), "ecdsa-sha2-nistp256-cert-v01@openssh.com")
        XCTAssertEqual(Array(bytes.suffix(5)), [1] + SSHWire.u32(600), "SSH_AGENT_CONSTRAIN_LIFETIME, 600 s")
        XCTAssertTrue(bytes.dropFirst(5).starts(with: SSHWire.string("ecdsa-sha2-nistp256-cert-v01@openssh.com") + SSHWire.string(cert.blob)))
        let plain = try key.withAgentAddRequest(certificate: cert.blob, comment: "", lifetime: 0) { Array($0) }
        XCTAssertEqual(plain[4], 17, "no lifetime: SSH_AGENTC_ADD_IDENTITY, no constraint")
        XCTAssertThrowsError(try other.withAgentAddRequest(certificate: cert.blob, comment: "", lifetime: 600) { _ in () }) {
            XCTAssertTrue(String(describing: $0).contains("certifies another key"), "\($0)")
        }
        XCTAssertThrowsError(try SSHPrivateKey.generate(.ed25519).withAgentAddRequest(certificate: cert.blob, comment: "", lifetime: 600) { _ in () })
    }

    // MARK: refusals

    func testRefusalsAreClearAndChangeNothing() throws {
        let (s, key) = try serverWithSSHAndJWT()
        defer { s.stop() }
        let out = path("id_dev")
        let base = ["ssh", "issue-credentials", "--role", "dev", "--out", out, "--address", s.base]

        // no token: neither VOUCH_TOKEN nor a token file
        var r = try vouch(base + ["--principal", "root"])
        XCTAssertEqual(r.status, 2, r.err)
        XCTAssertTrue(r.err.contains("error (no_token): no token: log in first (vouch login) or set VOUCH_TOKEN"), r.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        XCTAssertEqual(signCount(s), 0, "nothing was asked of the server")

        // a principal the role does not allow: the server's code, exit 1, no files
        r = try vouch(base + ["--principal", "mallory"], env: ["VOUCH_TOKEN": s.adminToken])
        XCTAssertEqual(r.status, 1, r.err)
        XCTAssertTrue(r.err.contains("REFUSED (principal_not_allowed): "), r.err)
        XCTAssertTrue(r.err.contains("mallory is not a valid value for valid_principals"), r.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        // a token the server does not know
        r = try vouch(base + ["--principal", "root"], env: ["VOUCH_TOKEN": "not-a-token"])
        XCTAssertEqual(r.status, 1, r.err)
        XCTAssertTrue(r.err.contains("REFUSED ("), r.err)
        XCTAssertTrue(r.err.contains("log in again"), r.err)

        // the agent: not set, or its socket missing; checked before anything is signed
        let signed = signCount(s)
        r = try vouch(base + ["--principal", "root", "--add-to-agent"], env: ["VOUCH_TOKEN": s.adminToken])
        XCTAssertEqual(r.status, 2, r.err)
        XCTAssertTrue(r.err.contains("error (no_agent): SSH_AUTH_SOCK is not set"), r.err)
        r = try vouch(base + ["--principal", "root", "--add-to-agent"],
                      env: ["VOUCH_TOKEN": s.adminToken, "SSH_AUTH_SOCK": path("no-such-agent.sock")])
        XCTAssertEqual(r.status, 2, r.err)
        XCTAssertTrue(r.err.contains("error (agent_unreachable): cannot connect to ssh-agent at \(path("no-such-agent.sock"))"), r.err)
        XCTAssertTrue(r.err.contains("No such file or directory"), r.err)
        XCTAssertEqual(signCount(s), signed, "no certificate was signed for an agent that is not there")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))

        // a token file others can read is refused; made private, it is used
        let tokenFile = path("token")
        try (s.adminToken + "\n").write(toFile: tokenFile, atomically: false, encoding: .utf8)
        chmod(tokenFile, 0o644)
        r = try vouch(base + ["--principal", "root", "--token-file", tokenFile])
        XCTAssertEqual(r.status, 2, r.err)
        XCTAssertTrue(r.err.contains("error (insecure_token_file): the token file \(tokenFile) is open to others (mode 644): refused; run chmod 600"),
                      r.err)
        XCTAssertEqual(signCount(s), signed)
        chmod(tokenFile, 0o600)
        r = try vouch(base + ["--principal", "root"], env: ["VOUCH_TOKEN_FILE": tokenFile])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(signCount(s), signed + 1)

        // earlier credentials are replaced; any other file is not, without --force
        r = try vouch(base + ["--principal", "root"], env: ["VOUCH_TOKEN": s.adminToken])
        XCTAssertEqual(r.status, 0, r.err)
        let mine = path("id_mine")
        try "my own key\n".write(toFile: mine, atomically: false, encoding: .utf8)
        r = try vouch(["ssh", "issue-credentials", "--role", "dev", "--principal", "root", "--out", mine, "--address", s.base],
                      env: ["VOUCH_TOKEN": s.adminToken])
        XCTAssertEqual(r.status, 2, r.err)
        XCTAssertTrue(r.err.contains("error (file_exists): "), r.err)
        XCTAssertEqual(try String(contentsOfFile: mine, encoding: .utf8), "my own key\n")

        // login: a refused JWT is exit 1 with the server's code; a JWT on the command line is refused
        r = try vouch(["login", "--method", "jwt", "--role", "ci", "--jwt", "-", "--address", s.base], input: try ciToken(key, audience: "other"))
        XCTAssertEqual(r.status, 1, r.err)
        XCTAssertTrue(r.err.contains("REFUSED (") && r.err.contains("login refused by \(s.base) (auth/jwt, role ci)"), r.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: home + "/.vouch/token"), "a refused login stores nothing")
        r = try vouch(["login", "--method", "jwt", "--role", "ci", "--jwt", try ciToken(key), "--address", s.base])
        XCTAssertEqual(r.status, 2, r.err)
        XCTAssertTrue(r.err.contains("--jwt takes - (standard input) only"), r.err)

        // login over a token file others could read replaces it with a private one, and says so
        let loose = path("loose-token")
        try "old\n".write(toFile: loose, atomically: false, encoding: .utf8)
        chmod(loose, 0o644)
        r = try vouch(["login", "--method", "jwt", "--role", "ci", "--jwt", "-", "--address", s.base, "--token-file", loose],
                      input: try ciToken(key))
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(try mode(loose), 0o600)
        XCTAssertTrue(r.err.contains("note: the old token file \(loose) was open to others (mode 644): replaced"), r.err)
        XCTAssertNotEqual(try String(contentsOfFile: loose, encoding: .utf8), "old\n")

        // a token file that is a symbolic link is neither written through nor read
        let target = path("link-target")
        try "untouched\n".write(toFile: target, atomically: false, encoding: .utf8)
        let link = path("link-token")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        r = try vouch(["login", "--method", "jwt", "--role", "ci", "--jwt", "-", "--address", s.base, "--token-file", link],
                      input: try ciToken(key))
        XCTAssertEqual(r.status, 2, r.err)
        XCTAssertTrue(r.err.contains("error (token_file_symlink): "), r.err)
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "untouched\n")
        r = try vouch(base + ["--principal", "root", "--token-file", link])
        XCTAssertEqual(r.status, 2, r.err)
        XCTAssertTrue(r.err.contains("error (token_file_symlink): "), r.err)

        // a server that is not there: exit 2, saying so
        r = try vouch(["ssh", "issue-credentials", "--role", "dev", "--principal", "root", "--out", path("id_x"),
                       "--address", "http://127.0.0.1:\(freePort())"], env: ["VOUCH_TOKEN": s.adminToken])
        XCTAssertEqual(r.status, 2, r.err)
        XCTAssertTrue(r.err.contains("error (server_unreachable): "), r.err)
    }

    func testAgentForgetsTheKeyWhenTheCertificateExpires() throws {
        let (s, _) = try serverWithSSHAndJWT()
        defer { s.stop() }
        let agent = try SSHAgent(dir: dir.appendingPathComponent("agent"))
        defer { agent.stop() }
        let r = try vouch(["ssh", "issue-credentials", "--role", "dev", "--principal", "root", "--ttl", "3s", "--out", path("short"),
                           "--add-to-agent", "--address", s.base],
                          env: ["VOUCH_TOKEN": s.adminToken, "SSH_AUTH_SOCK": agent.socket])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(try agent.listed().count, 1)
        let cert = try String(contentsOfFile: path("short-cert.pub"), encoding: .utf8)
        let shown = try runProcess(["ssh-keygen", "-L", "-f", path("short-cert.pub")]).out
        XCTAssertTrue(shown.contains("Valid: from "), shown + cert)
        // the lifetime constraint: gone once the certificate is no longer valid
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, try agent.listed().count > 0 { usleep(250_000) }
        XCTAssertEqual(try agent.listed(), [], "the agent dropped the key and certificate at their expiry")
    }

    // MARK: cert login over mTLS, and Infisical's shapes

    func testCertLoginOverMTLSInBothShapes() throws {
        let pki = try PKI()
        let root = try pki.make("root")
        let serverCert = try pki.make("server", issuer: root, extensions:
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost")
        let leaf = try pki.make("leaf", subject: "/CN=api-workload", issuer: root, profile: .client)
        let (s, _) = try serverWithSSHAndJWT(tls: (serverCert.certPath, serverCert.keyPath), caCert: root.certPath)
        defer { s.stop() }
        let ca = ["--cacert", root.certPath]

        // Vault's shape: a cert role, login with the client certificate in the handshake
        var c = try curl("POST", s.base + "/v1/auth/cert/certs/web", json: [
            "certificate": String(decoding: root.pem, as: UTF8.self), "allowed_common_names": "api-workload",
            "token_policies": "ssh-users", "token_ttl": 600,
        ], vaultToken: s.adminToken, args: ca)
        XCTAssertEqual(c.status, 204, c.body)
        let cert = ["--method", "cert", "--client-cert", leaf.certPath, "--client-key", leaf.keyPath, "--address", s.base]
        var r = try vouch(["login", "--role", "web", "--ca-cert", root.certPath] + cert)
        XCTAssertEqual(r.status, 0, r.err + s.log)
        XCTAssertTrue(r.out.contains("logged in to \(s.base) with cert (auth/cert, role web)"), r.out)
        XCTAssertTrue(r.out.contains("policies: ssh-users"), r.out)
        XCTAssertTrue(r.out.contains("ttl: 10m"), r.out)
        XCTAssertEqual(try mode(home + "/.vouch/token"), 0o600)

        // the token signs over https too (VOUCH_CACERT this time)
        r = try vouch(["ssh", "issue-credentials", "--role", "dev", "--principal", "deploy", "--key-type", "ecdsa-p256", "--address", s.base],
                      env: ["VOUCH_CACERT": root.certPath])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(FileManager.default.fileExists(atPath: home + "/.ssh/vouch_dev-cert.pub"), "the default --out")
        XCTAssertEqual(try mode(home + "/.ssh"), 0o700)
        XCTAssertEqual(try mode(home + "/.ssh/vouch_dev"), 0o600)
        XCTAssertTrue(try runProcess(["ssh-keygen", "-L", "-f", home + "/.ssh/vouch_dev-cert.pub"]).out.contains("                deploy"))

        // Infisical's shape: an identity with TLS certificate auth
        c = try curl("POST", s.base + "/api/v1/identities", json: ["name": "api", "role": "member"], token: s.adminToken, args: ca)
        XCTAssertEqual(c.status, 200, c.body)
        let id = try XCTUnwrap((c.json["identity"] as? [String: Any])?["id"] as? String)
        c = try curl("POST", s.base + "/api/v1/auth/tls-cert-auth/identities/\(id)", json: [
            "caCertificate": String(decoding: root.pem, as: UTF8.self), "allowedCommonNames": "api-workload", "accessTokenTTL": 900,
        ], token: s.adminToken, args: ca)
        XCTAssertEqual(c.status, 200, c.body)
        r = try vouch(["login", "--identity-id", id, "--token-file", path("infisical-token")] + cert, env: ["VOUCH_CACERT": root.certPath])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("identity: \(id)"), r.out)
        XCTAssertTrue(r.out.contains("ttl: 15m"), r.out)
        XCTAssertEqual(try mode(path("infisical-token")), 0o600)
        let token = try String(contentsOfFile: path("infisical-token"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        c = try curl("POST", s.base + "/api/v1/auth/token/introspect", token: token, args: ca)
        XCTAssertEqual(c.json["identityId"] as? String, id, c.body)
        // --print-token: the token alone on standard output
        r = try vouch(["login", "--identity-id", id, "--token-file", path("t2"), "--print-token"] + cert, env: ["VOUCH_CACERT": root.certPath])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count, 3, r.out)
        XCTAssertTrue(r.err.contains("identity: \(id)"), r.err)

        // refusals: a certificate from another CA (exit 1, the server's code); no trust in the server's CA (exit 2)
        let other = try pki.make("other")
        let stranger = try pki.make("stranger", subject: "/CN=api-workload", issuer: other, profile: .client)
        r = try vouch(["login", "--identity-id", id, "--method", "cert", "--client-cert", stranger.certPath, "--client-key", stranger.keyPath,
                       "--address", s.base, "--ca-cert", root.certPath, "--token-file", path("t3")])
        XCTAssertEqual(r.status, 1, r.err)
        XCTAssertTrue(r.err.contains("REFUSED (unknown_issuer): login refused by \(s.base)"), r.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("t3")))
        r = try vouch(["login", "--role", "web", "--token-file", path("t4")] + cert)
        XCTAssertEqual(r.status, 2, r.err)
        XCTAssertTrue(r.err.contains("error (server_unreachable): ") && r.err.contains("TLS"), r.err)
        // a cert login is made in the TLS handshake: plain http cannot carry it
        r = try vouch(["login", "--role", "web", "--method", "cert", "--client-cert", leaf.certPath, "--client-key", leaf.keyPath,
                       "--address", "http://127.0.0.1:\(s.port)", "--token-file", path("t5")])
        XCTAssertEqual(r.status, 2, r.err)
        XCTAssertTrue(r.err.contains("error (insecure_address): a certificate login"), r.err)
    }

    /// Infisical's shape: a CA and a template made through Infisical's own paths
    /// (/api/v1/ssh/ca, /api/v1/ssh/certificate-templates), then `issue-credentials
    /// --template`, which signs through /api/v1/ssh/certificates/sign.
    func testInfisicalTemplateShape() throws {
        try requireRoot()
        let (s, _) = try serverWithSSHAndJWT()
        defer { s.stop() }
        // an SSH CA and a template, as Infisical makes them
        var c = try curl("POST", s.base + "/api/v1/ssh/ca", json: ["friendlyName": "cli-test", "keyAlgorithm": "ED25519"], token: s.adminToken)
        XCTAssertEqual(c.status, 200, "Infisical's POST /api/v1/ssh/ca: \(c.body)")
        let caObject = c.json["ca"] as? [String: Any] ?? c.json
        let caID = try XCTUnwrap(caObject["id"] as? String, c.body)
        let caPublic = try XCTUnwrap(caObject["publicKey"] as? String, c.body)
        c = try curl("POST", s.base + "/api/v1/ssh/certificate-templates", json: [
            "sshCaId": caID, "name": "cli-users", "allowedUsers": ["root"], "allowedHosts": [], "allowUserCertificates": true,
            "allowHostCertificates": false, "allowCustomKeyIds": false, "ttl": "1h", "maxTTL": "1d",
        ], token: s.adminToken)
        XCTAssertEqual(c.status, 200, "Infisical's POST /api/v1/ssh/certificate-templates: \(c.body)")
        let templateID = try XCTUnwrap((c.json["certificateTemplate"] as? [String: Any] ?? c.json)["id"] as? String, c.body)

        let agent = try SSHAgent(dir: dir.appendingPathComponent("agent"))
        defer { agent.stop() }
        let out = path("id_template")
        var r = try vouch(["ssh", "issue-credentials", "--template", templateID, "--principal", "root", "--out", out, "--add-to-agent",
                           "--address", s.base], env: ["VOUCH_TOKEN": s.adminToken, "SSH_AUTH_SOCK": agent.socket])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(try agent.listed().count, 1)
        let server = try SSHServer(dir: dir.appendingPathComponent("sshd"), trustedUserCAs: [caPublic.trimmingCharacters(in: .whitespacesAndNewlines)])
        defer { server.stop() }
        let ssh = try server.loginWithAgent(user: "root", agent: agent.socket, certificate: out + "-cert.pub")
        XCTAssertEqual(ssh.status, 0, ssh.err + server.log)
        // a principal the template does not allow: exit 1 with the server's code
        r = try vouch(["ssh", "issue-credentials", "--template", templateID, "--principal", "mallory", "--out", path("id_t2"), "--address", s.base],
                      env: ["VOUCH_TOKEN": s.adminToken])
        XCTAssertEqual(r.status, 1, r.err)
        XCTAssertTrue(r.err.contains("REFUSED ("), r.err)
    }
}
