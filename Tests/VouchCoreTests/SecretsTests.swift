// SecretsTests.swift: sealing at rest, constant-time equality, SHA-256 and Ed25519, with
// the openssl CLI as the independent check where one exists.
import Foundation
import VouchCore
import VouchTestSupport
import XCTest

final class SecretsTests: XCTestCase {
    func testSealOpensOnlyWithTheSameKeyContextAndBytes() throws {
        let key = SealingKey.generate()
        let secret = Array("the token signing key".utf8)
        let sealed = key.seal(secret, context: "token-signing-key")
        XCTAssertEqual(sealed.count, secret.count + 40)
        XCTAssertEqual(try key.open(sealed, context: "token-signing-key"), secret)
        XCTAssertNotEqual(key.seal(secret, context: "token-signing-key"), sealed, "a fresh nonce each time")
        XCTAssertThrowsError(try key.open(sealed, context: "ssh-ca-key"))
        XCTAssertThrowsError(try SealingKey.generate().open(sealed, context: "token-signing-key"))
        var tampered = sealed
        tampered[30] ^= 1
        XCTAssertThrowsError(try key.open(tampered, context: "token-signing-key"))
        XCTAssertThrowsError(try key.open(Array(sealed.prefix(39)), context: "token-signing-key"))
        XCTAssertThrowsError(try SealingKey(bytes: [1, 2, 3]))
    }

    func testEqualityAndHash() {
        XCTAssertTrue(Secrets.equal([1, 2, 3], [1, 2, 3]))
        XCTAssertFalse(Secrets.equal([1, 2, 3], [1, 2, 4]))
        XCTAssertFalse(Secrets.equal([1, 2, 3], [1, 2]))
        XCTAssertTrue(Secrets.equal([], []))
        XCTAssertEqual(Secrets.random(count: 32).count, 32)
        XCTAssertNotEqual(Secrets.random(count: 32), Secrets.random(count: 32))
        // FIPS 180-2 example "abc"
        XCTAssertEqual(Secrets.sha256(Array("abc".utf8)).map { String(format: "%02x", $0) }.joined(),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testEd25519SignatureVerifiesWithOpenSSL() throws {
        let key = Ed25519PrivateKey()
        let message = Array("header.claims".utf8)
        let sig = key.sign(message)
        XCTAssertTrue(Ed25519PrivateKey.verify(publicKey: key.publicKey, message: message, signature: sig))
        XCTAssertFalse(Ed25519PrivateKey.verify(publicKey: key.publicKey, message: message + [0], signature: sig))
        XCTAssertFalse(Ed25519PrivateKey.verify(publicKey: key.publicKey, message: message, signature: Array(sig.prefix(63))))
        let again = try Ed25519PrivateKey(seed: key.seed)
        XCTAssertEqual(again.publicKey, key.publicKey)

        let pki = try PKI()
        let spki = Data([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00] + key.publicKey)
        let pub = try pki.write(spki, "pub.der")
        let msg = try pki.write(Data(message), "msg")
        let sigPath = try pki.write(Data(sig), "sig")
        let out = try PKI.run(["openssl", "pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey", pub, "-rawin",
                               "-in", msg, "-sigfile", sigPath])
        XCTAssertTrue(String(decoding: out, as: UTF8.self).contains("Signature Verified Successfully"))
    }
}
