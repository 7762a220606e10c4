// Base64.swift: the one base64 Vouch uses, the C core's (vouch_base64.h): standard with
// padding (PEM, OpenSSH lines) and URL-safe without (JWS, tokens, keys). Decoding is
// strict: one text per byte string.
import CVouch

public enum Base64 {
    public enum Variant: Sendable {
        case standard  // A-Z a-z 0-9 + /, padded
        case url       // A-Z a-z 0-9 - _, unpadded

        var c: Int32 { self == .standard ? Int32(VOUCH_BASE64_STANDARD) : Int32(VOUCH_BASE64_URL) }
    }

    public static func encode(_ bytes: some Collection<UInt8>, _ variant: Variant = .url) -> String {
        let input = Array(bytes)
        let cap = vouch_base64_encoded_len(input.count, variant.c)
        return String(unsafeUninitializedCapacity: cap) { buf in
            var n = 0
            let rc = input.withUnsafeBufferPointer { i in
                buf.withMemoryRebound(to: CChar.self) { vouch_base64_encode(i.baseAddress, i.count, variant.c, $0.baseAddress, cap, &n) }
            }
            return rc == 0 ? n : 0
        }
    }

    /// The bytes of a canonical encoding in the variant; nil for anything else (other
    /// characters, padding where the variant has none, whitespace, stray trailing bits).
    public static func decode(_ text: some StringProtocol, _ variant: Variant = .url) -> [UInt8]? {
        var s = String(text)
        return s.withUTF8 { t in
            let cap = vouch_base64_decoded_max(t.count)
            var out = [UInt8](repeating: 0, count: cap)
            var n = 0
            let rc = t.withMemoryRebound(to: CChar.self) { c in
                out.withUnsafeMutableBufferPointer { vouch_base64_decode(c.baseAddress, c.count, variant.c, $0.baseAddress, cap, &n) }
            }
            guard rc == 0 else { return nil }
            out.removeSubrange(n...)
            return out
        }
    }
}
