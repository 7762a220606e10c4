// JWTAuthRoutes.swift: /api/v1/auth/oidc-auth and /api/v1/auth/jwt-auth (Infisical's
// shapes): attach, read, update and revoke an identity's OIDC or JWT auth; log in with
// `{identityId, jwt}`.
import Foundation
import Hummingbird
import VouchService

/// An identity's OIDC or JWT auth as Infisical shows it (lists as comma strings).
struct JWTAuthBody: Encodable, Sendable {
    let id: String
    let identityId: String
    // OIDC
    let oidcDiscoveryUrl: String?
    let caCert: String?
    // JWT
    let configurationType: String?
    let jwksUrl: String?
    let jwksCaCert: String?
    let publicKeys: [String]?
    // both
    let boundIssuer: String
    let boundAudiences: String
    let boundClaims: [String: String]
    let boundSubject: String
    let claimMetadataMapping: [String: String]
    let allowInsecureHttp: Bool
    let accessTokenTTL: Int
    let accessTokenMaxTTL: Int
    let accessTokenNumUsesLimit: Int
    let accessTokenTrustedIps: [TLSCertAuthBody.TrustedIP]
    let createdAt: String
    let updatedAt: String

    init(_ c: IdentityJWTAuth) {
        id = c.id
        identityId = c.identityId
        let oidc = c.method == .oidc
        oidcDiscoveryUrl = oidc ? c.source.url : nil
        caCert = oidc ? c.source.caPEM : nil
        configurationType = oidc ? nil : c.source.kind == .pem ? "static" : "jwks"
        jwksUrl = oidc ? nil : c.source.url
        jwksCaCert = oidc ? nil : c.source.caPEM
        publicKeys = oidc ? nil : c.source.publicKeys
        boundIssuer = c.rules.issuer
        boundAudiences = c.rules.audiences.joined(separator: ",")
        boundClaims = c.rules.claims.mapValues { $0.joined(separator: ",") }
        boundSubject = c.rules.subject
        claimMetadataMapping = Dictionary(c.rules.claimMappings.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
        allowInsecureHttp = c.source.allowHTTP
        accessTokenTTL = c.token.ttl
        accessTokenMaxTTL = c.token.maxTTL
        accessTokenNumUsesLimit = c.token.numUsesLimit
        accessTokenTrustedIps = c.token.trustedIPs.map { .init(ipAddress: $0.description, type: $0.isIPv6 ? "ipv6" : "ipv4", prefix: $0.prefix) }
        createdAt = ISO8601DateFormatter.api.string(from: c.createdAt)
        updatedAt = ISO8601DateFormatter.api.string(from: c.updatedAt)
    }
}

struct OIDCAuthEnvelope: Encodable, Sendable { let identityOidcAuth: JWTAuthBody }
struct JWTAuthEnvelope: Encodable, Sendable { let identityJwtAuth: JWTAuthBody }

/// POST and PATCH /api/v1/auth/oidc-auth/identities/{identityId}.
struct OIDCAuthRequest: Decodable, Sendable {
    let oidcDiscoveryUrl: String?
    let caCert: String?
    let boundIssuer: String?
    let boundAudiences: String?
    let boundClaims: [String: String]?
    let boundSubject: String?
    let claimMetadataMapping: [String: String]?
    let allowInsecureHttp: Bool?
    let accessTokenTTL: Int?
    let accessTokenMaxTTL: Int?
    let accessTokenNumUsesLimit: Int?
    let accessTokenTrustedIps: [TLSCertAuthRequest.TrustedIP]?

    var input: JWTAuthInput {
        var i = JWTAuthInput()
        i.discoveryURL = oidcDiscoveryUrl
        i.caCert = caCert
        i.boundIssuer = boundIssuer
        i.boundAudiences = boundAudiences
        i.boundClaims = boundClaims
        i.boundSubject = boundSubject
        i.claimMetadataMapping = claimMetadataMapping
        i.allowInsecureHTTP = allowInsecureHttp
        i.accessTokenTTL = accessTokenTTL
        i.accessTokenMaxTTL = accessTokenMaxTTL
        i.accessTokenNumUsesLimit = accessTokenNumUsesLimit
        i.accessTokenTrustedIps = accessTokenTrustedIps?.map(\.ipAddress)
        return i
    }
}

/// POST and PATCH /api/v1/auth/jwt-auth/identities/{identityId}.
struct JWTAuthRequest: Decodable, Sendable {
    let configurationType: String?
    let jwksUrl: String?
    let jwksCaCert: String?
    let publicKeys: [String]?
    let boundIssuer: String?
    let boundAudiences: String?
    let boundClaims: [String: String]?
    let boundSubject: String?
    let claimMetadataMapping: [String: String]?
    let allowInsecureHttp: Bool?
    let accessTokenTTL: Int?
    let accessTokenMaxTTL: Int?
    let accessTokenNumUsesLimit: Int?
    let accessTokenTrustedIps: [TLSCertAuthRequest.TrustedIP]?

    var input: JWTAuthInput {
        var i = JWTAuthInput()
        i.configurationType = configurationType
        i.jwksURL = jwksUrl
        i.caCert = jwksCaCert
        i.publicKeys = publicKeys
        i.boundIssuer = boundIssuer
        i.boundAudiences = boundAudiences
        i.boundClaims = boundClaims
        i.boundSubject = boundSubject
        i.claimMetadataMapping = claimMetadataMapping
        i.allowInsecureHTTP = allowInsecureHttp
        i.accessTokenTTL = accessTokenTTL
        i.accessTokenMaxTTL = accessTokenMaxTTL
        i.accessTokenNumUsesLimit = accessTokenNumUsesLimit
        i.accessTokenTrustedIps = accessTokenTrustedIps?.map(\.ipAddress)
        return i
    }
}

/// POST /api/v1/auth/{oidc,jwt}-auth/login
struct JWTLoginRequest: Decodable, Sendable {
    let identityId: String
    let jwt: String
    let organizationSlug: String?
}

extension RouteTable {
    func addJWTAuthRoutes(vouch: Vouch, settings: ServerSettings) {
        addJWTAuthRoutes(.oidc, OIDCAuthRequest.self, vouch: vouch, settings: settings) { json(OIDCAuthEnvelope(identityOidcAuth: JWTAuthBody($0))) }
        addJWTAuthRoutes(.jwt, JWTAuthRequest.self, vouch: vouch, settings: settings) { json(JWTAuthEnvelope(identityJwtAuth: JWTAuthBody($0))) }
    }

    private func addJWTAuthRoutes<Body: Decodable & Sendable>(
        _ method: IdentityJWTAuth.Method, _ body: Body.Type, vouch: Vouch, settings: ServerSettings,
        respond: @escaping @Sendable (IdentityJWTAuth) -> Response
    ) {
        let base = "/api/v1/auth/\(method.rawValue)/identities/{identityId}"
        let input = { @Sendable (b: Body) -> JWTAuthInput in
            if let o = b as? OIDCAuthRequest { return o.input }
            return (b as! JWTAuthRequest).input
        }
        on(.post, base) { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            let b = try await request.decode(Body.self, limit: settings.maxBodyBytes)
            return respond(try await vouch.attachJWTAuth(method, identityId: context.parameters.require("identityId"), input(b),
                                                         remote: settings.caller(request, context).ip))
        }
        on(.patch, base) { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            let b = try await request.decode(Body.self, limit: settings.maxBodyBytes)
            return respond(try await vouch.updateJWTAuth(method, identityId: context.parameters.require("identityId"), input(b),
                                                         remote: settings.caller(request, context).ip))
        }
        on(.get, base) { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            return respond(try await vouch.jwtAuth(method, identityId: context.parameters.require("identityId")))
        }
        on(.delete, base) { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            return respond(try await vouch.revokeJWTAuth(method, identityId: context.parameters.require("identityId"),
                                                         remote: settings.caller(request, context).ip))
        }
        on(.post, "/api/v1/auth/\(method.rawValue)/login") { request, context in
            let b = try await request.decode(JWTLoginRequest.self, limit: settings.maxBodyBytes)
            let caller = settings.caller(request, context)
            return json(LoginBody(try await vouch.loginJWTAuth(method, identityId: b.identityId, jwt: b.jwt, remote: caller.ip)))
        }
    }
}
