// ConfigurationRows.swift: what every store reads of the login configuration, as stored
// bytes, and how those bytes become a Configuration or a ConfigurationDelta: one decoding
// for SQLite and PostgreSQL alike (the rows are read in the store's transaction, decoded
// after it, off the database's thread or connection).
import VouchCore

/// The change log's kinds for the tables other than `documents` (whose entries carry the
/// document's own kind: DocumentKind has none of these names).
enum ChangeKind {
    static let identity = "identity", tlsCertAuth = "tls-cert-auth", certRole = "cert-role", crl = "crl"
}

/// The configuration tables' rows as read in one transaction, not yet decoded.
struct ConfigurationRows: Sendable {
    var identities: [[UInt8]] = []
    var tlsCertAuths: [[UInt8]] = []
    /// By name.
    var certRoles: [[UInt8]] = []
    /// By name.
    var crls: [(name: String, data: [UInt8])] = []
    /// By kind, then key.
    var documents: [(kind: String, key: String, doc: [UInt8])] = []
    /// The change log's last sequence number, read in the same transaction.
    var seq: Int64 = 0

    /// The configuration these rows hold; the identities and TLS auths (most of a large
    /// configuration) decoded in parallel.
    func decoded() async throws -> Configuration {
        async let identities = Self.decodeAll(Identity.self, identities)
        async let tlsCertAuths = Self.decodeAll(TLSCertAuthConfig.self, tlsCertAuths)
        var config = Configuration(
            identities: try await identities, tlsCertAuths: try await tlsCertAuths,
            certRoles: try certRoles.map { try Document.decode(CertRole.self, $0) }, crls: crls,
            documents: Dictionary(grouping: documents, by: \.kind).mapValues { $0.map { (key: $0.key, doc: $0.doc) } })
        config.seq = seq
        return config
    }

    /// Decodes stored documents in order, in parallel chunks when there are many.
    static func decodeAll<T: Decodable & Sendable>(_ type: T.Type, _ rows: [[UInt8]]) async throws -> [T] {
        let chunk = 4096
        guard rows.count > chunk else { return try rows.map { try Document.decode(type, $0) } }
        return try await withThrowingTaskGroup(of: (Int, [T]).self) { group in
            for start in stride(from: 0, to: rows.count, by: chunk) {
                let part = rows[start..<min(start + chunk, rows.count)]
                group.addTask { (start, try part.map { try Document.decode(type, $0) }) }
            }
            var parts: [(Int, [T])] = []
            for try await p in group { parts.append(p) }
            return parts.sorted { $0.0 < $1.0 }.flatMap(\.1)
        }
    }
}

extension ConfigurationDelta {
    /// Adds a changed (kind, key) of the change log with its current stored row (nil:
    /// deleted), decoded as its kind's table holds it.
    mutating func add(kind: String, key: String, row: [UInt8]?) throws {
        switch kind {
        case ChangeKind.identity: identities.append((key, try row.map { try Document.decode(Identity.self, $0) }))
        case ChangeKind.tlsCertAuth: tlsCertAuths.append((key, try row.map { try Document.decode(TLSCertAuthConfig.self, $0) }))
        case ChangeKind.certRole: certRoles.append((key, try row.map { try Document.decode(CertRole.self, $0) }))
        case ChangeKind.crl: crls.append((key, row))
        default: documents.append((kind, key, row))
        }
    }
}
