// PostgresURL.swift: where the PostgreSQL store connects, read from a libpq-style URL:
// postgres[ql]://USER[:PASSWORD]@HOST[:PORT]/DATABASE?sslmode=...&host=/socket/dir.
// A URL that cannot be used is refused as `database_url`, with a message that names what is
// wrong but repeats no part of the URL (a mistyped URL may put its password anywhere).

/// A parsed database URL.
public struct PostgresURL: Sendable, Equatable {
    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: Int)
        /// A unix socket: the directory (libpq's `host=/dir`) and the port that names the
        /// socket file in it (`.s.PGSQL.PORT`).
        case socket(directory: String, port: Int)

        /// The socket file's path, for a unix socket.
        var socketPath: String? {
            if case .socket(let dir, let port) = self { (dir.hasSuffix("/") ? dir : dir + "/") + ".s.PGSQL.\(port)" } else { nil }
        }
    }

    /// libpq's sslmode values (`allow` is taken as `prefer`: try TLS, go on without).
    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var endpoint: Endpoint
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    /// `sslrootcert`: the PEM file of the CAs that verify the server (verify-ca, verify-full);
    /// the system's trust store when absent.
    public var sslRootCert: String?

    /// Parses `url`; `password`, when given (a file or an environment variable, say), takes
    /// the place of one in the URL.
    public init(_ url: String, password: String? = nil) throws {
        func bad(_ why: String) -> ServiceError { .badRequest("database_url", "the database URL \(why)") }
        let lower = url.lowercased()
        guard let scheme = ["postgres://", "postgresql://"].first(where: { lower.hasPrefix($0) }) else {
            throw bad("must start with postgres:// or postgresql://")
        }
        var rest = Substring(url.dropFirst(scheme.count))
        var query: Substring = ""
        if let q = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: q)...]
            rest = rest[..<q]
        }
        var path: Substring = ""
        // the authority ends at the first "/" after its last "@" (a password may hold "/")
        let afterAt = rest.lastIndex(of: "@").map { rest.index(after: $0) } ?? rest.startIndex
        if let slash = rest[afterAt...].firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        guard let at = rest.lastIndex(of: "@") else { throw bad("has no user (postgres://USER@HOST/DATABASE)") }
        let userInfo = rest[..<at], hostPort = rest[rest.index(after: at)...]
        let colon = userInfo.firstIndex(of: ":")
        guard let user = Self.decode(colon.map { userInfo[..<$0] } ?? userInfo), !user.isEmpty else {
            throw bad("has no user, or a user that is not percent-encoded UTF-8")
        }
        self.user = user
        if let colon {
            guard let p = Self.decode(userInfo[userInfo.index(after: colon)...]) else {
                throw bad("has a password that is not percent-encoded UTF-8")
            }
            self.password = p
        }
        if let password { self.password = password }
        guard let db = Self.decode(path), !db.contains("/") else { throw bad("has a database name that is not percent-encoded UTF-8") }
        database = db.isEmpty ? user : db

        var host: String?
        var port: Int?
        if !hostPort.isEmpty {
            var h = hostPort, p: Substring?
            if h.hasPrefix("[") {  // an IPv6 address
                guard let close = h.firstIndex(of: "]") else { throw bad("has an IPv6 host without its closing bracket") }
                let after = h[h.index(after: close)...]
                if after.hasPrefix(":") { p = after.dropFirst() } else if !after.isEmpty { throw bad("has something after its IPv6 host") }
                h = h[h.index(after: h.startIndex)..<close]
            } else if let c = h.lastIndex(of: ":") {
                p = h[h.index(after: c)...]
                h = h[..<c]
            }
            host = Self.decode(h)
            if let p { port = try Self.port(p, bad) }
        }
        var mode = SSLMode.prefer
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(kv[0]), value = Self.decode(kv.count > 1 ? kv[1] : "") ?? ""
            switch name {
            case "sslmode":
                guard let m = SSLMode(rawValue: value) else {
                    throw bad("has an sslmode that is none of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                mode = m
            case "host": host = value
            case "port": port = try Self.port(Substring(value), bad)
            case "sslrootcert": sslRootCert = value
            default:
                // not named: a "?" in an unencoded password makes the rest of it look like parameters
                throw bad("has a parameter it does not know (it knows sslmode, sslrootcert, host and port)")
            }
        }
        sslMode = mode
        guard let host, !host.isEmpty else { throw bad("has no host (postgres://USER@HOST/DATABASE, or ?host=/socket/directory)") }
        endpoint = host.hasPrefix("/") ? .socket(directory: host, port: port ?? 5432) : .tcp(host: host, port: port ?? 5432)
        if case .socket = endpoint, mode == .require || mode == .verifyCA || mode == .verifyFull {
            throw bad("asks for TLS (sslmode) over a unix socket, which has none")
        }
    }

    /// Where it connects, for messages: never the user's password.
    public var location: String {
        switch endpoint {
        case .tcp(let host, let port): "\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)"
        case .socket: "\(endpoint.socketPath ?? "")/\(database)"
        }
    }

    private static func port(_ s: Substring, _ bad: (String) -> ServiceError) throws -> Int {
        guard let n = Int(s), (1...65535).contains(n) else { throw bad("has a port that is not a number from 1 to 65535") }
        return n
    }

    /// Percent-decoding (UTF-8); nil when an escape is malformed or the bytes are not UTF-8.
    static func decode(_ s: Substring) -> String? {
        var bytes: [UInt8] = []
        var i = s.utf8.startIndex
        let u = s.utf8
        while i != u.endIndex {
            if u[i] == UInt8(ascii: "%") {
                let h1 = u.index(after: i)
                guard h1 != u.endIndex, u.index(after: h1) != u.endIndex,
                      let hi = hex(u[h1]), let lo = hex(u[u.index(after: h1)]) else { return nil }
                bytes.append(hi << 4 | lo)
                i = u.index(h1, offsetBy: 2)
            } else {
                bytes.append(u[i])
                i = u.index(after: i)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
