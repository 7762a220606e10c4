// PostgresTokenWrites.swift: the token writes of a login and of a use, group-committed
// (PostgresGroupCommit): new tokens as one multi-row INSERT, uses as one transaction of
// conditional UPDATEs.
import PostgresNIO

enum PostgresTokenWrites {
    /// New tokens, each with its document (encoded by the caller, on its own core): up to
    /// 500 rows a statement (10 binds each: PostgreSQL allows 65,535).
    static func inserts() -> PostgresGroupCommit<(record: TokenRecord, doc: String), Void> {
        PostgresGroupCommit(
            maxBatch: 500,
            batch: { records, pool in
                try await pool.withConnection { try await $0.run(insert(records)) }
                return records.map { _ in () }
            },
            one: { record, pool in try await pool.withConnection { try await $0.run(insert([record])) } })
    }

    /// Uses: one transaction of conditional UPDATEs (PostgresStore.use), in token id order
    /// so that two nodes' batches lock rows in one order (no deadlock between them). Uses
    /// of one token in a batch see each other (one transaction), so a use limit stays exact.
    static func uses() -> PostgresGroupCommit<(id: String, now: Int64), UseOutcome> {
        PostgresGroupCommit(
            maxBatch: 256,
            batch: { uses, pool in
                let order = uses.indices.sorted { uses[$0].id < uses[$1].id }
                let outcomes = try await pool.transaction { c in
                    var out: [UseOutcome] = []
                    for i in order { out.append(try await PostgresStore.use(c, id: uses[i].id, now: uses[i].now)) }
                    return out
                }
                var inOrder = [UseOutcome](repeating: .notFound, count: uses.count)
                for (k, i) in order.enumerated() { inOrder[i] = outcomes[k] }
                return inOrder
            },
            one: { use, pool in try await pool.withConnection { try await PostgresStore.use($0, id: use.id, now: use.now) } })
    }

    /// One INSERT of `records`, every value bound.
    static func insert(_ records: [(record: TokenRecord, doc: String)]) throws -> PostgresQuery {
        var sql = "INSERT INTO tokens (id, accessor, subject, auth_method, expires_at, max_expires_at, uses, uses_limit, revoked, doc) VALUES "
        var binds = PostgresBindings(capacity: records.count * 10)
        for (i, (r, doc)) in records.enumerated() {
            sql += (i == 0 ? "" : ", ") + "(" + (1...10).map { "$\(i * 10 + $0)" }.joined(separator: ", ") + ")"
            binds.append(r.id)
            binds.append(r.accessor)
            binds.append(r.subject)
            binds.append(r.authMethod)
            binds.append(r.expiresAt)
            binds.append(r.maxExpiresAt)
            binds.append(Int64(r.uses))
            binds.append(Int64(r.usesLimit))
            binds.append(Int64(r.revoked ? 1 : 0))
            binds.append(doc)
        }
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }
}
