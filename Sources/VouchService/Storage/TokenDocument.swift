// TokenDocument.swift: how every store keeps a token: what never changes of it as one JSON
// document, beside the columns that do (expiry, uses, revoked), so that a use is a single
// conditional UPDATE of a row.
import VouchCore

/// What never changes of a token, kept as a document beside the columns that do.
struct TokenDocument: Codable {
    var id: String
    var accessor: String
    var subject: String
    var authMethod: String
    var displayName: String
    var policies: [String]
    var metadata: [String: String]
    var createdAt: Int64
    var maxExpiresAt: Int64
    var ttl: Int
    var usesLimit: Int
    var trustedIPs: [CIDR]

    /// The JSON Codable would write (same members, same order, metadata sorted), built
    /// directly: a login writes one, and the generic encoder cost more than the insert.
    var json: String {
        JSONValue.object([
            ("id", .string(id)), ("accessor", .string(accessor)), ("subject", .string(subject)),
            ("authMethod", .string(authMethod)), ("displayName", .string(displayName)),
            ("policies", .array(policies.map { .string($0) })),
            ("metadata", .object(metadata.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { ($0.key, .string($0.value)) })),
            ("createdAt", .int(createdAt)), ("maxExpiresAt", .int(maxExpiresAt)), ("ttl", .int(Int64(ttl))),
            ("usesLimit", .int(Int64(usesLimit))), ("trustedIPs", .array(trustedIPs.map { .string($0.description) })),
        ]).text
    }
}

extension TokenDocument {
    /// The unchanging part of a record.
    init(_ r: TokenRecord) {
        self.init(
            id: r.id, accessor: r.accessor, subject: r.subject, authMethod: r.authMethod, displayName: r.displayName,
            policies: r.policies, metadata: r.metadata, createdAt: r.createdAt, maxExpiresAt: r.maxExpiresAt, ttl: r.ttl,
            usesLimit: r.usesLimit, trustedIPs: r.trustedIPs)
    }

    /// The record of a stored row: its document (as stored) and the columns that change.
    static func record(doc: [UInt8], expiresAt: Int64, uses: Int64, revoked: Bool) throws -> TokenRecord {
        let d = try Document.decode(TokenDocument.self, doc)
        return TokenRecord(
            id: d.id, accessor: d.accessor, subject: d.subject, authMethod: d.authMethod, displayName: d.displayName,
            policies: d.policies, metadata: d.metadata, createdAt: d.createdAt, expiresAt: expiresAt,
            maxExpiresAt: d.maxExpiresAt, ttl: d.ttl, uses: Int(uses), usesLimit: d.usesLimit,
            trustedIPs: d.trustedIPs, revoked: revoked)
    }
}
