// Metrics.swift: the server's metrics through swift-metrics, with swift-prometheus as the
// backend and its own registry (no global bootstrap: several services may live in one
// process, as in tests). Logins by method and outcome, login and request latency
// histograms, token uses by outcome. The handles for the series a login touches are made
// once, so that counting one takes no lock.
import CoreMetrics
import Foundation
import Prometheus
import Synchronization

public final class Metrics: Sendable {
    /// Latency buckets, seconds.
    public static let buckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
    /// Login methods by the name metrics and audit lines give them (Vault mounts by type).
    static let loginMethods = ["tls-cert-auth", "cert", "oidc-auth", "jwt-auth", "kubernetes-auth", "jwt", "kubernetes"]
    /// The series whose labels are known in advance.
    static let knownCounters: [(String, [(String, String)])] =
        loginMethods.flatMap { m in ["allowed", "refused"].map { ("vouch_logins_total", [("method", m), ("outcome", $0)]) } }
        + ["ok", "invalid_token", "token_expired", "token_revoked", "token_uses_exhausted", "ip_not_trusted"].map {
            ("vouch_token_uses_total", [("outcome", $0)])
        }
        + [("vouch_tls_handshake_failures_total", []), ("vouch_http_slow_requests_closed_total", []),
           ("vouch_http_client_aborts_total", [])]
    static let knownTimers: [(String, [(String, String)])] = loginMethods.map {
        ("vouch_login_duration_seconds", [("method", $0)])
    }

    public let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let counters: [String: CoreMetrics.Counter]
    private let timers: [String: CoreMetrics.Timer]
    /// Series first seen while serving (HTTP routes by path and method).
    private let later = Mutex<(counters: [String: CoreMetrics.Counter], timers: [String: CoreMetrics.Timer],
                               gauges: [String: CoreMetrics.Gauge])>(([:], [:], [:]))

    public init() {
        var f = PrometheusMetricsFactory(registry: registry)
        f.defaultDurationHistogramBuckets = Self.buckets.map { Duration.nanoseconds(Int64($0 * 1e9)) }
        factory = f
        var c: [String: CoreMetrics.Counter] = [:], t: [String: CoreMetrics.Timer] = [:]
        for (name, labels) in Self.knownCounters { c[Self.key(name, labels)] = Counter(label: name, dimensions: labels, factory: f) }
        for (name, labels) in Self.knownTimers { t[Self.key(name, labels)] = Timer(label: name, dimensions: labels, factory: f) }
        counters = c
        timers = t
    }

    static func key(_ name: String, _ labels: [(String, String)]) -> String {
        labels.reduce(name) { $0 + "\u{0}" + $1.0 + "=" + $1.1 }
    }

    public func increment(_ name: String, _ labels: [(String, String)]) {
        let k = Self.key(name, labels)
        if let c = counters[k] { return c.increment() }
        let c = later.withLock { s in
            if let c = s.counters[k] { return c }
            let c = Counter(label: name, dimensions: labels, factory: factory)
            s.counters[k] = c
            return c
        }
        c.increment()
    }

    public func observe(_ name: String, _ labels: [(String, String)], seconds: Double) {
        let k = Self.key(name, labels)
        let t = timers[k] ?? later.withLock { s in
            if let t = s.timers[k] { return t }
            let t = Timer(label: name, dimensions: labels, factory: factory)
            s.timers[k] = t
            return t
        }
        t.recordNanoseconds(Int64(seconds * 1e9))
    }

    /// Sets a gauge (the state of something: a key source up or down, its keys' age).
    public func set(_ name: String, _ labels: [(String, String)], _ value: Double) {
        let k = Self.key(name, labels)
        let g = later.withLock { s in
            if let g = s.gauges[k] { return g }
            let g = Gauge(label: name, dimensions: labels, factory: factory)
            s.gauges[k] = g
            return g
        }
        g.record(value)
    }

    /// The exposition text (Prometheus text format 0.0.4).
    public func render() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// A counter's value, read from the exposition (for tests and operators' scripts).
    public func counter(_ name: String, _ labels: [(String, String)]) -> UInt64 {
        let series = name + "{" + labels.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ",") + "} "
        for line in render().split(separator: "\n") where line.hasPrefix(series) {
            return UInt64(line.dropFirst(series.count)) ?? 0
        }
        return 0
    }
}
