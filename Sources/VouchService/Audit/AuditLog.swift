// AuditLog.swift: every login attempt (allowed or refused, with the precise reason) and
// every admin change, as JSON lines. Tokens never appear: only their accessor.
import Foundation
import Synchronization
import VouchCore

public final class AuditLog: Sendable {
    private let handle: Mutex<FileHandle?>
    private let echo: (@Sendable (String) -> Void)?

    /// Appends to `path` (created mode 0600); nil writes nowhere but `echo`.
    public init(path: String?, echo: (@Sendable (String) -> Void)? = nil) throws {
        var fh: FileHandle? = nil
        if let path {
            if !FileManager.default.fileExists(atPath: path) {
                guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                    throw ServiceError.badRequest("audit_log", "cannot create the audit log \(path)")
                }
            }
            guard let h = FileHandle(forWritingAtPath: path) else {
                throw ServiceError.badRequest("audit_log", "cannot open the audit log \(path) for writing")
            }
            h.seekToEndOfFile()
            fh = h
        }
        handle = Mutex(fh)
        self.echo = echo
    }

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
    private struct Line: Encodable {
        let time: String
        let event: Event

        private struct Key: CodingKey {
            let stringValue: String
            var intValue: Int? { nil }
            init(_ s: String) { stringValue = s }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { return nil }
        }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(time, forKey: Key("time"))
            try c.encode(event.type, forKey: Key("type"))
            try c.encode(event.action, forKey: Key("action"))
            try c.encode(event.outcome, forKey: Key("outcome"))
            for (k, v) in [("remote", event.remote), ("subject", event.subject), ("code", event.code), ("reason", event.reason),
                           ("accessor", event.accessor)] {
                if let v { try c.encode(v, forKey: Key(k)) }
            }
            for (k, v) in event.extra.sorted(by: { $0.key < $1.key }) { try c.encode(v, forKey: Key(k)) }
        }
    }

    public func record(_ e: Event) {
        let line = JSON.encode(Line(time: Timestamp.iso(Date().timeIntervalSince1970, milliseconds: true), event: e))
        handle.withLock { h in h?.write(Data((line + "\n").utf8)) }
        echo?(line)
    }
}
