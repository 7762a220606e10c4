// IdentityRoutes.swift: /api/v1/identities (Infisical's shapes), admin token required.
import Foundation
import Hummingbird
import VouchService

extension Identity {
    func json(authMethods: [String]) -> [String: Any] {
        ["id": id, "name": name, "role": role, "policies": policies, "authMethods": authMethods,
         "createdAt": ISO8601DateFormatter.api.string(from: createdAt), "updatedAt": ISO8601DateFormatter.api.string(from: updatedAt)]
    }
}

extension ISO8601DateFormatter {
    nonisolated(unsafe) static let api: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f
    }()
}

extension RouteTable {
    func addIdentityRoutes(vouch: Vouch, settings: ServerSettings) {
        on(.post, "/api/v1/identities") { request, context in
            try vouch.requireAdmin(request)
            let f = try await Fields.read(request, limit: settings.maxBodyBytes)
            try f.only(["name", "role", "policies", "organizationId"])
            guard let name = try f.string("name") else { throw ServiceError.badRequest("missing_field", "name is required") }
            _ = try f.string("organizationId")  // Infisical's; one organization here
            let i = try vouch.createIdentity(name: name, role: try f.string("role"), policies: try f.strings("policies"),
                                             remote: settings.caller(request, context).ip)
            return json(["identity": i.json(authMethods: [])])
        }
        on(.get, "/api/v1/identities") { request, _ in
            try vouch.requireAdmin(request)
            return json(["identities": try vouch.identities().map { $0.json(authMethods: vouch.authMethods(of: $0.id)) }])
        }
        on(.get, "/api/v1/identities/{identityId}") { request, context in
            try vouch.requireAdmin(request)
            let i = try vouch.identity(context.parameters.require("identityId"))
            return json(["identity": i.json(authMethods: vouch.authMethods(of: i.id))])
        }
        on(.patch, "/api/v1/identities/{identityId}") { request, context in
            try vouch.requireAdmin(request)
            let f = try await Fields.read(request, limit: settings.maxBodyBytes)
            try f.only(["name", "role", "policies"])
            let i = try vouch.updateIdentity(
                context.parameters.require("identityId"), name: try f.string("name"), role: try f.string("role"),
                policies: try f.strings("policies"), remote: settings.caller(request, context).ip)
            return json(["identity": i.json(authMethods: vouch.authMethods(of: i.id))])
        }
        on(.delete, "/api/v1/identities/{identityId}") { request, context in
            try vouch.requireAdmin(request)
            let i = try vouch.deleteIdentity(context.parameters.require("identityId"), remote: settings.caller(request, context).ip)
            return json(["identity": i.json(authMethods: [])])
        }
    }
}
