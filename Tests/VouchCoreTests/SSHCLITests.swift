// SSHCLITests.swift: `vouch ssh keygen | sign | inspect` as an operator runs them, checked
// by ssh-keygen: keys it reads, certificates it lists exactly as `vouch ssh inspect` does.
import Foundation
import VouchCore
import VouchTestSupport
import XCTest

extension CLITests {
    func sshDir() throws -> String {
        let d = pki.dir.appendingPathComponent("ssh-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    func testSSHKeygenWritesKeysSSHKeygenReads() throws {
        let d = try sshDir()
        for (type, bits, expected) in [("rsa", "2048", "2048"), ("rsa", nil, "4096"), ("ecdsa", nil, "256"), ("ecdsa", "384", "384"), ("ed25519", nil, "256")] {
            let out = "\(d)/\(type)\(bits ?? "")"
            var (rc, text, err) = try vouch(["ssh", "keygen", "--type", type, "--out", out, "--comment", "ops@example"] + (bits.map { ["--bits", $0] } ?? []))
            XCTAssertEqual(rc, 0, err)
            XCTAssertTrue(text.hasPrefix("\(expected) SHA256:"), text)
            let attrs = try FileManager.default.attributesOfItem(atPath: out)
            XCTAssertEqual((attrs[.posixPermissions] as? NSNumber)?.intValue, 0o600, "the private key is created 0600")
            let derived = try runProcess(["ssh-keygen", "-y", "-f", out])
            XCTAssertEqual(derived.status, 0, derived.err)
            XCTAssertEqual(derived.out.trimmingCharacters(in: .newlines), try String(contentsOfFile: out + ".pub", encoding: .utf8).trimmingCharacters(in: .newlines))
            // the line printed is ssh-keygen -l's
            let fp = try runProcess(["ssh-keygen", "-l", "-f", out + ".pub"])
            XCTAssertEqual(fp.out, text)
            // an existing key is not overwritten without --force
            (rc, _, err) = try vouch(["ssh", "keygen", "--type", type, "--out", out])
            XCTAssertEqual(rc, 2)
            XCTAssertTrue(err.contains("file_exists") && err.contains("--force"), err)
        }
        for bad in [["--type", "rsa", "--bits", "1024"], ["--type", "ecdsa", "--bits", "521"], ["--type", "ed25519", "--bits", "256"]] {
            let (rc, _, err) = try vouch(["ssh", "keygen", "--out", "\(d)/bad"] + bad)
            XCTAssertEqual(rc, 2, bad.joined(separator: " "))
            XCTAssertTrue(err.contains("invalid_bits"), err)
        }
        var (rc, _, err) = try vouch(["ssh", "keygen", "--type", "ed25519", "--out", "\(d)/c", "--comment", "ops\nssh-ed25519 AAAA x"])
        XCTAssertEqual(rc, 2)
        XCTAssertTrue(err.contains("invalid_comment"), err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(d)/c"), "nothing written")
        // a dangling symbolic link is an existing file too
        try FileManager.default.createSymbolicLink(atPath: "\(d)/link", withDestinationPath: "\(d)/nowhere")
        (rc, _, err) = try vouch(["ssh", "keygen", "--type", "ed25519", "--out", "\(d)/link"])
        XCTAssertTrue(rc == 2 && err.contains("file_exists"), err)
        (rc, _, err) = try vouch(["ssh", "keygen", "--type", "dsa", "--out", "\(d)/dsa"])
        XCTAssertEqual(rc, 2)
        XCTAssertTrue(err.contains("dsa"), err)
    }

    func testSSHSignAndInspectMatchSSHKeygen() throws {
        let d = try sshDir()
        XCTAssertEqual(try runProcess(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "alice@laptop", "-f", "\(d)/user"]).status, 0)
        for (type, bits) in [("rsa", "2048"), ("ecdsa", "256"), ("ecdsa", "384"), ("ed25519", nil)] {
            let ca = "\(d)/ca-\(type)\(bits ?? "")"
            XCTAssertEqual(try vouch(["ssh", "keygen", "--type", type, "--out", ca] + (bits.map { ["--bits", $0] } ?? [])).0, 0)
            var (rc, line, err) = try vouch([
                "ssh", "sign", "--ca-key", ca, "--public-key", "\(d)/user.pub", "--principal", "alice", "--principal", "ops",
                "--valid-seconds", "3600", "--type", "user", "--key-id", "alice via \(type)", "--serial", "77",
                "--critical-option", "source-address=10.0.0.0/8", "--critical-option", "force-command=/usr/bin/id",
            ])
            XCTAssertEqual(rc, 0, err)
            XCTAssertTrue(line.hasSuffix(" alice@laptop\n"), "the subject key's comment is kept: \(line)")
            let cert = "\(d)/user-\(type)\(bits ?? "")-cert.pub"
            try line.write(toFile: cert, atomically: true, encoding: .utf8)
            let listed = try runProcess(["ssh-keygen", "-L", "-f", cert])
            XCTAssertEqual(listed.status, 0, listed.err)
            (rc, line, err) = try vouch(["ssh", "inspect", cert])
            XCTAssertEqual(rc, 0, err)
            XCTAssertEqual(line, listed.out, "vouch ssh inspect prints what ssh-keygen -L prints")
            // ssh-keygen's default extensions for a user certificate
            XCTAssertTrue(listed.out.contains("        Extensions: \n" + ["permit-X11-forwarding", "permit-agent-forwarding", "permit-port-forwarding",
                                                                   "permit-pty", "permit-user-rc"].map { "                \($0)\n" }.joined()),
                          listed.out)
            XCTAssertTrue(listed.out.contains("Serial: 77") && listed.out.contains("Key ID: \"alice via \(type)\""), listed.out)
        }
        // chosen extensions replace the defaults; none at all on request; hosts get none
        let ca = "\(d)/ca-ed25519"
        var (rc, line, err) = try vouch(["ssh", "sign", "--ca-key", ca, "--public-key", "\(d)/user.pub", "--principal", "a",
                                          "--valid-seconds", "60", "--type", "user", "--extension", "permit-pty"])
        XCTAssertEqual(rc, 0, err)
        try line.write(toFile: "\(d)/pty-cert.pub", atomically: true, encoding: .utf8)
        (_, line, _) = try vouch(["ssh", "inspect", "\(d)/pty-cert.pub"])
        XCTAssertTrue(line.contains("Extensions: \n                permit-pty\n"), line)
        (rc, line, err) = try vouch(["ssh", "sign", "--ca-key", ca, "--public-key", "\(d)/user.pub", "--principal", "a",
                                      "--valid-seconds", "60", "--type", "user", "--no-default-extensions"])
        try line.write(toFile: "\(d)/none-cert.pub", atomically: true, encoding: .utf8)
        (_, line, _) = try vouch(["ssh", "inspect", "\(d)/none-cert.pub"])
        XCTAssertTrue(line.contains("Extensions: (none)"), line)
        (rc, line, err) = try vouch(["ssh", "sign", "--ca-key", ca, "--public-key", "\(d)/user.pub", "--principal", "db1.example.net",
                                      "--valid-seconds", "60", "--type", "host", "--backdate-seconds", "0"])
        XCTAssertEqual(rc, 0, err)
        try line.write(toFile: "\(d)/host-cert.pub", atomically: true, encoding: .utf8)
        let listed = try runProcess(["ssh-keygen", "-L", "-f", "\(d)/host-cert.pub"])
        (_, line, _) = try vouch(["ssh", "inspect", "\(d)/host-cert.pub"])
        XCTAssertEqual(line, listed.out)
        XCTAssertTrue(line.contains("host certificate") && line.contains("Extensions: (none)"), line)
    }

    func testSSHInspectReadsFilesAsSSHKeygenDoes() throws {
        let d = try sshDir()
        XCTAssertEqual(try runProcess(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "alice@laptop", "-f", "\(d)/user"]).status, 0)
        XCTAssertEqual(try runProcess(["ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-f", "\(d)/ca"]).status, 0)
        // certificates made by ssh-keygen -s with every kind of option ssh-keygen -L shows
        var lines: [String] = []
        for (i, opts) in [
            ["-O", "clear", "-O", "extension:login@github.com=octocat", "-O", "extension:e@x.com=", "-O", "extension:f@x.com", "-O", "permit-pty"],
            ["-O", "verify-required", "-O", "force-command=/bin/ls -l", "-O", "source-address=10.0.0.0/8,::1", "-O", "critical:zz@x.com=v"],
        ].enumerated() {
            try FileManager.default.copyItem(atPath: "\(d)/user.pub", toPath: "\(d)/s\(i).pub")
            let r = try runProcess(["ssh-keygen", "-q", "-s", "\(d)/ca", "-I", "id \(i)", "-n", "a,b", "-z", "\(i + 5)"] + opts + ["\(d)/s\(i).pub"])
            XCTAssertEqual(r.status, 0, r.err)
            lines.append(try String(contentsOfFile: "\(d)/s\(i)-cert.pub", encoding: .utf8))
            let listed = try runProcess(["ssh-keygen", "-L", "-f", "\(d)/s\(i)-cert.pub"])
            let (rc, out, err) = try vouch(["ssh", "inspect", "\(d)/s\(i)-cert.pub"])
            XCTAssertEqual(rc, 0, err)
            XCTAssertEqual(out, listed.out)
        }
        let first = try vouch(["ssh", "inspect", "\(d)/s0-cert.pub"]).1
        XCTAssertTrue(first.contains("login@github.com UNKNOWN OPTION: 000000076f63746f636174 (len 11)"), first)
        // several certificates, comments, blank and bad lines: FILE:N: headers, bad lines reported
        let mixed = "# certificates\n\n" + lines[0] + lines[1] + "garbage\n"
        try mixed.write(toFile: "\(d)/mixed", atomically: true, encoding: .utf8)
        let listed = try runProcess(["ssh-keygen", "-L", "-f", "\(d)/mixed"])
        var (rc, out, err) = try vouch(["ssh", "inspect", "\(d)/mixed"])
        XCTAssertEqual(rc, 0, err)
        XCTAssertEqual(out, listed.out)
        XCTAssertTrue(out.hasPrefix("\(d)/mixed:3:\n") && out.contains("\(d)/mixed:4:\n"), out)
        XCTAssertTrue(err.contains("\(d)/mixed:5: error (malformed_ssh)"), err)
        // standard input: "(stdin):N:"
        let bin = vouchBinary()
        let fromStdin = try runProcess([bin, "ssh", "inspect", "-"], input: Data(mixed.utf8))
        XCTAssertEqual(fromStdin.out, try runProcess(["ssh-keygen", "-L", "-f", "-"], input: Data(mixed.utf8)).out)
        XCTAssertTrue(fromStdin.out.hasPrefix("(stdin):3:\n"), fromStdin.out)
        // nothing usable: refused, exit 1
        try "# nothing\n\n".write(toFile: "\(d)/empty", atomically: true, encoding: .utf8)
        (rc, out, err) = try vouch(["ssh", "inspect", "\(d)/empty"])
        XCTAssertTrue(rc == 1 && out.isEmpty && err.contains("REFUSED (empty_input)"), err)
        // a known flag extension with data: sshd refuses such a certificate, and so do we
        try FileManager.default.copyItem(atPath: "\(d)/user.pub", toPath: "\(d)/f.pub")
        XCTAssertEqual(try runProcess(["ssh-keygen", "-q", "-s", "\(d)/ca", "-I", "f", "-n", "a", "-O", "clear", "-O", "extension:permit-pty=x",
                                       "\(d)/f.pub"]).status, 0)
        (rc, out, err) = try vouch(["ssh", "inspect", "\(d)/f-cert.pub"])
        XCTAssertTrue(rc == 1 && err.contains("is a flag but carries data"), err)
        // comma-separated principals, as ssh-keygen -n takes them
        XCTAssertEqual(try vouch(["ssh", "keygen", "--type", "ed25519", "--out", "\(d)/vca"]).0, 0)
        (rc, out, err) = try vouch(["ssh", "sign", "--ca-key", "\(d)/vca", "--public-key", "\(d)/user.pub", "--principal", "alice,bob",
                                    "--principal", "carol", "--valid-seconds", "60", "--type", "user"])
        XCTAssertEqual(rc, 0, err)
        XCTAssertEqual(try SSHCertificate(line: out).principals, ["alice", "bob", "carol"])
        (rc, out, err) = try vouch(["ssh", "sign", "--ca-key", "\(d)/vca", "--public-key", "\(d)/user.pub", "--principal", "alice,",
                                    "--valid-seconds", "60", "--type", "user"])
        XCTAssertTrue(rc == 2 && err.contains("invalid_principal"), err)
        // the comment survives a tab-separated key line
        try (try String(contentsOfFile: "\(d)/user.pub", encoding: .utf8)).replacingOccurrences(of: " alice", with: "\talice")
            .write(toFile: "\(d)/tab.pub", atomically: true, encoding: .utf8)
        (rc, out, err) = try vouch(["ssh", "sign", "--ca-key", "\(d)/vca", "--public-key", "\(d)/tab.pub", "--principal", "a",
                                    "--valid-seconds", "60", "--type", "user"])
        XCTAssertTrue(rc == 0 && out.hasSuffix(" alice@laptop\n"), out + err)
    }

    func testSSHSignAndInspectRefusals() throws {
        let d = try sshDir()
        XCTAssertEqual(try runProcess(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", "\(d)/user"]).status, 0)
        XCTAssertEqual(try runProcess(["ssh-keygen", "-q", "-t", "rsa", "-b", "1024", "-N", "", "-f", "\(d)/weak"]).status, 0)
        XCTAssertEqual(try runProcess(["ssh-keygen", "-q", "-t", "ed25519", "-N", "hunter2", "-f", "\(d)/encrypted"]).status, 0)
        XCTAssertEqual(try vouch(["ssh", "keygen", "--type", "ed25519", "--out", "\(d)/ca"]).0, 0)
        try "ssh-ed25519 AAAA!!!!\n".write(toFile: "\(d)/garbage.pub", atomically: true, encoding: .utf8)
        let sign = ["ssh", "sign", "--valid-seconds", "60", "--type", "user"]

        /// The operator's own inputs unusable: 2, "error (code)"; what is judged (the
        /// certificate `ssh inspect` reads) malformed: 1, "REFUSED (code)".
        func refused(_ args: [String], _ code: String, judged: Bool = false, file: StaticString = #filePath, line: UInt = #line) throws {
            let (rc, out, err) = try vouch(args)
            XCTAssertEqual(rc, judged ? 1 : 2, "\(args): \(out)", file: file, line: line)
            XCTAssertEqual(out, "", "nothing on stdout when refused", file: file, line: line)
            XCTAssertTrue(err.contains(judged ? "REFUSED (\(code))" : "error (\(code))"), "\(args): \(err)", file: file, line: line)
            XCTAssertFalse(err.contains("PRIVATE KEY") || err.contains("AAAA"), "never echo key material: \(err)", file: file, line: line)
        }
        try refused(sign + ["--ca-key", "\(d)/ca", "--public-key", "\(d)/user.pub"], "missing_principal")
        try refused(sign + ["--ca-key", "\(d)/ca", "--public-key", "\(d)/weak.pub", "--principal", "a"], "weak_key")
        try refused(sign + ["--ca-key", "\(d)/ca", "--public-key", "\(d)/garbage.pub", "--principal", "a"], "malformed_ssh")
        try refused(sign + ["--ca-key", "\(d)/ca", "--public-key", "\(d)/missing.pub", "--principal", "a"], "unreadable_file")
        try refused(sign + ["--ca-key", "\(d)/encrypted", "--public-key", "\(d)/user.pub", "--principal", "a"], "unsupported_key")
        try refused(sign + ["--ca-key", "\(d)/weak", "--public-key", "\(d)/user.pub", "--principal", "a"], "weak_key")
        try refused(sign + ["--ca-key", "\(d)/user.pub", "--public-key", "\(d)/user.pub", "--principal", "a"], "malformed_pem")
        try refused(sign + ["--ca-key", "\(d)/ca", "--public-key", "\(d)/user.pub", "--principal", "a", "--extension", "permit-root"],
                    "invalid_argument")
        try refused(sign + ["--ca-key", "\(d)/ca", "--public-key", "\(d)/user.pub", "--principal", "a", "--critical-option", "source-address=nowhere"],
                    "invalid_argument")
        try refused(sign + ["--ca-key", "\(d)/ca", "--public-key", "\(d)/user.pub", "--principal", "a", "--critical-option", "force-command=a",
                            "--critical-option", "force-command=b"], "duplicate_option")
        try refused(["ssh", "sign", "--valid-seconds", "0", "--type", "user", "--ca-key", "\(d)/ca", "--public-key", "\(d)/user.pub", "--principal", "a"],
                    "invalid_validity")
        // inspect: a public key, garbage, and a certificate whose signature was tampered with
        try refused(["ssh", "inspect", "\(d)/user.pub"], "unsupported_key", judged: true)
        try refused(["ssh", "inspect", "\(d)/garbage.pub"], "unsupported_key", judged: true)
        let (_, good, _) = try vouch(sign + ["--ca-key", "\(d)/ca", "--public-key", "\(d)/user.pub", "--principal", "a"])
        var blob = SSHWire.blob(ofLine: good)
        blob[blob.count - 10] ^= 1
        try SSHWire.line("ssh-ed25519-cert-v01@openssh.com", blob).write(toFile: "\(d)/tampered-cert.pub", atomically: true, encoding: .utf8)
        try refused(["ssh", "inspect", "\(d)/tampered-cert.pub"], "bad_signature", judged: true)
        try refused(["ssh", "inspect", "\(d)/nonexistent-cert.pub"], "unreadable_file")
    }
}
