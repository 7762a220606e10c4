// VaultTokenRoutes.swift: Vault's token self-service that clients call after a login:
// lookup-self (counts a use, as any use of a Vault token does), renew-self, revoke-self.
import Foundation
import Hummingbird
import VouchService

/// GET /v1/auth/token/lookup-self
struct TokenLookupData: Encodable, Sendable {
    let accessor: String
    let creation_time: Int64
    let creation_ttl: Int
    let display_name: String
    let entity_id = ""
    let expire_time: String
    let explicit_max_ttl = 0
    let id = ""
    let meta: [String: String]
    let num_uses: Int
    let orphan = true
    let path: String
    let policies: [String]
    let renewable = true
    let ttl: Int
    let type = "service"
}

/// POST /v1/auth/token/renew-self
struct RenewSelfRequest: Decodable, Sendable { let increment: VaultDuration? }

extension RouteTable {
    func addVaultTokenRoutes(vouch: Vouch, settings: ServerSettings) {
        @Sendable func token(_ request: Request) throws -> PresentedToken {
            guard let t = request.presentedToken else { throw ServiceError(.forbidden, "missing_token", "permission denied") }
            return t
        }
        on(.get, "/v1/auth/token/lookup-self") { request, context in
            let r = try await token(request).explained { try await vouch.useToken($0, remote: settings.caller(request, context).ip) }
            return json(vault(data: TokenLookupData(
                accessor: r.accessor, creation_time: r.createdAt, creation_ttl: r.ttl, display_name: r.displayName,
                expire_time: ISO8601DateFormatter.api.string(from: Date(timeIntervalSince1970: TimeInterval(r.expiresAt))),
                meta: r.metadata, num_uses: r.usesLimit == 0 ? 0 : r.usesLimit - r.uses,
                path: "auth/\(r.authMethod)/login", policies: r.policies,
                ttl: vouch.remaining(r))))
        }
        on(.post, "/v1/auth/token/renew-self") { request, context in
            let t = try token(request)
            let body = try await request.decode(RenewSelfRequest.self, limit: settings.maxBodyBytes)
            let r = try await t.explained {
                try await vouch.renewToken($0, increment: body.increment?.seconds, remote: settings.caller(request, context).ip)
            }
            return json(vault(auth: VaultAuth(t.value, r.record, leaseDuration: r.expiresIn)))
        }
        on(.post, "/v1/auth/token/revoke-self") { request, context in
            try await token(request).explained { try await vouch.revokeToken($0, remote: settings.caller(request, context).ip) }
            return noContent()
        }
    }
}
