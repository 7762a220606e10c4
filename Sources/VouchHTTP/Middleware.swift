// Middleware.swift: cross-cutting concerns: request latency metrics by route, and one
// JSON log line per request (never a body, a header value or a token).
import Foundation
import Hummingbird
import Logging
import VouchService

struct MetricsMiddleware: RouterMiddleware {
    typealias Context = VouchContext
    let metrics: Metrics
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let response = try await next(request, context)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let route = context.endpointPath ?? "unmatched"
        metrics.observe("vouch_http_request_duration_seconds", [("route", route), ("method", request.method.rawValue)],
                        seconds: seconds)
        if route != "/metrics", route != "/healthz" {
            logger.info("request", metadata: [
                "method": .string(request.method.rawValue), "route": .string(route), "status": .stringConvertible(response.status.code),
                "remote": .string(context.peerIP), "us": .stringConvertible(Int(seconds * 1e6)),
            ])
        }
        return response
    }
}

/// swift-log handler writing one JSON object per line to standard error, in batches
/// (LineWriter: within 10 ms; errors at once).
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var members: [(String, JSONValue)] = [
            ("time", .string(Timestamp.iso(Date().timeIntervalSince1970))), ("level", .string(event.level.rawValue)),
            ("logger", .string(label)), ("message", .string("\(event.message)")),
        ]
        let all = metadata.isEmpty ? event.metadata ?? [:] : metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 })
        for (k, v) in all.sorted(by: { $0.key < $1.key }) {
            members.append((k, .string("\(v)")))
        }
        LineWriter.standardError.append(JSONValue.object(members).text)
        if event.level >= .error { LineWriter.standardError.flush() }
    }
}
