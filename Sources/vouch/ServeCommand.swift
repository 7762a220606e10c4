// ServeCommand.swift: `vouch serve`: the server, with embedded storage in a data
// directory, or several nodes on one PostgreSQL database; every flag also a VOUCH_*
// environment variable.
import ArgumentParser
import Foundation
import Logging
import VouchHTTP
import VouchService

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the Vouch server.",
        discussion: """
            Works with no flags: SQLite in ./vouch-data, listening on 127.0.0.1:8200. On first \
            start it creates the master key and prints the admin token once. With --database \
            postgres://USER@HOST:PORT/DB several nodes share one database: every node needs the \
            same master key (--master-key-file); the first node to start creates the token \
            signing key and the admin token there.
            """)

    @Option(help: "HOST:PORT to listen on (VOUCH_ADDRESS; default 127.0.0.1:8200).")
    var address: String?

    @Option(help: "Data directory (VOUCH_DATA_DIR; default ./vouch-data).")
    var dataDir: String?

    @Option(help: "Server certificate (PEM): serve HTTPS and request client certificates (VOUCH_TLS_CERT).")
    var tlsCert: String?

    @Option(help: "Server private key (PEM) (VOUCH_TLS_KEY).")
    var tlsKey: String?

    @Option(help: "Load balancer address or CIDR whose client-certificate header is believed; repeatable (VOUCH_TRUSTED_PROXY, comma list).")
    var trustedProxy: [String] = []

    @Option(help: "Header carrying the URL-encoded client certificate from a trusted proxy (VOUCH_CLIENT_CERT_HEADER; default X-SSL-Client-Cert).")
    var clientCertHeader: String?

    @Option(help: "On first start, write the admin token to this file (mode 0600) instead of printing it (VOUCH_ADMIN_TOKEN_FILE).")
    var adminTokenFile: String?

    @Option(help: "Audit log file, JSON lines (VOUCH_AUDIT_LOG; default DATA_DIR/audit.log).")
    var auditLog: String?

    @Option(help: "The store: sqlite (DATA_DIR/vouch.db, the default) or postgres://USER[:PASSWORD]@HOST[:PORT]/DB?sslmode=... (VOUCH_DATABASE_URL).")
    var database: String?

    @Option(help: "File holding the PostgreSQL password (VOUCH_DATABASE_PASSWORD_FILE; else the URL's, else PGPASSWORD).")
    var databasePasswordFile: String?

    @Option(help: "Most connections this node opens to PostgreSQL (VOUCH_DATABASE_POOL_SIZE; default 16).")
    var databasePoolSize: Int?

    @Option(help: "The master key file (VOUCH_MASTER_KEY_FILE; default DATA_DIR/master.key): every node on one database needs the same.")
    var masterKeyFile: String?

    func env(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The store the flags name; the password from its file, else the URL's, else PGPASSWORD.
    func databaseChoice() throws -> Vouch.Database {
        let url = database ?? env("VOUCH_DATABASE_URL") ?? "sqlite"
        if url == "sqlite" { return .sqlite }
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
            throw ServiceError.badRequest("database_url", "--database must be sqlite or a postgres:// URL")
        }
        var settings = PostgresSettings()
        if let n = databasePoolSize ?? env("VOUCH_DATABASE_POOL_SIZE").flatMap({ Int($0) }) {
            guard (1...1000).contains(n) else {
                throw ServiceError.badRequest("database_pool_size", "--database-pool-size must be 1 to 1000")
            }
            settings.maxConnections = n
        }
        var password: String? = nil
        if let file = databasePasswordFile ?? env("VOUCH_DATABASE_PASSWORD_FILE") {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ServiceError.badRequest("database_password_file", "cannot read \(file)")
            }
            password = text.trimmingCharacters(in: .newlines)
        } else if (try? PostgresURL(url))?.password == nil, let p = env("PGPASSWORD") {
            password = p
        }
        return .postgres(url: url, password: password, settings: settings)
    }

    func run() async throws {
        LoggingSystem.bootstrap { JSONLogHandler(label: $0) }
        let logger = Logger(label: "vouch")
        var settings = ServerSettings()
        let addr = address ?? env("VOUCH_ADDRESS") ?? "127.0.0.1:8200"
        guard let colon = addr.lastIndex(of: ":"), let port = Int(addr[addr.index(after: colon)...]), (0...65535).contains(port)
        else {
            warn("error (invalid_address): --address must be HOST:PORT, not \(addr)")
            throw ExitCode(2)
        }
        settings.host = String(addr[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        settings.port = port
        settings.tlsCertificate = tlsCert ?? env("VOUCH_TLS_CERT")
        settings.tlsKey = tlsKey ?? env("VOUCH_TLS_KEY")
        let proxies = trustedProxy.isEmpty ? (env("VOUCH_TRUSTED_PROXY")?.split(separator: ",").map(String.init) ?? []) : trustedProxy
        do {
            settings.trustedProxies = try proxies.map { try CIDR($0) }
        } catch let e as ServiceError {
            warn("error (\(e.code)): --trusted-proxy: \(e.message)")
            throw ExitCode(2)
        }
        if let h = clientCertHeader ?? env("VOUCH_CLIENT_CERT_HEADER") {
            guard !h.isEmpty, h.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: ":") }) else {
                warn("error (invalid_header): --client-cert-header must be a header name")
                throw ExitCode(2)
            }
            settings.clientCertHeader = h
        }
        let dir = dataDir ?? env("VOUCH_DATA_DIR") ?? "./vouch-data"
        let vouch: Vouch
        let first: Vouch.FirstStart
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            let audit = try AuditLog(path: auditLog ?? env("VOUCH_AUDIT_LOG") ?? dir + "/audit.log")
            (vouch, first) = try await Vouch.open(
                dataDir: dir, database: try databaseChoice(), masterKeyFile: masterKeyFile ?? env("VOUCH_MASTER_KEY_FILE"),
                adminTokenFile: adminTokenFile ?? env("VOUCH_ADMIN_TOKEN_FILE"), audit: audit)
        } catch let e as ServiceError {
            warn("error (\(e.code)): \(e.message)")
            throw ExitCode(2)
        } catch {
            warn("error (data_dir): \(dir): \(error)")
            throw ExitCode(2)
        }
        for w in vouch.configWarnings { logger.warning("configuration not loaded", metadata: ["detail": .string(w)]) }
        if let token = first.adminToken {
            FileHandle.standardOutput.write(Data("""
                First start: the admin token, shown this once (Vouch keeps only its hash):

                    \(token)


                """.utf8))
        }
        let scheme = settings.tlsCertificate == nil ? "http" : "https"
        let host = settings.host
        do {
            try await VouchServer.run(vouch: vouch, settings: settings, logger: logger) { port in
                FileHandle.standardOutput.write(Data("vouch listening on \(scheme)://\(host):\(port)\n".utf8))
            }
        } catch let e as ServiceError {
            warn("error (\(e.code)): \(e.message)")
            throw ExitCode(2)
        }
    }
}
