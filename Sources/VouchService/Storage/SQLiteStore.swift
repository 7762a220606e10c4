// SQLiteStore.swift: the embedded store: one SQLite file (WAL) in the data directory.
// Configurations are kept as JSON documents; tokens as rows, so that a use is a single
// conditional UPDATE.
import Foundation
import VouchCore

public final class SQLiteStore: Store {
    private let db: SQLiteDatabase
    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .secondsSince1970
        e.outputFormatting = .sortedKeys
        return e
    }()
    private static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .secondsSince1970
        return d
    }()

    public init(path: String) throws {
        db = try SQLiteDatabase(path: path)
        try db.execute("""
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS identities (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS tls_cert_auth (
                identity_id TEXT PRIMARY KEY REFERENCES identities(id) ON DELETE CASCADE, doc TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS cert_roles (name TEXT PRIMARY KEY, doc TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS crls (name TEXT PRIMARY KEY, data BLOB NOT NULL);  -- as pushed: PEM or DER
            CREATE TABLE IF NOT EXISTS tokens (
                id TEXT PRIMARY KEY, accessor TEXT NOT NULL UNIQUE, subject TEXT NOT NULL, auth_method TEXT NOT NULL,
                expires_at INTEGER NOT NULL, max_expires_at INTEGER NOT NULL, uses INTEGER NOT NULL,
                uses_limit INTEGER NOT NULL, revoked INTEGER NOT NULL, doc TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS tokens_subject ON tokens(subject, auth_method);
            CREATE INDEX IF NOT EXISTS tokens_max_expiry ON tokens(max_expires_at);
            """)
    }

    private func encode(_ v: some Encodable) throws -> SQLValue {
        .text(String(decoding: try Self.encoder.encode(v), as: UTF8.self))
    }
    private func decode<T: Decodable>(_ type: T.Type, _ v: SQLValue) throws -> T {
        try Self.decoder.decode(type, from: Data((v.blob ?? [])))
    }

    // MARK: meta

    public func meta(_ key: String) throws -> [UInt8]? {
        try db.query("SELECT value FROM meta WHERE key = ?", [.text(key)]).first?[0].blob
    }

    public func setMetaIfAbsent(_ key: String, _ value: [UInt8]) throws -> [UInt8] {
        try db.transaction { t in
            try t.update("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", [.text(key), .blob(value)])
            return try t.query("SELECT value FROM meta WHERE key = ?", [.text(key)])[0][0].blob ?? []
        }
    }

    // MARK: identities

    public func identities() throws -> [Identity] {
        try db.query("SELECT doc FROM identities ORDER BY name").map { try decode(Identity.self, $0[0]) }
    }

    public func identity(_ id: String) throws -> Identity? {
        try db.query("SELECT doc FROM identities WHERE id = ?", [.text(id)]).first.map { try decode(Identity.self, $0[0]) }
    }

    public func insertIdentity(_ i: Identity) throws {
        try db.transaction { t in
            guard try t.query("SELECT 1 FROM identities WHERE name = ?", [.text(i.name)]).isEmpty else {
                throw ServiceError(.conflict, "identity_exists", "an identity named \"\(i.name)\" already exists")
            }
            try t.update("INSERT INTO identities (id, name, doc) VALUES (?, ?, ?)", [.text(i.id), .text(i.name), try encode(i)])
        }
    }

    public func updateIdentity(_ i: Identity) throws {
        try db.transaction { t in
            guard try t.query("SELECT 1 FROM identities WHERE name = ? AND id != ?", [.text(i.name), .text(i.id)]).isEmpty else {
                throw ServiceError(.conflict, "identity_exists", "an identity named \"\(i.name)\" already exists")
            }
            try t.update("UPDATE identities SET name = ?, doc = ? WHERE id = ?", [.text(i.name), try encode(i), .text(i.id)])
        }
    }

    public func deleteIdentity(_ id: String) throws -> Bool {
        try db.transaction { t in
            try t.update("DELETE FROM tokens WHERE subject = ?", [.text(id)])
            return try t.update("DELETE FROM identities WHERE id = ?", [.text(id)]) == 1
        }
    }

    // MARK: TLS certificate auth

    public func tlsCertAuths() throws -> [TLSCertAuthConfig] {
        try db.query("SELECT doc FROM tls_cert_auth").map { try decode(TLSCertAuthConfig.self, $0[0]) }
    }

    public func tlsCertAuth(identityId: String) throws -> TLSCertAuthConfig? {
        try db.query("SELECT doc FROM tls_cert_auth WHERE identity_id = ?", [.text(identityId)]).first.map {
            try decode(TLSCertAuthConfig.self, $0[0])
        }
    }

    public func putTLSCertAuth(_ c: TLSCertAuthConfig, insert: Bool) throws -> Bool {
        try db.update(
            insert ? "INSERT OR IGNORE INTO tls_cert_auth (identity_id, doc) VALUES (?, ?)"
                : "UPDATE tls_cert_auth SET doc = ?2 WHERE identity_id = ?1",
            [.text(c.identityId), try encode(c)]) == 1
    }

    public func deleteTLSCertAuth(identityId: String) throws -> Bool {
        try db.transaction { t in
            try t.update("DELETE FROM tokens WHERE subject = ? AND auth_method = 'tls-cert-auth'", [.text(identityId)])
            return try t.update("DELETE FROM tls_cert_auth WHERE identity_id = ?", [.text(identityId)]) == 1
        }
    }

    // MARK: Vault cert roles and CRLs

    public func certRoles() throws -> [CertRole] {
        try db.query("SELECT doc FROM cert_roles ORDER BY name").map { try decode(CertRole.self, $0[0]) }
    }

    public func putCertRole(_ role: CertRole) throws {
        try db.update("INSERT OR REPLACE INTO cert_roles (name, doc) VALUES (?, ?)", [.text(role.name), try encode(role)])
    }

    public func deleteCertRole(_ name: String) throws -> Bool {
        try db.update("DELETE FROM cert_roles WHERE name = ?", [.text(name)]) == 1
    }

    public func crls() throws -> [(name: String, data: [UInt8])] {
        try db.query("SELECT name, data FROM crls ORDER BY name").map { ($0[0].text ?? "", $0[1].blob ?? []) }
    }

    public func putCRL(name: String, data: [UInt8]) throws {
        try db.update("INSERT OR REPLACE INTO crls (name, data) VALUES (?, ?)", [.text(name), .blob(data)])
    }

    public func deleteCRL(_ name: String) throws -> Bool {
        try db.update("DELETE FROM crls WHERE name = ?", [.text(name)]) == 1
    }

    // MARK: tokens

    public func insertToken(_ r: TokenRecord) throws {
        try db.update(
            """
            INSERT INTO tokens (id, accessor, subject, auth_method, expires_at, max_expires_at, uses, uses_limit, revoked, doc)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [.text(r.id), .text(r.accessor), .text(r.subject), .text(r.authMethod), .int(r.expiresAt), .int(r.maxExpiresAt),
             .int(Int64(r.uses)), .int(Int64(r.usesLimit)), .int(r.revoked ? 1 : 0), .text(Self.document(r))])
    }

    /// A token's fixed fields as JSON, written directly: this runs on every login.
    static func document(_ r: TokenRecord) -> String {
        JSONText.encode([
            "id": r.id, "accessor": r.accessor, "subject": r.subject, "authMethod": r.authMethod, "displayName": r.displayName,
            "policies": r.policies, "metadata": r.metadata, "createdAt": r.createdAt, "maxExpiresAt": r.maxExpiresAt,
            "ttl": r.ttl, "usesLimit": r.usesLimit, "trustedIPs": r.trustedIPs.map(\.description),
        ] as [String: Any])
    }

    private static let tokenColumns = "doc, expires_at, uses, revoked"

    /// The document holds what never changes; the columns hold what does.
    private func record(_ row: [SQLValue]) throws -> TokenRecord {
        let doc = try JSONValue.parse(row[0].blob ?? [])
        func str(_ k: String) -> String { if case .string(let s)? = doc[k] { s } else { "" } }
        func int(_ k: String) -> Int64 { if case .int(let n)? = doc[k] { n } else { 0 } }
        func strings(_ v: JSONValue?) -> [String] {
            guard case .array(let a)? = v else { return [] }
            return a.compactMap { if case .string(let s) = $0 { s } else { nil } }
        }
        var metadata: [String: String] = [:]
        for (k, v) in doc["metadata"]?.object ?? [] { if case .string(let s) = v { metadata[k] = s } }
        return TokenRecord(
            id: str("id"), accessor: str("accessor"), subject: str("subject"), authMethod: str("authMethod"),
            displayName: str("displayName"), policies: strings(doc["policies"]), metadata: metadata, createdAt: int("createdAt"),
            expiresAt: row[1].int ?? 0, maxExpiresAt: int("maxExpiresAt"), ttl: Int(int("ttl")), uses: Int(row[2].int ?? 0),
            usesLimit: Int(int("usesLimit")), trustedIPs: try strings(doc["trustedIPs"]).map(CIDR.init), revoked: row[3].int == 1)
    }

    public func token(id: String) throws -> TokenRecord? {
        try db.query("SELECT \(Self.tokenColumns) FROM tokens WHERE id = ?", [.text(id)]).first.map(record)
    }

    public func token(accessor: String) throws -> TokenRecord? {
        try db.query("SELECT \(Self.tokenColumns) FROM tokens WHERE accessor = ?", [.text(accessor)]).first.map(record)
    }

    public func useToken(id: String, now: Int64) throws -> UseOutcome {
        try db.transaction { t in
            let n = try t.update(
                """
                UPDATE tokens SET uses = uses + 1
                WHERE id = ? AND revoked = 0 AND expires_at > ? AND (uses_limit = 0 OR uses < uses_limit)
                """, [.text(id), .int(now)])
            guard let row = try t.query("SELECT \(Self.tokenColumns) FROM tokens WHERE id = ?", [.text(id)]).first else {
                return .notFound
            }
            let r = try record(row)
            if n == 1 { return .used(r) }
            if r.revoked { return .revoked }
            if r.expiresAt <= now { return .expired }
            return .exhausted
        }
    }

    public func renewToken(id: String, expiresAt: Int64, now: Int64) throws -> TokenRecord? {
        try db.transaction { t in
            let n = try t.update(
                """
                UPDATE tokens SET expires_at = ?
                WHERE id = ? AND revoked = 0 AND expires_at > ? AND (uses_limit = 0 OR uses < uses_limit)
                """, [.int(expiresAt), .text(id), .int(now)])
            guard n == 1 else { return nil }
            return try t.query("SELECT \(Self.tokenColumns) FROM tokens WHERE id = ?", [.text(id)]).first.map(record)
        }
    }

    public func revokeToken(id: String) throws -> Bool {
        try db.update("UPDATE tokens SET revoked = 1 WHERE id = ? AND revoked = 0", [.text(id)]) == 1
    }

    public func revokeTokens(subject: String, authMethod: String) throws {
        try db.update("UPDATE tokens SET revoked = 1 WHERE subject = ? AND auth_method = ?", [.text(subject), .text(authMethod)])
    }

    public func purgeExpiredTokens(now: Int64) throws -> Int {
        try db.update("DELETE FROM tokens WHERE max_expires_at <= ?", [.int(now)])
    }
}
