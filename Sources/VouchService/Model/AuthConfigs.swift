// AuthConfigs.swift: what an operator configures for TLS certificate logins: Infisical's
// per-identity TLS certificate auth, and Vault's named cert roles.
import Foundation

/// TLS certificate auth attached to one identity (Infisical's identityTlsCertAuth).
public struct TLSCertAuthConfig: Codable, Sendable, Equatable {
    public var id: String
    public var identityId: String
    /// PEM: one or more CA certificates, every one a trust anchor.
    public var caCertificate: String
    public var names: NamePolicy
    public var token: TokenSettings
    public var createdAt: Date
    public var updatedAt: Date
}

/// A Vault cert auth role (`auth/cert/certs/:name`).
public struct CertRole: Codable, Sendable, Equatable {
    public var name: String
    public var displayName: String
    public var certificate: String
    public var names: NamePolicy
    public var policies: [String]
    public var token: TokenSettings
    public var tokenType: String
}
