// VaultKubernetesRoutes.swift: the bodies of Vault's kubernetes auth method (config and
// role writes and reads), as hvac's auth.kubernetes sends and reads them.
import Foundation
import VouchService

/// POST /v1/auth/{mount}/config on a kubernetes mount.
struct VaultKubernetesConfigRequest: Decodable, Sendable {
    let kubernetes_host: String?
    let kubernetes_ca_cert: String?
    let token_reviewer_jwt: String?
    let pem_keys: VaultList?
    let issuer: String?
    let disable_iss_validation: Bool?
    let disable_local_ca_jwt: Bool?
    let use_annotations_as_alias_metadata: Bool?
    // Vouch's: local review, keys from the issuer's discovery
    let token_review_mode: String?
    let keys_from_issuer: Bool?

    func input() throws -> VaultKubernetesConfigInput {
        if use_annotations_as_alias_metadata == true {
            throw ServiceError.badRequest("unsupported_field", "use_annotations_as_alias_metadata is not supported (no entity aliases)")
        }
        var i = VaultKubernetesConfigInput()
        i.host = kubernetes_host
        i.caCert = kubernetes_ca_cert
        i.reviewerJWT = token_reviewer_jwt
        i.pemKeys = pem_keys?.items
        // disable_iss_validation (deprecated in Vault, true by default): the issuer is checked exactly when one is set
        i.issuer = disable_iss_validation == true ? "" : issuer
        i.disableLocalCAJWT = disable_local_ca_jwt
        i.reviewMode = token_review_mode
        i.keysFromIssuer = keys_from_issuer
        return i
    }
}

struct VaultKubernetesConfigData: Encodable, Sendable {
    let kubernetes_host: String
    let kubernetes_ca_cert: String
    let pem_keys: [String]
    let issuer: String
    let disable_iss_validation: Bool
    let disable_local_ca_jwt: Bool
    let token_reviewer_jwt_set: Bool
    let use_annotations_as_alias_metadata = false
    let token_review_mode: String
    let keys_from_issuer: Bool

    init(_ c: VaultKubernetesConfig) {
        kubernetes_host = c.cluster.host
        kubernetes_ca_cert = c.cluster.caPEM
        pem_keys = c.cluster.pemKeys
        issuer = c.cluster.issuer
        disable_iss_validation = c.cluster.issuer.isEmpty
        disable_local_ca_jwt = c.disableLocalCAJWT
        token_reviewer_jwt_set = !c.cluster.sealedReviewerJWT.isEmpty
        token_review_mode = c.cluster.reviewMode.rawValue
        keys_from_issuer = c.cluster.keysFromIssuer
    }
}

/// POST /v1/auth/{mount}/role/{name} on a kubernetes mount.
struct VaultKubernetesRoleRequest: Decodable, Sendable {
    let bound_service_account_names: VaultList?
    let bound_service_account_namespaces: VaultList?
    let bound_service_account_namespace_selector: String?
    let audience: String?
    let alias_name_source: String?
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

    func input() throws -> VaultKubernetesRoleInput {
        try refuseUnsupportedTokenFields(explicitMaxTTL: token_explicit_max_ttl, tokenPeriod: token_period, period: period,
                                         noDefaultPolicy: token_no_default_policy)
        if let s = bound_service_account_namespace_selector, !s.isEmpty {
            throw ServiceError.badRequest("unsupported_field", "bound_service_account_namespace_selector is not supported: list the namespaces")
        }
        var i = VaultKubernetesRoleInput()
        i.names = bound_service_account_names?.items
        i.namespaces = bound_service_account_namespaces?.items
        i.audience = audience
        i.aliasNameSource = alias_name_source
        i.policies = (token_policies ?? policies)?.items
        i.ttl = (token_ttl ?? ttl)?.seconds
        i.maxTTL = (token_max_ttl ?? max_ttl)?.seconds
        i.numUses = token_num_uses ?? num_uses
        i.boundCIDRs = (token_bound_cidrs ?? bound_cidrs)?.items
        i.tokenType = token_type
        return i
    }
}

struct VaultKubernetesRoleData: Encodable, Sendable {
    let bound_service_account_names: [String]
    let bound_service_account_namespaces: [String]
    let bound_service_account_namespace_selector = ""
    let audience: String
    let alias_name_source: String
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

    init(_ r: VaultKubernetesRole) {
        bound_service_account_names = r.rules.names
        bound_service_account_namespaces = r.rules.namespaces
        audience = r.rules.audience
        alias_name_source = r.aliasNameSource
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
