// KubernetesAuthConfigs.swift: what an operator configures for Kubernetes service-account
// logins: the cluster (API server, its CA, the reviewer's JWT sealed under the master key,
// keys for local checks, TokenReview or local mode) and which service accounts may log in.
// Infisical's per-identity Kubernetes auth and Vault's kubernetes mounts and roles are both
// stored in these terms.
import Foundation

/// A cluster, as a login reaches it.
public struct KubernetesClusterConfig: Codable, Sendable, Equatable, Hashable {
    public enum ReviewMode: String, Codable, Sendable { case api, local }
    /// https://API-SERVER[:PORT]
    public var host: String
    /// PEM CA bundle for the API server's TLS ("" : the system store).
    public var caPEM: String
    /// The reviewer's JWT, sealed under the master key; empty: each client's JWT reviews itself.
    public var sealedReviewerJWT: [UInt8]
    /// PEM public keys of the cluster's service-account issuer: tokens are checked locally
    /// (signature, expiry, issuer) before any TokenReview.
    public var pemKeys: [String]
    /// The issuer's OIDC discovery (its JWK Set) as the local keys instead of `pemKeys`.
    @DefaultFalse public var keysFromIssuer: Bool
    /// Expected `iss` ("" : not checked, as Vault's default).
    public var issuer: String
    /// api: TokenReview decides (after the local checks); local: the local checks decide.
    public var reviewMode: ReviewMode
    /// Plain http to a host that is not loopback (a Vouch setting; off by default).
    @DefaultFalse public var allowHTTP: Bool

    public init(host: String = "", caPEM: String = "", sealedReviewerJWT: [UInt8] = [], pemKeys: [String] = [], issuer: String = "",
                reviewMode: ReviewMode = .api) {
        self.host = host
        self.caPEM = caPEM
        self.sealedReviewerJWT = sealedReviewerJWT
        self.pemKeys = pemKeys
        self.issuer = issuer
        self.reviewMode = reviewMode
    }

    /// The local key source, when the cluster's keys are known.
    var keySource: KeySourceConfig? {
        if keysFromIssuer, !issuer.isEmpty {
            var k = KeySourceConfig(kind: .discovery, url: issuer, caPEM: caPEM, allowHTTP: allowHTTP)
            k.caAddsToSystem = true
            return k
        }
        if !pemKeys.isEmpty { return KeySourceConfig(kind: .pem, publicKeys: pemKeys) }
        return nil
    }
}

/// Which service accounts may log in (globs; empty lists allow any, "*" too).
public struct ServiceAccountRules: Codable, Sendable, Equatable {
    public var names: [String] = []
    public var namespaces: [String] = []
    /// When set: the token's audience (checked locally and sent as TokenReview's spec.audiences).
    public var audience: String = ""

    public init() {}
}

/// Kubernetes auth attached to one identity (Infisical's identityKubernetesAuth).
public struct IdentityKubernetesAuth: Codable, Sendable, Equatable {
    public var id: String
    public var identityId: String
    public var cluster: KubernetesClusterConfig
    public var rules: ServiceAccountRules
    public var token: TokenSettings
    public var createdAt: Date
    public var updatedAt: Date
}

/// A Vault kubernetes mount's config (`auth/{mount}/config`).
public struct VaultKubernetesConfig: Codable, Sendable, Equatable {
    public var cluster: KubernetesClusterConfig
    public var disableLocalCAJWT: Bool
}

/// A Vault kubernetes role (`auth/{mount}/role/{name}`).
public struct VaultKubernetesRole: Codable, Sendable, Equatable {
    public var name: String
    public var rules: ServiceAccountRules
    public var aliasNameSource: String   // serviceaccount_uid | serviceaccount_name
    public var policies: [String]
    public var token: TokenSettings
    public var tokenType: String
}
