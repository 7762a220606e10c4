// KeySetSource.swift: one cached key set per source (an OIDC issuer's discovery document
// and JWKS, a JWKS URL, or PEM keys), shared by every login that names the same source.
// Kept fresh in the background before its Cache-Control max-age runs out (bounded to
// 1 minute .. 24 hours; 5 minutes when the source says nothing), refetched when a token
// names a kid the set does not hold (single flight, at most once per 10 seconds, so a
// flood of bad tokens is not a flood of fetches), and kept as it was when the source is
// down: the last good set goes on verifying, and the login's audit line says it is stale.
import Foundation
import Synchronization
import VouchCore

public final class KeySetSource: Sendable {
    public let config: KeySourceConfig
    /// The source as the audit log and /metrics name it (its URL, or "pem").
    public let name: String
    let fetcher: HTTPFetcher?
    let metrics: Metrics?

    /// At most one fetch attempt per this many seconds, outside scheduled refreshes.
    let minRefetchInterval: Int64
    static let defaultMaxAge: Int64 = 300
    static let maxAgeBounds: ClosedRange<Int64> = 60...86_400

    /// The keys a login verifies with, and whether they could not be refreshed.
    public struct Keys: Sendable {
        public let set: JWKS
        /// Why the set is older than its source says it may be (nil: fresh).
        public let stale: String?
    }

    private struct State {
        var keys: JWKS?
        var fetchedAt: Int64 = 0
        var refreshAt: Int64 = 0
        var lastAttempt: Int64 = .min
        var lastError: String?
        var inflight: Task<Void, Never>?
        var refresher: Task<Void, Never>?
    }
    private let state = Mutex(State())

    /// A source from its configuration; PEM keys are parsed at once (and throw when bad).
    init(_ config: KeySourceConfig, fetcher: HTTPFetcher, metrics: Metrics?, minRefetchInterval: Int64 = 10) throws {
        self.config = config
        self.minRefetchInterval = minRefetchInterval
        self.metrics = metrics
        switch config.kind {
        case .pem:
            name = "pem"
            self.fetcher = nil
            let set = try JWKS(json: Array(#"{"keys":[]}"#.utf8), pem: Array(config.publicKeys.joined(separator: "\n").utf8))
            state.withLock { $0.keys = set }
        case .discovery, .jwks:
            name = config.url
            self.fetcher = fetcher
            // the loop holds the source only while it works, so a dropped source ends it
            let task = Task { [weak self] in
                while !Task.isCancelled {
                    guard let wait = await self?.refreshStep() else { return }
                    try? await Task.sleep(for: .seconds(wait))
                }
            }
            state.withLock { $0.refresher = task }
        }
    }

    deinit {
        state.withLock {
            $0.refresher?.cancel()
            $0.inflight?.cancel()
        }
    }

    static func clock() -> Int64 { Int64(Date().timeIntervalSince1970) }

    /// The current keys; on a first use (or while the source has never answered) this
    /// waits for a fetch, attempted at most once per 10 seconds.
    public func keys() async throws -> Keys {
        if let k = snapshot() { return k }
        await fetchIfDue(force: false)
        if let k = snapshot() { return k }
        let why = state.withLock { $0.lastError } ?? "no answer yet"
        throw FetchError(kind: .network, message: "no key set from \(name): \(why)")
    }

    /// A token named a kid the set does not hold: refetch (single flight, rate-limited).
    /// Returns the keys afterwards.
    public func refetchForUnknownKey() async -> Keys? {
        guard fetcher != nil else { return nil }
        await fetchIfDue(force: false)
        return snapshot()
    }

    private func snapshot() -> Keys? {
        state.withLock { s in
            guard let keys = s.keys else { return nil }
            guard let err = s.lastError else { return Keys(set: keys, stale: nil) }
            let when = ISO8601DateFormatter.string(from: Date(timeIntervalSince1970: TimeInterval(s.fetchedAt)),
                                                   timeZone: .gmt, formatOptions: [.withInternetDateTime])
            return Keys(set: keys, stale: "keys from \(when) kept: \(name) cannot be fetched (\(err))")
        }
    }

    /// Joins the fetch in flight, or starts one when the last attempt is old enough (or
    /// `force`: the scheduled refresh).
    private func fetchIfDue(force: Bool) async {
        guard fetcher != nil else { return }
        let task: Task<Void, Never>? = state.withLock { s in
            if let t = s.inflight { return t }
            let now = Self.clock()
            guard force || s.lastAttempt == .min || now - s.lastAttempt >= minRefetchInterval else { return nil }
            s.lastAttempt = now
            let t = Task { [weak self] in
                guard let self else { return }
                await self.fetchOnce()
                self.state.withLock { $0.inflight = nil }
            }
            s.inflight = t
            return t
        }
        await task?.value
    }

    /// Background: refresh when due (after a failure, a minute later); returns the seconds
    /// until the next refresh is due.
    private func refreshStep() async -> Int64 {
        if Self.clock() >= state.withLock({ $0.refreshAt }) { await fetchIfDue(force: true) }
        return state.withLock { s in max(s.refreshAt - Self.clock(), 1) }
    }

    private func fetchOnce() async {
        let now = Self.clock()
        do {
            let (set, maxAge) = try await fetchKeys()
            state.withLock { s in
                s.keys = set
                s.fetchedAt = now
                s.lastError = nil
                // refresh at four fifths of the allowed age, so a key set never outlives it
                s.refreshAt = now + max(maxAge * 4 / 5, 1)
            }
            metrics?.set("vouch_key_source_up", [("source", name)], 1)
            metrics?.set("vouch_key_source_fetched_timestamp_seconds", [("source", name)], Double(now))
            metrics?.increment("vouch_key_source_fetches_total", [("source", name), ("outcome", "ok")])
        } catch {
            state.withLock { s in
                s.lastError = "\(error)"
                s.refreshAt = now + 60
            }
            metrics?.set("vouch_key_source_up", [("source", name)], 0)
            metrics?.increment("vouch_key_source_fetches_total", [("source", name), ("outcome", "failed")])
        }
    }

    /// Fetches and parses the key set; returns it with the max-age to keep it for.
    private func fetchKeys() async throws -> (JWKS, Int64) {
        guard let fetcher else { throw FetchError(kind: .refusedURL, message: "nothing to fetch") }
        var jwksURL = config.url
        if config.kind == .discovery {
            let discoveryURL = (config.url.hasSuffix("/") ? String(config.url.dropLast()) : config.url)
                + "/.well-known/openid-configuration"
            let doc = try await fetcher.fetch(discoveryURL, caPEM: config.caPEM, caAddsToSystem: config.caAddsToSystem, allowHTTP: config.allowHTTP)
            guard doc.status == 200 else {
                throw FetchError(kind: .status, message: "\(discoveryURL) answered \(doc.status)")
            }
            let json: JSONValue
            do { json = try JSONValue.parse(doc.body) } catch {
                throw FetchError(kind: .status, message: "\(discoveryURL) is not a JSON discovery document: \(error)")
            }
            guard case .string(let issuer)? = json["issuer"] else {
                throw FetchError(kind: .status, message: "\(discoveryURL) names no issuer")
            }
            guard issuer == config.url else {
                throw FetchError(kind: .status, message: "the discovery document's issuer \(issuer.prefix(200)) is not \(config.url)")
            }
            guard case .string(let uri)? = json["jwks_uri"] else {
                throw FetchError(kind: .status, message: "\(discoveryURL) names no jwks_uri")
            }
            jwksURL = uri
        }
        let answer = try await fetcher.fetch(jwksURL, caPEM: config.caPEM, caAddsToSystem: config.caAddsToSystem, allowHTTP: config.allowHTTP,
                                             loopbackHTTP: config.kind == .jwks)
        guard answer.status == 200 else { throw FetchError(kind: .status, message: "\(jwksURL.prefix(200)) answered \(answer.status)") }
        let set: JWKS
        do {
            set = try JWKS(json: answer.body)
        } catch {
            throw FetchError(kind: .status, message: "\(jwksURL.prefix(200)) is not a usable JWK Set: \(error)")
        }
        return (set, Self.maxAge(answer.cacheControl))
    }

    /// Cache-Control's max-age, bounded; the default when absent or unreadable.
    public static func maxAge(_ header: String?) -> Int64 {
        guard let header else { return defaultMaxAge }
        for part in header.split(separator: ",") {
            let p = part.trimmingCharacters(in: .whitespaces).lowercased()
            if p.hasPrefix("max-age="), let n = Int64(p.dropFirst(8)) {
                return min(max(n, maxAgeBounds.lowerBound), maxAgeBounds.upperBound)
            }
        }
        return defaultMaxAge
    }
}

/// The key sources in use, by configuration: a snapshot rebuild finds the sources it
/// already has (and their cached keys) instead of starting over.
final class KeySetSources: Sendable {
    let fetcher: HTTPFetcher
    let metrics: Metrics
    let minRefetchInterval: Int64
    private let sources = Mutex<[KeySourceConfig: KeySetSource]>([:])

    init(fetcher: HTTPFetcher, metrics: Metrics, minRefetchInterval: Int64) {
        self.fetcher = fetcher
        self.metrics = metrics
        self.minRefetchInterval = minRefetchInterval
    }

    /// The source for `config`, made on first use.
    func source(_ config: KeySourceConfig) throws -> KeySetSource {
        if let s = sources.withLock({ $0[config] }) { return s }
        let made = try KeySetSource(config, fetcher: fetcher, metrics: metrics, minRefetchInterval: minRefetchInterval)
        return sources.withLock { d in
            if let s = d[config] { return s }
            d[config] = made
            return made
        }
    }

    /// Forgets sources no configuration names any more (their refresh loops stop).
    func retain(_ used: Set<KeySourceConfig>) {
        sources.withLock { d in d = d.filter { used.contains($0.key) } }
    }

    /// Forgets these sources (the configuration's last use of each is gone).
    func drop(_ unused: Set<KeySourceConfig>) {
        guard !unused.isEmpty else { return }
        sources.withLock { d in for c in unused { d[c] = nil } }
    }

    /// The configurations of the sources held.
    var held: Set<KeySourceConfig> { sources.withLock { Set($0.keys) } }
}
