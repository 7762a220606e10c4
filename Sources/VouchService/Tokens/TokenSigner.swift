// TokenSigner.swift: Vouch's own access tokens: compact JWS (EdDSA) signed with the
// server's Ed25519 key, and verified with the C core's JWS verifier against that key's
// JWK Set, as any other JWT (strict base64url and JSON: duplicate names refused).
import Foundation
import VouchCore

/// The claims of a Vouch access token.
struct AccessClaims: Codable, Equatable {
    var iss: String
    var sub: String
    var jti: String
    var iat: Int64
    var exp: Int64  // the hard limit: issue time + max TTL
    var authMethod: String
    var identityId: String?

    /// The JSON Codable would write (same members, same order; identityId left out when
    /// nil), built directly: one per login.
    var json: String {
        var members: [(String, JSONValue)] = [
            ("iss", .string(iss)), ("sub", .string(sub)), ("jti", .string(jti)), ("iat", .int(iat)), ("exp", .int(exp)),
            ("authMethod", .string(authMethod)),
        ]
        if let identityId { members.append(("identityId", .string(identityId))) }
        return JSONValue.object(members).text
    }
}

/// A JWK Set of one Ed25519 public key (RFC 8037), as /.well-known/jwks.json serves it.
public struct SigningKeySet: Codable, Sendable, Equatable {
    public struct Key: Codable, Sendable, Equatable {
        public var kty = "OKP"
        public var crv = "Ed25519"
        public var x: String
        public var kid: String
        public var alg = "EdDSA"
        public var use = "sig"
    }
    public var keys: [Key]
}

/// Signs and checks compact JWS tokens with the server's Ed25519 key.
struct TokenSigner: Sendable {
    let key: Ed25519PrivateKey
    let kid: String
    let keySet: SigningKeySet
    private let verifier: JWKS
    /// The encoded protected header and its dot, the same for every token.
    private let headerPrefix: String
    static let maxLength = 4096

    init(key: Ed25519PrivateKey) throws {
        self.key = key
        kid = Base64.encode(Secrets.sha256(key.publicKey).prefix(12))
        keySet = SigningKeySet(keys: [.init(x: Base64.encode(key.publicKey), kid: kid)])
        verifier = try JWKS(json: Array(JSON.encode(keySet).utf8))
        headerPrefix = Base64.encode(Array(JSON.encode(Header(kid: kid)).utf8)) + "."
    }

    private struct Header: Encodable {
        let alg = "EdDSA"
        let kid: String
        let typ = "JWT"
    }

    func sign(_ claims: AccessClaims) -> String {
        let body = headerPrefix + Base64.encode(Array(claims.json.utf8))
        return body + "." + Base64.encode(key.sign(Array(body.utf8)))
    }

    /// The claims of a token this server signed, unexpired at `now`; nil for anything else.
    func verify(_ token: String, now: Int64) -> AccessClaims? {
        guard token.utf8.count <= Self.maxLength else { return nil }
        var policy = JWTPolicy(issuer: "vouch", algorithms: [.eddsa])
        policy.expirationLeeway = 0  // exp is the token's hard limit
        policy.notBeforeLeeway = 60  // another node's clock may run a little ahead
        guard let verified = try? verifier.verify(token, policy: policy, at: Date(timeIntervalSince1970: TimeInterval(now))) else {
            return nil
        }
        return try? JSON.decode(AccessClaims.self, from: verified.claims)
    }

    /// The claims of a token this server signed, whatever its times (to tell an expired
    /// token from a forged one); nil for anything else.
    func verifyIgnoringTime(_ token: String) -> AccessClaims? {
        guard token.utf8.count <= Self.maxLength, let payload = try? verifier.verifySignature(token, algorithms: [.eddsa]) else {
            return nil
        }
        return try? JSON.decode(AccessClaims.self, from: payload)
    }
}
