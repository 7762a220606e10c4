// TokenRoutes.swift: /api/v1/auth/token: renew and revoke (Infisical's shapes), and
// introspect: the holder presents the token (Bearer), it is checked and a use counted.
import Foundation
import Hummingbird
import VouchService

/// POST /api/v1/auth/token/renew and /revoke
struct AccessTokenRequest: Decodable, Sendable { let accessToken: String }

struct MessageBody: Encodable, Sendable { let message: String }

/// POST /api/v1/auth/token/introspect
struct IntrospectionBody: Encodable, Sendable {
    let active = true
    let subject: String
    let authMethod: String
    let policies: [String]
    let metadata: [String: String]
    let expiresIn: Int
    let accessTokenMaxTTL: Int
    let numUses: Int
    let accessTokenNumUsesLimit: Int
    let identityId: String?  // for tokens of identities' auth methods
}

extension RouteTable {
    func addTokenRoutes(vouch: Vouch, settings: ServerSettings) {
        on(.post, "/api/v1/auth/token/renew") { request, context in
            let body = try await request.decode(AccessTokenRequest.self, limit: settings.maxBodyBytes)
            return json(LoginBody(try await vouch.renewToken(body.accessToken, remote: settings.caller(request, context).ip)))
        }
        on(.post, "/api/v1/auth/token/revoke") { request, context in
            let body = try await request.decode(AccessTokenRequest.self, limit: settings.maxBodyBytes)
            try await vouch.revokeToken(body.accessToken, remote: settings.caller(request, context).ip)
            return json(MessageBody(message: "Successfully revoked access token"))
        }
        on(.post, "/api/v1/auth/token/introspect") { request, context in
            guard let token = request.presentedToken else {
                throw ServiceError(.unauthorized, "missing_token", "present the access token as Authorization: Bearer")
            }
            let r = try await token.explained { try await vouch.useToken($0, remote: settings.caller(request, context).ip) }
            return json(IntrospectionBody(
                subject: r.subject, authMethod: r.authMethod, policies: r.policies, metadata: r.metadata,
                expiresIn: vouch.remaining(r), accessTokenMaxTTL: Int(r.maxExpiresAt - r.createdAt), numUses: r.uses,
                accessTokenNumUsesLimit: r.usesLimit, identityId: Vouch.identityMethods.contains(r.authMethod) ? r.subject : nil))
        }
    }
}
