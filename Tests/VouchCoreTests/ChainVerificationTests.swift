// ChainVerificationTests.swift: accepted chains for every key type, and every refusal path
// of chain verification, each with its reason.
import Foundation
import VouchCore
import VouchTestSupport
import XCTest

final class ChainVerificationTests: XCTestCase {
    var pki: PKI!
    override func setUpWithError() throws { pki = try PKI() }
    override func tearDown() { pki = nil }

    private func store(_ certs: Issued...) throws -> TrustStore {
        try TrustStore(pem: certs.reduce(Data()) { $0 + $1.pem })
    }

    private func assertRefused(
        _ v: ChainVerification, _ code: String, index: Int?, mentions: String? = nil,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertFalse(v.isAccepted, "expected a refusal", file: file, line: line)
        XCTAssertEqual(v.refusal?.code, code, v.refusal?.message ?? "", file: file, line: line)
        if let index { XCTAssertEqual(v.refusal?.certificateIndex, index, file: file, line: line) }
        if let mentions {
            XCTAssertTrue(v.refusal?.message.contains(mentions) ?? false, "\(v.refusal?.message ?? "") should mention \(mentions)",
                          file: file, line: line)
        }
        XCTAssertTrue(v.path.isEmpty, file: file, line: line)
    }

    // MARK: accepted

    func testThreeLevelChainsOfEveryKeyTypeAreAccepted() throws {
        for key in [KeyType.rsa2048, .rsa4096, .p256, .p384, .ed25519] {
            let root = try pki.make("root-\(key)", key: key)
            let int = try pki.make("int-\(key)", key: key, issuer: root)
            let leaf = try pki.make("leaf-\(key)", key: key, issuer: int, profile: .client)
            let ts = try store(root)
            // intermediate presented with the leaf, as a TLS client sends it
            let v = ts.verify(chain: leaf.pem + int.pem)
            XCTAssertTrue(v.isAccepted, "\(key): \(v.refusal?.description ?? "")")
            XCTAssertEqual(v.path.map(\.subject), ["CN=leaf-\(key)", "CN=int-\(key)", "CN=root-\(key)"])
            XCTAssertEqual(v.path.map(\.isAnchor), [false, false, true])
            // intermediate given separately, as DER
            let v2 = ts.verify(chain: leaf.der, untrusted: int.der)
            XCTAssertTrue(v2.isAccepted, "\(key) DER: \(v2.refusal?.description ?? "")")
        }
    }

    func testOneAndTwoLevelChainsAreAccepted() throws {
        let root = try pki.make("root")
        let leaf = try pki.make("leaf", issuer: root, profile: .client)
        XCTAssertTrue(try store(root).verify(chain: leaf.pem).isAccepted)
        let int = try pki.make("int", issuer: root)
        let leaf2 = try pki.make("leaf2", issuer: int, profile: .client)
        // the intermediate configured in the bundle is itself an anchor (as in Vault)
        let v = try store(int).verify(chain: leaf2.pem)
        XCTAssertTrue(v.isAccepted, v.refusal?.description ?? "")
        XCTAssertEqual(v.path.count, 2)
    }

    func testSelfSignedLeafPinnedInTheBundleIsAccepted() throws {
        let selfSigned = try pki.make("pinned", profile: .client)
        let v = try store(selfSigned).verify(chain: selfSigned.pem)
        XCTAssertTrue(v.isAccepted, v.refusal?.description ?? "")
        XCTAssertEqual(v.path.count, 1)
        // but a self-signed certificate that is not in the bundle is unknown
        let other = try pki.make("other", profile: .client)
        assertRefused(try store(selfSigned).verify(chain: other.pem), "unknown_issuer", index: 0)
    }

    func testVerifiedIntermediateLinkIsCachedAndReused() throws {
        let root = try pki.make("root", key: .rsa2048)
        let int = try pki.make("int", key: .rsa2048, issuer: root)
        let leaf = try pki.make("leaf", key: .rsa2048, issuer: int, profile: .client)
        let ts = try store(root)
        XCTAssertEqual(ts.cachedLinks, 0)
        XCTAssertTrue(ts.verify(chain: leaf.pem + int.pem).isAccepted)
        XCTAssertEqual(ts.cachedLinks, 1)
        XCTAssertTrue(ts.verify(chain: leaf.pem + int.pem).isAccepted)
        XCTAssertEqual(ts.cachedLinks, 1)
        // a tampered leaf is still refused when the link above it is cached
        var bad = [UInt8](leaf.der)
        bad[bad.count - 3] ^= 0x40
        assertRefused(ts.verify(chain: Data(bad), untrusted: int.der), "bad_signature", index: 0)
    }

    func testConcurrentVerificationsAgree() throws {
        let root = try pki.make("root")
        let int = try pki.make("int", issuer: root)
        let leaf = try pki.make("leaf", issuer: int, profile: .client)
        let ts = try store(root)
        let chain = leaf.pem + int.pem
        let accepted = Counter()
        DispatchQueue.concurrentPerform(iterations: 400) { _ in
            if ts.verify(chain: chain).isAccepted { accepted.increment() }
        }
        XCTAssertEqual(accepted.value, 400)
    }

    // MARK: validity

    func testExpiredAndNotYetValidLeaf() throws {
        let root = try pki.make("root")
        let leaf = try pki.make(
            "leaf", issuer: root, profile: .client, from: Date(timeIntervalSinceNow: -10 * 86400),
            to: Date(timeIntervalSinceNow: 10 * 86400))
        let ts = try store(root)
        assertRefused(ts.verify(chain: leaf.pem, at: Date(timeIntervalSinceNow: 11 * 86400)), "expired", index: 0,
                      mentions: "CN=leaf")
        assertRefused(ts.verify(chain: leaf.pem, at: Date(timeIntervalSinceNow: -11 * 86400)), "not_yet_valid", index: 0)
        XCTAssertTrue(ts.verify(chain: leaf.pem).isAccepted)
    }

    func testExpiredAndNotYetValidIntermediate() throws {
        let root = try pki.make("root")
        let expired = try pki.make("int", issuer: root, from: Date(timeIntervalSinceNow: -30 * 86400),
                                   to: Date(timeIntervalSinceNow: -1 * 86400))
        let leaf = try pki.make("leaf", issuer: expired, profile: .client)
        assertRefused(try store(root).verify(chain: leaf.pem + expired.pem), "expired", index: 1, mentions: "intermediate")
        let future = try pki.make("int2", issuer: root, from: Date(timeIntervalSinceNow: 86400),
                                  to: Date(timeIntervalSinceNow: 30 * 86400))
        let leaf2 = try pki.make("leaf2", issuer: future, profile: .client)
        assertRefused(try store(root).verify(chain: leaf2.pem + future.pem), "not_yet_valid", index: 1)
    }

    func testExpiredTrustAnchor() throws {
        let root = try pki.make("root", from: Date(timeIntervalSinceNow: -30 * 86400), to: Date(timeIntervalSinceNow: -86400))
        let leaf = try pki.make("leaf", issuer: root, profile: .client)
        assertRefused(try store(root).verify(chain: leaf.pem), "expired", index: 1, mentions: "trusted CA")
    }

    // MARK: issuers and signatures

    func testUnknownIssuer() throws {
        let root = try pki.make("root")
        let otherRoot = try pki.make("other")
        let leaf = try pki.make("leaf", issuer: otherRoot, profile: .client)
        assertRefused(try store(root).verify(chain: leaf.pem), "unknown_issuer", index: 0, mentions: "CN=other")
    }

    func testBadSignature() throws {
        let root = try pki.make("root", key: .rsa2048)
        let leaf = try pki.make("leaf", key: .rsa2048, issuer: root, profile: .client)
        var der = [UInt8](leaf.der)
        der[der.count - 10] ^= 0x01
        assertRefused(try store(root).verify(chain: Data(der)), "bad_signature", index: 0)
    }

    func testSameNameDifferentKeyIsNotTheIssuer() throws {
        let real = try pki.make("root")
        let impostor = try pki.make("root-2", subject: "/CN=root")
        let leaf = try pki.make("leaf", issuer: impostor, profile: .client)
        // same issuer name, but the authority key identifier and signature point elsewhere
        XCTAssertFalse(try store(real).verify(chain: leaf.pem).isAccepted)
    }

    func testCAFalseIntermediateIsRefused() throws {
        let root = try pki.make("root")
        let notCA = try pki.make("notca", issuer: root, profile: .notCA)
        let leaf = try pki.make("leaf", issuer: notCA, profile: .client)
        assertRefused(try store(root).verify(chain: leaf.pem + notCA.pem), "issuer_not_ca", index: 1)
    }

    func testPathLengthExceeded() throws {
        let root = try pki.make("root", profile: .caPathLen0)
        let int = try pki.make("int", issuer: root)
        let leaf = try pki.make("leaf", issuer: int, profile: .client)
        assertRefused(try store(root).verify(chain: leaf.pem + int.pem), "path_length_exceeded", index: 2)
        // pathlen 0 still allows a leaf directly under it
        let leaf2 = try pki.make("leaf2", issuer: root, profile: .client)
        XCTAssertTrue(try store(root).verify(chain: leaf2.pem).isAccepted)
    }

    func testClientAuthMissingFromExtendedKeyUsage() throws {
        let root = try pki.make("root")
        let leaf = try pki.make("leaf", issuer: root, profile: .serverOnly)
        assertRefused(try store(root).verify(chain: leaf.pem), "extended_key_usage", index: 0, mentions: "clientAuth")
    }

    func testKeyUsageWithoutDigitalSignature() throws {
        let root = try pki.make("root")
        let leaf = try pki.make("leaf", key: .rsa2048, issuer: root, profile: .clientKeyEncipherOnly)
        assertRefused(try store(root).verify(chain: leaf.pem), "key_usage", index: 0)
    }

    func testProfileRulesForCAsWarnAndRefuseUnderStrict() throws {
        let root = try pki.make("root")
        let notCritical = try pki.make("int", issuer: root, profile: .caNotCritical)
        let leaf = try pki.make("leaf", issuer: notCritical, profile: .client)
        var v = try store(root).verify(chain: leaf.pem + notCritical.pem)
        XCTAssertTrue(v.isAccepted, v.refusal?.message ?? "")
        XCTAssertEqual(v.warnings.map(\.certificateIndex), [1])
        XCTAssertTrue(v.warnings[0].message.contains("intermediate certificate 1 (CN=int): basicConstraints of a CA must be critical"),
                      v.warnings[0].message)
        assertRefused(try store(root).verify(chain: leaf.pem + notCritical.pem, strict: true), "malformed_certificate", index: 1,
                      mentions: "critical")
        let noKU = try pki.make("int2", issuer: root, profile: .caNoKU)
        let leaf2 = try pki.make("leaf2", issuer: noKU, profile: .client)
        v = try store(root).verify(chain: leaf2.pem + noKU.pem)
        XCTAssertTrue(v.isAccepted, v.refusal?.message ?? "")
        XCTAssertTrue(v.warnings.contains { $0.message.contains("must carry keyUsage") }, "\(v.warnings)")
        assertRefused(try store(root).verify(chain: leaf2.pem + noKU.pem, strict: true), "malformed_certificate", index: 1,
                      mentions: "keyUsage")
        // the security rules stay refusals in the default mode: a CA whose keyUsage lacks keyCertSign
        let noSign = try pki.make("int3", issuer: root, extensions: "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,cRLSign")
        let leaf3 = try pki.make("leaf3", issuer: noSign, profile: .client)
        assertRefused(try store(root).verify(chain: leaf3.pem + noSign.pem), "key_usage", index: 1, mentions: "keyCertSign")
        // a chain that breaks no rule carries no warning
        let int = try pki.make("int4", issuer: root)
        let leaf4 = try pki.make("leaf4", issuer: int, profile: .client)
        v = try store(root).verify(chain: leaf4.pem + int.pem, strict: true)
        XCTAssertTrue(v.isAccepted)
        XCTAssertEqual(v.warnings, [])
    }

    func testPythonCryptographyPlainBuilderChainsAreAcceptedWithWarnings() throws {
        let plain = try PlainPKI(in: pki)
        for (anchor, leaf, untrusted, warnings) in [
            ("root", "client", "", ["leaf certificate 0 (CN=plain-client): missing authorityKeyIdentifier",
                                     "trusted CA certificate 1 (CN=plain-root): a CA certificate must carry keyUsage",
                                     "trusted CA certificate 1 (CN=plain-root): a CA certificate must carry subjectKeyIdentifier"]),
            ("root-nc", "client-nc", "", ["leaf certificate 0 (CN=plain-client): missing authorityKeyIdentifier",
                                          "trusted CA certificate 1 (CN=plain-root-nc): basicConstraints of a CA must be critical",
                                          "trusted CA certificate 1 (CN=plain-root-nc): a CA certificate must carry keyUsage",
                                          "trusted CA certificate 1 (CN=plain-root-nc): a CA certificate must carry subjectKeyIdentifier"]),
            ("root", "client-inter", "inter", ["leaf certificate 0 (CN=plain-client): missing authorityKeyIdentifier",
                                               "intermediate certificate 1 (CN=plain-inter): a CA certificate must carry keyUsage",
                                               "intermediate certificate 1 (CN=plain-inter): missing authorityKeyIdentifier",
                                               "intermediate certificate 1 (CN=plain-inter): a CA certificate must carry subjectKeyIdentifier",
                                               "trusted CA certificate 2 (CN=plain-root): a CA certificate must carry keyUsage",
                                               "trusted CA certificate 2 (CN=plain-root): a CA certificate must carry subjectKeyIdentifier"]),
        ] {
            let ts = try TrustStore(pem: try plain.pem(anchor))
            let extra = untrusted.isEmpty ? Data() : try plain.pem(untrusted)
            let v = ts.verify(chain: try plain.pem(leaf), untrusted: extra)
            XCTAssertTrue(v.isAccepted, "\(leaf): \(v.refusal?.message ?? "")")
            XCTAssertEqual(v.warnings.map(\.message), warnings)
            let strict = ts.verify(chain: try plain.pem(leaf), untrusted: extra, strict: true)
            XCTAssertEqual(strict.refusal?.code, "malformed_certificate", leaf)
        }
    }

    func testWeakRSAKeyAndSHA1AreRefused() throws {
        let root = try pki.make("root", key: .rsa2048)
        let weak = try pki.make("weak", key: .rsa1024, issuer: root, profile: .client)
        assertRefused(try store(root).verify(chain: weak.pem), "weak_key", index: 0, mentions: "1024")
        let sha1 = try pki.make("sha1", key: .rsa2048, issuer: root, profile: .client, md: "sha1")
        assertRefused(try store(root).verify(chain: sha1.pem), "weak_algorithm", index: 0)
        // a CA bundle with a weak key is refused when it is configured
        let weakRoot = try pki.make("weakroot", key: .rsa1024)
        XCTAssertThrowsError(try store(weakRoot)) { XCTAssertEqual(($0 as? VouchError)?.code, "weak_key") }
    }

    // MARK: revocation

    func testRevokedLeafThenReplacedCRL() throws {
        let root = try pki.make("root")
        let leaf = try pki.make("leaf", issuer: root, profile: .client)
        let ts = try store(root)
        let clean = try RevocationList(data: try pki.crl(of: root), trustStore: ts)
        XCTAssertEqual(clean.count, 0)
        XCTAssertTrue(ts.verify(chain: leaf.pem, crls: [clean]).isAccepted)
        try pki.revoke(leaf, by: root)
        let crl = try RevocationList(data: try pki.crl(of: root), trustStore: ts)
        XCTAssertEqual(crl.count, 1)
        XCTAssertTrue(crl.signatureChecked)
        assertRefused(ts.verify(chain: leaf.pem, crls: [crl]), "revoked", index: 0)
        // replacing the CRL by the earlier one accepts again
        XCTAssertTrue(ts.verify(chain: leaf.pem, crls: [clean]).isAccepted)
    }

    func testRevokedIntermediateRefusesChain() throws {
        let root = try pki.make("root")
        let int = try pki.make("int", issuer: root)
        let leaf = try pki.make("leaf", issuer: int, profile: .client)
        try pki.revoke(int, by: root)
        let ts = try store(root)
        let crl = try RevocationList(data: try pki.crl(of: root), trustStore: ts)
        assertRefused(ts.verify(chain: leaf.pem + int.pem, crls: [crl]), "revoked", index: 1)
    }

    func testAnyUnrevokedPathPasses() throws {
        // the same intermediate (name and key) certified by two roots; one certificate revoked
        let rootA = try pki.make("rootA"), rootB = try pki.make("rootB")
        let viaA = try pki.make("intA", subject: "/CN=int", issuer: rootA)
        let viaB = try pki.make("intB", subject: "/CN=int", issuer: rootB, reuseKeyOf: viaA)
        let leaf = try pki.make("leaf", issuer: viaA, profile: .client)
        try pki.revoke(viaA, by: rootA)
        let ts = try store(rootA, rootB)
        let crl = try RevocationList(data: try pki.crl(of: rootA), trustStore: ts)
        let v = ts.verify(chain: leaf.pem + viaA.pem + viaB.pem, crls: [crl])
        XCTAssertTrue(v.isAccepted, v.refusal?.description ?? "")
        XCTAssertEqual(v.path.last?.subject, "CN=rootB")
        assertRefused(ts.verify(chain: leaf.pem + viaA.pem, crls: [crl]), "revoked", index: 1)
    }

    func testCRLSignedByAnotherKeyIsRefused() throws {
        let root = try pki.make("root")
        let impostor = try pki.make("imp", subject: "/CN=root")
        let ts = try store(root)
        XCTAssertThrowsError(try RevocationList(data: try pki.crl(of: impostor), trustStore: ts)) {
            XCTAssertEqual(($0 as? VouchError)?.code, "crl_bad_signature")
        }
        let stranger = try pki.make("stranger")
        XCTAssertThrowsError(try RevocationList(data: try pki.crl(of: stranger), trustStore: ts)) {
            XCTAssertEqual(($0 as? VouchError)?.code, "crl_issuer_unknown")
            XCTAssertTrue(($0 as? VouchError)?.message.contains("CN=stranger") ?? false)
        }
    }

    func testCRLsForEveryKeyType() throws {
        for key in [KeyType.rsa2048, .p384, .ed25519] {
            let root = try pki.make("root-\(key)", key: key)
            let leaf = try pki.make("leaf-\(key)", key: key, issuer: root, profile: .client)
            try pki.revoke(leaf, by: root)
            let ts = try store(root)
            let crl = try RevocationList(data: try pki.crl(of: root), trustStore: ts)
            assertRefused(ts.verify(chain: leaf.pem, crls: [crl]), "revoked", index: 0)
        }
    }

    // MARK: CRLs from intermediates (the issuer is not a trust anchor)

    func testCRLFromThePresentedIntermediateRevokesForEveryKeyType() throws {
        // Ed25519 keeps the CRL's bytes for the later check, the others their hash
        for key in [KeyType.rsa2048, .p256, .p384, .ed25519] {
            let root = try pki.make("root-\(key)", key: key)
            let int = try pki.make("int-\(key)", key: key, issuer: root)
            let revoked = try pki.make("revoked-\(key)", key: key, issuer: int, profile: .client)
            let good = try pki.make("good-\(key)", key: key, issuer: int, profile: .client)
            try pki.revoke(revoked, by: int)
            let ts = try store(root)
            let data = try pki.crl(of: int)
            XCTAssertThrowsError(try RevocationList(data: data, trustStore: ts)) {
                XCTAssertEqual(($0 as? VouchError)?.code, "crl_issuer_unknown", "without deferral, as before")
            }
            let crl = try RevocationList(data: data, trustStore: ts, deferUnknownIssuer: true)
            XCTAssertTrue(crl.isDeferred)
            XCTAssertFalse(crl.signatureChecked)
            XCTAssertEqual(crl.verifiedIssuers, 0)
            assertRefused(ts.verify(chain: revoked.pem + int.pem, crls: [crl]), "revoked", index: 0)
            XCTAssertEqual(crl.verifiedIssuers, 1, "\(key): checked against the presented intermediate, and remembered")
            let v = ts.verify(chain: good.pem, untrusted: int.pem, crls: [crl])
            XCTAssertTrue(v.isAccepted, "\(key): \(v.refusal?.message ?? "")")
            XCTAssertEqual(v.warnings, [])
            XCTAssertEqual(crl.verifiedIssuers, 1)
        }
    }

    func testDeferredCRLThatDoesNotVerifyRevokesNothingAndSaysSo() throws {
        let root = try pki.make("root")
        let int = try pki.make("int", issuer: root)
        let leaf = try pki.make("leaf", issuer: int, profile: .client)
        // another key under the intermediate's name revokes the leaf: its CRL must not count
        let impostor = try pki.make("imp", subject: "/CN=int")
        try pki.revoke(leaf, by: impostor)
        let ts = try store(root)
        let forged = try RevocationList(data: try pki.crl(of: impostor), trustStore: ts, deferUnknownIssuer: true)
        let v = ts.verify(chain: leaf.pem + int.pem, crls: [forged])
        XCTAssertTrue(v.isAccepted, v.refusal?.message ?? "")
        XCTAssertEqual(v.warnings.map(\.code), ["crl_bad_signature"])
        XCTAssertTrue(v.warnings[0].message.contains("revokes nothing"), v.warnings[0].message)
        XCTAssertEqual(forged.verifiedIssuers, 0)
        // an intermediate whose keyUsage does not allow cRLSign: its CRL counts all the same (applying a
        // CRL only refuses more, and the verdict must not depend on which certificate a client presents)
        let noCRLSign = try pki.make("int2", issuer: root,
                                     extensions: "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always")
        let leaf2 = try pki.make("leaf2", issuer: noCRLSign, profile: .client)
        try pki.revoke(leaf2, by: noCRLSign)
        let crl2 = try RevocationList(data: try pki.crl(of: noCRLSign), trustStore: ts, deferUnknownIssuer: true)
        assertRefused(ts.verify(chain: leaf2.pem + noCRLSign.pem, crls: [crl2]), "revoked", index: 0)
        // strict mode does not change what an unverifiable CRL means
        XCTAssertTrue(ts.verify(chain: leaf.pem + int.pem, crls: [forged], strict: true).isAccepted)
    }

    func testARevokedLeafCannotPickAPathOnWhichItsIntermediatesCRLDoesNotCount() throws {
        // the intermediate's key certified twice: once with cRLSign, once (re-issued) without
        let root = try pki.make("root")
        let int = try pki.make("int", issuer: root)
        let reissued = try pki.make("int-again", subject: "/CN=int", issuer: root,
                                    extensions: "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always",
                                    reuseKeyOf: int)
        let leaf = try pki.make("leaf", issuer: int, profile: .client)
        try pki.revoke(leaf, by: int)
        let ts = try store(root)
        let crl = try RevocationList(data: try pki.crl(of: int), trustStore: ts, deferUnknownIssuer: true)
        for chain in [leaf.pem + reissued.pem, leaf.pem + int.pem + reissued.pem, leaf.pem + reissued.pem + int.pem] {
            assertRefused(ts.verify(chain: chain, crls: [crl]), "revoked", index: 0)
        }
        XCTAssertEqual(crl.verifiedIssuers, 1, "one key, one verdict")
    }

    func testAnIntermediatesCRLIsDeferredWhenAConfiguredCASharesItsName() throws {
        // another PKI (or a rolled-over key) has an anchor with the same name as the intermediate
        let root = try pki.make("root")
        let int = try pki.make("int", subject: "/CN=Issuing CA", issuer: root)
        let namesake = try pki.make("namesake", subject: "/CN=Issuing CA")
        let leaf = try pki.make("leaf", issuer: int, profile: .client)
        try pki.revoke(leaf, by: int)
        let ts = try store(root, namesake)
        XCTAssertThrowsError(try RevocationList(data: try pki.crl(of: int), trustStore: ts)) {
            XCTAssertEqual(($0 as? VouchError)?.code, "crl_bad_signature", "without deferral: refused, as before")
        }
        let crl = try RevocationList(data: try pki.crl(of: int), trustStore: ts, deferUnknownIssuer: true)
        XCTAssertTrue(crl.isDeferred)
        assertRefused(ts.verify(chain: leaf.pem + int.pem, crls: [crl]), "revoked", index: 0)
    }

    func testCRLWithoutStoreOrDeferralIsForInspectionOnly() throws {
        let root = try pki.make("root")
        let leaf = try pki.make("leaf", issuer: root, profile: .client)
        let inspected = try RevocationList(data: try pki.crl(of: root), trustStore: nil)
        XCTAssertFalse(inspected.signatureChecked || inspected.isDeferred)
        let v = try store(root).verify(chain: leaf.pem, crls: [inspected])
        XCTAssertEqual(v.refusal?.code, "invalid_argument", v.refusal?.message ?? "accepted")
        XCTAssertTrue(v.refusal?.message.contains("inspection only") ?? false, v.refusal?.message ?? "")
    }

    // MARK: unusable input

    func testGarbageTruncatedAndEmptyInput() throws {
        let root = try pki.make("root")
        let leaf = try pki.make("leaf", issuer: root, profile: .client)
        let ts = try store(root)
        let cases: [(Data, String)] = [
            (Data(), "empty_input"),
            (Data("   \n".utf8), "empty_input"),
            (Data("hello world".utf8), "malformed_pem"),
            (Data("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n".utf8), "malformed_pem"),
            (Data("-----BEGIN CERTIFICATE-----\nMIIB\n".utf8), "malformed_pem"),
            (leaf.der.prefix(leaf.der.count - 5), "malformed_der"),
            (Data([0x30, 0x80, 0x00, 0x00]), "malformed_der"),
            (try Data(contentsOf: URL(fileURLWithPath: leaf.keyPath)), "wrong_pem_block"),
        ]
        for (input, code) in cases {
            let v = ts.verify(chain: input)
            XCTAssertEqual(v.refusal?.code, code, "\(String(decoding: input.prefix(40), as: UTF8.self)): \(v.refusal?.message ?? "accepted")")
            XCTAssertTrue(v.refusal?.isInputError ?? false)
        }
    }

    func testLongChainAndHugeInputAreRefused() throws {
        let root = try pki.make("root")
        let leaf = try pki.make("leaf", issuer: root, profile: .client)
        let ts = try store(root)
        let hundred = (0..<100).reduce(Data()) { acc, _ in acc + leaf.pem }
        let v = ts.verify(chain: hundred)
        XCTAssertEqual(v.refusal?.code, "chain_too_long")
        let huge = Data(repeating: 0x41, count: 10 << 20)
        XCTAssertEqual(ts.verify(chain: huge).refusal?.code, "input_too_large")
        XCTAssertEqual(ts.verify(chain: leaf.pem, untrusted: huge).refusal?.code, "input_too_large")
    }

    func testBadCABundles() throws {
        let key = try Data(contentsOf: URL(fileURLWithPath: try pki.make("root").keyPath))
        for (bundle, code) in [(Data(), "empty_input"), (Data("junk".utf8), "malformed_pem"), (key, "wrong_pem_block")] {
            XCTAssertThrowsError(try TrustStore(pem: bundle)) { XCTAssertEqual(($0 as? VouchError)?.code, code) }
        }
    }

    func testBadCRLInputs() throws {
        let root = try pki.make("root")
        let ts = try store(root)
        let crl = try pki.crl(of: root)
        for (input, code) in [
            (Data(), "empty_input"), (Data("nonsense".utf8), "malformed_pem"), (root.pem, "wrong_pem_block"),
            (Data([0x30, 0x03, 0x02, 0x01, 0x01]), "malformed_der"),
        ] {
            XCTAssertThrowsError(try RevocationList(data: input, trustStore: ts)) {
                XCTAssertEqual(($0 as? VouchError)?.code, code)
            }
        }
        // a truncated CRL
        let der = try PKI.run(["openssl", "crl", "-outform", "DER"], input: crl)
        XCTAssertThrowsError(try RevocationList(data: der.prefix(der.count - 7), trustStore: ts)) {
            XCTAssertEqual(($0 as? VouchError)?.code, "malformed_der")
        }
    }
}

/// A thread-safe counter for concurrency tests.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func increment() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}
