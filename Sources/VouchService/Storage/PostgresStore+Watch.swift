// PostgresStore+Watch.swift: the configuration change feed of several nodes on one
// database: every committed change NOTIFYs `configChannel` (PostgresSchema's triggers), and
// a node LISTENs on a connection of its own, outside the pool (a listening connection is
// never free for queries). A lost connection ends the watch with an error; the caller
// (Vouch.followConfiguration) watches again, and checks the change log on an interval
// meanwhile, so a notification missed while reconnecting costs at most that interval.
import PostgresNIO

extension PostgresStore {
    public var isShared: Bool { true }

    public func watchConfiguration(_ changed: @escaping @Sendable () -> Void) async throws {
        try await pool.withSingleConnection { c in
            try await c.listen(on: Self.configChannel) { notifications in
                // the feed is live once LISTEN returned: what committed before it, the
                // caller's check after this call finds
                changed()
                for try await _ in notifications { changed() }
            }
        }
    }
}
