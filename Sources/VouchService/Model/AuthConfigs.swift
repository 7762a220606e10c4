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
    @DefaultFalse public var strict: Bool
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
    /// RFC 5280 profile rules refuse instead of warn (a Vouch extension to Vault's role).
    @DefaultFalse public var strict: Bool
}

/// A setting added after documents were first stored: false where a document lacks it.
@propertyWrapper
public struct DefaultFalse: Codable, Sendable, Hashable {
    public var wrappedValue: Bool
    public init(wrappedValue: Bool = false) { self.wrappedValue = wrappedValue }
    public init(from decoder: Decoder) throws { wrappedValue = try decoder.singleValueContainer().decode(Bool.self) }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(wrappedValue)
    }
}

extension KeyedDecodingContainer {
    /// A missing DefaultFalse member decodes as false (synthesized Decodable calls this).
    public func decode(_ type: DefaultFalse.Type, forKey key: Key) throws -> DefaultFalse {
        try decodeIfPresent(type, forKey: key) ?? DefaultFalse()
    }
}
