// Vouch+Tokens.swift: access tokens: issued at login as a JWS signed with the server's
// Ed25519 key; used (counted atomically, trusted IPs checked), renewed (by the TTL,
// never past the max TTL) and revoked against the server's state of each token.
import Foundation
import VouchCore

extension Vouch {
    func issue(subject: String, method: String, displayName: String, policies: [String], metadata: [String: String],
               settings: TokenSettings, identityId: String?) async throws -> LoginResult {
        let t = now()
        let maxExpires = t + Int64(settings.maxTTL)
        let expires = settings.ttl == 0 ? maxExpires : min(t + Int64(settings.ttl), maxExpires)
        let record = TokenRecord(
            id: Self.tokenKey(), accessor: Self.tokenKey(),
            subject: subject, authMethod: method, displayName: displayName, policies: policies, metadata: metadata,
            createdAt: t, expiresAt: expires, maxExpiresAt: maxExpires, ttl: settings.ttl, uses: 0,
            usesLimit: settings.numUsesLimit, trustedIPs: settings.trustedIPs, revoked: false)
        try await store.insertToken(record)
        let token = signer.sign(AccessClaims(
            iss: "vouch", sub: subject, jti: record.id, iat: t, exp: maxExpires, authMethod: method, identityId: identityId))
        return LoginResult(accessToken: token, record: record)
    }

    /// A token's id or accessor (18 bytes, base64url): the time in milliseconds (6 bytes,
    /// big-endian), then 12 random bytes. 96 random bits keep it unguessable; the time
    /// prefix puts the tokens issued together next to each other in the store's indexes,
    /// so a group of inserts touches a few pages rather than one page per token.
    static func tokenKey() -> String {
        let ms = UInt64(Date().timeIntervalSince1970 * 1000)
        return Base64.encode((0..<6).map { UInt8(truncatingIfNeeded: ms >> (8 * (5 - $0))) } + Secrets.random(count: 12))
    }

    /// The server's record of a token this server signed and still knows, or why not.
    func record(of token: String) async throws -> TokenRecord {
        let t = now()
        guard let claims = signer.verify(token, now: t) else {
            // an expired token of ours says so; anything else is simply not valid
            if let c = signer.verifyIgnoringTime(token), c.exp <= t {
                throw ServiceError(.unauthorized, "token_expired", "the access token has expired")
            }
            throw ServiceError(.unauthorized, "invalid_token", "the access token is not valid")
        }
        guard let r = try await store.token(id: claims.jti) else {
            throw ServiceError(.unauthorized, "invalid_token", "the access token is not valid")
        }
        return r
    }

    private func tokenEvent(_ action: String, _ outcome: String, _ r: TokenRecord?, remote: String?, code: String? = nil) {
        audit.record(.init(type: "token", action: action, outcome: outcome, remote: remote, subject: r?.subject, code: code,
                           accessor: r?.accessor))
    }

    /// One use of a token, by its holder at `remote`: signature, expiry, revocation and
    /// trusted IPs checked, the use counted. Returns the record after the use.
    public func useToken(_ token: String, remote: String) async throws -> TokenRecord {
        let r: TokenRecord
        do {
            r = try await record(of: token)
        } catch let e as ServiceError {
            tokenEvent("use", "refused", nil, remote: remote, code: e.code)
            metrics.increment("vouch_token_uses_total", [("outcome", e.code)])
            throw e
        }
        guard CIDR.anyContains(r.trustedIPs, remote) else {
            tokenEvent("use", "refused", r, remote: remote, code: "ip_not_trusted")
            metrics.increment("vouch_token_uses_total", [("outcome", "ip_not_trusted")])
            throw ServiceError(.forbidden, "ip_not_trusted", "the access token may not be used from this address")
        }
        let outcome = try await store.useToken(id: r.id, now: now())
        let code: String
        switch outcome {
        case .used(let after):
            metrics.increment("vouch_token_uses_total", [("outcome", "ok")])
            return after
        case .notFound: code = "invalid_token"
        case .revoked: code = "token_revoked"
        case .expired: code = "token_expired"
        case .exhausted: code = "token_uses_exhausted"
        }
        tokenEvent("use", "refused", r, remote: remote, code: code)
        metrics.increment("vouch_token_uses_total", [("outcome", code)])
        throw ServiceError(code == "token_uses_exhausted" ? .forbidden : .unauthorized, code, Self.tokenMessages[code] ?? code)
    }

    static let tokenMessages = [
        "invalid_token": "the access token is not valid", "token_revoked": "the access token has been revoked",
        "token_expired": "the access token has expired", "token_uses_exhausted": "the access token has no uses left",
    ]

    /// Extends a live token by its TTL (or `increment` seconds, Vault's renew: at most the
    /// TTL; 0 or less means the TTL, as no increment), never past its max TTL. Does not
    /// count a use.
    public func renewToken(_ token: String, increment: Int? = nil, remote: String) async throws -> LoginResult {
        let r = try await record(of: token)
        guard CIDR.anyContains(r.trustedIPs, remote) else {
            tokenEvent("renew", "refused", r, remote: remote, code: "ip_not_trusted")
            throw ServiceError(.forbidden, "ip_not_trusted", "the access token may not be used from this address")
        }
        let t = now()
        let asked = increment.flatMap { $0 > 0 ? $0 : nil }
        let by = Int64(asked.map { min($0, r.ttl == 0 ? Int.max : r.ttl) } ?? (r.ttl == 0 ? Int(r.maxExpiresAt - t) : r.ttl))
        guard let after = try await store.renewToken(id: r.id, expiresAt: min(t + by, r.maxExpiresAt), now: t) else {
            // why, from the row as it is now: another node (or request) may have revoked it,
            // or it may have expired, since it was read above
            let current = try await store.token(id: r.id)
            let code = current.map { $0.revoked ? "token_revoked" : $0.expiresAt <= t ? "token_expired" : "token_uses_exhausted" }
                ?? "invalid_token"  // gone with its identity or auth method
            tokenEvent("renew", "refused", r, remote: remote, code: code)
            throw ServiceError(code == "token_uses_exhausted" ? .forbidden : .unauthorized, code, Self.tokenMessages[code] ?? code)
        }
        tokenEvent("renew", "ok", after, remote: remote)
        return LoginResult(accessToken: token, record: after, now: t)
    }

    /// Revokes a token (its holder may always give it up).
    public func revokeToken(_ token: String, remote: String) async throws {
        let r = try await record(of: token)
        _ = try await store.revokeToken(id: r.id)
        tokenEvent("revoke", "ok", r, remote: remote)
    }

    /// Seconds a record has left.
    public func remaining(_ r: TokenRecord) -> Int { max(0, Int(r.expiresAt - now())) }
}
