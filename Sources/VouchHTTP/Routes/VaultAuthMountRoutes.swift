// VaultAuthMountRoutes.swift: Vault's `sys/auth` (enable, list, read, disable auth
// methods at paths of their own) and the routes every mount answers,
// /v1/auth/{mount}/config, /role/{name}, /role (list) and /login, handed to the method
// the mount is of (bodies in VaultJWTRoutes and VaultKubernetesRoutes).
import Foundation
import Hummingbird
import VouchService

/// POST /v1/sys/auth/{path}: what hvac's sys.enable_auth_method sends.
struct EnableAuthRequest: Decodable, Sendable {
    struct Config: Decodable, Sendable {
        let default_lease_ttl: VaultDuration?
        let max_lease_ttl: VaultDuration?
        let listing_visibility: String?
    }
    let type: String
    let description: String?
    let config: Config?
    let plugin_name: String?
    let local: Bool?
    let seal_wrap: Bool?
}

/// One mount as `sys/auth` shows it.
struct AuthMountInfo: Encodable, Sendable {
    struct Config: Encodable, Sendable {
        let default_lease_ttl = 0
        let max_lease_ttl = 0
        let force_no_cache = false
        let token_type = "default-service"
    }
    let type: String
    let description: String
    let accessor: String
    let uuid: String
    let config = Config()
    let local = false
    let seal_wrap = false
    let external_entropy_access = false
    let options = Nullable<None>(nil)
    let plugin_version = ""
    let running_plugin_version = ""

    init(_ m: AuthMount) {
        type = m.type
        description = m.description
        accessor = m.accessor
        uuid = m.uuid
    }
}

/// GET /v1/sys/auth: the mounts by "path/", at the top level and under data, as Vault answers.
struct AuthMountList: Encodable, Sendable {
    let mounts: [(String, AuthMountInfo)]
    let inner: VaultResponse<[String: AuthMountInfo], None>

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: Encoder) throws {
        try inner.encode(to: encoder)
        var c = encoder.container(keyedBy: Key.self)
        for (k, v) in mounts { try c.encode(v, forKey: Key(stringValue: k)) }
    }
}

extension RouteTable {
    func addVaultAuthMountRoutes(vouch: Vouch, settings: ServerSettings) {
        on(.get, "/v1/sys/auth") { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            let mounts = vouch.mounts().map { ($0.path + "/", AuthMountInfo($0)) }
            return json(AuthMountList(mounts: mounts, inner: vault(data: Dictionary(mounts, uniquingKeysWith: { a, _ in a }))))
        }
        let enable = { @Sendable (request: Request, context: VouchContext) async throws -> Response in
            try vouch.requireAdmin(request, context, settings: settings)
            let body = try await request.decode(EnableAuthRequest.self, limit: settings.maxBodyBytes)
            if let p = body.plugin_name, !p.isEmpty, p != body.type {
                throw ServiceError.badRequest("unsupported_field", "plugin_name: external plugins are not supported")
            }
            // a mount's lease limits would bound its tokens: not silently dropped
            if let c = body.config {
                for (field, v) in [("default_lease_ttl", c.default_lease_ttl), ("max_lease_ttl", c.max_lease_ttl)] where (v?.seconds ?? 0) != 0 {
                    throw ServiceError.badRequest("unsupported_field", "config.\(field) is not supported: set token_ttl / token_max_ttl on the roles")
                }
                if let l = c.listing_visibility, !["", "hidden"].contains(l) {
                    throw ServiceError.badRequest("unsupported_field", "config.listing_visibility \"\(l)\" is not supported")
                }
            }
            try await vouch.enableMount(path: context.parameters.require("path"), type: body.type, description: body.description ?? "",
                                        remote: settings.caller(request, context).ip)
            return noContent()
        }
        on(.post, "/v1/sys/auth/{path}", enable)
        on(.put, "/v1/sys/auth/{path}", enable)
        on(.get, "/v1/sys/auth/{path}") { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            return json(vault(data: AuthMountInfo(try vouch.mount(context.parameters.require("path")))))
        }
        on(.delete, "/v1/sys/auth/{path}") { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            try await vouch.disableMount(path: context.parameters.require("path"), remote: settings.caller(request, context).ip)
            return noContent()
        }

        // the routes of every mount, by the mount's type
        let mountBase = "/v1/auth/{mount}"
        let writeConfig = { @Sendable (request: Request, context: VouchContext) async throws -> Response in
            try vouch.requireAdmin(request, context, settings: settings)
            let m = try vouch.mount(context.parameters.require("mount"))
            let remote = settings.caller(request, context).ip
            switch m.type {
            case "jwt", "oidc":
                let body = try await request.decode(VaultJWTConfigRequest.self, limit: settings.maxBodyBytes)
                try await vouch.putVaultJWTConfig(mount: m.path, try body.input(), remote: remote)
            case "kubernetes":
                let body = try await request.decode(VaultKubernetesConfigRequest.self, limit: settings.maxBodyBytes)
                try await vouch.putVaultKubernetesConfig(mount: m.path, try body.input(), remote: remote)
            default: throw Self.noRoute(m)
            }
            return noContent()
        }
        on(.post, mountBase + "/config", writeConfig)
        on(.put, mountBase + "/config", writeConfig)
        on(.get, mountBase + "/config") { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            let m = try vouch.mount(context.parameters.require("mount"))
            switch m.type {
            case "jwt", "oidc": return json(vault(data: VaultJWTConfigData(try vouch.vaultJWTConfig(mount: m.path))))
            case "kubernetes": return json(vault(data: VaultKubernetesConfigData(try vouch.vaultKubernetesConfig(mount: m.path))))
            default: throw Self.noRoute(m)
            }
        }
        let writeRole = { @Sendable (request: Request, context: VouchContext) async throws -> Response in
            try vouch.requireAdmin(request, context, settings: settings)
            let m = try vouch.mount(context.parameters.require("mount"))
            let name = try context.parameters.require("name")
            let remote = settings.caller(request, context).ip
            switch m.type {
            case "jwt", "oidc":
                let body = try await request.decode(VaultJWTRoleRequest.self, limit: settings.maxBodyBytes)
                try await vouch.putVaultJWTRole(mount: m.path, name, try body.input(), remote: remote)
            case "kubernetes":
                let body = try await request.decode(VaultKubernetesRoleRequest.self, limit: settings.maxBodyBytes)
                try await vouch.putVaultKubernetesRole(mount: m.path, name, try body.input(), remote: remote)
            default: throw Self.noRoute(m)
            }
            return noContent()
        }
        on(.post, mountBase + "/role/{name}", writeRole)
        on(.put, mountBase + "/role/{name}", writeRole)
        on(.get, mountBase + "/role/{name}") { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            let m = try vouch.mount(context.parameters.require("mount"))
            let name = try context.parameters.require("name")
            switch m.type {
            case "jwt", "oidc": return json(vault(data: VaultJWTRoleData(try vouch.vaultJWTRole(mount: m.path, name))))
            case "kubernetes": return json(vault(data: VaultKubernetesRoleData(try vouch.vaultKubernetesRole(mount: m.path, name))))
            default: throw Self.noRoute(m)
            }
        }
        on(.delete, mountBase + "/role/{name}") { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            let m = try vouch.mount(context.parameters.require("mount"))
            let name = try context.parameters.require("name")
            switch m.type {
            case "jwt", "oidc": try await vouch.deleteVaultJWTRole(mount: m.path, name, remote: settings.caller(request, context).ip)
            case "kubernetes": try await vouch.deleteVaultKubernetesRole(mount: m.path, name, remote: settings.caller(request, context).ip)
            default: throw Self.noRoute(m)
            }
            return noContent()
        }
        on(.get, mountBase + "/role") { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            try Self.requireList(request)
            let m = try vouch.mount(context.parameters.require("mount"))
            let names: [String]
            switch m.type {
            case "jwt", "oidc": names = try vouch.vaultJWTRoleNames(mount: m.path)
            case "kubernetes": names = try vouch.vaultKubernetesRoleNames(mount: m.path)
            default: throw Self.noRoute(m)
            }
            if names.isEmpty { throw ServiceError.notFound("no_roles", "no roles at \(m.path)/") }
            return json(vault(data: VaultKeys(keys: names)))
        }
        let login = { @Sendable (request: Request, context: VouchContext) async throws -> Response in
            let m = try vouch.mount(context.parameters.require("mount"))
            let caller = settings.caller(request, context)
            switch m.type {
            case "jwt", "oidc":
                let body = try await request.decode(VaultLoginRequest.self, limit: settings.maxBodyBytes)
                let r = try await vouch.loginVaultJWT(mount: m.path, role: body.role, jwt: body.jwt ?? "", remote: caller.ip)
                return json(vault(auth: VaultAuth(r.login.accessToken, r.login.record, leaseDuration: r.login.expiresIn)))
            case "kubernetes":
                let body = try await request.decode(VaultLoginRequest.self, limit: settings.maxBodyBytes)
                let r = try await vouch.loginVaultKubernetes(mount: m.path, role: body.role, jwt: body.jwt ?? "", remote: caller.ip)
                return json(vault(auth: VaultAuth(r.login.accessToken, r.login.record, leaseDuration: r.login.expiresIn)))
            default: throw Self.noRoute(m)
            }
        }
        on(.post, mountBase + "/login", login)
        on(.put, mountBase + "/login", login)
    }

    static func noRoute(_ m: AuthMount) -> ServiceError {
        ServiceError.notFound("route_not_found", "\(m.path)/ is a \(m.type) mount: no such path on it")
    }
}

/// POST /v1/auth/{mount}/login: `{role, jwt}` for jwt and kubernetes mounts.
struct VaultLoginRequest: Decodable, Sendable {
    let role: String?
    let jwt: String?
}
