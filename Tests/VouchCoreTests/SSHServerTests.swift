// SSHServerTests.swift: Debian's real sshd and ssh accept what Vouch signs. One sshd per
// test on a loopback port trusts our user CAs; ssh logs in with our certificates, and is
// refused for an expired one, a wrong principal, another CA and a source-address that
// excludes it. A host certificate we sign is accepted through @cert-authority.
import Foundation
import VouchCore
import VouchTestSupport
import XCTest

final class SSHServerTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        guard getuid() == 0 else { throw XCTSkip("sshd needs root for privilege separation (CI runs as root)") }
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("vouch-sshd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { if let dir { try? FileManager.default.removeItem(at: dir) } }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// A user key pair from ssh-keygen; returns (private key path, public key).
    func userKey(_ name: String, _ args: [String] = ["-t", "ed25519"]) throws -> (String, SSHPublicKey) {
        let r = try runProcess(["ssh-keygen", "-q", "-N", "", "-f", path(name)] + args)
        XCTAssertEqual(r.status, 0, r.err)
        return (path(name), try SSHPublicKey(line: try String(contentsOfFile: path(name) + ".pub", encoding: .utf8)))
    }

    /// Writes a certificate beside a key and returns its path.
    func write(_ cert: SSHSignedCertificate, _ name: String) throws -> String {
        try (cert.line() + "\n").write(toFile: path(name), atomically: true, encoding: .utf8)
        return path(name)
    }

    func request(_ key: SSHPublicKey, principals: [String] = ["root"], from: Int64 = -60, to: Int64 = 600) -> SSHCertificateRequest {
        let now = Int64(Date().timeIntervalSince1970)
        var q = SSHCertificateRequest(key: key, type: .user, validAfter: UInt64(now + from), validBefore: UInt64(now + to))
        q.principals = principals
        q.keyID = "vouch-test"
        q.extensions = ["permit-pty"]
        return q
    }

    func testSSHDAcceptsUserCertificatesFromEveryCAType() throws {
        var cas: [(String, SSHCertificateAuthority)] = []
        for (name, kind, bits) in SSHCertificateTests.caKinds {
            cas.append((name, SSHCertificateAuthority(key: try SSHPrivateKey.generate(kind, bits: bits))))
        }
        let server = try SSHServer(dir: dir.appendingPathComponent("sshd"), trustedUserCAs: cas.map { $0.1.key.publicKey.line(comment: $0.0) })
        let subjects = [try userKey("user-ed25519"), try userKey("user-rsa", ["-t", "rsa", "-b", "2048"]), try userKey("user-p384", ["-t", "ecdsa", "-b", "384"])]
        for (i, (name, ca)) in cas.enumerated() {
            // every CA signs; the subject key type rotates so each appears
            let (keyPath, key) = subjects[i % subjects.count]
            var q = request(key)
            q.keyID = "login-\(name)"
            q.serial = UInt64(100 + i)
            let cert = try write(try ca.sign(q), "\(name)-cert.pub")
            let r = try server.login(user: "root", key: keyPath, certificate: cert)
            XCTAssertEqual(r.status, 0, "\(name): \(r.err)\n\(server.log)")
            XCTAssertEqual(r.out, "vouch-ok\n")
            if name == "rsa2048" {
                q.rsaSHA256 = true
                let r256 = try server.login(user: "root", key: keyPath, certificate: try write(try ca.sign(q), "rsa256-cert.pub"))
                XCTAssertEqual(r256.status, 0, "rsa-sha2-256: \(r256.err)")
            }
        }
        let log = server.log
        for (i, (name, _)) in cas.enumerated() {
            XCTAssertTrue(log.contains("Accepted certificate ID \"login-\(name)\" (serial \(100 + i))"), "sshd's log names \(name)'s certificate:\n\(log)")
        }
    }

    func testSSHDRefusesWhatItShould() throws {
        let ca = SSHCertificateAuthority(key: try SSHPrivateKey.generate(.ed25519))
        let otherCA = SSHCertificateAuthority(key: try SSHPrivateKey.generate(.ecdsaP256))
        let server = try SSHServer(dir: dir.appendingPathComponent("sshd"), trustedUserCAs: [ca.key.publicKey.line()])
        let (keyPath, key) = try userKey("user")

        // the control: the same key, CA and server let us in
        XCTAssertEqual(try server.login(user: "root", key: keyPath, certificate: try write(try ca.sign(request(key)), "ok-cert.pub")).status, 0,
                       server.log)

        func refused(_ cert: SSHSignedCertificate, _ name: String, because logLine: String, file: StaticString = #filePath, line: UInt = #line) throws {
            let r = try server.login(user: "root", key: keyPath, certificate: try write(cert, "\(name)-cert.pub"))
            XCTAssertEqual(r.status, 255, "\(name) must be refused: \(r.out)", file: file, line: line)
            XCTAssertTrue(r.err.contains("Permission denied"), "\(name): \(r.err)", file: file, line: line)
            // sshd says why; the log arrives asynchronously
            guard !logLine.isEmpty else { return }
            var log = ""
            for _ in 0..<40 {
                log = server.log
                if log.contains(logLine) { break }
                usleep(50_000)
            }
            XCTAssertTrue(log.contains(logLine), "\(name): sshd's log lacks \(logLine.debugDescription):\n\(log)", file: file, line: line)
        }
        try refused(try ca.sign(request(key, from: -7200, to: -3600)), "expired", because: "Certificate invalid: expired")
        try refused(try ca.sign(request(key, from: 3600, to: 7200)), "future", because: "Certificate invalid: not yet valid")
        try refused(try ca.sign(request(key, principals: ["alice"])), "principal", because: "Certificate invalid: name is not a listed principal")
        try refused(try otherCA.sign(request(key)), "otherca", because: "Failed publickey for root from 127.0.0.1 port")
        XCTAssertTrue(server.log.contains("CA ECDSA \(otherCA.key.publicKey.fingerprint)"), server.log)
        var q = request(key)
        q.criticalOptions = ["source-address": "192.0.2.0/24,2001:db8::/32"]
        try refused(try ca.sign(q), "source", because: "Authentication tried for root with valid certificate but not from a permitted source address")
        // and a source-address that includes the client is fine
        q.criticalOptions = ["source-address": "192.0.2.0/24,127.0.0.0/8"]
        XCTAssertEqual(try server.login(user: "root", key: keyPath, certificate: try write(try ca.sign(q), "src-ok-cert.pub")).status, 0)
        // a certificate for a different key than the one the client holds proves nothing
        let (_, otherKey) = try userKey("other")
        try refused(try ca.sign(request(otherKey)), "wrongkey", because: "")
        // force-command runs instead of what the client asked for
        q = request(key)
        q.criticalOptions = ["force-command": "echo forced"]
        let forced = try server.login(user: "root", key: keyPath, certificate: try write(try ca.sign(q), "forced-cert.pub"), command: "echo asked")
        XCTAssertEqual(forced.out, "forced\n", forced.err)
    }

    func testSSHAcceptsOurHostCertificateThroughCertAuthority() throws {
        let hostCA = SSHCertificateAuthority(key: try SSHPrivateKey.generate(.ecdsaP384))
        let userCA = SSHCertificateAuthority(key: try SSHPrivateKey.generate(.ed25519))
        // the host key is ours too (generated and written by Vouch, read by sshd)
        let hostKey = try SSHPrivateKey.generate(.ed25519)
        let hostKeyPath = path("ssh_host_key")
        try hostKey.openSSHFormat(comment: "host").write(toFile: hostKeyPath, atomically: true, encoding: .utf8)
        chmod(hostKeyPath, 0o600)
        let (keyPath, key) = try userKey("user")
        let userCert = try write(try userCA.sign(request(key)), "user-cert.pub")

        func hostCert(_ principals: [String]) throws -> String {
            let now = UInt64(Date().timeIntervalSince1970)
            var h = SSHCertificateRequest(key: hostKey.publicKey, type: .host, validAfter: now - 60, validBefore: now + 600)
            h.principals = principals
            h.keyID = "test host"
            return try hostCA.sign(h).line()
        }
        let server = try SSHServer(dir: dir.appendingPathComponent("good"), trustedUserCAs: [userCA.key.publicKey.line()],
                                   hostKey: hostKeyPath, hostCertificate: try hostCert(["127.0.0.1", "localhost"]))
        let knownHosts = path("known_hosts")
        try "@cert-authority [127.0.0.1]:\(server.port) \(hostCA.key.publicKey.line())\n".write(toFile: knownHosts, atomically: true, encoding: .utf8)
        let ok = try server.login(user: "root", key: keyPath, certificate: userCert, knownHosts: knownHosts)
        XCTAssertEqual(ok.status, 0, "\(ok.err)\n\(server.log)")
        XCTAssertEqual(ok.out, "vouch-ok\n")

        // a known_hosts that trusts another CA: ssh refuses the host (strict checking, no key to fall back on)
        let otherCA = SSHCertificateAuthority(key: try SSHPrivateKey.generate(.ed25519))
        let otherKnown = path("known_hosts_other")
        try "@cert-authority [127.0.0.1]:\(server.port) \(otherCA.key.publicKey.line())\n".write(toFile: otherKnown, atomically: true, encoding: .utf8)
        let bad = try server.login(user: "root", key: keyPath, certificate: userCert, knownHosts: otherKnown)
        XCTAssertEqual(bad.status, 255)
        XCTAssertTrue(bad.err.contains("Host key verification failed"), bad.err)

        // a host certificate naming another host is refused by ssh
        let wrong = try SSHServer(dir: dir.appendingPathComponent("wrong"), trustedUserCAs: [userCA.key.publicKey.line()],
                                  hostKey: hostKeyPath, hostCertificate: try hostCert(["db1.example.net"]))
        try "@cert-authority [127.0.0.1]:\(wrong.port) \(hostCA.key.publicKey.line())\n".write(toFile: knownHosts, atomically: true, encoding: .utf8)
        let named = try wrong.login(user: "root", key: keyPath, certificate: userCert, knownHosts: knownHosts)
        XCTAssertEqual(named.status, 255)
        XCTAssertTrue(named.err.contains("Certificate invalid: name is not a listed principal") || named.err.contains("Host key verification failed"),
                      named.err)
    }
}
