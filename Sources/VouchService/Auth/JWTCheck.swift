// JWTCheck.swift: the decision of a JWT login, shared by Infisical's OIDC and JWT auth and
// Vault's jwt roles: the token verified by the core against the source's cached key set
// (one refetch when it names a kid the set lacks), then its claims held to the rules:
// issuer, audiences, subject and bound claims (exactly or as globs), algorithms, leeways.
import Foundation
import VouchCore

/// Why a login was refused: a stable code, the HTTP kind, and the precise reason (audit only).
public struct LoginRefusal: Error, Sendable {
    public let code: String
    public let detail: String
    public let kind: ServiceError.Kind

    init(_ code: String, _ detail: String, _ kind: ServiceError.Kind = .unauthorized) {
        self.code = code
        self.detail = detail
        self.kind = kind
    }
}

struct JWTCheck: Sendable {
    let source: KeySetSource
    let rules: ClaimRules
    /// How patterns match: Infisical's picomatch rules, or Vault's go-glob.
    var style: Glob.Style = .path

    /// A token that passed: its claims, the metadata its claim mappings give, the user.
    struct Passed: Sendable {
        let claims: JSONValue
        let metadata: [String: String]
        let user: String
        /// Set when the keys were the last good set of a source that is down.
        let stale: String?
    }

    var policy: JWTPolicy {
        var p = JWTPolicy(issuer: rules.issuer.isEmpty ? nil : rules.issuer,
                          audiences: rules.globSubjectAndAudience ? [] : rules.audiences,
                          algorithms: rules.algorithms.isEmpty ? nil : Set(rules.algorithms.compactMap(JWTAlgorithm.init)))
        // a negative leeway (Vault's -1) means none; stored values are bounded, and clamped here too
        func seconds(_ v: Int) -> Int64 { Int64(min(max(v, 0), 86_400)) }
        let skew = seconds(rules.clockSkewLeeway)
        p.expirationLeeway = seconds(rules.expirationLeeway) + skew
        p.notBeforeLeeway = seconds(rules.notBeforeLeeway) + skew
        return p
    }

    func check(_ token: String, at now: Int64) async throws(LoginRefusal) -> Passed {
        // an algorithm list that names something Vouch does not know must not become "all"
        guard Set(rules.algorithms.compactMap(JWTAlgorithm.init)).count == Set(rules.algorithms).count else {
            throw LoginRefusal("invalid_configuration", "the allowed algorithms \(rules.algorithms) name one Vouch does not know", .unavailable)
        }
        var keys: KeySetSource.Keys
        do {
            keys = try await source.keys()
        } catch {
            throw LoginRefusal("key_source_unavailable", "\(error)", .unavailable)
        }
        let at = Date(timeIntervalSince1970: TimeInterval(now))
        let policy = self.policy
        var verified: VerifiedJWT
        do {
            verified = try keys.set.verify(token, policy: policy, at: at)
        } catch let e as VouchError where e.code == "unknown_key" {
            // a key the set does not hold (yet): one refetch, rate-limited per source
            guard let fresh = await source.refetchForUnknownKey(), fresh.set !== keys.set else {
                throw LoginRefusal("unknown_key", "\(e.message) (\(source.name) was fetched again within the last \(source.minRefetchInterval) s)")
            }
            keys = fresh
            do {
                verified = try keys.set.verify(token, policy: policy, at: at)
            } catch let e as VouchError {
                throw Self.refusal(e)
            } catch {
                throw LoginRefusal("invalid_token", "\(error)")
            }
        } catch let e as VouchError {
            throw Self.refusal(e)
        } catch {
            throw LoginRefusal("invalid_token", "\(error)")
        }
        let claims = verified.claims
        try checkAudience(claims)
        if !rules.subject.isEmpty {
            guard case .string(let sub)? = claims["sub"] else { throw LoginRefusal("subject_not_allowed", "the token has no sub") }
            let ok = rules.globSubjectAndAudience ? Glob(rules.subject, style: style).matches(sub) : sub == rules.subject
            guard ok else { throw LoginRefusal("subject_not_allowed", "sub \(sub.prefix(200)) does not match \(rules.subject)") }
        }
        if !rules.claims.isEmpty, let why = BoundClaims(rules.claims, glob: rules.globClaims, style: style).refusal(claims) {
            throw LoginRefusal("claim_not_allowed", why)
        }
        var metadata: [String: String] = [:]
        for (claim, key) in rules.claimMappings {
            if let v = BoundClaims.lookup(claims, claim), let texts = BoundClaims.texts(v) {
                metadata[key] = texts.joined(separator: ",")
            }
        }
        let user: String
        if rules.userClaim.isEmpty {
            if case .string(let sub)? = claims["sub"] { user = sub } else { user = "" }
        } else {
            guard let u = BoundClaims.lookup(claims, rules.userClaim).flatMap(BoundClaims.texts)?.first else {
                throw LoginRefusal("claim_not_allowed", "the user claim \(rules.userClaim) is missing or not a string")
            }
            user = u
        }
        return Passed(claims: claims, metadata: metadata, user: user, stale: keys.stale)
    }

    private func checkAudience(_ claims: JSONValue) throws(LoginRefusal) {
        let aud: [String]
        switch claims["aud"] {
        case .string(let s)?: aud = [s]
        case .array(let a)?: aud = a.compactMap { if case .string(let s) = $0 { s } else { nil } }
        default: aud = []
        }
        if rules.audiences.isEmpty {
            if rules.refuseUnboundAudience, !aud.isEmpty {
                throw LoginRefusal("wrong_audience", "the token has an aud but the role binds no audience (as Vault)")
            }
            return
        }
        guard rules.globSubjectAndAudience else { return }  // exact: checked by the core
        guard aud.contains(where: { a in rules.audiences.contains { Glob($0, style: style).matches(a) } }) else {
            throw LoginRefusal("wrong_audience", "aud \(aud.joined(separator: ",").prefix(200)) matches none of the bound audiences")
        }
    }

    static func refusal(_ e: VouchError) -> LoginRefusal {
        switch e.code {
        case "malformed_token", "invalid_claims": LoginRefusal(e.code, e.message, .badRequest)
        default: LoginRefusal(e.code, e.message)
        }
    }
}
