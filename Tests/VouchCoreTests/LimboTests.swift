// LimboTests.swift: the x509-limbo path-validation suite (Tests/Vectors/x509-limbo),
// run through the same TrustStore.verify a login uses. Every case runs; a case whose
// outcome differs from limbo's expected result must be on the documented list below,
// and every listed case must still differ (so the list cannot go stale).
import Foundation
import VouchCore
import VouchTestSupport
import XCTest

final class LimboTests: XCTestCase {
    /// Cases where Vouch's answer in strict mode differs from limbo's on purpose, and why
    /// (the README's "Verification rules" says the same). SERVER cases run with the server purpose
    /// (serverAuth EKU); Vouch verifies certificates, it does not match host names.
    static let deliberate: [String: String] = [
        "crl::crlnumber-missing":
            "CRLs without cRLNumber are accepted: `openssl ca -gencrl` without a crlnumber file makes them",
        "crl::issuer-no-keyusage-extension":
            "OpenSSL's x509_strict rule: every CA in the path, the anchor included, carries keyUsage",
        "pathlen::validation-ignores-pathlen-in-leaf":
            "a leaf whose keyUsage lacks digitalSignature cannot authenticate (as OpenSSL's purposes)",
        "rfc5280::ca-as-leaf": "as above: the CA leaf's keyUsage is keyCertSign only",
        "pathlen::max-chain-depth-0-exhausted": "no per-call depth limit: paths are capped at 10 certificates",
        "pathlen::max-chain-depth-1-exhausted": "as above",
        "rfc5280::aki::cross-signed-root-missing-aki":
            "bundle certificates are trust anchors as configured: an anchor need not carry authorityKeyIdentifier",
        "rfc5280::nc::permitted-dns-match-noncritical":
            "non-critical nameConstraints are enforced, not refused (OpenSSL, Go; limbo's webpki twin agrees)",
        "rfc5280::nc::invalid-dnsname-leading-period":
            "a leading period in a DNS constraint means subdomains, as OpenSSL reads it; CAs are configured that way",
        "rfc5280::san::underscore-dns": "underscores are tolerated in dNSNames (Go's crypto/x509 does; internal names use them)",
    ]

    /// Families whose rules are not Vouch's: the Web PKI (CA/Browser Forum) requirements
    /// for public server certificates and host-name matching. They run, and where Vouch
    /// agrees with them anyway they pass; a listed family must still have a difference.
    static let deliberateFamilies: [String: String] = [
        "webpki::": "CA/Browser Forum rules for public TLS server certificates and host-name matching"
    ]

    static func isDeliberate(_ id: String) -> Bool {
        deliberate[id] != nil || deliberateFamilies.keys.contains { id.hasPrefix($0) }
    }

    struct Case: Decodable {
        let id: String
        let validation_kind: String
        let trusted_certs: [String]
        let untrusted_intermediates: [String]
        let peer_certificate: String
        let validation_time: String?
        let expected_result: String
        let crls: [String]
        let max_chain_depth: Int?
    }

    struct Suite: Decodable { let testcases: [Case] }

    func run(_ c: Case, strict: Bool) -> (accepted: Bool, warnings: [VerificationWarning], why: String) {
        let store: TrustStore
        do {
            store = try TrustStore(pem: Data(c.trusted_certs.joined(separator: "\n").utf8))
        } catch {
            return (false, [], "trust store: \(error)")
        }
        var crls: [RevocationList] = []
        for pem in c.crls {
            do {
                crls.append(try RevocationList(data: Data(pem.utf8), trustStore: store))
            } catch {
                return (false, [], "CRL: \(error)")
            }
        }
        var at = Date()
        if let t = c.validation_time {
            let f = ISO8601DateFormatter()
            f.formatOptions = [.withInternetDateTime]
            let frac = ISO8601DateFormatter()
            frac.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            guard let parsed = f.date(from: t) ?? frac.date(from: t) else { return (false, [], "unreadable time \(t)") }
            at = parsed
        }
        let result = store.verify(
            chain: Data(c.peer_certificate.utf8), untrusted: Data(c.untrusted_intermediates.joined(separator: "\n").utf8),
            crls: crls, at: at, purpose: c.validation_kind == "CLIENT" ? .clientAuth : .serverAuth, strict: strict)
        return (result.isAccepted, result.warnings, result.refusal.map { "\($0)" } ?? "path of \(result.path.count)")
    }

    /// Strict mode (every RFC 5280 rule refuses) against limbo's expected results, with the
    /// listed differences; the default mode differs from strict mode only by accepting,
    /// with warnings, what breaks a profile rule.
    func testLimboCases() throws {
        let data = try Data(contentsOf: try Repository.vector("x509-limbo/limbo.json"))
        let suite = try JSONDecoder().decode(Suite.self, from: data)
        XCTAssertGreaterThan(suite.testcases.count, 200)
        var unexpected: [String] = []
        var differing: Set<String> = []
        var warnedOnly = 0
        for c in suite.testcases {
            let strict = run(c, strict: true)
            let lenient = run(c, strict: false)
            if lenient.accepted != strict.accepted || (strict.accepted && !strict.warnings.isEmpty) {
                if lenient.accepted && !strict.accepted && !lenient.warnings.isEmpty {
                    warnedOnly += 1
                } else {
                    unexpected.append("\(c.id) [\(c.validation_kind)]: default mode \(lenient.accepted ? "accepts" : "refuses") "
                                      + "(\(lenient.warnings.count) warnings), strict mode \(strict.accepted ? "accepts" : "refuses"): "
                                      + "\(strict.why)")
                }
            }
            let expected = c.expected_result == "SUCCESS"
            guard strict.accepted != expected else { continue }
            differing.insert(c.id)
            if !Self.isDeliberate(c.id) {
                unexpected.append("\(c.id) [\(c.validation_kind)]: limbo expects \(c.expected_result), vouch (strict) \(strict.accepted ? "accepts" : "refuses"): \(strict.why)")
            }
        }
        let staleFamilies = Self.deliberateFamilies.keys.filter { f in !differing.contains { $0.hasPrefix(f) } }
        let stale = Set(Self.deliberate.keys).subtracting(differing).sorted() + staleFamilies.sorted()
        let families = differing.filter { id in Self.deliberate[id] == nil }.count
        print("x509-limbo: \(suite.testcases.count) cases, strict mode: \(suite.testcases.count - differing.count) agree, "
              + "\(differing.count - families) listed differences, \(families) in listed families; "
              + "default mode accepts \(warnedOnly) more, each with warnings")
        XCTAssertGreaterThan(warnedOnly, 0, "the default mode must warn where strict mode refuses")
        XCTAssertEqual(unexpected, [], "\n" + unexpected.joined(separator: "\n"))
        XCTAssertEqual(stale, [], "listed as deliberate but no longer differing")
    }
}
