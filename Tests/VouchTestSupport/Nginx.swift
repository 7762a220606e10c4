// Nginx.swift: Debian's nginx, started by a test on a free loopback port with TLS: as the
// TLS-terminating proxy in front of Vouch, or as a static file server (an OIDC provider's
// discovery document and key set, a SPIFFE bundle).
import Foundation

public final class Nginx {
    public let dir: String
    public let port: Int
    let process = Process()

    /// `locations`: the directives inside `server { }` after listen and TLS; `http`: more
    /// inside `http { }` before it (an upstream group).
    public init(cert: String, key: String, port fixedPort: Int? = nil, locations: String, http: String = "",
                workerConnections: Int = 256, accessLog: Bool = false) throws {
        port = fixedPort ?? freePort()
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("nginx-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/logs", withIntermediateDirectories: true)
        let conf = """
            daemon off;
            worker_processes 1;
            pid \(dir)/nginx.pid;
            error_log \(dir)/logs/error.log warn;
            events { worker_connections \(workerConnections); }
            http {
                access_log \(accessLog ? dir + "/logs/access.log" : "off");
                client_body_temp_path \(dir)/body;
                proxy_temp_path \(dir)/proxy;
                fastcgi_temp_path \(dir)/fastcgi;
                uwsgi_temp_path \(dir)/uwsgi;
                scgi_temp_path \(dir)/scgi;
                \(http)
                server {
                    listen 127.0.0.1:\(port) ssl;
                    ssl_certificate \(cert);
                    ssl_certificate_key \(key);
                    location = /healthz { return 200 "ok"; }
                    \(locations)
                }
            }
            """
        try conf.write(toFile: dir + "/nginx.conf", atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
        process.arguments = ["-p", dir, "-c", dir + "/nginx.conf"]
        // nothing inherited: a test that dies must not leave the test runner waiting on nginx's pipes
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while !Self.answers(port) {
            guard Date() < deadline, process.isRunning else {
                throw NSError(domain: "nginx", code: 1, userInfo: [NSLocalizedDescriptionKey: errors])
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    /// The TLS-terminating proxy in front of Vouch: `ssl_verify_client optional_no_ca`, the
    /// escaped client certificate forwarded.
    public static func proxy(upstreamPort: Int, cert: String, key: String) throws -> Nginx {
        try Nginx(cert: cert, key: key, locations: """
            ssl_verify_client optional_no_ca;
            location / {
                proxy_pass http://127.0.0.1:\(upstreamPort);
                \(forwardedClient)
            }
            """)
    }

    /// What the proxy tells Vouch about the client: its escaped certificate and address.
    static let forwardedClient = """
        proxy_set_header X-SSL-Client-Cert $ssl_client_escaped_cert;
        proxy_set_header X-Forwarded-For $remote_addr;
        """

    /// The TLS-terminating proxy in front of several Vouch nodes, round robin. A node that
    /// refuses the connection or does not connect within a second is skipped (the request
    /// goes to the next, as long as nothing was sent) and left out for `failTimeout`; a
    /// request already sent to a node that dies is answered 502 (a POST is never sent twice).
    public static func balancer(upstreamPorts: [Int], cert: String, key: String, failTimeout: String = "2s") throws -> Nginx {
        let servers = upstreamPorts.map { "server 127.0.0.1:\($0) max_fails=1 fail_timeout=\(failTimeout);" }
        return try Nginx(cert: cert, key: key, locations: """
            ssl_verify_client optional_no_ca;
            location / {
                proxy_pass http://vouch_nodes;
                proxy_next_upstream error timeout;
                proxy_connect_timeout 1s;
                \(forwardedClient)
            }
            """, http: "upstream vouch_nodes { \(servers.joined(separator: " ")) }", workerConnections: 1024)
    }

    static func answers(_ port: Int) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        p.arguments = ["-s", "-k", "-o", "/dev/null", "--max-time", "2", "https://127.0.0.1:\(port)/healthz"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    public var errors: String { (try? String(contentsOfFile: dir + "/logs/error.log", encoding: .utf8)) ?? "" }
    public var accessLog: String { (try? String(contentsOfFile: dir + "/logs/access.log", encoding: .utf8)) ?? "" }

    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    deinit { stop() }
}
