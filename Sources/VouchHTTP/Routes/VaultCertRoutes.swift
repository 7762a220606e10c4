// VaultCertRoutes.swift: Vault's cert auth method: /v1/auth/cert/certs/{name} roles,
// /v1/auth/cert/crls/{name} CRLs and /v1/auth/cert/login, in Vault's shapes (listing by
// LIST or GET ?list=true; a write answers 204; errors are {"errors": [...]}).
import Foundation
import HTTPTypes
import Hummingbird
import VouchService

/// Vault's response envelope.
func vault(data: Any? = nil, auth: Any? = nil) -> Response {
    json([
        "request_id": UUID().uuidString.lowercased(), "lease_id": "", "renewable": false, "lease_duration": 0,
        "data": data ?? NSNull(), "wrap_info": NSNull(), "warnings": NSNull(), "auth": auth ?? NSNull(), "mount_type": "",
    ])
}

func noContent() -> Response { Response(status: .noContent) }

extension CertRole {
    var vaultData: [String: Any] {
        [
            "certificate": certificate, "display_name": displayName, "allowed_names": names.allowedNames,
            "allowed_common_names": names.allowedCommonNames, "allowed_dns_sans": names.allowedDNSSANs,
            "allowed_email_sans": names.allowedEmailSANs, "allowed_uri_sans": names.allowedURISANs,
            "allowed_organizational_units": names.allowedOrganizationalUnits, "required_extensions": [String](),
            "token_policies": policies, "token_ttl": token.ttl, "token_max_ttl": token.maxTTL,
            "token_num_uses": token.numUsesLimit, "token_bound_cidrs": boundCIDRs, "token_type": tokenType,
            "token_explicit_max_ttl": 0, "token_period": 0, "token_no_default_policy": false,
            "policies": policies, "ttl": token.ttl, "max_ttl": token.maxTTL, "strict": strict,
        ]
    }

    /// Token bound CIDRs as Vault lists them: none when every address is allowed.
    var boundCIDRs: [String] {
        token.trustedIPs == [.anyIPv4, .anyIPv6] ? [] : token.trustedIPs.map(\.description)
    }
}

extension RouteTable {
    static let certRoleFields: Set<String> = [
        "name", "certificate", "display_name", "allowed_names", "allowed_common_names", "allowed_dns_sans",
        "allowed_email_sans", "allowed_uri_sans", "allowed_organizational_units", "required_extensions",
        "token_policies", "policies", "token_ttl", "ttl", "lease", "token_max_ttl", "max_ttl", "token_num_uses",
        "token_bound_cidrs", "bound_cidrs", "token_type", "token_explicit_max_ttl", "token_period", "period",
        "token_no_default_policy", "allowed_metadata_extensions", "strict",
    ]

    static func certRoleInput(_ f: Fields) throws -> CertRoleInput {
        try f.only(certRoleFields)
        // sent as their zero values by hvac; anything else would be a feature Vouch does not have
        for unsupported in ["token_explicit_max_ttl", "token_period", "period"] where try f.duration(unsupported) ?? 0 != 0 {
            throw ServiceError.badRequest("unsupported_field", "\(unsupported) is not supported")
        }
        if try f.bool("token_no_default_policy") == true {
            throw ServiceError.badRequest("unsupported_field", "token_no_default_policy is not supported (no default policy is added)")
        }
        for unsupported in ["required_extensions", "allowed_metadata_extensions"] where !(try f.strings(unsupported) ?? []).isEmpty {
            throw ServiceError.badRequest("unsupported_field", "\(unsupported) is not supported")
        }
        var i = CertRoleInput()
        i.certificate = try f.string("certificate")
        i.displayName = try f.string("display_name")
        i.allowedNames = try f.strings("allowed_names")
        i.allowedCommonNames = try f.strings("allowed_common_names")
        i.allowedDNSSANs = try f.strings("allowed_dns_sans")
        i.allowedEmailSANs = try f.strings("allowed_email_sans")
        i.allowedURISANs = try f.strings("allowed_uri_sans")
        i.allowedOrganizationalUnits = try f.strings("allowed_organizational_units")
        // Vault's current names win over the older ones
        i.policies = try f.strings("token_policies") ?? f.strings("policies")
        i.ttl = try f.duration("token_ttl") ?? f.duration("ttl") ?? f.duration("lease")
        i.maxTTL = try f.duration("token_max_ttl") ?? f.duration("max_ttl")
        i.numUses = try f.int("token_num_uses")
        i.boundCIDRs = try f.strings("token_bound_cidrs") ?? f.strings("bound_cidrs")
        i.tokenType = try f.string("token_type")
        i.strict = try f.bool("strict")
        return i
    }

    func addVaultCertRoutes(vouch: Vouch, settings: ServerSettings) {
        let certs = "/v1/auth/cert/certs", crls = "/v1/auth/cert/crls"
        let write = { @Sendable (request: Request, context: VouchContext) async throws -> Response in
            try vouch.requireAdmin(request)
            let input = try Self.certRoleInput(try await Fields.read(request, limit: settings.maxBodyBytes))
            try vouch.putCertRole(context.parameters.require("name"), input, remote: settings.caller(request, context).ip)
            return noContent()
        }
        on(.post, certs + "/{name}", write)
        on(.put, certs + "/{name}", write)
        on(.get, certs + "/{name}") { request, context in
            try vouch.requireAdmin(request)
            return vault(data: try vouch.certRole(context.parameters.require("name")).vaultData)
        }
        on(.delete, certs + "/{name}") { request, context in
            try vouch.requireAdmin(request)
            try vouch.deleteCertRole(context.parameters.require("name"), remote: settings.caller(request, context).ip)
            return noContent()
        }
        on(.get, certs) { request, _ in
            try vouch.requireAdmin(request)
            try Self.requireList(request)
            let names = try vouch.certRoleNames()
            if names.isEmpty { throw ServiceError.notFound("no_roles", "no cert roles") }
            return vault(data: ["keys": names])
        }

        let writeCRL = { @Sendable (request: Request, context: VouchContext) async throws -> Response in
            try vouch.requireAdmin(request)
            let f = try await Fields.read(request, limit: settings.maxCRLBodyBytes)
            try f.only(["crl", "url"])
            if try f.string("url") != nil, try f.string("crl") == nil {
                throw ServiceError.badRequest("unsupported_field", "fetching CRLs from a url is not supported: push the CRL itself as crl")
            }
            guard let crl = try f.string("crl") else { throw ServiceError.badRequest("missing_field", "one of 'crl' or 'url' must be provided") }
            try vouch.putCRL(context.parameters.require("name"), Array(crl.utf8), remote: settings.caller(request, context).ip)
            return noContent()
        }
        on(.post, crls + "/{name}", writeCRL)
        on(.put, crls + "/{name}", writeCRL)
        on(.get, crls + "/{name}") { request, context in
            try vouch.requireAdmin(request)
            let c = try vouch.crl(context.parameters.require("name"))
            var serials: [String: Any] = [:]
            for s in c.serials { serials[s] = [String: Any]() }
            // Vault's fields, and (Vouch's) whether the signature has been checked, and against what
            let verifiedBy: String? = c.list.signatureChecked ? "trusted_ca" : c.list.verifiedIssuers > 0 ? "presented_intermediate" : nil
            var data: [String: Any] = [
                "serials": serials, "cdp": NSNull(), "issuer": c.list.issuer, "signature_verified": verifiedBy != nil,
                "verified_by": verifiedBy.map { $0 as Any } ?? NSNull(),
            ]
            if verifiedBy == nil {
                data["warning"] = "the issuer \(c.list.issuer) is not a configured CA and no login has yet presented it: this CRL revokes nothing until one does and its signature verifies"
            }
            return vault(data: data)
        }
        on(.delete, crls + "/{name}") { request, context in
            try vouch.requireAdmin(request)
            try vouch.deleteCRL(context.parameters.require("name"), remote: settings.caller(request, context).ip)
            return noContent()
        }
        on(.get, crls) { request, _ in
            try vouch.requireAdmin(request)
            try Self.requireList(request)
            let names = vouch.crlNames()
            if names.isEmpty { throw ServiceError.notFound("no_crls", "no CRLs") }
            return vault(data: ["keys": names])
        }

        let login = { @Sendable (request: Request, context: VouchContext) async throws -> Response in
            let f = try await Fields.read(request, limit: settings.maxBodyBytes)
            try f.only(["name"])
            let caller = settings.caller(request, context)
            let chain = try await settings.clientChain(request, context, caller: caller, audit: vouch.audit)
            let r = try vouch.loginCert(role: try f.string("name"), chain: chain, remote: caller.ip)
            return vault(auth: Self.vaultAuth(r.login.accessToken, r.login.record, leaseDuration: r.login.expiresIn))
        }
        on(.post, "/v1/auth/cert/login", login)
        on(.put, "/v1/auth/cert/login", login)
    }

    static func requireList(_ request: Request) throws {
        guard request.uri.queryParameters.get("list") == "true" else {
            throw ServiceError(.notFound, "route_not_found", "to list, use LIST or GET with ?list=true")
        }
    }

    /// Vault's `auth` block for a token.
    static func vaultAuth(_ token: String, _ r: TokenRecord, leaseDuration: Int) -> [String: Any] {
        [
            "client_token": token, "accessor": r.accessor, "policies": r.policies, "token_policies": r.policies,
            "identity_policies": [String](), "metadata": r.metadata, "lease_duration": leaseDuration, "renewable": true,
            "entity_id": "", "token_type": "service", "orphan": true, "mfa_requirement": NSNull(), "num_uses": r.usesLimit,
        ]
    }
}
