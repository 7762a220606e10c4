// SSHEngineTests.swift: Vault's ssh secrets engine in the service: CAs generated for every
// algorithm (and a key pair brought from ssh-keygen), roles, certificates signed for the
// holder of an access token, recorded, and accepted by a real sshd; every refusal of the
// role with its code.
import Foundation
import VouchCore
import VouchService
import VouchTestSupport
import XCTest

final class SSHEngineTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("vouch-sshe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { if let dir { try? FileManager.default.removeItem(at: dir) } }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// A user key pair from ssh-keygen: (private key path, public key line).
    func userKey(_ name: String, _ args: [String] = ["-t", "ed25519"]) throws -> (String, String) {
        let r = try runProcess(["ssh-keygen", "-q", "-N", "", "-f", path(name)] + args)
        XCTAssertEqual(r.status, 0, r.err)
        return (path(name), try String(contentsOfFile: path(name) + ".pub", encoding: .utf8))
    }

    func code(_ body: () async throws -> Void) async -> String? {
        do {
            try await body()
            return nil
        } catch {
            return (error as? ServiceError)?.code ?? "\(error)"
        }
    }

    func userRole() -> SSHRoleInput {
        var r = SSHRoleInput()
        r.allowUserCertificates = true
        r.allowedUsers = ["root", "deploy"]
        r.defaultUser = "root"
        r.defaultExtensions = ["permit-pty": ""]
        r.allowedExtensions = ["permit-pty", "permit-port-forwarding"]
        r.ttl = 600
        r.maxTTL = 3600
        return r
    }

    func testCertificatesFromEveryCAAlgorithmLogInToSSHD() async throws {
        guard getuid() == 0 else { throw XCTSkip("sshd needs root for privilege separation (CI runs as root)") }
        let f = try await Fixture()
        let v = f.vouch
        var cas: [String] = []
        for (mount, type, bits) in [("ssh", "ssh-rsa", 2048), ("ssh-p256", "ecdsa-sha2-nistp256", 0), ("ssh-p384", "ecdsa-sha2-nistp384", 0),
                                    ("ssh-ed25519", "ssh-ed25519", 0)] {
            if mount != "ssh" { try await v.enableSecretsMount(path: mount, type: "ssh", description: "", remote: nil) }
            cas.append(try await v.putSSHCA(mount: mount, generate: true, keyType: type, keyBits: bits, privateKey: "", publicKey: "", remote: nil))
            try await v.putSSHRole(mount: mount, "ops", userRole(), remote: nil)
        }
        XCTAssertEqual(cas.map { $0.split(separator: " ")[0] }, ["ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ssh-ed25519"])
        let server = try SSHServer(dir: dir.appendingPathComponent("sshd"), trustedUserCAs: cas)
        defer { server.stop() }
        let (key, pub) = try userKey("user")
        for mount in ["ssh", "ssh-p256", "ssh-p384", "ssh-ed25519"] {
            let r = try await v.signSSH(mount: mount, role: "ops", SSHSignInput(publicKey: pub), token: f.adminToken, remote: "10.0.0.1")
            try r.signedKey.write(toFile: path("user-cert.pub"), atomically: true, encoding: .utf8)
            let login = try server.login(user: "root", key: key, certificate: path("user-cert.pub"))
            XCTAssertEqual(login.out.trimmingCharacters(in: .whitespacesAndNewlines), "vouch-ok", "\(mount): \(login.err) \(server.log)")
            // what ssh-keygen reads from it
            let shown = try runProcess(["ssh-keygen", "-L", "-f", path("user-cert.pub")]).out
            XCTAssertTrue(shown.contains("Principals: \n                root"), shown)
            XCTAssertTrue(shown.contains("permit-pty"), shown)
            XCTAssertTrue(shown.contains("Key ID: \"vault-root-"), shown)
        }
        let records = try await v.sshCertificates(.mount("ssh")).certificates.map(\.record)
        XCTAssertEqual(records.count, 1)
        XCTAssertEqual(records.first?.principals, ["root"])
        XCTAssertEqual(records.first?.requester, "admin")
        XCTAssertEqual(records.first?.fingerprint, try SSHPublicKey(line: pub.trimmingCharacters(in: .whitespacesAndNewlines)).fingerprint)
    }

    func testRefusalsOfTheRole() async throws {
        let f = try await Fixture()
        let v = f.vouch
        let (_, pub) = try userKey("user")
        var c = await code { _ = try await v.signSSH(mount: "ssh", role: "ops", SSHSignInput(publicKey: pub), token: f.adminToken, remote: "10.0.0.1") }
        XCTAssertEqual(c, "ca_not_configured")
        _ = try await v.putSSHCA(mount: "ssh", generate: true, keyType: "ssh-ed25519", keyBits: 0, privateKey: "", publicKey: "", remote: nil)
        var role = userRole()
        role.allowedUserKeyLengths = ["rsa": [4096], "ed25519": [0]]
        try await v.putSSHRole(mount: "ssh", "ops", role, remote: nil)
        func sign(_ edit: (inout SSHSignInput) -> Void, token: String? = nil) async -> String? {
            var i = SSHSignInput(publicKey: pub)
            edit(&i)
            return await code { _ = try await v.signSSH(mount: "ssh", role: "ops", i, token: token ?? f.adminToken, remote: "10.0.0.1") }
        }
        c = await sign { _ in }
        XCTAssertNil(c)
        c = await sign { $0.validPrincipals = ["admin"] }
        XCTAssertEqual(c, "principal_not_allowed")
        c = await sign { $0.certType = "host" }
        XCTAssertEqual(c, "cert_type_not_allowed")
        c = await sign { $0.certType = "other" }
        XCTAssertEqual(c, "invalid_cert_type")
        c = await sign { $0.ttl = 7200 }
        XCTAssertEqual(c, "ttl_too_long")
        c = await sign { $0.keyID = "mine" }
        XCTAssertEqual(c, "key_id_not_allowed")
        c = await sign { $0.extensions = ["permit-X11-forwarding": ""] }
        XCTAssertEqual(c, "extension_not_allowed")
        c = await sign { $0.extensions = ["permit-pty": "yes"] }
        XCTAssertEqual(c, "unsupported_extension_value", "a value would be dropped by the signer: refused, not lost")
        c = await sign { $0.publicKey = "ssh-ed25519 AAAAnotakey" }
        XCTAssertEqual(c, "invalid_public_key")
        let rsa2048 = try userKey("rsa2048", ["-t", "rsa", "-b", "2048"]).1
        c = await sign { $0.publicKey = rsa2048 }
        XCTAssertEqual(c, "key_length_not_allowed")
        let p256 = try userKey("p256", ["-t", "ecdsa", "-b", "256"]).1
        c = await sign { $0.publicKey = p256 }
        XCTAssertEqual(c, "key_type_not_allowed")
        c = await sign({ _ in }, token: "not-a-token")
        XCTAssertEqual(c, "invalid_token")
        c = await code { _ = try await v.signSSH(mount: "ssh", role: "nope", SSHSignInput(publicKey: pub), token: f.adminToken, remote: "10.0.0.1") }
        XCTAssertEqual(c, "role_not_found")
        c = await code { _ = try await v.signSSH(mount: "nowhere", role: "ops", SSHSignInput(publicKey: pub), token: f.adminToken, remote: "10.0.0.1") }
        XCTAssertEqual(c, "mount_not_found")
        for code in ["principal_not_allowed", "ttl_too_long", "key_id_not_allowed", "extension_not_allowed"] {
            XCTAssertTrue(f.audit.contains(#""code":"\#(code)""#), code)
        }
        // the role's own rules are checked when written
        var bad = SSHRoleInput()
        bad.algorithmSigner = "ssh-rsa"
        c = await code { try await v.putSSHRole(mount: "ssh", "weak", bad, remote: nil) }
        XCTAssertEqual(c, "invalid_algorithm_signer")
        bad = SSHRoleInput()
        bad.ttl = 7200
        bad.maxTTL = 60
        c = await code { try await v.putSSHRole(mount: "ssh", "short", bad, remote: nil) }
        XCTAssertEqual(c, "invalid_ttl")
    }

    func testHostCertificatesKeyIDsAndAccessTokens() async throws {
        let f = try await Fixture()
        let v = f.vouch
        _ = try await v.putSSHCA(mount: "ssh", generate: true, keyType: "ecdsa-sha2-nistp256", keyBits: 0, privateKey: "", publicKey: "",
                                 remote: nil)
        var host = SSHRoleInput()
        host.allowHostCertificates = true
        host.allowedDomains = ["example.com"]
        host.allowSubdomains = true
        host.allowUserKeyIDs = true
        try await v.putSSHRole(mount: "ssh", "hosts", host, remote: nil)
        let (_, pub) = try userKey("host", ["-t", "ed25519"])
        var i = SSHSignInput(publicKey: pub)
        i.certType = "host"
        i.validPrincipals = ["web.example.com"]
        i.keyID = "web-1"
        // an access token from a login, not only the admin token
        let keyPEM = path("issuer.pem")
        try PKI.run(["openssl", "genpkey"] + KeyType.p256.genpkeyArgs + ["-out", keyPEM])
        try await v.putPolicy("ssh-hosts", text: #"path "ssh/sign/hosts" { capabilities = ["update"] }"#, remote: nil)
        let id = try await v.createIdentity(name: "signer", role: nil, policies: ["ssh-hosts"], remote: nil).id
        var auth = JWTAuthInput()
        auth.configurationType = "static"
        auth.publicKeys = [String(decoding: try PKI.run(["openssl", "pkey", "-in", keyPEM, "-pubout"]), as: UTF8.self)]
        _ = try await v.attachJWTAuth(.jwt, identityId: id, auth, remote: nil)
        let jwt = try OIDCProvider.mint([.init(key: keyPEM, alg: "ES256", kid: nil, claims: ["sub": "ci", "exp": "now+600"])])[0]
        let login = try await v.loginJWTAuth(.jwt, identityId: id, jwt: jwt, remote: "10.0.0.1")
        let r = try await v.signSSH(mount: "ssh", role: "hosts", i, token: login.accessToken, remote: "10.0.0.1")
        // the policy names sign/hosts only: issue under the same role is another path
        let denied = await code { _ = try await v.issueSSH(mount: "ssh", role: "hosts", keyType: "", keyBits: 0, i, token: login.accessToken,
                                                           remote: "10.0.0.1") }
        XCTAssertEqual(denied, "permission_denied")
        XCTAssertTrue(f.audit.contains(#""type":"acl""#) && f.audit.contains("ssh/issue/hosts"), f.audit)
        let cert = try SSHCertificate(line: r.signedKey.trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertEqual(cert.type, .host)
        XCTAssertEqual(cert.keyID, "web-1")
        XCTAssertEqual(cert.principals, ["web.example.com"])
        XCTAssertEqual(String(cert.serial, radix: 16), r.serial)
        XCTAssertEqual(r.record.requester, id)
        i.validPrincipals = ["example.com"]
        var c = await code { _ = try await v.signSSH(mount: "ssh", role: "hosts", i, token: login.accessToken, remote: "10.0.0.1") }
        XCTAssertEqual(c, "principal_not_allowed", "the bare domain needs allow_bare_domains")
        i.validPrincipals = ["web.example.com.evil.org"]
        c = await code { _ = try await v.signSSH(mount: "ssh", role: "hosts", i, token: login.accessToken, remote: "10.0.0.1") }
        XCTAssertEqual(c, "principal_not_allowed")
        // issue: the key pair made here
        var issue = SSHSignInput(publicKey: "")
        issue.certType = "host"
        issue.validPrincipals = ["db.example.com"]
        let issued = try await v.issueSSH(mount: "ssh", role: "hosts", keyType: "ssh-ed25519", keyBits: 0, issue, token: f.adminToken,
                                          remote: "10.0.0.1")
        XCTAssertTrue(issued.privateKey?.hasPrefix("-----BEGIN OPENSSH PRIVATE KEY-----") ?? false)
        XCTAssertEqual(try SSHPrivateKey(pem: Array(issued.privateKey!.utf8)).publicKey.line(), issued.publicKey)
        let recorded = try await v.sshCertificates(.mount("ssh")).certificates
        XCTAssertEqual(recorded.count, 2)
    }

    func testSecretsMountAndKeyTypeRefusals() async throws {
        let f = try await Fixture()
        let v = f.vouch
        for reserved in ["sys", "auth", "identity", "cubbyhole", "token"] {
            let c = await code { try await v.enableSecretsMount(path: reserved, type: "ssh", description: "", remote: nil) }
            XCTAssertEqual(c, "reserved_path", reserved)
        }
        var c = await code { try await v.enableSecretsMount(path: "kv", type: "kv", description: "", remote: nil) }
        XCTAssertEqual(c, "unsupported_mount")
        c = await code { try await v.enableSecretsMount(path: "a/b", type: "ssh", description: "", remote: nil) }
        XCTAssertEqual(c, "invalid_path")
        c = await code { try await v.enableSecretsMount(path: "ssh", type: "ssh", description: "", remote: nil) }
        XCTAssertEqual(c, "path_in_use")
        c = await code { try await v.disableSecretsMount(path: "ssh", remote: nil) }
        XCTAssertEqual(c, "builtin_mount")
        c = await code { try await v.enableSecretsMount(path: "ssh2", type: "ssh", description: String(repeating: "x", count: 1025), remote: nil) }
        XCTAssertEqual(c, "invalid_description")
        for (type, bits) in [("ssh-rsa", 1024), ("ec", 521), ("ecdsa-sha2-nistp256", 384), ("ssh-ed25519", 4096)] {
            c = await code { _ = try await v.putSSHCA(mount: "ssh", generate: true, keyType: type, keyBits: bits, privateKey: "", publicKey: "",
                                                      remote: nil) }
            XCTAssertEqual(c, "invalid_key_bits", "\(type) \(bits)")
        }
        c = await code { _ = try await v.putSSHCA(mount: "nowhere", generate: true, keyType: "ssh-ed25519", keyBits: 0, privateKey: "",
                                                  publicKey: "", remote: nil) }
        XCTAssertEqual(c, "mount_not_found")
    }

    func testCAKeysAtRest() async throws {
        let f = try await Fixture()
        let v = f.vouch
        let (key, pub) = try userKey("ca", ["-t", "ed25519"])
        let priv = try String(contentsOfFile: key, encoding: .utf8)
        var c = await code { _ = try await v.putSSHCA(mount: "ssh", generate: false, keyType: "", keyBits: 0, privateKey: priv, publicKey: "", remote: nil) }
        XCTAssertEqual(c, "missing_field")
        let other = try userKey("other", ["-t", "ed25519"]).1
        c = await code { _ = try await v.putSSHCA(mount: "ssh", generate: false, keyType: "", keyBits: 0, privateKey: priv, publicKey: other, remote: nil) }
        XCTAssertEqual(c, "invalid_public_key", "a public key that is not the private key's")
        c = await code { _ = try await v.putSSHCA(mount: "ssh", generate: true, keyType: "ssh-dss", keyBits: 0, privateKey: "", publicKey: "", remote: nil) }
        XCTAssertEqual(c, "invalid_key_type")
        let line = try await v.putSSHCA(mount: "ssh", generate: false, keyType: "", keyBits: 0, privateKey: priv, publicKey: pub, remote: nil)
        XCTAssertEqual(line.split(separator: " ")[1], pub.split(separator: " ")[1])
        c = await code { _ = try await v.putSSHCA(mount: "ssh", generate: true, keyType: "ssh-ed25519", keyBits: 0, privateKey: "", publicKey: "", remote: nil) }
        XCTAssertEqual(c, "ca_exists")
        XCTAssertEqual(try v.sshCAPublicKey(mount: "ssh"), line)
        // the private key is sealed: not in the database in any readable form
        let body = priv.split(separator: "\n").dropFirst().first.map(String.init) ?? ""
        let db = try Data(contentsOf: URL(fileURLWithPath: f.dir + "/vouch.db"))
        XCTAssertNil(db.range(of: Data(body.utf8)))
        // and it survives a restart, still signing
        try await v.putSSHRole(mount: "ssh", "ops", userRole(), remote: nil)
        let again = try await f.restarted()
        let r = try await again.signSSH(mount: "ssh", role: "ops", SSHSignInput(publicKey: other), token: f.adminToken, remote: "10.0.0.1")
        XCTAssertEqual(try SSHCertificate(line: r.signedKey.trimmingCharacters(in: .whitespacesAndNewlines)).signatureKey.line(), line)
        // delete, and the mount has no CA
        try await again.deleteSSHCA(mount: "ssh", remote: nil)
        c = await code { _ = try again.sshCAPublicKey(mount: "ssh") }
        XCTAssertEqual(c, "ca_not_configured")
    }
}
