// Vouch+VaultKubernetes.swift: Vault's kubernetes auth method at any kubernetes mount:
// `config` (the cluster), named roles (bound service-account names and namespaces, `*`
// allowed; audience; alias name source; token settings) and the login `{role, jwt}`,
// answering with Vault's auth.metadata (role, service account name, namespace, uid).
import Foundation
import VouchCore

/// A kubernetes mount's config write, already decoded.
public struct VaultKubernetesConfigInput: Sendable {
    public var host: String?
    public var caCert: String?
    public var reviewerJWT: String?
    public var pemKeys: [String]?
    public var issuer: String?
    public var disableLocalCAJWT: Bool?
    public var reviewMode: String?
    public var keysFromIssuer: Bool?

    public init() {}
}

/// A kubernetes role write, already decoded (nil keeps a field).
public struct VaultKubernetesRoleInput: Sendable {
    public var names: [String]?
    public var namespaces: [String]?
    public var audience: String?
    public var aliasNameSource: String?
    public var policies: [String]?
    public var ttl: Int?
    public var maxTTL: Int?
    public var numUses: Int?
    public var boundCIDRs: [String]?
    public var tokenType: String?

    public init() {}
}

extension Vouch {
    static let kubernetesMountTypes: Set<String> = ["kubernetes"]

    public func vaultKubernetesConfig(mount path: String) throws -> VaultKubernetesConfig {
        let m = try mount(path, types: Self.kubernetesMountTypes)
        guard let c = current.vaultKubernetes[m.path]?.config else {
            throw ServiceError.notFound("config_not_found", "auth/\(m.path)/config has not been written")
        }
        return c
    }

    public func putVaultKubernetesConfig(mount path: String, _ input: VaultKubernetesConfigInput, remote: String?) async throws {
        let m = try mount(path, types: Self.kubernetesMountTypes)
        // a config write replaces the config (Vault's): the reviewer JWT is kept only when given again
        var config = VaultKubernetesConfig(cluster: KubernetesClusterConfig(), disableLocalCAJWT: input.disableLocalCAJWT ?? false)
        guard let host = input.host, !host.isEmpty else { throw ServiceError.badRequest("missing_field", "no host provided") }
        try apply(cluster: &config.cluster, host: host, ca: input.caCert, reviewerJWT: input.reviewerJWT, pemKeys: input.pemKeys,
                  issuer: input.issuer, keysFromIssuer: input.keysFromIssuer, mode: input.reviewMode, allowHTTP: nil,
                  fields: ("kubernetes_host", "kubernetes_ca_cert", "token_reviewer_jwt", "pem_keys"))
        let written = config
        _ = try await change {
            _ = try self.mount(m.path, types: Self.kubernetesMountTypes)  // still there, under the change lock
            return try await self.store.putDocument(kind: DocumentKind.mountConfig, key: m.path, Document.encode(written), insert: false)
        }
        adminEvent("write-kubernetes-config", subject: m.path, remote: remote)
    }

    public func vaultKubernetesRole(mount path: String, _ name: String) throws -> VaultKubernetesRole {
        let m = try mount(path, types: Self.kubernetesMountTypes)
        let n = name.lowercased()
        guard let r = current.vaultKubernetes[m.path]?.roles[n] else { throw ServiceError.notFound("role_not_found", "role \"\(n)\" could not be found") }
        return r
    }

    public func vaultKubernetesRoleNames(mount path: String) throws -> [String] {
        let m = try mount(path, types: Self.kubernetesMountTypes)
        return (current.vaultKubernetes[m.path]?.roles.keys).map { $0.sorted() } ?? []
    }

    public func putVaultKubernetesRole(mount path: String, _ name: String, _ input: VaultKubernetesRoleInput, remote: String?) async throws {
        let m = try mount(path, types: Self.kubernetesMountTypes)
        let n = try Self.roleName(name)
        var role = current.vaultKubernetes[m.path]?.roles[n] ?? VaultKubernetesRole(
            name: n, rules: ServiceAccountRules(), aliasNameSource: "serviceaccount_uid", policies: [],
            token: TokenSettings(ttl: Self.vaultDefaultTTL, maxTTL: Self.vaultDefaultTTL), tokenType: "default")
        if let v = input.names { role.rules.names = NamePolicy.list(v) }
        if let v = input.namespaces { role.rules.namespaces = NamePolicy.list(v) }
        guard !role.rules.names.isEmpty else {
            throw ServiceError.badRequest("missing_field", "\"bound_service_account_names\" can not be empty")
        }
        guard !role.rules.namespaces.isEmpty else {
            throw ServiceError.badRequest("missing_field", "\"bound_service_account_namespaces\" can not be empty")
        }
        guard role.rules.names.count <= Self.maxBoundItems, role.rules.namespaces.count <= Self.maxBoundItems else {
            throw ServiceError.badRequest("invalid_allowed_names", "at most \(Self.maxBoundItems) names and namespaces")
        }
        // Vault: "*" alone matches any; here every entry is a glob, "*" among them
        if let v = input.audience { role.rules.audience = v }
        if let v = input.aliasNameSource {
            guard ["serviceaccount_uid", "serviceaccount_name", ""].contains(v) else {
                throw ServiceError.badRequest("invalid_alias_name_source", "alias_name_source is serviceaccount_uid or serviceaccount_name")
            }
            role.aliasNameSource = v.isEmpty ? "serviceaccount_uid" : v
        }
        if let v = input.policies { role.policies = try Self.validPolicies(v) }
        try Self.applyVaultTokenFields(ttl: input.ttl, maxTTL: input.maxTTL, numUses: input.numUses, boundCIDRs: input.boundCIDRs,
                                       tokenType: input.tokenType, to: &role.token, tokenType: &role.tokenType)
        let written = role
        _ = try await change {
            _ = try self.mount(m.path, types: Self.kubernetesMountTypes)  // still there, under the change lock
            return try await self.store.putDocument(kind: DocumentKind.mountRole, key: m.path + "/" + n, Document.encode(written), insert: false)
        }
        adminEvent("write-kubernetes-role", subject: m.path + "/" + n, remote: remote)
    }

    public func deleteVaultKubernetesRole(mount path: String, _ name: String, remote: String?) async throws {
        let m = try mount(path, types: Self.kubernetesMountTypes)
        let n = name.lowercased()
        _ = try await change {
            _ = try self.mount(m.path, types: Self.kubernetesMountTypes)
            return try await self.store.deleteDocuments(kind: DocumentKind.mountRole, key: m.path + "/" + n, tokensOf: nil)
        }
        adminEvent("delete-kubernetes-role", subject: m.path + "/" + n, remote: remote)
    }

    /// A Vault kubernetes login at `mount` with `role`.
    public func loginVaultKubernetes(mount path: String, role roleName: String?, jwt: String, remote: String) async throws -> MountLoginResult {
        let started = DispatchTime.now().uptimeNanoseconds
        defer { observeLogin("kubernetes", since: started) }
        let m = try mount(path, types: Self.kubernetesMountTypes)
        func refuse(_ r: LoginRefusal, subject: String?, message: String? = nil) -> ServiceError {
            audit.record(.init(type: "login", action: m.path, outcome: "refused", remote: remote, subject: subject, code: r.code, reason: r.detail))
            metrics.increment("vouch_logins_total", [("method", "kubernetes"), ("outcome", "refused")])
            let kind: ServiceError.Kind = r.kind == .unavailable ? .unavailable : r.kind == .forbidden ? .forbidden : .badRequest
            return ServiceError(kind, r.code, message ?? Self.loginMessages[r.code] ?? "permission denied", detail: r.detail)
        }
        let snap: ConfigSnapshot
        do { snap = try liveSnapshot() } catch {
            throw refuse(LoginRefusal("configuration_unavailable", "the configuration is being reloaded", .unavailable), subject: nil)
        }
        guard let n = roleName?.lowercased(), !n.isEmpty else {
            throw refuse(LoginRefusal("missing_role", "no role given"), subject: nil, message: "missing role")
        }
        guard let mount = snap.vaultKubernetes[m.path], mount.config != nil else {
            throw refuse(LoginRefusal("config_not_found", "auth/\(m.path)/config has not been written"), subject: n,
                         message: "could not load backend configuration")
        }
        guard let role = mount.roles[n], let check = mount.check(role) else {
            throw refuse(LoginRefusal("role_not_found", "no role \(n) at \(m.path)/"), subject: n, message: "invalid role name \"\(n)\"")
        }
        guard !jwt.isEmpty else { throw refuse(LoginRefusal("missing_jwt", "no jwt"), subject: n, message: "missing jwt") }
        guard CIDR.anyContains(role.token.trustedIPs, remote) else {
            throw refuse(LoginRefusal("ip_not_trusted", "\(remote) is outside token_bound_cidrs", .forbidden), subject: n,
                         message: "permission denied")
        }
        let passed: KubernetesCheck.Passed
        do { passed = try await check.check(jwt, at: now()) } catch { throw refuse(error, subject: n) }
        let a = passed.account
        let metadata = ["role": n, "service_account_name": a.name, "service_account_namespace": a.namespace,
                        "service_account_uid": a.uid, "service_account_secret_name": a.secretName]
        let login = try await issue(
            subject: m.path + "/" + n, method: m.path, displayName: "\(m.path)-\(a.namespace)-\(a.name)", policies: role.policies,
            metadata: metadata, settings: role.token, identityId: nil)
        var extra = ["service_account": "\(a.namespace)/\(a.name)",
                     "alias": role.aliasNameSource == "serviceaccount_name" ? "\(a.namespace)/\(a.name)" : a.uid]
        if let s = passed.stale { extra["keys"] = s }
        audit.record(.init(type: "login", action: m.path, outcome: "allowed", remote: remote, subject: n,
                           accessor: login.record.accessor, extra: extra))
        metrics.increment("vouch_logins_total", [("method", "kubernetes"), ("outcome", "allowed")])
        return MountLoginResult(login: login, metadata: metadata)
    }
}
