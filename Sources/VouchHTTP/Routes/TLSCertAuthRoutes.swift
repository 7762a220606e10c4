// TLSCertAuthRoutes.swift: /api/v1/auth/tls-cert-auth (Infisical's shapes): attach,
// read, update and revoke an identity's TLS certificate auth; log in with a client
// certificate from our TLS handshake or a trusted load balancer's header.
import Foundation
import Hummingbird
import VouchService

extension TLSCertAuthConfig {
    var json: [String: Any] {
        func list(_ l: [String]) -> Any { l.isEmpty ? NSNull() : l.joined(separator: ",") }
        return [
            "id": id, "identityId": identityId, "caCertificate": caCertificate,
            "allowedCommonNames": list(names.allowedCommonNames), "allowedDnsSans": list(names.allowedDNSSANs),
            "allowedEmailSans": list(names.allowedEmailSANs), "allowedUriSans": list(names.allowedURISANs),
            "allowedOrganizationalUnits": list(names.allowedOrganizationalUnits),
            "accessTokenTTL": token.ttl, "accessTokenMaxTTL": token.maxTTL, "accessTokenNumUsesLimit": token.numUsesLimit,
            "accessTokenTrustedIps": token.trustedIPs.map {
                ["ipAddress": $0.description, "type": $0.isIPv6 ? "ipv6" : "ipv4", "prefix": $0.prefix] as [String: Any]
            },
            "strict": strict,
            "createdAt": ISO8601DateFormatter.api.string(from: createdAt),
            "updatedAt": ISO8601DateFormatter.api.string(from: updatedAt),
        ]
    }
}

extension LoginResult {
    var json: [String: Any] {
        ["accessToken": accessToken, "expiresIn": expiresIn, "accessTokenMaxTTL": maxTTL, "tokenType": "Bearer"]
    }
}

extension RouteTable {
    static let tlsCertAuthFields: Set<String> = [
        "caCertificate", "allowedCommonNames", "allowedDnsSans", "allowedEmailSans", "allowedUriSans",
        "allowedOrganizationalUnits", "accessTokenTTL", "accessTokenMaxTTL", "accessTokenNumUsesLimit", "accessTokenTrustedIps",
        "strict",
    ]

    static func tlsCertAuthInput(_ f: Fields) throws -> TLSCertAuthInput {
        try f.only(tlsCertAuthFields)
        var i = TLSCertAuthInput()
        i.caCertificate = try f.string("caCertificate")
        i.allowedCommonNames = try f.string("allowedCommonNames")
        i.allowedDNSSANs = try f.string("allowedDnsSans")
        i.allowedEmailSANs = try f.string("allowedEmailSans")
        i.allowedURISANs = try f.string("allowedUriSans")
        i.allowedOrganizationalUnits = try f.string("allowedOrganizationalUnits")
        i.accessTokenTTL = try f.int("accessTokenTTL")
        i.accessTokenMaxTTL = try f.int("accessTokenMaxTTL")
        i.accessTokenNumUsesLimit = try f.int("accessTokenNumUsesLimit")
        i.strict = try f.bool("strict")
        if let ips = f.value("accessTokenTrustedIps") {
            guard case .array(let items) = ips else {
                throw Fields.wrong("accessTokenTrustedIps", "an array of {\"ipAddress\": ...}")
            }
            i.accessTokenTrustedIps = try items.map { item in
                guard let members = item.object, members.count == 1, members[0].0 == "ipAddress",
                      case .string(let ip) = members[0].1 else {
                    throw Fields.wrong("accessTokenTrustedIps", "an array of {\"ipAddress\": ...}")
                }
                return ip
            }
        }
        return i
    }

    func addTLSCertAuthRoutes(vouch: Vouch, settings: ServerSettings) {
        let base = "/api/v1/auth/tls-cert-auth/identities/{identityId}"
        on(.post, base) { request, context in
            try vouch.requireAdmin(request)
            let input = try Self.tlsCertAuthInput(try await Fields.read(request, limit: settings.maxBodyBytes))
            let c = try vouch.attachTLSCertAuth(identityId: context.parameters.require("identityId"), input,
                                                remote: settings.caller(request, context).ip)
            return json(["identityTlsCertAuth": c.json])
        }
        on(.patch, base) { request, context in
            try vouch.requireAdmin(request)
            let input = try Self.tlsCertAuthInput(try await Fields.read(request, limit: settings.maxBodyBytes))
            let c = try vouch.updateTLSCertAuth(identityId: context.parameters.require("identityId"), input,
                                                remote: settings.caller(request, context).ip)
            return json(["identityTlsCertAuth": c.json])
        }
        on(.get, base) { request, context in
            try vouch.requireAdmin(request)
            return json(["identityTlsCertAuth": try vouch.tlsCertAuth(identityId: context.parameters.require("identityId")).json])
        }
        on(.delete, base) { request, context in
            try vouch.requireAdmin(request)
            let c = try vouch.revokeTLSCertAuth(identityId: context.parameters.require("identityId"),
                                                remote: settings.caller(request, context).ip)
            return json(["identityTlsCertAuth": c.json])
        }
        on(.post, "/api/v1/auth/tls-cert-auth/login") { request, context in
            let f = try await Fields.read(request, limit: settings.maxBodyBytes)
            try f.only(["identityId", "organizationSlug"])
            guard let id = try f.string("identityId") else { throw ServiceError.badRequest("missing_field", "identityId is required") }
            _ = try f.string("organizationSlug")  // Infisical's; one organization here
            let caller = settings.caller(request, context)
            let chain = try await settings.clientChain(request, context, caller: caller, audit: vouch.audit)
            return json(try vouch.loginTLSCertAuth(identityId: id, chain: chain, remote: caller.ip).json)
        }
    }
}
