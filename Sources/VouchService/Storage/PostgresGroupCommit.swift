// PostgresGroupCommit.swift: group commit on PostgreSQL, as SQLite's store does it: the
// writes that arrive while one batch is in flight go together into the next (one statement
// or one transaction: one commit, one WAL flush), and each caller answers only after the
// COMMIT that holds its write. One batch is in flight at a time per node, so a burst costs
// the database a few commits, not one a call. Used for new tokens and token uses
// (PostgresTokenWrites.swift).
import Synchronization

final class PostgresGroupCommit<Item: Sendable, Output: Sendable>: Sendable {
    typealias Batch = @Sendable ([Item], PostgresPool) async throws -> [Output]
    typealias One = @Sendable (Item, PostgresPool) async throws -> Output

    private struct Waiting {
        let item: Item
        let done: CheckedContinuation<Output, Error>
    }
    private struct State {
        var waiting: [Waiting] = []
        var inFlight = false
    }
    private let state = Mutex(State())
    private let maxBatch: Int
    private let batch: Batch, one: One

    /// `batch` writes several items at once, all or nothing, answering one output per item
    /// in order; `one` writes a single item (a batch that failed as a whole is tried one at
    /// a time, so that one item's error is that caller's alone).
    init(maxBatch: Int, batch: @escaping Batch, one: @escaping One) {
        (self.maxBatch, self.batch, self.one) = (maxBatch, batch, one)
    }

    /// Writes `item` with the others waiting; returns once its COMMIT succeeded.
    func submit(_ item: Item, pool: PostgresPool) async throws -> Output {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Output, Error>) in
            let lead = state.withLock { s in
                s.waiting.append(Waiting(item: item, done: done))
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
            let taken = state.withLock { s -> [Waiting] in
                let n = min(s.waiting.count, maxBatch)
                guard n > 0 else {
                    s.inFlight = false
                    return []
                }
                defer { s.waiting.removeFirst(n) }
                return Array(s.waiting.prefix(n))
            }
            guard !taken.isEmpty else { return }
            do {
                let outputs = try await batch(taken.map(\.item), pool)
                for (w, o) in zip(taken, outputs) { w.done.resume(returning: o) }
            } catch let e as ServiceError where e.kind == .unavailable {
                // the database is away: this batch fails, and so do the writes queued behind
                // it (they would wait as long again for the same database)
                let queued = state.withLock { s in
                    defer { s.waiting.removeAll() }
                    return s.waiting
                }
                for w in taken + queued { w.done.resume(throwing: e) }
            } catch {
                for w in taken {
                    do {
                        w.done.resume(returning: try await one(w.item, pool))
                    } catch {
                        w.done.resume(throwing: error)
                    }
                }
            }
        }
    }
}
