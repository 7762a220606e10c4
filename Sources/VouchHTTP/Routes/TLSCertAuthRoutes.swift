// TLSCertAuthRoutes.swift: /api/v1/auth/tls-cert-auth (Infisical's shapes): attach,
// read, update and revoke an identity's TLS certificate auth; log in with a client
// certificate from our TLS handshake or a trusted load balancer's header.
import Foundation
import Hummingbird
import VouchService

/// An identity's TLS certificate auth as Infisical shows it (empty lists as null).
struct TLSCertAuthBody: Encodable, Sendable {
    struct TrustedIP: Encodable, Sendable {
        let ipAddress: String
        let type: String
        let prefix: Int
    }
    let id: String
    let identityId: String
    let caCertificate: String
    let allowedCommonNames: Nullable<String>
    let allowedDnsSans: Nullable<String>
    let allowedEmailSans: Nullable<String>
    let allowedUriSans: Nullable<String>
    let allowedOrganizationalUnits: Nullable<String>
    let accessTokenTTL: Int
    let accessTokenMaxTTL: Int
    let accessTokenNumUsesLimit: Int
    let accessTokenTrustedIps: [TrustedIP]
    let strict: Bool
    let createdAt: String
    let updatedAt: String

    init(_ c: TLSCertAuthConfig) {
        func list(_ l: [String]) -> Nullable<String> { Nullable(l.isEmpty ? nil : l.joined(separator: ",")) }
        id = c.id
        identityId = c.identityId
        caCertificate = c.caCertificate
        allowedCommonNames = list(c.names.allowedCommonNames)
        allowedDnsSans = list(c.names.allowedDNSSANs)
        allowedEmailSans = list(c.names.allowedEmailSANs)
        allowedUriSans = list(c.names.allowedURISANs)
        allowedOrganizationalUnits = list(c.names.allowedOrganizationalUnits)
        accessTokenTTL = c.token.ttl
        accessTokenMaxTTL = c.token.maxTTL
        accessTokenNumUsesLimit = c.token.numUsesLimit
        accessTokenTrustedIps = c.token.trustedIPs.map { TrustedIP(ipAddress: $0.description, type: $0.isIPv6 ? "ipv6" : "ipv4", prefix: $0.prefix) }
        strict = c.strict
        createdAt = ISO8601DateFormatter.api.string(from: c.createdAt)
        updatedAt = ISO8601DateFormatter.api.string(from: c.updatedAt)
    }
}

struct TLSCertAuthEnvelope: Encodable, Sendable { let identityTlsCertAuth: TLSCertAuthBody }

/// POST and PATCH /api/v1/auth/tls-cert-auth/identities/{identityId}.
struct TLSCertAuthRequest: Decodable, Sendable {
    struct TrustedIP: Decodable, Sendable { let ipAddress: String }
    let caCertificate: String?
    let allowedCommonNames: String?
    let allowedDnsSans: String?
    let allowedEmailSans: String?
    let allowedUriSans: String?
    let allowedOrganizationalUnits: String?
    let accessTokenTTL: Int?
    let accessTokenMaxTTL: Int?
    let accessTokenNumUsesLimit: Int?
    let accessTokenTrustedIps: [TrustedIP]?
    let strict: Bool?

    var input: TLSCertAuthInput {
        var i = TLSCertAuthInput()
        i.caCertificate = caCertificate
        i.allowedCommonNames = allowedCommonNames
        i.allowedDNSSANs = allowedDnsSans
        i.allowedEmailSANs = allowedEmailSans
        i.allowedURISANs = allowedUriSans
        i.allowedOrganizationalUnits = allowedOrganizationalUnits
        i.accessTokenTTL = accessTokenTTL
        i.accessTokenMaxTTL = accessTokenMaxTTL
        i.accessTokenNumUsesLimit = accessTokenNumUsesLimit
        i.accessTokenTrustedIps = accessTokenTrustedIps?.map(\.ipAddress)
        i.strict = strict
        return i
    }
}

/// POST /api/v1/auth/tls-cert-auth/login
struct TLSCertLoginRequest: Decodable, Sendable {
    let identityId: String
    let organizationSlug: String?  // Infisical's; one organization here
}

/// What every Infisical-shaped login and renewal answers.
struct LoginBody: Encodable, Sendable {
    let accessToken: String
    let expiresIn: Int
    let accessTokenMaxTTL: Int
    let tokenType = "Bearer"

    init(_ r: LoginResult) {
        accessToken = r.accessToken
        expiresIn = r.expiresIn
        accessTokenMaxTTL = r.maxTTL
    }
}

extension RouteTable {
    func addTLSCertAuthRoutes(vouch: Vouch, settings: ServerSettings) {
        let base = "/api/v1/auth/tls-cert-auth/identities/{identityId}"
        on(.post, base) { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            let body = try await request.decode(TLSCertAuthRequest.self, limit: settings.maxBodyBytes)
            let c = try await vouch.attachTLSCertAuth(identityId: context.parameters.require("identityId"), body.input,
                                                      remote: settings.caller(request, context).ip)
            return json(TLSCertAuthEnvelope(identityTlsCertAuth: TLSCertAuthBody(c)))
        }
        on(.patch, base) { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            let body = try await request.decode(TLSCertAuthRequest.self, limit: settings.maxBodyBytes)
            let c = try await vouch.updateTLSCertAuth(identityId: context.parameters.require("identityId"), body.input,
                                                      remote: settings.caller(request, context).ip)
            return json(TLSCertAuthEnvelope(identityTlsCertAuth: TLSCertAuthBody(c)))
        }
        on(.get, base) { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            let c = try await vouch.tlsCertAuth(identityId: context.parameters.require("identityId"))
            return json(TLSCertAuthEnvelope(identityTlsCertAuth: TLSCertAuthBody(c)))
        }
        on(.delete, base) { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            let c = try await vouch.revokeTLSCertAuth(identityId: context.parameters.require("identityId"),
                                                      remote: settings.caller(request, context).ip)
            return json(TLSCertAuthEnvelope(identityTlsCertAuth: TLSCertAuthBody(c)))
        }
        on(.post, "/api/v1/auth/tls-cert-auth/login") { request, context in
            let body = try await request.decode(TLSCertLoginRequest.self, limit: settings.maxBodyBytes)
            let caller = settings.caller(request, context)
            let chain = try await settings.clientChain(request, context, caller: caller, audit: vouch.audit)
            return json(LoginBody(try await vouch.loginTLSCertAuth(identityId: body.identityId, chain: chain, remote: caller.ip)))
        }
    }
}
