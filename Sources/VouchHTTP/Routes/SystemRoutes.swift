// SystemRoutes.swift: health, Prometheus metrics, the OpenAPI document and the token
// signing key (JWKS).
import Hummingbird
import NIOCore
import VouchService

struct HealthBody: Encodable, Sendable { let status = "ok" }

extension RouteTable {
    func addSystemRoutes(vouch: Vouch) {
        on(.get, "/healthz") { _, _ in json(HealthBody()) }
        on(.get, "/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(string: vouch.metrics.render())))
        }
        on(.get, "/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        on(.get, "/.well-known/jwks.json") { _, _ in json(vouch.jwks) }
    }
}
