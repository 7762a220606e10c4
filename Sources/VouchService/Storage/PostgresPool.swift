// PostgresPool.swift: the PostgreSQL store's connections: postgres-nio's PostgresClient (a
// pool), driven by a task the pool owns until shutdown(). A connection is waited for only so
// long (a full pool, a database that went away): then the call fails as
// `database_unavailable` (503), never queues without end. Transactions are BEGIN ... COMMIT on
// one leased connection, ROLLBACK when the body throws.
import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import Synchronization

/// How the PostgreSQL store uses its connections.
public struct PostgresSettings: Sendable {
    /// The most connections the store opens to the database (each node: several nodes add up
    /// against the server's max_connections).
    public var maxConnections = 16
    /// How long a call waits for a connection (all busy, or the database unreachable) before
    /// it fails as unavailable.
    public var leaseTimeout: Duration = .seconds(5)
    /// How long opening one connection may take.
    public var connectTimeout: Duration = .seconds(5)
    /// The server's statement_timeout for the store's statements (nil: the server's own):
    /// a statement stuck behind a lock fails rather than holds a connection for ever.
    public var statementTimeout: Duration? = .seconds(30)

    public init() {}
}

extension ServiceError {
    /// The database cannot be used now (down, unreachable, every connection busy): 503, for
    /// the caller to try again; the reason goes to the audit log only.
    static func databaseUnavailable(_ detail: String) -> ServiceError {
        ServiceError(.unavailable, "database_unavailable", "the database cannot be reached now; try again", detail: detail)
    }
}

/// An error of the database the store does not turn into a ServiceError (a damaged row, a
/// statement the schema refuses): like SQLiteError, a fault, not the caller's.
struct PostgresStoreError: Error, CustomStringConvertible {
    let message: String
    /// The server's SQLSTATE, when the server answered.
    var sqlState: String?
    var constraint: String?
    var description: String { "PostgreSQL: \(message)" }
}

final class PostgresPool: Sendable {
    let url: PostgresURL
    let settings: PostgresSettings
    private let client: PostgresClient
    /// Drives the client (its connections, timers); cancelled by shutdown().
    private let runner: Task<Void, Never>
    static let logger = Logger(label: "vouch.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    init(url: PostgresURL, settings: PostgresSettings) throws {
        self.url = url
        self.settings = settings
        var config: PostgresClient.Configuration = url.configuration(tls: try Self.tls(url).client)
        config.options.maximumConnections = max(1, settings.maxConnections)
        config.options.connectTimeout = settings.connectTimeout
        config.options.additionalStartupParameters = Self.startupParameters(settings)
        let client = PostgresClient(configuration: config)
        self.client = client
        runner = Task { await client.run() }
    }

    deinit { runner.cancel() }

    /// Closes every connection and stops the client's task; calls after it fail.
    func shutdown() async {
        runner.cancel()
        await runner.value
    }

    static func startupParameters(_ s: PostgresSettings) -> [(String, String)] {
        var p = [("application_name", "vouch")]
        if let t = s.statementTimeout { p.append(("statement_timeout", "\(max(1, t.components.seconds * 1000 + t.components.attoseconds / 1_000_000_000_000_000))")) }
        return p
    }

    /// The TLS of the URL's sslmode, for the pool and for a single connection.
    static func tls(_ url: PostgresURL) throws -> (client: PostgresClient.Configuration.TLS, connection: PostgresConnection.Configuration.TLS) {
        var c = TLSConfiguration.makeClientConfiguration()
        if let root = url.sslRootCert { c.trustRoots = .file(root) }
        // libpq: require checks nothing of the certificate, unless a root certificate is given
        switch url.sslMode {
        case .disable: return (.disable, .disable)
        case .allow, .prefer:
            c.certificateVerification = .none
            return (.prefer(c), .prefer(try NIOSSLContext(configuration: c)))
        case .require where url.sslRootCert == nil: c.certificateVerification = .none
        case .require, .verifyCA: c.certificateVerification = .noHostnameVerification
        case .verifyFull: c.certificateVerification = .fullVerification
        }
        return (.require(c), .require(try NIOSSLContext(configuration: c)))
    }

    // MARK: leasing

    /// Decides once between a lease granted and the wait timing out, whichever comes first.
    private final class LeaseGate: Sendable {
        private enum State { case waiting, leased, timedOut }
        private let state = Mutex(State.waiting)
        /// The lease came: true when the wait had not timed out (the body may run).
        func leased() -> Bool { settle(.leased) }
        /// The wait timed out: true when no lease had come (the call fails).
        func timedOut() -> Bool { settle(.timedOut) }
        private func settle(_ to: State) -> Bool {
            state.withLock { s in
                guard s == .waiting else { return false }
                s = to
                return true
            }
        }
    }
    private enum Leased<T: Sendable>: Sendable { case done(T), waited }
    private struct LeaseTimedOut: Error {}

    /// Runs `body` on a leased connection. A lease not granted within the lease timeout
    /// fails as unavailable, and `body` then never runs; once granted, `body` runs to its
    /// end (a query is never cut off halfway by this timeout).
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let gate = LeaseGate()
        let timeout = settings.leaseTimeout
        do {
            return try await withThrowingTaskGroup(of: Leased<T>.self) { group in
                group.addTask {
                    try await self.client.withConnection { c in
                        guard gate.leased() else { throw LeaseTimedOut() }
                        return .done(try await body(c))
                    }
                }
                group.addTask {
                    try? await Task.sleep(for: timeout)
                    guard !Task.isCancelled else { return .waited }
                    if gate.timedOut() { throw LeaseTimedOut() }
                    return .waited  // leased in time: the body goes on
                }
                while let r = try await group.next() {
                    if case .done(let v) = r {
                        group.cancelAll()
                        return v
                    }
                }
                throw LeaseTimedOut()  // not reached: the first task returns or throws
            }
        } catch is LeaseTimedOut {
            throw ServiceError.databaseUnavailable(
                "no connection to \(url.location) within \(timeout) (\(settings.maxConnections) at most; all busy, or the database unreachable)")
        } catch {
            throw Self.classify(error, at: url.location)
        }
    }

    /// Runs `body` in a transaction (`begin` starts it: BEGIN, or BEGIN with an isolation
    /// level): committed when it returns, rolled back when it throws.
    func transaction<T: Sendable>(_ begin: String = "BEGIN", _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await withConnection { c in
            try await c.run(PostgresQuery(unsafeSQL: begin))
            let value: T
            do {
                value = try await body(c)
            } catch {
                do {
                    try await c.run("ROLLBACK")
                } catch {
                    // a connection left inside a transaction must not serve the next caller
                    let _: EventLoopFuture<Void> = c.close()
                }
                throw error
            }
            try await c.run("COMMIT")
            return value
        }
    }

    /// One connection of its own, outside the pool (start-up: the schema's migrations), with
    /// the errors of connecting as they are (a wrong password, a missing database).
    func withSingleConnection<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        var config: PostgresConnection.Configuration = url.configuration(tls: try Self.tls(url).connection)
        config.options.connectTimeout = .seconds(settings.connectTimeout.components.seconds)
        config.options.additionalStartupParameters = Self.startupParameters(settings)
        let c: PostgresConnection
        do {
            c = try await PostgresConnection.connect(configuration: config, id: 0, logger: Self.logger)
        } catch {
            throw Self.classify(error, at: url.location)
        }
        do {
            let value = try await body(c)
            try? await c.close()
            return value
        } catch {
            try? await c.close()
            throw Self.classify(error, at: url.location)
        }
    }

    // MARK: errors

    /// What an error of postgres-nio means to the caller: unavailable (the database down,
    /// unreachable, shutting down, out of connections, a statement timed out) as
    /// `database_unavailable`; anything else as a PostgresStoreError with the server's
    /// SQLSTATE. ServiceErrors (the store's own refusals) pass unchanged.
    static func classify(_ error: any Error, at location: String) -> any Error {
        switch error {
        case is ServiceError, is PostgresStoreError, is CancellationError: return error
        case let e as PSQLError: return classify(e, at: location)
        case is IOError, is ChannelError: return ServiceError.databaseUnavailable("\(location): \(error)")
        case let e as PostgresDecodingError: return PostgresStoreError(message: "a row could not be read: \(e.code) in column \(e.columnName)")
        default:
            // the pool's circuit breaker (connections failing for a minute: ConnectionPoolError)
            // and NIO's connect errors, by name: their modules are not postgres-nio's API
            let name = "\(type(of: error))"
            if name == "ConnectionPoolError" || name.hasPrefix("NIOConnectionError") {
                return ServiceError.databaseUnavailable("\(location): no connection can be made (\(error))")
            }
            return error
        }
    }

    private static func classify(_ e: PSQLError, at location: String) -> any Error {
        guard e.code == .server, let info = e.serverInfo else {
            switch e.code {
            case .serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown, .poolClosed, .queryCancelled:
                let under = e.underlying.map { ": \($0)" } ?? ""
                return ServiceError.databaseUnavailable("\(location): \(e.code)\(under)")
            case .sslUnsupported:
                return PostgresStoreError(message: "\(location) does not speak TLS, and the URL's sslmode requires it")
            default:
                return PostgresStoreError(message: "\(location): \(e.code)")
            }
        }
        let state = info[.sqlState] ?? ""
        let message = info[.message] ?? "error"
        // 08: connection exceptions; 53: out of resources (too many connections, disk full);
        // 57P01-03: the server shutting down or starting; 57014: statement_timeout;
        // 40001, 40P01: serialization failure, deadlock (transient: try again)
        if state.hasPrefix("08") || state.hasPrefix("53") || ["57P01", "57P02", "57P03", "57014", "40001", "40P01"].contains(state) {
            return ServiceError.databaseUnavailable("\(location): \(message) (\(state))")
        }
        return PostgresStoreError(message: "\(message) (\(state))", sqlState: state, constraint: info[.constraintName])
    }
}

/// postgres-nio's two configurations, the pool's and a single connection's: alike, not one type.
protocol PostgresEndpointConfiguration {
    associatedtype TLS
    init(host: String, port: Int, username: String, password: String?, database: String?, tls: TLS)
    init(unixSocketPath: String, username: String, password: String?, database: String?)
}

extension PostgresClient.Configuration: PostgresEndpointConfiguration {}
extension PostgresConnection.Configuration: PostgresEndpointConfiguration {}

extension PostgresURL {
    /// Where and as whom to connect, in either configuration (TLS only over TCP).
    func configuration<C: PostgresEndpointConfiguration>(tls: C.TLS) -> C {
        switch endpoint {
        case .tcp(let host, let port): C(host: host, port: port, username: user, password: password, database: database, tls: tls)
        case .socket: C(unixSocketPath: endpoint.socketPath ?? "", username: user, password: password, database: database)
        }
    }
}

extension PostgresConnection {
    /// Runs one statement; its rows.
    @discardableResult
    func rows(_ q: PostgresQuery) async throws -> [PostgresRow] {
        try await query(q, logger: PostgresPool.logger).collect()
    }

    /// Runs one statement, its rows (if any) read and dropped.
    func run(_ q: PostgresQuery) async throws {
        for try await _ in try await query(q, logger: PostgresPool.logger) {}
    }

    /// Runs one INSERT, UPDATE or DELETE; how many rows it wrote (RETURNING counted, as
    /// postgres-nio does not hand back the command tag).
    func count(_ q: PostgresQuery) async throws -> Int {
        let counted = PostgresQuery(unsafeSQL: "WITH written AS (\(q.sql) RETURNING 1) SELECT count(*) FROM written", binds: q.binds)
        return Int(try await rows(counted).first?.decode(Int64.self) ?? 0)
    }
}

extension PostgresRow {
    /// A column's value as bytes (bytea, or the UTF-8 of text): no String made on the way.
    func bytes(_ column: Int) -> [UInt8] {
        makeRandomAccess()[column].bytes.map { Array($0.readableBytesView) } ?? []
    }
}
