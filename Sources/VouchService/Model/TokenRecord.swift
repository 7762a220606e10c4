// TokenRecord.swift: the server's state of one access token. The token itself is a JWS
// the client holds; this is what makes it renewable, countable and revocable.
import Foundation

public struct TokenRecord: Codable, Sendable, Equatable {
    public var id: String             // the JWS's jti
    public var accessor: String       // a second handle, safe to log and list (Vault's accessor)
    public var subject: String        // identity id, or "cert/<role>" for Vault cert logins
    public var authMethod: String     // "tls-cert-auth", "cert"
    public var displayName: String
    public var policies: [String]
    public var metadata: [String: String]
    public var createdAt: Int64       // Unix seconds
    public var expiresAt: Int64       // current expiry; renewals move it, never past maxExpiresAt
    public var maxExpiresAt: Int64
    public var ttl: Int
    public var uses: Int
    public var usesLimit: Int         // 0: unlimited
    public var trustedIPs: [CIDR]
    public var revoked: Bool
}
