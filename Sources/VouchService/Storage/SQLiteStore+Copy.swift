// SQLiteStore+Copy.swift: the SQLite store's side of a store copy (StoreCopy.swift): every
// table read in one read transaction (a snapshot that takes no write lock, so a server still
// running on the file is not held up), and written in one write transaction that first checks
// the file holds nothing. Values keep their storage class: TEXT stays text, BLOB stays a blob.
import Foundation

extension SQLiteStore: CopyableStore {
    func storedRows(now: Int64) async throws -> StoredRows {
        try await db.run { c in
            try c.readTransaction {
                var rows = StoredRows()
                for t in CopiedTable.all {
                    let live = t.liveUntil.map { " WHERE \($0) > ?" } ?? ""
                    let sql = "SELECT \(Self.columnList(t)) FROM \(t.name)\(live) ORDER BY \(t.order.map { Self.sqliteName(t, $0) }.joined(separator: ", "))"
                    rows.tables[t.name] = try c.query(sql, t.liveUntil == nil ? [] : [.int(now)]).map { row in
                        try zip(t.columns, row).map { try Self.stored($1, as: $0, of: t) }
                    }
                }
                return rows
            }
        }
    }

    func insertStoredRows(_ rows: StoredRows) async throws -> [String: Int] {
        try await db.run { c in
            try c.transaction {
                try StoredRows.requireEmpty(try Self.counts(c))
                for t in CopiedTable.all {
                    let sql = "INSERT INTO \(t.name) (\(Self.columnList(t))) VALUES (\(t.columns.map { _ in "?" }.joined(separator: ", ")))"
                    for row in rows.rows(t) { try c.update(sql, row.map(Self.sqlValue)) }
                }
                let written = try Self.counts(c)
                try rows.verify(written)
                return written
            }
        }
    }

    /// Rows per copied table (all of them: expired tokens too).
    private static func counts(_ c: SQLiteDatabase.Connection) throws -> [String: Int] {
        try Dictionary(uniqueKeysWithValues: CopiedTable.all.map { t in
            (t.name, Int(try c.query("SELECT count(*) FROM \(t.name)").first?[0].int ?? 0))
        })
    }

    private static func sqliteName(_ t: CopiedTable, _ column: String) -> String { t.column(column)?.sqliteName ?? column }

    private static func columnList(_ t: CopiedTable) -> String { t.columns.map { $0.sqliteName ?? $0.name }.joined(separator: ", ") }

    /// A read value as its column's type: text that is not UTF-8, or a NULL, is a fault of the file.
    private static func stored(_ v: SQLValue, as column: CopiedTable.Column, of t: CopiedTable) throws -> StoredValue {
        switch (column.type, v) {
        case (.int, .int(let n)): return .int(n)
        case (.text, .text(let s)): return .text(s)
        case (.text, .blob(let b)):
            guard let s = String(validating: b, as: UTF8.self) else { break }
            return .text(s)
        case (.bytes, .blob(let b)): return .bytes(b)
        case (.bytes, .text(let s)): return .bytes(Array(s.utf8))
        default: break
        }
        throw SQLiteError(message: "\(t.name).\(column.name) holds a value that is not \(column.type)")
    }

    private static func sqlValue(_ v: StoredValue) -> SQLValue {
        switch v {
        case .int(let n): .int(n)
        case .text(let s): .text(s)
        case .bytes(let b): .blob(b)
        }
    }
}
