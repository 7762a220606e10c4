// PostgresSchema.swift: the PostgreSQL store's schema, the same tables as SQLite's, in
// numbered steps applied in order and never edited once released (a change is a new step).
// Nodes that start at once take turns on an advisory lock: the first applies what is
// missing, each step in its own transaction with its number in schema_migrations, the
// others then find nothing left to do. A database a newer Vouch moved further is refused.
import PostgresNIO

enum PostgresSchema {
    /// The session advisory lock the migrations run under (any fixed number of our own).
    static let migrationLock: Int64 = 0x566F_7563_6800_0001
    /// The transaction advisory lock every writer of the configuration tables holds from
    /// before its first row to its commit (see the change log, step 2).
    static let configLock: Int64 = 0x566F_7563_6800_0002
    /// The channel each committed configuration change is announced on (NOTIFY, empty payload,
    /// one per transaction): another node LISTENs, then reads configurationChanges(after:).
    static let configChannel = "vouch_config"
    /// How many change log entries are kept (the newest), as in SQLite.
    static let changesKept = 10_000

    /// The steps: each a list of statements (postgres-nio runs one statement at a time).
    static let migrations: [[String]] = [
        [
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value BYTEA NOT NULL)",
            "CREATE TABLE identities (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, doc TEXT NOT NULL)",
            """
            CREATE TABLE tls_cert_auth (
                identity_id TEXT PRIMARY KEY REFERENCES identities(id) ON DELETE CASCADE, doc TEXT NOT NULL)
            """,
            "CREATE TABLE cert_roles (name TEXT PRIMARY KEY, doc TEXT NOT NULL)",
            "CREATE TABLE crls (name TEXT PRIMARY KEY, data BYTEA NOT NULL)",
            """
            CREATE TABLE tokens (
                id TEXT PRIMARY KEY, accessor TEXT NOT NULL UNIQUE, subject TEXT NOT NULL, auth_method TEXT NOT NULL,
                expires_at BIGINT NOT NULL, max_expires_at BIGINT NOT NULL, uses BIGINT NOT NULL,
                uses_limit BIGINT NOT NULL, revoked BIGINT NOT NULL, doc TEXT NOT NULL)
            """,
            "CREATE INDEX tokens_subject ON tokens(subject, auth_method)",
            "CREATE INDEX tokens_max_expiry ON tokens(max_expires_at)",
            "CREATE TABLE documents (kind TEXT NOT NULL, key TEXT NOT NULL, doc BYTEA NOT NULL, PRIMARY KEY (kind, key))",
            // `cursor` is SQLite's rowid: the order certificates were recorded in, for paging
            """
            CREATE TABLE ssh_certificates (
                cursor BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE, mount TEXT NOT NULL, serial TEXT NOT NULL,
                key_id TEXT NOT NULL, issued_at BIGINT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (mount, serial))
            """,
            "CREATE INDEX ssh_certificates_key_id ON ssh_certificates(mount, key_id)",
            "CREATE INDEX ssh_certificates_cursor ON ssh_certificates(mount, cursor)",
            """
            CREATE TABLE ssh_revocations (
                seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, ca TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,
                ca_key TEXT NOT NULL, revoked_at BIGINT NOT NULL, doc TEXT NOT NULL, UNIQUE (ca, kind, value, ca_key))
            """,
        ],
        changeLog,
    ]

    /// Step 2: the configuration's change log, written by the database itself, as in SQLite:
    /// every row written to a login configuration table appends its (kind, key); an update
    /// that moves a row to another key logs both keys; the newest 10,000 entries are kept.
    ///
    /// Order: a reader asks for the entries after the last sequence number it saw, so an
    /// entry must never become visible with a number below one already seen. Sequence
    /// numbers are handed out when a row is written, not when its transaction commits, so two
    /// writers at once could commit out of order and a reader between the two commits would
    /// skip the lower entry for good. Writers of the configuration therefore take turns: a
    /// statement-level trigger takes a transaction advisory lock (configLock) before the
    /// statement touches a row, held until commit, so the transaction that takes the next
    /// number commits after every one before it (PostgreSQL makes a transaction visible
    /// before it releases its locks). Configuration writes are rare and logins never write
    /// configuration, so this costs nothing that matters; tokens, SSH certificates and meta
    /// are not serialised. (The store's own multi-statement writers take the same lock first
    /// of all, so that none holds a token row while it waits for the lock.) Each logged row
    /// also notifies configChannel, delivered at commit, once per transaction.
    static let changeLog: [String] = [
        "CREATE TABLE config_changes (seq BIGSERIAL PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL)",
        """
        CREATE FUNCTION config_changes_prune() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM config_changes WHERE seq <= NEW.seq - \(changesKept);
            RETURN NULL;
        END $$
        """,
        "CREATE TRIGGER config_changes_prune AFTER INSERT ON config_changes FOR EACH ROW EXECUTE FUNCTION config_changes_prune()",
        """
        CREATE FUNCTION config_writer_lock() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_advisory_xact_lock(\(configLock));
            RETURN NULL;
        END $$
        """,
        """
        CREATE FUNCTION config_change(change_kind TEXT, change_key TEXT) RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO config_changes (kind, key) VALUES (change_kind, change_key);
            PERFORM pg_notify('\(configChannel)', '');
        END $$
        """,
    ] + logged("identities", kind: { _ in "'\(ChangeKind.identity)'" }, key: "id")
        + logged("tls_cert_auth", kind: { _ in "'\(ChangeKind.tlsCertAuth)'" }, key: "identity_id")
        + logged("cert_roles", kind: { _ in "'\(ChangeKind.certRole)'" }, key: "name")
        + logged("crls", kind: { _ in "'\(ChangeKind.crl)'" }, key: "name")
        + logged("documents", kind: { "\($0).kind" }, key: "key")

    /// A configuration table's triggers: the writer lock before each statement, and after each
    /// row its old key (update, delete) and its new key (insert; an update that changed it).
    /// `kind` makes the kind's expression from a row's name (OLD, NEW).
    static func logged(_ table: String, kind: (String) -> String, key: String) -> [String] {
        let keyChanged = "NEW.\(key) IS DISTINCT FROM OLD.\(key)" + (table == "documents" ? " OR NEW.kind IS DISTINCT FROM OLD.kind" : "")
        return [
            """
            CREATE FUNCTION \(table)_logged() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN
                    PERFORM config_change(\(kind("OLD")), OLD.\(key));
                END IF;
                IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND (\(keyChanged))) THEN
                    PERFORM config_change(\(kind("NEW")), NEW.\(key));
                END IF;
                RETURN NULL;
            END $$
            """,
            "CREATE TRIGGER \(table)_logged AFTER INSERT OR UPDATE OR DELETE ON \(table) FOR EACH ROW EXECUTE FUNCTION \(table)_logged()",
            "CREATE TRIGGER \(table)_locked BEFORE INSERT OR UPDATE OR DELETE ON \(table) FOR EACH STATEMENT EXECUTE FUNCTION config_writer_lock()",
        ]
    }

    /// Applies the steps the database lacks, under the migration lock, on `c` (a connection
    /// of its own). Throws when the database is at a step this Vouch does not know.
    static func migrate(_ c: PostgresConnection, _ migrations: [[String]] = migrations) async throws {
        // no statement timeout here: waiting for another node's migration, or a long step, is
        // what starting takes
        try await c.run("SET statement_timeout = 0")
        try await c.run("SELECT pg_advisory_lock(\(migrationLock))")
        do {
            try await c.run("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            let version = Int(try await c.rows("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").first?.decode(Int64.self) ?? 0)
            guard version <= migrations.count else {
                throw PostgresStoreError(
                    message: "the database is at schema version \(version), newer than this Vouch (\(migrations.count)): run a newer Vouch")
            }
            for (i, step) in migrations.enumerated().dropFirst(version) {
                try await c.run("BEGIN")
                do {
                    for statement in step { try await c.run(PostgresQuery(unsafeSQL: statement)) }
                    try await c.run("INSERT INTO schema_migrations (version) VALUES (\(Int64(i + 1)))")
                    try await c.run("COMMIT")
                } catch {
                    try? await c.run("ROLLBACK")
                    throw error
                }
            }
        } catch {
            try? await c.run("SELECT pg_advisory_unlock(\(migrationLock))")
            throw error
        }
        try await c.run("SELECT pg_advisory_unlock(\(migrationLock))")
    }
}
