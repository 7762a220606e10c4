// CLITests.swift: the `vouch` binary as an operator runs it: exit codes 0/1/2 and output.
import Foundation
import VouchTestSupport
import XCTest

final class CLITests: XCTestCase {
    var pki: PKI!
    override func setUpWithError() throws { pki = try PKI() }

    /// Runs the built `vouch` binary (beside the test bundle) and returns (status, stdout, stderr).
    func vouch(_ args: [String]) throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: vouchBinary())
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    func testCertVerifyExitCodes() throws {
        let root = try pki.make("root")
        let int = try pki.make("int", issuer: root)
        let leaf = try pki.make("leaf", issuer: int, profile: .client)
        let empty = try pki.write(Data(), "empty.pem")

        var (rc, out, _) = try vouch(["cert", "verify", "--ca", root.certPath, "--untrusted", int.certPath, leaf.certPath])
        XCTAssertEqual(rc, 0, out)
        XCTAssertTrue(out.contains("OK"))
        XCTAssertTrue(out.contains("CN=leaf") && out.contains("CN=int") && out.contains("CN=root"))

        (rc, out, _) = try vouch(["cert", "verify", "--ca", root.certPath, "--untrusted", empty, leaf.certPath])
        XCTAssertEqual(rc, 1)
        XCTAssertTrue(out.contains("REFUSED (unknown_issuer)"), out)

        let at = String(Int(Date().timeIntervalSince1970) + 400 * 86400)
        (rc, out, _) = try vouch(["cert", "verify", "--ca", root.certPath, "--untrusted", int.certPath, "--at", at, leaf.certPath])
        XCTAssertEqual(rc, 1)
        XCTAssertTrue(out.contains("REFUSED (expired)"), out)

        try pki.revoke(leaf, by: int)
        let crl = try pki.write(try pki.crl(of: int) + (try pki.crl(of: root)), "both.crl")
        // the usual PKI: the root trusted, the intermediate presented, and its CRL checked against it
        (rc, out, _) = try vouch(["cert", "verify", "--ca", root.certPath, "--untrusted", int.certPath, "--crl", crl, leaf.certPath])
        XCTAssertEqual(rc, 1, out)
        XCTAssertTrue(out.contains("REFUSED (revoked)"), out)
        let bundle = try pki.write(root.pem + int.pem, "bundle.pem")
        (rc, out, _) = try vouch(["cert", "verify", "--ca", bundle, "--crl", crl, leaf.certPath])
        XCTAssertEqual(rc, 1)
        XCTAssertTrue(out.contains("REFUSED (revoked)"), out)

        var err: String
        // the leaf is what is judged: unreadable, it is refused (1), not an operator error (2)
        (rc, out, err) = try vouch(["cert", "verify", "--ca", root.certPath, leaf.keyPath])
        XCTAssertEqual(rc, 1)
        XCTAssertTrue(out.contains("REFUSED (wrong_pem_block)"), out)
        XCTAssertFalse((out + err).contains("PRIVATE KEY-----"), "never echo key material")
        let garbage = try pki.write(Data("not a certificate".utf8), "garbage.pem")
        (rc, out, _) = try vouch(["cert", "verify", "--ca", root.certPath, "--untrusted", garbage, leaf.certPath])
        XCTAssertEqual(rc, 1)
        XCTAssertTrue(out.contains("REFUSED (malformed_pem)"), out)
        (rc, _, err) = try vouch(["cert", "verify", "--ca", root.certPath, "--crl", garbage, leaf.certPath])
        XCTAssertEqual(rc, 2, "a CRL file is the operator's own input")
        XCTAssertTrue(err.contains("malformed_pem"), err)
        (rc, _, err) = try vouch(["cert", "verify", "--ca", "/nonexistent", leaf.certPath])
        XCTAssertEqual(rc, 2)
        XCTAssertTrue(err.contains("/nonexistent"), err)
        (rc, _, _) = try vouch(["cert", "verify", "--bogus-flag"])
        XCTAssertEqual(rc, 2)
        (rc, _, err) = try vouch(["cert", "verify", "--ca", empty, leaf.certPath])
        XCTAssertEqual(rc, 2)
        XCTAssertTrue(err.contains("empty_input"), err)
    }

    func testCertVerifyWarnsOnProfileRulesAndStrictRefuses() throws {
        let root = try pki.make("root")
        let int = try pki.make("int", issuer: root, profile: .caNotCritical)
        let leaf = try pki.make("leaf", issuer: int, profile: .client)
        var (rc, out, err) = try vouch(["cert", "verify", "--ca", root.certPath, "--untrusted", int.certPath, leaf.certPath])
        XCTAssertEqual(rc, 0, out + err)
        XCTAssertTrue(out.hasPrefix("OK: accepted"), out)
        XCTAssertTrue(out.contains("WARNING (malformed_certificate): intermediate certificate 1 (CN=int): basicConstraints of a CA must be critical"), out)
        (rc, out, _) = try vouch(["cert", "verify", "--strict", "--ca", root.certPath, "--untrusted", int.certPath, leaf.certPath])
        XCTAssertEqual(rc, 1)
        XCTAssertTrue(out.contains("REFUSED (malformed_certificate)"), out)
        // a CRL that applies to nothing in the path is said to be unused
        let stranger = try pki.make("stranger")
        let unrelated = try pki.write(try pki.crl(of: stranger), "stranger.crl")
        (rc, out, _) = try vouch(["cert", "verify", "--ca", root.certPath, "--untrusted", int.certPath, "--crl", unrelated, leaf.certPath])
        XCTAssertEqual(rc, 0, out)
        XCTAssertTrue(out.contains("WARNING (crl_not_applicable)") && out.contains("CN=stranger"), out)
    }

    func testCRLInspect() throws {
        let root = try pki.make("root")
        let leaf = try pki.make("leaf", issuer: root, profile: .client)
        try pki.revoke(leaf, by: root)
        let crl = try pki.write(try pki.crl(of: root), "root.crl")
        var (rc, out, _) = try vouch(["crl", "inspect", "--ca", root.certPath, crl])
        XCTAssertEqual(rc, 0, out)
        XCTAssertTrue(out.contains("issuer:      CN=root"), out)
        XCTAssertTrue(out.contains("serials:     1"), out)
        XCTAssertTrue(out.contains("signature:   verified"), out)
        XCTAssertTrue(out.contains("loaded in:"), out)
        (rc, out, _) = try vouch(["crl", "inspect", crl])
        XCTAssertEqual(rc, 0)
        XCTAssertTrue(out.contains("not checked"), out)
        let impostor = try pki.make("imp", subject: "/CN=root")
        let forged = try pki.write(try pki.crl(of: impostor), "forged.crl")
        (rc, out, _) = try vouch(["crl", "inspect", "--ca", root.certPath, forged])
        XCTAssertEqual(rc, 1)
        XCTAssertTrue(out.contains("crl_bad_signature"), out)
        let junk = try pki.write(Data("not a crl".utf8), "junk.crl")
        var err: String
        (rc, _, err) = try vouch(["crl", "inspect", junk])
        XCTAssertEqual(rc, 2)
        XCTAssertTrue(err.contains("malformed_pem"), err)
    }

    func testJWTVerifyAndInspect() throws {
        let m = try JWTTests.make()
        let jwks = try pki.write(Data(m.jwks), "jwks.json")
        let token = m.pyjwt["ES384"]!
        var (rc, out, err) = try vouch(["jwt", "verify", "--jwks", jwks, "--issuer", "https://issuer.example", "--audience", "vouch", token])
        XCTAssertEqual(rc, 0, err)
        XCTAssertTrue(out.contains(#""sub":"system:serviceaccount:prod:api""#), out)
        (rc, out, _) = try vouch(["jwt", "verify", "--jwks", jwks, "--audience", "elsewhere", token])
        XCTAssertEqual(rc, 1)
        XCTAssertTrue(out.contains("REFUSED (wrong_audience)"), out)
        let later = String(Int(Date().timeIntervalSince1970) + 3600)
        (rc, out, _) = try vouch(["jwt", "verify", "--jwks", jwks, "--at", later, token])
        XCTAssertEqual(rc, 1)
        XCTAssertTrue(out.contains("REFUSED (token_expired)"), out)
        (rc, out, _) = try vouch(["jwt", "verify", "--jwks", jwks, "not-a-token"])
        XCTAssertEqual(rc, 1, "the token is what is judged")
        XCTAssertTrue(out.contains("REFUSED (malformed_token)"), out)
        (rc, _, err) = try vouch(["jwt", "verify", "--jwks", leafKeyless(), token])
        XCTAssertEqual(rc, 2)
        // PEM public keys work as a key set too
        (rc, _, err) = try vouch(["jwt", "verify", "--jwks", m.dir.appendingPathComponent("p384-pub.pem").path, token])
        XCTAssertEqual(rc, 0, err)
        (rc, out, _) = try vouch(["jwt", "inspect", token])
        XCTAssertEqual(rc, 0)
        XCTAssertTrue(out.hasPrefix("UNVERIFIED"), out)
        XCTAssertTrue(out.contains(#""alg":"ES384""#), out)
        (rc, out, _) = try vouch(["jwt", "inspect", "a.b"])
        XCTAssertEqual(rc, 1)
        XCTAssertTrue(out.contains("REFUSED (malformed_token)"), out)
    }

    /// A file that is no key set at all.
    func leafKeyless() throws -> String { try pki.write(Data("{}".utf8), "empty-object.json") }
}
