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
    /// RFC 5280 profile rules refuse instead of warn (a Vouch extension).
    public var strict: Bool = false
    public var createdAt: Date
    public var updatedAt: Date

    init(id: String, identityId: String, caCertificate: String, names: NamePolicy, token: TokenSettings, strict: Bool = false,
         createdAt: Date, updatedAt: Date) {
        self.id = id
        self.identityId = identityId
        self.caCertificate = caCertificate
        self.names = names
        self.token = token
        self.strict = strict
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        identityId = try c.decode(String.self, forKey: .identityId)
        caCertificate = try c.decode(String.self, forKey: .caCertificate)
        names = try c.decode(NamePolicy.self, forKey: .names)
        token = try c.decode(TokenSettings.self, forKey: .token)
        strict = try c.decodeIfPresent(Bool.self, forKey: .strict) ?? false  // stored before strict existed
        createdAt = try c.decode(Date.self, forKey: .createdAt)
        updatedAt = try c.decode(Date.self, forKey: .updatedAt)
    }
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
    /// RFC 5280 profile rules refuse instead of warn (a Vouch extension to Vault's role).
    public var strict: Bool = false

    init(name: String, displayName: String, certificate: String, names: NamePolicy, policies: [String], token: TokenSettings,
         tokenType: String, strict: Bool = false) {
        self.name = name
        self.displayName = displayName
        self.certificate = certificate
        self.names = names
        self.policies = policies
        self.token = token
        self.tokenType = tokenType
        self.strict = strict
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        displayName = try c.decode(String.self, forKey: .displayName)
        certificate = try c.decode(String.self, forKey: .certificate)
        names = try c.decode(NamePolicy.self, forKey: .names)
        policies = try c.decode([String].self, forKey: .policies)
        token = try c.decode(TokenSettings.self, forKey: .token)
        tokenType = try c.decode(String.self, forKey: .tokenType)
        strict = try c.decodeIfPresent(Bool.self, forKey: .strict) ?? false  // stored before strict existed
    }
}
