// SSHTools.swift: the real OpenSSH tools for tests: ssh-keygen, a throwaway sshd on a
// loopback port, and the ssh client, plus the SSH wire format for crafting bad input.
import Foundation

/// A process's exit status and output.
public struct Outcome: Sendable {
    public let status: Int32
    public let out: String
    public let err: String
}

/// Runs a command (through /usr/bin/env) and returns whatever happened; never throws on a
/// non-zero exit.
public func runProcess(_ args: [String], input: Data? = nil, environment: [String: String]? = nil) throws -> Outcome {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = args
    if let environment { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    let inp = Pipe()
    p.standardInput = input == nil ? FileHandle.nullDevice : inp
    try p.run()
    if let input {
        inp.fileHandleForWriting.write(input)
        try inp.fileHandleForWriting.close()
    }
    // Read standard error on another thread so neither pipe fills up and blocks the child.
    let errData = Box()
    let done = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
        errData.data = err.fileHandleForReading.readDataToEndOfFile()
        done.signal()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    done.wait()
    p.waitUntilExit()
    return Outcome(status: p.terminationStatus, out: String(decoding: outData, as: UTF8.self), err: String(decoding: errData.data, as: UTF8.self))
}

private final class Box: @unchecked Sendable { var data = Data() }

/// The SSH wire format, for building blobs by hand.
public enum SSHWire {
    public static func u32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
    public static func u64(_ v: UInt64) -> [UInt8] { u32(UInt32(v >> 32)) + u32(UInt32(v & 0xffff_ffff)) }
    public static func string(_ b: [UInt8]) -> [UInt8] { u32(UInt32(b.count)) + b }
    public static func string(_ s: String) -> [UInt8] { string(Array(s.utf8)) }

    /// Splits a blob into its top-level strings (for keys: type, then the fields).
    public static func strings(_ b: [UInt8]) -> [[UInt8]]? {
        var out: [[UInt8]] = []
        var i = 0
        while i < b.count {
            guard i + 4 <= b.count else { return nil }
            let n = Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard i + 4 + n <= b.count else { return nil }
            out.append(Array(b[(i + 4)..<(i + 4 + n)]))
            i += 4 + n
        }
        return out
    }

    /// The blob inside an authorized_keys-style line.
    public static func blob(ofLine line: String) -> [UInt8] {
        let parts = line.split(separator: " ")
        return parts.count >= 2 ? Array(Data(base64Encoded: String(parts[1])) ?? Data()) : []
    }

    public static func line(_ type: String, _ blob: [UInt8], comment: String? = nil) -> String {
        type + " " + Data(blob).base64EncodedString() + (comment.map { " " + $0 } ?? "")
    }
}

/// What a child writes to a pipe, collected by a reader thread until end of file.
private final class LogSink: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    let done = DispatchSemaphore(value: 0)

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }

    func drain(_ fd: Int32) {
        var buf = [UInt8](repeating: 0, count: 8192)
        while true {
            let n = read(fd, &buf, buf.count)
            if n <= 0 { break }
            lock.lock()
            data.append(contentsOf: buf.prefix(n))
            lock.unlock()
        }
        done.signal()
    }
}

/// A throwaway sshd listening on 127.0.0.1, run in the foreground by the test. Needs root
/// (as Debian's sshd does for privilege separation).
public final class SSHServer: @unchecked Sendable {
    public let dir: URL
    public let port: Int
    public let hostKeyPath: String
    private let pid: pid_t
    private let logFD: Int32
    private let sink = LogSink()
    private let stateLock = NSLock()
    private var stopped = false

    /// Starts sshd trusting `trustedUserCAs` (public key lines) for user certificates;
    /// `hostCertificate` (a -cert.pub line for the host key it is given) is presented to
    /// clients when set. `hostKey` is a private key file; one is generated when nil.
    /// `extraConfig` lines are appended to sshd_config (e.g. "RevokedKeys /path/to/krl").
    public init(dir: URL, trustedUserCAs: [String], hostKey: String? = nil, hostCertificate: String? = nil, extraConfig: [String] = []) throws {
        self.dir = dir
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        if let hostKey {
            hostKeyPath = hostKey
        } else {
            hostKeyPath = dir.appendingPathComponent("ssh_host_ed25519_key").path
            if !FileManager.default.fileExists(atPath: hostKeyPath) {
                let r = try runProcess(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKeyPath])
                guard r.status == 0 else { throw SSHServer.error("ssh-keygen: \(r.err)") }
            }
        }
        let trusted = dir.appendingPathComponent("trusted_user_ca_keys").path
        try (trustedUserCAs.joined(separator: "\n") + "\n").write(toFile: trusted, atomically: true, encoding: .utf8)
        var config = """
            ListenAddress 127.0.0.1
            HostKey \(hostKeyPath)
            TrustedUserCAKeys \(trusted)
            AuthorizedKeysFile none
            StrictModes no
            UsePAM no
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitRootLogin prohibit-password
            PidFile none
            LogLevel VERBOSE

            """
        if let hostCertificate {
            let path = dir.appendingPathComponent("host-cert.pub").path
            try (hostCertificate + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            config += "HostCertificate \(path)\n"
        }
        config += extraConfig.map { $0 + "\n" }.joined()
        let configPath = dir.appendingPathComponent("sshd_config").path
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)

        // sshd is spawned directly, not through Foundation's Process: sshd closes every
        // inherited descriptor at start, which Foundation takes for an exit and then blocks
        // its child monitor in waitpid() on a process that is still running.
        var lastError = ""
        for _ in 0..<5 {
            let port = freePort()
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { throw SSHServer.error("pipe: \(errno)") }
            _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)  // dup2 onto stderr clears it for sshd
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
            posix_spawn_file_actions_addclose(&actions, fds[0])
            posix_spawn_file_actions_addclose(&actions, fds[1])
            let words: [String] = ["/usr/sbin/sshd", "-D", "-e", "-f", configPath, "-p", String(port)]
            let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
            var child: pid_t = 0
            let rc = posix_spawn(&child, "/usr/sbin/sshd", &actions, nil, argv, environ)
            argv.forEach { free($0) }
            posix_spawn_file_actions_destroy(&actions)
            close(fds[1])
            guard rc == 0 else {
                close(fds[0])
                throw SSHServer.error("cannot start /usr/sbin/sshd: \(String(cString: strerror(rc)))")
            }
            if SSHServer.waitForListener(port: port, pid: child) {
                self.port = port
                self.pid = child
                self.logFD = fds[0]
                let sink = self.sink, fd = fds[0]
                Thread.detachNewThread { sink.drain(fd) }  // holds the sink, not the server
                return
            }
            kill(child, SIGTERM)
            var status: Int32 = 0
            waitpid(child, &status, 0)
            var buf = [UInt8](repeating: 0, count: 4096)
            let n = read(fds[0], &buf, buf.count)
            lastError = String(decoding: buf.prefix(max(n, 0)), as: UTF8.self)
            close(fds[0])
        }
        throw SSHServer.error("sshd did not start: \(lastError)")
    }

    /// Stops sshd (its per-connection children go with it).
    public func stop() {
        stateLock.lock()
        let running = !stopped
        stopped = true
        stateLock.unlock()
        guard running else { return }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        _ = sink.done.wait(timeout: .now() + 5)
        close(logFD)
    }

    deinit { stop() }

    /// What sshd has logged so far.
    public var log: String { sink.text }

    /// Runs `ssh` as `user` with a key and its certificate, executing `command`; returns
    /// the outcome (status 255 when the login is refused).
    public func login(user: String, key: String, certificate: String, command: String = "echo vouch-ok",
                      knownHosts: String? = nil) throws -> Outcome {
        var args = [
            "ssh", "-F", "/dev/null", "-i", key, "-o", "CertificateFile=\(certificate)", "-o", "IdentitiesOnly=yes",
            "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR", "-p", String(port),
        ]
        if let knownHosts {
            args += ["-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=\(knownHosts)", "-o", "GlobalKnownHostsFile=/dev/null"]
        } else {
            args += ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]
        }
        return try runProcess(args + ["\(user)@127.0.0.1", command])
    }

    private static func error(_ s: String) -> NSError {
        NSError(domain: "SSHServer", code: 1, userInfo: [NSLocalizedDescriptionKey: s])
    }

    /// Polls until something accepts connections on the port, or sshd exits (5 s at most).
    private static func waitForListener(port: Int, pid: pid_t) -> Bool {
        for _ in 0..<100 {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { return false }
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            addr.sin_port = UInt16(port).bigEndian
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            close(fd)
            if rc == 0 { return true }
            usleep(50_000)
        }
        return false
    }
}
