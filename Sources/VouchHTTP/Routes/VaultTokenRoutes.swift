// VaultTokenRoutes.swift: Vault's token self-service that clients call after a login:
// lookup-self (counts a use, as any use of a Vault token does), renew-self, revoke-self.
import Foundation
import Hummingbird
import VouchService

extension RouteTable {
    func addVaultTokenRoutes(vouch: Vouch, settings: ServerSettings) {
        @Sendable func token(_ request: Request) throws -> String {
            guard let t = request.presentedToken else { throw ServiceError(.forbidden, "missing_token", "permission denied") }
            return t
        }
        on(.get, "/v1/auth/token/lookup-self") { request, context in
            let r = try vouch.useToken(try token(request), remote: settings.caller(request, context).ip)
            let data: [String: Any] = [
                "accessor": r.accessor, "creation_time": r.createdAt, "creation_ttl": r.ttl, "display_name": r.displayName,
                "entity_id": "", "expire_time": ISO8601DateFormatter.api.string(from: Date(timeIntervalSince1970: TimeInterval(r.expiresAt))),
                "explicit_max_ttl": 0, "id": "", "meta": r.metadata, "num_uses": r.usesLimit == 0 ? 0 : r.usesLimit - r.uses,
                "orphan": true, "path": r.authMethod == "cert" ? "auth/cert/login" : "auth/tls-cert-auth/login",
                "policies": r.policies, "renewable": true, "ttl": vouch.remaining(r), "type": "service",
            ]
            return vault(data: data)
        }
        on(.post, "/v1/auth/token/renew-self") { request, context in
            let t = try token(request)
            let f = try await Fields.read(request, limit: settings.maxBodyBytes)
            try f.only(["increment"])
            let r = try vouch.renewToken(t, increment: try f.duration("increment"), remote: settings.caller(request, context).ip)
            return vault(auth: Self.vaultAuth(t, r.record, leaseDuration: r.expiresIn))
        }
        on(.post, "/v1/auth/token/revoke-self") { request, context in
            try vouch.revokeToken(try token(request), remote: settings.caller(request, context).ip)
            return noContent()
        }
    }
}
