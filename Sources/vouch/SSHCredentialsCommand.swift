// SSHCredentialsCommand.swift: `vouch ssh issue-credentials`: a fresh key pair made
// here by the core, its public half signed by the server (Vault's POST
// /v1/{mount}/sign/{role}, or Infisical's POST /api/v1/ssh/certificates/sign with a
// certificate template), written as ssh-keygen names the files and, with --add-to-agent,
// loaded with its certificate into ssh-agent until the certificate expires. The private
// key never crosses the network.
import ArgumentParser
import Foundation
import VouchCore

#if canImport(Glibc)
import Glibc
#endif

struct SSHCredentialsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue-credentials",
        abstract: "Get an SSH certificate from a Vouch server for a key pair made here; optionally load both into ssh-agent.",
        discussion: """
            The key pair is generated locally and only its public key is sent to be signed \
            (Vault's POST /v1/MOUNT/sign/ROLE with --role, Infisical's POST \
            /api/v1/ssh/certificates/sign with --template), so the private key never leaves \
            this machine. Writes --out (the private key, OpenSSH format, mode 0600), \
            OUT.pub and OUT-cert.pub, as ssh-keygen names them; the default is \
            ~/.ssh/vouch_ROLE (or vouch_TEMPLATE), ~/.ssh created 0700 when missing. An \
            existing OUT is replaced only when OUT-cert.pub is beside it (earlier \
            credentials) or with --force. The token is $VOUCH_TOKEN, else the token file \
            `vouch login` wrote. --add-to-agent loads the key and its certificate into the \
            agent at $SSH_AUTH_SOCK, to be forgotten when the certificate expires. Exit \
            status: 0 done; 1 refused by the server (REFUSED (CODE): reason, e.g. \
            principal_not_allowed) or by the agent; 2 unusable input, no token, no agent, \
            no server, or a server failure (error (CODE): reason).
            """)

    @OptionGroup var server: ServerOptions

    @Option(help: "Vault shape: the ssh role to sign under.")
    var role: String?

    @Option(help: "Vault shape: the ssh secrets engine's mount.")
    var mount: String = "ssh"

    @Option(help: "Infisical shape: the certificate template's ID (instead of --role).")
    var template: String?

    @Option(help: "A user name (user certificates) or host name (host certificates); repeatable or comma-separated. None: the role's default user.")
    var principal: [String] = []

    @Option(help: "user or host.")
    var certType: CertType = .user

    @Option(help: "How long the certificate is valid: seconds, or 30m, 1h, 1d, 1h30m (default: the role's).")
    var ttl: String?

    @Option(help: "The certificate's key ID, when the role allows choosing one.")
    var keyId: String?

    @Option(help: "ed25519, ecdsa-p256, ecdsa-p384, rsa-2048 or rsa-4096.")
    var keyType: KeyType = .ed25519

    @Option(help: "The private key's path; the public key goes to OUT.pub and the certificate to OUT-cert.pub.")
    var out: String?

    @Option(help: "The key's comment (default: the certificate's key ID).")
    var comment: String?

    @Flag(help: "Load the key and its certificate into ssh-agent ($SSH_AUTH_SOCK) until the certificate expires.")
    var addToAgent = false

    @Flag(help: "Replace OUT even when it does not look like earlier credentials.")
    var force = false

    enum CertType: String, ExpressibleByArgument { case user, host }

    enum KeyType: String, ExpressibleByArgument, CaseIterable {
        case ed25519, ecdsaP256 = "ecdsa-p256", ecdsaP384 = "ecdsa-p384", rsa2048 = "rsa-2048", rsa4096 = "rsa-4096"

        var kind: (SSHKeyKind, Int) {
            switch self {
            case .ed25519: (.ed25519, 0)
            case .ecdsaP256: (.ecdsaP256, 0)
            case .ecdsaP384: (.ecdsaP384, 0)
            case .rsa2048: (.rsa, 2048)
            case .rsa4096: (.rsa, 4096)
            }
        }
    }

    func validate() throws {
        guard (role == nil) != (template == nil) else { throw ValidationError("give --role (Vault's shape) or --template (Infisical's), one of them") }
        if template != nil, mount != "ssh" { throw ValidationError("--mount is for --role (Vault's shape)") }
        if let ttl, Self.seconds(ttl) == nil { throw ValidationError("--ttl \(ttl): seconds, or a duration such as 30m, 1h, 1d, 1h30m") }
        if let comment, comment.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
            throw ValidationError("--comment must be one line without control characters")
        }
    }

    /// Vault's durations: a number of seconds, or numbers with units s, m, h, d.
    static func seconds(_ s: String) -> Int? {
        if let n = Int(s) { return n > 0 ? n : nil }
        var total = 0, number = ""
        for c in s {
            if c.isASCII, c.isNumber { number.append(c); continue }
            guard let n = Int(number), let unit = ["s": 1, "m": 60, "h": 3600, "d": 86400][String(c)] else { return nil }
            let (p, o1) = n.multipliedReportingOverflow(by: unit)
            let (sum, o2) = total.addingReportingOverflow(p)
            guard !o1, !o2 else { return nil }
            total = sum
            number = ""
        }
        return number.isEmpty && total > 0 ? total : nil
    }

    func run() async throws {
        let name = role ?? template!
        guard LoginCommand.isPathSegment(name) else {
            throw failure("invalid_name", "\(role != nil ? "--role" : "--template") \(printable(name)): letters, digits, _ - . only")
        }
        guard LoginCommand.isPathSegment(mount) else { throw failure("invalid_mount", "--mount \(printable(mount)): one path segment") }
        let principals = principal.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard !principals.contains(where: \.isEmpty) else {
            throw failure("invalid_principal", "an empty principal in --principal \(principal.joined(separator: ","))")
        }

        // everything that can be checked here is, before the server is asked
        let token = try TokenFile.read(server)
        let agent = addToAgent ? try SSHAgentClient() : nil
        let paths = try outputPaths(name: name)

        let (kind, bits) = keyType.kind
        let key: SSHPrivateKey
        do { key = try SSHPrivateKey.generate(kind, bits: bits) } catch let e as VouchError {
            throw failure(e.code, "cannot generate a \(keyType.rawValue) key: \(e.message)")
        }
        let publicLine = key.publicKey.line()

        // the public key, signed by the server
        let path: String
        var body: [String: Any]
        let credential: ServerClient.Credential
        if let role {
            path = "/v1/\(mount)/sign/\(role)"
            body = ["public_key": publicLine, "cert_type": certType.rawValue]
            if !principals.isEmpty { body["valid_principals"] = principals.joined(separator: ",") }
            if let ttl { body["ttl"] = ttl }
            if let keyId { body["key_id"] = keyId }
            credential = .vault(token)
        } else {
            path = "/api/v1/ssh/certificates/sign"
            body = ["certificateTemplateId": template!, "publicKey": publicLine, "certType": certType.rawValue, "principals": principals]
            if let ttl { body["ttl"] = ttl }
            if let keyId { body["keyId"] = keyId }
            credential = .bearer(token)
        }
        let (answer, base) = try await ServerClient.with(server) { client in (try await client.post(path, body, credential: credential), client.base) }
        let what = role.map { "role \($0) at \(mount)/" } ?? "template \(template!)"
        guard answer.status == 200 else {
            let e = answer.error
            let hint = answer.status == 401 || answer.status == 403 ? " (log in again: vouch login)"
                : answer.status == 404 && e.code == "route_not_found" && template != nil ? " (this server does not serve Infisical's SSH certificate signing)" : ""
            if (400..<500).contains(answer.status) { throw refusal(e.code, "\(base) refused to sign (\(what)): \(e.message)\(hint)") }
            throw failure(e.code, "\(base) could not sign (\(what)): the server answered \(answer.status): \(e.message)")
        }
        let json = answer.json
        let data = role != nil ? json?["data"] as? [String: Any] : json
        guard let signed = (data?[role != nil ? "signed_key" : "signedKey"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines) else {
            throw failure("malformed_answer", "\(base)\(path) answered without a signed key")
        }
        let serial = data?[role != nil ? "serial_number" : "serialNumber"] as? String ?? ""

        // the certificate must be good and for our key
        let cert: SSHCertificate
        do { cert = try SSHCertificate(line: signed) } catch let e as VouchError {
            throw failure("malformed_certificate", "the certificate \(base) returned does not check out: \(e.code): \(e.message)")
        }
        guard cert.key.blob == key.publicKey.blob else {
            throw failure("wrong_certificate", "the certificate \(base) returned certifies another key")
        }
        let now = UInt64(max(0, Date().timeIntervalSince1970))
        guard cert.validBefore > now else { throw failure("expired_certificate", "the certificate \(base) returned has already expired") }

        // the files, as ssh-keygen names them
        let comment = self.comment ?? cert.keyID
        try writeFiles(paths, key: key, cert: cert, comment: comment)

        var lines = [
            "\(cert.type.rawValue) certificate \(serial.isEmpty ? String(cert.serial, radix: 16) : printable(serial)) from \(base) (\(what))",
            "  key id: \(printable(cert.keyID))",
            "  principals: \(cert.principals.map { printable($0) }.joined(separator: ", "))",
            "  valid: \(cert.validAfter == 0 ? "always" : iso(Date(timeIntervalSince1970: TimeInterval(cert.validAfter)))) to "
                + (cert.validBefore == .max ? "forever" : iso(Date(timeIntervalSince1970: TimeInterval(cert.validBefore)))),
            "  private key: \(paths.key) (\(keyType.rawValue), mode 0600)",
            "  public key: \(paths.key).pub",
            "  certificate: \(paths.key)-cert.pub",
        ]
        print(lines.joined(separator: "\n"))
        lines.removeAll()

        // the agent: key and certificate, forgotten when the certificate expires
        if let agent {
            let lifetime: UInt32 = cert.validBefore == .max ? 0 : UInt32(clamping: cert.validBefore - now)
            let reply: SSHAgentClient.Answer
            do {
                reply = try key.withAgentAddRequest(certificate: cert.blob, comment: comment, lifetime: lifetime) { try agent.send($0) }
            } catch let e as VouchError {
                throw failure(e.code, "cannot encode the key for the agent: \(e.message)")
            }
            switch reply {
            case .success:
                print("  agent: added with its certificate" + (lifetime == 0 ? "" : " for \(duration(Int(lifetime))) (until the certificate expires)")
                      + " at \(agent.path)")
            case .failure:
                throw refusal("agent_refused", "ssh-agent at \(agent.path) refused the key and certificate (SSH_AGENT_FAILURE); the files are written")
            case .other(let t):
                throw failure("agent_protocol", "ssh-agent at \(agent.path) answered message type \(t), not success or failure")
            }
        }
    }

    struct Paths {
        let key: String
        var all: [String] { [key, key + ".pub", key + "-cert.pub"] }
    }

    /// Where the files go, checked: the directory exists (~/.ssh is made 0700 for the
    /// default) and is ours alone to write; OUT is not a link, and is replaced only when
    /// it is earlier credentials (OUT-cert.pub beside it) or with --force.
    private func outputPaths(name: String) throws -> Paths {
        let keyPath: String
        if let out {
            guard !out.isEmpty, !out.hasSuffix("/") else { throw failure("invalid_path", "--out \(printable(out)): a file path") }
            keyPath = out
        } else {
            let dir = TokenFile.home + "/.ssh"
            try TokenFile.ensurePrivateDirectory(dir, what: "ssh")
            keyPath = dir + "/vouch_" + name
        }
        let dir = (keyPath as NSString).deletingLastPathComponent.isEmpty ? "." : (keyPath as NSString).deletingLastPathComponent
        var st = stat()
        guard stat(dir, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else {
            throw failure("unwritable_file", "--out \(printable(keyPath)): no directory \(dir)")
        }
        if (st.st_uid != geteuid() && st.st_uid != 0) || (st.st_mode & 0o022 != 0 && st.st_mode & S_ISVTX == 0) {
            throw failure("insecure_directory", "\(dir) can be written by others: another user could replace the key; choose a directory only you can write")
        }
        let paths = Paths(key: keyPath)
        for p in paths.all where lstat(p, &st) == 0 {
            guard st.st_mode & S_IFMT == S_IFREG else {
                throw failure("unwritable_file", "\(p) exists and is not a regular file (a link?): refused")
            }
        }
        let earlier = lstat(keyPath + "-cert.pub", &st) == 0
        if !force, !earlier, lstat(keyPath, &st) == 0 {
            throw failure("file_exists", "\(keyPath) exists and is not earlier credentials (no \(keyPath)-cert.pub beside it); pass --force to replace it")
        }
        return paths
    }

    private func writeFiles(_ paths: Paths, key: SSHPrivateKey, cert: SSHCertificate, comment: String) throws {
        var secret = Array(key.openSSHFormat(comment: comment).utf8)
        defer { secret.withUnsafeMutableBytes { if let b = $0.baseAddress { memset(b, 0, $0.count) } } }
        try TokenFile.writeAtomically(secret, to: paths.key, mode: 0o600)
        try TokenFile.writeAtomically(Array((key.publicKey.line(comment: comment) + "\n").utf8), to: paths.key + ".pub", mode: 0o644)
        try TokenFile.writeAtomically(Array((cert.line(comment: comment) + "\n").utf8), to: paths.key + "-cert.pub", mode: 0o644)
    }
}
