// PostgresStore.swift: the store on a PostgreSQL server, for several nodes on one database.
// The same tables and the same answers as SQLiteStore (PostgresSchema.swift); every method is
// one transaction or one statement on a pooled connection (PostgresPool.swift). What must be
// exact across processes is one statement the server decides: a token use is one conditional
// UPDATE, a meta value is set by INSERT ... ON CONFLICT DO NOTHING. Writers of the login
// configuration take turns (see PostgresSchema.changeLog) so that the change log commits in
// the order it is numbered.
import NIOCore
import PostgresNIO
import VouchCore

public final class PostgresStore: Store {
    let pool: PostgresPool
    private let tokenInserts = PostgresTokenWrites.inserts()
    private let tokenUses = PostgresTokenWrites.uses()

    /// The channel a committed configuration change is announced on (NOTIFY, empty payload).
    public static let configChannel = PostgresSchema.configChannel

    /// Connects to the database of `url` (see PostgresURL; `password`, when given, takes the
    /// place of one in the URL) and applies the schema steps it lacks. A URL that cannot be
    /// used throws `database_url`; a database that cannot be reached, `database_unavailable`.
    public init(url: String, password: String? = nil, settings: PostgresSettings = PostgresSettings()) async throws {
        let pool = try PostgresPool(url: try PostgresURL(url, password: password), settings: settings)
        do {
            try await pool.withSingleConnection { try await PostgresSchema.migrate($0) }
        } catch {
            await pool.shutdown()
            throw error
        }
        self.pool = pool
    }

    /// Closes the connections; the store answers nothing after it.
    public func shutdown() async { await pool.shutdown() }

    /// How many schema steps the database has had.
    public func schemaVersion() async throws -> Int {
        try await pool.withConnection { Int(try await $0.rows("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").first?.decode(Int64.self) ?? 0) }
    }

    /// Runs statements in one transaction (tests: what another writer would do).
    func execute(_ statements: [String]) async throws {
        try await pool.transaction { c in for s in statements { try await c.run(PostgresQuery(unsafeSQL: s)) } }
    }

    private static func encode(_ v: some Encodable) -> String { JSON.encode(v) }

    /// A transaction that writes configuration tables together with others (tokens): it
    /// takes the configuration writers' lock first, before any row (see PostgresSchema).
    private func configWrite<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await pool.transaction { c in
            try await c.run("SELECT pg_advisory_xact_lock(\(PostgresSchema.configLock))")
            return try await body(c)
        }
    }

    // MARK: meta

    public func meta(_ key: String) async throws -> [UInt8]? {
        try await pool.withConnection { try await $0.rows("SELECT value FROM meta WHERE key = \(key)").first?.bytes(0) }
    }

    /// Two statements, each its own snapshot: an insert that meets a row another node is
    /// inserting waits for it and does nothing; the select then reads the row that won.
    public func setMetaIfAbsent(_ key: String, _ value: [UInt8]) async throws -> [UInt8] {
        try await pool.withConnection { c in
            try await c.run("INSERT INTO meta (key, value) VALUES (\(key), \(ByteBuffer(bytes: value))) ON CONFLICT (key) DO NOTHING")
            return try await c.rows("SELECT value FROM meta WHERE key = \(key)").first?.bytes(0) ?? []
        }
    }

    // MARK: configuration

    /// One snapshot: the rows and the change log's last number agree.
    private static let snapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"

    public func configuration() async throws -> Configuration {
        let rows = try await pool.transaction(Self.snapshot) { c in
            ConfigurationRows(
                identities: try await c.rows("SELECT doc FROM identities").map { $0.bytes(0) },
                tlsCertAuths: try await c.rows("SELECT doc FROM tls_cert_auth").map { $0.bytes(0) },
                certRoles: try await c.rows(#"SELECT doc FROM cert_roles ORDER BY name COLLATE "C""#).map { $0.bytes(0) },
                crls: try await c.rows(#"SELECT name, data FROM crls ORDER BY name COLLATE "C""#).map { (try $0.decode(String.self), $0.bytes(1)) },
                documents: try await c.rows(#"SELECT kind, key, doc FROM documents ORDER BY kind COLLATE "C", key COLLATE "C""#).map {
                    let (kind, key) = try $0.decode((String, String).self)
                    return (kind: kind, key: key, doc: $0.bytes(2))
                },
                seq: try await Self.lastChange(c))
        }
        return try await rows.decoded()
    }

    /// The change log's last sequence number in this snapshot (0 before the first change):
    /// pruning keeps the newest entries, so the largest is always there.
    private static func lastChange(_ c: PostgresConnection) async throws -> Int64 {
        try await c.rows("SELECT COALESCE(MAX(seq), 0) FROM config_changes").first?.decode(Int64.self) ?? 0
    }

    /// Where the change log's kinds live: table, key column, stored column.
    private static let changeTables = [
        (kind: ChangeKind.identity, table: "identities", key: "id", value: "doc"),
        (kind: ChangeKind.tlsCertAuth, table: "tls_cert_auth", key: "identity_id", value: "doc"),
        (kind: ChangeKind.certRole, table: "cert_roles", key: "name", value: "doc"),
        (kind: ChangeKind.crl, table: "crls", key: "name", value: "data"),
    ]

    public func configurationChanges(after seq: Int64) async throws -> ConfigurationDelta? {
        try await pool.transaction(Self.snapshot) { c in
            let last = try await Self.lastChange(c)
            guard seq <= last else { return nil }  // a log that is not the one `seq` came from
            var delta = ConfigurationDelta(seq: last)
            guard seq < last else { return delta }
            // entries are never missing in the middle: pruning takes the oldest
            guard let first = try await c.rows("SELECT MIN(seq) FROM config_changes").first?.decode(Int64?.self), first <= seq + 1 else {
                return nil
            }
            // the current rows of every changed key: one query a table, not one a key
            var current: [String: [String: [UInt8]]] = [:]
            for t in Self.changeTables {
                let q = PostgresQuery(unsafeSQL: """
                    SELECT \(t.key), \(t.value) FROM \(t.table)
                    WHERE \(t.key) IN (SELECT key FROM config_changes WHERE seq > $1 AND kind = '\(t.kind)')
                    """, binds: try Self.binds(seq))
                for row in try await c.rows(q) { current[t.kind, default: [:]][try row.decode(String.self)] = row.bytes(1) }
            }
            var documents: [String: [UInt8]] = [:]
            for row in try await c.rows("SELECT kind, key, doc FROM documents WHERE (kind, key) IN (SELECT kind, key FROM config_changes WHERE seq > \(seq))") {
                let (kind, key) = try row.decode((String, String).self)
                documents[kind + "\u{0}" + key] = row.bytes(2)
            }
            for row in try await c.rows("SELECT DISTINCT kind, key FROM config_changes WHERE seq > \(seq)") {
                let (kind, key) = try row.decode((String, String).self)
                let stored = Self.changeTables.contains { $0.kind == kind } ? current[kind]?[key] : documents[kind + "\u{0}" + key]
                try delta.add(kind: kind, key: key, row: stored)
            }
            return delta
        }
    }

    private static func binds(_ values: Int64...) throws -> PostgresBindings {
        var b = PostgresBindings()
        for v in values { b.append(v) }
        return b
    }

    // MARK: identities

    public func identities() async throws -> [Identity] {
        try await pool.withConnection {
            try await $0.rows(#"SELECT doc FROM identities ORDER BY name COLLATE "C""#).map { try Document.decode(Identity.self, $0.bytes(0)) }
        }
    }

    public func identity(_ id: String) async throws -> Identity? {
        try await pool.withConnection {
            try await $0.rows("SELECT doc FROM identities WHERE id = \(id)").first.map { try Document.decode(Identity.self, $0.bytes(0)) }
        }
    }

    private static func identityExists(_ name: String) -> ServiceError {
        ServiceError(.conflict, "identity_exists", "an identity named \"\(name)\" already exists")
    }

    /// The name's uniqueness is checked under the configuration lock (no other writer
    /// between check and write); the UNIQUE constraint answers the same should one slip by.
    private func writeIdentity(_ i: Identity, _ write: @escaping @Sendable (PostgresConnection) async throws -> Void) async throws {
        do {
            try await configWrite { c in
                guard try await c.rows("SELECT 1 FROM identities WHERE name = \(i.name) AND id <> \(i.id)").isEmpty else {
                    throw Self.identityExists(i.name)
                }
                try await write(c)
            }
        } catch let e as PostgresStoreError where e.sqlState == "23505" && e.constraint == "identities_name_key" {
            throw Self.identityExists(i.name)
        }
    }

    public func insertIdentity(_ i: Identity) async throws {
        try await writeIdentity(i) { try await $0.run("INSERT INTO identities (id, name, doc) VALUES (\(i.id), \(i.name), \(Self.encode(i)))") }
    }

    public func updateIdentity(_ i: Identity) async throws {
        try await writeIdentity(i) { try await $0.run("UPDATE identities SET name = \(i.name), doc = \(Self.encode(i)) WHERE id = \(i.id)") }
    }

    public func deleteIdentity(_ id: String) async throws -> Bool {
        try await configWrite { c in
            try await c.run("DELETE FROM tokens WHERE subject = \(id)")
            try await c.run("DELETE FROM documents WHERE kind LIKE 'identity/%' AND key = \(id)")
            return try await c.count("DELETE FROM identities WHERE id = \(id)") == 1
        }
    }

    // MARK: TLS certificate auth

    public func tlsCertAuth(identityId: String) async throws -> TLSCertAuthConfig? {
        try await pool.withConnection {
            try await $0.rows("SELECT doc FROM tls_cert_auth WHERE identity_id = \(identityId)").first.map {
                try Document.decode(TLSCertAuthConfig.self, $0.bytes(0))
            }
        }
    }

    public func putTLSCertAuth(_ config: TLSCertAuthConfig, insert: Bool) async throws -> Bool {
        let doc = Self.encode(config)
        return try await pool.withConnection {
            try await $0.count(
                insert ? "INSERT INTO tls_cert_auth (identity_id, doc) VALUES (\(config.identityId), \(doc)) ON CONFLICT DO NOTHING"
                    : "UPDATE tls_cert_auth SET doc = \(doc) WHERE identity_id = \(config.identityId)") == 1
        }
    }

    public func deleteTLSCertAuth(identityId: String) async throws -> Bool {
        try await configWrite { c in
            try await c.run("DELETE FROM tokens WHERE subject = \(identityId) AND auth_method = 'tls-cert-auth'")
            return try await c.count("DELETE FROM tls_cert_auth WHERE identity_id = \(identityId)") == 1
        }
    }

    // MARK: Vault cert roles and CRLs

    public func certRoles() async throws -> [CertRole] {
        try await pool.withConnection {
            try await $0.rows(#"SELECT doc FROM cert_roles ORDER BY name COLLATE "C""#).map { try Document.decode(CertRole.self, $0.bytes(0)) }
        }
    }

    public func putCertRole(_ role: CertRole) async throws {
        let doc = Self.encode(role)
        try await pool.withConnection {
            try await $0.run("INSERT INTO cert_roles (name, doc) VALUES (\(role.name), \(doc)) ON CONFLICT (name) DO UPDATE SET doc = EXCLUDED.doc")
        }
    }

    public func deleteCertRole(_ name: String) async throws -> Bool {
        try await pool.withConnection { try await $0.count("DELETE FROM cert_roles WHERE name = \(name)") == 1 }
    }

    public func putCRL(name: String, data: [UInt8]) async throws {
        try await pool.withConnection {
            try await $0.run("INSERT INTO crls (name, data) VALUES (\(name), \(ByteBuffer(bytes: data))) ON CONFLICT (name) DO UPDATE SET data = EXCLUDED.data")
        }
    }

    public func deleteCRL(_ name: String) async throws -> Bool {
        try await pool.withConnection { try await $0.count("DELETE FROM crls WHERE name = \(name)") == 1 }
    }

    // MARK: documents

    public func document(kind: String, key: String) async throws -> [UInt8]? {
        try await pool.withConnection { try await $0.rows("SELECT doc FROM documents WHERE kind = \(kind) AND key = \(key)").first?.bytes(0) }
    }

    public func documents(kind: String) async throws -> [(key: String, doc: [UInt8])] {
        try await pool.withConnection {
            try await $0.rows(#"SELECT key, doc FROM documents WHERE kind = \#(kind) ORDER BY key COLLATE "C""#).map {
                (key: try $0.decode(String.self), doc: $0.bytes(1))
            }
        }
    }

    public func putDocument(kind: String, key: String, _ doc: [UInt8], insert: Bool) async throws -> Bool {
        let bytes = ByteBuffer(bytes: doc)
        return try await pool.withConnection {
            try await $0.count(
                insert ? "INSERT INTO documents (kind, key, doc) VALUES (\(kind), \(key), \(bytes)) ON CONFLICT DO NOTHING"
                    : "INSERT INTO documents (kind, key, doc) VALUES (\(kind), \(key), \(bytes)) ON CONFLICT (kind, key) DO UPDATE SET doc = EXCLUDED.doc") == 1
        }
    }

    public func deleteDocuments(kind: String, key: String, tokensOf: (subject: String?, authMethod: String)?) async throws -> Bool {
        let tokens = tokensOf.map { (subject: $0.subject, authMethod: $0.authMethod) }
        return try await configWrite { c in
            if let t = tokens, let subject = t.subject {
                try await c.run("UPDATE tokens SET revoked = 1 WHERE subject = \(subject) AND auth_method = \(t.authMethod)")
            } else if let t = tokens {
                try await c.run("UPDATE tokens SET revoked = 1 WHERE auth_method = \(t.authMethod)")
            }
            // key, and key/... (a mount's roles), matched without LIKE's wildcards
            return try await c.count("DELETE FROM documents WHERE kind = \(kind) AND (key = \(key) OR starts_with(key, \(key + "/")))") > 0
        }
    }

    // MARK: SSH certificates

    public func insertSSHCertificate(_ r: SSHCertificateRecord) async throws -> Bool {
        let doc = Self.encode(r)
        return try await pool.withConnection {
            try await $0.count("""
                INSERT INTO ssh_certificates (mount, serial, key_id, issued_at, doc) VALUES (\(r.mount), \(r.serial), \(r.keyID), \(r.issuedAt), \(doc))
                ON CONFLICT DO NOTHING
                """) == 1
        }
    }

    /// The cursor is the row's identity, in the order rows were inserted (two nodes inserting
    /// at once may commit out of that order: a page read between the commits lacks the
    /// later-committed one; a listing, not a feed).
    public func sshCertificates(mount: String, after: Int64, limit: Int) async throws -> [(cursor: Int64, record: SSHCertificateRecord)] {
        try await pool.withConnection {
            try await $0.rows("SELECT cursor, doc FROM ssh_certificates WHERE mount = \(mount) AND cursor > \(after) ORDER BY cursor LIMIT \(Int64(limit))").map {
                (cursor: try $0.decode(Int64.self), record: try Document.decode(SSHCertificateRecord.self, $0.bytes(1)))
            }
        }
    }

    public func sshCertificate(mount: String, serial: String) async throws -> SSHCertificateRecord? {
        try await pool.withConnection {
            try await $0.rows("SELECT doc FROM ssh_certificates WHERE mount = \(mount) AND serial = \(serial)").first.map {
                try Document.decode(SSHCertificateRecord.self, $0.bytes(0))
            }
        }
    }

    public func sshCAKeys(mount: String) async throws -> [String] {
        try await pool.withConnection {
            try await $0.rows("""
                SELECT DISTINCT doc::jsonb ->> 'caPublicKey' FROM ssh_certificates WHERE mount = \(mount) AND doc::jsonb ->> 'caPublicKey' IS NOT NULL
                """).map { try $0.decode(String.self) }
        }
    }

    public func insertSSHRevocations(_ list: [SSHRevocation]) async throws -> Int {
        try await pool.transaction { c in
            var added = 0
            for r in list {
                added += try await c.count("""
                    INSERT INTO ssh_revocations (ca, kind, value, ca_key, revoked_at, doc)
                    VALUES (\(r.ca), \(r.kind.rawValue), \(r.value), \(r.caKey), \(r.revokedAt), \(Self.encode(r))) ON CONFLICT DO NOTHING
                    """)
            }
            return added
        }
    }

    public func sshRevocations(mount: String) async throws -> [SSHRevocation] {
        try await pool.withConnection {
            try await $0.rows("SELECT seq, doc FROM ssh_revocations WHERE ca = \(mount) ORDER BY seq").map {
                var r = try Document.decode(SSHRevocation.self, $0.bytes(1))
                r.sequence = try $0.decode(Int64.self)
                return r
            }
        }
    }

    // MARK: tokens

    /// Grouped with the other logins' tokens into one INSERT (PostgresTokenWrites).
    public func insertToken(_ r: TokenRecord) async throws {
        try await tokenInserts.submit((r, TokenDocument(r).json), pool: pool)
    }

    /// The document holds what never changes; the columns hold what does.
    static func record(_ row: PostgresRow) throws -> TokenRecord {
        let (doc, expiresAt, uses, revoked) = try row.decode((ByteBuffer, Int64, Int64, Int64).self)
        return try TokenDocument.record(doc: Array(doc.readableBytesView), expiresAt: expiresAt, uses: uses, revoked: revoked == 1)
    }

    public func token(id: String) async throws -> TokenRecord? {
        try await pool.withConnection { try await $0.rows("SELECT doc, expires_at, uses, revoked FROM tokens WHERE id = \(id)").first.map(Self.record) }
    }

    public func token(accessor: String) async throws -> TokenRecord? {
        try await pool.withConnection {
            try await $0.rows("SELECT doc, expires_at, uses, revoked FROM tokens WHERE accessor = \(accessor)").first.map(Self.record)
        }
    }

    /// One conditional UPDATE decides the use, whichever node asks: the server locks the row,
    /// and a use waiting behind another re-checks the condition on the row as that one left
    /// it. Only a refused use reads the row again, to say why.
    /// Grouped with the other uses waiting into one transaction (PostgresTokenWrites).
    public func useToken(id: String, now: Int64) async throws -> UseOutcome {
        try await tokenUses.submit((id, now), pool: pool)
    }

    /// One use on `c`: a conditional UPDATE, and only a refused use reads the row to say why.
    static func use(_ c: PostgresConnection, id: String, now: Int64) async throws -> UseOutcome {
        let used = try await c.rows("""
            UPDATE tokens SET uses = uses + 1
            WHERE id = \(id) AND revoked = 0 AND expires_at > \(now) AND (uses_limit = 0 OR uses < uses_limit)
            RETURNING doc, expires_at, uses, revoked
            """)
        if let row = used.first { return .used(try Self.record(row)) }
        guard let row = try await c.rows("SELECT doc, expires_at, uses, revoked FROM tokens WHERE id = \(id)").first else { return .notFound }
        let r = try Self.record(row)
        if r.revoked { return .revoked }
        if r.expiresAt <= now { return .expired }
        return .exhausted
    }

    public func renewToken(id: String, expiresAt: Int64, now: Int64) async throws -> TokenRecord? {
        try await pool.withConnection {
            try await $0.rows("""
                UPDATE tokens SET expires_at = LEAST(\(expiresAt), max_expires_at)
                WHERE id = \(id) AND revoked = 0 AND expires_at > \(now) AND (uses_limit = 0 OR uses < uses_limit)
                RETURNING doc, expires_at, uses, revoked
                """).first.map(Self.record)
        }
    }

    public func revokeToken(id: String) async throws -> Bool {
        try await pool.withConnection { try await $0.count("UPDATE tokens SET revoked = 1 WHERE id = \(id) AND revoked = 0") == 1 }
    }

    public func revokeTokens(subject: String, authMethod: String) async throws {
        try await pool.withConnection { try await $0.run("UPDATE tokens SET revoked = 1 WHERE subject = \(subject) AND auth_method = \(authMethod)") }
    }

    public func purgeExpiredTokens(now: Int64) async throws -> Int {
        try await pool.withConnection { try await $0.count("DELETE FROM tokens WHERE max_expires_at <= \(now)") }
    }
}
