// PostgresStore+Copy.swift: the PostgreSQL store's side of a store copy (StoreCopy.swift):
// every table read in one REPEATABLE READ READ ONLY transaction (one snapshot), and written in
// one transaction that takes the configuration writers' lock first (as every writer of the
// configuration does), checks the database holds nothing, then inserts the rows in batches:
// one INSERT ... SELECT FROM UNNEST(arrays) per batch rather than one round trip per row.
// Identity columns (SSH certificates' cursors, revocations' sequence numbers) are written as
// given, and their sequences moved past them. The change log is pruned once, at the end.
import NIOCore
import PostgresNIO

extension PostgresStore: CopyableStore {
    func storedRows(now: Int64) async throws -> StoredRows {
        try await pool.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { c in
            var rows = StoredRows()
            for t in CopiedTable.all {
                // C collation: the byte order SQLite's BINARY gives, so both stores list alike
                let order = t.order.map { t.column($0)?.type == .text ? #"\#($0) COLLATE "C""# : $0 }.joined(separator: ", ")
                var binds = PostgresBindings()
                if t.liveUntil != nil { binds.append(now) }
                let live = t.liveUntil.map { " WHERE \($0) > $1" } ?? ""
                let q = PostgresQuery(
                    unsafeSQL: "SELECT \(t.columns.map(\.name).joined(separator: ", ")) FROM \(t.name)\(live) ORDER BY \(order)", binds: binds)
                rows.tables[t.name] = try await c.rows(q).map { row in
                    let cells = row.makeRandomAccess()
                    return try t.columns.enumerated().map { i, column in
                        switch column.type {
                        case .int: .int(try cells[i].decode(Int64.self))
                        case .text: .text(try cells[i].decode(String.self))
                        case .bytes: .bytes(cells[i].bytes.map { Array($0.readableBytesView) } ?? [])
                        }
                    }
                }
            }
            return rows
        }
    }

    func insertStoredRows(_ rows: StoredRows) async throws -> [String: Int] {
        try await pool.transaction { c in
            try await c.run("SELECT pg_advisory_xact_lock(\(PostgresSchema.configLock))")
            try StoredRows.requireEmpty(try await Self.counts(c))
            let pruningPaused = try await Self.pauseLogPruning(c)
            for t in CopiedTable.all {
                let all = rows.rows(t)
                var start = 0
                while start < all.count {
                    let end = Self.batchEnd(all, from: start)
                    try await c.run(try Self.insert(t, all[start..<end]))
                    start = end
                }
                if let ordinal = t.ordinal, !all.isEmpty {
                    try await c.run(PostgresQuery(unsafeSQL: """
                        SELECT setval(pg_get_serial_sequence('\(t.name)', '\(ordinal)'), (SELECT max(\(ordinal)) FROM \(t.name)))
                        """))
                }
            }
            if pruningPaused {
                try await c.run("DELETE FROM config_changes WHERE seq <= (SELECT max(seq) FROM config_changes) - \(Int64(PostgresSchema.changesKept))")
                try await c.run("ALTER TABLE config_changes ENABLE TRIGGER config_changes_prune")
            }
            let written = try await Self.counts(c)
            try rows.verify(written)
            return written
        }
    }

    /// Switches off, for this transaction, the change log's trigger that deletes the oldest
    /// entry for each one written (the log is pruned once at the end instead). Within one
    /// transaction the entries it deleted stay in the index until commit, and each prune walks
    /// past all of them: quadratic (60,000 identities took 76 s with it, 2 s without). ALTER
    /// TABLE is transactional: a copy rolled back leaves the trigger on. Only the tables'
    /// owner (the role that made the schema) may; for another role the copy keeps the trigger,
    /// and is slower. True when switched off.
    private static func pauseLogPruning(_ c: PostgresConnection) async throws -> Bool {
        try await c.run("SAVEPOINT pause_pruning")
        do {
            try await c.run("ALTER TABLE config_changes DISABLE TRIGGER config_changes_prune")
            try await c.run("RELEASE SAVEPOINT pause_pruning")
            return true
        } catch {
            try await c.run("ROLLBACK TO SAVEPOINT pause_pruning")
            return false
        }
    }

    /// Rows per copied table (all of them: expired tokens too).
    private static func counts(_ c: PostgresConnection) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for t in CopiedTable.all {
            counts[t.name] = Int(try await c.rows(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(t.name)")).first?.decode(Int64.self) ?? 0)
        }
        return counts
    }

    /// At most this many rows, and about this many bytes, go in one INSERT.
    static let batchRows = 1000, batchBytes = 8 << 20

    /// Where the batch that starts at `start` ends (always after at least one row).
    private static func batchEnd(_ rows: [[StoredValue]], from start: Int) -> Int {
        var end = start, bytes = 0
        while end < rows.count, end - start < batchRows, end == start || bytes < batchBytes {
            bytes += rows[end].reduce(0) { $0 + $1.size }
            end += 1
        }
        return end
    }

    /// One INSERT of a batch of rows: each column's values bound as one array, the arrays
    /// unnested side by side into rows.
    private static func insert(_ t: CopiedTable, _ batch: ArraySlice<[StoredValue]>) throws -> PostgresQuery {
        var binds = PostgresBindings()
        var arrays: [String] = []
        for (i, column) in t.columns.enumerated() {
            switch column.type {
            case .int:
                binds.append(try batch.map { row -> Int64 in if case .int(let n) = row[i] { return n } else { throw mistyped(t, column) } })
                arrays.append("$\(i + 1)::bigint[]")
            case .text:
                binds.append(try batch.map { row -> String in if case .text(let s) = row[i] { return s } else { throw mistyped(t, column) } })
                arrays.append("$\(i + 1)::text[]")
            case .bytes:
                binds.append(try batch.map { row -> ByteBuffer in
                    if case .bytes(let b) = row[i] { return ByteBuffer(bytes: b) } else { throw mistyped(t, column) }
                })
                arrays.append("$\(i + 1)::bytea[]")
            }
        }
        let overriding = t.ordinal == nil ? "" : " OVERRIDING SYSTEM VALUE"
        return PostgresQuery(unsafeSQL: """
            INSERT INTO \(t.name) (\(t.columns.map(\.name).joined(separator: ", ")))\(overriding)
            SELECT * FROM UNNEST(\(arrays.joined(separator: ", ")))
            """, binds: binds)
    }

    private static func mistyped(_ t: CopiedTable, _ column: CopiedTable.Column) -> PostgresStoreError {
        PostgresStoreError(message: "\(t.name).\(column.name): a value that is not \(column.type)")
    }
}
