// Metrics.swift: counters and latency histograms in Prometheus' text format, without a
// dependency: logins by method and outcome, request latency by route.
import Foundation
import Synchronization

public final class Metrics: Sendable {
    public static let buckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

    private struct Histogram {
        var counts = [UInt64](repeating: 0, count: Metrics.buckets.count)
        var sum = 0.0
        var count: UInt64 = 0
    }
    private struct State {
        var counters: [String: [String: UInt64]] = [:]   // name -> labels -> value
        var histograms: [String: [String: Histogram]] = [:]
    }
    private let state = Mutex(State())
    private let help: [String: String] = [
        "vouch_logins_total": "Login attempts by method and outcome.",
        "vouch_login_duration_seconds": "Time to decide a login, by method.",
        "vouch_http_request_duration_seconds": "HTTP request latency by route.",
        "vouch_token_uses_total": "Access token uses by outcome.",
    ]

    public init() {}

    static func labels(_ l: [(String, String)]) -> String {
        func escaped(_ v: String) -> String {
            guard v.utf8.contains(where: { $0 == 0x5c || $0 == 0x22 || $0 == 0x0a }) else { return v }
            return v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n")
        }
        return "{" + l.map { "\($0.0)=\"\(escaped($0.1))\"" }.joined(separator: ",") + "}"
    }

    public func increment(_ name: String, _ labels: [(String, String)]) {
        let key = Self.labels(labels)
        state.withLock { $0.counters[name, default: [:]][key, default: 0] += 1 }
    }

    public func observe(_ name: String, _ labels: [(String, String)], seconds: Double) {
        let key = Self.labels(labels)
        state.withLock { s in
            var h = s.histograms[name, default: [:]][key, default: Histogram()]
            for (i, b) in Metrics.buckets.enumerated() where seconds <= b { h.counts[i] += 1 }
            h.sum += seconds
            h.count += 1
            s.histograms[name, default: [:]][key] = h
        }
    }

    public func counter(_ name: String, _ labels: [(String, String)]) -> UInt64 {
        state.withLock { $0.counters[name]?[Self.labels(labels)] ?? 0 }
    }

    /// The exposition text (version 0.0.4).
    public func render() -> String {
        let s = state.withLock { $0 }
        var out = ""
        for (name, series) in s.counters.sorted(by: { $0.key < $1.key }) {
            out += "# HELP \(name) \(help[name] ?? name)\n# TYPE \(name) counter\n"
            for (l, v) in series.sorted(by: { $0.key < $1.key }) { out += "\(name)\(l) \(v)\n" }
        }
        for (name, series) in s.histograms.sorted(by: { $0.key < $1.key }) {
            out += "# HELP \(name) \(help[name] ?? name)\n# TYPE \(name) histogram\n"
            for (l, h) in series.sorted(by: { $0.key < $1.key }) {
                let inner = l.dropFirst().dropLast()
                let sep = inner.isEmpty ? "" : ","
                for (i, b) in Metrics.buckets.enumerated() {
                    out += "\(name)_bucket{\(inner)\(sep)le=\"\(b)\"} \(h.counts[i])\n"
                }
                out += "\(name)_bucket{\(inner)\(sep)le=\"+Inf\"} \(h.count)\n"
                out += "\(name)_sum\(l) \(h.sum)\n\(name)_count\(l) \(h.count)\n"
            }
        }
        return out
    }
}
