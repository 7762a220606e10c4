// ConnectionLimitsHTTPTests.swift: what a hostile or broken client does to connections:
// requests trickled in (slowloris) are answered 408 and closed; a client that gives up
// mid-body is no server error; a failed TLS handshake leaves a trace, at a bounded rate.
import Foundation
import VouchTestSupport
import XCTest

final class ConnectionLimitsHTTPTests: XCTestCase {
    /// A sample's value in the Prometheus text, by its series ("name" or "name{labels}").
    func sample(_ text: String, _ series: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.dropFirst(series.count + 1)) }
    }

    /// Sends `head` then one byte of `trickle` every 1.5 s; returns what came back and
    /// whether the server closed the connection before `within` seconds passed.
    func trickle(port: Int, head: String, trickle: String, within: Double) throws -> (answer: String, closed: Bool) {
        let script = """
            import socket, sys, time
            s = socket.create_connection(("127.0.0.1", \(port)))
            s.sendall(sys.argv[1].encode())
            s.settimeout(1.5)
            got, closed, t, body = b"", False, time.time(), sys.argv[2].encode()
            i = 0
            while time.time() - t < \(within):
                try:
                    s.send(body[i % len(body):i % len(body) + 1]); i += 1
                except OSError:
                    closed = True; break
                try:
                    d = s.recv(4096)
                    if not d: closed = True; break
                    got += d
                except socket.timeout:
                    pass
                except OSError:
                    closed = True; break
            print(got.decode(errors="replace")); print("CLOSED" if closed else "OPEN")
            """
        let out = String(decoding: try PKI.run(["python3", "-c", script, head, trickle]), as: UTF8.self)
        return (out, out.contains("CLOSED"))
    }

    func testTrickledRequestsAreCutOffAndNormalOnesAreNot() throws {
        let s = ServerProcess()
        try s.start()
        defer { s.stop() }
        // a body of one byte every 1.5 s on an unauthenticated route: refused within the bound
        let body = try trickle(port: s.port, head: "POST /api/v1/auth/tls-cert-auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n",
                               trickle: #"{"identityId":"x"}"#, within: 40)
        XCTAssertTrue(body.closed, body.answer)
        XCTAssertTrue(body.answer.contains("408 Request Timeout") && body.answer.contains("request_timeout"), body.answer)
        // on Vault's paths the answer is in Vault's error shape
        let vault = try trickle(port: s.port, head: "POST /v1/auth/cert/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n",
                                trickle: #"{"name":"web"}"#, within: 40)
        XCTAssertTrue(vault.closed && vault.answer.contains(#"{"errors":["request arriving slower than"#), vault.answer)
        // headers trickled in: the same
        let head = try trickle(port: s.port, head: "GET /healthz HTTP/1.1\r\n", trickle: "X-A: b\r\n", within: 40)
        XCTAssertTrue(head.closed, head.answer)
        XCTAssertTrue(head.answer.contains("request headers not complete within 10 s"), head.answer)
        // the server goes on serving, and says what it did in its metrics
        XCTAssertEqual(try curl("GET", s.base + "/healthz").status, 200)
        XCTAssertEqual(sample(try curl("GET", s.base + "/metrics").body, "vouch_http_slow_requests_closed_total"), 3)
    }

    func testAClientThatGivesUpMidBodyIsNoServerError() throws {
        let s = ServerProcess()
        try s.start()
        defer { s.stop() }
        _ = try PKI.run(["python3", "-c", """
            import socket, time
            for _ in range(3):
                s = socket.create_connection(("127.0.0.1", \(s.port)))
                s.sendall(b'POST /api/v1/auth/tls-cert-auth/login HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 100\\r\\n\\r\\n{"identityId":')
                time.sleep(0.3)
                s.close()
            """])
        Thread.sleep(forTimeInterval: 0.5)
        let metrics = try curl("GET", s.base + "/metrics").body
        XCTAssertEqual(sample(metrics, "vouch_http_client_aborts_total"), 3, metrics)
        XCTAssertFalse(s.log.contains("\"level\":\"error\""), s.log)
        XCTAssertFalse(s.log.contains("\"status\":\"500\""), s.log)
    }

    func testFailedTLSHandshakesAreLoggedAtABoundedRate() throws {
        let pki = try PKI()
        let root = try pki.make("root")
        let server = try pki.make("server", issuer: root, extensions:
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1")
        let s = ServerProcess(tls: (server.certPath, server.keyPath))
        try s.start()
        defer { s.stop() }
        // a load balancer's TCP checks (connect, close, nothing sent) are no failures
        _ = try PKI.run(["python3", "-c", "import socket\nfor _ in range(5): socket.create_connection(('127.0.0.1', \(s.port))).close()"])
        // plain HTTP to the TLS port, twenty times at once
        _ = try PKI.run(["bash", "-c", "for i in $(seq 20); do curl -s --max-time 3 http://127.0.0.1:\(s.port)/healthz >/dev/null & done; wait; true"])
        Thread.sleep(forTimeInterval: 1.2)
        // and a TLS 1.0 client, which the server does not speak
        _ = try? PKI.run(["bash", "-c", "echo | openssl s_client -tls1 -connect 127.0.0.1:\(s.port) 2>&1; true"])
        Thread.sleep(forTimeInterval: 0.5)
        let lines = s.log.split(separator: "\n").filter { $0.contains("TLS handshake failed") }
        XCTAssertGreaterThanOrEqual(lines.count, 1, s.log)
        XCTAssertLessThan(lines.count, 21, "rate-limited, not one line per failure")
        XCTAssertTrue(lines.allSatisfy { $0.contains("\"reason\"") && $0.contains("\"remote\":\"127.0.0.1\"") }, lines.joined(separator: "\n"))
        XCTAssertTrue(lines.contains { $0.contains("held_back") }, "the next line says how many were held back: \(lines)")
        let metrics = try curl("GET", s.base + "/metrics", args: ["--cacert", root.certPath]).body
        XCTAssertEqual(sample(metrics, "vouch_tls_handshake_failures_total"), 21, "every failure is counted: \(metrics)")
        // handshakes that work still work
        XCTAssertEqual(try curl("GET", s.base + "/healthz", args: ["--cacert", root.certPath]).status, 200)
    }
}
