// LoginCommand.swift: `vouch login`: one login against a running Vouch server, in
// Vault's shape (POST /v1/auth/{mount}/login) or, with --identity-id, Infisical's
// (POST /api/v1/auth/{method}-auth/login); the access token is kept in a file only the
// user can read (see TokenFile) and described, never printed unless asked.
import ArgumentParser
import Foundation

struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Log in to a Vouch server and keep the access token in a file only you can read.",
        discussion: """
            Vault's shape by default: POST /v1/auth/MOUNT/login, MOUNT being --mount or the \
            method's own (cert, jwt, oidc, kubernetes), with --role. With --identity-id, \
            Infisical's: POST /api/v1/auth/tls-cert-auth/login (cert), jwt-auth, oidc-auth or \
            kubernetes-auth. A cert login presents --client-cert in the TLS handshake, so the \
            address must be https. The token goes to --token-file (mode 0600, replaced \
            atomically; its directory is created 0700); what it is (lifetime, policies or \
            identity) is printed, the token itself only with --print-token. Exit status: 0 \
            logged in; 1 the server refused the login (REFUSED (CODE): reason); 2 unusable \
            input, no server, or a server failure (error (CODE): reason).
            """)

    @OptionGroup var server: ServerOptions

    @Option(help: "cert, jwt, oidc or kubernetes.")
    var method: Method

    @Option(help: "Vault shape: the auth mount (default: the method's name).")
    var mount: String?

    @Option(help: "Vault shape: the role (cert: the certificate role; none tries every role. jwt, oidc: none uses the mount's default_role).")
    var role: String?

    @Option(help: "Infisical shape: the identity to log in as (instead of a Vault mount and role).")
    var identityId: String?

    @Option(help: "cert: the client certificate (PEM; intermediates may follow).")
    var clientCert: String?

    @Option(help: "cert: its private key (PEM, unencrypted).")
    var clientKey: String?

    @Option(help: "jwt, oidc, kubernetes: a file holding the token (kubernetes default: \(LoginCommand.serviceAccountToken)).")
    var jwtFile: String?

    @Option(help: "jwt, oidc, kubernetes: - to read the token from standard input (a token on the command line is refused: others can see it).")
    var jwt: String?

    @Flag(help: "Print the token on standard output as well (the description then goes to standard error).")
    var printToken = false

    enum Method: String, ExpressibleByArgument, CaseIterable { case cert, jwt, oidc, kubernetes }

    static let serviceAccountToken = "/var/run/secrets/kubernetes.io/serviceaccount/token"

    func validate() throws {
        if method == .cert {
            guard clientCert != nil, clientKey != nil else { throw ValidationError("--method cert needs --client-cert and --client-key") }
            guard jwt == nil, jwtFile == nil else { throw ValidationError("--jwt and --jwt-file are for jwt, oidc and kubernetes logins") }
        } else {
            guard clientCert == nil, clientKey == nil else { throw ValidationError("--client-cert and --client-key are for --method cert") }
            guard jwt == nil || jwtFile == nil else { throw ValidationError("give --jwt - or --jwt-file, not both") }
            if let jwt, jwt != "-" {
                throw ValidationError("--jwt takes - (standard input) only: a token on the command line is visible to other users; use --jwt-file FILE or --jwt -")
            }
            if method != .kubernetes, jwt == nil, jwtFile == nil { throw ValidationError("--method \(method.rawValue) needs --jwt-file FILE or --jwt -") }
        }
        if identityId != nil {
            guard mount == nil, role == nil else { throw ValidationError("--identity-id (Infisical's shape) takes no --mount or --role") }
        }
    }

    func run() async throws {
        let mount = self.mount ?? method.rawValue
        guard Self.isPathSegment(mount) else { throw failure("invalid_mount", "--mount \(printable(mount)): one path segment of letters, digits, _ - .") }
        if let identityId, !Self.isPathSegment(identityId) && !identityId.isEmpty {
            throw failure("invalid_identity", "--identity-id \(printable(identityId)): letters, digits, _ - . only")
        }
        let tokenPath = server.resolvedTokenFile

        // the request
        let path: String
        var body: [String: Any] = [:]
        var shape: String
        if method == .cert {
            if let identityId {
                path = "/api/v1/auth/tls-cert-auth/login"
                body["identityId"] = identityId
                shape = "tls-cert-auth, identity \(identityId)"
            } else {
                path = "/v1/auth/\(mount)/login"
                if let role { body["name"] = role }
                shape = "auth/\(mount)" + (role.map { ", role \($0)" } ?? "")
            }
        } else {
            let token = try readJWT()
            if let identityId {
                path = "/api/v1/auth/\(method.rawValue)-auth/login"
                body = ["identityId": identityId, "jwt": token]
                shape = "\(method.rawValue)-auth, identity \(identityId)"
            } else {
                path = "/v1/auth/\(mount)/login"
                body["jwt"] = token
                if let role { body["role"] = role }
                shape = "auth/\(mount)" + (role.map { ", role \($0)" } ?? "")
            }
        }

        let answer = try await ServerClient.with(server, clientCertificate: method == .cert ? (clientCert!, clientKey!) : nil) { client in
            let a = try await client.post(path, body)
            return (a, client.base)
        }
        let (a, base) = answer
        guard a.status == 200 else {
            let e = a.error
            if (400..<500).contains(a.status) { throw refusal(e.code, "login refused by \(base) (\(shape)): \(e.message)") }
            throw failure(e.code, "login failed at \(base) (\(shape)): the server answered \(a.status): \(e.message)")
        }
        guard let json = a.json else { throw failure("malformed_answer", "\(base)\(path) answered 200 without JSON") }

        // what the answer says
        var lines: [String] = []
        let token: String
        if identityId != nil {
            guard let t = json["accessToken"] as? String else { throw failure("malformed_answer", "\(base)\(path): no accessToken in the answer") }
            token = t
            if let ttl = json["expiresIn"] as? Int {
                lines.append("ttl: \(duration(ttl))" + (ttl > 0 ? " (until \(iso(Date().addingTimeInterval(TimeInterval(ttl)))))" : ""))
            }
            if let max = json["accessTokenMaxTTL"] as? Int, max > 0 { lines.append("max ttl: \(duration(max)) (renewable until then)") }
        } else {
            guard let auth = json["auth"] as? [String: Any], let t = auth["client_token"] as? String else {
                throw failure("malformed_answer", "\(base)\(path): no auth.client_token in the answer")
            }
            token = t
            if let ttl = auth["lease_duration"] as? Int {
                lines.append("ttl: \(duration(ttl))" + (ttl > 0 ? " (until \(iso(Date().addingTimeInterval(TimeInterval(ttl)))))" : ""))
            }
            if let policies = auth["token_policies"] as? [String] ?? auth["policies"] as? [String] {
                lines.append("policies: " + (policies.isEmpty ? "(none)" : policies.map { printable($0) }.joined(separator: ", ")))
            }
            if let meta = auth["metadata"] as? [String: String], !meta.isEmpty {
                lines.append("metadata: " + meta.keys.sorted().map { "\(printable($0))=\(printable(meta[$0]!))" }.joined(separator: ", "))
            }
            if let uses = auth["num_uses"] as? Int, uses > 0 { lines.append("uses: \(uses)") }
            if let accessor = auth["accessor"] as? String, !accessor.isEmpty { lines.append("accessor: \(printable(accessor))") }
        }
        guard !token.isEmpty, !token.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value > 0x7e }) else {
            throw failure("malformed_answer", "\(base)\(path): the token in the answer is not one printable word")
        }
        // the token's own claims, as information (the server just handed it to us)
        if let claims = Self.claims(of: token) {
            if let sub = claims["sub"] as? String { lines.insert("subject: \(printable(sub))", at: 0) }
            if let identity = claims["identityId"] as? String { lines.insert("identity: \(printable(identity))", at: 1.clamped(to: lines.count)) }
            if let exp = claims["exp"] as? Int, identityId == nil { lines.append("renewable until: \(iso(Date(timeIntervalSince1970: TimeInterval(exp))))") }
        }

        try TokenFile.write(token, to: tokenPath)

        var text = "logged in to \(base) with \(method.rawValue) (\(shape))\n"
        text += "token stored in \(tokenPath) (mode 0600)\n"
        text += lines.map { "  \($0)\n" }.joined()
        if printToken {
            FileHandle.standardError.write(Data(text.utf8))
            print(token)
        } else {
            print(text, terminator: "")
        }
    }

    /// The JWT from --jwt - (standard input) or a file (kubernetes: the pod's own by default).
    private func readJWT() throws -> String {
        let source = jwt ?? jwtFile ?? Self.serviceAccountToken
        let text = String(decoding: try readInput(source, what: "JWT", limit: 64 << 10), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw failure("empty_input", "no token in \(source == "-" ? "standard input" : source)") }
        guard !text.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value > 0x7e }) else {
            throw failure("malformed_token", "\(source == "-" ? "standard input" : source) does not hold one JWT (it has spaces or other characters)")
        }
        return text
    }

    static func isPathSegment(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 128 && s != "." && s != ".."
            && s.unicodeScalars.allSatisfy { ($0.isASCII && CharacterSet.alphanumerics.contains($0)) || "_-.".unicodeScalars.contains($0) }
    }

    /// A compact JWS's claims, unverified (for describing a token we were just given).
    static func claims(of token: String) -> [String: Any]? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var b64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }
}

extension Int {
    fileprivate func clamped(to upper: Int) -> Int { Swift.min(self, upper) }
}
