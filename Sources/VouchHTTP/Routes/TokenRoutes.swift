// TokenRoutes.swift: /api/v1/auth/token: renew and revoke (Infisical's shapes), and
// introspect: the holder presents the token (Bearer), it is checked and a use counted.
import Foundation
import Hummingbird
import VouchService

extension RouteTable {
    func addTokenRoutes(vouch: Vouch, settings: ServerSettings) {
        @Sendable func tokenField(_ request: Request) async throws -> String {
            let f = try await Fields.read(request, limit: settings.maxBodyBytes)
            try f.only(["accessToken"])
            guard let t = try f.string("accessToken") else { throw ServiceError.badRequest("missing_field", "accessToken is required") }
            return t
        }
        on(.post, "/api/v1/auth/token/renew") { request, context in
            let token = try await tokenField(request)
            return json(try vouch.renewToken(token, remote: settings.caller(request, context).ip).json)
        }
        on(.post, "/api/v1/auth/token/revoke") { request, context in
            let token = try await tokenField(request)
            try vouch.revokeToken(token, remote: settings.caller(request, context).ip)
            return json(["message": "Successfully revoked access token"])
        }
        on(.post, "/api/v1/auth/token/introspect") { request, context in
            guard let token = request.presentedToken else {
                throw ServiceError(.unauthorized, "missing_token", "present the access token as Authorization: Bearer")
            }
            let r = try vouch.useToken(token, remote: settings.caller(request, context).ip)
            var body: [String: Any] = [
                "active": true, "subject": r.subject, "authMethod": r.authMethod, "policies": r.policies,
                "metadata": r.metadata, "expiresIn": vouch.remaining(r), "accessTokenMaxTTL": Int(r.maxExpiresAt - r.createdAt),
                "numUses": r.uses, "accessTokenNumUsesLimit": r.usesLimit,
            ]
            if r.authMethod == "tls-cert-auth" { body["identityId"] = r.subject }
            return json(body)
        }
    }
}
