// Cluster.swift: several real `vouch serve` nodes on one PostgreSQL database, as an
// operator runs them: each node with a data directory of its own, all given node 1's
// master key (--master-key-file), the admin token written to a file by whichever node
// set it; nginx in front, round robin. `stop()` ends and removes everything it started.
import Foundation
import VouchTestSupport
import XCTest

final class Cluster {
    let postgres: PostgresServer
    let database: String
    let url: String
    /// Every node's data directory (and its log) is under this one.
    let dir: String
    /// Node 1's master key, the one every node is given.
    var masterKeyFile: String { dir + "/node1/master.key" }
    /// Every node made, in order (started or not, alive or not).
    private(set) var nodes: [ServerProcess] = []
    private(set) var nginx: Nginx?

    /// A new empty database on `postgres` (the test process's shared server when nil).
    init(postgres: PostgresServer? = nil) throws {
        self.postgres = try postgres ?? PostgresServer.shared()
        database = try self.postgres.createDatabase()
        url = self.postgres.url(database)
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("vouch-cluster-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// A node, not started: its own data directory, the database, the master key
    /// (node 1's unless another file is named), the admin token file (in its data directory
    /// unless another is named), and the load balancer's address trusted for the client-certificate header.
    func node(masterKeyFile: String? = nil, adminTokenFile: String? = nil, _ extraArgs: [String] = []) -> ServerProcess {
        let data = dir + "/node\(nodes.count + 1)"
        let s = ServerProcess(dataDir: data, extraArgs: [
            "--database", url, "--master-key-file", masterKeyFile ?? self.masterKeyFile, "--trusted-proxy", "127.0.0.1/32",
            "--admin-token-file", adminTokenFile ?? data + "/admin.token",
        ] + extraArgs)
        nodes.append(s)
        return s
    }

    /// Starts `count` nodes: on an empty database node 1 first, alone (it makes the master
    /// key, the token signing key and the admin token), then the others at the same moment.
    @discardableResult
    func start(_ count: Int, _ extraArgs: [String] = []) throws -> [ServerProcess] {
        var started: [ServerProcess] = []
        if nodes.isEmpty {
            let first = node(extraArgs)
            try first.start()
            started.append(first)
        }
        return try started + startTogether(count - started.count, extraArgs)
    }

    /// Starts `count` new nodes at the same moment, and waits until each listens.
    func startTogether(_ count: Int, _ extraArgs: [String] = []) throws -> [ServerProcess] {
        let group = (0..<count).map { _ in node(extraArgs) }
        for s in group { try s.launch() }
        for s in group { try s.waitUntilListening() }
        return group
    }

    /// Writes a new master key as node 1's, before any node starts (nodes started together
    /// on an empty database must share one from the start).
    func writeMasterKey() throws {
        try FileManager.default.createDirectory(atPath: dir + "/node1", withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        try Self.writeKey(to: masterKeyFile)
    }

    /// A new random master key (32 bytes, base64url unpadded, as `vouch serve` writes it)
    /// in a new file, mode 0600.
    static func writeKey(to path: String) throws {
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        let text = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        guard FileManager.default.createFile(atPath: path, contents: Data((text + "\n").utf8), attributes: [.posixPermissions: 0o600])
        else { throw NSError(domain: "Cluster", code: 1, userInfo: [NSLocalizedDescriptionKey: "cannot write \(path)"]) }
    }

    /// The admin token files the nodes wrote (the first node on the database writes one).
    var adminTokenFiles: [String] {
        nodes.map { $0.dataDir + "/admin.token" }.filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// The admin token, from the file that was written.
    func adminToken() throws -> String {
        let file = try XCTUnwrap(adminTokenFiles.first, "no node wrote the admin token file")
        return try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// nginx in front of `upstream` (TLS with `cert`/`key`, client certificates asked for
    /// and forwarded), round robin.
    @discardableResult
    func balance(_ upstream: [ServerProcess], cert: String, key: String) throws -> Nginx {
        let n = try Nginx.balancer(upstreamPorts: upstream.map(\.port), cert: cert, key: key)
        nginx = n
        return n
    }

    /// The rows that say what the database holds (keys, identities and their auth, CRLs,
    /// the change log, tokens), as text to compare before and after.
    func dump() throws -> String {
        try postgres.psql(
            "SELECT key, encode(value, 'hex') FROM meta ORDER BY key", "SELECT id, name, doc FROM identities ORDER BY id",
            "SELECT identity_id, doc FROM tls_cert_auth ORDER BY identity_id", "SELECT name, md5(data) FROM crls ORDER BY name",
            "SELECT seq, kind, key FROM config_changes ORDER BY seq", "SELECT id, uses, revoked FROM tokens ORDER BY id",
            database: database)
    }

    /// Stops nginx and every node (SIGTERM), drops the database when its server is still
    /// up, and removes nginx's directory and the nodes'.
    func stop() {
        if let nginx {
            nginx.stop()
            try? FileManager.default.removeItem(atPath: nginx.dir)
        }
        for n in nodes { n.stop() }
        _ = try? postgres.psql("DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
        try? FileManager.default.removeItem(atPath: dir)
    }
}
