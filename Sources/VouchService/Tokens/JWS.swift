// JWS.swift: base64url and the compact JWS form of Vouch's own access tokens (EdDSA).
import Foundation
import VouchCore

enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static func encode(_ bytes: some Collection<UInt8>) -> String {
        let b = Array(bytes)
        var out = [UInt8]()
        out.reserveCapacity((b.count * 4 + 2) / 3)
        var i = 0
        while i + 3 <= b.count {
            let v = UInt32(b[i]) << 16 | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2])
            out += [alphabet[Int(v >> 18)], alphabet[Int(v >> 12 & 63)], alphabet[Int(v >> 6 & 63)], alphabet[Int(v & 63)]]
            i += 3
        }
        if b.count - i == 1 {
            let v = UInt32(b[i]) << 16
            out += [alphabet[Int(v >> 18)], alphabet[Int(v >> 12 & 63)]]
        } else if b.count - i == 2 {
            let v = UInt32(b[i]) << 16 | UInt32(b[i + 1]) << 8
            out += [alphabet[Int(v >> 18)], alphabet[Int(v >> 12 & 63)], alphabet[Int(v >> 6 & 63)]]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Strict: the URL-safe alphabet only, no padding, no whitespace.
    static func decode(_ text: Substring) -> [UInt8]? {
        guard text.utf8.allSatisfy({ c in
            (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2d || c == 0x5f
        }), text.utf8.count % 4 != 1 else { return nil }
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        s += String(repeating: "=", count: (4 - s.utf8.count % 4) % 4)
        guard let d = Data(base64Encoded: s) else { return nil }
        // canonical: re-encoding gives back the same text (no stray trailing bits)
        return encode(d) == text ? Array(d) : nil
    }
}

/// The claims of a Vouch access token.
struct AccessClaims: Codable, Equatable {
    var iss: String
    var sub: String
    var jti: String
    var iat: Int64
    var exp: Int64           // the hard limit: issue time + max TTL
    var authMethod: String
    var identityId: String?
}

/// Signs and checks compact JWS tokens with the server's Ed25519 key.
struct TokenSigner: Sendable {
    let key: Ed25519PrivateKey
    let kid: String
    static let maxLength = 4096

    init(key: Ed25519PrivateKey) {
        self.key = key
        self.kid = Base64URL.encode(Secrets.sha256(key.publicKey).prefix(12))
    }

    func sign(_ claims: AccessClaims) -> String {
        let header = #"{"alg":"EdDSA","kid":"\#(kid)","typ":"JWT"}"#
        var c: [String: Any] = [
            "iss": claims.iss, "sub": claims.sub, "jti": claims.jti, "iat": claims.iat, "exp": claims.exp,
            "authMethod": claims.authMethod,
        ]
        if let id = claims.identityId { c["identityId"] = id }
        let body = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(JSONText.encode(c).utf8))
        return body + "." + Base64URL.encode(key.sign(Array(body.utf8)))
    }

    /// The claims of a token this server signed; nil for anything else.
    func verify(_ token: String) -> AccessClaims? {
        guard token.utf8.count <= Self.maxLength else { return nil }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(parts[0]), let claimBytes = Base64URL.decode(parts[1]),
              let sig = Base64URL.decode(parts[2]),
              let header = try? JSONSerialization.jsonObject(with: Data(headerBytes)) as? [String: Any],
              header["alg"] as? String == "EdDSA", header["kid"] as? String == kid
        else { return nil }
        let signed = token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count)
        guard Ed25519PrivateKey.verify(publicKey: key.publicKey, message: signed, signature: sig) else { return nil }
        return try? JSONDecoder().decode(AccessClaims.self, from: Data(claimBytes))
    }

    /// The public key as a JWK Set (RFC 8037 OKP).
    var jwks: [String: Any] {
        ["keys": [["kty": "OKP", "crv": "Ed25519", "x": Base64URL.encode(key.publicKey), "kid": kid, "alg": "EdDSA",
                   "use": "sig"]]]
    }
}
