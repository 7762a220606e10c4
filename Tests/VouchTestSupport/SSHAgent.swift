// SSHAgent.swift: a real ssh-agent for tests, on a socket in the test's own directory,
// run in the foreground (-D) and stopped by the test; ssh-add to read what it holds; and
// an ssh login that takes its key and certificate from the agent only.
import Foundation

/// `ssh-agent -D -a SOCKET`, spawned directly (ssh-agent closes inherited descriptors at
/// start, which Foundation's Process mistakes for an exit, as with sshd).
public final class SSHAgent: @unchecked Sendable {
    public let socket: String
    private let pid: pid_t
    private let lock = NSLock()
    private var stopped = false

    public init(dir: URL) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        socket = dir.appendingPathComponent("agent.\(UUID().uuidString.prefix(8)).sock").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let words = ["/usr/bin/ssh-agent", "-D", "-a", socket]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        var child: pid_t = 0
        let rc = posix_spawn(&child, "/usr/bin/ssh-agent", &actions, nil, argv, environ)
        argv.forEach { free($0) }
        posix_spawn_file_actions_destroy(&actions)
        guard rc == 0 else { throw SSHAgent.error("cannot start ssh-agent: \(String(cString: strerror(rc)))") }
        pid = child
        for _ in 0..<100 {
            if FileManager.default.fileExists(atPath: socket) { return }
            var status: Int32 = 0
            if waitpid(child, &status, WNOHANG) == child { throw SSHAgent.error("ssh-agent exited with status \(status)") }
            usleep(50_000)
        }
        stop()
        throw SSHAgent.error("ssh-agent did not make its socket \(socket)")
    }

    /// Stops the agent (it removes its socket).
    public func stop() {
        lock.lock()
        let running = !stopped
        stopped = true
        lock.unlock()
        guard running else { return }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    deinit { stop() }

    /// What `ssh-add -L` lists: one public key or certificate line per identity.
    public func listed() throws -> [String] {
        let r = try runProcess(["ssh-add", "-L"], environment: ["SSH_AUTH_SOCK": socket])
        // exit 1 with "The agent has no identities." when empty
        return r.out.split(separator: "\n").map(String.init).filter { !$0.isEmpty && !$0.hasPrefix("The agent has no") }
    }

    private static func error(_ s: String) -> NSError { NSError(domain: "SSHAgent", code: 1, userInfo: [NSLocalizedDescriptionKey: s]) }
}

extension SSHServer {
    /// Runs `ssh` as `user` with no -i: the only identities are the agent's at `agent`
    /// (IdentityAgent), narrowed to the one whose certificate is the file `certificate`
    /// (IdentitiesOnly, with that -cert.pub file as IdentityFile: ssh then signs with the
    /// agent's identity for it, having no private key of its own).
    public func loginWithAgent(user: String, agent: String, certificate: String, command: String = "echo vouch-ok") throws -> Outcome {
        try runProcess([
            "ssh", "-F", "/dev/null", "-o", "IdentityAgent=\(agent)", "-o", "IdentitiesOnly=yes", "-o", "IdentityFile=\(certificate)",
            "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR", "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-p", String(port), "\(user)@127.0.0.1", command,
        ])
    }
}
