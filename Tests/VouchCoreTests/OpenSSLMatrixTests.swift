// OpenSSLMatrixTests.swift: a generated matrix of chains whose accept/refuse decisions
// are compared with `openssl verify -purpose sslclient -partial_chain` on the same files:
// Vouch's strict mode with OpenSSL's -x509_strict, Vouch's default mode (profile rules
// warn) with OpenSSL's default. Where Vouch is deliberately stricter, the case says so
// and only our refusal is asserted. The matrix is shared with the Go oracle's test.
import Foundation
import VouchCore
import VouchTestSupport
import XCTest

final class OpenSSLMatrixTests: XCTestCase {
    struct Case {
        let name: String
        let bundle: [Issued]
        let leaf: Data       // PEM
        let untrusted: [Issued]
        var at: Date = Date()
        var stricterThanOpenSSL: Stricter = .no
    }

    enum Stricter {
        case no
        case always       // a security rule OpenSSL does not have (weak keys, SHA-1)
        case strictOnly   // an RFC 5280 MUST that even OpenSSL's -x509_strict lets pass: warned by default
    }

    func opensslAccepts(_ c: Case, pki: PKI, strict: Bool = true) throws -> Bool {
        let bundle = try pki.write(c.bundle.reduce(Data()) { $0 + $1.pem }, "\(c.name)-bundle.pem")
        let leaf = try pki.write(c.leaf, "\(c.name)-leaf.pem")
        var args = ["openssl", "verify", "-purpose", "sslclient"] + (strict ? ["-x509_strict"] : []) + [
            "-partial_chain", "-CAfile", bundle, "-attime", String(Int(c.at.timeIntervalSince1970)),
        ]
        if !c.untrusted.isEmpty {
            args += ["-untrusted", try pki.write(c.untrusted.reduce(Data()) { $0 + $1.pem }, "\(c.name)-untrusted.pem")]
        }
        do {
            try PKI.run(args + [leaf])
            return true
        } catch {
            return false
        }
    }

    func testDecisionsMatchOpenSSLVerify() throws {
        let pki = try PKI()
        let cases = try Self.matrix(pki)
        var mismatches: [String] = []
        for c in cases {
            let store = try TrustStore(pem: c.bundle.reduce(Data()) { $0 + $1.pem })
            for strict in [true, false] {
                let ours = store.verify(chain: c.leaf, untrusted: c.untrusted.reduce(Data()) { $0 + $1.pem }, at: c.at, strict: strict)
                let mode = strict ? "strict" : "default"
                if c.stricterThanOpenSSL == .always || (strict && c.stricterThanOpenSSL == .strictOnly) {
                    XCTAssertFalse(ours.isAccepted, "\(c.name): Vouch (\(mode)) must refuse")
                    continue
                }
                let theirs = try opensslAccepts(c, pki: pki, strict: strict)
                if ours.isAccepted != theirs {
                    mismatches.append("\(c.name) (\(mode)): vouch \(ours.isAccepted ? "accepts" : "refuses (\(ours.refusal!))"), openssl \(theirs ? "accepts" : "refuses")")
                }
                if !strict && c.stricterThanOpenSSL == .strictOnly {
                    XCTAssertFalse(ours.warnings.isEmpty, "\(c.name): accepted with a warning")
                }
            }
        }
        XCTAssertGreaterThan(cases.count, 40)
        XCTAssertEqual(mismatches, [], mismatches.joined(separator: "\n"))
        // the matrix must exercise both outcomes, name constraints included
        XCTAssertTrue(try opensslAccepts(cases.first { $0.name == "ok-p256" }!, pki: pki))
        XCTAssertFalse(try opensslAccepts(cases.first { $0.name == "nc-anchor-DNS:a.example.org" }!, pki: pki))
        // and profile rules that only OpenSSL's strict mode enforces
        XCTAssertFalse(try opensslAccepts(cases.first { $0.name == "int-caNoKU" }!, pki: pki, strict: true))
        XCTAssertTrue(try opensslAccepts(cases.first { $0.name == "int-caNoKU" }!, pki: pki, strict: false))
    }

    /// Chains made with the openssl CLI as operators make them, with a few deliberate faults.
    static func matrix(_ pki: PKI) throws -> [Case] {
        var cases: [Case] = []
        for key in [KeyType.rsa2048, .rsa4096, .p256, .p384, .ed25519] {
            let root = try pki.make("r-\(key)", key: key)
            let int = try pki.make("i-\(key)", key: key, issuer: root)
            let leaf = try pki.make("l-\(key)", key: key, issuer: int, profile: .client)
            cases.append(Case(name: "ok-\(key)", bundle: [root], leaf: leaf.pem, untrusted: [int]))
            cases.append(Case(name: "int-anchor-\(key)", bundle: [int], leaf: leaf.pem, untrusted: []))
            cases.append(Case(name: "missing-int-\(key)", bundle: [root], leaf: leaf.pem, untrusted: []))
            cases.append(Case(name: "expired-\(key)", bundle: [root], leaf: leaf.pem, untrusted: [int],
                              at: Date(timeIntervalSinceNow: 400 * 86400)))
            cases.append(Case(name: "early-\(key)", bundle: [root], leaf: leaf.pem, untrusted: [int],
                              at: Date(timeIntervalSinceNow: -3 * 86400)))
        }
        let root = try pki.make("root")
        let other = try pki.make("other")
        for profile in [Profile.serverOnly, .clientNoSAN, .notCA] {
            let l = try pki.make("leaf-\(profile)", issuer: root, profile: profile)
            cases.append(Case(name: "leaf-\(profile)", bundle: [root], leaf: l.pem, untrusted: []))
        }
        let rsaRoot = try pki.make("rsaroot", key: .rsa2048)
        let encOnly = try pki.make("enc-only", key: .rsa2048, issuer: rsaRoot, profile: .clientKeyEncipherOnly)
        cases.append(Case(name: "key-encipherment-only", bundle: [rsaRoot], leaf: encOnly.pem, untrusted: []))
        for profile in [Profile.notCA, .caNoKU, .caNotCritical, .caPathLen0] {
            let i = try pki.make("int-\(profile)", issuer: root, profile: profile)
            let i2 = try pki.make("int2-\(profile)", issuer: i)
            let l = try pki.make("leaf-under-\(profile)", issuer: i, profile: .client)
            let l2 = try pki.make("leaf-under2-\(profile)", issuer: i2, profile: .client)
            cases.append(Case(name: "int-\(profile)", bundle: [root], leaf: l.pem, untrusted: [i]))
            cases.append(Case(name: "int2-\(profile)", bundle: [root], leaf: l2.pem, untrusted: [i, i2]))
        }
        let stray = try pki.make("stray", issuer: other, profile: .client)
        cases.append(Case(name: "unknown-issuer", bundle: [root], leaf: stray.pem, untrusted: []))
        let pinned = try pki.make("pinned", profile: .client)
        cases.append(Case(name: "pinned-self-signed", bundle: [pinned], leaf: pinned.pem, untrusted: []))
        let good = try pki.make("good", key: .rsa2048, issuer: rsaRoot, profile: .client)
        var tampered = [UInt8](good.der)
        tampered[tampered.count - 20] ^= 0x10
        let tamperedPEM = try PKI.run(["openssl", "x509", "-inform", "DER"], input: Data(tampered))
        cases.append(Case(name: "bad-signature", bundle: [rsaRoot], leaf: tamperedPEM, untrusted: []))
        // name constraints, on the anchor and on a presented intermediate
        let ncLines = NameRulesTests.caLines + "\nnameConstraints=critical,permitted;DNS:example.com,permitted;email:example.com"
        let ncRoot = try pki.make("nc-root", extensions: ncLines)
        let ncInt = try pki.make("nc-int", issuer: root, extensions: ncLines)
        for (i, san) in ["DNS:a.example.com", "DNS:a.example.org", "email:ops@example.com", "email:ops@example.org",
                         "DNS:a.example.com,DNS:b.example.net"].enumerated() {
            let underRoot = try pki.make("nc-leaf-\(i)", issuer: ncRoot, extensions: NameRulesTests.clientLines(san: san))
            cases.append(Case(name: "nc-anchor-\(san)", bundle: [ncRoot], leaf: underRoot.pem, untrusted: []))
            let underInt = try pki.make("nc-leaf2-\(i)", issuer: ncInt, extensions: NameRulesTests.clientLines(san: san))
            cases.append(Case(name: "nc-intermediate-\(san)", bundle: [root], leaf: underInt.pem, untrusted: [ncInt]))
        }
        // deliberately stricter than OpenSSL's defaults
        let weak = try pki.make("weak", key: .rsa1024, issuer: rsaRoot, profile: .client)
        cases.append(Case(name: "rsa1024-leaf", bundle: [rsaRoot], leaf: weak.pem, untrusted: [], stricterThanOpenSSL: .always))
        let sha1 = try pki.make("sha1", key: .rsa2048, issuer: rsaRoot, profile: .client, md: "sha1")
        cases.append(Case(name: "sha1-leaf", bundle: [rsaRoot], leaf: sha1.pem, untrusted: [], stricterThanOpenSSL: .always))
        let zeroSerial = try pki.make("zero-serial", issuer: root, profile: .client, serialHex: "00")
        cases.append(Case(name: "serial-zero", bundle: [root], leaf: zeroSerial.pem, untrusted: [], stricterThanOpenSSL: .strictOnly))
        let dotted = try pki.make("dotted", issuer: root, extensions: NameRulesTests.clientLines(san: "DNS:.example.com"))
        cases.append(Case(name: "san-leading-dot", bundle: [root], leaf: dotted.pem, untrusted: [], stricterThanOpenSSL: .strictOnly))
        return cases
    }
}
