// P256Backend.swift: swift-crypto's BoringSSL P-256, lent to the C core (which keeps the
// parsing and the policy): on this machine kind it verifies about 20% faster than
// Debian's OpenSSL 3.0. Installed once, before the first key is made.
import CVouch
import Crypto

enum P256Backend {
    /// Evaluated once, the first time any VouchCore type that makes keys is created.
    static let installed: Void = {
        var b = vouch_p256_backend(key_new: keyNew, verify: verify, key_free: keyFree)
        vouch_p256_backend_install(&b)
    }()

    final class Key {
        let key: P256.Signing.PublicKey
        init(_ key: P256.Signing.PublicKey) { self.key = key }
    }
}

private let keyNew: @convention(c) (UnsafePointer<UInt8>?, Int) -> UnsafeMutableRawPointer? = { p, n in
    guard let p, let key = try? P256.Signing.PublicKey(x963Representation: UnsafeBufferPointer(start: p, count: n)) else {
        return nil
    }
    return Unmanaged.passRetained(P256Backend.Key(key)).toOpaque()
}

private let verify: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<UInt8>?, Int, UnsafePointer<UInt8>?, Int, Int32) -> Int32 = {
    key, msg, msgLen, sig, sigLen, der in
    guard let key, let sig else { return 0 }
    let k = Unmanaged<P256Backend.Key>.fromOpaque(key).takeUnretainedValue()
    let sigBytes = UnsafeBufferPointer(start: sig, count: sigLen)
    guard let signature = der != 0 ? try? P256.Signing.ECDSASignature(derRepresentation: sigBytes)
        : try? P256.Signing.ECDSASignature(rawRepresentation: sigBytes)
    else { return 0 }
    let message = UnsafeRawBufferPointer(start: msg, count: msg == nil ? 0 : msgLen)
    return k.key.isValidSignature(signature, for: message) ? 1 : 0
}

private let keyFree: @convention(c) (UnsafeMutableRawPointer?) -> Void = { key in
    guard let key else { return }
    Unmanaged<P256Backend.Key>.fromOpaque(key).release()
}
