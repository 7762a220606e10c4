// SQLiteStore.swift: the embedded store: one SQLite file (WAL) in the data directory,
// worked on its own queue (SQLite.swift). Configurations are kept as JSON documents (the
// one JSON path, VouchCore's); tokens as rows, so that a use is a single conditional UPDATE.
import Foundation
import VouchCore

public final class SQLiteStore: Store {
    let db: SQLiteDatabase

    /// The schema, one numbered step per entry, applied in order and never edited once
    /// released: a change is a new entry. Step 1 is the schema as it was before numbering
    /// (IF NOT EXISTS: databases made then already have it).
    static let migrations = [
        """
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS identities (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS tls_cert_auth (
            identity_id TEXT PRIMARY KEY REFERENCES identities(id) ON DELETE CASCADE, doc TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS cert_roles (name TEXT PRIMARY KEY, doc TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS crls (name TEXT PRIMARY KEY, data BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS tokens (
            id TEXT PRIMARY KEY, accessor TEXT NOT NULL UNIQUE, subject TEXT NOT NULL, auth_method TEXT NOT NULL,
            expires_at INTEGER NOT NULL, max_expires_at INTEGER NOT NULL, uses INTEGER NOT NULL,
            uses_limit INTEGER NOT NULL, revoked INTEGER NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS tokens_subject ON tokens(subject, auth_method);
        CREATE INDEX IF NOT EXISTS tokens_max_expiry ON tokens(max_expires_at);
        """,
        """
        CREATE TABLE documents (kind TEXT NOT NULL, key TEXT NOT NULL, doc BLOB NOT NULL, PRIMARY KEY (kind, key));
        """,
        """
        CREATE TABLE ssh_certificates (
            mount TEXT NOT NULL, serial TEXT NOT NULL, key_id TEXT NOT NULL, issued_at INTEGER NOT NULL, doc TEXT NOT NULL,
            PRIMARY KEY (mount, serial));
        """,
        """
        CREATE TABLE ssh_revocations (
            seq INTEGER PRIMARY KEY AUTOINCREMENT, ca TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,
            ca_key TEXT NOT NULL, revoked_at INTEGER NOT NULL, doc TEXT NOT NULL, UNIQUE (ca, kind, value, ca_key));
        CREATE INDEX ssh_certificates_key_id ON ssh_certificates(mount, key_id);
        """,
        // The configuration's change log, written by the database itself: every row written
        // to a login configuration table appends its (kind, key), so that the running
        // configuration reloads only what changed (configurationChanges). An update that
        // moves a row to another key logs both keys. The newest 10,000 entries are kept; a
        // reader further behind reads the whole configuration again.
        """
        CREATE TABLE config_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, key TEXT NOT NULL);
        CREATE TRIGGER config_changes_prune AFTER INSERT ON config_changes BEGIN
            DELETE FROM config_changes WHERE seq <= NEW.seq - 10000;
        END;
        CREATE TRIGGER identities_logged_insert AFTER INSERT ON identities BEGIN
            INSERT INTO config_changes (kind, key) VALUES ('identity', NEW.id);
        END;
        CREATE TRIGGER identities_logged_update AFTER UPDATE ON identities BEGIN
            INSERT INTO config_changes (kind, key) VALUES ('identity', OLD.id);
            INSERT INTO config_changes (kind, key) SELECT 'identity', NEW.id WHERE NEW.id IS NOT OLD.id;
        END;
        CREATE TRIGGER identities_logged_delete AFTER DELETE ON identities BEGIN
            INSERT INTO config_changes (kind, key) VALUES ('identity', OLD.id);
        END;
        CREATE TRIGGER tls_cert_auth_logged_insert AFTER INSERT ON tls_cert_auth BEGIN
            INSERT INTO config_changes (kind, key) VALUES ('tls-cert-auth', NEW.identity_id);
        END;
        CREATE TRIGGER tls_cert_auth_logged_update AFTER UPDATE ON tls_cert_auth BEGIN
            INSERT INTO config_changes (kind, key) VALUES ('tls-cert-auth', OLD.identity_id);
            INSERT INTO config_changes (kind, key) SELECT 'tls-cert-auth', NEW.identity_id WHERE NEW.identity_id IS NOT OLD.identity_id;
        END;
        CREATE TRIGGER tls_cert_auth_logged_delete AFTER DELETE ON tls_cert_auth BEGIN
            INSERT INTO config_changes (kind, key) VALUES ('tls-cert-auth', OLD.identity_id);
        END;
        CREATE TRIGGER cert_roles_logged_insert AFTER INSERT ON cert_roles BEGIN
            INSERT INTO config_changes (kind, key) VALUES ('cert-role', NEW.name);
        END;
        CREATE TRIGGER cert_roles_logged_update AFTER UPDATE ON cert_roles BEGIN
            INSERT INTO config_changes (kind, key) VALUES ('cert-role', OLD.name);
            INSERT INTO config_changes (kind, key) SELECT 'cert-role', NEW.name WHERE NEW.name IS NOT OLD.name;
        END;
        CREATE TRIGGER cert_roles_logged_delete AFTER DELETE ON cert_roles BEGIN
            INSERT INTO config_changes (kind, key) VALUES ('cert-role', OLD.name);
        END;
        CREATE TRIGGER crls_logged_insert AFTER INSERT ON crls BEGIN
            INSERT INTO config_changes (kind, key) VALUES ('crl', NEW.name);
        END;
        CREATE TRIGGER crls_logged_update AFTER UPDATE ON crls BEGIN
            INSERT INTO config_changes (kind, key) VALUES ('crl', OLD.name);
            INSERT INTO config_changes (kind, key) SELECT 'crl', NEW.name WHERE NEW.name IS NOT OLD.name;
        END;
        CREATE TRIGGER crls_logged_delete AFTER DELETE ON crls BEGIN
            INSERT INTO config_changes (kind, key) VALUES ('crl', OLD.name);
        END;
        CREATE TRIGGER documents_logged_insert AFTER INSERT ON documents BEGIN
            INSERT INTO config_changes (kind, key) VALUES (NEW.kind, NEW.key);
        END;
        CREATE TRIGGER documents_logged_update AFTER UPDATE ON documents BEGIN
            INSERT INTO config_changes (kind, key) VALUES (OLD.kind, OLD.key);
            INSERT INTO config_changes (kind, key) SELECT NEW.kind, NEW.key WHERE NEW.kind IS NOT OLD.kind OR NEW.key IS NOT OLD.key;
        END;
        CREATE TRIGGER documents_logged_delete AFTER DELETE ON documents BEGIN
            INSERT INTO config_changes (kind, key) VALUES (OLD.kind, OLD.key);
        END;
        """,
    ]

    public init(path: String) throws {
        db = try SQLiteDatabase(path: path, migrations: Self.migrations)
    }

    /// How many migrations the database has had.
    public func schemaVersion() async throws -> Int { try await db.schemaVersion() }

    /// Runs statements in one transaction (tests: what another writer would do).
    func execute(_ statements: [String]) async throws {
        try await db.run { c in try c.transaction { for s in statements { try c.execute(s) } } }
    }

    private static func encode(_ v: some Encodable) -> SQLValue { .text(JSON.encode(v)) }
    private static func decode<T: Decodable>(_ type: T.Type, _ v: SQLValue) throws -> T { try Document.decode(type, v.blob ?? []) }

    // MARK: meta

    public func meta(_ key: String) async throws -> [UInt8]? {
        try await db.run { try $0.query("SELECT value FROM meta WHERE key = ?", [.text(key)]).first?[0].blob }
    }

    public func setMetaIfAbsent(_ key: String, _ value: [UInt8]) async throws -> [UInt8] {
        try await db.run { c in
            try c.transaction {
                try c.update("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", [.text(key), .blob(value)])
                return try c.query("SELECT value FROM meta WHERE key = ?", [.text(key)])[0][0].blob ?? []
            }
        }
    }

    public func configuration() async throws -> Configuration {
        // the rows are read in one transaction; decoding them, most of the work for a large
        // configuration, is spread over the cores, off the database's thread
        let rows = try await db.run { c in
            try c.transaction {
                ConfigurationRows(
                    identities: try c.query("SELECT doc FROM identities").map { $0[0].blob ?? [] },
                    tlsCertAuths: try c.query("SELECT doc FROM tls_cert_auth").map { $0[0].blob ?? [] },
                    certRoles: try c.query("SELECT doc FROM cert_roles ORDER BY name").map { $0[0].blob ?? [] },
                    crls: try c.query("SELECT name, data FROM crls ORDER BY name").map { ($0[0].text ?? "", $0[1].blob ?? []) },
                    documents: try c.query("SELECT kind, key, doc FROM documents ORDER BY kind, key").map {
                        (kind: $0[0].text ?? "", key: $0[1].text ?? "", doc: $0[2].blob ?? [])
                    },
                    seq: try Self.lastChange(c))
            }
        }
        return try await rows.decoded()
    }

    /// The change log's last sequence number (0 before the first change): AUTOINCREMENT's
    /// high-water mark, which pruning the log does not lower.
    private static func lastChange(_ c: SQLiteDatabase.Connection) throws -> Int64 {
        try c.query("SELECT seq FROM sqlite_sequence WHERE name = 'config_changes'").first?[0].int ?? 0
    }

    public func configurationChanges(after seq: Int64) async throws -> ConfigurationDelta? {
        try await db.run { c in
            try c.transaction {
                let last = try Self.lastChange(c)
                guard seq <= last else { return nil }  // a log that is not the one `seq` came from
                var delta = ConfigurationDelta(seq: last)
                guard seq < last else { return delta }
                // entries are never missing in the middle: pruning takes the oldest
                guard let first = try c.query("SELECT MIN(seq) FROM config_changes").first?[0].int, first <= seq + 1 else { return nil }
                for row in try c.query("SELECT DISTINCT kind, key FROM config_changes WHERE seq > ?", [.int(seq)]) {
                    let kind = row[0].text ?? "", key = row[1].text ?? ""
                    let current: [[SQLValue]] = switch kind {
                    case ChangeKind.identity: try c.query("SELECT doc FROM identities WHERE id = ?", [.text(key)])
                    case ChangeKind.tlsCertAuth: try c.query("SELECT doc FROM tls_cert_auth WHERE identity_id = ?", [.text(key)])
                    case ChangeKind.certRole: try c.query("SELECT doc FROM cert_roles WHERE name = ?", [.text(key)])
                    case ChangeKind.crl: try c.query("SELECT data FROM crls WHERE name = ?", [.text(key)])
                    default: try c.query("SELECT doc FROM documents WHERE kind = ? AND key = ?", [.text(kind), .text(key)])
                    }
                    try delta.add(kind: kind, key: key, row: current.first.map { $0[0].blob ?? [] })
                }
                return delta
            }
        }
    }

    // MARK: identities

    public func identities() async throws -> [Identity] {
        try await db.run { try $0.query("SELECT doc FROM identities ORDER BY name").map { try Self.decode(Identity.self, $0[0]) } }
    }

    public func identity(_ id: String) async throws -> Identity? {
        try await db.run {
            try $0.query("SELECT doc FROM identities WHERE id = ?", [.text(id)]).first.map { try Self.decode(Identity.self, $0[0]) }
        }
    }

    public func insertIdentity(_ i: Identity) async throws {
        try await db.run { c in
            try c.transaction {
                guard try c.query("SELECT 1 FROM identities WHERE name = ?", [.text(i.name)]).isEmpty else {
                    throw ServiceError(.conflict, "identity_exists", "an identity named \"\(i.name)\" already exists")
                }
                try c.update("INSERT INTO identities (id, name, doc) VALUES (?, ?, ?)", [.text(i.id), .text(i.name), Self.encode(i)])
            }
        }
    }

    public func updateIdentity(_ i: Identity) async throws {
        try await db.run { c in
            try c.transaction {
                guard try c.query("SELECT 1 FROM identities WHERE name = ? AND id != ?", [.text(i.name), .text(i.id)]).isEmpty else {
                    throw ServiceError(.conflict, "identity_exists", "an identity named \"\(i.name)\" already exists")
                }
                try c.update("UPDATE identities SET name = ?, doc = ? WHERE id = ?", [.text(i.name), Self.encode(i), .text(i.id)])
            }
        }
    }

    public func deleteIdentity(_ id: String) async throws -> Bool {
        try await db.run { c in
            try c.transaction {
                try c.update("DELETE FROM tokens WHERE subject = ?", [.text(id)])
                try c.update("DELETE FROM documents WHERE kind LIKE 'identity/%' AND key = ?", [.text(id)])
                return try c.update("DELETE FROM identities WHERE id = ?", [.text(id)]) == 1
            }
        }
    }

    // MARK: TLS certificate auth

    public func tlsCertAuth(identityId: String) async throws -> TLSCertAuthConfig? {
        try await db.run {
            try $0.query("SELECT doc FROM tls_cert_auth WHERE identity_id = ?", [.text(identityId)]).first.map {
                try Self.decode(TLSCertAuthConfig.self, $0[0])
            }
        }
    }

    public func putTLSCertAuth(_ config: TLSCertAuthConfig, insert: Bool) async throws -> Bool {
        try await db.run {
            try $0.update(
                insert ? "INSERT OR IGNORE INTO tls_cert_auth (identity_id, doc) VALUES (?, ?)"
                    : "UPDATE tls_cert_auth SET doc = ?2 WHERE identity_id = ?1",
                [.text(config.identityId), Self.encode(config)]) == 1
        }
    }

    public func deleteTLSCertAuth(identityId: String) async throws -> Bool {
        try await db.run { c in
            try c.transaction {
                try c.update("DELETE FROM tokens WHERE subject = ? AND auth_method = 'tls-cert-auth'", [.text(identityId)])
                return try c.update("DELETE FROM tls_cert_auth WHERE identity_id = ?", [.text(identityId)]) == 1
            }
        }
    }

    // MARK: Vault cert roles and CRLs

    public func certRoles() async throws -> [CertRole] {
        try await db.run { try $0.query("SELECT doc FROM cert_roles ORDER BY name").map { try Self.decode(CertRole.self, $0[0]) } }
    }

    public func putCertRole(_ role: CertRole) async throws {
        try await db.run { try $0.update("INSERT OR REPLACE INTO cert_roles (name, doc) VALUES (?, ?)", [.text(role.name), Self.encode(role)]) }
    }

    public func deleteCertRole(_ name: String) async throws -> Bool {
        try await db.run { try $0.update("DELETE FROM cert_roles WHERE name = ?", [.text(name)]) == 1 }
    }

    public func putCRL(name: String, data: [UInt8]) async throws {
        try await db.run { try $0.update("INSERT OR REPLACE INTO crls (name, data) VALUES (?, ?)", [.text(name), .blob(data)]) }
    }

    public func deleteCRL(_ name: String) async throws -> Bool {
        try await db.run { try $0.update("DELETE FROM crls WHERE name = ?", [.text(name)]) == 1 }
    }

    // MARK: documents

    public func document(kind: String, key: String) async throws -> [UInt8]? {
        try await db.run { try $0.query("SELECT doc FROM documents WHERE kind = ? AND key = ?", [.text(kind), .text(key)]).first?[0].blob }
    }

    public func documents(kind: String) async throws -> [(key: String, doc: [UInt8])] {
        try await db.run {
            try $0.query("SELECT key, doc FROM documents WHERE kind = ? ORDER BY key", [.text(kind)]).map { ($0[0].text ?? "", $0[1].blob ?? []) }
        }
    }

    public func putDocument(kind: String, key: String, _ doc: [UInt8], insert: Bool) async throws -> Bool {
        try await db.run {
            try $0.update(
                insert ? "INSERT OR IGNORE INTO documents (kind, key, doc) VALUES (?, ?, ?)"
                    : "INSERT OR REPLACE INTO documents (kind, key, doc) VALUES (?, ?, ?)",
                [.text(kind), .text(key), .blob(doc)]) == 1
        }
    }

    public func deleteDocuments(kind: String, key: String, tokensOf: (subject: String?, authMethod: String)?) async throws -> Bool {
        try await db.run { c in
            try c.transaction {
                if let t = tokensOf, let subject = t.subject {
                    try c.update("UPDATE tokens SET revoked = 1 WHERE subject = ? AND auth_method = ?", [.text(subject), .text(t.authMethod)])
                } else if let t = tokensOf {
                    try c.update("UPDATE tokens SET revoked = 1 WHERE auth_method = ?", [.text(t.authMethod)])
                }
                // key, and key/... (a mount's roles), matched without LIKE's wildcards
                return try c.update(
                    "DELETE FROM documents WHERE kind = ?1 AND (key = ?2 OR substr(key, 1, length(?3)) = ?3)",
                    [.text(kind), .text(key), .text(key + "/")]) > 0
            }
        }
    }

    // MARK: SSH certificates

    public func insertSSHCertificate(_ r: SSHCertificateRecord) async throws -> Bool {
        try await db.write {
            try $0.update("INSERT OR IGNORE INTO ssh_certificates (mount, serial, key_id, issued_at, doc) VALUES (?, ?, ?, ?, ?)",
                          [.text(r.mount), .text(r.serial), .text(r.keyID), .int(r.issuedAt), Self.encode(r)]) == 1
        }
    }

    public func sshCertificates(mount: String, after: Int64, limit: Int) async throws -> [(cursor: Int64, record: SSHCertificateRecord)] {
        try await db.run {
            try $0.query("SELECT rowid, doc FROM ssh_certificates WHERE mount = ? AND rowid > ? ORDER BY rowid LIMIT ?",
                         [.text(mount), .int(after), .int(Int64(limit))]
            ).map { (cursor: $0[0].int ?? 0, record: try Self.decode(SSHCertificateRecord.self, $0[1])) }
        }
    }

    public func sshCertificate(mount: String, serial: String) async throws -> SSHCertificateRecord? {
        try await db.run {
            try $0.query("SELECT doc FROM ssh_certificates WHERE mount = ? AND serial = ?", [.text(mount), .text(serial)]).first.map {
                try Self.decode(SSHCertificateRecord.self, $0[0])
            }
        }
    }

    public func sshCAKeys(mount: String) async throws -> [String] {
        try await db.run {
            try $0.query(
                "SELECT DISTINCT json_extract(doc, '$.caPublicKey') FROM ssh_certificates WHERE mount = ? AND json_extract(doc, '$.caPublicKey') IS NOT NULL",
                [.text(mount)]
            ).compactMap { $0[0].blob.map { String(decoding: $0, as: UTF8.self) } }
        }
    }

    public func insertSSHRevocations(_ list: [SSHRevocation]) async throws -> Int {
        try await db.run { c in
            try c.transaction {
                var added = 0
                for r in list {
                    added += try c.update(
                        "INSERT OR IGNORE INTO ssh_revocations (ca, kind, value, ca_key, revoked_at, doc) VALUES (?, ?, ?, ?, ?, ?)",
                        [.text(r.ca), .text(r.kind.rawValue), .text(r.value), .text(r.caKey), .int(r.revokedAt), Self.encode(r)])
                }
                return added
            }
        }
    }

    public func sshRevocations(mount: String) async throws -> [SSHRevocation] {
        try await db.run {
            try $0.query("SELECT seq, doc FROM ssh_revocations WHERE ca = ? ORDER BY seq", [.text(mount)]).map {
                var r = try Self.decode(SSHRevocation.self, $0[1])
                r.sequence = $0[0].int ?? 0
                return r
            }
        }
    }

    // MARK: tokens

    public func insertToken(_ r: TokenRecord) async throws {
        let doc = TokenDocument(r)
        let args: [SQLValue] = [
            .text(r.id), .text(r.accessor), .text(r.subject), .text(r.authMethod), .int(r.expiresAt), .int(r.maxExpiresAt),
            .int(Int64(r.uses)), .int(Int64(r.usesLimit)), .int(r.revoked ? 1 : 0), .text(doc.json),
        ]
        try await db.write {
            try $0.update(
                """
                INSERT INTO tokens (id, accessor, subject, auth_method, expires_at, max_expires_at, uses, uses_limit, revoked, doc)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, args)
        }
    }

    private static let tokenColumns = "doc, expires_at, uses, revoked"

    /// The document holds what never changes; the columns hold what does.
    private static func record(_ row: [SQLValue]) throws -> TokenRecord {
        try TokenDocument.record(doc: row[0].blob ?? [], expiresAt: row[1].int ?? 0, uses: row[2].int ?? 0, revoked: row[3].int == 1)
    }

    public func token(id: String) async throws -> TokenRecord? {
        try await db.run { try $0.query("SELECT \(Self.tokenColumns) FROM tokens WHERE id = ?", [.text(id)]).first.map(Self.record) }
    }

    public func token(accessor: String) async throws -> TokenRecord? {
        try await db.run {
            try $0.query("SELECT \(Self.tokenColumns) FROM tokens WHERE accessor = ?", [.text(accessor)]).first.map(Self.record)
        }
    }

    public func useToken(id: String, now: Int64) async throws -> UseOutcome {
        try await db.write { c in
            try c.transaction {
                let n = try c.update(
                    """
                    UPDATE tokens SET uses = uses + 1
                    WHERE id = ? AND revoked = 0 AND expires_at > ? AND (uses_limit = 0 OR uses < uses_limit)
                    """, [.text(id), .int(now)])
                guard let row = try c.query("SELECT \(Self.tokenColumns) FROM tokens WHERE id = ?", [.text(id)]).first else {
                    return .notFound
                }
                let r = try Self.record(row)
                if n == 1 { return .used(r) }
                if r.revoked { return .revoked }
                if r.expiresAt <= now { return .expired }
                return .exhausted
            }
        }
    }

    public func renewToken(id: String, expiresAt: Int64, now: Int64) async throws -> TokenRecord? {
        try await db.write { c in
            try c.transaction {
                let n = try c.update(
                    """
                    UPDATE tokens SET expires_at = min(?, max_expires_at)
                    WHERE id = ? AND revoked = 0 AND expires_at > ? AND (uses_limit = 0 OR uses < uses_limit)
                    """, [.int(expiresAt), .text(id), .int(now)])
                guard n == 1 else { return nil }
                return try c.query("SELECT \(Self.tokenColumns) FROM tokens WHERE id = ?", [.text(id)]).first.map(Self.record)
            }
        }
    }

    public func revokeToken(id: String) async throws -> Bool {
        try await db.write { try $0.update("UPDATE tokens SET revoked = 1 WHERE id = ? AND revoked = 0", [.text(id)]) == 1 }
    }

    public func revokeTokens(subject: String, authMethod: String) async throws {
        try await db.run {
            try $0.update("UPDATE tokens SET revoked = 1 WHERE subject = ? AND auth_method = ?", [.text(subject), .text(authMethod)])
        }
    }

    public func purgeExpiredTokens(now: Int64) async throws -> Int {
        try await db.run { try $0.update("DELETE FROM tokens WHERE max_expires_at <= ?", [.int(now)]) }
    }
}
