// Identity.swift: a machine identity, the role and policies it carries into its tokens.
import Foundation

public struct Identity: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var role: String
    public var policies: [String]
    public var createdAt: Date
    public var updatedAt: Date
}

/// How the tokens a login issues behave (Infisical's accessToken* settings; Vault's token_*).
public struct TokenSettings: Codable, Sendable, Equatable {
    /// Seconds a token lives from issue or renewal; 0: until `maxTTL`.
    public var ttl: Int
    /// Seconds after issue past which no renewal extends a token.
    public var maxTTL: Int
    /// Uses allowed; 0: unlimited.
    public var numUsesLimit: Int
    /// Addresses the token may be used (and obtained) from.
    public var trustedIPs: [CIDR]

    public static let defaultTTL = 2_592_000
    public static let limit = 315_360_000  // ten years, as Infisical

    public init(ttl: Int = defaultTTL, maxTTL: Int = defaultTTL, numUsesLimit: Int = 0,
                trustedIPs: [CIDR] = [.anyIPv4, .anyIPv6]) {
        self.ttl = ttl
        self.maxTTL = maxTTL
        self.numUsesLimit = numUsesLimit
        self.trustedIPs = trustedIPs
    }

    /// Checks the rules every auth method shares; throws a bad request naming the field.
    public func validate(names: (ttl: String, maxTTL: String, uses: String, ips: String)) throws {
        guard (0...Self.limit).contains(ttl) else {
            throw ServiceError.badRequest("invalid_ttl", "\(names.ttl) must be between 0 and \(Self.limit) seconds")
        }
        guard (1...Self.limit).contains(maxTTL) else {
            throw ServiceError.badRequest("invalid_ttl", "\(names.maxTTL) must be between 1 and \(Self.limit) seconds")
        }
        guard ttl <= maxTTL else {
            throw ServiceError.badRequest("invalid_ttl", "\(names.ttl) (\(ttl)) must not exceed \(names.maxTTL) (\(maxTTL))")
        }
        guard numUsesLimit >= 0 else {
            throw ServiceError.badRequest("invalid_num_uses", "\(names.uses) must be 0 (unlimited) or more")
        }
        guard !trustedIPs.isEmpty else {
            throw ServiceError.badRequest("invalid_cidr", "\(names.ips) must list at least one address or range")
        }
    }
}
