// Secrets.swift: random bytes, constant-time comparison, SHA-256, and sealing secrets at
// rest under a master key (XChaCha20-Poly1305, libsodium).
import CVouch

public enum Secrets {
    /// `count` bytes from the operating system's random source.
    public static func random(count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        _ = out.withUnsafeMutableBufferPointer { vouch_random($0.baseAddress, count) }
        return out
    }

    /// Equality in time that depends only on the length (lengths are not secret).
    public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { vouch_equal(x.baseAddress, $0.baseAddress, a.count) } } == 1
    }

    public static func sha256(_ data: some Collection<UInt8>) -> [UInt8] {
        let input = Array(data)
        var out = [UInt8](repeating: 0, count: Int(VOUCH_SHA256_BYTES))
        input.withUnsafeBufferPointer { i in _ = out.withUnsafeMutableBufferPointer { vouch_sha256(i.baseAddress, i.count, $0.baseAddress) } }
        return out
    }
}

/// A 32-byte master key that seals secrets at rest. The context (what the secret is,
/// e.g. "token-signing-key") is bound into the seal: a sealed value opens only as what it is.
public struct SealingKey: Sendable {
    private let key: [UInt8]
    public static let byteCount = Int(VOUCH_SEAL_KEYBYTES)

    public init(bytes: [UInt8]) throws {
        guard bytes.count == Self.byteCount else {
            throw VouchError(status: VOUCH_E_ARG.rawValue, detail: "a sealing key is \(Self.byteCount) bytes, not \(bytes.count)")
        }
        key = bytes
    }

    public static func generate() -> SealingKey { try! SealingKey(bytes: Secrets.random(count: byteCount)) }

    public var bytes: [UInt8] { key }

    public func seal(_ secret: [UInt8], context: String) -> [UInt8] {
        let ad = Array(context.utf8)
        var out = [UInt8](repeating: 0, count: secret.count + Int(VOUCH_SEAL_OVERHEAD))
        key.withUnsafeBufferPointer { k in
            ad.withUnsafeBufferPointer { a in
                secret.withUnsafeBufferPointer { m in
                    _ = out.withUnsafeMutableBufferPointer {
                        vouch_seal(k.baseAddress, a.baseAddress, a.count, m.baseAddress, m.count, $0.baseAddress)
                    }
                }
            }
        }
        return out
    }

    /// Throws when the value was sealed under another key or context, or was altered.
    public func open(_ sealed: [UInt8], context: String) throws -> [UInt8] {
        let ad = Array(context.utf8)
        guard sealed.count >= Int(VOUCH_SEAL_OVERHEAD) else {
            throw VouchError(status: VOUCH_E_ARG.rawValue, detail: "sealed \(context) is too short")
        }
        var out = [UInt8](repeating: 0, count: sealed.count - Int(VOUCH_SEAL_OVERHEAD))
        let rc = key.withUnsafeBufferPointer { k in
            ad.withUnsafeBufferPointer { a in
                sealed.withUnsafeBufferPointer { s in
                    out.withUnsafeMutableBufferPointer {
                        vouch_open(k.baseAddress, a.baseAddress, a.count, s.baseAddress, s.count, $0.baseAddress)
                    }
                }
            }
        }
        guard rc == 0 else {
            throw VouchError(status: rc, detail: "sealed \(context) does not open under this master key")
        }
        return out
    }
}
