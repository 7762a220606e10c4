// PostgresTokenInserts.swift: group commit of new tokens on PostgreSQL, as SQLite's store
// does it: the tokens that logins issue while one INSERT is in flight go together into the
// next one (one statement, many rows: one round trip, one commit, one WAL flush), and each
// login answers only after the COMMIT that holds its row. One batch is in flight at a time
// per node, so a burst of logins costs the database a few commits, not one each.
import PostgresNIO
import Synchronization

final class PostgresTokenInserts: Sendable {
    private struct Waiting {
        let record: TokenRecord
        let doc: String
        let done: CheckedContinuation<Void, Error>
    }
    private struct State {
        var waiting: [Waiting] = []
        var inFlight = false
    }
    private let state = Mutex(State())
    /// The most rows one statement carries (10 binds each: PostgreSQL allows 65,535).
    static let maxBatch = 500

    /// Inserts `record` with the others waiting; returns once its COMMIT succeeded.
    func insert(_ record: TokenRecord, pool: PostgresPool) async throws {
        let doc = TokenDocument(record).json
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, Error>) in
            let lead = state.withLock { s in
                s.waiting.append(Waiting(record: record, doc: doc, done: done))
                guard !s.inFlight else { return false }
                s.inFlight = true
                return true
            }
            if lead { Task { await self.drain(pool) } }
        }
    }

    /// Writes batches until nobody waits.
    private func drain(_ pool: PostgresPool) async {
        while true {
            let batch = state.withLock { s -> [Waiting] in
                let n = min(s.waiting.count, Self.maxBatch)
                guard n > 0 else {
                    s.inFlight = false
                    return []
                }
                let b = Array(s.waiting.prefix(n))
                s.waiting.removeFirst(n)
                return b
            }
            guard !batch.isEmpty else { return }
            do {
                try await pool.withConnection { try await $0.run(Self.statement(batch.map { ($0.record, $0.doc) })) }
                for w in batch { w.done.resume() }
            } catch let e as ServiceError where e.kind == .unavailable {
                // the database is away: this batch fails, and so do the tokens that queued
                // behind it (each has waited up to the lease timeout already, and would wait
                // as long again for the same database)
                let queued = state.withLock { s in
                    defer { s.waiting.removeAll() }
                    return s.waiting
                }
                for w in batch + queued { w.done.resume(throwing: e) }
            } catch {
                // the statement is all or nothing: a batch that failed as a whole (a
                // duplicate id, a row the schema refuses) is tried a row at a time, so that
                // one row's error is that login's alone
                for w in batch {
                    do {
                        try await pool.withConnection { try await $0.run(Self.statement([(w.record, w.doc)])) }
                        w.done.resume()
                    } catch {
                        w.done.resume(throwing: error)
                    }
                }
            }
        }
    }

    /// One INSERT of `rows`, every value bound.
    static func statement(_ rows: [(TokenRecord, String)]) throws -> PostgresQuery {
        var sql = "INSERT INTO tokens (id, accessor, subject, auth_method, expires_at, max_expires_at, uses, uses_limit, revoked, doc) VALUES "
        var binds = PostgresBindings(capacity: rows.count * 10)
        for (i, (r, doc)) in rows.enumerated() {
            let b = i * 10
            sql += (i == 0 ? "" : ", ") + "(" + (1...10).map { "$\(b + $0)" }.joined(separator: ", ") + ")"
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
