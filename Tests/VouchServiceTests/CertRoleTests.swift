// CertRoleTests.swift: Vault's cert auth roles through the service: writes, reads,
// named and unnamed logins, refusals.
import Foundation
import VouchCore
import VouchService
import VouchTestSupport
import XCTest

final class CertRoleTests: XCTestCase {
    var pki: PKI!
    var f: Fixture!
    override func setUp() async throws {
        pki = try PKI()
        f = try await Fixture()
    }

    private func role(_ name: String, _ ca: Issued, _ configure: (inout CertRoleInput) -> Void = { _ in }) async throws {
        var input = CertRoleInput()
        input.certificate = String(decoding: ca.pem, as: UTF8.self)
        configure(&input)
        try await f.vouch.putCertRole(name, input, remote: nil)
    }

    func testNamedAndUnnamedLogins() async throws {
        let web = try pki.make("web-ca")
        let db = try pki.make("db-ca")
        try await role("Web", web) { $0.allowedCommonNames = ["*.web.example"]; $0.policies = ["web"]; $0.ttl = 3600 }
        try await role("db", db) { $0.policies = ["db"] }
        let value1 = try await f.vouch.certRoleNames()
        XCTAssertEqual(value1, ["db", "web"])
        let value2 = try await f.vouch.certRole("WEB").displayName
        XCTAssertEqual(value2, "web")
        let client = try pki.make("c", subject: "/CN=api.web.example", issuer: web, profile: .client)
        let named = try await f.vouch.loginCert(role: "web", chain: Array(client.pem), remote: "127.0.0.1")
        XCTAssertEqual(named.role.name, "web")
        XCTAssertEqual(named.login.expiresIn, 3600)
        XCTAssertEqual(named.login.record.metadata["common_name"], "api.web.example")
        XCTAssertEqual(named.login.record.metadata["cert_name"], "web")
        let any = try await f.vouch.loginCert(role: nil, chain: Array(client.pem), remote: "127.0.0.1")
        XCTAssertEqual(any.role.name, "web", "unnamed: every role tried, the one that accepts wins")
        await assertThrowsAsync(try await f.vouch.loginCert(role: "db", chain: Array(client.pem), remote: "127.0.0.1")) { e in
            XCTAssertEqual((e as? ServiceError)?.code, "no_role_matched")
            XCTAssertEqual((e as? ServiceError)?.message, "failed to match all constraints for this login certificate")
        }
        await assertThrowsAsync(try await f.vouch.loginCert(role: "nope", chain: Array(client.pem), remote: "127.0.0.1")) { e in
            XCTAssertEqual((e as? ServiceError)?.code, "role_not_found")
        }
        let wrongName = try pki.make("w", subject: "/CN=api.other.example", issuer: web, profile: .client)
        await assertThrowsAsync(try await f.vouch.loginCert(role: nil, chain: Array(wrongName.pem), remote: "127.0.0.1"))
        XCTAssertTrue(f.audit.contains("web: common name api.other.example not in the allowed list"), f.audit)
    }

    func testPinnedLeafRoleAndBoundCIDRs() async throws {
        let pinned = try pki.make("pinned", profile: .client)
        try await role("pinned", pinned) { $0.boundCIDRs = ["127.0.0.0/8"] }
        await assertNoThrowAsync(try await f.vouch.loginCert(role: nil, chain: Array(pinned.pem), remote: "127.0.0.9"))
        await assertThrowsAsync(try await f.vouch.loginCert(role: nil, chain: Array(pinned.pem), remote: "10.0.0.1")) { e in
            XCTAssertEqual((e as? ServiceError)?.kind, .forbidden)
        }
    }

    func testRoleAndCRLNamesAreVaultsNames() async throws {
        let ca = try pki.make("ca")
        for bad in [".", "..", "...", "-", ".a", "a.", "-a", "a-", "a b", "é", "a/b", "", String(repeating: "a", count: 129)] {
            await assertThrowsAsync(try await role(bad, ca), bad) { e in XCTAssertEqual((e as? ServiceError)?.code, "invalid_name", bad) }
            await assertThrowsAsync(try await f.vouch.putCRL(bad, Array(try pki.crl(of: ca)), remote: nil), bad)
        }
        for good in ["a", "A", "a-b", "a_b", "a..b", "a.b-c_d", "_", "9"] { try await role(good, ca) }
        let names = try await f.vouch.certRoleNames()
        XCTAssertEqual(names, ["9", "_", "a", "a-b", "a..b", "a.b-c_d", "a_b"], "lower-cased, as Vault stores them")
    }

    func testRoleWritesAreValidated() async throws {
        let ca = try pki.make("ca")
        await assertThrowsAsync(try await f.vouch.putCertRole("r", CertRoleInput(), remote: nil)) { e in
            XCTAssertEqual((e as? ServiceError)?.code, "missing_field")
        }
        await assertThrowsAsync(try await role("r", ca) { $0.ttl = 100; $0.maxTTL = 50 }) { e in
            XCTAssertEqual((e as? ServiceError)?.message, "ttl should be shorter than max_ttl")
        }
        await assertThrowsAsync(try await role("r", ca) { $0.tokenType = "batch" })
        await assertThrowsAsync(try await role("r", ca) { $0.boundCIDRs = ["nonsense"] })
        await assertThrowsAsync(try await role("r/x", ca))
        let value3 = try await f.vouch.certRoleNames()
        XCTAssertEqual(value3, [], "refused writes change nothing")
        try await role("r", ca) { $0.ttl = 0 }
        let value4 = try await f.vouch.certRole("r").token.ttl
        XCTAssertEqual(value4, 2_764_800, "0 means Vault's default, 768h")
        try await f.vouch.putCertRole("r", { var i = CertRoleInput(); i.policies = ["a, b"]; return i }(), remote: nil)
        let value5 = try await f.vouch.certRole("r").policies
        XCTAssertEqual(value5, ["a", "b"], "an update keeps the certificate")
        try await f.vouch.deleteCertRole("R", remote: nil)
        await assertThrowsAsync(try await f.vouch.certRole("r"))
        await assertThrowsAsync(try await f.vouch.deleteCertRole("r", remote: nil))
    }
}
