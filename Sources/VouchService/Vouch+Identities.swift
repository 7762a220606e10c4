// Vouch+Identities.swift: creating, reading, listing, updating and deleting identities.
import Foundation

extension Vouch {
    static func validName(_ name: String, what: String) throws -> String {
        let n = name.trimmingCharacters(in: .whitespaces)
        guard (1...64).contains(n.utf8.count),
              n.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || "-_. ".unicodeScalars.contains($0) })
        else {
            throw ServiceError.badRequest("invalid_name", "\(what) must be 1 to 64 letters, digits, spaces or -_.")
        }
        return n
    }

    static func validPolicies(_ policies: [String]) throws -> [String] {
        let list = NamePolicy.list(policies)
        guard list.count <= 64, list.allSatisfy({ $0.utf8.count <= 128 }) else {
            throw ServiceError.badRequest("invalid_policies", "at most 64 policies of at most 128 bytes each")
        }
        // as Vault: "auth methods cannot create root tokens" (the admin token is the only root)
        guard !list.contains(where: { $0.trimmingCharacters(in: .whitespaces).lowercased() == "root" }) else {
            throw ServiceError.badRequest("invalid_policies", "the root policy cannot be granted by a login (the admin token is root)")
        }
        return list
    }

    public func createIdentity(name: String, role: String?, policies: [String]?, remote: String?) async throws -> Identity {
        let now = Date(timeIntervalSince1970: TimeInterval(self.now()))
        let identity = Identity(
            id: UUID().uuidString.lowercased(), name: try Self.validName(name, what: "name"),
            role: try Self.validName(role ?? "no-access", what: "role"), policies: try Self.validPolicies(policies ?? []),
            createdAt: now, updatedAt: now)
        try await store.insertIdentity(identity)
        adminEvent("create-identity", subject: identity.id, remote: remote)
        return identity
    }

    public func identity(_ id: String) async throws -> Identity {
        guard let i = try await store.identity(id) else { throw ServiceError.notFound("identity_not_found", "no identity \(id)") }
        return i
    }

    public func identities() async throws -> [Identity] { try await store.identities() }

    public func updateIdentity(_ id: String, name: String?, role: String?, policies: [String]?, remote: String?) async throws
        -> Identity
    {
        var i = try await identity(id)
        if let name { i.name = try Self.validName(name, what: "name") }
        if let role { i.role = try Self.validName(role, what: "role") }
        if let policies { i.policies = try Self.validPolicies(policies) }
        i.updatedAt = Date(timeIntervalSince1970: TimeInterval(now()))
        let updated = i
        try await change { try await self.store.updateIdentity(updated) }  // logins carry the identity's name and policies
        adminEvent("update-identity", subject: id, remote: remote)
        return i
    }

    /// Deletes the identity, its auth methods and its tokens.
    public func deleteIdentity(_ id: String, remote: String?) async throws -> Identity {
        let i = try await identity(id)
        _ = try await change { try await self.store.deleteIdentity(id) }
        adminEvent("delete-identity", subject: id, remote: remote)
        return i
    }

    /// Auth methods attached to an identity (Infisical's authMethods).
    public func authMethods(of id: String) -> [String] {
        let c = current
        return (c.tlsAuth[id] != nil ? ["tls-cert-auth"] : [])
            + (c.identityKubernetes[id] != nil ? ["kubernetes-auth"] : [])
            + [IdentityJWTAuth.Method.oidc, .jwt].map(\.rawValue).filter { c.identityJWT[$0 + "/" + id] != nil }
    }
}
