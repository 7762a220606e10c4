// KubernetesAuthRoutes.swift: /api/v1/auth/kubernetes-auth (Infisical's shapes): attach,
// read, update and revoke an identity's Kubernetes auth; log in with `{identityId, jwt}`.
// The reviewer JWT is a credential: it is sealed at rest and never read back (reads say
// whether one is set).
import Foundation
import Hummingbird
import VouchService

struct KubernetesAuthBody: Encodable, Sendable {
    let id: String
    let identityId: String
    let kubernetesHost: String
    let caCert: String
    let tokenReviewerJwt = ""
    let tokenReviewerJwtSet: Bool
    let allowedNamespaces: String
    let allowedNames: String
    let allowedAudience: String
    let tokenReviewMode: String
    let pemKeys: [String]
    let issuer: String
    let keysFromIssuer: Bool
    let allowInsecureHttp: Bool
    let accessTokenTTL: Int
    let accessTokenMaxTTL: Int
    let accessTokenNumUsesLimit: Int
    let accessTokenTrustedIps: [TLSCertAuthBody.TrustedIP]
    let createdAt: String
    let updatedAt: String

    init(_ c: IdentityKubernetesAuth) {
        id = c.id
        identityId = c.identityId
        kubernetesHost = c.cluster.host
        caCert = c.cluster.caPEM
        tokenReviewerJwtSet = !c.cluster.sealedReviewerJWT.isEmpty
        allowedNamespaces = c.rules.namespaces.joined(separator: ",")
        allowedNames = c.rules.names.joined(separator: ",")
        allowedAudience = c.rules.audience
        tokenReviewMode = c.cluster.reviewMode.rawValue
        pemKeys = c.cluster.pemKeys
        issuer = c.cluster.issuer
        keysFromIssuer = c.cluster.keysFromIssuer
        allowInsecureHttp = c.cluster.allowHTTP
        accessTokenTTL = c.token.ttl
        accessTokenMaxTTL = c.token.maxTTL
        accessTokenNumUsesLimit = c.token.numUsesLimit
        accessTokenTrustedIps = c.token.trustedIPs.map { .init(ipAddress: $0.description, type: $0.isIPv6 ? "ipv6" : "ipv4", prefix: $0.prefix) }
        createdAt = ISO8601DateFormatter.api.string(from: c.createdAt)
        updatedAt = ISO8601DateFormatter.api.string(from: c.updatedAt)
    }
}

struct KubernetesAuthEnvelope: Encodable, Sendable { let identityKubernetesAuth: KubernetesAuthBody }

/// POST and PATCH /api/v1/auth/kubernetes-auth/identities/{identityId}.
struct KubernetesAuthRequest: Decodable, Sendable {
    let kubernetesHost: String?
    let caCert: String?
    let tokenReviewerJwt: String?
    let allowedNamespaces: String?
    let allowedNames: String?
    let allowedAudience: String?
    let tokenReviewMode: String?
    let pemKeys: [String]?
    let issuer: String?
    let keysFromIssuer: Bool?
    let allowInsecureHttp: Bool?
    let accessTokenTTL: Int?
    let accessTokenMaxTTL: Int?
    let accessTokenNumUsesLimit: Int?
    let accessTokenTrustedIps: [TLSCertAuthRequest.TrustedIP]?

    var input: KubernetesAuthInput {
        var i = KubernetesAuthInput()
        i.kubernetesHost = kubernetesHost
        i.caCert = caCert
        i.tokenReviewerJwt = tokenReviewerJwt
        i.allowedNamespaces = allowedNamespaces
        i.allowedNames = allowedNames
        i.allowedAudience = allowedAudience
        i.tokenReviewMode = tokenReviewMode
        i.pemKeys = pemKeys
        i.issuer = issuer
        i.keysFromIssuer = keysFromIssuer
        i.allowInsecureHTTP = allowInsecureHttp
        i.accessTokenTTL = accessTokenTTL
        i.accessTokenMaxTTL = accessTokenMaxTTL
        i.accessTokenNumUsesLimit = accessTokenNumUsesLimit
        i.accessTokenTrustedIps = accessTokenTrustedIps?.map(\.ipAddress)
        return i
    }
}

extension RouteTable {
    func addKubernetesAuthRoutes(vouch: Vouch, settings: ServerSettings) {
        let base = "/api/v1/auth/kubernetes-auth/identities/{identityId}"
        @Sendable func respond(_ c: IdentityKubernetesAuth) -> Response { json(KubernetesAuthEnvelope(identityKubernetesAuth: KubernetesAuthBody(c))) }
        on(.post, base) { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            let b = try await request.decode(KubernetesAuthRequest.self, limit: settings.maxBodyBytes)
            return respond(try await vouch.attachKubernetesAuth(identityId: context.parameters.require("identityId"), b.input,
                                                                remote: settings.caller(request, context).ip))
        }
        on(.patch, base) { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            let b = try await request.decode(KubernetesAuthRequest.self, limit: settings.maxBodyBytes)
            return respond(try await vouch.updateKubernetesAuth(identityId: context.parameters.require("identityId"), b.input,
                                                                remote: settings.caller(request, context).ip))
        }
        on(.get, base) { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            return respond(try await vouch.kubernetesAuth(identityId: context.parameters.require("identityId")))
        }
        on(.delete, base) { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            return respond(try await vouch.revokeKubernetesAuth(identityId: context.parameters.require("identityId"),
                                                                remote: settings.caller(request, context).ip))
        }
        on(.post, "/api/v1/auth/kubernetes-auth/login") { request, context in
            let b = try await request.decode(JWTLoginRequest.self, limit: settings.maxBodyBytes)
            let caller = settings.caller(request, context)
            return json(LoginBody(try await vouch.loginKubernetesAuth(identityId: b.identityId, jwt: b.jwt, remote: caller.ip)))
        }
    }
}
