// Vouch+AuthMounts.swift: Vault's `sys/auth`: auth methods enabled at paths of their own
// (one jwt mount per issuer, one kubernetes mount per cluster). The default mounts
// (token, cert, jwt, oidc, kubernetes) exist from the start and cannot be disabled.
import Foundation
import VouchCore

extension Vouch {
    /// The types `sys/auth/{path}` enables. cert exists at `cert` only (its roles and CRLs
    /// are the server's one set).
    static let mountableTypes: Set<String> = ["jwt", "oidc", "kubernetes"]
    /// The auth methods attached to identities (Infisical's): their names are the auth
    /// method of the tokens they issue, as a mount's path is of its tokens.
    public static let identityMethods: Set<String> = ["tls-cert-auth", "oidc-auth", "jwt-auth", "kubernetes-auth"]

    /// A mount path as Vault takes it, without its trailing slash: one segment here, with
    /// a role name's characters.
    static func mountPath(_ path: String) throws -> String {
        var p = path
        while p.hasSuffix("/") { p.removeLast() }
        do { return try roleName(p) } catch {
            throw ServiceError.badRequest("invalid_path", "a mount path is one segment of ASCII letters, digits and _, with - and . between them")
        }
    }

    public func mounts() -> [AuthMount] { current.mounts.values.sorted { $0.path < $1.path } }

    public func mount(_ path: String) throws -> AuthMount {
        let p = try Self.mountPath(path)
        guard let m = current.mounts[p] else { throw ServiceError.notFound("mount_not_found", "no auth method is enabled at \(p)/") }
        return m
    }

    /// The mount at `path` that must be of one of `types` (a route's method).
    func mount(_ path: String, types: Set<String>) throws -> AuthMount {
        let m = try mount(path)
        guard types.contains(m.type) else {
            throw ServiceError.notFound("route_not_found", "\(m.path)/ is a \(m.type) mount: no such path on it")
        }
        return m
    }

    public func enableMount(path: String, type: String, description: String, remote: String?) async throws {
        let p = try Self.mountPath(path)
        guard Self.mountableTypes.contains(type) else {
            if type == "cert" || type == "token" {
                throw ServiceError.badRequest("unsupported_mount", "\(type) exists at \(type)/ only")
            }
            throw ServiceError.badRequest("unsupported_mount", "unknown auth method type \"\(type)\" (jwt, oidc and kubernetes can be enabled)")
        }
        // a mount's tokens carry its path as their auth method: an identity method's name
        // would mix its tokens with the identities' (disabling it would revoke theirs)
        guard !Self.identityMethods.contains(p) else {
            throw ServiceError.badRequest("reserved_path", "\(p) is the name of an identity auth method: choose another path")
        }
        guard description.utf8.count <= 1024 else { throw ServiceError.badRequest("invalid_description", "description is at most 1024 bytes") }
        let m = AuthMount(path: p, type: type, description: description,
                          accessor: "auth_\(type)_" + Secrets.random(count: 4).map { String(format: "%02x", $0) }.joined(), uuid: UUID().uuidString.lowercased(),
                          builtin: false)
        let inserted = try await change {
            guard self.current.mounts[p] == nil else { return false }
            // nothing of an earlier mount at this path comes back with the new one
            _ = try await self.store.deleteDocuments(kind: DocumentKind.mountRole, key: p, tokensOf: nil)
            _ = try await self.store.deleteDocuments(kind: DocumentKind.mountConfig, key: p, tokensOf: nil)
            return try await self.store.putDocument(kind: DocumentKind.mount, key: p, Document.encode(m), insert: true)
        }
        guard inserted else { throw ServiceError.badRequest("path_in_use", "path is already in use at \(p)/") }
        adminEvent("enable-auth", subject: p, remote: remote)
    }

    /// Disables a mount: its config and roles are deleted and the tokens it issued revoked.
    public func disableMount(path: String, remote: String?) async throws {
        let p = try Self.mountPath(path)
        guard let m = current.mounts[p] else { return }  // Vault: disabling what is not there succeeds
        guard !m.builtin else { throw ServiceError.badRequest("builtin_mount", "\(p)/ is a default mount and cannot be disabled") }
        _ = try await change {
            _ = try await self.store.deleteDocuments(kind: DocumentKind.mountRole, key: p, tokensOf: (nil, p))
            _ = try await self.store.deleteDocuments(kind: DocumentKind.mountConfig, key: p, tokensOf: nil)
            return try await self.store.deleteDocuments(kind: DocumentKind.mount, key: p, tokensOf: nil)
        }
        adminEvent("disable-auth", subject: p, remote: remote)
    }
}
