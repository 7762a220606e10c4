// OIDCProvider.swift: a real OIDC provider's public side for the tests: nginx serving the
// discovery document and the JWK Set over TLS (a test CA the openssl CLI made), keys made
// by the openssl CLI, the JWK Set written by joserfc and tokens minted by PyJWT or joserfc
// (Tests/Tools/jwt_issuer.py). Rotating keys is replacing the file; stopping nginx is the
// provider going down. Extra locations answer badly on purpose: a redirect, a body over
// 1 MiB, garbage, an answer that never completes.
import Foundation

public final class OIDCProvider {
    public let pki: PKI
    public let root: Issued
    public let server: Issued
    public let web: String
    public private(set) var nginx: Nginx!
    private var port = 0

    public init() throws {
        pki = try PKI()
        root = try pki.make("oidc-root", subject: "/CN=OIDC Test Root")
        server = try pki.make("oidc-server", issuer: root, extensions:
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost")
        web = pki.dir.appendingPathComponent("web").path
        try FileManager.default.createDirectory(atPath: web + "/.well-known", withIntermediateDirectories: true)
        try start()
    }

    /// Starts nginx (again, on the same port after `stop`).
    public func start() throws {
        if port == 0 { port = freePort() }
        nginx = try Nginx(cert: server.certPath, key: server.keyPath, port: port, locations: """
            location / { root \(web); default_type application/json; add_header Cache-Control "max-age=120"; }
            location = /redirect/.well-known/openid-configuration { return 302 https://127.0.0.1:\(port)/.well-known/openid-configuration; }
            location = /slow/jwks.json { alias \(web)/jwks.json; default_type application/json; limit_rate 1; }
            """, accessLog: true)
    }

    public func stop() { nginx.stop() }

    public var issuer: String { "https://127.0.0.1:\(port)" }
    public var jwksURL: String { issuer + "/jwks.json" }
    public var caPEM: String { String(decoding: root.pem, as: UTF8.self) }
    /// How many times the JWK Set has been fetched.
    public var jwksFetches: Int { nginx.accessLog.split(separator: "\n").filter { $0.contains("GET /jwks.json") }.count }

    /// Writes a file the provider serves.
    public func serve(_ path: String, _ text: String) throws {
        let full = web + "/" + path
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: true, encoding: .utf8)
    }

    /// The discovery document, naming `issuer` (default: the provider's own URL).
    public func publishDiscovery(issuer: String? = nil, at prefix: String = "") throws {
        let doc: [String: Any] = [
            "issuer": issuer ?? self.issuer + prefix, "jwks_uri": jwksURL, "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        ]
        try serve(prefix + "/.well-known/openid-configuration",
                  String(decoding: try JSONSerialization.data(withJSONObject: doc), as: UTF8.self))
    }

    /// A new key (the openssl CLI), by name: "rsa", "rsa-2", "p256", "p384", "ed25519".
    public func key(_ name: String, _ type: KeyType) throws -> String {
        let path = pki.dir.appendingPathComponent("jwt-\(name).pem").path
        if !FileManager.default.fileExists(atPath: path) { try PKI.run(["openssl", "genpkey"] + type.genpkeyArgs + ["-out", path]) }
        return path
    }

    /// Publishes the JWK Set of these keys (kid -> private key path; joserfc writes the public JWKs).
    public func publishKeys(_ keys: [(kid: String, path: String)], at path: String = "jwks.json") throws {
        let out = try PKI.run(["python3", Repository.file("Tests/Tools/jwt_issuer.py").path, "jwks"] + keys.map { "\($0.kid)=\($0.path)" })
        try serve(path, String(decoding: out, as: UTF8.self))
    }

    public struct Mint: Encodable {
        public let key: String
        public let alg: String
        public let kid: String?
        public let lib: String
        public let claims: [String: Claim]
        public init(key: String, alg: String, kid: String?, lib: String = "pyjwt", claims: [String: Claim]) {
            self.key = key
            self.alg = alg
            self.kid = kid
            self.lib = lib
            self.claims = claims
        }
    }

    /// A claim value: text ("now+600" is a time), a number, a list or an object.
    public enum Claim: Encodable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral,
        ExpressibleByDictionaryLiteral
    {
        case text(String), number(Int), list([Claim]), object([String: Claim]), flag(Bool)
        public init(stringLiteral s: String) { self = .text(s) }
        public init(integerLiteral n: Int) { self = .number(n) }
        public init(arrayLiteral a: Claim...) { self = .list(a) }
        public init(dictionaryLiteral d: (String, Claim)...) { self = .object(Dictionary(d, uniquingKeysWith: { a, _ in a })) }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .text(let s): try c.encode(s)
            case .number(let n): try c.encode(n)
            case .list(let a): try c.encode(a)
            case .object(let o): try c.encode(o)
            case .flag(let b): try c.encode(b)
            }
        }
    }

    /// Tokens minted by PyJWT or joserfc, in order.
    public static func mint(_ requests: [Mint]) throws -> [String] {
        let out = try PKI.run(["python3", Repository.file("Tests/Tools/jwt_issuer.py").path, "mint"],
                              input: try JSONEncoder().encode(requests))
        return try JSONDecoder().decode([String].self, from: out)
    }
}
