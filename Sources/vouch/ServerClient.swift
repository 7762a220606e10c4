// ServerClient.swift: what `vouch login` and `vouch ssh issue-credentials` share: the
// server's address and TLS trust (flags or environment), JSON requests over
// AsyncHTTPClient (with a client certificate for cert logins), the server's answers
// turned into the command line's exit codes, and the token file.
//
// Exit codes, as every `vouch` command: 0 done; 1 refused (the server answered 4xx, or
// ssh-agent refused the key), printed as `REFUSED (CODE): reason`; 2 anything else
// (bad flags, unreadable files, no token, no agent, the server unreachable, a TLS
// failure, a 5xx or an answer that makes no sense), printed as `error (CODE): reason`.
import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL

#if canImport(Glibc)
import Glibc
#endif

/// The server to talk to and where the token lives.
struct ServerOptions: ParsableArguments {
    @Option(help: "The server's URL (env VOUCH_ADDR; default http://127.0.0.1:8200). https is required unless the host is a loopback address.")
    var address: String?

    @Option(name: .customLong("ca-cert"), help: "PEM CA bundle that verifies the server's TLS certificate (env VOUCH_CACERT; default: the system's CAs).")
    var caCert: String?

    @Option(help: "The token file (env VOUCH_TOKEN_FILE; default ~/.vouch/token).")
    var tokenFile: String?

    var environment: [String: String] { ProcessInfo.processInfo.environment }
    var resolvedAddress: String { address ?? environment["VOUCH_ADDR"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://127.0.0.1:8200" }
    var resolvedCACert: String? { caCert ?? environment["VOUCH_CACERT"].flatMap { $0.isEmpty ? nil : $0 } }
    var resolvedTokenFile: String {
        tokenFile ?? environment["VOUCH_TOKEN_FILE"].flatMap { $0.isEmpty ? nil : $0 } ?? TokenFile.defaultPath
    }
}

/// Prints `error (CODE): message` and returns exit status 2 (unusable input or environment).
func failure(_ code: String, _ message: String) -> ExitCode {
    warn("error (\(code)): \(message)")
    return ExitCode(2)
}

/// Prints `REFUSED (CODE): message` and returns exit status 1 (a refusal).
func refusal(_ code: String, _ message: String) -> ExitCode {
    warn("REFUSED (\(code)): \(message)")
    return ExitCode(1)
}

/// Text from a server or an agent, made safe for a terminal (no escape sequences, one line).
func printable(_ s: String, limit: Int = 500) -> String {
    let kept = s.unicodeScalars.prefix(limit).map { $0.value < 0x20 || (0x7f...0x9f).contains($0.value) ? " " : Character($0) }
    return String(kept)
}

/// A server's answer.
struct ServerAnswer {
    let status: Int
    let body: [UInt8]
    /// X-Vouch-Error: the stable code, also on Vault's paths (whose body has only messages).
    let errorHeader: String?

    var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] }

    /// The error's code and message: Infisical's {"error", "message"}, Vault's {"errors": [...]}.
    var error: (code: String, message: String) {
        let j = json
        let code = errorHeader ?? (j?["error"] as? String) ?? "http_\(status)"
        let message = (j?["message"] as? String) ?? (j?["errors"] as? [String])?.joined(separator: "; ")
            ?? String(decoding: body.prefix(300), as: UTF8.self)
        return (printable(code, limit: 80), printable(message))
    }
}

/// One server, over HTTP(S). Use `ServerClient.with`, which shuts the client down.
final class ServerClient {
    let base: String
    private let client: HTTPClient

    /// The address checked: http(s)://HOST[:PORT] with nothing else; https unless HOST is loopback.
    static func checkedBase(_ address: String) throws -> (base: String, https: Bool) {
        let trimmed = address.hasSuffix("/") ? String(address.dropLast()) : address
        guard let c = URLComponents(string: trimmed), let scheme = c.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = c.host, !host.isEmpty
        else {
            throw failure("invalid_address", "--address \(printable(address)): expected https://HOST[:PORT]")
        }
        guard c.user == nil, c.password == nil, c.path.isEmpty, c.query == nil, c.fragment == nil else {
            throw failure("invalid_address", "--address \(printable(address)): only a scheme, a host and a port, no path")
        }
        if scheme == "http" && !isLoopback(host) {
            throw failure("insecure_address", "--address \(printable(address)): plain http is only for loopback addresses; use https")
        }
        return (trimmed, scheme == "https")
    }

    /// 127.0.0.0/8, ::1 and localhost.
    static func isLoopback(_ host: String) -> Bool {
        let h = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if h.lowercased() == "localhost" { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, h, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, h, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { b in b.prefix(15).allSatisfy { $0 == 0 } && b[15] == 1 }
        }
        return false
    }

    private init(_ options: ServerOptions, clientCertificate: (cert: String, key: String)?) throws {
        let (base, https) = try Self.checkedBase(options.resolvedAddress)
        self.base = base
        var tls = TLSConfiguration.makeClientConfiguration()
        if let ca = options.resolvedCACert {
            let pem = try readInput(ca, what: "CA bundle", limit: 4 << 20)
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(pem)))
            } catch {
                throw failure("invalid_ca_bundle", "--ca-cert \(ca): not a PEM certificate bundle (\(error))")
            }
        }
        if let (certPath, keyPath) = clientCertificate {
            guard https else {
                throw failure("insecure_address", "a certificate login is made in the TLS handshake: --address must be https://")
            }
            let cert = try readInput(certPath, what: "client certificate", limit: 1 << 20)
            let key = try readInput(keyPath, what: "client key", limit: 1 << 20)
            do {
                let chain = try NIOSSLCertificate.fromPEMBytes(Array(cert))
                guard !chain.isEmpty else { throw NIOSSLError.failedToLoadCertificate }
                tls.certificateChain = chain.map { .certificate($0) }
            } catch {
                throw failure("invalid_client_certificate", "--client-cert \(certPath): not a PEM certificate (\(error))")
            }
            do {
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(key), format: .pem))
            } catch {
                throw failure("invalid_client_key", "--client-key \(keyPath): not an unencrypted PEM private key (\(error))")
            }
        }
        var config = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow,
                                              timeout: .init(connect: .seconds(10), read: .seconds(60)))
        config.httpVersion = .http1Only
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }

    /// Runs `body` with a client for the server of `options`, shutting it down afterwards.
    static func with<R>(_ options: ServerOptions, clientCertificate: (cert: String, key: String)? = nil,
                        _ body: (ServerClient) async throws -> R) async throws -> R {
        let c = try ServerClient(options, clientCertificate: clientCertificate)
        do {
            let r = try await body(c)
            try? await c.client.shutdown()
            return r
        } catch {
            try? await c.client.shutdown()
            throw error
        }
    }

    enum Credential {
        case none
        /// Vault's paths (/v1/...): X-Vault-Token.
        case vault(String)
        /// Infisical's paths (/api/...): Authorization: Bearer.
        case bearer(String)
    }

    /// POSTs a JSON body; any answer is returned, a transport failure exits 2.
    func post(_ path: String, _ body: [String: Any], credential: Credential = .none) async throws -> ServerAnswer {
        var request = HTTPClientRequest(url: base + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "vouch-cli")
        switch credential {
        case .none: break
        case .vault(let t): request.headers.add(name: "X-Vault-Token", value: t)
        case .bearer(let t): request.headers.add(name: "Authorization", value: "Bearer \(t)")
        }
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        request.body = .bytes(ByteBuffer(bytes: data))
        do {
            let response = try await client.execute(request, timeout: .seconds(60))
            let bytes = try await response.body.collect(upTo: 4 << 20)
            return ServerAnswer(status: Int(response.status.code), body: Array(buffer: bytes),
                                errorHeader: response.headers.first(name: "X-Vouch-Error"))
        } catch let e as ExitCode {
            throw e
        } catch {
            throw failure("server_unreachable", "\(base)\(path): \(Self.describe(error))")
        }
    }

    /// A transport failure in words.
    static func describe(_ error: Error) -> String {
        let text = String(describing: error)
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused (is the server running there?)" }
        if let e = error as? HTTPClientError {
            if e == .connectTimeout { return "the connection timed out" }
            if e == .deadlineExceeded || e == .readTimeout { return "the server did not answer in time" }
            if e == .remoteConnectionClosed { return "the server closed the connection (a plain-http address for an https server?)" }
            if e == .bodyLengthMismatch { return "the answer was cut short" }
        }
        if let e = error as? NIOSSLError { return "TLS: \(e) (is --ca-cert the CA that issued the server's certificate?)" }
        if let e = error as? NIOSSLExtraError { return "TLS: \(e)" }
        if let e = error as? IOError { return e.description }
        return text
    }
}

/// The token file: one line, the token. Written 0600 in a 0700 directory, atomically
/// (a new file created with O_EXCL, then renamed over the old one: never written through
/// a symbolic link, never briefly readable by others); read only when it is a regular
/// file of ours that no one else may read.
enum TokenFile {
    static var home: String {
        if let h = ProcessInfo.processInfo.environment["HOME"], !h.isEmpty { return h }
        if let pw = getpwuid(geteuid()), let dir = pw.pointee.pw_dir { return String(cString: dir) }
        return "/"
    }

    static var defaultPath: String { home + "/.vouch/token" }

    static func errnoText() -> String { String(cString: strerror(errno)) }

    /// Makes sure `dir` exists (creating it 0700) and that no one else can replace files in it.
    static func ensurePrivateDirectory(_ dir: String, what: String) throws {
        var st = stat()
        if stat(dir, &st) != 0 {
            guard errno == ENOENT else { throw failure("unwritable_file", "\(what) directory \(dir): \(errnoText())") }
            guard mkdir(dir, 0o700) == 0 || errno == EEXIST else {
                throw failure("unwritable_file", "cannot create \(what) directory \(dir): \(errnoText())")
            }
            guard stat(dir, &st) == 0 else { throw failure("unwritable_file", "\(what) directory \(dir): \(errnoText())") }
        }
        guard st.st_mode & S_IFMT == S_IFDIR else { throw failure("unwritable_file", "\(dir) is not a directory") }
        // another user who can write the directory could swap the file (a sticky /tmp is fine)
        if (st.st_uid != geteuid() && st.st_uid != 0) || (st.st_mode & 0o022 != 0 && st.st_mode & S_ISVTX == 0) {
            throw failure("insecure_directory",
                          "\(what) directory \(dir) is \(st.st_uid != geteuid() && st.st_uid != 0 ? "owned by uid \(st.st_uid)" : "writable by others (mode \(String(st.st_mode & 0o7777, radix: 8)))"): another user could replace the file; use a directory only you can write")
        }
    }

    /// Writes `data` to `path` with `mode`: a new file in the same directory (O_EXCL,
    /// O_NOFOLLOW, the mode from its first byte), flushed, then renamed over `path`.
    static func writeAtomically(_ data: [UInt8], to path: String, mode: mode_t) throws {
        let dir = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        var tmp = ""
        var fd: Int32 = -1
        for _ in 0..<8 {
            let r = UInt64.random(in: 0...UInt64.max)
            tmp = dir + "/." + name + "." + String(r, radix: 36) + ".tmp"
            fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else { throw failure("unwritable_file", "cannot create a file in \(dir): \(errnoText())") }
        var ok = fchmod(fd, mode) == 0  // the umask may have taken bits away; never adds any
        var off = 0
        while ok && off < data.count {
            let n = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + off, data.count - off) }
            if n <= 0 { ok = false } else { off += n }
        }
        let reason = errnoText()
        ok = ok && fsync(fd) == 0
        close(fd)
        guard ok, rename(tmp, path) == 0 else {
            let why = ok ? errnoText() : reason
            unlink(tmp)
            throw failure("unwritable_file", "cannot write \(path): \(why)")
        }
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }

    /// Stores the token. An existing file is replaced by a new one (mode 0600): one that
    /// others could read, or another user's, is said so on standard error, since the token
    /// it held may have been read. A symbolic link or anything but a regular file there is
    /// refused rather than replaced.
    static func write(_ token: String, to path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        try ensurePrivateDirectory(dir, what: "token")
        var st = stat()
        if lstat(path, &st) == 0 {
            if st.st_mode & S_IFMT == S_IFLNK {
                throw failure("token_file_symlink", "\(path) is a symbolic link: vouch does not write a token through a link; remove it or pass --token-file")
            }
            guard st.st_mode & S_IFMT == S_IFREG else { throw failure("unwritable_file", "\(path) exists and is not a regular file") }
            if st.st_uid != geteuid() || st.st_mode & 0o077 != 0 {
                let what = st.st_uid != geteuid() ? "owned by uid \(st.st_uid)" : "open to others (mode \(String(st.st_mode & 0o777, radix: 8)))"
                warn("note: the old token file \(path) was \(what): replaced by a new file only you can read (mode 0600); the old token may have been read by others")
            }
        }
        try writeAtomically(Array((token + "\n").utf8), to: path, mode: 0o600)
    }

    /// The token: VOUCH_TOKEN, else the file. A file that is a link, not ours, or that
    /// group or others have any permission on is refused (as ssh refuses such a key).
    static func read(_ options: ServerOptions) throws -> String {
        if let t = options.environment["VOUCH_TOKEN"]?.trimmingCharacters(in: .whitespacesAndNewlines), !t.isEmpty { return t }
        let path = options.resolvedTokenFile
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            switch errno {
            case ENOENT: throw failure("no_token", "no token: log in first (vouch login) or set VOUCH_TOKEN (no file \(path))")
            case ELOOP: throw failure("token_file_symlink", "\(path) is a symbolic link: refused; pass --token-file with the file itself")
            default: throw failure("unreadable_file", "cannot read the token file \(path): \(errnoText())")
            }
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { throw failure("unreadable_file", "\(path) is not a regular file") }
        guard st.st_uid == geteuid() else {
            throw failure("insecure_token_file", "the token file \(path) belongs to uid \(st.st_uid), not to you: refused")
        }
        guard st.st_mode & 0o077 == 0 else {
            throw failure("insecure_token_file",
                          "the token file \(path) is open to others (mode \(String(st.st_mode & 0o777, radix: 8))): refused; run chmod 600 \(path), and log in again if others may have read it")
        }
        var buf = [UInt8](repeating: 0, count: 65_537)
        var n = 0
        while n < buf.count {
            let r = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + n, $0.count - n) }
            if r < 0 { throw failure("unreadable_file", "cannot read the token file \(path): \(errnoText())") }
            if r == 0 { break }
            n += r
        }
        guard n < buf.count else { throw failure("input_too_large", "the token file \(path) is larger than 64 KiB") }
        let token = String(decoding: buf.prefix(n), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw failure("no_token", "the token file \(path) is empty: log in again (vouch login)") }
        guard !token.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value > 0x7e }) else {
            throw failure("invalid_token", "the token file \(path) does not hold one token")
        }
        return token
    }
}

/// Seconds in words: "3600 s (1h)".
func duration(_ seconds: Int) -> String {
    var parts: [String] = []
    var s = seconds
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60)] where s >= size {
        parts.append("\(s / size)\(unit)")
        s %= size
    }
    if s > 0 || parts.isEmpty { parts.append("\(s)s") }
    return parts.joined()
}
