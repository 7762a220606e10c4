// NameRulesTests.swift: name constraints, the syntax of the names a certificate gives
// for its subject, serial numbers, and the verification purpose, on openssl-made chains.
import Foundation
import VouchCore
import VouchTestSupport
import XCTest

final class NameRulesTests: XCTestCase {
    var pki: PKI!
    override func setUpWithError() throws { pki = try PKI() }
    override func tearDown() { pki = nil }

    static let caLines = ExtensionLines.ca
    static func clientLines(san: String) -> String { ExtensionLines.client(san: san) }

    private func verify(_ leaf: Issued, under anchors: [Issued], untrusted: [Issued] = [], strict: Bool = false) throws
        -> ChainVerification
    {
        let store = try TrustStore(pem: anchors.reduce(Data()) { $0 + $1.pem })
        return store.verify(chain: leaf.pem, untrusted: untrusted.reduce(Data()) { $0 + $1.pem }, strict: strict)
    }

    /// A profile rule: accepted with a warning that names it, refused in strict mode.
    private func assertProfileRule(_ leaf: Issued, under anchors: [Issued], untrusted: [Issued] = [], mentions: String,
                                   file: StaticString = #filePath, line: UInt = #line) throws {
        let v = try verify(leaf, under: anchors, untrusted: untrusted)
        XCTAssertTrue(v.isAccepted, "\(mentions): \(v.refusal?.message ?? "")", file: file, line: line)
        XCTAssertTrue(v.warnings.contains { $0.message.contains(mentions) && $0.code == "malformed_certificate" },
                      "warnings \(v.warnings) should mention \(mentions)", file: file, line: line)
        let strict = try verify(leaf, under: anchors, untrusted: untrusted, strict: true)
        XCTAssertEqual(strict.refusal?.code, "malformed_certificate", "\(mentions): strict", file: file, line: line)
        XCTAssertTrue(strict.refusal?.message.contains(mentions) ?? false, strict.refusal?.message ?? "accepted", file: file,
                      line: line)
    }

    private func client(_ name: String, san: String, issuer: Issued) throws -> Issued {
        try pki.make(name, issuer: issuer, extensions: Self.clientLines(san: san))
    }

    func testNameConstraintsOfTheAnchorAreEnforced() throws {
        let root = try pki.make(
            "root",
            extensions: Self.caLines + "\nnameConstraints=critical,permitted;DNS:example.com,excluded;DNS:bar.example.com")
        let inside = try client("inside", san: "DNS:api.example.com", issuer: root)
        XCTAssertTrue(try verify(inside, under: [root]).isAccepted)

        let outside = try client("outside", san: "DNS:api.example.org", issuer: root)
        var v = try verify(outside, under: [root])
        XCTAssertEqual(v.refusal?.code, "name_constraints", v.refusal?.message ?? "")
        XCTAssertEqual(v.refusal?.certificateIndex, 0)

        let excluded = try client("excluded", san: "DNS:bar.example.com", issuer: root)
        v = try verify(excluded, under: [root])
        XCTAssertEqual(v.refusal?.code, "name_constraints", v.refusal?.message ?? "")

        // "*.example.com" is not the string "bar.example.com", but it stands for it
        let wildcard = try client("wildcard", san: "DNS:*.example.com", issuer: root)
        v = try verify(wildcard, under: [root])
        XCTAssertEqual(v.refusal?.code, "name_constraints", v.refusal?.message ?? "")
        XCTAssertTrue(v.refusal?.message.contains("wildcard") ?? false, v.refusal?.message ?? "")
    }

    func testNameConstraintsOfAPresentedIntermediateAreEnforced() throws {
        let root = try pki.make("root")
        let int = try pki.make(
            "int", issuer: root,
            extensions: Self.caLines + "\nnameConstraints=critical,permitted;URI:.spiffe.example,permitted;email:example.com")
        let ok = try client("ok", san: "URI:spiffe://prod.spiffe.example/api", issuer: int)
        XCTAssertTrue(try verify(ok, under: [root], untrusted: [int]).isAccepted)
        let bad = try client("bad", san: "URI:spiffe://evil.example/api", issuer: int)
        let v = try verify(bad, under: [root], untrusted: [int])
        XCTAssertEqual(v.refusal?.code, "name_constraints", v.refusal?.message ?? "")
        let mail = try client("mail", san: "email:ops@example.com", issuer: int)
        XCTAssertTrue(try verify(mail, under: [root], untrusted: [int]).isAccepted)
        let othermail = try client("othermail", san: "email:ops@example.net", issuer: int)
        XCTAssertEqual(try verify(othermail, under: [root], untrusted: [int]).refusal?.code, "name_constraints")
    }

    func testInvalidSubjectNamesWarnAndAreRefusedStrictlyOrUnderNameConstraints() throws {
        let root = try pki.make("root")
        let ncRoot = try pki.make(
            "ncroot", extensions: Self.caLines + "\nnameConstraints=critical,permitted;DNS:example.com,permitted;email:example.com")
        for (san, what) in [
            ("DNS:.example.com", "dNSName"), ("DNS:a..example.com", "dNSName"), ("DNS:-a.example.com", "dNSName"),
            ("DNS:1.2.3.4", "dNSName"), ("DNS:a.*.example.com", "dNSName"), ("DNS:exa mple.com", "dNSName"),
            ("email:invalid@address@example.com", "rfc822Name"), ("email:nobody", "rfc822Name"),
        ] {
            let leaf = try client("bad-\(UUID().uuidString.prefix(8))", san: san, issuer: root)
            try assertProfileRule(leaf, under: [root], mentions: what)
            // under name constraints a name that is not one cannot be judged: refused whatever the mode
            let constrained = try client("badnc-\(UUID().uuidString.prefix(8))", san: san, issuer: ncRoot)
            let v = try verify(constrained, under: [ncRoot])
            XCTAssertEqual(v.refusal?.code, "name_constraints", "\(san): \(v.refusal?.message ?? "accepted")")
            XCTAssertTrue(v.refusal?.message.contains(what) ?? false, "\(san): \(v.refusal?.message ?? "")")
        }
        for san in ["DNS:*.example.com", "DNS:_svc.example.com", "DNS:a-b.example.com", "email:a.b+c@example.com"] {
            let leaf = try client("good-\(UUID().uuidString.prefix(8))", san: san, issuer: root)
            let v = try verify(leaf, under: [root], strict: true)
            XCTAssertTrue(v.isAccepted, san)
            XCTAssertEqual(v.warnings, [], san)
        }
    }

    func testNameConstraintsInALeafWarnAndAreRefusedStrictly() throws {
        let root = try pki.make("root")
        let leaf = try pki.make(
            "leaf", issuer: root,
            extensions: Self.clientLines(san: "DNS:a.example.com") + "\nnameConstraints=critical,permitted;DNS:example.com")
        try assertProfileRule(leaf, under: [root], mentions: "nameConstraints")
    }

    func testEmptyNameConstraintsAreUnreadable() throws {
        let root = try pki.make("root")
        // both subtrees absent: "nameConstraints=critical,DER:30:00"
        let int = try pki.make("int", issuer: root, extensions: Self.caLines + "\nnameConstraints=critical,DER:30:00")
        let leaf = try client("leaf", san: "DNS:a.example.com", issuer: int)
        let v = try verify(leaf, under: [root], untrusted: [int])
        XCTAssertEqual(v.refusal?.code, "malformed_der", v.refusal?.message ?? "")
        XCTAssertEqual(v.refusal?.certificateIndex, 1)
        XCTAssertTrue(v.refusal?.message.contains("nameConstraints") ?? false, v.refusal?.message ?? "")
    }

    func testNegativeSerialIsRefusedInEveryMode() throws {
        let root = try pki.make("root")
        let csr = pki.dir.appendingPathComponent("neg.csr").path, cert = pki.dir.appendingPathComponent("neg.pem").path
        let ext = try pki.write(Data("[custom]\n\(Self.clientLines(san: "DNS:neg.example.com"))\n".utf8), "neg.ext")
        try PKI.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                     pki.dir.appendingPathComponent("neg.key").path, "-subj", "/CN=neg", "-out", csr])
        try PKI.run(["openssl", "x509", "-req", "-in", csr, "-CA", root.certPath, "-CAkey", root.keyPath, "-set_serial", "-5",
                     "-days", "2", "-extfile", ext, "-extensions", "custom", "-out", cert])
        let store = try TrustStore(pem: root.pem)
        for strict in [false, true] {
            let v = store.verify(chain: try Data(contentsOf: URL(fileURLWithPath: cert)), strict: strict)
            XCTAssertEqual(v.refusal?.code, "malformed_certificate", "strict \(strict)")
            XCTAssertTrue(v.refusal?.message.contains("serialNumber is negative") ?? false, v.refusal?.message ?? "accepted")
        }
    }

    func testSerialNumbersMustBePositiveAndAtMostTwentyOctets() throws {
        let root = try pki.make("root")
        let zero = try pki.make("zero", issuer: root, profile: .client, serialHex: "00")
        try assertProfileRule(zero, under: [root], mentions: "serialNumber is zero")
        let long = try pki.make("long", issuer: root, profile: .client, serialHex: String(repeating: "7f", count: 21))
        try assertProfileRule(long, under: [root], mentions: "longer than 20 octets")
        // 20 octets with the top bit set need a 21st, sign, octet: still 20 octets of number
        let twenty = try pki.make("twenty", issuer: root, profile: .client, serialHex: String(repeating: "ff", count: 20))
        XCTAssertTrue(try verify(twenty, under: [root]).isAccepted)
    }

    func testPolicyConstraintsMustBeCritical() throws {
        let root = try pki.make("root")
        let int = try pki.make("int", issuer: root, extensions: Self.caLines + "\npolicyConstraints=requireExplicitPolicy:0")
        let leaf = try pki.make("leaf", issuer: int, profile: .client)
        try assertProfileRule(leaf, under: [root], untrusted: [int], mentions: "intermediate certificate 1 (CN=int): policyConstraints")
    }

    func testCriticalAuthorityInfoAccessWarnsAndIsRefusedStrictly() throws {
        let root = try pki.make("root")
        let leaf = try pki.make(
            "leaf", issuer: root,
            extensions: Self.clientLines(san: "DNS:a.example.com") + "\nauthorityInfoAccess=critical,caIssuers;URI:http://ca.example/ca.der")
        try assertProfileRule(leaf, under: [root], mentions: "authorityInfoAccess must not be critical")
        let fine = try pki.make(
            "fine", issuer: root,
            extensions: Self.clientLines(san: "DNS:a.example.com") + "\nauthorityInfoAccess=caIssuers;URI:http://ca.example/ca.der")
        XCTAssertTrue(try verify(fine, under: [root]).isAccepted)
    }

    func testServerPurposeWantsServerAuth() throws {
        let root = try pki.make("root")
        let server = try pki.make("server", issuer: root, profile: .serverOnly)
        let store = try TrustStore(pem: root.pem)
        XCTAssertEqual(store.verify(chain: server.pem).refusal?.code, "extended_key_usage")
        XCTAssertTrue(store.verify(chain: server.pem, purpose: .serverAuth).isAccepted)
        let client = try pki.make("client", issuer: root, profile: .client)
        let v = store.verify(chain: client.pem, purpose: .serverAuth)
        XCTAssertEqual(v.refusal?.code, "extended_key_usage")
        XCTAssertTrue(v.refusal?.message.contains("serverAuth") ?? false, v.refusal?.message ?? "")
    }
}
