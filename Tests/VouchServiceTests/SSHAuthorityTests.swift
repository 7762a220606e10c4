// SSHAuthorityTests.swift: Infisical's SSH shapes in the service: CAs of every algorithm
// (made here, or a key pair brought from ssh-keygen), templates, certificates signed and
// issued under them for the holder of an access token and accepted by a real sshd (user
// certificates through TrustedUserCAKeys, host certificates through an @cert-authority
// line), every refusal of a template with its code; and revocation: the records, and the
// KRL judged by ssh-keygen -Q.
import Foundation
import VouchCore
import VouchService
import VouchTestSupport
import XCTest

final class SSHAuthorityTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("vouch-ssha-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { if let dir { try? FileManager.default.removeItem(at: dir) } }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

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

    func ca(_ v: Vouch, _ algorithm: String?) async throws -> SSHAuthority {
        var i = SSHAuthorityInput()
        i.friendlyName = "ca \(algorithm ?? "default")"
        i.keyAlgorithm = algorithm
        return try await v.createSSHAuthority(i, remote: nil)
    }

    func template(_ v: Vouch, ca: String, _ edit: (inout SSHTemplateInput) -> Void = { _ in }) async throws -> SSHCertificateTemplate {
        var t = SSHTemplateInput()
        t.sshCaId = ca
        t.name = "ops-\(UUID().uuidString.prefix(8).lowercased())"
        t.ttl = "30m"
        t.maxTTL = "8h"
        t.allowedUsers = ["deploy", "root"]
        t.allowedHosts = ["*.acme.com", "example.com", "10.1.2.3", "fd00::1"]
        t.allowUserCertificates = true
        t.allowHostCertificates = true
        t.allowCustomKeyIds = false
        edit(&t)
        return try await v.putSSHTemplate(id: nil, t, remote: nil)
    }

    /// An access token from a JWT login of a new identity.
    func accessToken(_ v: Vouch, name: String = "signer") async throws -> (String, String) {
        let keyPEM = path("issuer-\(name).pem")
        try PKI.run(["openssl", "genpkey"] + KeyType.p256.genpkeyArgs + ["-out", keyPEM])
        try await v.putPolicy("ssh-templates", text: #"path "sys/ssh/templates/+/sign" { capabilities = ["update"] }\#npath "sys/ssh/templates/+/issue" { capabilities = ["update"] }"#, remote: nil)
        let id = try await v.createIdentity(name: name, role: nil, policies: ["ssh-templates"], remote: nil).id
        var auth = JWTAuthInput()
        auth.configurationType = "static"
        auth.publicKeys = [String(decoding: try PKI.run(["openssl", "pkey", "-in", keyPEM, "-pubout"]), as: UTF8.self)]
        _ = try await v.attachJWTAuth(.jwt, identityId: id, auth, remote: nil)
        let jwt = try OIDCProvider.mint([.init(key: keyPEM, alg: "ES256", kid: nil, claims: ["sub": "ci", "exp": "now+600"])])[0]
        return (try await v.loginJWTAuth(.jwt, identityId: id, jwt: jwt, remote: "10.0.0.1").accessToken, id)
    }

    func sign(_ pub: String, principals: [String] = ["deploy"], _ edit: (inout SSHSignInput) -> Void = { _ in }) -> SSHSignInput {
        var i = SSHSignInput(publicKey: pub)
        i.validPrincipals = principals
        edit(&i)
        return i
    }

    func testEveryAlgorithmSignsUserCertificatesThatSSHDAccepts() async throws {
        guard getuid() == 0 else { throw XCTSkip("sshd needs root for privilege separation (CI runs as root)") }
        let f = try await Fixture()
        let v = f.vouch
        let (token, identity) = try await accessToken(v)
        var cas: [(SSHAuthority, SSHCertificateTemplate)] = []
        for algorithm in ["RSA_2048", "RSA_4096", "EC_prime256v1", "EC_secp384r1", nil] {
            let a = try await ca(v, algorithm)
            cas.append((a, try await template(v, ca: a.id)))
        }
        XCTAssertEqual(cas.map(\.0.keyAlgorithm), ["RSA_2048", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "ED25519"], "ED25519 by default")
        XCTAssertEqual(cas.map { $0.0.publicKey.split(separator: " ")[0] },
                       ["ssh-rsa", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ssh-ed25519"])
        let server = try SSHServer(dir: dir.appendingPathComponent("sshd"), trustedUserCAs: cas.map(\.0.publicKey))
        defer { server.stop() }
        let (key, pub) = try userKey("user")
        for (a, t) in cas {
            let r = try await v.signWithTemplate(t.id, sign(pub, principals: ["root"]), token: token, remote: "10.0.0.1")
            try r.signedKey.write(toFile: path("user-cert.pub"), atomically: true, encoding: .utf8)
            let login = try server.login(user: "root", key: key, certificate: path("user-cert.pub"))
            XCTAssertEqual(login.out.trimmingCharacters(in: .whitespacesAndNewlines), "vouch-ok", "\(a.keyAlgorithm): \(login.err) \(server.log)")
            let cert = try SSHCertificate(line: r.signedKey.trimmingCharacters(in: .whitespacesAndNewlines))
            XCTAssertEqual(cert.signatureKey.line(), a.publicKey)
            XCTAssertEqual(cert.principals, ["root"])
            XCTAssertEqual(cert.keyID, "signer@\(t.name)")
            XCTAssertEqual(cert.extensions.count, 5, "ssh-keygen's default user extensions")
            XCTAssertEqual(cert.validBefore - cert.validAfter, 30 * 60 + 30, "the template's ttl, from 30 s before now")
            XCTAssertEqual(r.record.requester, identity)
        }
        // an issued key pair, through the Ed25519 CA
        var issue = sign("", principals: ["root"])
        issue.ttl = 600
        let issued = try await v.issueWithTemplate(cas[4].1.id, keyAlgorithm: "EC_prime256v1", issue, token: token, remote: "10.0.0.1")
        XCTAssertEqual(issued.keyType, "EC_prime256v1")
        try issued.privateKey!.write(toFile: path("issued"), atomically: true, encoding: .utf8)
        chmod(path("issued"), 0o600)
        try issued.signedKey.write(toFile: path("issued-cert.pub"), atomically: true, encoding: .utf8)
        let login = try server.login(user: "root", key: path("issued"), certificate: path("issued-cert.pub"))
        XCTAssertEqual(login.out.trimmingCharacters(in: .whitespacesAndNewlines), "vouch-ok", login.err + server.log)
    }

    func testHostCertificatesThroughCertAuthorityLine() async throws {
        guard getuid() == 0 else { throw XCTSkip("sshd needs root for privilege separation (CI runs as root)") }
        let f = try await Fixture()
        let v = f.vouch
        let a = try await ca(v, nil)
        let t = try await template(v, ca: a.id)
        // the host key and its certificate, for the name the client dials
        let (hostKey, hostPub) = try userKey("host")
        var i = sign(hostPub, principals: ["127.0.0.1"]) { $0.certType = "host" }
        let c = await code { _ = try await v.signWithTemplate(t.id, i, token: f.adminToken, remote: "10.0.0.1") }
        XCTAssertEqual(c, "principal_not_allowed", "127.0.0.1 is not among the template's hosts")
        let open = try await template(v, ca: a.id) { $0.allowedHosts = ["*"] }
        i = sign(hostPub, principals: ["127.0.0.1", "db.acme.com"]) { $0.certType = "host" }
        let hostCert = try await v.signWithTemplate(open.id, i, token: f.adminToken, remote: "10.0.0.1")
        // users from the same CA
        let server = try SSHServer(dir: dir.appendingPathComponent("sshd"), trustedUserCAs: [a.publicKey], hostKey: hostKey,
                                   hostCertificate: hostCert.signedKey.trimmingCharacters(in: .whitespacesAndNewlines))
        defer { server.stop() }
        let (key, pub) = try userKey("user")
        let user = try await v.signWithTemplate(t.id, sign(pub, principals: ["root"]), token: f.adminToken, remote: "10.0.0.1")
        try user.signedKey.write(toFile: path("user-cert.pub"), atomically: true, encoding: .utf8)
        let knownHosts = path("known_hosts")
        try "@cert-authority * \(a.publicKey)\n".write(toFile: knownHosts, atomically: true, encoding: .utf8)
        let ok = try server.login(user: "root", key: key, certificate: path("user-cert.pub"), knownHosts: knownHosts)
        XCTAssertEqual(ok.out.trimmingCharacters(in: .whitespacesAndNewlines), "vouch-ok", ok.err)
        // another CA in known_hosts: the host is not trusted
        let other = try await ca(v, nil)
        try "@cert-authority * \(other.publicKey)\n".write(toFile: knownHosts, atomically: true, encoding: .utf8)
        let refused = try server.login(user: "root", key: key, certificate: path("user-cert.pub"), knownHosts: knownHosts)
        XCTAssertNotEqual(refused.status, 0)
    }

    func testTemplateRefusals() async throws {
        let f = try await Fixture()
        let v = f.vouch
        let (token, _) = try await accessToken(v)
        let a = try await ca(v, nil)
        let t = try await template(v, ca: a.id) { $0.allowHostCertificates = false }
        let (_, pub) = try userKey("user")
        func refusal(_ i: SSHSignInput, template: String? = nil) async -> String? {
            await code { _ = try await v.signWithTemplate(template ?? t.id, i, token: token, remote: "10.0.0.1") }
        }
        var c = await refusal(sign(pub))
        XCTAssertNil(c)
        c = await refusal(sign(pub, principals: ["admin"]))
        XCTAssertEqual(c, "principal_not_allowed")
        c = await refusal(sign(pub, principals: ["deploy", "admin"]))
        XCTAssertEqual(c, "principal_not_allowed", "every principal must be allowed")
        c = await refusal(sign(pub, principals: []))
        XCTAssertEqual(c, "missing_principals")
        c = await refusal(sign(pub) { $0.certType = "host" })
        XCTAssertEqual(c, "cert_type_not_allowed")
        c = await refusal(sign(pub) { $0.certType = "other" })
        XCTAssertEqual(c, "invalid_cert_type")
        c = await refusal(sign(pub) { $0.ttl = 8 * 3600 + 1 })
        XCTAssertEqual(c, "ttl_too_long")
        c = await refusal(sign(pub) { $0.ttl = 8 * 3600 })
        XCTAssertNil(c, "maxTTL itself is allowed")
        c = await refusal(sign(pub) { $0.keyID = "mine" })
        XCTAssertEqual(c, "key_id_not_allowed")
        c = await refusal(sign("ssh-ed25519 AAAA garbage"))
        XCTAssertEqual(c, "invalid_public_key")
        c = await refusal(sign(pub), template: "no-such-template")
        XCTAssertEqual(c, "template_not_found")
        c = await code { _ = try await v.signWithTemplate(t.id, self.sign(pub), token: "not-a-token", remote: "10.0.0.1") }
        XCTAssertEqual(c, "invalid_token")
        // an access token without a policy naming the template's path
        try await v.putPolicy("ssh-templates", text: "path \"sys/ssh/templates/\(t.id)/issue\" { capabilities = [\"update\"] }", remote: nil)
        c = await refusal(sign(pub))
        XCTAssertEqual(c, "permission_denied", "the policy grants issue under the template, not sign")
        try await v.putPolicy("ssh-templates", text: "path \"sys/ssh/templates/*\" { capabilities = [\"update\"] }", remote: nil)
        // "*" allows any valid user name, never "*" itself or a malformed name
        let any = try await template(v, ca: a.id) { $0.allowedUsers = ["*"] }
        c = await refusal(sign(pub, principals: ["anyone"]), template: any.id)
        XCTAssertNil(c)
        c = await refusal(sign(pub, principals: ["*"]), template: any.id)
        XCTAssertEqual(c, "principal_not_allowed")
        c = await refusal(sign(pub, principals: ["bad name"]), template: any.id)
        XCTAssertEqual(c, "principal_not_allowed")
        // hosts: *.acme.com covers subdomains, not acme.com itself nor lookalikes
        let hosts = try await template(v, ca: a.id) { $0.allowUserCertificates = false }
        for (host, want) in [("db.acme.com", nil), ("a.b.acme.com", nil), ("acme.com", "principal_not_allowed"),
                             ("evilacme.com", "principal_not_allowed"), ("example.com", nil), ("www.example.com", "principal_not_allowed"),
                             ("10.1.2.3", nil), ("fd00::1", nil), ("*.acme.com", "principal_not_allowed")] as [(String, String?)] {
            c = await refusal(sign(pub, principals: [host]) { $0.certType = "host" }, template: hosts.id)
            XCTAssertEqual(c, want, host)
        }
        c = await refusal(sign(pub), template: hosts.id)
        XCTAssertEqual(c, "cert_type_not_allowed")
        // a disabled template, a disabled CA
        var off = SSHTemplateInput()
        off.status = "disabled"
        _ = try await v.putSSHTemplate(id: t.id, off, remote: nil)
        c = await refusal(sign(pub))
        XCTAssertEqual(c, "template_disabled")
        off.status = "active"
        _ = try await v.putSSHTemplate(id: t.id, off, remote: nil)
        var disable = SSHAuthorityInput()
        disable.status = "disabled"
        _ = try await v.updateSSHAuthority(a.id, disable, remote: nil)
        c = await refusal(sign(pub))
        XCTAssertEqual(c, "ca_disabled")
        // refusals are audited with their code
        XCTAssertTrue(f.audit.contains("\"code\":\"ca_disabled\""), f.audit)
        XCTAssertTrue(f.audit.contains("\"code\":\"principal_not_allowed\""))
    }

    func testTemplateAndCAInputRefusals() async throws {
        let f = try await Fixture()
        let v = f.vouch
        let a = try await ca(v, nil)
        func put(_ edit: (inout SSHTemplateInput) -> Void) async -> String? {
            await code { _ = try await self.template(v, ca: a.id, edit) }
        }
        var c = await put { $0.ttl = "forever" }
        XCTAssertEqual(c, "invalid_ttl")
        c = await put { $0.ttl = "500" }
        XCTAssertEqual(c, "invalid_ttl", "a bare number is milliseconds, as in Infisical: under a second")
        c = await put { $0.ttl = "9h" }
        XCTAssertEqual(c, "invalid_ttl", "ttl above maxTTL")
        c = await put { $0.allowedUsers = ["ok", "not ok"] }
        XCTAssertEqual(c, "invalid_user_pattern")
        c = await put { $0.allowedHosts = ["bad_host!"] }
        XCTAssertEqual(c, "invalid_host_pattern")
        c = await put { $0.name = "Not A Slug" }
        XCTAssertEqual(c, "invalid_name")
        c = await put { $0.sshCaId = "missing" }
        XCTAssertEqual(c, "ca_not_found")
        c = await put { $0.allowCustomKeyIds = nil }
        XCTAssertEqual(c, "missing_field")
        let t = try await template(v, ca: a.id)
        c = await put { $0.name = t.name }
        XCTAssertEqual(c, "name_in_use")
        XCTAssertEqual(try InfisicalDuration.seconds("1.5h", field: "ttl"), 5400)
        XCTAssertEqual(try InfisicalDuration.seconds("2 days", field: "ttl"), 172_800)
        // CAs
        var i = SSHAuthorityInput()
        i.friendlyName = "x"
        i.keyAlgorithm = "DSA_1024"
        c = await code { _ = try await v.createSSHAuthority(i, remote: nil) }
        XCTAssertEqual(c, "invalid_key_algorithm")
        i.keyAlgorithm = nil
        i.keySource = "hsm"
        c = await code { _ = try await v.createSSHAuthority(i, remote: nil) }
        XCTAssertEqual(c, "invalid_key_source")
        i.keySource = "external"
        let (caKey, caPub) = try userKey("ca")
        let priv = try String(contentsOfFile: caKey, encoding: .utf8)
        i.privateKey = priv
        c = await code { _ = try await v.createSSHAuthority(i, remote: nil) }
        XCTAssertEqual(c, "missing_field", "an external CA needs both halves")
        i.publicKey = try userKey("other").1
        c = await code { _ = try await v.createSSHAuthority(i, remote: nil) }
        XCTAssertEqual(c, "invalid_public_key")
        i.publicKey = caPub
        i.keyAlgorithm = "RSA_2048"
        c = await code { _ = try await v.createSSHAuthority(i, remote: nil) }
        XCTAssertEqual(c, "invalid_key_algorithm", "keyAlgorithm must match the key supplied")
        i.keyAlgorithm = nil
        let (dsaLike, _) = try userKey("rsa3072", ["-t", "rsa", "-b", "3072"])
        var odd = i
        odd.privateKey = try String(contentsOfFile: dsaLike, encoding: .utf8)
        odd.publicKey = try String(contentsOfFile: dsaLike + ".pub", encoding: .utf8)
        c = await code { _ = try await v.createSSHAuthority(odd, remote: nil) }
        XCTAssertEqual(c, "invalid_key_algorithm", "RSA 3072 is not one of Infisical's algorithms")
        let external = try await v.createSSHAuthority(i, remote: nil)
        XCTAssertEqual(external.keyAlgorithm, "ED25519")
        XCTAssertEqual(external.keySource, "external")
        // an internal CA's key cannot be replaced; an external one's can
        var replace = SSHAuthorityInput()
        let (newKey, newPub) = try userKey("new", ["-t", "ecdsa", "-b", "384"])
        replace.privateKey = try String(contentsOfFile: newKey, encoding: .utf8)
        replace.publicKey = newPub
        c = await code { _ = try await v.updateSSHAuthority(a.id, replace, remote: nil) }
        XCTAssertEqual(c, "internal_key")
        let replaced = try await v.updateSSHAuthority(external.id, replace, remote: nil)
        XCTAssertEqual(replaced.keyAlgorithm, "EC_secp384r1")
        XCTAssertEqual(replaced.publicKey.split(separator: " ")[1], newPub.split(separator: " ")[1])
        // the private key is never in the database readable
        let body = priv.split(separator: "\n").dropFirst().first.map(String.init) ?? ""
        let db = try Data(contentsOf: URL(fileURLWithPath: f.dir + "/vouch.db"))
        XCTAssertNil(db.range(of: Data(body.utf8)))
        // deleting a CA deletes its templates
        _ = try await v.deleteSSHAuthority(a.id, remote: nil)
        c = await code { _ = try v.sshTemplate(t.id) }
        XCTAssertEqual(c, "template_not_found")
    }

    func testSSHDWithTheServersKRLRefusesTheRevokedCertificate() async throws {
        guard getuid() == 0 else { throw XCTSkip("sshd needs root for privilege separation (CI runs as root)") }
        let f = try await Fixture()
        let v = f.vouch
        let a = try await ca(v, "EC_prime256v1")
        let t = try await template(v, ca: a.id)
        let (key1, pub1) = try userKey("one")
        let (key2, pub2) = try userKey("two")
        let one = try await v.signWithTemplate(t.id, sign(pub1, principals: ["root"]), token: f.adminToken, remote: "10.0.0.1")
        let two = try await v.signWithTemplate(t.id, sign(pub2, principals: ["root"]), token: f.adminToken, remote: "10.0.0.1")
        try one.signedKey.write(toFile: key1 + "-cert.pub", atomically: true, encoding: .utf8)
        try two.signedKey.write(toFile: key2 + "-cert.pub", atomically: true, encoding: .utf8)
        let krlPath = path("revoked.krl")
        try Data(try await v.sshKRL(.authority(a.id)).bytes).write(to: URL(fileURLWithPath: krlPath))
        let server = try SSHServer(dir: dir.appendingPathComponent("sshd"), trustedUserCAs: [a.publicKey],
                                   extraConfig: ["RevokedKeys \(krlPath)"])
        defer { server.stop() }
        var login = try server.login(user: "root", key: key1, certificate: key1 + "-cert.pub")
        XCTAssertEqual(login.out.trimmingCharacters(in: .whitespacesAndNewlines), "vouch-ok", "nothing revoked yet: " + login.err)
        try await v.revokeSSH(.authority(a.id), .serial(UInt64(one.serial, radix: 16)!), by: "admin", remote: nil)
        try Data(try await v.sshKRL(.authority(a.id)).bytes).write(to: URL(fileURLWithPath: krlPath))
        login = try server.login(user: "root", key: key1, certificate: key1 + "-cert.pub")
        XCTAssertNotEqual(login.status, 0, "sshd reads the new KRL at the next login and refuses the revoked certificate")
        XCTAssertTrue(server.log.contains("revoked"), server.log)
        login = try server.login(user: "root", key: key2, certificate: key2 + "-cert.pub")
        XCTAssertEqual(login.out.trimmingCharacters(in: .whitespacesAndNewlines), "vouch-ok", "its sibling still logs in: " + login.err)
    }

    func testKeyIDRevocationCoversAReplacedCAKey() async throws {
        let f = try await Fixture()
        let v = f.vouch
        var i = SSHAuthorityInput()
        let (caKey, caPub) = try userKey("ca-old")
        i.friendlyName = "external"
        i.keySource = "external"
        i.privateKey = try String(contentsOfFile: caKey, encoding: .utf8)
        i.publicKey = caPub
        let a = try await v.createSSHAuthority(i, remote: nil)
        let t = try await template(v, ca: a.id) { $0.allowCustomKeyIds = true }
        let (_, pub) = try userKey("user")
        let before = try await v.signWithTemplate(t.id, sign(pub) { $0.keyID = "alice" }, token: f.adminToken, remote: "10.0.0.1")
        try await v.revokeSSH(.authority(a.id), .keyID("alice"), by: "admin", remote: nil)
        // the key is replaced; alice's next certificate, from the new key, is revoked too
        var replace = SSHAuthorityInput()
        let (newKey, newPub) = try userKey("ca-new", ["-t", "ecdsa", "-b", "256"])
        replace.privateKey = try String(contentsOfFile: newKey, encoding: .utf8)
        replace.publicKey = newPub
        _ = try await v.updateSSHAuthority(a.id, replace, remote: nil)
        let after = try await v.signWithTemplate(t.id, sign(pub) { $0.keyID = "alice" }, token: f.adminToken, remote: "10.0.0.1")
        let bob = try await v.signWithTemplate(t.id, sign(pub) { $0.keyID = "bob" }, token: f.adminToken, remote: "10.0.0.1")
        let krl = try await v.sshKRL(.authority(a.id)).bytes
        XCTAssertTrue(try revokedBySSHKeygen(krl, before.signedKey), "under the old key")
        XCTAssertTrue(try revokedBySSHKeygen(krl, after.signedKey), "under the new key")
        XCTAssertFalse(try revokedBySSHKeygen(krl, bob.signedKey))
        let flags = try await v.sshCertificates(.authority(a.id)).certificates.map(\.revoked)
        XCTAssertEqual(flags, [true, true, false])
        // a serial is revoked under the key that signed it only
        try await v.revokeSSH(.authority(a.id), .serial(UInt64(before.serial, radix: 16)!), by: "admin", remote: nil)
        let list = try await v.sshKRL(.authority(a.id)).bytes
        let parsed = try SSHKRL(parsing: list)
        let oldSection = parsed.certificates.first { $0.caKey == (try? SSHPublicKey(line: caPub.trimmingCharacters(in: .whitespacesAndNewlines)))?.blob }
        XCTAssertEqual(oldSection?.serials.flatMap { Array($0) }, [UInt64(before.serial, radix: 16)!])
        XCTAssertEqual(parsed.certificates.count, 2, "both keys carry the key id")
        // updates: what cannot change is refused; two changes do not undo each other
        var bad = SSHAuthorityInput()
        bad.keySource = "internal"
        var c = await code { _ = try await v.updateSSHAuthority(a.id, bad, remote: nil) }
        XCTAssertEqual(c, "immutable_field")
        bad = replace
        bad.keyAlgorithm = "RSA_2048"
        c = await code { _ = try await v.updateSSHAuthority(a.id, bad, remote: nil) }
        XCTAssertEqual(c, "invalid_key_algorithm")
        var rename = SSHAuthorityInput()
        rename.friendlyName = "renamed"
        var disable = SSHAuthorityInput()
        disable.status = "disabled"
        async let r1 = v.updateSSHAuthority(a.id, rename, remote: nil)
        async let r2 = v.updateSSHAuthority(a.id, disable, remote: nil)
        _ = try await (r1, r2)
        let now = try v.sshAuthority(a.id)
        XCTAssertEqual(now.friendlyName, "renamed")
        XCTAssertEqual(now.status, "disabled")
        var missing = SSHTemplateInput()
        missing.name = "x"
        c = await code { _ = try await v.putSSHTemplate(id: nil, missing, remote: nil) }
        XCTAssertEqual(c, "missing_field")
    }

    /// ssh-keygen -Q's verdict on `cert` against `krl`: true when revoked.
    func revokedBySSHKeygen(_ krl: [UInt8], _ cert: String) throws -> Bool {
        try Data(krl).write(to: URL(fileURLWithPath: path("ca.krl")))
        try cert.write(toFile: path("check-cert.pub"), atomically: true, encoding: .utf8)
        let r = try runProcess(["ssh-keygen", "-Q", "-f", path("ca.krl"), path("check-cert.pub")])
        XCTAssertTrue(r.status == 0 || r.status == 1, r.err)
        return r.status == 1
    }

    func testRevocationRecordsAndKRL() async throws {
        let f = try await Fixture()
        let v = f.vouch
        let (token, _) = try await accessToken(v)
        let a = try await ca(v, nil)
        let t = try await template(v, ca: a.id) { $0.allowCustomKeyIds = true }
        var certs: [SSHSignResult] = []
        var pubs: [String] = []
        for n in 0..<5 {
            let (_, pub) = try userKey("user\(n)")
            pubs.append(pub)
            certs.append(try await v.signWithTemplate(t.id, sign(pub) { $0.keyID = "job-\(n % 4)" }, token: token, remote: "10.0.0.1"))
        }
        let empty = try await v.sshKRL(.authority(a.id))
        XCTAssertEqual(empty.version, 0)
        for c in certs { XCTAssertFalse(try revokedBySSHKeygen(empty.bytes, c.signedKey)) }
        // by serial, by key id, by public key
        try await v.revokeSSH(.authority(a.id), .serial(UInt64(certs[0].serial, radix: 16)!), by: "admin", remote: nil)
        try await v.revokeSSH(.authority(a.id), .keyID("job-1"), by: "admin", remote: nil)
        try await v.revokeSSH(.authority(a.id), .publicKey(pubs[2]), by: "admin", remote: nil)
        let krl = try await v.sshKRL(.authority(a.id))
        XCTAssertEqual(krl.version, 3)
        XCTAssertNotEqual(krl.etag, empty.etag)
        let verdicts = try certs.map { try revokedBySSHKeygen(krl.bytes, $0.signedKey) }
        XCTAssertEqual(verdicts, [true, true, true, false, false], "serial, key id, key revoked; the others not")
        // the records say the same
        let listed = try await v.sshCertificates(.authority(a.id)).certificates
        XCTAssertEqual(listed.map(\.revoked), [true, true, true, false, false])
        let fourth = try await v.sshCertificate(.authority(a.id), serial: UInt64(certs[3].serial, radix: 16)!)
        XCTAssertFalse(fourth.revoked)
        // revoking again changes nothing; the ETag is stable while nothing changes
        let again = try await v.revokeSSH(.authority(a.id), .keyID("job-1"), by: "admin", remote: nil)
        XCTAssertEqual(again, 0)
        let same = try await v.sshKRL(.authority(a.id))
        XCTAssertEqual(same.etag, krl.etag)
        XCTAssertEqual(same.bytes, krl.bytes)
        // a certificate of another CA with a revoked serial is not revoked
        let b = try await ca(v, nil)
        let tb = try await template(v, ca: b.id)
        let otherCert = try await v.signWithTemplate(tb.id, sign(pubs[4]), token: token, remote: "10.0.0.1")
        XCTAssertFalse(try revokedBySSHKeygen(krl.bytes, otherCert.signedKey))
        // refusals: nothing the KRL cannot hold is stored (and the KRL stays served)
        var c = await code { try await v.revokeSSH(.authority(a.id), .keyID(""), by: "admin", remote: nil) }
        XCTAssertEqual(c, "invalid_key_id")
        c = await code { try await v.revokeSSH(.authority(a.id), .keyID("a\tb"), by: "admin", remote: nil) }
        XCTAssertEqual(c, "invalid_key_id")
        c = await code { try await v.revokeSSH(.authority(a.id), .serial(0), by: "admin", remote: nil) }
        XCTAssertEqual(c, "invalid_serial")
        let unchanged = try await v.sshKRL(.authority(a.id)).bytes
        XCTAssertEqual(unchanged, krl.bytes)
        c = await code { _ = try await v.signWithTemplate(t.id, self.sign(pubs[0]) { $0.keyID = "line\nbreak" }, token: token, remote: "10.0.0.1") }
        XCTAssertEqual(c, "invalid_key_id", "a key id a KRL could not revoke is not signed")
        c = await code { try await v.revokeSSH(.authority(a.id), .publicKey("ssh-ed25519 AAAAnope"), by: "admin", remote: nil) }
        XCTAssertEqual(c, "invalid_public_key")
        c = await code { try await v.revokeSSH(.authority("missing"), .keyID("x"), by: "admin", remote: nil) }
        XCTAssertEqual(c, "ca_not_found")
        c = await code { _ = try await v.sshCertificate(.authority(a.id), serial: 42) }
        XCTAssertEqual(c, "certificate_not_found")
        // the Vault mount's KRL works the same way
        _ = try await v.putSSHCA(mount: "ssh", generate: true, keyType: "ssh-ed25519", keyBits: 0, privateKey: "", publicKey: "", remote: nil)
        var role = SSHRoleInput()
        role.allowUserCertificates = true
        role.allowedUsers = ["deploy"]
        try await v.putSSHRole(mount: "ssh", "ops", role, remote: nil)
        let vaultCert = try await v.signSSH(mount: "ssh", role: "ops", sign(pubs[3]), token: f.adminToken, remote: "10.0.0.1")
        try await v.revokeSSH(.mount("ssh"), .serial(UInt64(vaultCert.serial, radix: 16)!), by: "admin", remote: nil)
        let mountKRL = try await v.sshKRL(.mount("ssh")).bytes
        XCTAssertTrue(try revokedBySSHKeygen(mountKRL, vaultCert.signedKey))
        XCTAssertFalse(try revokedBySSHKeygen(mountKRL, certs[3].signedKey), "another CA's certificate")
    }
}
