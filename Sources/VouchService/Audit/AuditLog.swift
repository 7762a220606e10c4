// AuditLog.swift: every login attempt (allowed or refused, with the precise reason) and
// every admin change, as JSON lines. Tokens never appear: only their accessor.
import Foundation
import Synchronization
import VouchCore

public final class AuditLog: Sendable {
    private let writer: LineWriter?
    private let echo: (@Sendable (String) -> Void)?

    /// Appends to `path` (created mode 0600) through a LineWriter: a line reaches the file
    /// within its interval (10 ms), see LineWriter for what a crash can lose; nil writes
    /// nowhere but `echo`.
    public init(path: String?, echo: (@Sendable (String) -> Void)? = nil) throws {
        if let path {
            let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                throw ServiceError.badRequest("audit_log", "cannot open the audit log \(path) for writing: \(String(cString: strerror(errno)))")
            }
            writer = LineWriter(fd: fd, ownsFD: true)
        } else {
            writer = nil
        }
        self.echo = echo
    }

    /// Writes every line recorded so far (at shutdown; before reading the file in tests).
    public func flush() { writer?.flush() }

    public struct Event: Sendable {
        public var type: String             // "login", "admin", "token"
        public var action: String           // "tls-cert-auth", "cert", "create-identity", "renew", ...
        public var outcome: String          // "allowed", "refused", "ok", "failed"
        public var remote: String?
        public var subject: String?         // identity id, role, CRL name...
        public var code: String?
        public var reason: String?
        public var accessor: String?
        public var extra: [String: String] = [:]

        public init(type: String, action: String, outcome: String, remote: String? = nil, subject: String? = nil,
                    code: String? = nil, reason: String? = nil, accessor: String? = nil, extra: [String: String] = [:]) {
            self.type = type
            self.action = action
            self.outcome = outcome
            self.remote = remote
            self.subject = subject
            self.code = code
            self.reason = reason
            self.accessor = accessor
            self.extra = extra
        }
    }

    /// One audit line: the time, then the event's fields in a fixed order, then its extra
    /// fields sorted by name.
    static func line(_ e: Event, time: Double) -> String {
        var members: [(String, JSONValue)] = [
            ("time", .string(Timestamp.iso(time, milliseconds: true))), ("type", .string(e.type)), ("action", .string(e.action)),
            ("outcome", .string(e.outcome)),
        ]
        for (k, v) in [("remote", e.remote), ("subject", e.subject), ("code", e.code), ("reason", e.reason), ("accessor", e.accessor)] {
            if let v { members.append((k, .string(v))) }
        }
        for (k, v) in e.extra.sorted(by: { $0.key < $1.key }) { members.append((k, .string(v))) }
        return JSONValue.object(members).text
    }

    public func record(_ e: Event) {
        let line = Self.line(e, time: Date().timeIntervalSince1970)
        writer?.append(line)
        echo?(line)
    }
}
