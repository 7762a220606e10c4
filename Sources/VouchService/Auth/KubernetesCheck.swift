// KubernetesCheck.swift: the decision of a Kubernetes login, shared by Infisical's
// per-identity Kubernetes auth and Vault's kubernetes roles. Local checks come first, so
// garbage and the wrong service accounts never cost the API server a round trip: the
// token must parse as a service-account token; with the cluster's keys known, its
// signature, expiry, issuer and audience verify; its namespace and name must be allowed.
// Then TokenReview decides (mode api), or the local checks alone do (mode local: a
// deleted service account's token lives until it expires).
import Foundation
import VouchCore

struct KubernetesCheck: Sendable {
    let cluster: KubernetesClusterConfig
    /// The reviewer's JWT (unsealed), nil: each client's JWT reviews itself.
    let reviewerJWT: String?
    let keys: KeySetSource?
    let reviewer: TokenReviewer
    let rules: ServiceAccountRules
    /// How names match: Vouch's globs on Infisical's lists, go-glob on Vault's.
    var style: Glob.Style = .path

    struct Passed: Sendable {
        let account: ServiceAccount
        let stale: String?
    }

    /// The service account a token's claims name: the projected `kubernetes.io` object, or
    /// a legacy secret token's flat claims.
    static func account(_ claims: JSONValue) -> ServiceAccount? {
        func text(_ v: JSONValue?) -> String? { if case .string(let s)? = v { s } else { nil } }
        if let k = claims["kubernetes.io"], let ns = text(k["namespace"]), let name = text(k["serviceaccount"]?["name"]) {
            return ServiceAccount(namespace: ns, name: name, uid: text(k["serviceaccount"]?["uid"]) ?? "",
                                  secretName: text(k["secret"]?["name"]) ?? "")
        }
        if let ns = text(claims["kubernetes.io/serviceaccount/namespace"]),
           let name = text(claims["kubernetes.io/serviceaccount/service-account.name"]) {
            return ServiceAccount(namespace: ns, name: name, uid: text(claims["kubernetes.io/serviceaccount/service-account.uid"]) ?? "",
                                  secretName: text(claims["kubernetes.io/serviceaccount/secret.name"]) ?? "")
        }
        return nil
    }

    func allowed(_ a: ServiceAccount) throws(LoginRefusal) {
        let names = rules.names.map { Glob($0, style: style) }, namespaces = rules.namespaces.map { Glob($0, style: style) }
        guard Glob.anyMatch(namespaces, [a.namespace]) else {
            throw LoginRefusal("namespace_not_allowed", "namespace \(a.namespace.prefix(100)) is not among the allowed namespaces", .forbidden)
        }
        guard Glob.anyMatch(names, [a.name]) else {
            throw LoginRefusal("service_account_not_allowed", "service account \(a.namespace.prefix(100))/\(a.name.prefix(100)) is not among the allowed names",
                               .forbidden)
        }
    }

    func check(_ jwt: String, at now: Int64) async throws(LoginRefusal) -> Passed {
        var claims: JSONValue
        var stale: String?
        if let keys {
            // local mode: the token must be meant for us, or (no audience set) for the cluster's
            // own API server, whose default audience is its issuer, as TokenReview would demand;
            // a token a pod obtained for another service is not replayable here
            let audience = !rules.audience.isEmpty ? rules.audience : cluster.reviewMode == .local ? cluster.issuer : ""
            var policy = JWTPolicy(issuer: cluster.issuer.isEmpty ? nil : cluster.issuer, audiences: audience.isEmpty ? [] : [audience])
            policy.expirationLeeway = 60
            policy.notBeforeLeeway = 60
            // legacy secret tokens have no exp: TokenReview can still revoke them; local mode cannot
            policy.requireExpiration = cluster.reviewMode == .local
            do {
                let k = try await keys.keys()
                stale = k.stale
                claims = try k.set.verify(jwt, policy: policy, at: Date(timeIntervalSince1970: TimeInterval(now))).claims
            } catch let e as VouchError where e.code == "unknown_key" {
                guard let fresh = await keys.refetchForUnknownKey() else {
                    throw LoginRefusal("unknown_key", e.message)
                }
                do {
                    claims = try fresh.set.verify(jwt, policy: policy, at: Date(timeIntervalSince1970: TimeInterval(now))).claims
                    stale = fresh.stale
                } catch let again as VouchError {
                    throw JWTCheck.refusal(again)
                } catch {
                    throw LoginRefusal("invalid_token", "\(error)")
                }
            } catch let e as VouchError {
                throw JWTCheck.refusal(e)
            } catch {
                throw LoginRefusal("key_source_unavailable", "\(error)", .unavailable)
            }
        } else {
            do {
                guard let payload = try JWKS.inspect(jwt).payload, case .object = payload else {
                    throw LoginRefusal("malformed_token", "the jwt's payload is not a JSON object", .badRequest)
                }
                claims = payload
            } catch let r as LoginRefusal {
                throw r
            } catch {
                throw LoginRefusal("malformed_token", "\(error)", .badRequest)
            }
        }
        guard let fromToken = Self.account(claims) else {
            throw LoginRefusal("invalid_claims", "the jwt names no service account (kubernetes.io claims)", .badRequest)
        }
        try allowed(fromToken)
        var exp: Int64?
        if case .int(let e)? = claims["exp"] { exp = e }
        if keys == nil {
            // unverified: refuse what has plainly expired without asking the API server
            if let exp, exp <= now - 60 { throw LoginRefusal("token_expired", "expired at \(exp) (now \(now))") }
            if !rules.audience.isEmpty {
                var auds: [String] = []
                switch claims["aud"] {
                case .string(let s)?: auds = [s]
                case .array(let a)?: auds = a.compactMap { if case .string(let s) = $0 { s } else { nil } }
                default: break
                }
                guard auds.contains(rules.audience) else { throw LoginRefusal("wrong_audience", "aud \(auds) does not name \(rules.audience)") }
            }
        }
        if cluster.reviewMode == .local { return Passed(account: fromToken, stale: stale) }
        let reviewed = try await reviewer.review(jwt, audience: rules.audience, bearer: reviewerJWT, exp: exp, now: now)
        guard reviewed.namespace == fromToken.namespace, reviewed.name == fromToken.name else {
            throw LoginRefusal("tokenreview_mismatch", "TokenReview names \(reviewed.namespace)/\(reviewed.name), the token \(fromToken.namespace)/\(fromToken.name)")
        }
        guard fromToken.uid.isEmpty || reviewed.uid.isEmpty || reviewed.uid == fromToken.uid else {
            throw LoginRefusal("tokenreview_mismatch", "TokenReview's uid differs from the token's")
        }
        var account = reviewed
        account.secretName = fromToken.secretName
        if account.uid.isEmpty { account.uid = fromToken.uid }
        return Passed(account: account, stale: stale)
    }
}
