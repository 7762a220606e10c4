// VaultJWTRoutes.swift: the bodies of Vault's jwt auth method (config and role writes and
// reads), as hvac's auth.jwt sends and reads them. Browser OIDC settings are kept and
// shown, never used (the README lists them).
import Foundation
import VouchService

/// POST /v1/auth/{mount}/config on a jwt or oidc mount.
struct VaultJWTConfigRequest: Decodable, Sendable {
    let oidc_discovery_url: String?
    let oidc_discovery_ca_pem: String?
    let oidc_client_id: String?
    let oidc_client_secret: String?
    let oidc_response_mode: String?
    let oidc_response_types: VaultList?
    let jwks_url: String?
    let jwks_ca_pem: String?
    let jwt_validation_pubkeys: VaultList?
    let bound_issuer: String?
    let jwt_supported_algs: VaultList?
    let default_role: String?
    let provider_config: [String: String]?
    let namespace_in_state: Bool?

    func input() throws -> VaultJWTConfigInput {
        if let p = provider_config, !p.isEmpty {
            throw ServiceError.badRequest("unsupported_field", "provider_config is not supported (no provider-specific group lookups)")
        }
        var i = VaultJWTConfigInput()
        i.oidcDiscoveryURL = oidc_discovery_url
        i.oidcDiscoveryCAPEM = oidc_discovery_ca_pem
        i.jwksURL = jwks_url
        i.jwksCAPEM = jwks_ca_pem
        i.validationPubkeys = jwt_validation_pubkeys?.items
        i.boundIssuer = bound_issuer
        i.supportedAlgs = jwt_supported_algs?.items
        i.defaultRole = default_role
        // the browser flow's settings; the client secret is not kept (nothing here would use it)
        if let v = oidc_client_id { i.stored["oidc_client_id"] = v }
        if let v = oidc_response_mode { i.stored["oidc_response_mode"] = v }
        if let v = oidc_response_types { i.stored["oidc_response_types"] = v.items.joined(separator: ",") }
        if let v = namespace_in_state { i.stored["namespace_in_state"] = v ? "true" : "false" }
        return i
    }
}

/// A jwt mount's config as Vault reads it back.
struct VaultJWTConfigData: Encodable, Sendable {
    let oidc_discovery_url: String
    let oidc_discovery_ca_pem: String
    let oidc_client_id: String
    let oidc_response_mode: String
    let oidc_response_types: [String]
    let jwks_url: String
    let jwks_ca_pem: String
    let jwt_validation_pubkeys: [String]
    let bound_issuer: String
    let jwt_supported_algs: [String]
    let default_role: String
    let provider_config: [String: String] = [:]
    let namespace_in_state: Bool

    init(_ c: VaultJWTConfig) {
        oidc_discovery_url = c.source.kind == .discovery ? c.source.url : ""
        oidc_discovery_ca_pem = c.source.kind == .discovery ? c.source.caPEM : ""
        jwks_url = c.source.kind == .jwks ? c.source.url : ""
        jwks_ca_pem = c.source.kind == .jwks ? c.source.caPEM : ""
        jwt_validation_pubkeys = c.source.publicKeys
        oidc_client_id = c.stored["oidc_client_id"] ?? ""
        oidc_response_mode = c.stored["oidc_response_mode"] ?? ""
        oidc_response_types = NamePolicy.list([c.stored["oidc_response_types"] ?? ""])
        bound_issuer = c.boundIssuer
        jwt_supported_algs = c.supportedAlgs
        default_role = c.defaultRole
        namespace_in_state = c.stored["namespace_in_state"] != "false"
    }
}

/// POST /v1/auth/{mount}/role/{name} on a jwt or oidc mount.
struct VaultJWTRoleRequest: Decodable, Sendable {
    let name: String?
    let role_type: String?
    let bound_audiences: VaultList?
    let user_claim: String?
    let user_claim_json_pointer: Bool?
    let bound_subject: String?
    let bound_claims: [String: VaultList]?
    let bound_claims_type: String?
    let claim_mappings: [String: String]?
    let groups_claim: String?
    let oidc_scopes: VaultList?
    let allowed_redirect_uris: VaultList?
    let verbose_oidc_logging: Bool?
    let max_age: VaultDuration?
    let expiration_leeway: VaultDuration?
    let not_before_leeway: VaultDuration?
    let clock_skew_leeway: VaultDuration?
    let token_policies: VaultList?
    let policies: VaultList?
    let token_ttl: VaultDuration?
    let ttl: VaultDuration?
    let token_max_ttl: VaultDuration?
    let max_ttl: VaultDuration?
    let token_num_uses: Int?
    let num_uses: Int?
    let token_bound_cidrs: VaultList?
    let bound_cidrs: VaultList?
    let token_type: String?
    let token_explicit_max_ttl: VaultDuration?
    let token_period: VaultDuration?
    let period: VaultDuration?
    let token_no_default_policy: Bool?

    func input() throws -> VaultJWTRoleInput {
        try refuseUnsupportedTokenFields(explicitMaxTTL: token_explicit_max_ttl, tokenPeriod: token_period, period: period,
                                         noDefaultPolicy: token_no_default_policy)
        var i = VaultJWTRoleInput()
        i.roleType = role_type
        i.userClaim = user_claim
        i.userClaimJSONPointer = user_claim_json_pointer
        i.boundAudiences = bound_audiences?.items
        i.boundSubject = bound_subject
        i.boundClaims = bound_claims?.mapValues(\.items)
        i.boundClaimsType = bound_claims_type
        i.claimMappings = claim_mappings
        i.expirationLeeway = expiration_leeway?.seconds
        i.notBeforeLeeway = not_before_leeway?.seconds
        i.clockSkewLeeway = clock_skew_leeway?.seconds
        i.policies = (token_policies ?? policies)?.items
        i.ttl = (token_ttl ?? ttl)?.seconds
        i.maxTTL = (token_max_ttl ?? max_ttl)?.seconds
        i.numUses = token_num_uses ?? num_uses
        i.boundCIDRs = (token_bound_cidrs ?? bound_cidrs)?.items
        i.tokenType = token_type
        if let v = groups_claim { i.stored["groups_claim"] = v }
        if let v = oidc_scopes { i.stored["oidc_scopes"] = v.items.joined(separator: ",") }
        if let v = allowed_redirect_uris { i.stored["allowed_redirect_uris"] = v.items.joined(separator: ",") }
        if let v = verbose_oidc_logging { i.stored["verbose_oidc_logging"] = v ? "true" : "false" }
        if let v = max_age { i.stored["max_age"] = String(v.seconds) }
        return i
    }
}

/// A jwt role as Vault reads it back.
struct VaultJWTRoleData: Encodable, Sendable {
    let role_type: String
    let bound_audiences: [String]
    let user_claim: String
    let user_claim_json_pointer: Bool
    let bound_subject: String
    let bound_claims: Nullable<[String: [String]]>
    let bound_claims_type: String
    let claim_mappings: Nullable<[String: String]>
    let groups_claim: String
    let oidc_scopes: [String]
    let allowed_redirect_uris: [String]
    let verbose_oidc_logging: Bool
    let max_age: Int
    let expiration_leeway: Int
    let not_before_leeway: Int
    let clock_skew_leeway: Int
    let token_policies: [String]
    let policies: [String]
    let token_ttl: Int
    let ttl: Int
    let token_max_ttl: Int
    let max_ttl: Int
    let token_num_uses: Int
    let num_uses: Int
    let token_bound_cidrs: [String]
    let bound_cidrs: [String]
    let token_type: String
    let token_explicit_max_ttl = 0
    let token_period = 0
    let period = 0
    let token_no_default_policy = false

    init(_ r: VaultJWTRole) {
        role_type = r.roleType
        bound_audiences = r.rules.audiences
        user_claim = r.rules.userClaim
        user_claim_json_pointer = r.rules.userClaim.hasPrefix("/")
        bound_subject = r.rules.subject
        bound_claims = Nullable(r.rules.claims.isEmpty ? nil : r.rules.claims)
        bound_claims_type = r.rules.globClaims ? "glob" : "string"
        claim_mappings = Nullable(r.rules.claimMappings.isEmpty ? nil : r.rules.claimMappings)
        groups_claim = r.stored["groups_claim"] ?? ""
        oidc_scopes = NamePolicy.list([r.stored["oidc_scopes"] ?? ""])
        allowed_redirect_uris = NamePolicy.list([r.stored["allowed_redirect_uris"] ?? ""])
        verbose_oidc_logging = r.stored["verbose_oidc_logging"] == "true"
        max_age = Int(r.stored["max_age"] ?? "") ?? 0
        expiration_leeway = r.rules.expirationLeeway
        not_before_leeway = r.rules.notBeforeLeeway
        clock_skew_leeway = r.rules.clockSkewLeeway
        token_policies = r.policies
        policies = r.policies
        token_ttl = r.token.ttl
        ttl = r.token.ttl
        token_max_ttl = r.token.maxTTL
        max_ttl = r.token.maxTTL
        token_num_uses = r.token.numUsesLimit
        num_uses = r.token.numUsesLimit
        let cidrs = r.token.trustedIPs == [.anyIPv4, .anyIPv6] ? [] : r.token.trustedIPs.map(\.description)
        token_bound_cidrs = cidrs
        bound_cidrs = cidrs
        token_type = r.tokenType
    }
}
