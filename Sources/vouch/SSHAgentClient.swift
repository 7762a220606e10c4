// SSHAgentClient.swift: the client side of the ssh-agent protocol (RFC 9987,
// draft-miller-ssh-agent) over the agent's Unix socket ($SSH_AUTH_SOCK): a request is
// uint32 length then the message; the agent answers SSH_AGENT_SUCCESS (6) or
// SSH_AGENT_FAILURE (5). The request that adds a key is built by the core
// (SSHPrivateKey.withAgentAddRequest), so the private key never sits in a Swift array.
import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#endif

final class SSHAgentClient {
    let path: String
    private let fd: Int32

    static let agentSuccess: UInt8 = 6  // SSH_AGENT_SUCCESS
    static let agentFailure: UInt8 = 5  // SSH_AGENT_FAILURE
    /// What ssh-agent accepts at most (its MAX_AGENT_REPLY_LEN is the same).
    static let maxMessage = 256 * 1024

    /// Connects to the agent at `path` (SSH_AUTH_SOCK when nil); a missing variable or a
    /// socket that does not answer exits 2 with the reason.
    init(socketPath: String? = nil) throws {
        guard let path = socketPath ?? ProcessInfo.processInfo.environment["SSH_AUTH_SOCK"], !path.isEmpty else {
            throw failure("no_agent", "SSH_AUTH_SOCK is not set: start an agent (eval $(ssh-agent)) or leave out --add-to-agent")
        }
        self.path = path
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard bytes.count < capacity, !bytes.contains(0) else {
            throw failure("agent_unreachable", "SSH_AUTH_SOCK \(printable(path)): a socket path must be shorter than \(capacity) bytes")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw failure("agent_unreachable", "cannot make a socket: \(String(cString: strerror(errno)))") }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        // an agent that hangs is not waited for forever
        var tv = timeval(tv_sec: 30, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw failure(
                "agent_unreachable", "cannot connect to ssh-agent at \(printable(path)) (SSH_AUTH_SOCK): \(reason); is the agent running?")
        }
        self.fd = fd
    }

    deinit { close(fd) }

    enum Answer: Equatable {
        case success, failure
        case other(UInt8)
    }

    /// Sends one framed request (its uint32 length included) and reads the answer's type.
    func send(_ request: UnsafeRawBufferPointer) throws -> Answer {
        var off = 0
        while off < request.count {
            let n = Glibc.send(fd, request.baseAddress! + off, request.count - off, Int32(MSG_NOSIGNAL))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw lost("cannot write to") }
            off += n
        }
        var header = [UInt8](repeating: 0, count: 4)
        try readFully(&header)
        let length = Int(header[0]) << 24 | Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
        guard length >= 1, length <= Self.maxMessage else {
            throw failure("agent_protocol", "ssh-agent at \(printable(path)) answered a message of \(length) bytes")
        }
        var body = [UInt8](repeating: 0, count: length)
        try readFully(&body)
        switch body[0] {
        case Self.agentSuccess: return .success
        case Self.agentFailure: return .failure
        default: return .other(body[0])
        }
    }

    private func readFully(_ buffer: inout [UInt8]) throws {
        var off = 0
        while off < buffer.count {
            let n = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress! + off, $0.count - off, 0) }
            if n < 0 && errno == EINTR { continue }
            if n == 0 { throw failure("agent_unreachable", "ssh-agent at \(printable(path)) closed the connection without answering") }
            guard n > 0 else { throw lost("cannot read from") }
            off += n
        }
    }

    private func lost(_ what: String) -> ExitCode {
        let reason = errno == EAGAIN || errno == EWOULDBLOCK ? "no answer within 30 s" : String(cString: strerror(errno))
        return failure("agent_unreachable", "\(what) ssh-agent at \(printable(path)): \(reason)")
    }
}
