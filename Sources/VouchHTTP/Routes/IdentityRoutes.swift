// IdentityRoutes.swift: /api/v1/identities (Infisical's shapes), admin token required.
import Foundation
import Hummingbird
import VouchService

/// An identity as the API shows it.
struct IdentityBody: Encodable, Sendable {
    let id: String
    let name: String
    let role: String
    let policies: [String]
    let authMethods: [String]
    let createdAt: String
    let updatedAt: String

    init(_ i: Identity, authMethods: [String]) {
        id = i.id
        name = i.name
        role = i.role
        policies = i.policies
        self.authMethods = authMethods
        createdAt = ISO8601DateFormatter.api.string(from: i.createdAt)
        updatedAt = ISO8601DateFormatter.api.string(from: i.updatedAt)
    }
}

struct IdentityEnvelope: Encodable, Sendable { let identity: IdentityBody }
struct IdentityList: Encodable, Sendable { let identities: [IdentityBody] }

/// POST /api/v1/identities
struct CreateIdentityRequest: Decodable, Sendable {
    let name: String
    let role: String?
    let policies: VaultList?
    let organizationId: String?  // Infisical's; one organization here
}

/// PATCH /api/v1/identities/{identityId}
struct UpdateIdentityRequest: Decodable, Sendable {
    let name: String?
    let role: String?
    let policies: VaultList?
}

extension RouteTable {
    func addIdentityRoutes(vouch: Vouch, settings: ServerSettings) {
        on(.post, "/api/v1/identities") { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            let body = try await request.decode(CreateIdentityRequest.self, limit: settings.maxBodyBytes)
            let i = try await vouch.createIdentity(name: body.name, role: body.role, policies: body.policies?.items,
                                                   remote: settings.caller(request, context).ip)
            return json(IdentityEnvelope(identity: IdentityBody(i, authMethods: [])))
        }
        on(.get, "/api/v1/identities") { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            return json(IdentityList(identities: try await vouch.identities().map { IdentityBody($0, authMethods: vouch.authMethods(of: $0.id)) }))
        }
        on(.get, "/api/v1/identities/{identityId}") { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            let i = try await vouch.identity(context.parameters.require("identityId"))
            return json(IdentityEnvelope(identity: IdentityBody(i, authMethods: vouch.authMethods(of: i.id))))
        }
        on(.patch, "/api/v1/identities/{identityId}") { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            let body = try await request.decode(UpdateIdentityRequest.self, limit: settings.maxBodyBytes)
            let i = try await vouch.updateIdentity(
                context.parameters.require("identityId"), name: body.name, role: body.role, policies: body.policies?.items,
                remote: settings.caller(request, context).ip)
            return json(IdentityEnvelope(identity: IdentityBody(i, authMethods: vouch.authMethods(of: i.id))))
        }
        on(.delete, "/api/v1/identities/{identityId}") { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            let i = try await vouch.deleteIdentity(context.parameters.require("identityId"), remote: settings.caller(request, context).ip)
            return json(IdentityEnvelope(identity: IdentityBody(i, authMethods: [])))
        }
    }
}
