// Vouch+VaultJWT.swift: Vault's jwt auth method at any jwt/oidc mount: `config` (one key
// source: OIDC discovery, a JWKS URL, or PEM keys; bound issuer; algorithms), named roles
// (bound audiences, subject and claims, claim mappings, leeways, token settings) and the
// login `{role, jwt}`. Browser OIDC flows are not served: their settings are kept and
// shown, never used.
import Foundation
import VouchCore

/// A jwt mount's config write, already decoded.
public struct VaultJWTConfigInput: Sendable {
    public var oidcDiscoveryURL: String?
    public var oidcDiscoveryCAPEM: String?
    public var jwksURL: String?
    public var jwksCAPEM: String?
    public var validationPubkeys: [String]?
    public var boundIssuer: String?
    public var supportedAlgs: [String]?
    public var defaultRole: String?
    /// Browser-flow settings: stored and shown, not used.
    public var stored: [String: String] = [:]

    public init() {}
}

/// A jwt role write, already decoded (Vault's create-or-update: nil keeps a field).
public struct VaultJWTRoleInput: Sendable {
    public var roleType: String?
    public var userClaim: String?
    public var userClaimJSONPointer: Bool?
    public var boundAudiences: [String]?
    public var boundSubject: String?
    public var boundClaims: [String: [String]]?
    public var boundClaimsType: String?
    public var claimMappings: [String: String]?
    public var expirationLeeway: Int?
    public var notBeforeLeeway: Int?
    public var clockSkewLeeway: Int?
    public var policies: [String]?
    public var ttl: Int?
    public var maxTTL: Int?
    public var numUses: Int?
    public var boundCIDRs: [String]?
    public var tokenType: String?
    public var stored: [String: String] = [:]

    public init() {}
}

/// What a Vault jwt or kubernetes login hands back.
public struct MountLoginResult: Sendable {
    public let login: LoginResult
    public let metadata: [String: String]
}

extension Vouch {
    static let jwtMountTypes: Set<String> = ["jwt", "oidc"]

    public func vaultJWTConfig(mount path: String) throws -> VaultJWTConfig {
        let m = try mount(path, types: Self.jwtMountTypes)
        guard let c = current.vaultJWT[m.path]?.config else {
            throw ServiceError.notFound("config_not_found", "auth/\(m.path)/config has not been written")
        }
        return c
    }

    public func putVaultJWTConfig(mount path: String, _ input: VaultJWTConfigInput, remote: String?) async throws {
        let m = try mount(path, types: Self.jwtMountTypes)
        let sources = [input.oidcDiscoveryURL, input.jwksURL].compactMap { $0?.isEmpty == false ? $0 : nil }.count
            + ((input.validationPubkeys ?? []).isEmpty ? 0 : 1)
        guard sources == 1 else {
            throw ServiceError.badRequest(
                "invalid_config", "exactly one of 'jwt_validation_pubkeys', 'jwks_url' or 'oidc_discovery_url' must be set")
        }
        var source: KeySourceConfig
        if let u = input.oidcDiscoveryURL, !u.isEmpty {
            source = KeySourceConfig(kind: .discovery, url: try Self.checkedURL(u, field: "oidc_discovery_url", allowHTTP: false))
            if let ca = input.oidcDiscoveryCAPEM, !ca.isEmpty { source.caPEM = try Self.checkedCA(ca, field: "oidc_discovery_ca_pem") }
        } else if let u = input.jwksURL, !u.isEmpty {
            source = KeySourceConfig(kind: .jwks, url: try Self.checkedURL(u, field: "jwks_url", allowHTTP: false))
            if let ca = input.jwksCAPEM, !ca.isEmpty { source.caPEM = try Self.checkedCA(ca, field: "jwks_ca_pem") }
        } else {
            source = KeySourceConfig(kind: .pem, publicKeys: try Self.checkedPublicKeys(input.validationPubkeys ?? [],
                                                                                       field: "jwt_validation_pubkeys"))
        }
        let algs = NamePolicy.list(input.supportedAlgs ?? [])
        for a in algs where JWTAlgorithm(rawValue: a) == nil {
            throw ServiceError.badRequest("invalid_algorithm", "jwt_supported_algs: \(a.prefix(40)) is not an algorithm Vouch verifies with")
        }
        // as Vault: a source that cannot be reached now is refused at write (probed by a
        // source of its own, dropped after: a refused write leaves nothing running)
        do {
            _ = try await KeySetSource(source, fetcher: fetcher, metrics: nil, minRefetchInterval: 0).keys()
        } catch {
            throw ServiceError.badRequest("invalid_config", "error checking the key source: \(error)")
        }
        let config = VaultJWTConfig(source: source, boundIssuer: input.boundIssuer ?? "", supportedAlgs: algs,
                                    defaultRole: input.defaultRole ?? "", stored: input.stored)
        _ = try await change {
            _ = try self.mount(m.path, types: Self.jwtMountTypes)  // still there, under the change lock
            return try await self.store.putDocument(kind: DocumentKind.mountConfig, key: m.path, Document.encode(config), insert: false)
        }
        adminEvent("write-\(m.type)-config", subject: m.path, remote: remote)
    }

    public func vaultJWTRole(mount path: String, _ name: String) throws -> VaultJWTRole {
        let m = try mount(path, types: Self.jwtMountTypes)
        let n = name.lowercased()
        guard let r = current.vaultJWT[m.path]?.roles[n] else { throw ServiceError.notFound("role_not_found", "role \"\(n)\" could not be found") }
        return r
    }

    public func vaultJWTRoleNames(mount path: String) throws -> [String] {
        let m = try mount(path, types: Self.jwtMountTypes)
        return (current.vaultJWT[m.path]?.roles.keys).map { $0.sorted() } ?? []
    }

    public func putVaultJWTRole(mount path: String, _ name: String, _ input: VaultJWTRoleInput, remote: String?) async throws {
        let m = try mount(path, types: Self.jwtMountTypes)
        let n = try Self.roleName(name)
        var role = current.vaultJWT[m.path]?.roles[n] ?? VaultJWTRole(
            name: n, roleType: "oidc", rules: ClaimRules(), policies: [],
            token: TokenSettings(ttl: Self.vaultDefaultTTL, maxTTL: Self.vaultDefaultTTL), tokenType: "default", stored: [:])
        role.rules.refuseUnboundAudience = true
        if let v = input.roleType {
            guard v == "jwt" || v == "oidc" else { throw ServiceError.badRequest("invalid_role_type", "role_type is \"jwt\" or \"oidc\"") }
            role.roleType = v
        }
        if let v = input.userClaim { role.rules.userClaim = v }
        if input.userClaimJSONPointer == true, !role.rules.userClaim.hasPrefix("/") { role.rules.userClaim = "/" + role.rules.userClaim }
        guard !role.rules.userClaim.isEmpty, input.userClaim != nil || current.vaultJWT[m.path]?.roles[n] != nil else {
            throw ServiceError.badRequest("missing_field", "a user claim must be defined on the role")
        }
        if let v = input.boundAudiences { role.rules.audiences = NamePolicy.list(v) }
        if let v = input.boundSubject { role.rules.subject = v }
        if let v = input.boundClaims { role.rules.claims = try Self.checkedClaims(v.mapValues { NamePolicy.list($0) }, field: "bound_claims") }
        if let v = input.boundClaimsType {
            guard v == "string" || v == "glob" else { throw ServiceError.badRequest("invalid_bound_claims_type", "bound_claims_type is \"string\" or \"glob\"") }
            role.rules.globClaims = v == "glob"
        }
        if let v = input.claimMappings {
            guard v.count <= Self.maxBoundItems else { throw ServiceError.badRequest("invalid_claim_mappings", "at most \(Self.maxBoundItems) claim mappings") }
            guard Set(v.values).count == v.count else {
                throw ServiceError.badRequest("invalid_claim_mappings", "claim_mappings maps two claims to one metadata key")
            }
            role.rules.claimMappings = v
        }
        // Vault: 0 means the default, -1 none; at most a day here (a longer leeway is no leeway)
        for (field, value) in [("expiration_leeway", input.expirationLeeway), ("not_before_leeway", input.notBeforeLeeway),
                               ("clock_skew_leeway", input.clockSkewLeeway)] {
            if let v = value, !(-1...86_400).contains(v) {
                throw ServiceError.badRequest("invalid_leeway", "\(field) is -1 (none), 0 (the default) or up to 86400 seconds")
            }
        }
        if let v = input.expirationLeeway { role.rules.expirationLeeway = v == 0 ? 150 : v }
        if let v = input.notBeforeLeeway { role.rules.notBeforeLeeway = v == 0 ? 150 : v }
        if let v = input.clockSkewLeeway { role.rules.clockSkewLeeway = v == 0 ? 60 : v }
        if role.roleType == "jwt", role.rules.audiences.isEmpty, role.rules.subject.isEmpty, role.rules.claims.isEmpty {
            throw ServiceError.badRequest("missing_bound_constraint", "must have at least one bound constraint when creating/updating a role")
        }
        if let v = input.policies { role.policies = try Self.validPolicies(v) }
        try Self.applyVaultTokenFields(ttl: input.ttl, maxTTL: input.maxTTL, numUses: input.numUses, boundCIDRs: input.boundCIDRs,
                                       tokenType: input.tokenType, to: &role.token, tokenType: &role.tokenType)
        for (k, v) in input.stored { role.stored[k] = v }
        let written = role
        _ = try await change {
            _ = try self.mount(m.path, types: Self.jwtMountTypes)  // still there, under the change lock
            return try await self.store.putDocument(kind: DocumentKind.mountRole, key: m.path + "/" + n, Document.encode(written), insert: false)
        }
        adminEvent("write-\(m.type)-role", subject: m.path + "/" + n, remote: remote)
    }

    public func deleteVaultJWTRole(mount path: String, _ name: String, remote: String?) async throws {
        let m = try mount(path, types: Self.jwtMountTypes)
        let n = name.lowercased()
        _ = try await change {
            _ = try self.mount(m.path, types: Self.jwtMountTypes)
            return try await self.store.deleteDocuments(kind: DocumentKind.mountRole, key: m.path + "/" + n, tokensOf: nil)
        }
        adminEvent("delete-\(m.type)-role", subject: m.path + "/" + n, remote: remote)
    }

    /// A Vault jwt login at `mount` with `role` (or the config's default role).
    public func loginVaultJWT(mount path: String, role roleName: String?, jwt: String, remote: String) async throws -> MountLoginResult {
        let started = DispatchTime.now().uptimeNanoseconds
        defer { observeLogin("jwt", since: started) }
        let m = try mount(path, types: Self.jwtMountTypes)
        func refuse(_ r: LoginRefusal, subject: String?, message: String? = nil) -> ServiceError {
            audit.record(.init(type: "login", action: m.path, outcome: "refused", remote: remote, subject: subject, code: r.code,
                               reason: r.detail))
            metrics.increment("vouch_logins_total", [("method", "jwt"), ("outcome", "refused")])
            let kind: ServiceError.Kind = r.kind == .unavailable ? .unavailable : r.kind == .forbidden ? .forbidden : .badRequest
            return ServiceError(kind, r.code, message ?? Self.loginMessages[r.code] ?? "token refused", detail: r.detail)
        }
        let snap: ConfigSnapshot
        do { snap = try liveSnapshot() } catch {
            throw refuse(LoginRefusal("configuration_unavailable", "the configuration is being reloaded", .unavailable), subject: nil)
        }
        guard let mount = snap.vaultJWT[m.path], let config = mount.config, let source = mount.source else {
            throw refuse(LoginRefusal("config_not_found", "auth/\(m.path)/config has not been written"), subject: nil,
                         message: "could not load configuration")
        }
        let n = (roleName?.isEmpty == false ? roleName! : config.defaultRole).lowercased()
        guard !n.isEmpty else { throw refuse(LoginRefusal("missing_role", "no role given and no default_role"), subject: nil,
                                             message: "missing role") }
        guard let role = mount.roles[n] else {
            throw refuse(LoginRefusal("role_not_found", "no role \(n) at \(m.path)/"), subject: n, message: "role \"\(n)\" could not be found")
        }
        guard role.roleType == "jwt" else {
            throw refuse(LoginRefusal("role_type_not_allowed", "role \(n) is an oidc role (browser flow)"), subject: n,
                         message: "role with oidc role_type is not allowed")
        }
        guard !jwt.isEmpty else { throw refuse(LoginRefusal("missing_jwt", "no jwt"), subject: n, message: "missing token") }
        guard CIDR.anyContains(role.token.trustedIPs, remote) else {
            throw refuse(LoginRefusal("ip_not_trusted", "\(remote) is outside token_bound_cidrs", .forbidden), subject: n,
                         message: "permission denied")
        }
        var rules = role.rules
        rules.issuer = config.boundIssuer
        if rules.algorithms.isEmpty { rules.algorithms = config.supportedAlgs }
        let passed: JWTCheck.Passed
        do {
            passed = try await JWTCheck(source: source, rules: rules, style: .vault).check(jwt, at: now())
        } catch {
            throw refuse(error, subject: n)
        }
        var metadata = passed.metadata
        metadata["role"] = n
        let login = try await issue(
            subject: m.path + "/" + n, method: m.path, displayName: m.path + "-" + String(passed.user.prefix(128)),
            policies: role.policies, metadata: metadata, settings: role.token, identityId: nil)
        var extra = ["user": String(passed.user.prefix(256))]
        if let stale = passed.stale { extra["keys"] = stale }
        audit.record(.init(type: "login", action: m.path, outcome: "allowed", remote: remote, subject: n,
                           accessor: login.record.accessor, extra: extra))
        metrics.increment("vouch_logins_total", [("method", "jwt"), ("outcome", "allowed")])
        return MountLoginResult(login: login, metadata: metadata)
    }
}
