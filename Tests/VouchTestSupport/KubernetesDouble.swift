// KubernetesDouble.swift: the TokenReview side of a Kubernetes API server
// (Tests/Tools/k8s_apiserver_double.py, which follows the API's JSON to the letter) over
// TLS with a test CA, a service-account signing key made by the openssl CLI, and
// service-account tokens shaped as the API server mints them (projected, RS256 with a kid;
// or legacy secret tokens), minted by PyJWT.
import Foundation

public final class KubernetesDouble {
    public let pki: PKI
    public let root: Issued
    public let signingKey: String
    public let port = freePort()
    let statePath: String
    let logPath: String
    let process = Process()
    public static let issuer = "https://kubernetes.default.svc.cluster.local"
    public static let reviewerToken = "reviewer-" + UUID().uuidString

    public struct State: Encodable {
        public var mode = "ok"
        public var reviewers = [KubernetesDouble.reviewerToken]
        public var auth_delegators: [String] = []
        public var invalidated: [String] = []
        public init() {}
    }

    public init() throws {
        pki = try PKI()
        root = try pki.make("k8s-ca", subject: "/CN=kubernetes")
        let server = try pki.make("k8s-apiserver", issuer: root, extensions:
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:kubernetes.default.svc")
        signingKey = pki.dir.appendingPathComponent("sa.key").path
        try PKI.run(["openssl", "genpkey"] + KeyType.rsa2048.genpkeyArgs + ["-out", signingKey])
        try PKI.run(["openssl", "pkey", "-in", signingKey, "-pubout", "-out", signingKey + ".pub"])
        statePath = pki.dir.appendingPathComponent("state.json").path
        logPath = pki.dir.appendingPathComponent("requests.log").path
        FileManager.default.createFile(atPath: logPath, contents: nil)
        try set(State())
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Repository.file("Tests/Tools/k8s_apiserver_double.py").path, "--port", String(port),
                             "--cert", server.certPath, "--key", server.keyPath, "--signing-key", signingKey + ".pub",
                             "--state", statePath, "--log", logPath]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        _ = out.fileHandleForReading.availableData  // "listening"
    }

    deinit { stop() }

    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    public var host: String { "https://127.0.0.1:\(port)" }
    public var caPEM: String { String(decoding: root.pem, as: UTF8.self) }
    public var publicKeyPEM: String { (try? String(contentsOfFile: signingKey + ".pub", encoding: .utf8)) ?? "" }
    /// TokenReview requests the double has answered (or refused).
    public var reviews: Int { ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").split(separator: "\n").count }

    public func set(_ s: State) throws { try JSONEncoder().encode(s).write(to: URL(fileURLWithPath: statePath)) }

    /// A projected service-account token as the API server mints it.
    public func token(namespace: String, name: String, uid: String = "uid-" + UUID().uuidString.prefix(8).lowercased(),
                      audiences: [String] = [KubernetesDouble.issuer], exp: String = "now+3600", jti: String = UUID().uuidString,
                      key: String? = nil) throws -> String {
        let claims: [String: OIDCProvider.Claim] = [
            "iss": .text(Self.issuer), "sub": .text("system:serviceaccount:\(namespace):\(name)"), "aud": .list(audiences.map { .text($0) }),
            "iat": "now", "nbf": "now", "exp": .text(exp), "jti": .text(jti),
            "kubernetes.io": .object(["namespace": .text(namespace), "serviceaccount": .object(["name": .text(name), "uid": .text(uid)]),
                                      "pod": .object(["name": "api-7d9f", "uid": "pod-uid-1"])]),
        ]
        return try OIDCProvider.mint([.init(key: key ?? signingKey, alg: "RS256", kid: "sa-key-1", claims: claims)])[0]
    }
}
