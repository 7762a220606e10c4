// Vouch+KubernetesAuth.swift: Kubernetes auth attached to identities (Infisical's shapes)
// and its login: a service-account JWT checked locally (keys, names, namespaces), then by
// the cluster's TokenReview (or by the local checks alone in mode local), a token issued.
import Foundation
import VouchCore

/// The settable fields of an identity's Kubernetes auth; nil leaves a field as it is.
public struct KubernetesAuthInput: Sendable {
    public var kubernetesHost: String?
    public var caCert: String?
    public var tokenReviewerJwt: String?
    public var allowedNamespaces: String?
    public var allowedNames: String?
    public var allowedAudience: String?
    public var tokenReviewMode: String?
    // Vouch's: local keys
    public var pemKeys: [String]?
    public var issuer: String?
    public var keysFromIssuer: Bool?
    public var allowInsecureHTTP: Bool?
    public var accessTokenTTL: Int?
    public var accessTokenMaxTTL: Int?
    public var accessTokenNumUsesLimit: Int?
    public var accessTokenTrustedIps: [String]?

    public init() {}
}

extension Vouch {
    static let reviewerContext = "kubernetes-reviewer-jwt"

    /// Applies the cluster fields shared by Infisical's and Vault's shapes.
    func apply(cluster c: inout KubernetesClusterConfig, host: String?, ca: String?, reviewerJWT: String?, pemKeys: [String]?,
               issuer: String?, keysFromIssuer: Bool?, mode: String?, allowHTTP: Bool?, fields: (host: String, ca: String, jwt: String, keys: String))
        throws
    {
        if let v = allowHTTP { c.allowHTTP = v }
        if let v = host { c.host = v.isEmpty ? "" : try Self.checkedURL(v, field: fields.host, allowHTTP: c.allowHTTP) }
        if let v = ca { c.caPEM = v.isEmpty ? "" : try Self.checkedCA(v, field: fields.ca) }
        if let v = reviewerJWT {
            guard v.utf8.count <= 16 * 1024 else { throw ServiceError.badRequest("invalid_token_reviewer_jwt", "\(fields.jwt) is at most 16 KiB") }
            // a bearer token: visible ASCII, no spaces (it goes into an Authorization header)
            guard v.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
                throw ServiceError.badRequest("invalid_token_reviewer_jwt", "\(fields.jwt) is not a bearer token (visible ASCII, no spaces)")
            }
            c.sealedReviewerJWT = v.isEmpty ? [] : sealer.seal(Array(v.utf8), context: Self.reviewerContext)
        }
        if let v = pemKeys { c.pemKeys = try Self.checkedPublicKeys(NamePolicy.list(v).isEmpty ? [] : v, field: fields.keys) }
        if let v = issuer { c.issuer = v.trimmingCharacters(in: .whitespaces) }
        if let v = keysFromIssuer { c.keysFromIssuer = v }
        if c.keysFromIssuer {
            guard !c.issuer.isEmpty else { throw ServiceError.badRequest("missing_field", "keys from the issuer need the issuer") }
            _ = try Self.checkedURL(c.issuer, field: "issuer", allowHTTP: c.allowHTTP)
        }
        if let v = mode {
            guard let m = KubernetesClusterConfig.ReviewMode(rawValue: v) else {
                throw ServiceError.badRequest("invalid_token_review_mode", "tokenReviewMode is \"api\" or \"local\"")
            }
            c.reviewMode = m
        }
        if c.reviewMode == .api, c.host.isEmpty { throw ServiceError.badRequest("missing_field", "\(fields.host) is required") }
        if !c.host.isEmpty { _ = try Self.checkedURL(c.host, field: fields.host, allowHTTP: c.allowHTTP) }
        if c.reviewMode == .local, c.issuer.isEmpty {
            throw ServiceError.badRequest("missing_field", "local review needs the cluster's issuer (its tokens' iss, and their default audience)")
        }
        if c.reviewMode == .local, c.keySource == nil {
            throw ServiceError.badRequest("missing_field", "local review needs the cluster's keys (\(fields.keys), or keys from the issuer)")
        }
    }

    public func attachKubernetesAuth(identityId: String, _ input: KubernetesAuthInput, remote: String?) async throws -> IdentityKubernetesAuth {
        _ = try await identity(identityId)
        let now = Date(timeIntervalSince1970: TimeInterval(self.now()))
        var config = IdentityKubernetesAuth(id: UUID().uuidString.lowercased(), identityId: identityId, cluster: KubernetesClusterConfig(),
                                            rules: ServiceAccountRules(), token: TokenSettings(), createdAt: now, updatedAt: now)
        try apply(input, to: &config)
        let attached = config
        let inserted = try await change {
            try await self.store.putDocument(kind: DocumentKind.identityKubernetes, key: identityId, Document.encode(attached), insert: true)
        }
        guard inserted else { throw ServiceError(.conflict, "auth_method_exists", "kubernetes-auth is already attached to identity \(identityId)") }
        adminEvent("attach-kubernetes-auth", subject: identityId, remote: remote)
        return config
    }

    public func updateKubernetesAuth(identityId: String, _ input: KubernetesAuthInput, remote: String?) async throws -> IdentityKubernetesAuth {
        var config = try await kubernetesAuth(identityId: identityId)
        try apply(input, to: &config)
        config.updatedAt = Date(timeIntervalSince1970: TimeInterval(now()))
        let updated = config
        _ = try await change {
            guard try await self.store.document(kind: DocumentKind.identityKubernetes, key: identityId) != nil else {
                throw ServiceError.notFound("auth_method_not_found", "kubernetes-auth is not attached to identity \(identityId)")
            }
            return try await self.store.putDocument(kind: DocumentKind.identityKubernetes, key: identityId, Document.encode(updated), insert: false)
        }
        adminEvent("update-kubernetes-auth", subject: identityId, remote: remote)
        return config
    }

    public func kubernetesAuth(identityId: String) async throws -> IdentityKubernetesAuth {
        guard let d = try await store.document(kind: DocumentKind.identityKubernetes, key: identityId) else {
            _ = try await identity(identityId)
            throw ServiceError.notFound("auth_method_not_found", "kubernetes-auth is not attached to identity \(identityId)")
        }
        return try Document.decode(IdentityKubernetesAuth.self, d)
    }

    public func revokeKubernetesAuth(identityId: String, remote: String?) async throws -> IdentityKubernetesAuth {
        let c = try await kubernetesAuth(identityId: identityId)
        _ = try await change {
            try await self.store.deleteDocuments(kind: DocumentKind.identityKubernetes, key: identityId, tokensOf: (identityId, "kubernetes-auth"))
        }
        adminEvent("revoke-kubernetes-auth", subject: identityId, remote: remote)
        return c
    }

    private func apply(_ input: KubernetesAuthInput, to config: inout IdentityKubernetesAuth) throws {
        try apply(cluster: &config.cluster, host: input.kubernetesHost, ca: input.caCert, reviewerJWT: input.tokenReviewerJwt,
                  pemKeys: input.pemKeys, issuer: input.issuer, keysFromIssuer: input.keysFromIssuer, mode: input.tokenReviewMode,
                  allowHTTP: input.allowInsecureHTTP, fields: ("kubernetesHost", "caCert", "tokenReviewerJwt", "pemKeys"))
        if let v = input.allowedNamespaces { config.rules.namespaces = NamePolicy.list([v]) }
        if let v = input.allowedNames { config.rules.names = NamePolicy.list([v]) }
        if let v = input.allowedAudience { config.rules.audience = v.trimmingCharacters(in: .whitespaces) }
        guard config.rules.names.count <= Self.maxBoundItems, config.rules.namespaces.count <= Self.maxBoundItems else {
            throw ServiceError.badRequest("invalid_allowed_names", "at most \(Self.maxBoundItems) names and namespaces")
        }
        if let v = input.accessTokenTTL { config.token.ttl = v }
        if let v = input.accessTokenMaxTTL { config.token.maxTTL = v }
        if let v = input.accessTokenNumUsesLimit { config.token.numUsesLimit = v }
        if let v = input.accessTokenTrustedIps { config.token.trustedIPs = try v.map(CIDR.init) }
        try config.token.validate(names: ("accessTokenTTL", "accessTokenMaxTTL", "accessTokenNumUsesLimit", "accessTokenTrustedIps"))
    }

    /// A Kubernetes login for `identityId` with a service-account `jwt`, from `remote`.
    public func loginKubernetesAuth(identityId: String, jwt: String, remote: String) async throws -> LoginResult {
        let started = DispatchTime.now().uptimeNanoseconds
        let name = "kubernetes-auth"
        defer { observeLogin(name, since: started) }
        func refuse(_ r: LoginRefusal, message: String? = nil) -> ServiceError {
            audit.record(.init(type: "login", action: name, outcome: "refused", remote: remote, subject: identityId, code: r.code, reason: r.detail))
            metrics.increment("vouch_logins_total", [("method", name), ("outcome", "refused")])
            return ServiceError(r.kind, r.code, message ?? Self.loginMessages[r.code] ?? "token refused", detail: r.detail)
        }
        let snap: ConfigSnapshot
        do { snap = try liveSnapshot() } catch {
            throw refuse(LoginRefusal("configuration_unavailable", "the configuration is being reloaded after a failed reload", .unavailable))
        }
        guard let auth = snap.identityKubernetes[identityId] else {
            throw refuse(LoginRefusal("auth_method_not_found", "no kubernetes-auth is attached to this identity", .notFound),
                         message: "kubernetes-auth is not configured for this identity")
        }
        guard !jwt.isEmpty else { throw refuse(LoginRefusal("missing_jwt", "no jwt was given", .badRequest), message: "jwt is required") }
        guard CIDR.anyContains(auth.config.token.trustedIPs, remote) else {
            throw refuse(LoginRefusal("ip_not_trusted", "\(remote) is not among the trusted IPs", .forbidden), message: "address not trusted")
        }
        let passed: KubernetesCheck.Passed
        do { passed = try await auth.check.check(jwt, at: now()) } catch { throw refuse(error) }
        let identity = auth.identity, a = passed.account
        let result = try await issue(
            subject: identityId, method: name, displayName: identity.name, policies: identity.policies,
            metadata: ["identityName": identity.name, "role": identity.role, "service_account_name": a.name,
                       "service_account_namespace": a.namespace, "service_account_uid": a.uid],
            settings: auth.config.token, identityId: identityId)
        var extra = ["service_account": "\(a.namespace)/\(a.name)", "review": auth.config.cluster.reviewMode.rawValue]
        if let s = passed.stale { extra["keys"] = s }
        audit.record(.init(type: "login", action: name, outcome: "allowed", remote: remote, subject: identityId,
                           accessor: result.record.accessor, extra: extra))
        metrics.increment("vouch_logins_total", [("method", name), ("outcome", "allowed")])
        return result
    }
}
