// SSHRefusalTests.swift: what an attacker (or a broken tool) feeds the OpenSSH parsers
// and the certificate builder: malformed lines, truncated blobs, wrong lengths, unknown
// types, weak RSA, off-curve points, and certificates that break PROTOCOL.certkeys while
// carrying a good signature. Each is refused with the reason.
import CVouch
import Foundation
@testable import VouchCore
import VouchTestSupport
import XCTest

final class SSHRefusalTests: XCTestCase {
    typealias W = SSHWire

    static let keys: [String: String] = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vouch-sshref-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var out: [String: String] = [:]
        for (name, args) in [("rsa", ["-t", "rsa", "-b", "2048"]), ("rsa1024", ["-t", "rsa", "-b", "1024"]),
                             ("p256", ["-t", "ecdsa", "-b", "256"]), ("p384", ["-t", "ecdsa", "-b", "384"]),
                             ("p521", ["-t", "ecdsa", "-b", "521"]), ("ed25519", ["-t", "ed25519"])] {
            let f = dir.appendingPathComponent(name).path
            _ = try? runProcess(["ssh-keygen", "-q", "-N", "", "-f", f] + args)
            out[name] = (try? String(contentsOfFile: f + ".pub", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return out
    }()

    func blob(_ name: String) -> [UInt8] { W.blob(ofLine: Self.keys[name]!) }

    func refusedKey(_ blob: [UInt8], _ code: String, _ words: String = "", file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SSHPublicKey(blob: blob), file: file, line: line) {
            let e = $0 as? VouchError
            XCTAssertEqual(e?.code, code, "\($0)", file: file, line: line)
            XCTAssertTrue(words.isEmpty || e?.message.contains(words) == true, "\($0) lacks \(words)", file: file, line: line)
        }
    }

    func refusedLine(_ text: String, _ code: String, _ words: String = "", file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SSHPublicKey(line: text), file: file, line: line) {
            let e = $0 as? VouchError
            XCTAssertEqual(e?.code, code, "\($0)", file: file, line: line)
            XCTAssertTrue(words.isEmpty || e?.message.contains(words) == true, "\($0) lacks \(words)", file: file, line: line)
        }
    }

    func testGoodKeysParseAndRoundTrip() throws {
        for name in ["rsa", "p256", "p384", "p521", "ed25519"] {
            let k = try SSHPublicKey(line: Self.keys[name]!)
            XCTAssertEqual(k.blob, blob(name))
            XCTAssertEqual(k.line(), W.line(k.typeName, blob(name)))
        }
    }

    func testMalformedKeyLines() throws {
        let ed = Self.keys["ed25519"]!
        let b64 = ed.split(separator: " ")[1]
        refusedLine("", "malformed_ssh")
        refusedLine("ssh-ed25519", "malformed_ssh")
        refusedLine("ssh-ed25519 !!!!not-base64!!!!", "malformed_ssh", "base64")
        refusedLine("ssh-ed25519 \(b64.dropLast(3))", "malformed_ssh", "base64")
        refusedLine("ssh-rsa \(b64) mismatched", "malformed_ssh", "type")
        refusedLine("command=\"/bin/sh\" ssh-ed25519 \(b64)", "unsupported_key", "options before the key type")
        refusedLine("ssh-ed25519-cert-v01@openssh.com \(b64)", "unsupported_key", "a certificate, not a public key")
        refusedLine("ssh-dss \(Data(W.string("ssh-dss") + W.string([1, 2, 3])).base64EncodedString())", "unsupported_key", "ssh-dss")
        refusedLine("ssh-ed25519\u{0}\(b64)", "malformed_ssh")
        // a certificate is not a public key
        refusedKey(W.string("ssh-ed25519-cert-v01@openssh.com") + W.string([UInt8](repeating: 0, count: 32)), "unsupported_key", "certificate")
    }

    func testTruncatedBlobsAreRefusedAtEveryLength() throws {
        for name in ["rsa", "p256", "p384", "p521", "ed25519"] {
            let full = blob(name)
            for n in 0..<full.count {
                XCTAssertThrowsError(try SSHPublicKey(blob: Array(full.prefix(n))), "\(name) cut at \(n)") {
                    XCTAssertEqual(($0 as? VouchError)?.isInputError, true, "\(name) cut at \(n): \($0)")
                }
            }
            refusedKey(full + [0], "malformed_ssh", "after the key")
        }
    }

    func testWrongLengthsInsideTheWireFormat() throws {
        let ed = W.strings(blob("ed25519"))!
        refusedKey(W.string("ssh-ed25519") + W.string(Array(ed[1].prefix(31))), "malformed_ssh", "32 bytes")
        refusedKey(W.string("ssh-ed25519") + W.string(ed[1] + [0]), "malformed_ssh", "32 bytes")
        // a length field claiming more than is there, and one claiming 4 GiB
        refusedKey(W.string("ssh-ed25519") + W.u32(33) + ed[1], "malformed_ssh")
        refusedKey(W.string("ssh-ed25519") + W.u32(0xFFFF_FFFF) + ed[1], "malformed_ssh")
        refusedKey(W.u32(0xFFFF_FFF0) + Array("ssh-ed25519".utf8), "malformed_ssh")
        let p = W.strings(blob("p256"))!
        refusedKey(W.string("ecdsa-sha2-nistp256") + W.string("nistp384") + W.string(p[2]), "malformed_ssh", "curve")
        refusedKey(W.string("ecdsa-sha2-nistp256") + W.string("nistp256") + W.string(Array(p[2].prefix(64))), "malformed_ssh", "uncompressed")
        var compressed = Array(p[2].prefix(33))
        compressed[0] = 0x02
        refusedKey(W.string("ecdsa-sha2-nistp256") + W.string("nistp256") + W.string(compressed), "malformed_ssh", "uncompressed")
        // RSA mpints: negative, or with a needless leading zero
        let r = W.strings(blob("rsa"))!
        refusedKey(W.string("ssh-rsa") + W.string([0x81]) + W.string(r[2]), "malformed_ssh")
        refusedKey(W.string("ssh-rsa") + W.string([0, 1, 0, 1]) + W.string(r[2]), "malformed_ssh")
        // sk keys need their application string
        refusedKey(W.string("sk-ssh-ed25519@openssh.com") + W.string(ed[1]), "malformed_ssh", "application")
    }

    func testWeakRSAAndOffCurvePoints() throws {
        refusedLine(Self.keys["rsa1024"]!, "weak_key", "1024 bits")
        let r = W.strings(blob("rsa"))!
        var even = r[1]
        even[even.count - 1] &= 0xFE
        refusedKey(W.string("ssh-rsa") + W.string(even) + W.string(r[2]), "weak_key", "exponent")
        refusedKey(W.string("ssh-rsa") + W.string([1]) + W.string(r[2]), "weak_key", "exponent")
        for (name, curve) in [("p256", "nistp256"), ("p384", "nistp384"), ("p521", "nistp521")] {
            let p = W.strings(blob(name))!
            var point = p[2]
            point[point.count - 1] ^= 0x01
            refusedKey(W.string(p[0]) + W.string(curve) + W.string(point), "weak_key", "not on its curve")
            // the point at infinity's encoding padded to size: (0, 0)
            let zero = [0x04] + [UInt8](repeating: 0, count: point.count - 1)
            refusedKey(W.string(p[0]) + W.string(curve) + W.string(zero), "weak_key", "not on its curve")
        }
    }

    // ---- certificates that break the rules, signed by a real CA key ----

    struct Body {
        var type = "ssh-ed25519-cert-v01@openssh.com"
        var nonce = [UInt8](repeating: 7, count: 32)
        var keyFields: [UInt8]
        var serial: UInt64 = 1
        var certType: UInt32 = 1
        var keyID = "crafted"
        var principals = ["alice"]
        var validAfter: UInt64 = 1_700_000_000
        var validBefore: UInt64 = 4_000_000_000
        var options: [(String, [UInt8])] = []
        var extensions: [(String, [UInt8])] = [("permit-pty", [])]
        var reserved: [UInt8] = []
        var signatureKey: [UInt8]

        func encoded() -> [UInt8] {
            func opts(_ o: [(String, [UInt8])]) -> [UInt8] { o.flatMap { W.string($0.0) + W.string($0.1) } }
            return W.string(type) + W.string(nonce) + keyFields + W.u64(serial) + W.u32(certType) + W.string(keyID)
                + W.string(principals.flatMap { W.string($0) }) + W.u64(validAfter) + W.u64(validBefore)
                + W.string(opts(options)) + W.string(opts(extensions)) + W.string(reserved) + W.string(signatureKey)
        }
    }

    /// Signs bytes with a CA key through the core's signing call (the same one certificates use).
    func sign(_ data: [UInt8], with ca: SSHPrivateKey) -> [UInt8] {
        var sig: UnsafeMutablePointer<UInt8>?
        var n = 0
        XCTAssertEqual(vouch_ssh_privkey_sign(ca.raw, data, data.count, 0, &sig, &n), 0)
        defer { free(sig) }
        return W.string(Array(UnsafeBufferPointer(start: sig, count: n)))
    }

    func refusedCert(_ blob: [UInt8], _ code: String, _ words: String = "", file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SSHCertificate(blob: blob), file: file, line: line) {
            let e = $0 as? VouchError
            XCTAssertEqual(e?.code, code, "\($0)", file: file, line: line)
            XCTAssertTrue(words.isEmpty || e?.message.contains(words) == true, "\($0) lacks \(words)", file: file, line: line)
        }
    }

    func testCraftedCertificatesAreRefusedWithTheirReason() throws {
        let ca = try SSHPrivateKey.generate(.ed25519)
        let other = try SSHPrivateKey.generate(.ed25519)
        let edFields = Array(blob("ed25519").dropFirst(4 + "ssh-ed25519".utf8.count))
        let good = Body(keyFields: edFields, signatureKey: ca.publicKey.blob)
        func signed(_ b: Body, by key: SSHPrivateKey? = nil) -> [UInt8] { b.encoded() + sign(b.encoded(), with: key ?? ca) }

        // the control: a hand-built certificate that follows the rules parses
        let ok = try SSHCertificate(blob: signed(good))
        XCTAssertEqual(ok.keyID, "crafted")
        XCTAssertEqual(ok.blob, signed(good), "Ed25519 signatures are deterministic")
        XCTAssertEqual(ok.reencoded(), ok.blob)

        var b = good
        b.extensions = [("permit-pty", []), ("permit-X11-forwarding", [])]
        refusedCert(signed(b), "malformed_ssh", "not sorted")
        b.extensions = [("permit-pty", []), ("permit-pty", [])]
        refusedCert(signed(b), "malformed_ssh", "not sorted and unique")
        b = good
        b.options = [("source-address", W.string("10.0.0.0/8")), ("force-command", W.string("/bin/true"))]
        refusedCert(signed(b), "malformed_ssh", "critical options are not sorted")
        b.options = [("force-command", Array("/bin/true".utf8))]
        refusedCert(signed(b), "malformed_ssh", "not one string")
        b = good
        b.reserved = [1]
        refusedCert(signed(b), "malformed_ssh", "reserved")
        b = good
        b.certType = 3
        refusedCert(signed(b), "malformed_ssh", "neither user nor host")
        b = good
        b.validAfter = b.validBefore
        refusedCert(signed(b), "malformed_ssh", "valid after")
        b = good
        b.nonce = [1, 2, 3]
        refusedCert(signed(b), "malformed_ssh", "nonce")
        b = good
        b.type = "ssh-dss-cert-v01@openssh.com"
        refusedCert(signed(b), "unsupported_key", "ssh-dss")
        b = good
        b.type = "ecdsa-sha2-nistp256-cert-v01@openssh.com"
        refusedCert(signed(b), "malformed_ssh")
        b = good
        b.principals = ["ali\u{0}ce"]
        refusedCert(signed(b), "malformed_ssh", "principals")

        // an option whose value is an empty string (data 00 00 00 00) differs from a flag
        // (empty data): both parse, and re-encoding keeps each one's bytes
        b = good
        b.options = [("force-command", W.string(""))]
        b.extensions = [("e@example.com", W.string("")), ("permit-pty", [])]
        let emptyValues = try SSHCertificate(blob: signed(b))
        XCTAssertEqual(emptyValues.reencoded(), signed(b))
        XCTAssertEqual(emptyValues.optionData(critical: false).map(\.data), [[0, 0, 0, 0], []])
        // as sshd: a known flag carries no data, force-command and source-address a value
        b = good
        b.extensions = [("permit-pty", W.string(""))]
        refusedCert(signed(b), "malformed_ssh", "extension permit-pty is a flag but carries data")
        b = good
        b.options = [("verify-required", W.string("yes"))]
        refusedCert(signed(b), "malformed_ssh", "critical option verify-required is a flag")
        b.options = [("source-address", [])]
        refusedCert(signed(b), "malformed_ssh", "critical option source-address has no value")
        // at most 256 options or extensions in a field
        b = good
        b.extensions = (0..<257).map { (String(format: "x%03d@example.com", $0), []) }
        refusedCert(signed(b), "malformed_ssh", "more than 256 extensions")
        b.extensions.removeLast()
        XCTAssertEqual(try SSHCertificate(blob: signed(b)).extensions.count, 256)

        // signatures: tampered, by another key, with data after, of the wrong algorithm
        var tampered = signed(good)
        tampered[60] ^= 0x01
        refusedCert(tampered, "bad_signature", "does not verify")
        refusedCert(good.encoded() + sign(good.encoded(), with: other), "bad_signature")
        refusedCert(signed(good) + [0], "malformed_ssh", "trailing")
        let edSig = W.strings(Array(sign(good.encoded(), with: ca).dropFirst(4)))!
        refusedCert(good.encoded() + W.string(W.string("ecdsa-sha2-nistp256") + W.string(edSig[1])), "key_algorithm_mismatch")
        refusedCert(good.encoded() + W.string(W.string("ssh-rsa") + W.string(edSig[1])), "weak_algorithm", "SHA-1")
        refusedCert(good.encoded() + W.string(W.string("x-unknown") + W.string(edSig[1])), "weak_algorithm", "unknown")

        // a security-key CA cannot sign certificates we accept
        b = good
        b.signatureKey = W.string("sk-ssh-ed25519@openssh.com") + Array(ca.publicKey.blob.dropFirst(4 + 11)) + W.string("ssh:")
        refusedCert(signed(b), "unsupported_key", "security-key")

        // truncated at every length: refused, never a crash
        let full = signed(good)
        for n in 0..<full.count {
            XCTAssertThrowsError(try SSHCertificate(blob: Array(full.prefix(n))), "cut at \(n)")
        }
        // a line whose type is not the certificate's
        XCTAssertThrowsError(try SSHCertificate(line: W.line("ssh-rsa-cert-v01@openssh.com", full))) {
            XCTAssertEqual(($0 as? VouchError)?.code, "malformed_ssh", "\($0)")
        }
    }

    func testCertificateRequestRefusals() throws {
        let ca = SSHCertificateAuthority(key: try SSHPrivateKey.generate(.ed25519))
        let key = try SSHPublicKey(line: Self.keys["ed25519"]!)
        let base = SSHCertificateRequest(key: key, type: .user, validAfter: 1_700_000_000, validBefore: 1_700_003_600)
        func refused(_ change: (inout SSHCertificateRequest) -> Void, _ words: String, file: StaticString = #filePath, line: UInt = #line) {
            var q = base
            q.principals = ["alice"]
            change(&q)
            XCTAssertThrowsError(try ca.sign(q), file: file, line: line) {
                let e = $0 as? VouchError
                XCTAssertEqual(e?.code, "invalid_argument", "\($0)", file: file, line: line)
                XCTAssertTrue(words.isEmpty || e?.message.contains(words) == true, "\($0) lacks \(words)", file: file, line: line)
            }
        }
        refused({ $0.extensions = ["permit-everything"] }, "unknown extension")
        refused({ $0.extensions = ["no-touch-required"] }, "security-key")
        refused({ $0.criticalOptions = ["no-pty": ""] }, "unknown critical option")
        refused({ $0.criticalOptions = ["force-command": ""] }, "force-command needs a command")
        refused({ $0.criticalOptions = ["source-address": "10.0.0.0/33"] }, "source-address")
        refused({ $0.criticalOptions = ["source-address": "example.com"] }, "source-address")
        refused({ $0.criticalOptions = ["source-address": "10.0.0.1,"] }, "source-address")
        refused({ $0.criticalOptions = ["verify-required": "yes"] }, "verify-required takes no value")
        refused({ $0.principals = ["al ice"] }, "principal 0")
        refused({ $0.principals = [""] }, "principal 0")
        refused({ $0.keyID = "line\nbreak" }, "key id")
        refused({ $0.validBefore = $0.validAfter }, "valid after")
        refused({ $0.type = .host; $0.extensions = ["permit-pty"] }, "host certificates")
        refused({ $0.extensions = ["permit-pty", "permit-pty"] }, "given twice")
        // C reads strings up to a NUL: one inside would sign a different principal than asked
        refused({ $0.principals = ["root\u{0}.evil"] }, "NUL")
        refused({ $0.keyID = "id\u{0}x" }, "NUL")
        refused({ $0.criticalOptions = ["force-command": "/bin/true\u{0}; rm"] }, "NUL")
        // and a good one with every knob still signs
        var q = base
        q.principals = ["alice"]
        q.criticalOptions = ["source-address": "10.0.0.1,2001:db8::/48", "force-command": "true", "verify-required": ""]
        q.extensions = ["permit-user-rc", "vouch@example.com"]
        XCTAssertEqual(try ca.sign(q).parse().criticalOptions.map(\.name), ["force-command", "source-address", "verify-required"])
    }
}
