// Store.swift: what the service keeps, behind one protocol: SQLite embedded (the
// default), PostgreSQL later for several nodes. Every method is one atomic step.
import Foundation

public enum UseOutcome: Sendable, Equatable {
    case used(TokenRecord)   // counted; the record after the use
    case notFound
    case revoked
    case expired
    case exhausted           // no uses left
}

public protocol Store: Sendable {
    func meta(_ key: String) throws -> [UInt8]?
    /// Sets a value only if none is set; returns the value that is set afterwards.
    func setMetaIfAbsent(_ key: String, _ value: [UInt8]) throws -> [UInt8]

    func identities() throws -> [Identity]
    func identity(_ id: String) throws -> Identity?
    func insertIdentity(_ identity: Identity) throws
    func updateIdentity(_ identity: Identity) throws
    /// Deletes the identity with its auth methods and tokens; false when there was none.
    func deleteIdentity(_ id: String) throws -> Bool

    func tlsCertAuths() throws -> [TLSCertAuthConfig]
    func tlsCertAuth(identityId: String) throws -> TLSCertAuthConfig?
    /// Inserts (when `insert`, failing if one exists) or replaces an identity's config.
    func putTLSCertAuth(_ config: TLSCertAuthConfig, insert: Bool) throws -> Bool
    func deleteTLSCertAuth(identityId: String) throws -> Bool

    func certRoles() throws -> [CertRole]
    func putCertRole(_ role: CertRole) throws
    func deleteCertRole(_ name: String) throws -> Bool

    func crls() throws -> [(name: String, data: [UInt8])]
    func putCRL(name: String, data: [UInt8]) throws
    func deleteCRL(_ name: String) throws -> Bool

    func insertToken(_ token: TokenRecord) throws
    func token(id: String) throws -> TokenRecord?
    func token(accessor: String) throws -> TokenRecord?
    /// Counts one use atomically: of N concurrent uses of a token with N uses left, all
    /// succeed; of N + 1, exactly one fails.
    func useToken(id: String, now: Int64) throws -> UseOutcome
    /// Moves the expiry of a live token; returns the record after, or nil if not live.
    func renewToken(id: String, expiresAt: Int64, now: Int64) throws -> TokenRecord?
    func revokeToken(id: String) throws -> Bool
    func revokeTokens(subject: String, authMethod: String) throws
    /// Drops tokens whose hard expiry has passed.
    func purgeExpiredTokens(now: Int64) throws -> Int
}
