// JWTAuthConfigs.swift: what an operator configures for JWT logins (OIDC discovery,
// a JWKS URL, or static public keys; SPIFFE JWT-SVIDs are the JWKS case): where the keys
// come from, and what a verified token must carry. Infisical's per-identity OIDC and JWT
// auth and Vault's jwt/oidc mounts and roles are both stored in these terms.
import Foundation

/// Where a JWT login's verification keys come from.
public struct KeySourceConfig: Codable, Sendable, Equatable, Hashable {
    public enum Kind: String, Codable, Sendable { case discovery, jwks, pem }
    public var kind: Kind
    /// The issuer (discovery: `{url}/.well-known/openid-configuration`) or the JWKS URL.
    public var url: String
    /// PEM CA bundle for the URL's TLS ("" : the system store).
    public var caPEM: String
    /// PEM public keys (kind `pem`).
    public var publicKeys: [String]
    /// Plain http to a host that is not loopback (a Vouch setting; off by default).
    @DefaultFalse public var allowHTTP: Bool
    /// `caPEM` is trusted besides the system store rather than instead of it (a cluster's
    /// issuer may be its API server, with the cluster CA, or a public OIDC endpoint).
    @DefaultFalse public var caAddsToSystem: Bool

    public init(kind: Kind, url: String = "", caPEM: String = "", publicKeys: [String] = [], allowHTTP: Bool = false) {
        self.kind = kind
        self.url = url
        self.caPEM = caPEM
        self.publicKeys = publicKeys
        self.allowHTTP = allowHTTP
    }
}

/// What a verified JWT must carry, and what a login takes from it.
public struct ClaimRules: Codable, Sendable, Equatable {
    /// Exact `iss` ("" : any).
    public var issuer: String = ""
    /// `aud` must name one of these (none: any, unless `audienceRequiredWhenPresent`).
    public var audiences: [String] = []
    /// `sub` must match this ("" : any).
    public var subject: String = ""
    /// Bound claims: name or JSON pointer -> allowed values.
    public var claims: [String: [String]] = [:]
    /// Subjects and audiences match as globs (Infisical) or exactly (Vault).
    public var globSubjectAndAudience = false
    /// Bound claims match as globs (Infisical; Vault's bound_claims_type "glob") or exactly.
    public var globClaims = false
    /// Vault: a token with `aud` is refused by a role that binds no audience.
    public var refuseUnboundAudience = false
    /// Claim (name or JSON pointer) -> metadata key.
    public var claimMappings: [String: String] = [:]
    /// The claim naming the user (Vault's user_claim; display name and metadata).
    public var userClaim: String = "sub"
    /// Allowed `alg` values (none: every one Vouch verifies).
    public var algorithms: [String] = []
    /// Seconds (Vault's expiration_leeway / not_before_leeway / clock_skew_leeway).
    public var expirationLeeway = 150
    public var notBeforeLeeway = 150
    public var clockSkewLeeway = 60

    public init() {}
}

/// OIDC or JWT auth attached to one identity (Infisical's identityOidcAuth / identityJwtAuth).
public struct IdentityJWTAuth: Codable, Sendable, Equatable {
    public enum Method: String, Codable, Sendable { case oidc = "oidc-auth", jwt = "jwt-auth" }
    public var id: String
    public var identityId: String
    public var method: Method
    public var source: KeySourceConfig
    public var rules: ClaimRules
    public var token: TokenSettings
    public var createdAt: Date
    public var updatedAt: Date
}

/// A Vault auth mount (`sys/auth/{path}`).
public struct AuthMount: Codable, Sendable, Equatable {
    public var path: String
    public var type: String          // cert, jwt, oidc, kubernetes
    public var description: String
    public var accessor: String
    public var uuid: String
    public var builtin: Bool         // the default mounts, which cannot be disabled
}

/// A Vault jwt/oidc mount's config (`auth/{mount}/config`).
public struct VaultJWTConfig: Codable, Sendable, Equatable {
    public var source: KeySourceConfig
    public var boundIssuer: String
    public var supportedAlgs: [String]
    public var defaultRole: String
    /// Browser-flow settings Vault keeps and Vouch stores without using (README says which).
    public var stored: [String: String]
}

/// A Vault jwt role (`auth/{mount}/role/{name}`).
public struct VaultJWTRole: Codable, Sendable, Equatable {
    public var name: String
    public var roleType: String      // jwt (oidc roles are stored; their browser flow is not served)
    public var rules: ClaimRules
    public var policies: [String]
    public var token: TokenSettings
    public var tokenType: String
    public var stored: [String: String]
}
