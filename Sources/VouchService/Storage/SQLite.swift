// SQLite.swift: one SQLite connection (WAL) that lives on its own serial queue: every
// statement runs there, never on the caller's thread, so a slow fsync or a busy wait
// never stalls an event loop. Statements are cached; numbered schema migrations run once,
// in order, each in its own transaction (PRAGMA user_version counts them).
import CSQLite
import Dispatch
import Foundation
import Synchronization

/// A write waiting for its group commit: `run` applies it inside the group's transaction
/// and returns what to do once the COMMIT succeeded (nil) or failed; `fail` answers a
/// write that never ran.
struct PendingWrite: @unchecked Sendable {
    let run: (SQLiteDatabase.Connection) -> (Error?) -> Void
    let fail: (Error) -> Void
}

struct PendingWrites {
    var items: [PendingWrite] = []
    var scheduled = false
}

/// A value bound to or read from a statement.
enum SQLValue: Sendable, Equatable {
    case null
    case int(Int64)
    case text(String)
    case blob([UInt8])

    var int: Int64? { if case .int(let v) = self { v } else { nil } }
    var text: String? { if case .text(let v) = self { v } else { nil } }
    var blob: [UInt8]? {
        switch self {
        case .blob(let v): v
        case .text(let s): Array(s.utf8)
        default: nil
        }
    }
}

struct SQLiteError: Error, CustomStringConvertible {
    let message: String
    var description: String { "SQLite: \(message)" }
}

final class SQLiteDatabase: Sendable {
    /// The connection: touched only on `queue`.
    final class Connection: @unchecked Sendable {
        let db: OpaquePointer
        private var statements: [String: OpaquePointer] = [:]
        init(db: OpaquePointer) { self.db = db }

        deinit {
            for s in statements.values { sqlite3_finalize(s) }
            sqlite3_close(db)
        }

        /// Runs several statements separated by semicolons (schema), without results.
        func execute(_ sql: String) throws {
            var err: UnsafeMutablePointer<CChar>?
            if sqlite3_exec(db, sql, nil, nil, &err) != SQLITE_OK {
                let msg = err.map { String(cString: $0) } ?? "error"
                sqlite3_free(err)
                throw SQLiteError(message: msg)
            }
        }

        /// Runs one statement; returns its rows.
        @discardableResult
        func query(_ sql: String, _ args: [SQLValue] = []) throws -> [[SQLValue]] { try step(sql, args).rows }

        /// Runs one statement and returns how many rows it changed.
        @discardableResult
        func update(_ sql: String, _ args: [SQLValue] = []) throws -> Int { try step(sql, args).changes }

        /// Runs `body` inside BEGIN IMMEDIATE ... COMMIT (ROLLBACK when it throws): the
        /// statements inside see one snapshot and write atomically. Inside a transaction
        /// already open (a group commit's), it is a savepoint: undone alone when it throws,
        /// committed with the group.
        func transaction<T>(_ body: () throws -> T) throws -> T {
            let nested = sqlite3_get_autocommit(db) == 0
            try step(nested ? "SAVEPOINT inner" : "BEGIN IMMEDIATE", [])
            do {
                let result = try body()
                try step(nested ? "RELEASE inner" : "COMMIT", [])
                return result
            } catch {
                if nested {
                    _ = try? step("ROLLBACK TO inner", [])
                    _ = try? step("RELEASE inner", [])
                } else {
                    _ = try? step("ROLLBACK", [])
                }
                throw error
            }
        }

        /// Runs `body` inside a deferred BEGIN ... COMMIT: a read transaction, one snapshot of
        /// the file for every statement inside, that takes no write lock (a server writing to
        /// the same file meanwhile is not held up). Outside any other transaction only.
        func readTransaction<T>(_ body: () throws -> T) throws -> T {
            try step("BEGIN DEFERRED", [])
            do {
                let result = try body()
                try step("COMMIT", [])
                return result
            } catch {
                _ = try? step("ROLLBACK", [])
                throw error
            }
        }

        @discardableResult
        private func step(_ sql: String, _ args: [SQLValue]) throws -> (rows: [[SQLValue]], changes: Int) {
            let stmt: OpaquePointer
            if let cached = statements[sql] {
                stmt = cached
            } else {
                var s: OpaquePointer?
                guard sqlite3_prepare_v2(db, sql, -1, &s, nil) == SQLITE_OK, let s else {
                    throw SQLiteError(message: String(cString: sqlite3_errmsg(db)))
                }
                statements[sql] = s
                stmt = s
            }
            defer {
                sqlite3_reset(stmt)
                sqlite3_clear_bindings(stmt)
            }
            for (i, v) in args.enumerated() {
                let idx = Int32(i + 1)
                switch v {
                case .null: sqlite3_bind_null(stmt, idx)
                case .int(let n): sqlite3_bind_int64(stmt, idx, n)
                case .text(let s): sqlite3_bind_text(stmt, idx, s, -1, vouch_sqlite_transient())
                case .blob(let b):
                    _ = b.withUnsafeBytes { sqlite3_bind_blob(stmt, idx, $0.baseAddress, Int32($0.count), vouch_sqlite_transient()) }
                }
            }
            var rows: [[SQLValue]] = []
            while true {
                let rc = sqlite3_step(stmt)
                if rc == SQLITE_DONE { break }
                guard rc == SQLITE_ROW else { throw SQLiteError(message: String(cString: sqlite3_errmsg(db))) }
                var row: [SQLValue] = []
                for col in 0..<sqlite3_column_count(stmt) {
                    switch sqlite3_column_type(stmt, col) {
                    case SQLITE_INTEGER: row.append(.int(sqlite3_column_int64(stmt, col)))
                    case SQLITE_TEXT: row.append(.text(String(cString: sqlite3_column_text(stmt, col))))
                    case SQLITE_BLOB:
                        let n = Int(sqlite3_column_bytes(stmt, col))
                        let p = sqlite3_column_blob(stmt, col)
                        row.append(.blob(n == 0 ? [] : Array(UnsafeRawBufferPointer(start: p, count: n))))
                    default: row.append(.null)
                    }
                }
                rows.append(row)
            }
            return (rows, Int(sqlite3_changes(db)))
        }
    }

    private let connection: Connection
    /// The one thread SQLite work runs on (serial: the connection is never shared at once).
    private let queue = DispatchQueue(label: "vouch.sqlite", qos: .userInitiated)
    /// Writes waiting for the next group commit (see `write`).
    private let pending = Mutex(PendingWrites())

    /// Opens (creating, owner-only) the database file, then applies the migrations it lacks.
    init(path: String, migrations: [String]) throws {
        // SQLite creates -wal and -shm with the database file's permissions: make it 0600
        if !FileManager.default.fileExists(atPath: path) {
            let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
            if fd < 0 { throw SQLiteError(message: "\(path): cannot create (\(String(cString: strerror(errno))))") }
            close(fd)
        }
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX
        guard sqlite3_open_v2(path, &db, flags, nil) == SQLITE_OK, let db else {
            let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(db)
            throw SQLiteError(message: "\(path): \(msg)")
        }
        connection = Connection(db: db)
        sqlite3_busy_timeout(db, 5000)  // another process on the same file (a second `vouch serve`)
        for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON"] {
            _ = try connection.query(pragma)
        }
        try Self.migrate(connection, migrations)
    }

    /// Applies migrations[version...] in order, each with its version in one transaction.
    private static func migrate(_ c: Connection, _ migrations: [String]) throws {
        let version = Int(try c.query("PRAGMA user_version").first?.first?.int ?? 0)
        guard version <= migrations.count else {
            throw SQLiteError(message: "the database is at schema version \(version), newer than this Vouch (\(migrations.count)): run a newer Vouch")
        }
        for (i, sql) in migrations.enumerated().dropFirst(version) {
            try c.transaction {
                try c.execute(sql)
                try c.execute("PRAGMA user_version = \(i + 1)")
            }
        }
    }

    /// The schema version (the number of migrations applied).
    func schemaVersion() async throws -> Int { try await run { Int(try $0.query("PRAGMA user_version").first?.first?.int ?? 0) } }

    /// Runs `body` on the database's own queue and hands its result back.
    @discardableResult
    func run<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        let c = connection
        return try await withCheckedThrowingContinuation { cont in
            queue.async { cont.resume(with: Result { try body(c) }) }
        }
    }

    /// Runs `body` in a transaction shared with the other writes queued meanwhile (group
    /// commit): one BEGIN ... COMMIT for all of them, each in its own savepoint, so a write
    /// that throws is undone alone. `write` returns only after the COMMIT that holds its
    /// changes (a process killed after that loses nothing; WAL with synchronous=NORMAL, so
    /// a power cut may lose the last commits, never corrupt the file). Under no load a
    /// write commits alone, as soon as it is queued; under load the commit's cost is
    /// shared by every write that arrived while the previous group was committing.
    @discardableResult
    func write<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<T, Error>) in
            let item = PendingWrite(
                run: { c in
                    let result = Result { try c.transaction { try body(c) } }
                    return { commitError in
                        if let commitError, case .success = result { cont.resume(throwing: commitError) } else { cont.resume(with: result) }
                    }
                },
                fail: { cont.resume(throwing: $0) })
            let schedule = pending.withLock { p -> Bool in
                p.items.append(item)
                defer { p.scheduled = true }
                return !p.scheduled
            }
            if schedule { queue.async { self.commitPending() } }
        }
    }

    /// The most writes one group commit holds (the rest wait for the next).
    static let maxGroup = 512

    /// On `queue`: commits the writes queued so far (up to maxGroup) as one transaction.
    private func commitPending() {
        let batch = pending.withLock { p -> [PendingWrite] in
            let n = min(p.items.count, Self.maxGroup)
            let b = Array(p.items.prefix(n))
            p.items.removeFirst(n)
            if p.items.isEmpty { p.scheduled = false } else { queue.async { self.commitPending() } }
            return b
        }
        let c = connection
        do {
            try c.execute("BEGIN IMMEDIATE")
        } catch {
            for item in batch { item.fail(error) }  // the file stayed busy past the timeout: nothing ran
            return
        }
        let finish = batch.map { $0.run(c) }
        var commitError: Error?
        do {
            try c.execute("COMMIT")
        } catch {
            commitError = error
            _ = try? c.execute("ROLLBACK")
        }
        for f in finish { f(commitError) }
    }

    /// The same, waiting on the calling thread: for start-up, before any event loop runs.
    func runNow<T>(_ body: (Connection) throws -> T) throws -> T {
        try queue.sync { try body(connection) }
    }
}
