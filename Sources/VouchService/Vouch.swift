// Vouch.swift: the service: identities, auth methods, logins and tokens, over a Store,
// with no HTTP. Opening a data directory creates what a first start needs: the master
// key (mode 0600), the token signing key (sealed under it) and the admin token (kept
// only as a hash, handed back once). Everything in the data directory is the owner's
// only, and is checked to be at every start.
import Foundation
import Synchronization
import VouchCore

public final class Vouch: Sendable {
    public let store: any Store
    public let audit: AuditLog
    public let metrics: Metrics
    let signer: TokenSigner
    /// Seals secrets kept in configuration documents (a Kubernetes reviewer JWT).
    let sealer: SealingKey
    /// The one HTTP client (key sets, discovery, TokenReview) and the cached key sets.
    let fetcher: HTTPFetcher
    let keySources: KeySetSources
    let reviewers: TokenReviewers
    var snapshotContext: ConfigSnapshot.Context { .init(sources: keySources, reviewers: reviewers, sealer: sealer) }
    private let adminHash: [UInt8]
    private let snapshot: Mutex<ConfigSnapshot>
    /// The configuration kept compiled between changes; the next snapshot is made from it.
    let builder: Mutex<ConfigBuilder>
    /// Set when a committed change could not be loaded into the snapshot: logins wait
    /// (503) rather than decide on a configuration that is no longer the stored one.
    private let stale = Atomic<Bool>(false)
    /// Serialises configuration changes: store write, then snapshot rebuild.
    private let changes = AsyncLock()
    /// The clock, replaceable in tests.
    let now: @Sendable () -> Int64
    /// The service's clock, in Unix seconds.
    public func clock() -> Int64 { now() }

    /// What `open` made on a first start.
    public struct FirstStart: Sendable {
        public let adminToken: String?
    }

    /// `keyRefetchInterval`: the least seconds between two fetches of a key source prompted
    /// by logins (an unknown kid, a source that has not answered yet).
    public convenience init(store: any Store, masterKey: SealingKey, audit: AuditLog, metrics: Metrics = Metrics(),
                            keyRefetchInterval: Int64 = 10,
                            now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) async throws {
        try await self.init(store: store, masterKey: masterKey, signingKey: try await Self.signingKey(store, masterKey), audit: audit,
                            metrics: metrics, keyRefetchInterval: keyRefetchInterval, now: now)
    }

    /// With the token signing key already opened (`signingKey(_:_:)`).
    init(store: any Store, masterKey: SealingKey, signingKey: Ed25519PrivateKey, audit: AuditLog, metrics: Metrics,
         keyRefetchInterval: Int64, now: @escaping @Sendable () -> Int64) async throws {
        self.store = store
        self.audit = audit
        self.metrics = metrics
        self.now = now
        sealer = masterKey
        let fetcher = HTTPFetcher.shared
        self.fetcher = fetcher
        keySources = KeySetSources(fetcher: fetcher, metrics: metrics, minRefetchInterval: keyRefetchInterval)
        reviewers = TokenReviewers(fetcher: fetcher, metrics: metrics)
        signer = try TokenSigner(key: signingKey)
        adminHash = try await store.meta("admin_token_sha256") ?? []
        let built = ConfigBuilder(try await store.configuration(),
                                  context: .init(sources: keySources, reviewers: reviewers, sealer: masterKey))
        snapshot = Mutex(built.snapshot())
        builder = Mutex(built)
    }

    /// Where the store is: the embedded SQLite database in the data directory (the
    /// default), or a PostgreSQL database several nodes share.
    public enum Database: Sendable {
        case sqlite
        case postgres(url: String, password: String?, settings: PostgresSettings = PostgresSettings())
    }

    /// Opens (creating on first start) a data directory and the store: `master.key` (or
    /// `masterKeyFile`) and the database. On first start the admin token is written to
    /// `adminTokenFile` (mode 0600) when given, else returned once in `FirstStart`. A data
    /// directory, master key or database that others may read is refused, naming the chmod
    /// that fixes it.
    ///
    /// On a shared database the first node to start creates the token signing key and the
    /// admin token there; the others find them. Every node needs the master key the
    /// database was made with: a node with another key, or with none when the database is
    /// already set up, is refused (`master_key_mismatch`, `master_key_missing`) and changes
    /// nothing.
    public static func open(
        dataDir: String, database: Database = .sqlite, masterKeyFile: String? = nil, adminTokenFile: String?,
        audit: AuditLog, metrics: Metrics = Metrics(), keyRefetchInterval: Int64 = 10,
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) async throws -> (Vouch, FirstStart) {
        let fm = FileManager.default
        if !fm.fileExists(atPath: dataDir) {
            try fm.createDirectory(atPath: dataDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        try ownerOnly(dataDir, directory: true)
        let keyPath = masterKeyFile ?? dataDir + "/master.key"
        let pendingKey = pendingName(keyPath)
        let existingKey = try readMasterKey(keyPath)
        // the database and its -wal and -shm, the audit log, the admin token file: all the owner's only
        for entry in try fm.contentsOfDirectory(atPath: dataDir).sorted() { try ownerOnly(dataDir + "/" + entry) }
        let store: any Store
        switch database {
        case .sqlite: store = try SQLiteStore(path: dataDir + "/vouch.db")
        case .postgres(let url, let password, let settings): store = try await PostgresStore(url: url, password: password, settings: settings)
        }
        do {
            let master: SealingKey
            if let existingKey {
                master = existingKey
            } else {
                // a new key only for a database with no signing key yet: a key made for a
                // database that has one could never open it
                if try await store.meta(signingKeyName) != nil {
                    throw ServiceError.badRequest(
                        "master_key_missing",
                        "\(keyPath) does not exist, and the database was set up with a master key: give every node that key "
                            + "(--master-key-file, VOUCH_MASTER_KEY_FILE)")
                }
                // written under a temporary name of this start's own, moved into place once
                // the database took a signing key sealed under it (another node starting at
                // the same moment, maybe with the same key path, may have set one first: then
                // this key is dropped and the start refused)
                master = SealingKey.generate()
                try writeSecret(Base64.encode(master.bytes) + "\n", to: pendingKey, what: "master_key")
            }
            let adminToken: String?
            let vouch: Vouch
            do {
                // the signing key first: a node whose master key does not open it is refused
                // before it sets the admin token (which it would never hand out)
                let key = try await signingKey(store, master)
                adminToken = try await firstAdminToken(store, file: adminTokenFile)
                vouch = try await Vouch(store: store, masterKey: master, signingKey: key, audit: audit, metrics: metrics,
                                        keyRefetchInterval: keyRefetchInterval, now: now)
            } catch {
                if existingKey == nil { try? fm.removeItem(atPath: pendingKey) }
                throw error
            }
            if existingKey == nil, rename(pendingKey, keyPath) != 0 {
                throw ServiceError.badRequest("master_key", "cannot move \(pendingKey) to \(keyPath): \(String(cString: strerror(errno)))")
            }
            for w in vouch.configWarnings { audit.record(.init(type: "config", action: "load", outcome: "warning", reason: w)) }
            return (vouch, FirstStart(adminToken: adminToken))
        } catch {
            await store.shutdown()
            throw error
        }
    }

    static let signingKeyName = "token_signing_key"

    /// The store's token signing key, opened with `masterKey`; a new one sealed under it
    /// when the store has none yet (set only if absent: nodes starting at the same moment
    /// all get the one that was set first). A key that does not open it is refused.
    private static func signingKey(_ store: any Store, _ masterKey: SealingKey) async throws -> Ed25519PrivateKey {
        let sealedSeed = try await store.setMetaIfAbsent(
            signingKeyName, masterKey.seal(Ed25519PrivateKey().seed, context: "token-signing-key"))
        guard let seed = try? masterKey.open(sealedSeed, context: "token-signing-key") else {
            throw ServiceError.badRequest(
                "master_key_mismatch",
                "the master key does not open this database's token signing key: every node needs the master key the database was made with")
        }
        return try Ed25519PrivateKey(seed: seed)
    }

    /// A temporary name beside `path` that is this start's own (`PATH.RANDOM.new`): nodes
    /// starting at the same moment with the same path (a shared volume) never remove or
    /// move each other's file.
    private static func pendingName(_ path: String) -> String {
        path + "." + Base64.encode(Secrets.random(count: 6)) + ".new"
    }

    /// The master key in `path`, or nil when there is no such file.
    private static func readMasterKey(_ path: String) throws -> SealingKey? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        try ownerOnly(path)
        let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Base64.decode(text), bytes.count == SealingKey.byteCount else {
            throw ServiceError.badRequest("master_key", "\(path) does not hold a master key")
        }
        return try SealingKey(bytes: bytes)
    }

    /// Makes the admin token when the store has none: its hash is set only if no other node
    /// set one first (a shared database), and the token is handed out (the file, or the
    /// answer) only by the node whose hash was set. The file is written under a temporary
    /// name first and moved into place after, so a failed write sets nothing.
    private static func firstAdminToken(_ store: any Store, file: String?) async throws -> String? {
        guard try await store.meta("admin_token_sha256") == nil else { return nil }
        let token = "vouch.admin." + Base64.encode(Secrets.random(count: 32))
        let hash = Secrets.sha256(Array(token.utf8))
        guard let file else {
            return try await store.setMetaIfAbsent("admin_token_sha256", hash) == hash ? token : nil
        }
        let fm = FileManager.default
        let pending = pendingName(file)
        try writeSecret(token + "\n", to: pending, what: "admin_token_file")
        guard try await store.setMetaIfAbsent("admin_token_sha256", hash) == hash else {
            try? fm.removeItem(atPath: pending)
            return nil
        }
        guard rename(pending, file) == 0 else {
            throw ServiceError.badRequest("admin_token_file", "cannot move \(pending) to \(file): \(String(cString: strerror(errno)))")
        }
        return nil
    }

    /// Refuses a file or directory (a link is judged by what it points to) that is not the
    /// running user's, or that anyone else may read, write or enter.
    static func ownerOnly(_ path: String, directory: Bool = false) throws {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw ServiceError.badRequest("data_dir", "\(path): \(String(cString: strerror(errno)))")
        }
        if st.st_uid != geteuid() {
            throw ServiceError.badRequest(
                "insecure_permissions", "\(path) belongs to uid \(st.st_uid), not to the user running vouch (uid \(geteuid()))")
        }
        let mode = Int(st.st_mode) & 0o777
        if mode & 0o077 != 0 {
            let want = directory ? "700" : "600"
            throw ServiceError.badRequest(
                "insecure_permissions",
                "\(path) is open to others (mode \(String(mode, radix: 8))): the data directory holds secrets; chmod \(want) it")
        }
    }

    /// Writes a secret to a new file that is the owner's only from its first byte (created
    /// 0600 and exclusively: never a moment readable by others, never through a planted link).
    static func writeSecret(_ text: String, to path: String, what: String) throws {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ServiceError.badRequest(what, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard n == bytes.count, fsync(fd) == 0 else {
            throw ServiceError.badRequest(what, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    var current: ConfigSnapshot { snapshot.withLock { $0 } }
    public var configWarnings: [String] { current.warnings }

    /// The snapshot a login decides on; throws while it is behind the stored configuration.
    func liveSnapshot() throws -> ConfigSnapshot {
        guard !stale.load(ordering: .acquiring) else {
            throw ServiceError(.unavailable, "configuration_unavailable",
                               "the configuration could not be reloaded after a change; logins resume once it is")
        }
        return current
    }

    /// Applies a configuration change to the store, then brings the snapshot up to it (what
    /// the change log says changed since the snapshot, recompiled); changes run one at a
    /// time, so snapshots replace each other in order. When the committed change cannot be
    /// loaded, logins are held (503) and the reload is retried every second until it succeeds.
    func change<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await changes.withLock {
            let result = try await body()
            try await reload()
            return result
        }
    }

    /// Brings the snapshot up to the store after a change of this node's own (under the
    /// change lock). When the committed change cannot be loaded, logins are held (503) and
    /// the load is retried every second until it succeeds.
    private func reload() async throws {
        do {
            try await catchUp()
            stale.store(false, ordering: .releasing)
        } catch {
            let wasStale = stale.exchange(true, ordering: .acquiringAndReleasing)
            audit.record(.init(type: "config", action: "reload", outcome: "failed", reason: "\(error)"))
            if !wasStale {
                Task { [weak self] in
                    while let self, self.stale.load(ordering: .acquiring) {
                        try? await Task.sleep(for: .seconds(1))
                        try? await self.changes.withLock { try await self.reload() }
                    }
                }
            }
            throw ServiceError(.unavailable, "configuration_unavailable",
                               "the change was saved, but the running configuration could not be reloaded: logins wait until it is")
        }
    }

    /// Brings the snapshot up to the store (under the change lock): the changes logged since
    /// its sequence number, or everything when the log no longer reaches back that far.
    /// Returns how many (kind, key) changed (-1: everything was read again).
    @discardableResult
    private func catchUp() async throws -> Int {
        let seq = builder.withLock { $0.seq }
        if let delta = try await store.configurationChanges(after: seq) {
            guard delta.count > 0 || delta.seq != seq else { return 0 }
            let (next, released) = builder.withLock { b in
                b.apply(delta)
                return (b.snapshot(), b.takeReleased())
            }
            snapshot.withLock { $0 = next }
            keySources.drop(released.sources)
            reviewers.drop(released.clusters)
            return delta.count
        }
        let (config, context) = (try await store.configuration(), snapshotContext)
        let (next, sources, clusters) = builder.withLock { b in
            b = ConfigBuilder(config, context: context)
            return (b.snapshot(), b.sourcesInUse, b.clustersInUse)
        }
        snapshot.withLock { $0 = next }
        keySources.retain(sources)
        reviewers.retain(clusters)
        return -1
    }

    /// Brings the snapshot up to the changes other nodes committed (a shared store): what
    /// `followConfiguration` calls on each announcement and each check. A store that cannot
    /// be read now leaves the snapshot as it is (nothing says it is behind: a change made
    /// while the database is away cannot have committed), and the next check tries again.
    func followChanges() async {
        do {
            let n = try await changes.withLock { try await self.catchUp() }
            if n != 0 { metrics.increment("vouch_config_followed_total", []) }
        } catch {
            metrics.increment("vouch_config_follow_errors_total", [])
        }
    }

    /// Follows the configuration changes other nodes make, until the task is cancelled:
    /// the store's announcements (PostgreSQL LISTEN, watched again a second after it breaks)
    /// and a check of the change log every `interval` (an announcement missed while the
    /// feed was down). Returns at once for a store no other process writes.
    public func followConfiguration(interval: Duration = .seconds(1)) async {
        guard store.isShared else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [store] in
                while !Task.isCancelled {
                    do {
                        try await store.watchConfiguration { Task { await self.followChanges() } }
                    } catch {
                        self.metrics.increment("vouch_config_watch_errors_total", [])
                    }
                    try? await Task.sleep(for: .seconds(1))
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    await self.followChanges()
                }
            }
            await group.waitForAll()
        }
    }

    // MARK: admin

    /// Whether `token` is the admin token (constant-time comparison of hashes).
    public func isAdmin(_ token: String?) -> Bool {
        guard let token, !adminHash.isEmpty, token.utf8.count <= 512 else { return false }
        return Secrets.equal(Secrets.sha256(Array(token.utf8)), adminHash)
    }

    /// The token signing key's JWK Set.
    public var jwks: SigningKeySet { signer.keySet }

    func adminEvent(_ action: String, subject: String?, remote: String?, outcome: String = "ok", reason: String? = nil) {
        audit.record(.init(type: "admin", action: action, outcome: outcome, remote: remote, subject: subject, reason: reason))
    }
}

/// A lock held across suspension points, for the rare writes that must not interleave
/// (configuration changes). Waiters are served in order.
final class AsyncLock: Sendable {
    private struct State {
        var locked = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    func withLock<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await acquire()
        do {
            let r = try await body()
            release()
            return r
        } catch {
            release()
            throw error
        }
    }

    private func acquire() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if !s.locked {
                    s.locked = true
                    return true
                }
                s.waiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    private func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiters.isEmpty {
                s.locked = false
                return nil
            }
            return s.waiters.removeFirst()
        }
        next?.resume()
    }
}
