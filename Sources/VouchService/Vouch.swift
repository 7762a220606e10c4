// Vouch.swift: the service: identities, auth methods, logins and tokens, over a Store,
// with no HTTP. Opening a data directory creates what a first start needs: the master
// key (mode 0600), the token signing key (sealed under it) and the admin token (kept
// only as a hash, handed back once).
import Foundation
import Synchronization
import VouchCore

public final class Vouch: Sendable {
    public let store: any Store
    public let audit: AuditLog
    public let metrics: Metrics
    let signer: TokenSigner
    private let adminHash: [UInt8]
    private let snapshot: Mutex<ConfigSnapshot>
    /// Serialises configuration changes: store write, then snapshot rebuild.
    private let changes = Mutex(())
    /// The clock, replaceable in tests.
    let now: @Sendable () -> Int64
    /// The service's clock, in Unix seconds.
    public func clock() -> Int64 { now() }

    /// What `open` made on a first start.
    public struct FirstStart: Sendable {
        public let adminToken: String?
    }

    public init(store: any Store, masterKey: SealingKey, audit: AuditLog, metrics: Metrics = Metrics(),
                now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) throws {
        self.store = store
        self.audit = audit
        self.metrics = metrics
        self.now = now
        let sealedSeed = try store.setMetaIfAbsent(
            "token_signing_key", masterKey.seal(Ed25519PrivateKey().seed, context: "token-signing-key"))
        signer = TokenSigner(key: try Ed25519PrivateKey(seed: try masterKey.open(sealedSeed, context: "token-signing-key")))
        adminHash = try store.meta("admin_token_sha256") ?? []
        snapshot = Mutex(ConfigSnapshot(identities: try store.identities(), tlsAuths: try store.tlsCertAuths(), roles: try store.certRoles(),
                                  crls: try store.crls()))
    }

    /// Opens (creating on first start) a data directory: `master.key` and `vouch.db`.
    /// On first start the admin token is written to `adminTokenFile` (mode 0600) when
    /// given, else returned once in `FirstStart`.
    public static func open(
        dataDir: String, adminTokenFile: String?, audit: AuditLog, metrics: Metrics = Metrics(),
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) throws -> (Vouch, FirstStart) {
        let fm = FileManager.default
        try fm.createDirectory(atPath: dataDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let keyPath = dataDir + "/master.key"
        let master: SealingKey
        if fm.fileExists(atPath: keyPath) {
            let attrs = try fm.attributesOfItem(atPath: keyPath)
            if let mode = attrs[.posixPermissions] as? Int, mode & 0o077 != 0 {
                throw ServiceError.badRequest("master_key", "\(keyPath) is readable by others (mode \(String(mode, radix: 8))); chmod 600 it")
            }
            let text = try String(contentsOfFile: keyPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let bytes = Base64URL.decode(Substring(text)), bytes.count == SealingKey.byteCount else {
                throw ServiceError.badRequest("master_key", "\(keyPath) does not hold a master key")
            }
            master = try SealingKey(bytes: bytes)
        } else {
            master = SealingKey.generate()
            guard fm.createFile(atPath: keyPath, contents: Data((Base64URL.encode(master.bytes) + "\n").utf8),
                                attributes: [.posixPermissions: 0o600]) else {
                throw ServiceError.badRequest("master_key", "cannot write \(keyPath)")
            }
        }
        let store = try SQLiteStore(path: dataDir + "/vouch.db")
        var adminToken: String? = nil
        if try store.meta("admin_token_sha256") == nil {
            let token = "vouch.admin." + Base64URL.encode(Secrets.random(count: 32))
            if let adminTokenFile {
                try? fm.removeItem(atPath: adminTokenFile)
                guard fm.createFile(atPath: adminTokenFile, contents: Data((token + "\n").utf8),
                                    attributes: [.posixPermissions: 0o600]) else {
                    throw ServiceError.badRequest("admin_token_file", "cannot write \(adminTokenFile)")
                }
            } else {
                adminToken = token
            }
            _ = try store.setMetaIfAbsent("admin_token_sha256", Secrets.sha256(Array(token.utf8)))
        }
        let vouch = try Vouch(store: store, masterKey: master, audit: audit, metrics: metrics, now: now)
        for w in vouch.configWarnings { audit.record(.init(type: "config", action: "load", outcome: "warning", reason: w)) }
        return (vouch, FirstStart(adminToken: adminToken))
    }

    var current: ConfigSnapshot { snapshot.withLock { $0 } }
    public var configWarnings: [String] { current.warnings }

    /// Applies a configuration change to the store, then rebuilds the snapshot from it.
    func change<T>(_ body: () throws -> T) throws -> T {
        try changes.withLock { _ in
            let result = try body()
            let next = ConfigSnapshot(identities: try store.identities(), tlsAuths: try store.tlsCertAuths(), roles: try store.certRoles(),
                                  crls: try store.crls())
            snapshot.withLock { $0 = next }
            return result
        }
    }

    // MARK: admin

    /// Whether `token` is the admin token (constant-time comparison of hashes).
    public func isAdmin(_ token: String?) -> Bool {
        guard let token, !adminHash.isEmpty, token.utf8.count <= 512 else { return false }
        return Secrets.equal(Secrets.sha256(Array(token.utf8)), adminHash)
    }

    /// The token signing key's JWK Set.
    public var jwks: [String: Any] { signer.jwks }

    func adminEvent(_ action: String, subject: String?, remote: String?, outcome: String = "ok", reason: String? = nil) {
        audit.record(.init(type: "admin", action: action, outcome: outcome, remote: remote, subject: subject, reason: reason))
    }
}
