// SQLite.swift: one SQLite connection (WAL), its statements cached, every call serialised
// by a mutex: SQLite's own writer lock makes each statement atomic, the mutex makes the
// connection safe to share between tasks.
import CSQLite
import Foundation
import Synchronization

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
    /// Touched only inside the mutex.
    fileprivate final class Connection: @unchecked Sendable {
        let db: OpaquePointer
        var statements: [String: OpaquePointer] = [:]
        init(db: OpaquePointer) { self.db = db }
    }
    private let conn: Mutex<Connection>

    init(path: String) throws {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        guard sqlite3_open_v2(path, &db, flags, nil) == SQLITE_OK, let db else {
            let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(db)
            throw SQLiteError(message: "\(path): \(msg)")
        }
        conn = Mutex(Connection(db: db))
        sqlite3_busy_timeout(db, 5000)
        for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON"] {
            _ = try query(pragma)
        }
    }

    deinit {
        conn.withLock { c in
            for s in c.statements.values { sqlite3_finalize(s) }
            sqlite3_close(c.db)
        }
    }

    /// Runs several statements separated by semicolons (schema), without results.
    func execute(_ sql: String) throws {
        try conn.withLock { c in
            var err: UnsafeMutablePointer<CChar>?
            if sqlite3_exec(c.db, sql, nil, nil, &err) != SQLITE_OK {
                let msg = err.map { String(cString: $0) } ?? "error"
                sqlite3_free(err)
                throw SQLiteError(message: msg)
            }
        }
    }

    /// Runs one statement; returns its rows. `changes` is how many rows it wrote.
    @discardableResult
    func query(_ sql: String, _ args: [SQLValue] = []) throws -> [[SQLValue]] {
        try run(sql, args).rows
    }

    /// Runs one statement and returns how many rows it changed.
    @discardableResult
    func update(_ sql: String, _ args: [SQLValue] = []) throws -> Int {
        try run(sql, args).changes
    }

    /// Runs `body` inside BEGIN IMMEDIATE ... COMMIT (ROLLBACK when it throws); the
    /// statements inside see one snapshot and write atomically.
    func transaction<T>(_ body: (Transaction) throws -> T) throws -> T {
        try conn.withLock { c in
            try Self.step(c, "BEGIN IMMEDIATE", [])
            do {
                let result = try body(Transaction(conn: c))
                try Self.step(c, "COMMIT", [])
                return result
            } catch {
                _ = try? Self.step(c, "ROLLBACK", [])
                throw error
            }
        }
    }

    /// The connection inside `transaction`: valid only during its body.
    struct Transaction {
        fileprivate let conn: Connection
        @discardableResult
        func query(_ sql: String, _ args: [SQLValue] = []) throws -> [[SQLValue]] {
            try SQLiteDatabase.step(conn, sql, args).rows
        }
        @discardableResult
        func update(_ sql: String, _ args: [SQLValue] = []) throws -> Int {
            try SQLiteDatabase.step(conn, sql, args).changes
        }
    }

    private func run(_ sql: String, _ args: [SQLValue]) throws -> (rows: [[SQLValue]], changes: Int) {
        try conn.withLock { c in try Self.step(c, sql, args) }
    }

    @discardableResult
    fileprivate static func step(_ c: Connection, _ sql: String, _ args: [SQLValue]) throws -> (rows: [[SQLValue]], changes: Int) {
        let stmt: OpaquePointer
        if let cached = c.statements[sql] {
            stmt = cached
        } else {
            var s: OpaquePointer?
            guard sqlite3_prepare_v2(c.db, sql, -1, &s, nil) == SQLITE_OK, let s else {
                throw SQLiteError(message: String(cString: sqlite3_errmsg(c.db)))
            }
            c.statements[sql] = s
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
            guard rc == SQLITE_ROW else { throw SQLiteError(message: String(cString: sqlite3_errmsg(c.db))) }
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
        return (rows, Int(sqlite3_changes(c.db)))
    }
}
