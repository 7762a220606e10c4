// KRLTests.swift: OpenSSH key revocation lists (vouch_krl.h, KRL.swift, `vouch ssh krl`)
// against the real OpenSSH: `ssh-keygen -Q` agrees with us on KRLs we build (by serial, key
// ID, public key, revoked CA key; every CA type) and we agree with it on KRLs `ssh-keygen -k`
// builds (serial lists, ranges and bitmaps, key IDs, explicit keys, SHA-1 and SHA-256
// fingerprints, the any-CA section); a real sshd with RevokedKeys pointing at our KRL refuses
// the revoked certificate and admits its sibling; every refusal of the parser, the encoder
// and the command line has a test that fails without it.
import Foundation
import VouchCore
import VouchTestSupport
import XCTest

final class KRLTests: XCTestCase {
    typealias W = SSHWire
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("vouch-krl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { if let dir { try? FileManager.default.removeItem(at: dir) } }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// A key pair from ssh-keygen: (private key path, public key).
    func sshKey(_ name: String, _ args: [String] = ["-t", "ed25519"]) throws -> (String, SSHPublicKey) {
        let r = try runProcess(["ssh-keygen", "-q", "-N", "", "-C", "\(name)@test", "-f", path(name)] + args)
        XCTAssertEqual(r.status, 0, r.err)
        return (path(name), try SSHPublicKey(line: try String(contentsOfFile: path(name) + ".pub", encoding: .utf8)))
    }

    @discardableResult
    func write(_ bytes: [UInt8], _ name: String) throws -> String {
        try Data(bytes).write(to: URL(fileURLWithPath: path(name)))
        return path(name)
    }

    func write(_ text: String, _ name: String) throws -> String {
        try text.write(toFile: path(name), atomically: true, encoding: .utf8)
        return path(name)
    }

    func sign(_ ca: SSHCertificateAuthority, _ key: SSHPublicKey, serial: UInt64, id: String) throws -> SSHSignedCertificate {
        let now = UInt64(Date().timeIntervalSince1970)
        var q = SSHCertificateRequest(key: key, type: .user, validAfter: now - 60, validBefore: now + 600)
        q.serial = serial
        q.keyID = id
        q.principals = ["root"]
        q.extensions = ["permit-pty"]
        return try ca.sign(q)
    }

    /// `ssh-keygen -Q -f krl files...`: exit status and, per file, whether it says REVOKED.
    func sshKeygenQ(_ krl: String, _ files: [String]) throws -> (Int32, [String: Bool], String) {
        let r = try runProcess(["ssh-keygen", "-Q", "-f", krl] + files)
        var verdicts: [String: Bool] = [:]
        for line in r.out.split(separator: "\n") {
            guard let file = files.first(where: { line.hasPrefix($0 + " (") }) else { continue }
            verdicts[file] = line.hasSuffix(": REVOKED")
        }
        XCTAssertEqual(verdicts.count, files.count, "ssh-keygen -Q: \(r.out)\(r.err)")
        return (r.status, verdicts, r.out + r.err)
    }

    /// One subject to judge: a certificate or a plain key, written to a file.
    enum Subject {
        case cert(SSHSignedCertificate)
        case key(SSHPublicKey)
    }

    /// Writes the subjects, asks ssh-keygen -Q and our list, and checks that both agree with
    /// what is expected (nil: not revoked; else the reason we give).
    func agree(_ krlBytes: [UInt8], _ cases: [(String, Subject, SSHKRL.Revocation.Reason?)], ofCAKey: Set<String> = [],
               file: StaticString = #filePath, line: UInt = #line) throws {
        let krl = try write(krlBytes, "agree-\(UUID().uuidString).krl")
        let list = try SSHRevocationList(bytes: krlBytes)
        var files: [String] = []
        for (name, subject, expected) in cases {
            let f = path("\(name)-\(UUID().uuidString).pub")
            let ours: SSHKRL.Revocation?
            switch subject {
            case .cert(let c):
                try (c.line(comment: name) + "\n").write(toFile: f, atomically: true, encoding: .utf8)
                ours = list.isRevoked(try c.parse())
                XCTAssertEqual(try list.isRevoked(blob: c.blob)?.reason, ours?.reason, name, file: file, line: line)
            case .key(let k):
                try (k.line(comment: name) + "\n").write(toFile: f, atomically: true, encoding: .utf8)
                ours = list.isRevoked(k)
                XCTAssertEqual(try list.isRevoked(blob: k.blob)?.reason, ours?.reason, name, file: file, line: line)
            }
            XCTAssertEqual(ours?.reason, expected, "\(name): \(ours?.message ?? "not revoked")", file: file, line: line)
            XCTAssertEqual(ours?.ofCAKey ?? false, ofCAKey.contains(name), "\(name): \(ours?.message ?? "")", file: file, line: line)
            files.append(f)
        }
        let (status, theirs, out) = try sshKeygenQ(krl, files)
        for (i, (name, _, expected)) in cases.enumerated() {
            XCTAssertEqual(theirs[files[i]], expected != nil, "ssh-keygen -Q on \(name): \(out)", file: file, line: line)
        }
        XCTAssertEqual(status, cases.contains { $0.2 != nil } ? 1 : 0, out, file: file, line: line)
    }

    // MARK: - our KRLs, read by ssh-keygen

    func testSSHKeygenAgreesWithOurKRLForEveryCAType() throws {
        let (_, user) = try sshKey("user")
        let (_, stolen) = try sshKey("stolen", ["-t", "ecdsa"])
        let other = SSHCertificateAuthority(key: try SSHPrivateKey.generate(.ed25519))
        let revokedCA = SSHCertificateAuthority(key: try SSHPrivateKey.generate(.ecdsaP256))
        for (name, kind, bits) in [("ed25519", SSHKeyKind.ed25519, 0), ("p256", .ecdsaP256, 0), ("p384", .ecdsaP384, 0), ("rsa", .rsa, 2048)] {
            let ca = SSHCertificateAuthority(key: try SSHPrivateKey.generate(kind, bits: bits))
            let krl = SSHKRL(version: 3, generatedDate: 1_700_000_000, comment: "revoked by \(name)", certificates: [
                .init(caKey: ca.key.publicKey, serials: [10, 11, 500], keyIDs: ["compromised laptop"]),
                .init(caKey: ca.key.publicKey.blob, serials: [20...30]),  // the same CA again: merged
            ], revokedKeys: [stolen.blob, revokedCA.key.publicKey.blob])
            try agree(try krl.encoded(), [
                ("\(name)-serial10", .cert(try sign(ca, user, serial: 10, id: "a")), .serial),
                ("\(name)-serial500", .cert(try sign(ca, user, serial: 500, id: "a")), .serial),
                ("\(name)-range20", .cert(try sign(ca, user, serial: 20, id: "a")), .serial),
                ("\(name)-range30", .cert(try sign(ca, user, serial: 30, id: "a")), .serial),
                ("\(name)-serial12", .cert(try sign(ca, user, serial: 12, id: "a")), nil),
                ("\(name)-serial31", .cert(try sign(ca, user, serial: 31, id: "a")), nil),
                ("\(name)-keyid", .cert(try sign(ca, user, serial: 99, id: "compromised laptop")), .keyID),
                ("\(name)-keyid-prefix", .cert(try sign(ca, user, serial: 99, id: "compromised")), nil),
                ("\(name)-serial0", .cert(try sign(ca, user, serial: 0, id: "a")), nil),
                // the same serial and key ID from another CA: not revoked
                ("\(name)-otherca-serial10", .cert(try sign(other, user, serial: 10, id: "a")), nil),
                ("\(name)-otherca-keyid", .cert(try sign(other, user, serial: 99, id: "compromised laptop")), nil),
                // a revoked key: its certificates too, whatever CA signed them
                ("\(name)-stolen-cert", .cert(try sign(ca, stolen, serial: 12, id: "a")), .keySHA256),
                ("\(name)-stolen-otherca", .cert(try sign(other, stolen, serial: 1, id: "a")), .keySHA256),
                ("\(name)-stolen-key", .key(stolen), .keySHA256),
                ("\(name)-user-key", .key(user), nil),
                // a revoked CA key: everything it signed
                ("\(name)-revoked-ca", .cert(try sign(revokedCA, user, serial: 1, id: "a")), .keySHA256),
            ], ofCAKey: ["\(name)-revoked-ca"])
            // the reason names what matched
            let list = try SSHRevocationList(bytes: try krl.encoded())
            let r = try XCTUnwrap(list.isRevoked(try sign(ca, user, serial: 25, id: "a").parse()))
            XCTAssertEqual(r.serials, 20...30)
            XCTAssertFalse(r.anyCA)
            XCTAssertTrue(r.message.contains("serial 25 is revoked (in the range 20-30) for its CA \(ca.key.publicKey.fingerprint)"), r.message)
        }
    }

    func testTheAnyCASectionRevokesAKeyIDForEveryCA() throws {
        let (_, user) = try sshKey("user")
        let a = SSHCertificateAuthority(key: try SSHPrivateKey.generate(.ed25519))
        let b = SSHCertificateAuthority(key: try SSHPrivateKey.generate(.ecdsaP256))
        let krl = SSHKRL(generatedDate: 1, certificates: [.init(caKey: nil as [UInt8]?, keyIDs: ["fired"]), .init(caKey: a.key.publicKey, serials: [3])])
        try agree(try krl.encoded(), [
            ("a-fired", .cert(try sign(a, user, serial: 1, id: "fired")), .keyID),
            ("b-fired", .cert(try sign(b, user, serial: 1, id: "fired")), .keyID),
            ("a-3", .cert(try sign(a, user, serial: 3, id: "x")), .serial),
            ("b-3", .cert(try sign(b, user, serial: 3, id: "x")), nil),
        ])
        let fired = try XCTUnwrap(try krl.isRevoked(try sign(b, user, serial: 1, id: "fired").parse()))
        XCTAssertTrue(fired.anyCA && fired.reason == .keyID, fired.message)
        XCTAssertTrue(fired.message.contains("the certificate's key ID \"fired\" is revoked for every CA"), fired.message)
        // the every-CA section comes first and is read back with no CA key
        let back = try SSHKRL(parsing: try krl.encoded())
        XCTAssertEqual(back.certificates.map(\.caKey), [nil, a.key.publicKey.blob])
        XCTAssertEqual(back.certificates[0].keyIDs, ["fired"])
    }

    /// The call the server makes: one CA's line, serials, key IDs, revoked key blobs.
    func testBuildForOneCA() throws {
        let ca = SSHCertificateAuthority(key: try SSHPrivateKey.generate(.ed25519))
        let (_, user) = try sshKey("user")
        let (_, lost) = try sshKey("lost")
        let bytes = try SSHKRL.build(caKey: ca.key.publicKey.line(comment: "vouch ca"), serials: [7, 8, 9, 12], keyIDs: ["gone"],
                                     revokedKeys: [lost.blob], version: 42, generatedDate: 1_700_000_000)
        let krl = try SSHKRL(parsing: bytes)
        XCTAssertEqual(krl.version, 42)
        XCTAssertEqual(krl.generatedDate, 1_700_000_000)
        XCTAssertEqual(krl.certificates, [SSHKRL.CASection(caKey: ca.key.publicKey.blob, serials: [7...9, 12...12], keyIDs: ["gone"])])
        XCTAssertEqual(krl.revokedKeyHashes, [SSHKRL.sha256(ofKey: lost.blob)])
        XCTAssertEqual(try krl.isRevoked(try sign(ca, user, serial: 8, id: "x").parse())?.reason, .serial)
        XCTAssertNil(try krl.isRevoked(try sign(ca, user, serial: 10, id: "x").parse()))
        XCTAssertEqual(try krl.isRevoked(lost)?.reason, .keySHA256)
        XCTAssertThrowsError(try SSHKRL.build(caKey: "ssh-ed25519 AAAA", serials: [1], version: 1, generatedDate: 1))
    }

    // MARK: - ssh-keygen's KRLs, read by us

    func testSSHKeygenKRLsParseAndWeAgreeWithIt() throws {
        let (caPath, _) = try sshKey("ca")
        let ca = SSHCertificateAuthority(key: try SSHPrivateKey(pem: Array(try Data(contentsOf: URL(fileURLWithPath: caPath)))))
        let other = SSHCertificateAuthority(key: try SSHPrivateKey.generate(.ed25519))
        let (_, user) = try sshKey("user")
        let (stolenPath, stolen) = try sshKey("stolen", ["-t", "ecdsa", "-b", "384"])
        let (h1Path, h1) = try sshKey("h1")
        let (h256Path, h256) = try sshKey("h256", ["-t", "rsa", "-b", "2048"])
        let (fpPath, fpKey) = try sshKey("fp")
        let fp = try runProcess(["ssh-keygen", "-l", "-f", fpPath + ".pub"]).out.split(separator: " ")[1]
        // 5, 10-20 and 48 make a bitmap; the big ranges range sections; the sparse ones a list
        var spec = """
            # revoked by hand
            serial: 5
            serial: 10-20
            serial: 48
            serial: 1000-2000000
            serial: 18446744073709551000-18446744073709551614
            id: bad id
            sha1: \(try String(contentsOfFile: h1Path + ".pub", encoding: .utf8))
            sha256: \(try String(contentsOfFile: h256Path + ".pub", encoding: .utf8))
            hash: \(fp)

            """
        let sparse: [UInt64] = [3_000_001, 7_777_777, 123_456_789_012, 1 << 40, 5_000_000_000_000]
        spec += sparse.map { "serial: \($0)\n" }.joined()
        let specPath = try write(spec, "spec")
        let krlPath = path("ssh-keygen.krl")
        let made = try runProcess(["ssh-keygen", "-k", "-f", krlPath, "-s", caPath + ".pub", "-z", "9", specPath, stolenPath + ".pub"])
        XCTAssertEqual(made.status, 0, made.err)
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: krlPath)))
        // the sections ssh-keygen chose: a bitmap (0x22), ranges (0x21), a list (0x20), key IDs, explicit key, SHA-1, SHA-256
        for sub: UInt8 in [0x20, 0x21, 0x22, 0x23] { XCTAssertTrue(bytes.contains(sub), "subsection 0x\(String(sub, radix: 16)) expected") }

        let krl = try SSHKRL(parsing: bytes)
        XCTAssertEqual(krl.version, 9)
        XCTAssertEqual(krl.certificates.count, 1)
        XCTAssertEqual(krl.certificates[0].caKey, ca.key.publicKey.blob)
        XCTAssertEqual(krl.certificates[0].serials,
                       [5...5, 10...20, 48...48, 1000...2_000_000, 3_000_001...3_000_001, 7_777_777...7_777_777, 123_456_789_012...123_456_789_012,
                        (1 << 40)...(1 << 40), 5_000_000_000_000...5_000_000_000_000, 18_446_744_073_709_551_000...18_446_744_073_709_551_614])
        XCTAssertEqual(krl.certificates[0].keyIDs, ["bad id"])
        XCTAssertEqual(krl.revokedKeys, [stolen.blob])
        XCTAssertEqual(krl.revokedSHA1Hashes, [SSHKRL.sha1(ofKey: h1.blob)])
        XCTAssertEqual(krl.revokedKeyHashes, [SSHKRL.sha256(ofKey: h256.blob), SSHKRL.sha256(ofKey: fpKey.blob)].sorted { $0.lexicographicallyPrecedes($1) })

        var cases: [(String, Subject, SSHKRL.Revocation.Reason?)] = []
        for s: UInt64 in [4, 5, 6, 9, 10, 15, 20, 21, 47, 48, 49, 999, 1000, 2_000_000, 2_000_001, 3_000_001, 1 << 40, (1 << 40) + 1,
                          18_446_744_073_709_550_999, 18_446_744_073_709_551_000, 18_446_744_073_709_551_614, .max] {
            let revoked = krl.certificates[0].serials.contains { $0.contains(s) }
            cases.append(("serial\(s)", .cert(try sign(ca, user, serial: s, id: "x")), revoked ? .serial : nil))
            cases.append(("other\(s)", .cert(try sign(other, user, serial: s, id: "x")), nil))
        }
        cases += [
            ("badid", .cert(try sign(ca, user, serial: 7, id: "bad id")), .keyID),
            ("stolen-cert", .cert(try sign(ca, stolen, serial: 7, id: "x")), .explicitKey),
            ("stolen", .key(stolen), .explicitKey),
            ("h1", .key(h1), .keySHA1),
            ("h1-cert", .cert(try sign(other, h1, serial: 7, id: "x")), .keySHA1),
            ("h256", .key(h256), .keySHA256),
            ("fp-cert", .cert(try sign(other, fpKey, serial: 7, id: "x")), .keySHA256),
            ("user", .key(user), nil),
        ]
        try agree(bytes, cases)
        // encoded again by us (explicit keys become SHA-256 fingerprints): the same verdicts
        let again = try krl.encoded()
        try agree(again, cases.map { ($0.0, $0.1, $0.2 == .explicitKey ? .keySHA256 : $0.2) })
        XCTAssertEqual(try SSHKRL(parsing: again).encoded(), again, "encoding what was read gives the same bytes")

        // ssh-keygen -s none: the any-CA section, here with a serial too (the format allows it)
        let wild = path("wild.krl")
        XCTAssertEqual(try runProcess(["ssh-keygen", "-k", "-f", wild, "-s", "none", try write("serial: 5\nid: bad id\n", "wild-spec")]).status, 0)
        let wildBytes = Array(try Data(contentsOf: URL(fileURLWithPath: wild)))
        XCTAssertEqual(try SSHKRL(parsing: wildBytes).certificates, [SSHKRL.CASection(caKey: nil, serials: [5...5], keyIDs: ["bad id"])])
        try agree(wildBytes, [
            ("w-ca-5", .cert(try sign(ca, user, serial: 5, id: "x")), .serial),
            ("w-other-5", .cert(try sign(other, user, serial: 5, id: "x")), .serial),
            ("w-other-6", .cert(try sign(other, user, serial: 6, id: "x")), nil),
            ("w-other-badid", .cert(try sign(other, user, serial: 6, id: "bad id")), .keyID),
        ])
    }

    /// ssh-keygen -k revoking a certificate file: its serial under its CA, or its key ID
    /// when the serial is 0.
    func testSSHKeygenRevokingCertificateFiles() throws {
        let (caPath, _) = try sshKey("ca")
        let ca = SSHCertificateAuthority(key: try SSHPrivateKey(pem: Array(try Data(contentsOf: URL(fileURLWithPath: caPath)))))
        let (_, user) = try sshKey("user")
        let bySerial = try write(try sign(ca, user, serial: 77, id: "s").line() + "\n", "s-cert.pub")
        let byID = try write(try sign(ca, user, serial: 0, id: "zero serial").line() + "\n", "z-cert.pub")
        XCTAssertEqual(try runProcess(["ssh-keygen", "-k", "-f", path("c.krl"), bySerial, byID]).status, 0)
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path("c.krl"))))
        XCTAssertEqual(try SSHKRL(parsing: bytes).certificates, [SSHKRL.CASection(caKey: ca.key.publicKey.blob, serials: [77...77], keyIDs: ["zero serial"])])
        try agree(bytes, [
            ("c77", .cert(try sign(ca, user, serial: 77, id: "s")), .serial),
            ("c78", .cert(try sign(ca, user, serial: 78, id: "s")), nil),
            ("czero", .cert(try sign(ca, user, serial: 0, id: "zero serial")), .keyID),
        ])
    }

    // MARK: - sshd

    func testSSHDRefusesWhatOurKRLRevokes() throws {
        guard getuid() == 0 else { throw XCTSkip("sshd needs root for privilege separation (CI runs as root)") }
        let ca = SSHCertificateAuthority(key: try SSHPrivateKey.generate(.ed25519))
        let (keyPath, key) = try sshKey("user")
        let (lostPath, lost) = try sshKey("lost")
        let krlPath = path("revoked.krl")
        func publish(_ krl: SSHKRL) throws {  // replaced whole, as an operator would
            try Data(try krl.encoded()).write(to: URL(fileURLWithPath: krlPath), options: .atomic)
        }
        try publish(SSHKRL(version: 1, generatedDate: 1_700_000_000, certificates: [.init(caKey: ca.key.publicKey, serials: [7], keyIDs: ["gone"])],
                           revokedKeys: [lost.blob]))
        let server = try SSHServer(dir: dir.appendingPathComponent("sshd"), trustedUserCAs: [ca.key.publicKey.line()],
                                   extraConfig: ["RevokedKeys \(krlPath)"])
        defer { server.stop() }
        func cert(_ serial: UInt64, _ id: String, _ k: SSHPublicKey = key) throws -> String {
            let f = path("c\(serial)-\(id)-cert.pub")
            try (try sign(ca, k, serial: serial, id: id).line() + "\n").write(toFile: f, atomically: true, encoding: .utf8)
            return f
        }
        func waitForLog(_ text: String) -> Bool {
            for _ in 0..<40 {
                if server.log.contains(text) { return true }
                usleep(50_000)
            }
            return false
        }
        // the revoked serial is refused; its sibling from the same CA is admitted
        var r = try server.login(user: "root", key: keyPath, certificate: try cert(7, "laptop"))
        XCTAssertEqual(r.status, 255, "serial 7 is revoked: \(r.out)")
        XCTAssertTrue(r.err.contains("Permission denied"), r.err)
        XCTAssertTrue(waitForLog("revoked by file \(krlPath)"), server.log)
        r = try server.login(user: "root", key: keyPath, certificate: try cert(8, "laptop"))
        XCTAssertEqual(r.status, 0, "\(r.err)\n\(server.log)")
        XCTAssertEqual(r.out, "vouch-ok\n")
        // by key ID, and by the key itself
        XCTAssertEqual(try server.login(user: "root", key: keyPath, certificate: try cert(9, "gone")).status, 255)
        XCTAssertEqual(try server.login(user: "root", key: lostPath, certificate: try cert(10, "lost", lost)).status, 255)
        // sshd reads the KRL at every login: a new version revokes serial 8 too
        try publish(SSHKRL(version: 2, generatedDate: 1_700_000_100, certificates: [.init(caKey: ca.key.publicKey, serials: [7, 8])]))
        XCTAssertEqual(try server.login(user: "root", key: keyPath, certificate: try cert(8, "laptop")).status, 255)
        r = try server.login(user: "root", key: keyPath, certificate: try cert(11, "laptop"))
        XCTAssertEqual(r.status, 0, "\(r.err)\n\(server.log)")
    }

    // MARK: - the encoder

    func testEncodingIsDeterministicSortedAndCoalesced() throws {
        let ca = try SSHPrivateKey.generate(.ed25519).publicKey
        let (_, k1) = try sshKey("k1")
        let (_, k2) = try sshKey("k2")
        let krl = SSHKRL(version: 5, generatedDate: 1_700_000_000, comment: "c", certificates: [
            .init(caKey: ca.blob, serials: [9...9, 1...2, 3...4, 20...21, 2...2, 100...100], keyIDs: ["b", "a", "b"]),
        ], revokedKeys: [k1.blob, k2.blob])
        let bytes = try krl.encoded()
        // 1-4 is a run: a range section; 9, 20, 21, 100 a serial list; key IDs sorted, unique
        let hashes = [SSHKRL.sha256(ofKey: k1.blob), SSHKRL.sha256(ofKey: k2.blob)].sorted { $0.lexicographicallyPrecedes($1) }
        let certs = W.string(ca.blob) + W.string([UInt8]()) + [0x21] + W.string(W.u64(1) + W.u64(4))
            + [0x20] + W.string(W.u64(9) + W.u64(20) + W.u64(21) + W.u64(100)) + [0x23] + W.string(W.string("a") + W.string("b"))
        let expected = Array("SSHKRL\n\0".utf8) + W.u32(1) + W.u64(5) + W.u64(1_700_000_000) + W.u64(0) + W.string([UInt8]()) + W.string("c")
            + [1] + W.string(certs) + [5] + W.string(hashes.flatMap { W.string($0) })
        XCTAssertEqual(bytes, expected)
        // the same content said another way: the same bytes
        let shuffled = SSHKRL(version: 5, generatedDate: 1_700_000_000, comment: "c", certificates: [
            .init(caKey: ca.blob, serials: [100...100, 21...21], keyIDs: ["a"]),
            .init(caKey: ca.blob, serials: [1...4, 9...9, 20...20], keyIDs: ["b"]),
        ], revokedKeys: [k2.blob], revokedKeyHashes: [SSHKRL.sha256(ofKey: k1.blob)])
        XCTAssertEqual(try shuffled.encoded(), bytes)
        // and it reads back as it was meant
        let back = try SSHKRL(parsing: bytes)
        XCTAssertEqual(back.certificates, [SSHKRL.CASection(caKey: ca.blob, serials: [1...4, 9...9, 20...21, 100...100], keyIDs: ["a", "b"])])
        XCTAssertEqual(back.revokedKeyHashes, hashes)
        XCTAssertEqual(back.comment, "c")
        // a CA with nothing revoked has no section; an empty KRL is valid
        let empty = try SSHKRL(generatedDate: 7, certificates: [.init(caKey: ca.blob)]).encoded()
        XCTAssertEqual(empty, Array("SSHKRL\n\0".utf8) + W.u32(1) + W.u64(0) + W.u64(7) + W.u64(0) + W.string([UInt8]()) + W.string(""))
        XCTAssertEqual(try SSHKRL(parsing: empty).certificates, [])
        // the largest serials coalesce without overflowing
        let top = try SSHKRL(parsing: try SSHKRL(generatedDate: 1, certificates: [.init(caKey: ca.blob, serials: [UInt64.max...UInt64.max, 1...(UInt64.max - 1)])]).encoded())
        XCTAssertEqual(top.certificates[0].serials, [1...UInt64.max])
    }

    func testEncoderRefusals() throws {
        let ca = try SSHPrivateKey.generate(.ed25519)
        let cert = try sign(SSHCertificateAuthority(key: ca), ca.publicKey, serial: 1, id: "x")
        func refused(_ krl: SSHKRL, _ code: String, _ words: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try krl.encoded(), file: file, line: line) {
                let e = $0 as? VouchError
                XCTAssertEqual(e?.code, code, "\($0)", file: file, line: line)
                XCTAssertTrue(e?.message.contains(words) == true, "\($0) lacks \(words)", file: file, line: line)
            }
        }
        func section(_ serials: [ClosedRange<UInt64>] = [], _ ids: [String] = [], key: [UInt8]? = nil) -> SSHKRL {
            SSHKRL(generatedDate: 1, certificates: [.init(caKey: key ?? ca.publicKey.blob, serials: serials, keyIDs: ids)])
        }
        refused(section([0...0]), "invalid_argument", "serial 0 cannot be revoked")
        refused(section([0...5]), "invalid_argument", "serial 0 cannot be revoked")
        refused(section([], [""]), "invalid_argument", "key ID 0 must be 1 to 1024 bytes")
        refused(section([], ["a\nb"]), "invalid_argument", "without control characters")
        refused(section([], [String(repeating: "x", count: 1025)]), "invalid_argument", "1 to 1024 bytes")
        refused(section([], ["a\0b"]), "invalid_argument", "NUL")
        refused(section([1...1], key: Array(ca.publicKey.blob.dropLast())), "malformed_ssh", "CA key 0")
        refused(section([1...1], key: cert.blob), "unsupported_key", "a certificate, not a public key")
        refused(SSHKRL(generatedDate: 1, revokedKeys: [cert.blob]), "unsupported_key", "revoked key 0: a certificate")
        refused(SSHKRL(generatedDate: 1, revokedKeys: [[1, 2, 3]]), "malformed_ssh", "revoked key 0")
        refused(SSHKRL(generatedDate: 1, revokedKeyHashes: [[UInt8](repeating: 1, count: 31)]), "invalid_argument", "SHA-256 hash 0 is 31 bytes")
        refused(SSHKRL(generatedDate: 1, revokedSHA1Hashes: [[UInt8](repeating: 1, count: 32)]), "invalid_argument", "SHA-1 hash 0 is 32 bytes")
        refused(SSHKRL(generatedDate: 1, comment: "two\nlines"), "invalid_argument", "the comment")
        refused(SSHKRL(generatedDate: 1, comment: "nul\0"), "invalid_argument", "NUL")
        // a range that ends before it starts cannot be made in Swift; the C encoder refuses it too
        XCTAssertNoThrow(try section([5...5]).encoded())
        // bounded: at most 2^22 entries, and no KRL over 16 MiB (what the parser reads)
        refused(section((1...UInt64(1 << 22 + 1)).map { $0 * 2...$0 * 2 }), "invalid_argument", "more than 4194304 entries")
        let hashes = (0..<470_000).map { i in [UInt8](repeating: 0, count: 28) + SSHWire.u32(UInt32(i)) }
        refused(SSHKRL(generatedDate: 1, revokedKeyHashes: hashes), "input_too_large", "the KRL would be")
        XCTAssertNoThrow(try SSHKRL(generatedDate: 1, revokedKeyHashes: Array(hashes.prefix(400_000))).encoded())
    }

    // MARK: - the parser's refusals

    static let magic = Array("SSHKRL\n\0".utf8)

    func header(format: UInt32 = 1, flags: UInt64 = 0, comment: [UInt8] = []) -> [UInt8] {
        Self.magic + W.u32(format) + W.u64(1) + W.u64(1_700_000_000) + W.u64(flags) + W.string("reserved, ignored") + W.string(comment)
    }
    func section(_ type: UInt8, _ body: [UInt8]) -> [UInt8] { [type] + W.string(body) }
    func certs(_ ca: [UInt8], _ subsections: [UInt8]...) -> [UInt8] { section(1, W.string(ca) + W.string("ignored") + subsections.flatMap { $0 }) }
    func sub(_ type: UInt8, _ body: [UInt8]) -> [UInt8] { [type] + W.string(body) }
    func list(_ serials: UInt64...) -> [UInt8] { sub(0x20, serials.flatMap { W.u64($0) }) }
    func ext(_ name: String, critical: UInt8) -> [UInt8] { W.string(name) + [critical] + W.string("contents") }

    func testParserRefusesMalformedKRLs() throws {
        let ca = try SSHPrivateKey.generate(.ed25519).publicKey.blob
        let cert = try sign(SSHCertificateAuthority(key: try SSHPrivateKey.generate(.ed25519)), try SSHPrivateKey.generate(.ed25519).publicKey, serial: 1, id: "x")
        let (_, user) = try sshKey("user")
        let h1 = [UInt8](repeating: 1, count: 32), h2 = [UInt8](repeating: 2, count: 32)
        let good = header() + certs(ca, list(5, 3), sub(0x21, W.u64(10) + W.u64(20)), sub(0x23, W.string("id")))
            + section(2, W.string(user.blob)) + section(5, W.string(h1) + W.string(h2)) + section(3, W.string([UInt8](repeating: 9, count: 20)))
        // the control: every refusal below is one change away from this
        let parsed = try SSHKRL(parsing: good)
        XCTAssertEqual(parsed.certificates, [SSHKRL.CASection(caKey: ca, serials: [3...3, 5...5, 10...20], keyIDs: ["id"])],
                       "serial lists may come in any order, as OpenSSH reads them")
        XCTAssertEqual(parsed.revokedKeys, [user.blob])

        let bitmapAt = { (offset: UInt64, bits: [UInt8]) in self.header() + self.certs(ca, self.sub(0x22, W.u64(offset) + W.string(bits))) }
        // (name, bytes, words of the reason, OpenSSH refuses it too)
        let cases: [(String, [UInt8], String, Bool)] = [
            ("empty input", [], "not a KRL", true),
            ("bad magic", Array("SSHKRL\n\u{1}".utf8) + Array(good.dropFirst(8)), "not a KRL", true),
            ("a certificate, not a KRL", cert.blob, "not a KRL", true),
            ("format version 2", header(format: 2), "format version 2 (only version 1 exists)", true),
            ("truncated header", Array(header().dropLast(3)), "the header is truncated", true),
            ("header stops after the magic", Self.magic + [0, 0], "the header is truncated", true),
            ("flags", header(flags: 1), "flags 0x1", false),
            ("NUL in the comment", header(comment: [0x61, 0, 0x62]), "the comment holds a NUL byte", true),
            ("trailing byte", good + [1], "are not a whole section", true),
            ("trailing bytes", good + [0, 0, 0], "are not a whole section", true),
            ("truncated section", Array(good.dropLast(1)), "are not a whole section", true),
            ("section length past the end", header() + [5] + W.u32(1000) + h1, "a length that runs past the end", true),
            ("unknown section", header() + section(6, W.string("x")), "unknown section type 6", true),
            ("signature section", header() + section(4, W.string(ca)) + W.string("sig"), "signature section", false),
            ("critical extension", header() + section(255, ext("x@vouch", critical: 1)), "unsupported critical KRL extension \"x@vouch\"", true),
            ("extension with trailing data", header() + section(255, ext("x@vouch", critical: 0) + [0]), "1 bytes after the KRL extension", true),
            ("truncated extension", header() + section(255, W.string("x@vouch")), "extension is truncated", true),
            ("NUL in an extension name", header() + section(255, W.string([0x78, 0, 0x79]) + [0] + W.string("")), "extension name holds a NUL byte", true),
            ("certificate section without subsection", header() + certs(ca), "has no subsection", false),
            ("truncated CA key", header() + section(1, W.u32(100) + ca), "truncated CA key", true),
            ("subsection length past its section", header() + certs(ca, [0x20] + W.u32(16) + W.u64(1)), "its length runs past its section", true),
            ("unknown subsection", header() + certs(ca, sub(0x24, W.u64(1))), "unknown certificate subsection type 0x24", true),
            ("critical certificate extension", header() + certs(ca, sub(0x39, ext("y@vouch", critical: 1))),
             "unsupported critical certificate section extension \"y@vouch\"", true),
            ("serial 0 in a list", header() + certs(ca, list(4, 0)), "holds serial 0", true),
            ("serial list of 12 bytes", header() + certs(ca, sub(0x20, W.u64(4) + W.u32(1))), "not whole 64-bit serials", true),
            ("range ending before it starts", header() + certs(ca, sub(0x21, W.u64(20) + W.u64(10))), "the serial range 20-10", true),
            ("range from serial 0", header() + certs(ca, sub(0x21, W.u64(0) + W.u64(10))), "starts at serial 0", true),
            ("range of 24 bytes", header() + certs(ca, sub(0x21, W.u64(1) + W.u64(2) + W.u64(3))), "not two 64-bit serials", true),
            ("bitmap holding serial 0", bitmapAt(0, [0x03]), "revokes serial 0", true),
            ("bitmap past 2^64-1", bitmapAt(UInt64.max - 1, [0x07]), "runs past serial 2^64-1", true),
            ("negative bitmap", bitmapAt(1, [0x80]), "not a minimal non-negative mpint", true),
            ("non-minimal bitmap", bitmapAt(1, [0x00, 0x01]), "not a minimal non-negative mpint", false),
            ("bitmap over 2048 bytes", bitmapAt(1, [0x01] + [UInt8](repeating: 0, count: 2049)), "(OpenSSH reads at most 2048)", true),
            ("truncated bitmap", header() + certs(ca, sub(0x22, W.u32(1))), "a serial bitmap is truncated", true),
            ("bitmap with trailing data", header() + certs(ca, sub(0x22, W.u64(1) + W.string([1]) + [0])), "bytes after a serial bitmap", true),
            ("empty key ID subsection", header() + certs(ca, sub(0x23, [])), "key ID subsection at offset", false),
            ("truncated key ID", header() + certs(ca, sub(0x23, W.u32(9) + Array("id".utf8))), "a key ID at offset", true),
            ("NUL in a key ID", header() + certs(ca, sub(0x23, W.string([0x61, 0, 0x62]))), "holds a NUL byte", true),
            ("CA key that is a certificate", header() + certs(cert.blob, list(1)), "is a certificate (ssh-ed25519-cert-v01@openssh.com), not a public key", false),
            ("malformed CA key", header() + certs(Array(ca.dropLast()), list(1)), "the key of CA 0", true),
            ("CA key without a type", header() + certs([1, 2, 3], list(1)), "does not start with a key type name", true),
            ("empty explicit key section", header() + section(2, []), "explicit key section at offset", false),
            ("truncated explicit key", header() + section(2, W.u32(200) + user.blob), "a key in the explicit key section", true),
            ("explicit certificate", header() + section(2, W.string(cert.blob)), "revoked key 0 is a certificate", false),
            ("explicit key of an unknown type, broken", header() + section(2, W.string(W.string("ssh-future@vouch.test") + W.u32(9) + [1])),
             "revoked key 0 (ssh-future@vouch.test) is not a sequence of SSH strings", false),
            ("explicit key with trailing data", header() + section(2, W.string(user.blob + [0])), "revoked key 0", false),
            ("empty SHA-256 section", header() + section(5, []), "the SHA-256 section at offset", false),
            ("truncated hash", header() + section(5, W.u32(32) + [1, 2, 3]), "a hash in the SHA-256 section at offset", true),
            ("SHA-256 hash of 20 bytes", header() + section(5, W.string([UInt8](repeating: 1, count: 20))), "a hash of 20 bytes in the SHA-256 section", true),
            ("SHA-1 hash of 32 bytes", header() + section(3, W.string(h1)), "a hash of 32 bytes in the SHA-1 section", true),
            ("SHA-256 hashes out of order", header() + section(5, W.string(h2) + W.string(h1)), "not in ascending order", false),
            ("SHA-256 hash twice", header() + section(5, W.string(h1) + W.string(h1)), "not in ascending order", false),
            ("SHA-1 hashes out of order", header() + section(3, W.string([UInt8](repeating: 2, count: 20)) + W.string([UInt8](repeating: 1, count: 20))),
             "not in ascending order", false),
        ]
        let probe = try write(user.line() + "\n", "probe.pub")
        for (name, bytes, words, openssh) in cases {
            XCTAssertThrowsError(try SSHRevocationList(bytes: bytes), name) {
                let e = $0 as? VouchError
                XCTAssertEqual(e?.code, "malformed_ssh", "\(name): \($0)")
                XCTAssertTrue(e?.message.contains(words) == true, "\(name): \(e?.message ?? "\($0)") lacks \(words)")
            }
            // where OpenSSH refuses it too, ssh-keygen -Q says the KRL is invalid
            if openssh {
                let r = try runProcess(["ssh-keygen", "-Q", "-f", try write(bytes, "bad.krl"), probe])
                XCTAssertEqual(r.status, 255, "\(name): ssh-keygen -Q accepted it: \(r.out)")
            }
        }
        XCTAssertThrowsError(try SSHRevocationList(bytes: [UInt8](repeating: 0, count: 16 << 20 + 1))) {
            XCTAssertEqual(($0 as? VouchError)?.code, "input_too_large")
        }
        // at most 2^22 entries: bitmaps of alternating bits make 8192 ranges from 2 KiB each
        let dense = sub(0x22, W.u64(1) + W.string([UInt8](repeating: 0x55, count: 2048)))
        let many = header() + section(1, W.string(ca) + W.string("") + (0..<513).flatMap { _ in dense })
        XCTAssertThrowsError(try SSHRevocationList(bytes: many)) {
            XCTAssertTrue(($0 as? VouchError)?.message.contains("more than 4194304 entries") == true, "\($0)")
        }
        XCTAssertNoThrow(try SSHRevocationList(bytes: header() + section(1, W.string(ca) + W.string("") + (0..<511).flatMap { _ in dense })))
    }

    /// What the parser takes that looks odd: non-critical extensions (skipped and listed),
    /// weak and unknown key types in explicit-key and CA sections (they match nothing
    /// Vouch accepts), several sections of one CA (merged), bitmaps at the top of the range.
    func testParserAcceptsWhatPROTOCOLKRLAllows() throws {
        let ca = try SSHPrivateKey.generate(.ed25519).publicKey.blob
        XCTAssertEqual(try runProcess(["ssh-keygen", "-q", "-N", "", "-t", "rsa", "-b", "1024", "-f", path("weak")]).status, 0)
        let weak = W.blob(ofLine: try String(contentsOfFile: path("weak.pub"), encoding: .utf8))
        XCTAssertThrowsError(try SSHPublicKey(blob: weak), "a key Vouch refuses")
        let unknown = W.string("ssh-future@vouch.test") + W.string([1, 2, 3])
        let bytes = header(comment: Array("a comment".utf8)) + section(255, ext("note@vouch", critical: 0))
            + certs(ca, list(7), sub(0x39, ext("cnote@vouch", critical: 0)), sub(0x22, W.u64(UInt64.max - 8) + W.string([0x01, 0x01])))
            + certs(weak, list(1)) + certs(ca, sub(0x21, W.u64(100) + W.u64(200)))
            + section(2, W.string(weak) + W.string(unknown))
        let krl = try SSHKRL(parsing: bytes)
        XCTAssertEqual(krl.comment, "a comment")
        XCTAssertEqual(krl.skippedExtensions, ["note@vouch", "cnote@vouch"])
        XCTAssertEqual(krl.certificates, [
            SSHKRL.CASection(caKey: ca, serials: [7...7, 100...200, (UInt64.max - 8)...(UInt64.max - 8), UInt64.max...UInt64.max]),
            SSHKRL.CASection(caKey: weak, serials: [1...1]),
        ])
        XCTAssertEqual(krl.revokedKeys, [unknown, weak].sorted { $0.lexicographicallyPrecedes($1) })
    }

    // MARK: - the command line

    func vouch(_ args: [String]) throws -> (Int32, String, String) {
        let r = try runProcess([vouchBinary()] + args)
        return (r.status, r.out, r.err)
    }

    /// ssh-keygen -Q -l prints a raw SHA-256 fingerprint in hex after "SHA256:"; we print
    /// base64, as ssh-keygen -l does (and as ssh-keygen -k reads back).
    func hexHashesAsBase64(_ listing: String) -> String {
        listing.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard line.hasPrefix("hash: SHA256:"), !line.contains(" # ") else { return String(line) }
            let hex = Array(line.dropFirst(13))
            let bytes = stride(from: 0, to: hex.count, by: 2).map { UInt8(String(hex[$0..<$0 + 2]), radix: 16)! }
            return "hash: " + SSHKRL.fingerprint(sha256: bytes)
        }.joined(separator: "\n")
    }

    func testCLIBuildInspectCheckMatchSSHKeygen() throws {
        let (caPath, _) = try sshKey("ca")
        let (_, user) = try sshKey("user")
        let (stolenPath, _) = try sshKey("stolen")
        // certificates by ssh-keygen -s: revoked by serial, by range, by key ID, by key; and fine
        var certs: [String] = []
        for (name, serial, id, keyFile) in [("s5", "5", "a", "user"), ("s17", "17", "a", "user"), ("s6", "6", "a", "user"),
                                            ("id", "9", "bad id", "user"), ("stolen-s1", "1", "a", "stolen")] {
            try FileManager.default.copyItem(atPath: path(keyFile + ".pub"), toPath: path(name + ".pub"))
            let r = try runProcess(["ssh-keygen", "-q", "-s", caPath, "-I", id, "-z", serial, "-n", "root", path(name + ".pub")])
            XCTAssertEqual(r.status, 0, r.err)
            certs.append(path(name + "-cert.pub"))
        }
        let files = certs + [path("user.pub"), stolenPath + ".pub"]
        let krl = path("vouch.krl")
        var (rc, out, err) = try vouch(["ssh", "krl", "build", "--ca", caPath + ".pub", "--serial", "5", "--serial", "0x10-0x12", "--key-id", "bad id",
                                        "--key", stolenPath + ".pub", "--version", "4", "--date", "1700000000", "--comment", "ops run 12", "-o", krl])
        XCTAssertEqual(rc, 0, err)
        XCTAssertTrue(out.contains("KRL version 4"), out)
        // inspect prints what ssh-keygen -Q -l prints
        let listed = try runProcess(["ssh-keygen", "-Q", "-l", "-f", krl])
        XCTAssertEqual(listed.status, 0, listed.err)
        (rc, out, err) = try vouch(["ssh", "krl", "inspect", krl])
        XCTAssertEqual(rc, 0, err)
        XCTAssertEqual(out, hexHashesAsBase64(listed.out))
        XCTAssertTrue(out.contains("# KRL version 4\n") && out.contains("# Comment: ops run 12\n") && out.contains("serial: 16-18\n")
                      && out.contains("id: bad id\n") && out.contains("hash: SHA256:"), out)
        // check prints what ssh-keygen -Q prints, with its exit status
        let theirs = try runProcess(["ssh-keygen", "-Q", "-f", krl] + files)
        (rc, out, err) = try vouch(["ssh", "krl", "check", "-f", krl] + files)
        XCTAssertEqual(rc, 1, err)
        XCTAssertEqual(theirs.status, 1)
        XCTAssertEqual(out, theirs.out)
        XCTAssertEqual(out.split(separator: "\n").filter { $0.hasSuffix(": REVOKED") }.count, 5, out)
        XCTAssertTrue(out.contains("\(path("s6-cert.pub")) (user@test): ok\n"), out)
        // --verbose says why, on standard error
        (rc, out, err) = try vouch(["ssh", "krl", "check", "--verbose", "-f", krl, path("s17-cert.pub")])
        XCTAssertEqual(rc, 1)
        XCTAssertTrue(err.contains("revoked (serial): the certificate's serial 17 is revoked (in the range 16-18)"), err)
        // nothing revoked: 0, as ssh-keygen; a key line without a comment is named by its file
        let bare = try write(user.line() + "\n", "bare.pub")
        let fine = [path("s6-cert.pub"), bare]
        (rc, out, err) = try vouch(["ssh", "krl", "check", "-f", krl] + fine)
        XCTAssertEqual(rc, 0, err)
        XCTAssertEqual(out, try runProcess(["ssh-keygen", "-Q", "-f", krl] + fine).out)
        XCTAssertTrue(out.contains("\(bare) (\(bare)): ok"), out)

        // the same revocations from an ssh-keygen specification: the same bytes
        let spec = try write("serial: 5\nserial: 16-18  # a range\nid: bad id\nkey: \(try String(contentsOfFile: stolenPath + ".pub", encoding: .utf8))",
                             "spec")
        (rc, out, err) = try vouch(["ssh", "krl", "build", "--ca", caPath + ".pub", "--spec", spec, "--version", "4", "--date", "1700000000",
                                    "--comment", "ops run 12", "-o", path("spec.krl")])
        XCTAssertEqual(rc, 0, err)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("spec.krl"))), try Data(contentsOf: URL(fileURLWithPath: krl)))
        // to standard output
        (rc, out, err) = try vouch(["ssh", "krl", "build", "--ca", caPath + ".pub", "--serial", "5", "--date", "1", "-o", "-"])
        XCTAssertEqual(rc, 0, err)
        XCTAssertTrue(out.hasPrefix("SSHKRL\n\0"))

        // a KRL by ssh-keygen -k: inspect prints exactly what ssh-keygen -Q -l prints
        let theirKRL = path("theirs.krl")
        let made = try runProcess(["ssh-keygen", "-k", "-f", theirKRL, "-s", caPath + ".pub", "-z", "12",
                                   try write("serial: 1-3\nserial: 10\nserial: 12\nid: x y\n", "spec2"), stolenPath + ".pub"])
        XCTAssertEqual(made.status, 0, made.err)
        (rc, out, err) = try vouch(["ssh", "krl", "inspect", theirKRL])
        XCTAssertEqual(rc, 0, err)
        XCTAssertEqual(out, try runProcess(["ssh-keygen", "-Q", "-l", "-f", theirKRL]).out)
    }

    func testCLIRefusals() throws {
        let (caPath, _) = try sshKey("ca")
        let (_, user) = try sshKey("user")
        let krl = path("k.krl")
        XCTAssertEqual(try vouch(["ssh", "krl", "build", "--ca", caPath + ".pub", "--serial", "5", "-o", krl]).0, 0)
        let certLine = try sign(SSHCertificateAuthority(key: try SSHPrivateKey(pem: Array(try Data(contentsOf: URL(fileURLWithPath: caPath))))),
                                user, serial: 5, id: "x").line()
        let cert = try write(certLine + "\n", "c-cert.pub")
        let garbage = try write("not a key\n", "garbage.pub")
        let badKRL = try write(Array("SSHKRL\n\0".utf8) + [0, 0, 0, 2], "bad.krl")
        let out = path("out.krl")
        let cases: [(String, [String], String)] = [
            ("missing KRL", ["check", "-f", path("nope.krl"), cert], "error (unreadable_file): cannot read KRL file"),
            ("bad KRL", ["check", "-f", badKRL, cert], "error (malformed_ssh): KRL \(badKRL): KRL: format version 2"),
            ("not a KRL", ["check", "-f", cert, cert], "not a KRL"),
            ("missing file", ["check", "-f", krl, path("nope-cert.pub")], "error (unreadable_key): cannot load a certificate or public key from"),
            ("no key in the file", ["check", "-f", krl, garbage], "error (unreadable_key)"),
            ("inspect a missing file", ["inspect", path("nope.krl")], "error (unreadable_file)"),
            ("inspect a bad KRL", ["inspect", badKRL], "error (malformed_ssh)"),
            ("bad serial", ["build", "--ca", caPath + ".pub", "--serial", "abc", "-o", out], "error (invalid_serial): --serial: \"abc\" is not a serial"),
            ("serial 0", ["build", "--ca", caPath + ".pub", "--serial", "0", "-o", out], "error (invalid_serial): --serial: serial 0 cannot be revoked"),
            ("reversed range", ["build", "--ca", caPath + ".pub", "--serial", "9-3", "-o", out], "error (invalid_serial): --serial: the range 9-3 ends before it starts"),
            ("serial past 2^64", ["build", "--ca", caPath + ".pub", "--serial", "18446744073709551616", "-o", out], "error (invalid_serial)"),
            ("bad hex serial", ["build", "--ca", caPath + ".pub", "--serial", "0x", "-o", out], "error (invalid_serial)"),
            ("serial without CA", ["build", "--serial", "5", "-o", out], "error (missing_ca)"),
            ("key ID without CA", ["build", "--key-id", "x", "-o", out], "error (missing_ca)"),
            ("empty key ID", ["build", "--ca", caPath + ".pub", "--key-id", "", "-o", out], "error (invalid_key_id)"),
            ("key ID with a newline", ["build", "--ca", caPath + ".pub", "--key-id", "a\nb", "-o", out], "error (invalid_argument): cannot build the KRL"),
            ("missing CA file", ["build", "--ca", path("nope.pub"), "--serial", "5", "-o", out], "error (unreadable_file): cannot read CA public key file"),
            ("bad CA key", ["build", "--ca", garbage, "--serial", "5", "-o", out], "error (unsupported_key): CA public key \(garbage): unknown key type not"),
            ("CA key that is a certificate", ["build", "--ca", cert, "--serial", "5", "-o", out], "error (unsupported_key): CA public key"),
            ("bad key", ["build", "--key", garbage, "-o", out], "error (unsupported_key): public key \(garbage):1: unknown key type not"),
            ("truncated key", ["build", "--key", try write(String(user.line().dropLast(4)) + "\n", "short.pub"), "-o", out], "error (malformed_ssh): public key"),
            ("missing key file", ["build", "--key", path("nope.pub"), "-o", out], "error (unreadable_file)"),
            ("certificate as a key", ["build", "--key", cert, "-o", out], "error (certificate_not_key)"),
            ("bad spec line", ["build", "--ca", caPath + ".pub", "--spec", try write("serial: 1\nserial: x\n", "bad-spec"), "-o", out],
             "error (invalid_serial): \(path("bad-spec")):2"),
            ("bad spec hash", ["build", "--spec", try write("hash: SHA256:nope\n", "bad-hash"), "-o", out], "error (invalid_spec)"),
            ("unwritable output", ["build", "--ca", caPath + ".pub", "--serial", "5", "-o", path("no/such/dir/k.krl")], "error (unwritable_file)"),
        ]
        for (name, args, words) in cases {
            let (rc, _, err) = try vouch(["ssh", "krl"] + args)
            XCTAssertEqual(rc, 2, "\(name): \(err)")
            XCTAssertTrue(err.contains(words), "\(name): \(err) lacks \(words)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "\(name): nothing written")
        }
        // a file that can be read stops nothing: the verdicts before a bad one are printed
        let (rc, stdout, _) = try vouch(["ssh", "krl", "check", "-f", krl, cert, garbage])
        XCTAssertEqual(rc, 2)
        XCTAssertTrue(stdout.contains("\(cert) (\(cert)): REVOKED"), stdout)
    }
}
