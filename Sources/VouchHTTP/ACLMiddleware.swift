// ACLMiddleware.swift: every /v1/ call is checked against the caller's policies before its
// route runs: the path below /v1/ and the capability its method asks (GET read, GET with
// list=true or LIST list, DELETE delete, POST/PUT create or update by Vault's existence
// check, PATCH patch; sudo as well on sys/auth writes, as Vault's root-protected paths).
// The admin token is root. Calls with no token to check pass through: logins, a CA's
// public key and KRL, and the token's own lookup, renewal and revocation (which the
// default policy grants and whose routes check the token themselves).
import Foundation
import HTTPTypes
import Hummingbird
import VouchService

struct ACLMiddleware: RouterMiddleware {
    typealias Context = VouchContext
    let vouch: Vouch
    let settings: ServerSettings

    /// Paths below /v1/ served without a policy check.
    static func isOpen(_ segments: [Substring]) -> Bool {
        switch segments.count {
        case 2: return segments[1] == "public_key" || segments[1] == "krl"
        case 3:
            if segments[0] == "auth" && segments[2] == "login" { return true }
            return segments[0] == "auth" && segments[1] == "token" && ["lookup-self", "renew-self", "revoke-self"].contains(segments[2])
        default: return false
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let full = request.uri.path
        guard full.hasPrefix("/v1/") else { return try await next(request, context) }
        let path = String(full.dropFirst(4))
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        if Self.isOpen(segments) { return try await next(request, context) }
        let capability: Capability
        switch request.method {
        case .get, .head: capability = request.uri.queryParameters.get("list") == "true" ? .list : .read
        case .delete: capability = .delete
        case .patch: capability = .patch
        default: capability = vouch.writeCapability(path)
        }
        let sudo = segments.first == "sys" && segments.dropFirst().first == "auth" && segments.count > 2 && capability != .read
        let remote = settings.caller(request, context).ip
        guard let token = request.presentedToken else {
            vouch.audit.record(.init(type: "acl", action: "\(capability.rawValue) \(path)", outcome: "refused", remote: remote,
                                     code: "missing_token"))
            throw ServiceError(.forbidden, "missing_token", "permission denied: this call needs a token (X-Vault-Token)")
        }
        var ctx = context
        ctx.holder = try await token.explained {
            try await vouch.authorize(token: $0, path: path, capability, sudo: sudo, remote: remote)
        }
        return try await next(request, ctx)
    }
}
