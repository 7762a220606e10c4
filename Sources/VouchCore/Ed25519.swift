// Ed25519.swift: Ed25519 keys and signatures (libsodium), for access tokens and SSH CAs.
import CVouch

/// An Ed25519 private key. Its bytes are wiped when the key goes away.
public final class Ed25519PrivateKey: @unchecked Sendable {
    private var secret: [UInt8]  // libsodium's 64 bytes: seed, then public key
    public let publicKey: [UInt8]

    /// A new random key.
    public convenience init() {
        var pk = [UInt8](repeating: 0, count: Int(VOUCH_ED25519_PUBLICKEYBYTES))
        var sk = [UInt8](repeating: 0, count: Int(VOUCH_ED25519_SECRETKEYBYTES))
        _ = vouch_ed25519_keypair(&pk, &sk)
        self.init(secret: sk, publicKey: pk)
    }

    /// The key of a 32-byte seed (how it is kept, sealed, at rest).
    public convenience init(seed: [UInt8]) throws {
        guard seed.count == Int(VOUCH_ED25519_SEEDBYTES) else {
            throw VouchError(status: VOUCH_E_ARG.rawValue, detail: "an Ed25519 seed is 32 bytes, not \(seed.count)")
        }
        var pk = [UInt8](repeating: 0, count: Int(VOUCH_ED25519_PUBLICKEYBYTES))
        var sk = [UInt8](repeating: 0, count: Int(VOUCH_ED25519_SECRETKEYBYTES))
        _ = vouch_ed25519_from_seed(seed, &pk, &sk)
        self.init(secret: sk, publicKey: pk)
    }

    private init(secret: [UInt8], publicKey: [UInt8]) {
        self.secret = secret
        self.publicKey = publicKey
    }

    deinit {
        secret.withUnsafeMutableBufferPointer { buf in
            for i in buf.indices { buf[i] = 0 }
        }
    }

    public var seed: [UInt8] { Array(secret.prefix(Int(VOUCH_ED25519_SEEDBYTES))) }

    public func sign(_ message: some Collection<UInt8>) -> [UInt8] {
        let m = Array(message)
        var sig = [UInt8](repeating: 0, count: Int(VOUCH_ED25519_SIGBYTES))
        m.withUnsafeBufferPointer { mb in _ = vouch_ed25519_sign(secret, mb.baseAddress, mb.count, &sig) }
        return sig
    }

    /// Whether `signature` is `publicKey`'s signature of `message`.
    public static func verify(publicKey: [UInt8], message: some Collection<UInt8>, signature: [UInt8]) -> Bool {
        guard publicKey.count == Int(VOUCH_ED25519_PUBLICKEYBYTES), signature.count == Int(VOUCH_ED25519_SIGBYTES) else {
            return false
        }
        let m = Array(message)
        return m.withUnsafeBufferPointer { vouch_ed25519_verify(publicKey, $0.baseAddress, $0.count, signature) } == 0
    }
}
