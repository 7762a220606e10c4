// AuditLog.swift: every login attempt (allowed or refused, with the precise reason) and
// every admin change, as JSON lines. Tokens never appear: only their accessor.
import Foundation
import Synchronization

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

    public func record(_ e: Event) {
        var obj: [String: Any] = [
            "time": JSONText.timestamp(Date().timeIntervalSince1970, milliseconds: true), "type": e.type, "action": e.action,
            "outcome": e.outcome,
        ]
        if let v = e.remote { obj["remote"] = v }
        if let v = e.subject { obj["subject"] = v }
        if let v = e.code { obj["code"] = v }
        if let v = e.reason { obj["reason"] = v }
        if let v = e.accessor { obj["accessor"] = v }
        for (k, v) in e.extra { obj[k] = v }
        let line = JSONText.encode(obj)
        handle.withLock { h in h?.write(Data((line + "\n").utf8)) }
        echo?(line)
    }
}
