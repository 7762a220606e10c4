// RouteTable.swift: routes are added through here, so the server knows the list of what
// it serves (checked against the OpenAPI document by a test).
import HTTPTypes
import Hummingbird
import Synchronization

public struct Route: Hashable, Sendable, Comparable {
    public let method: String
    public let path: String   // OpenAPI form: /v1/auth/cert/certs/{name}
    public static func < (a: Route, b: Route) -> Bool { (a.path, a.method) < (b.path, b.method) }
}

/// Built once, on one task, before the server starts.
final class RouteTable: @unchecked Sendable {
    let router: Router<VouchContext>
    private let added = Mutex<[Route]>([])

    init(router: Router<VouchContext>) { self.router = router }

    var routes: [Route] { added.withLock { $0 }.sorted() }

    /// Hummingbird paths use {name} for parameters, as OpenAPI does.
    func on(_ method: HTTPRequest.Method, _ path: String,
            _ handler: @escaping @Sendable (Request, VouchContext) async throws -> Response) {
        added.withLock { $0.append(Route(method: method.rawValue, path: path)) }
        router.on(RouterPath(path), method: method) { request, context in try await handler(request, context) }
    }
}
