// JWT.swift: JWK Sets, and JWTs verified against them with a policy (issuer, audiences,
// leeway, algorithms): the hot operation of Kubernetes and OIDC / SPIFFE logins.
import CVouch
import Foundation

public enum JWTAlgorithm: String, CaseIterable, Sendable {
    case rs256 = "RS256", rs384 = "RS384", rs512 = "RS512"
    case ps256 = "PS256", ps384 = "PS384", ps512 = "PS512"
    case es256 = "ES256", es384 = "ES384", es512 = "ES512"
    case eddsa = "EdDSA"

    var bit: UInt32 { vouch_jwa_from_name(rawValue) }
}

/// What a token must satisfy beyond its signature.
public struct JWTPolicy: Sendable {
    /// Exact `iss`, when set.
    public var issuer: String?
    /// When non-empty, `aud` (a string or an array) must name one of these.
    public var audiences: [String]
    /// Seconds of clock skew allowed on `exp`, and on `nbf` / `iat` (Vault's defaults).
    public var expirationLeeway: Int64 = 150
    public var notBeforeLeeway: Int64 = 150
    /// Allowed algorithms; nil: every one Vouch verifies with.
    public var algorithms: Set<JWTAlgorithm>?
    /// A token without `exp` is refused (logins: always).
    public var requireExpiration = true

    public init(issuer: String? = nil, audiences: [String] = [], algorithms: Set<JWTAlgorithm>? = nil) {
        self.issuer = issuer
        self.audiences = audiences
        self.algorithms = algorithms
    }
}

/// A token whose signature and claims passed.
public struct VerifiedJWT: Sendable {
    public let header: JSONValue
    public let claims: JSONValue
}

/// An immutable set of verification keys (a JWK Set and/or PEM public keys), shared by
/// all tasks.
public final class JWKS: @unchecked Sendable {
    let raw: OpaquePointer

    /// From a JWK Set (`{"keys": [...]}`) or one JWK, plus optional PEM "PUBLIC KEY" blocks.
    public init(json: some Collection<UInt8>, pem: some Collection<UInt8> = [UInt8]()) throws {
        _ = P256Backend.installed
        let j = Array(json), p = Array(pem)
        var out: OpaquePointer?
        try checked { diag in
            j.withUnsafeBufferPointer { jb in
                p.withUnsafeBufferPointer { pb in vouch_jwks_new(jb.baseAddress, jb.count, pb.baseAddress, pb.count, &out, diag) }
            }
        }
        raw = out!
    }

    deinit { vouch_jwks_free(raw) }

    public var count: Int { vouch_jwks_count(raw) }

    /// Verifies `token` and checks its claims at `time`.
    public func verify(_ token: String, policy: JWTPolicy, at time: Date = Date()) throws -> VerifiedJWT {
        let issuer = policy.issuer.flatMap { strdup($0) }
        let audiences = policy.audiences.compactMap { strdup($0) }
        defer {
            free(issuer)
            audiences.forEach { free($0) }
        }
        var out: OpaquePointer?
        let auds: [UnsafePointer<CChar>?] = audiences.map { UnsafePointer($0) }
        let rc: Int32 = auds.withUnsafeBufferPointer { auds in
            var p = vouch_jwt_policy(
                issuer: issuer.map { UnsafePointer($0) }, audiences: auds.baseAddress, naudiences: auds.count,
                now: Int64(time.timeIntervalSince1970.rounded(.down)), exp_leeway: policy.expirationLeeway,
                nbf_leeway: policy.notBeforeLeeway, algorithms: policy.algorithms.map { $0.reduce(0) { $0 | $1.bit } } ?? 0,
                require_exp: policy.requireExpiration ? 1 : 0)
            var t = token
            return t.withUTF8 { u in
                u.withMemoryRebound(to: CChar.self) { vouch_jwt_verify(raw, $0.baseAddress, $0.count, &p, &out) }
            }
        }
        defer { vouch_jwt_free(out) }
        guard rc == 0, let out else { throw Self.error(out, rc) }
        return VerifiedJWT(header: JSONValue.convert(UnsafeMutablePointer(mutating: vouch_jwt_header(out)!)),
                           claims: JSONValue.convert(UnsafeMutablePointer(mutating: vouch_jwt_claims(out)!)))
    }

    /// Checks the signature only and returns the payload bytes (for test vectors whose
    /// payload is not a claims set; logins always use `verify`).
    public func verifySignature(_ token: String, algorithms: Set<JWTAlgorithm>? = nil) throws -> [UInt8] {
        var out: OpaquePointer?
        var t = token
        let rc = t.withUTF8 { u in
            u.withMemoryRebound(to: CChar.self) { vouch_jwt_verify(raw, $0.baseAddress, $0.count, nil, &out) }
        }
        defer { vouch_jwt_free(out) }
        guard rc == 0, let out else { throw Self.error(out, rc) }
        if let algorithms, case .string(let alg)? = JSONValue.convert(UnsafeMutablePointer(mutating: vouch_jwt_header(out)!))["alg"],
           !algorithms.contains(where: { $0.rawValue == alg }) {
            throw VouchError(status: VOUCH_E_JWT_ALGORITHM.rawValue, detail: "alg \(alg) is not among the allowed algorithms")
        }
        var n = 0
        let p = vouch_jwt_payload(out, &n)
        return p.map { Array(UnsafeBufferPointer(start: $0, count: n)) } ?? []
    }

    /// The signature layer alone: `signature` (as JWS carries it) over `message` with
    /// `algorithm` and any key that fits. For test vectors that are not tokens.
    public func verify(signature: [UInt8], message: [UInt8], algorithm: String) -> Bool {
        message.withUnsafeBufferPointer { m in
            signature.withUnsafeBufferPointer { s in
                vouch_jwks_verify_signature(raw, algorithm, m.baseAddress, m.count, s.baseAddress, s.count) == 0
            }
        }
    }

    static func error(_ t: OpaquePointer?, _ rc: Int32) -> VouchError {
        guard let t, let d = vouch_jwt_diag(t) else { return VouchError(status: rc) }
        return VouchError(d.pointee, status: rc)
    }

    /// Header and payload of a token, decoded without any verification.
    public static func inspect(_ token: String) throws -> (header: JSONValue, payload: JSONValue?) {
        var h: UnsafeMutablePointer<json_t>?, p: UnsafeMutablePointer<json_t>?
        var t = token
        try checked { diag in
            t.withUTF8 { u in u.withMemoryRebound(to: CChar.self) { vouch_jwt_inspect($0.baseAddress, $0.count, &h, &p, diag) } }
        }
        defer {
            vouch_json_release(h)
            vouch_json_release(p)
        }
        return (JSONValue.convert(h!), p.map(JSONValue.convert))
    }
}
