// Vouch+JWTAuth.swift: OIDC auth and JWT auth attached to identities (Infisical's
// shapes), and their login: the token verified against the identity's key source (OIDC
// discovery, a JWKS URL, or PEM keys), its claims held to the bound issuer, audiences,
// subject and claims (as globs, as Infisical matches them), a token issued.
import Foundation
import VouchCore

/// The settable fields of an identity's OIDC or JWT auth; nil leaves a field as it is.
public struct JWTAuthInput: Sendable {
    // where the keys come from
    public var discoveryURL: String?      // OIDC: oidcDiscoveryUrl
    public var configurationType: String? // JWT: "jwks" or "static"
    public var jwksURL: String?
    public var caCert: String?            // caCert (OIDC) / jwksCaCert (JWT)
    public var publicKeys: [String]?      // JWT static
    public var allowInsecureHTTP: Bool?
    // what the token must carry
    public var boundIssuer: String?
    public var boundAudiences: String?    // comma list of globs
    public var boundClaims: [String: String]?  // claim -> comma list of globs
    public var boundSubject: String?      // glob
    public var claimMetadataMapping: [String: String]?  // metadata key -> claim
    // the tokens a login issues
    public var accessTokenTTL: Int?
    public var accessTokenMaxTTL: Int?
    public var accessTokenNumUsesLimit: Int?
    public var accessTokenTrustedIps: [String]?

    public init() {}
}

extension Vouch {
    /// Limits on what a configuration may hold (bound lists, PEM keys).
    static let maxBoundItems = 256
    static let maxPublicKeys = 64

    static func checkedURL(_ url: String, field: String, allowHTTP: Bool) throws -> String {
        if let why = HTTPFetcher.refusal(of: url, allowHTTP: allowHTTP) { throw ServiceError.badRequest("invalid_url", "\(field): \(why)") }
        return url
    }

    static func checkedPublicKeys(_ keys: [String], field: String) throws -> [String] {
        guard keys.count <= maxPublicKeys, keys.allSatisfy({ $0.utf8.count <= 64 * 1024 }) else {
            throw ServiceError.badRequest("invalid_public_keys", "\(field): at most \(maxPublicKeys) keys of at most 64 KiB each")
        }
        for (i, k) in keys.enumerated() {
            do {
                let set = try JWKS(json: Array(#"{"keys":[]}"#.utf8), pem: Array(k.utf8))
                guard set.count >= 1 else { throw ServiceError.badRequest("invalid_public_keys", "\(field)[\(i)] holds no PUBLIC KEY block") }
            } catch let e as VouchError {
                throw ServiceError.badRequest("invalid_public_keys", "\(field)[\(i)]: \(e.message)")
            }
        }
        return keys
    }

    static func checkedClaims(_ claims: [String: [String]], field: String) throws -> [String: [String]] {
        guard claims.count <= maxBoundItems, claims.allSatisfy({ $0.key.utf8.count <= 256 && !$0.key.isEmpty && $0.value.count <= maxBoundItems }) else {
            throw ServiceError.badRequest("invalid_bound_claims", "\(field): at most \(maxBoundItems) claims, names 1 to 256 bytes")
        }
        return claims
    }

    public func attachJWTAuth(_ method: IdentityJWTAuth.Method, identityId: String, _ input: JWTAuthInput, remote: String?)
        async throws -> IdentityJWTAuth
    {
        _ = try await identity(identityId)
        let now = Date(timeIntervalSince1970: TimeInterval(self.now()))
        var rules = ClaimRules()
        rules.globSubjectAndAudience = true
        rules.globClaims = true
        rules.userClaim = ""  // Infisical asks nothing of sub unless a bound subject says so
        rules.expirationLeeway = 0
        rules.notBeforeLeeway = 0
        var config = IdentityJWTAuth(
            id: UUID().uuidString.lowercased(), identityId: identityId, method: method,
            source: KeySourceConfig(kind: method == .oidc ? .discovery : .jwks), rules: rules, token: TokenSettings(),
            createdAt: now, updatedAt: now)
        try apply(input, to: &config, creating: true)
        let attached = config
        let inserted = try await change {
            try await self.store.putDocument(kind: DocumentKind.identity(method), key: identityId, Document.encode(attached), insert: true)
        }
        guard inserted else {
            throw ServiceError(.conflict, "auth_method_exists", "\(method.rawValue) is already attached to identity \(identityId)")
        }
        adminEvent("attach-\(method.rawValue)", subject: identityId, remote: remote)
        return config
    }

    public func updateJWTAuth(_ method: IdentityJWTAuth.Method, identityId: String, _ input: JWTAuthInput, remote: String?)
        async throws -> IdentityJWTAuth
    {
        var config = try await jwtAuth(method, identityId: identityId)
        try apply(input, to: &config, creating: false)
        config.updatedAt = Date(timeIntervalSince1970: TimeInterval(now()))
        let updated = config
        _ = try await change {
            // still attached, under the change lock: an update never re-attaches what a revoke removed
            guard try await self.store.document(kind: DocumentKind.identity(method), key: identityId) != nil else {
                throw ServiceError.notFound("auth_method_not_found", "\(method.rawValue) is not attached to identity \(identityId)")
            }
            return try await self.store.putDocument(kind: DocumentKind.identity(method), key: identityId, Document.encode(updated), insert: false)
        }
        adminEvent("update-\(method.rawValue)", subject: identityId, remote: remote)
        return config
    }

    public func jwtAuth(_ method: IdentityJWTAuth.Method, identityId: String) async throws -> IdentityJWTAuth {
        guard let d = try await store.document(kind: DocumentKind.identity(method), key: identityId) else {
            _ = try await identity(identityId)
            throw ServiceError.notFound("auth_method_not_found", "\(method.rawValue) is not attached to identity \(identityId)")
        }
        return try Document.decode(IdentityJWTAuth.self, d)
    }

    /// Detaches the auth method and revokes the tokens it issued.
    public func revokeJWTAuth(_ method: IdentityJWTAuth.Method, identityId: String, remote: String?) async throws -> IdentityJWTAuth {
        let c = try await jwtAuth(method, identityId: identityId)
        _ = try await change {
            try await self.store.deleteDocuments(kind: DocumentKind.identity(method), key: identityId,
                                                 tokensOf: (identityId, method.rawValue))
        }
        adminEvent("revoke-\(method.rawValue)", subject: identityId, remote: remote)
        return c
    }

    private func apply(_ input: JWTAuthInput, to config: inout IdentityJWTAuth, creating: Bool) throws {
        let m = config.method
        if let v = input.allowInsecureHTTP { config.source.allowHTTP = v }
        if let v = input.caCert {
            config.source.caPEM = v.isEmpty ? "" : try Self.checkedCA(v, field: m == .oidc ? "caCert" : "jwksCaCert")
        }
        switch m {
        case .oidc:
            if let v = input.discoveryURL { config.source.url = try Self.checkedURL(v, field: "oidcDiscoveryUrl", allowHTTP: config.source.allowHTTP) }
            guard !config.source.url.isEmpty else { throw ServiceError.badRequest("missing_field", "oidcDiscoveryUrl is required") }
            _ = try Self.checkedURL(config.source.url, field: "oidcDiscoveryUrl", allowHTTP: config.source.allowHTTP)
        case .jwt:
            if let t = input.configurationType {
                switch t {
                case "jwks": config.source.kind = .jwks
                case "static": config.source.kind = .pem
                default: throw ServiceError.badRequest("invalid_configuration_type", "configurationType is \"jwks\" or \"static\"")
                }
            }
            if let v = input.jwksURL { config.source.url = v.isEmpty ? "" : try Self.checkedURL(v, field: "jwksUrl", allowHTTP: config.source.allowHTTP) }
            if let v = input.publicKeys { config.source.publicKeys = try Self.checkedPublicKeys(v, field: "publicKeys") }
            if config.source.kind == .jwks, config.source.url.isEmpty {
                throw ServiceError.badRequest("missing_field", "jwksUrl is required when configurationType is jwks")
            }
            if config.source.kind == .jwks { _ = try Self.checkedURL(config.source.url, field: "jwksUrl", allowHTTP: config.source.allowHTTP) }
            if config.source.kind == .pem, config.source.publicKeys.isEmpty {
                throw ServiceError.badRequest("missing_field", "publicKeys is required when configurationType is static")
            }
            // the fields of the other configuration type are not kept
            if config.source.kind == .pem { config.source.url = ""; config.source.caPEM = "" } else { config.source.publicKeys = [] }
        }
        if let v = input.boundIssuer { config.rules.issuer = v.trimmingCharacters(in: .whitespaces) }
        if let v = input.boundAudiences { config.rules.audiences = NamePolicy.list([v]) }
        if let v = input.boundSubject { config.rules.subject = v.trimmingCharacters(in: .whitespaces) }
        if let v = input.boundClaims {
            config.rules.claims = try Self.checkedClaims(v.mapValues { NamePolicy.list([$0]) }, field: "boundClaims")
        }
        if let v = input.claimMetadataMapping {
            guard v.count <= Self.maxBoundItems else {
                throw ServiceError.badRequest("invalid_claim_metadata_mapping", "claimMetadataMapping: at most \(Self.maxBoundItems) entries")
            }
            guard Set(v.values).count == v.count else {
                throw ServiceError.badRequest("invalid_claim_metadata_mapping", "claimMetadataMapping maps one claim to two metadata keys")
            }
            config.rules.claimMappings = Dictionary(v.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
        }
        guard config.rules.audiences.count <= Self.maxBoundItems else {
            throw ServiceError.badRequest("invalid_bound_audiences", "boundAudiences: at most \(Self.maxBoundItems) audiences")
        }
        if let v = input.accessTokenTTL { config.token.ttl = v }
        if let v = input.accessTokenMaxTTL { config.token.maxTTL = v }
        if let v = input.accessTokenNumUsesLimit { config.token.numUsesLimit = v }
        if let v = input.accessTokenTrustedIps { config.token.trustedIPs = try v.map(CIDR.init) }
        try config.token.validate(names: ("accessTokenTTL", "accessTokenMaxTTL", "accessTokenNumUsesLimit", "accessTokenTrustedIps"))
    }

    /// An OIDC or JWT login for `identityId` with `jwt`, from `remote`.
    public func loginJWTAuth(_ method: IdentityJWTAuth.Method, identityId: String, jwt: String, remote: String) async throws
        -> LoginResult
    {
        let started = DispatchTime.now().uptimeNanoseconds
        let name = method.rawValue
        defer { observeLogin(name, since: started) }
        func refuse(_ r: LoginRefusal, message: String? = nil) -> ServiceError {
            audit.record(.init(type: "login", action: name, outcome: "refused", remote: remote, subject: identityId,
                               code: r.code, reason: r.detail))
            metrics.increment("vouch_logins_total", [("method", name), ("outcome", "refused")])
            return ServiceError(r.kind, r.code, message ?? Self.loginMessages[r.code] ?? "token refused", detail: r.detail)
        }
        let snap: ConfigSnapshot
        do { snap = try liveSnapshot() } catch {
            throw refuse(LoginRefusal("configuration_unavailable", "the configuration is being reloaded after a failed reload",
                                      .unavailable))
        }
        guard let auth = snap.identityJWT[name + "/" + identityId] else {
            throw refuse(LoginRefusal("auth_method_not_found", "no \(name) is attached to this identity", .notFound),
                         message: "\(name) is not configured for this identity")
        }
        guard !jwt.isEmpty else { throw refuse(LoginRefusal("missing_jwt", "no jwt was given", .badRequest), message: "jwt is required") }
        guard CIDR.anyContains(auth.config.token.trustedIPs, remote) else {
            throw refuse(LoginRefusal("ip_not_trusted", "\(remote) is not among the trusted IPs", .forbidden), message: "address not trusted")
        }
        let passed: JWTCheck.Passed
        do {
            passed = try await auth.check.check(jwt, at: now())
        } catch {
            throw refuse(error)
        }
        let identity = auth.identity
        var metadata = passed.metadata
        metadata["identityName"] = identity.name
        metadata["role"] = identity.role
        let result = try await issue(
            subject: identityId, method: name, displayName: identity.name, policies: identity.policies, metadata: metadata,
            settings: auth.config.token, identityId: identityId)
        var extra = ["sub": String(passed.user.prefix(256))]
        if let stale = passed.stale { extra["keys"] = stale }
        audit.record(.init(type: "login", action: name, outcome: "allowed", remote: remote, subject: identityId,
                           accessor: result.record.accessor, extra: extra))
        metrics.increment("vouch_logins_total", [("method", name), ("outcome", "allowed")])
        return result
    }

    /// What a refused JWT login tells the caller (the audit log has the precise reason).
    static let loginMessages = [
        "malformed_token": "the jwt is not a well-formed token", "invalid_claims": "the jwt's claims are malformed",
        "token_expired": "the jwt has expired", "token_not_yet_valid": "the jwt is not valid yet",
        "wrong_issuer": "the jwt's issuer is not the bound issuer", "wrong_audience": "the jwt's audience is not allowed",
        "subject_not_allowed": "the jwt's subject is not allowed", "claim_not_allowed": "the jwt's claims do not match",
        "unknown_key": "no key of the issuer verifies the jwt", "bad_signature": "the jwt's signature does not verify",
        "algorithm_not_allowed": "the jwt's algorithm is not allowed",
        "key_source_unavailable": "the issuer's keys cannot be fetched now; try again later",
        "configuration_unavailable": "the configuration could not be reloaded after a change; logins resume once it is",
        "namespace_not_allowed": "the service account's namespace is not allowed",
        "service_account_not_allowed": "the service account is not allowed",
        "tokenreview_refused": "the cluster did not authenticate the service account token",
        "tokenreview_mismatch": "the cluster's review does not match the token",
        "tokenreview_unauthorized": "the cluster refused to review the token (the reviewer's credentials)",
        "kubernetes_unavailable": "the cluster cannot be asked now; try again later",
    ]
}
