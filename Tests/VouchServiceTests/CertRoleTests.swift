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
    override func setUpWithError() throws {
        pki = try PKI()
        f = try Fixture()
    }

    private func role(_ name: String, _ ca: Issued, _ configure: (inout CertRoleInput) -> Void = { _ in }) throws {
        var input = CertRoleInput()
        input.certificate = String(decoding: ca.pem, as: UTF8.self)
        configure(&input)
        try f.vouch.putCertRole(name, input, remote: nil)
    }

    func testNamedAndUnnamedLogins() throws {
        let web = try pki.make("web-ca")
        let db = try pki.make("db-ca")
        try role("Web", web) { $0.allowedCommonNames = ["*.web.example"]; $0.policies = ["web"]; $0.ttl = 3600 }
        try role("db", db) { $0.policies = ["db"] }
        XCTAssertEqual(try f.vouch.certRoleNames(), ["db", "web"])
        XCTAssertEqual(try f.vouch.certRole("WEB").displayName, "web")
        let client = try pki.make("c", subject: "/CN=api.web.example", issuer: web, profile: .client)
        let named = try f.vouch.loginCert(role: "web", chain: Array(client.pem), remote: "127.0.0.1")
        XCTAssertEqual(named.role.name, "web")
        XCTAssertEqual(named.login.expiresIn, 3600)
        XCTAssertEqual(named.login.record.metadata["common_name"], "api.web.example")
        XCTAssertEqual(named.login.record.metadata["cert_name"], "web")
        let any = try f.vouch.loginCert(role: nil, chain: Array(client.pem), remote: "127.0.0.1")
        XCTAssertEqual(any.role.name, "web", "unnamed: every role tried, the one that accepts wins")
        XCTAssertThrowsError(try f.vouch.loginCert(role: "db", chain: Array(client.pem), remote: "127.0.0.1")) { e in
            XCTAssertEqual((e as? ServiceError)?.code, "no_role_matched")
            XCTAssertEqual((e as? ServiceError)?.message, "failed to match all constraints for this login certificate")
        }
        XCTAssertThrowsError(try f.vouch.loginCert(role: "nope", chain: Array(client.pem), remote: "127.0.0.1")) { e in
            XCTAssertEqual((e as? ServiceError)?.code, "role_not_found")
        }
        let wrongName = try pki.make("w", subject: "/CN=api.other.example", issuer: web, profile: .client)
        XCTAssertThrowsError(try f.vouch.loginCert(role: nil, chain: Array(wrongName.pem), remote: "127.0.0.1"))
        XCTAssertTrue(f.audit.contains("web: common name api.other.example not in the allowed list"), f.audit)
    }

    func testPinnedLeafRoleAndBoundCIDRs() throws {
        let pinned = try pki.make("pinned", profile: .client)
        try role("pinned", pinned) { $0.boundCIDRs = ["127.0.0.0/8"] }
        XCTAssertNoThrow(try f.vouch.loginCert(role: nil, chain: Array(pinned.pem), remote: "127.0.0.9"))
        XCTAssertThrowsError(try f.vouch.loginCert(role: nil, chain: Array(pinned.pem), remote: "10.0.0.1")) { e in
            XCTAssertEqual((e as? ServiceError)?.kind, .forbidden)
        }
    }

    func testRoleWritesAreValidated() throws {
        let ca = try pki.make("ca")
        XCTAssertThrowsError(try f.vouch.putCertRole("r", CertRoleInput(), remote: nil)) { e in
            XCTAssertEqual((e as? ServiceError)?.code, "missing_field")
        }
        XCTAssertThrowsError(try role("r", ca) { $0.ttl = 100; $0.maxTTL = 50 }) { e in
            XCTAssertEqual((e as? ServiceError)?.message, "ttl should be shorter than max_ttl")
        }
        XCTAssertThrowsError(try role("r", ca) { $0.tokenType = "batch" })
        XCTAssertThrowsError(try role("r", ca) { $0.boundCIDRs = ["nonsense"] })
        XCTAssertThrowsError(try role("r/x", ca))
        XCTAssertEqual(try f.vouch.certRoleNames(), [], "refused writes change nothing")
        try role("r", ca) { $0.ttl = 0 }
        XCTAssertEqual(try f.vouch.certRole("r").token.ttl, 2_764_800, "0 means Vault's default, 768h")
        try f.vouch.putCertRole("r", { var i = CertRoleInput(); i.policies = ["a, b"]; return i }(), remote: nil)
        XCTAssertEqual(try f.vouch.certRole("r").policies, ["a", "b"], "an update keeps the certificate")
        try f.vouch.deleteCertRole("R", remote: nil)
        XCTAssertThrowsError(try f.vouch.certRole("r"))
        XCTAssertThrowsError(try f.vouch.deleteCertRole("r", remote: nil))
    }
}
