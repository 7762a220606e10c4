// Postgres.swift: Debian's PostgreSQL, started by the tests on a free loopback port: a new
// cluster (initdb) in a temporary directory, its unix socket there too. One server is
// shared by a test process (started when first asked for, stopped at exit), each test
// case gets a database of its own; a test that stops and restarts a server makes its own.
// PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user
// and every program runs as it (setpriv).
import Foundation
import Synchronization

public final class PostgresServer: @unchecked Sendable {
    public let dir: String
    public let port: Int
    /// The database superuser (trusted on loopback and the socket: no password).
    public let superuser: String
    /// A role that must give its password (SCRAM-SHA-256), for the tests of passwords in URLs.
    public static let passwordUser = "vouch_password"
    public static let password = "pa:ss@w/rd?#%"

    /// The running server (guarded by `lock`).
    private var process: Process?
    private let lock = NSLock()

    /// The unix socket directory (libpq's `host=` for sockets).
    public var socketDir: String { dir }
    /// A URL for a database, as the superuser over TCP (sslmode left to its default, prefer:
    /// this server has no TLS, so the client goes on without).
    public func url(_ database: String) -> String { "postgres://\(superuser)@127.0.0.1:\(port)/\(database)" }

    /// A new cluster in a new temporary directory, started.
    public init() throws {
        port = freePort()
        superuser = Self.asRoot ? "postgres" : (ProcessInfo.processInfo.environment["USER"] ?? "postgres")
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("vouch-pg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        if Self.asRoot { try Self.run("/bin/chown", ["postgres:postgres", dir], asPostgres: false) }
        try Self.run(Self.bin("initdb"), ["-D", dir + "/data", "-U", superuser, "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"])
        // the password role must authenticate on loopback; everyone else is trusted
        let hba = """
            local all all trust
            host all \(Self.passwordUser) 127.0.0.1/32 scram-sha-256
            host all all 127.0.0.1/32 trust
            """
        try Self.run("/bin/sh", ["-c", "printf '%s\\n' \"$1\" > \"$2\"", "sh", hba, dir + "/data/pg_hba.conf"])
        _ = FileManager.default.createFile(atPath: dir + "/server.log", contents: nil)
        try start()
        try psql("CREATE ROLE \(Self.passwordUser) LOGIN PASSWORD '\(Self.password)'")
    }

    /// The server shared by this test process, started on first use, stopped at exit.
    public static func shared() throws -> PostgresServer {
        try sharedServer.withLock { s in
            if let s { return s }
            let server = try PostgresServer()
            s = server
            atexit { PostgresServer.sharedServer.withLock { $0?.destroy() } }
            return server
        }
    }
    private static let sharedServer = Mutex<PostgresServer?>(nil)

    /// A new empty database on the shared server; its URL.
    public static func freshDatabase() throws -> (server: PostgresServer, name: String, url: String) {
        let server = try shared()
        let name = try server.createDatabase()
        return (server, name, server.url(name))
    }

    /// Creates an empty database (`t_` and a random suffix), owned by the password role too
    /// so that it can use it.
    public func createDatabase() throws -> String {
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try psql("CREATE DATABASE \(name) OWNER \(Self.passwordUser)")
        return name
    }

    /// Starts the server (again, on the same port and data) and waits until it answers.
    public func start() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.asRoot ? "/usr/bin/setpriv" : Self.bin("postgres"))
        let args = ["-D", dir + "/data", "-c", "listen_addresses=127.0.0.1", "-c", "port=\(port)",
                    "-c", "unix_socket_directories=\(dir)", "-c", "max_connections=300", "-c", "logging_collector=off"]
        p.arguments = Self.asRoot ? Self.setpriv + [Self.bin("postgres")] + args : args
        // nothing inherited: a test that dies must not leave the test runner waiting on the
        // server's pipes; the server's log goes to a file (opened here, appended to)
        p.standardOutput = FileHandle.nullDevice
        let logFile = FileHandle(forWritingAtPath: dir + "/server.log")
        _ = try logFile?.seekToEnd()
        p.standardError = logFile ?? FileHandle.nullDevice
        try p.run()
        try? logFile?.close()
        lock.withLock { process = p }
        let deadline = Date().addingTimeInterval(30)
        while (try? Self.run(Self.bin("pg_isready"), ["-q", "-h", "127.0.0.1", "-p", "\(port)"])) == nil {
            guard Date() < deadline, p.isRunning else {
                throw PostgresServerError(message: "PostgreSQL did not start: " + log)
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    /// Stops the server (fast shutdown: open sessions are ended) and waits until it has.
    public func stop() {
        let p = lock.withLock { () -> Process? in
            defer { process = nil }
            return process
        }
        guard let p, p.isRunning else { return }
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
    }

    /// Stops the server and removes its directory (the cluster and its log).
    public func destroy() {
        stop()
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Runs SQL with psql over the socket, as the superuser, each command in turn in one
    /// session; returns what it prints (unaligned, tuples only).
    @discardableResult
    public func psql(_ commands: String..., database: String = "postgres") throws -> String {
        try Self.run(Self.bin("psql"), ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", dir, "-p", "\(port)", "-U", superuser,
                                        "-d", database] + commands.flatMap { ["-c", $0] })
    }

    public var log: String { (try? String(contentsOfFile: dir + "/server.log", encoding: .utf8)) ?? "" }

    deinit { destroy() }

    // MARK: programs

    static let asRoot = getuid() == 0
    static let setpriv = ["--reuid=postgres", "--regid=postgres", "--init-groups", "--"]

    /// A program of the newest PostgreSQL installed (Debian: /usr/lib/postgresql/VERSION/bin).
    static func bin(_ name: String) -> String { binDir + "/" + name }
    static let binDir: String = {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        return versions.last.map { "\(root)/\($0)/bin" } ?? "/usr/bin"
    }()

    /// Runs a program to its end (as the postgres user when root); what it printed, or an
    /// error with its output when it failed.
    @discardableResult
    static func run(_ path: String, _ args: [String], asPostgres: Bool = true) throws -> String {
        let p = Process()
        let drop = asRoot && asPostgres
        p.executableURL = URL(fileURLWithPath: drop ? "/usr/bin/setpriv" : path)
        p.arguments = drop ? setpriv + [path] + args : args
        p.currentDirectoryURL = URL(fileURLWithPath: "/")
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard p.terminationStatus == 0 else {
            throw PostgresServerError(message: "\((path as NSString).lastPathComponent) failed (\(p.terminationStatus)): \(text)")
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

public struct PostgresServerError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
