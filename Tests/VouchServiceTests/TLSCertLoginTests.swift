// TLSCertLoginTests.swift: identities with TLS certificate auth, logins and their
// refusals, pushed CRLs, through the service (no socket).
import Foundation
import VouchCore
import VouchService
import VouchTestSupport
import XCTest

final class TLSCertLoginTests: XCTestCase {
    var pki: PKI!
    var f: Fixture!
    override func setUp() async throws {
        pki = try PKI()
        f = try await Fixture()
    }

    private func attach(_ root: Issued, _ configure: (inout TLSCertAuthInput) -> Void = { _ in }) async throws -> Identity {
        let id = try await f.vouch.createIdentity(name: "api-\(UUID().uuidString.prefix(6))", role: "member", policies: ["read"], remote: nil)
        var input = TLSCertAuthInput()
        input.caCertificate = String(decoding: root.pem, as: UTF8.self)
        configure(&input)
        _ = try await f.vouch.attachTLSCertAuth(identityId: id.id, input, remote: "127.0.0.1")
        return id
    }

    private func assertRefused(_ body: @autoclosure () async throws -> Any, code: String, kind: ServiceError.Kind = .unauthorized,
                               file: StaticString = #filePath, line: UInt = #line) async {
        await assertThrowsAsync(try await body(), file: file, line: line) { e in
            guard let e = e as? ServiceError else { return XCTFail("\(e)", file: file, line: line) }
            XCTAssertEqual(e.code, code, e.description, file: file, line: line)
            XCTAssertEqual(e.kind, kind, file: file, line: line)
        }
    }

    func testLoginIssuesATokenThatWorks() async throws {
        let root = try pki.make("root")
        let int = try pki.make("int", issuer: root)
        let leaf = try pki.make("leaf", subject: "/CN=api-workload", issuer: int, profile: .client)
        let id = try await attach(root) { $0.allowedCommonNames = "api-workload, batch-*" ; $0.accessTokenTTL = 600 }
        let login = try await f.vouch.loginTLSCertAuth(identityId: id.id, chain: Array(leaf.pem + int.pem), remote: "10.0.0.7")
        XCTAssertEqual(login.expiresIn, 600)
        XCTAssertEqual(login.maxTTL, 2_592_000)
        XCTAssertEqual(login.accessToken.split(separator: ".").count, 3)
        let used = try await f.vouch.useToken(login.accessToken, remote: "10.0.0.7")
        XCTAssertEqual(used.subject, id.id)
        XCTAssertEqual(used.uses, 1)
        XCTAssertEqual(used.policies, ["read"])
        XCTAssertTrue(f.audit.contains("\"outcome\":\"allowed\""))
        XCTAssertFalse(f.audit.contains(login.accessToken), "the audit log never holds a token")
        XCTAssertFalse(f.audit.contains(login.record.id), "nor a token's id")
    }

    func testRefusalsNameTheirReasonInTheAuditLogOnly() async throws {
        let root = try pki.make("root")
        let other = try pki.make("other")
        let id = try await attach(root) { $0.allowedCommonNames = "api-workload" }
        let stranger = try pki.make("stranger", subject: "/CN=api-workload", issuer: other, profile: .client)
        await assertRefused(try await f.vouch.loginTLSCertAuth(identityId: id.id, chain: Array(stranger.pem), remote: "10.0.0.7"),
                      code: "unknown_issuer")
        XCTAssertTrue(f.audit.contains("neither a trusted CA nor a presented intermediate"), f.audit)

        let wrongName = try pki.make("wrong", subject: "/CN=batch-7", issuer: root, profile: .client)
        await assertRefused(try await f.vouch.loginTLSCertAuth(identityId: id.id, chain: Array(wrongName.pem), remote: "10.0.0.7"),
                      code: "name_not_allowed")
        XCTAssertTrue(f.audit.contains("common name batch-7 not in the allowed list"), f.audit)

        let expired = try pki.make("old", subject: "/CN=api-workload", issuer: root, profile: .client,
                                   from: Date(timeIntervalSinceNow: -10 * 86400), to: Date(timeIntervalSinceNow: -86400))
        await assertRefused(try await f.vouch.loginTLSCertAuth(identityId: id.id, chain: Array(expired.pem), remote: "10.0.0.7"),
                      code: "expired")
        await assertRefused(try await f.vouch.loginTLSCertAuth(identityId: id.id, chain: Array("garbage".utf8), remote: "10.0.0.7"),
                      code: "malformed_pem", kind: .badRequest)
        await assertRefused(try await f.vouch.loginTLSCertAuth(identityId: id.id, chain: [], remote: "10.0.0.7"),
                      code: "missing_client_certificate", kind: .badRequest)
        await assertRefused(try await f.vouch.loginTLSCertAuth(identityId: "no-such-identity", chain: Array(wrongName.pem), remote: "1.2.3.4"),
                      code: "auth_method_not_found", kind: .notFound)
        XCTAssertEqual(f.vouch.metrics.counter("vouch_logins_total", [("method", "tls-cert-auth"), ("outcome", "refused")]), 6)
    }

    func testSANAndOUConstraints() async throws {
        let root = try pki.make("root")
        let id = try await attach(root) {
            $0.allowedURISANs = "spiffe://example.org/ns/prod/*"
            $0.allowedOrganizationalUnits = "payments"
        }
        let good = try pki.make("good", subject: "/OU=payments/CN=a", issuer: root,
                                extensions: ExtensionLines.client(san: "URI:spiffe://example.org/ns/prod/sa/api"))
        await assertNoThrowAsync(try await f.vouch.loginTLSCertAuth(identityId: id.id, chain: Array(good.pem), remote: "::1"))
        let badURI = try pki.make("baduri", subject: "/OU=payments/CN=a", issuer: root,
                                  extensions: ExtensionLines.client(san: "URI:spiffe://example.org/ns/dev/sa/api"))
        await assertRefused(try await f.vouch.loginTLSCertAuth(identityId: id.id, chain: Array(badURI.pem), remote: "::1"),
                      code: "name_not_allowed")
        let badOU = try pki.make("badou", subject: "/OU=marketing/CN=a", issuer: root,
                                 extensions: ExtensionLines.client(san: "URI:spiffe://example.org/ns/prod/sa/api"))
        await assertRefused(try await f.vouch.loginTLSCertAuth(identityId: id.id, chain: Array(badOU.pem), remote: "::1"),
                      code: "name_not_allowed")
    }

    func testPushedCRLRevokesAndItsReplacementRestores() async throws {
        let root = try pki.make("root")
        let leaf = try pki.make("leaf", issuer: root, profile: .client)
        let id = try await attach(root)
        let chain = Array(leaf.pem)
        await assertNoThrowAsync(try await f.vouch.loginTLSCertAuth(identityId: id.id, chain: chain, remote: "127.0.0.1"))
        let clean = try pki.crl(of: root)
        try pki.revoke(leaf, by: root)
        let revoking = try pki.crl(of: root)
        try await f.vouch.putCRL("Root-CRL", Array(revoking), remote: nil)
        XCTAssertEqual(f.vouch.crlNames(), ["root-crl"], "names are lower-cased, as Vault's")
        let value1 = try f.vouch.crl("root-crl").serials.count
        XCTAssertEqual(value1, 1)
        await assertRefused(try await f.vouch.loginTLSCertAuth(identityId: id.id, chain: chain, remote: "127.0.0.1"), code: "revoked")
        try await f.vouch.putCRL("root-crl", Array(clean), remote: nil)
        await assertNoThrowAsync(try await f.vouch.loginTLSCertAuth(identityId: id.id, chain: chain, remote: "127.0.0.1"))
        try await f.vouch.putCRL("root-crl", Array(revoking), remote: nil)
        try await f.vouch.deleteCRL("root-crl", remote: nil)
        await assertNoThrowAsync(try await f.vouch.loginTLSCertAuth(identityId: id.id, chain: chain, remote: "127.0.0.1"))
    }

    func testPlainBuilderCertificatesLogInWithWarningsAndStrictRefuses() async throws {
        let plain = try PlainPKI(in: pki)
        let root = Issued(name: "root", key: .p256, dir: plain.dir)
        let lenient = try await attach(root) { $0.allowedCommonNames = "plain-client" }
        let chain = Array(try plain.pem("client"))
        await assertNoThrowAsync(try await f.vouch.loginTLSCertAuth(identityId: lenient.id, chain: chain, remote: "127.0.0.1"))
        let allowed = try XCTUnwrap(f.audit.split(separator: "\n").last { $0.contains("\"outcome\":\"allowed\"") })
        XCTAssertTrue(allowed.contains("missing authorityKeyIdentifier") && allowed.contains("\"warnings\""), String(allowed))
        let strict = try await attach(root) { $0.allowedCommonNames = "plain-client"; $0.strict = true }
        let value2 = try await f.vouch.tlsCertAuth(identityId: strict.id).strict
        XCTAssertEqual(value2, true)
        await assertRefused(try await f.vouch.loginTLSCertAuth(identityId: strict.id, chain: chain, remote: "127.0.0.1"),
                      code: "malformed_certificate")
        // and a Vault cert role likewise
        var input = CertRoleInput()
        input.certificate = String(decoding: try plain.pem("root"), as: UTF8.self)
        try await f.vouch.putCertRole("plain", input, remote: nil)
        await assertNoThrowAsync(try await f.vouch.loginCert(role: "plain", chain: chain, remote: "127.0.0.1"))
        input = CertRoleInput()
        input.strict = true
        try await f.vouch.putCertRole("plain", input, remote: nil)
        await assertThrowsAsync(try await f.vouch.loginCert(role: "plain", chain: chain, remote: "127.0.0.1"))
        XCTAssertTrue(f.audit.contains("plain: malformed_certificate"), f.audit)
    }

    func testPushedCRLOfAnIntermediateAppliesOnceVerifiedAtLogin() async throws {
        let root = try pki.make("root")
        let int = try pki.make("int", issuer: root)
        let revoked = try pki.make("revoked", issuer: int, profile: .client)
        let good = try pki.make("good", issuer: int, profile: .client)
        let id = try await attach(root)
        try pki.revoke(revoked, by: int)
        // the intermediate is no configured CA: stored, unverified, revoking nothing yet
        try await f.vouch.putCRL("int", Array(try pki.crl(of: int)), remote: nil)
        var c = try f.vouch.crl("int").list
        XCTAssertTrue(c.isDeferred)
        XCTAssertEqual(c.verifiedIssuers, 0)
        await assertNoThrowAsync(try await f.vouch.loginTLSCertAuth(identityId: id.id, chain: Array(good.pem + int.pem), remote: "127.0.0.1"))
        let value3 = try f.vouch.crl("int").list.verifiedIssuers
        XCTAssertEqual(value3, 1, "checked against the verified intermediate, and remembered")
        await assertRefused(try await f.vouch.loginTLSCertAuth(identityId: id.id, chain: Array(revoked.pem + int.pem), remote: "127.0.0.1"),
                      code: "revoked")
        // a forged CRL under the intermediate's name revokes nothing, and the login says so in the audit log
        let impostor = try pki.make("imp", subject: "/CN=int")
        try pki.revoke(good, by: impostor)
        try await f.vouch.putCRL("forged", Array(try pki.crl(of: impostor)), remote: nil)
        await assertNoThrowAsync(try await f.vouch.loginTLSCertAuth(identityId: id.id, chain: Array(good.pem + int.pem), remote: "127.0.0.1"))
        XCTAssertTrue(f.audit.contains("does not verify under the key of path certificate 1"), f.audit)
        c = try f.vouch.crl("forged").list
        XCTAssertEqual(c.verifiedIssuers, 0)
        // after a restart the stored CRLs are loaded the same way
        let again = try await f.restarted()
        await assertThrowsAsync(try await again.loginTLSCertAuth(identityId: id.id, chain: Array(revoked.pem + int.pem), remote: "127.0.0.1"))
    }

    func testCRLsAreCheckedBeforeTheyAreKept() async throws {
        let root = try pki.make("root")
        // before its CA is configured a CRL is kept unverified (it may be an intermediate's)
        try await f.vouch.putCRL("early", Array(try pki.crl(of: root)), remote: nil)
        let value4 = try f.vouch.crl("early").list.isDeferred
        XCTAssertTrue(value4)
        _ = try await attach(root)
        let value5 = try f.vouch.crl("early").list.signatureChecked
        XCTAssertTrue(value5, "verified once its CA is configured")
        try await f.vouch.deleteCRL("early", remote: nil)
        // one the configured CA of its name did not sign is kept unverified too (its issuer may be an
        // intermediate that shares the name), and revokes nothing unless a login's path verifies it
        let impostor = try pki.make("imp", subject: "/CN=root")
        let leaf = try pki.make("leaf", issuer: root, profile: .client)
        try pki.revoke(leaf, by: impostor)
        try await f.vouch.putCRL("forged", Array(try pki.crl(of: impostor)), remote: nil)
        let forged = try f.vouch.crl("forged").list
        XCTAssertTrue(forged.isDeferred && !forged.signatureChecked)
        let id = try await f.vouch.createIdentity(name: "crl-check", role: nil, policies: nil, remote: nil)
        var input = TLSCertAuthInput()
        input.caCertificate = String(decoding: root.pem, as: UTF8.self)
        _ = try await f.vouch.attachTLSCertAuth(identityId: id.id, input, remote: nil)
        await assertNoThrowAsync(try await f.vouch.loginTLSCertAuth(identityId: id.id, chain: Array(leaf.pem), remote: "127.0.0.1"))
        try await f.vouch.deleteCRL("forged", remote: nil)
        await assertRefused(try await f.vouch.putCRL("junk", Array("not a crl".utf8), remote: nil), code: "invalid_crl", kind: .badRequest)
        await assertRefused(try await f.vouch.putCRL("two", Array(try pki.crl(of: root) + (try pki.crl(of: root))), remote: nil),
                      code: "invalid_crl", kind: .badRequest)
        await assertRefused(try await f.vouch.putCRL("bad name!", Array(try pki.crl(of: root)), remote: nil), code: "invalid_name",
                      kind: .badRequest)
        XCTAssertEqual(f.vouch.crlNames(), [], "a refused CRL changes nothing")
    }

    func testTrustedIPsAtLoginAndUse() async throws {
        let root = try pki.make("root")
        let leaf = try pki.make("leaf", issuer: root, profile: .client)
        let id = try await attach(root) { $0.accessTokenTrustedIps = ["10.1.0.0/16", "2001:db8::/32"] }
        await assertRefused(try await f.vouch.loginTLSCertAuth(identityId: id.id, chain: Array(leaf.pem), remote: "10.2.0.1"),
                      code: "ip_not_trusted", kind: .forbidden)
        let login = try await f.vouch.loginTLSCertAuth(identityId: id.id, chain: Array(leaf.pem), remote: "10.1.2.3")
        await assertNoThrowAsync(try await f.vouch.useToken(login.accessToken, remote: "2001:db8::5"))
        await assertNoThrowAsync(try await f.vouch.useToken(login.accessToken, remote: "::ffff:10.1.9.9"))
        await assertRefused(try await f.vouch.useToken(login.accessToken, remote: "192.168.0.1"), code: "ip_not_trusted", kind: .forbidden)
    }

    func testAttachUpdateAndRevokeAuthMethod() async throws {
        let root = try pki.make("root")
        let leaf = try pki.make("leaf", issuer: root, profile: .client)
        let id = try await attach(root)
        XCTAssertEqual(f.vouch.authMethods(of: id.id), ["tls-cert-auth"])
        var again = TLSCertAuthInput()
        again.caCertificate = String(decoding: root.pem, as: UTF8.self)
        await assertRefused(try await f.vouch.attachTLSCertAuth(identityId: id.id, again, remote: nil), code: "auth_method_exists",
                      kind: .conflict)
        let login = try await f.vouch.loginTLSCertAuth(identityId: id.id, chain: Array(leaf.pem), remote: "127.0.0.1")

        var bad = TLSCertAuthInput()
        bad.accessTokenTTL = 100
        bad.accessTokenMaxTTL = 50
        await assertRefused(try await f.vouch.updateTLSCertAuth(identityId: id.id, bad, remote: nil), code: "invalid_ttl", kind: .badRequest)
        bad = TLSCertAuthInput()
        bad.caCertificate = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
        await assertRefused(try await f.vouch.updateTLSCertAuth(identityId: id.id, bad, remote: nil), code: "invalid_ca_certificate",
                      kind: .badRequest)
        bad = TLSCertAuthInput()
        bad.accessTokenTrustedIps = ["10.0.0.0/33"]
        await assertRefused(try await f.vouch.updateTLSCertAuth(identityId: id.id, bad, remote: nil), code: "invalid_cidr", kind: .badRequest)
        let value6 = try await f.vouch.tlsCertAuth(identityId: id.id).token
        XCTAssertEqual(value6, TokenSettings(), "refused updates change nothing")

        var good = TLSCertAuthInput()
        good.accessTokenNumUsesLimit = 3
        let value7 = try await f.vouch.updateTLSCertAuth(identityId: id.id, good, remote: nil).token.numUsesLimit
        XCTAssertEqual(value7, 3)

        _ = try await f.vouch.revokeTLSCertAuth(identityId: id.id, remote: nil)
        XCTAssertEqual(f.vouch.authMethods(of: id.id), [])
        await assertRefused(try await f.vouch.useToken(login.accessToken, remote: "127.0.0.1"), code: "invalid_token")
        await assertRefused(try await f.vouch.loginTLSCertAuth(identityId: id.id, chain: Array(leaf.pem), remote: "127.0.0.1"),
                      code: "auth_method_not_found", kind: .notFound)
    }
}
