// TokenReviewer.swift: Kubernetes' TokenReview API, as its reference gives it: POST
// {host}/apis/authentication.k8s.io/v1/tokenreviews with the reviewer's bearer JWT,
// `spec.token` and (when an audience is set) `spec.audiences`; 201 with `status`
// (`authenticated`, `user.username` system:serviceaccount:NS:NAME, `user.uid`,
// `audiences`, `error`); a `Status` object with 401/403 when the reviewer itself is
// refused. Positive answers are remembered per token hash until the earlier of its expiry
// and 60 seconds, so a workload's repeated logins cost the API server one review a minute.
import Foundation
import Synchronization
import VouchCore

/// A service account, as a token or TokenReview names it.
public struct ServiceAccount: Sendable, Equatable {
    public var namespace: String
    public var name: String
    public var uid: String
    public var secretName: String
}

public final class TokenReviewer: Sendable {
    let fetcher: HTTPFetcher
    let host: String
    let caPEM: String
    let allowHTTP: Bool
    let metrics: Metrics?
    static let cacheSeconds: Int64 = 60
    /// A refused token is refused again without asking for this long (a flood of forged
    /// tokens naming an allowed service account costs the API server one review each, once).
    static let refusalSeconds: Int64 = 10
    static let maxCached = 100_000
    /// Reviews in flight per cluster at most; past it a login is answered 503 at once.
    static let maxInFlight = 64
    private let cache = Mutex<[[UInt8]: (account: ServiceAccount, until: Int64)]>([:])
    private let refused = Mutex<[[UInt8]: (refusal: LoginRefusal, until: Int64)]>([:])
    private let inFlight = Atomic<Int>(0)
    /// Reviews being asked, by token: concurrent logins with one token share one review.
    private let pending = Mutex<[[UInt8]: Task<Result<ServiceAccount, LoginRefusal>, Never>]>([:])

    init(fetcher: HTTPFetcher, host: String, caPEM: String, allowHTTP: Bool, metrics: Metrics?) {
        self.fetcher = fetcher
        self.host = host
        self.caPEM = caPEM
        self.allowHTTP = allowHTTP
        self.metrics = metrics
    }

    private struct ReviewRequest: Encodable {
        struct Spec: Encodable {
            let token: String
            let audiences: [String]?
        }
        let apiVersion = "authentication.k8s.io/v1"
        let kind = "TokenReview"
        let spec: Spec
    }

    /// Reviews `jwt` (whose hard expiry, when known, is `exp`) at `now`; `bearer` is the
    /// reviewer's JWT (nil: the token reviews itself). Throws a LoginRefusal naming what the
    /// API server said, or that it could not be asked.
    func review(_ jwt: String, audience: String, bearer: String?, exp: Int64?, now: Int64) async throws(LoginRefusal) -> ServiceAccount {
        let key = Secrets.sha256(Array((audience + "\u{0}" + jwt).utf8))
        if let hit = cache.withLock({ c -> ServiceAccount? in
            guard let e = c[key] else { return nil }
            if e.until > now { return e.account }
            c[key] = nil
            return nil
        }) {
            metrics?.increment("vouch_tokenreview_total", [("outcome", "cached")])
            return hit
        }
        if let no = refused.withLock({ r -> LoginRefusal? in
            guard let e = r[key] else { return nil }
            if e.until > now { return e.refusal }
            r[key] = nil
            return nil
        }) {
            metrics?.increment("vouch_tokenreview_total", [("outcome", "refused_cached")])
            throw no
        }
        // one review per token at a time; the others wait for its answer
        let task = pending.withLock { p in
            if let t = p[key] { return t }
            let t = Task { () -> Result<ServiceAccount, LoginRefusal> in
                let r: Result<ServiceAccount, LoginRefusal>
                do throws(LoginRefusal) {
                    r = .success(try await self.ask(jwt, key: key, audience: audience, bearer: bearer, exp: exp, now: now))
                } catch {
                    r = .failure(error)
                }
                _ = self.pending.withLock { $0.removeValue(forKey: key) }
                return r
            }
            p[key] = t
            return t
        }
        return try await task.value.get()
    }

    /// Asks the API server (the answer cached before the caller hears it).
    private func ask(_ jwt: String, key: [UInt8], audience: String, bearer: String?, exp: Int64?, now: Int64) async throws(LoginRefusal)
        -> ServiceAccount
    {
        guard inFlight.add(1, ordering: .acquiringAndReleasing).newValue <= Self.maxInFlight else {
            inFlight.subtract(1, ordering: .acquiringAndReleasing)
            metrics?.increment("vouch_tokenreview_total", [("outcome", "overloaded")])
            throw LoginRefusal("kubernetes_unavailable", "\(Self.maxInFlight) TokenReviews are already in flight to \(host)", .unavailable)
        }
        defer { inFlight.subtract(1, ordering: .acquiringAndReleasing) }
        let url = (host.hasSuffix("/") ? String(host.dropLast()) : host) + "/apis/authentication.k8s.io/v1/tokenreviews"
        let body = Array(JSON.encode(ReviewRequest(spec: .init(token: jwt, audiences: audience.isEmpty ? nil : [audience]))).utf8)
        let answer: Fetched
        do {
            answer = try await fetcher.fetch(url, method: .POST, caPEM: caPEM, allowHTTP: allowHTTP, bearer: bearer ?? jwt, jsonBody: body)
        } catch {
            metrics?.increment("vouch_tokenreview_total", [("outcome", "unavailable")])
            throw LoginRefusal("kubernetes_unavailable", "TokenReview could not be asked: \(error)", .unavailable)
        }
        let account: ServiceAccount
        do {
            account = try Self.interpret(status: answer.status, body: answer.body, audience: audience, selfReview: bearer == nil)
        } catch {
            if error.kind != .unavailable {
                // the API server's own refusal: remembered briefly
                refused.withLock { r in
                    if r.count >= Self.maxCached { r = r.filter { $0.value.until > now } }
                    if r.count < Self.maxCached { r[key] = (error, now + Self.refusalSeconds) }
                }
            }
            metrics?.increment("vouch_tokenreview_total", [("outcome", error.code == "tokenreview_unauthorized" ? "reviewer_refused"
                : error.kind == .unavailable ? "unavailable" : "refused")])
            throw error
        }
        metrics?.increment("vouch_tokenreview_total", [("outcome", "authenticated")])
        let until = min(exp ?? (now + Self.cacheSeconds), now + Self.cacheSeconds)
        cache.withLock { c in
            if c.count >= Self.maxCached { c = c.filter { $0.value.until > now } }
            if c.count < Self.maxCached { c[key] = (account, until) }
        }
        return account
    }

    /// What an API server's answer to a TokenReview says: the service account it
    /// authenticated, or why not (a refusal, or the API server unable to answer).
    /// With `selfReview`, the token was its own bearer: a 401 then refuses the token itself.
    public static func interpret(status code: Int, body: [UInt8], audience: String, selfReview: Bool = false) throws(LoginRefusal)
        -> ServiceAccount
    {
        let json = try? JSONValue.parse(body)
        func statusMessage() -> String {
            if case .string(let m)? = json?["message"] { return String(m.prefix(300)) }
            return "(no Status message)"
        }
        switch code {
        case 200, 201: break
        case 401 where selfReview:
            throw LoginRefusal("tokenreview_refused", "the API server does not authenticate the token (it was its own reviewer): \(statusMessage())")
        case 401, 403:
            throw LoginRefusal("tokenreview_unauthorized",
                               "the API server refused the reviewer's credentials (\(code)): \(statusMessage())", .unauthorized)
        default:
            throw LoginRefusal("kubernetes_unavailable", "TokenReview answered \(code): \(statusMessage())", .unavailable)
        }
        guard let json, case .object? = json["status"] else {
            throw LoginRefusal("kubernetes_unavailable", "TokenReview answered \(code) without a status object", .unavailable)
        }
        let status = json["status"]!
        if case .string(let e)? = status["error"], !e.isEmpty {
            throw LoginRefusal("tokenreview_refused", "TokenReview: \(e.prefix(300))")
        }
        guard case .bool(true)? = status["authenticated"] else {
            throw LoginRefusal("tokenreview_refused", "TokenReview: the token is not authenticated")
        }
        guard case .string(let username)? = status["user"]?["username"] else {
            throw LoginRefusal("tokenreview_refused", "TokenReview named no user")
        }
        let parts = username.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "system", parts[1] == "serviceaccount", !parts[2].isEmpty, !parts[3].isEmpty else {
            throw LoginRefusal("tokenreview_refused", "TokenReview's user \(username.prefix(200)) is not a service account")
        }
        if !audience.isEmpty {
            var auds: [String] = []
            if case .array(let a)? = status["audiences"] { auds = a.compactMap { if case .string(let s) = $0 { s } else { nil } } }
            guard auds.contains(audience) else {
                throw LoginRefusal("wrong_audience", "TokenReview: valid for audiences \(auds), not \(audience)")
            }
        }
        var uid = ""
        if case .string(let u)? = status["user"]?["uid"] { uid = u }
        return ServiceAccount(namespace: String(parts[2]), name: String(parts[3]), uid: uid, secretName: "")
    }
}

/// The clusters in use, by configuration (their review caches survive snapshot rebuilds).
final class TokenReviewers: Sendable {
    let fetcher: HTTPFetcher
    let metrics: Metrics
    private let reviewers = Mutex<[KubernetesClusterConfig: TokenReviewer]>([:])

    init(fetcher: HTTPFetcher, metrics: Metrics) {
        self.fetcher = fetcher
        self.metrics = metrics
    }

    func reviewer(_ c: KubernetesClusterConfig) -> TokenReviewer {
        reviewers.withLock { d in
            if let r = d[c] { return r }
            let r = TokenReviewer(fetcher: fetcher, host: c.host, caPEM: c.caPEM, allowHTTP: c.allowHTTP, metrics: metrics)
            d[c] = r
            return r
        }
    }

    func retain(_ used: Set<KubernetesClusterConfig>) {
        reviewers.withLock { d in d = d.filter { used.contains($0.key) } }
    }

    /// Forgets the reviewers of these clusters (the configuration's last use of each is gone).
    func drop(_ unused: Set<KubernetesClusterConfig>) {
        guard !unused.isEmpty else { return }
        reviewers.withLock { d in for c in unused { d[c] = nil } }
    }

    /// The clusters whose reviewers are held.
    var held: Set<KubernetesClusterConfig> { reviewers.withLock { Set($0.keys) } }
}
