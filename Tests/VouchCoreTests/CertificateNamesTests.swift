// CertificateNamesTests.swift: the names a certificate gives, compared with what the
// openssl CLI prints for the same certificate.
import Foundation
import VouchCore
import VouchTestSupport
import XCTest

final class CertificateNamesTests: XCTestCase {
    func testNamesOfAnOpenSSLMadeCertificate() throws {
        let pki = try PKI()
        let root = try pki.make("root")
        let leaf = try pki.make(
            "leaf", subject: "/O=Example Corp/OU=payments/OU=batch/CN=api-workload", issuer: root,
            extensions: NameRulesTests.clientLines(
                san: "DNS:api.example.com,DNS:*.api.example.com,email:ops@example.com,URI:spiffe://example.org/ns/prod/sa/api,IP:10.1.2.3,IP:2001:db8::7"),
            serialHex: "0123456789abcdef0123456789abcdef01")
        let v = try TrustStore(pem: root.pem).verify(chain: leaf.pem)
        let names = try XCTUnwrap(v.leafNames, v.refusal?.message ?? "")
        XCTAssertEqual(names.commonNames, ["api-workload"])
        XCTAssertEqual(names.organizationalUnits, ["payments", "batch"])
        XCTAssertEqual(names.organizations, ["Example Corp"])
        XCTAssertEqual(names.dnsNames, ["api.example.com", "*.api.example.com"])
        XCTAssertEqual(names.emailAddresses, ["ops@example.com"])
        XCTAssertEqual(names.uris, ["spiffe://example.org/ns/prod/sa/api"])
        XCTAssertEqual(names.ipAddresses, ["10.1.2.3", "2001:db8::7"])
        // 0x0123456789abcdef0123456789abcdef01, worked out independently with Python
        let py = try PKI.run(["python3", "-c", "print(0x0123456789abcdef0123456789abcdef01)"])
        XCTAssertEqual(names.serialNumber, String(decoding: py, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        let text = String(decoding: try PKI.run(["openssl", "x509", "-in", leaf.certPath, "-noout", "-text"]), as: UTF8.self)
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let ski = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("X509v3 Subject Key Identifier") }.map { lines[$0 + 1] })
        XCTAssertEqual(names.subjectKeyID, ski.lowercased())
        let aki = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("X509v3 Authority Key Identifier") }.map { lines[$0 + 1] })
        XCTAssertEqual(names.authorityKeyID, aki.replacingOccurrences(of: "keyid:", with: "").lowercased())
    }

    func testBMPStringCommonName() throws {
        let pki = try PKI()
        let root = try pki.make("root")
        // -utf8 with a string_mask that forces BMPString for non-ASCII
        let key = pki.dir.appendingPathComponent("bmp.key").path
        let csr = pki.dir.appendingPathComponent("bmp.csr").path
        let cert = pki.dir.appendingPathComponent("bmp.pem").path
        try PKI.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key])
        let cnf = pki.dir.appendingPathComponent("bmp.cnf").path
        try "[req]\ndistinguished_name=dn\nstring_mask=pkix\n[dn]\n".write(toFile: cnf, atomically: true, encoding: .utf8)
        try PKI.run(["openssl", "req", "-config", cnf, "-new", "-utf8", "-key", key, "-subj", "/CN=Zürich-Dienst", "-out", csr])
        try PKI.run(["openssl", "x509", "-req", "-in", csr, "-CA", root.certPath, "-CAkey", root.keyPath, "-days", "2",
                     "-set_serial", "77", "-out", cert])
        let asn1 = String(decoding: try PKI.run(["openssl", "asn1parse", "-in", cert]), as: UTF8.self)
        XCTAssertTrue(asn1.contains("BMPSTRING"), "the test needs a BMPString common name")
        let der = try PKI.run(["openssl", "x509", "-in", cert, "-outform", "DER"])
        XCTAssertEqual(CertificateNames(der: der)?.commonNames, ["Zürich-Dienst"])
        XCTAssertEqual(CertificateNames(der: der)?.serialNumber, "77")
    }

    func testGarbageHasNoNames() {
        XCTAssertNil(CertificateNames(der: [UInt8]()))
        XCTAssertNil(CertificateNames(der: [UInt8](repeating: 0x30, count: 40)))
    }
}
