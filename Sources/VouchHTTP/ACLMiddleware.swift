// ACLMiddleware.swift: every /v1/ call is checked against the caller's policies before its
// route runs: the path below /v1/ and the capability its method asks (GET read, GET with
// list=true or LIST list, DELETE delete, POST/PUT create or update by Vault's existence
// check, PATCH patch; sudo as well on sys/auth/{path}, as Vault's root-protected paths),
// in the form the service acts on (Vouch.aclPath: lower-cased); a /v1/ path spelled with
// empty segments is refused before routing.
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
        // the router drops empty segments ("//v1//x/" routes as "/v1/x"): judge the path as it does
        let all = full.split(separator: "/", omittingEmptySubsequences: true)
        guard all.first == "v1" else { return try await next(request, context) }
        // ...and refuse any other spelling of a /v1/ path than the plain one (one trailing /, as
        // Vault's clients may list with, is checked as the path without it), before routing
        let plain = "/" + all.joined(separator: "/")
        guard full == plain || full == plain + "/" else {
            throw ServiceError.notFound("route_not_found", "no such path: \(full.prefix(200)) (a /v1/ path has no empty segments)")
        }
        let segments = Array(all.dropFirst())
        let path = segments.joined(separator: "/")
        if Self.isOpen(segments) { return try await next(request, context) }
        let capability: Capability
        switch request.method {
        case .get, .head: capability = request.uri.queryParameters.get("list") == "true" ? .list : .read
        case .delete: capability = .delete
        case .patch: capability = .patch
        default: capability = vouch.writeCapability(path)
        }
        // Vault's root-protected paths: sys/auth/{path}, every operation
        let sudo = segments.count > 2 && segments[0] == "sys" && segments[1] == "auth"
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
