// VaultCertRoutes.swift: Vault's cert auth method: /v1/auth/cert/certs/{name} roles,
// /v1/auth/cert/crls/{name} CRLs and /v1/auth/cert/login, in Vault's shapes (listing by
// LIST or GET ?list=true; a write answers 204; errors are {"errors": [...]}).
import Foundation
import HTTPTypes
import Hummingbird
import VouchService

/// A role write: Vault's fields under both of their names (the current name wins).
struct CertRoleRequest: Decodable, Sendable {
    let name: String?
    let certificate: String?
    let display_name: String?
    let allowed_names: VaultList?
    let allowed_common_names: VaultList?
    let allowed_dns_sans: VaultList?
    let allowed_email_sans: VaultList?
    let allowed_uri_sans: VaultList?
    let allowed_organizational_units: VaultList?
    let required_extensions: VaultList?
    let allowed_metadata_extensions: VaultList?
    let token_policies: VaultList?
    let policies: VaultList?
    let token_ttl: VaultDuration?
    let ttl: VaultDuration?
    let lease: VaultDuration?
    let token_max_ttl: VaultDuration?
    let max_ttl: VaultDuration?
    let token_num_uses: Int?
    let token_bound_cidrs: VaultList?
    let bound_cidrs: VaultList?
    let token_type: String?
    let token_explicit_max_ttl: VaultDuration?
    let token_period: VaultDuration?
    let period: VaultDuration?
    let token_no_default_policy: Bool?
    let strict: Bool?

    func input() throws -> CertRoleInput {
        try refuseUnsupportedTokenFields(explicitMaxTTL: token_explicit_max_ttl, tokenPeriod: token_period, period: period,
                                         noDefaultPolicy: token_no_default_policy)
        for (field, value) in [("required_extensions", required_extensions), ("allowed_metadata_extensions", allowed_metadata_extensions)]
        where !(value?.items ?? []).isEmpty {
            throw ServiceError.badRequest("unsupported_field", "\(field) is not supported")
        }
        var i = CertRoleInput()
        i.certificate = certificate
        i.displayName = display_name
        i.allowedNames = allowed_names?.items
        i.allowedCommonNames = allowed_common_names?.items
        i.allowedDNSSANs = allowed_dns_sans?.items
        i.allowedEmailSANs = allowed_email_sans?.items
        i.allowedURISANs = allowed_uri_sans?.items
        i.allowedOrganizationalUnits = allowed_organizational_units?.items
        i.policies = (token_policies ?? policies)?.items
        i.ttl = (token_ttl ?? ttl ?? lease)?.seconds
        i.maxTTL = (token_max_ttl ?? max_ttl)?.seconds
        i.numUses = token_num_uses
        i.boundCIDRs = (token_bound_cidrs ?? bound_cidrs)?.items
        i.tokenType = token_type
        i.strict = strict
        return i
    }
}

/// A role read.
struct CertRoleData: Encodable, Sendable {
    let certificate: String
    let display_name: String
    let allowed_names: [String]
    let allowed_common_names: [String]
    let allowed_dns_sans: [String]
    let allowed_email_sans: [String]
    let allowed_uri_sans: [String]
    let allowed_organizational_units: [String]
    let required_extensions: [String] = []
    let token_policies: [String]
    let token_ttl: Int
    let token_max_ttl: Int
    let token_num_uses: Int
    let token_bound_cidrs: [String]
    let token_type: String
    let token_explicit_max_ttl = 0
    let token_period = 0
    let token_no_default_policy = false
    let policies: [String]
    let ttl: Int
    let max_ttl: Int
    let strict: Bool

    init(_ r: CertRole) {
        certificate = r.certificate
        display_name = r.displayName
        allowed_names = r.names.allowedNames
        allowed_common_names = r.names.allowedCommonNames
        allowed_dns_sans = r.names.allowedDNSSANs
        allowed_email_sans = r.names.allowedEmailSANs
        allowed_uri_sans = r.names.allowedURISANs
        allowed_organizational_units = r.names.allowedOrganizationalUnits
        token_policies = r.policies
        token_ttl = r.token.ttl
        token_max_ttl = r.token.maxTTL
        token_num_uses = r.token.numUsesLimit
        // none when every address is allowed, as Vault lists it
        token_bound_cidrs = r.token.trustedIPs == [.anyIPv4, .anyIPv6] ? [] : r.token.trustedIPs.map(\.description)
        token_type = r.tokenType
        policies = r.policies
        ttl = r.token.ttl
        max_ttl = r.token.maxTTL
        strict = r.strict
    }
}

/// A CRL write: the CRL itself (fetching one from a url is not supported).
struct CRLRequest: Decodable, Sendable {
    let crl: String?
    let url: String?
}

/// A CRL read: Vault's fields, and (Vouch's) whether its signature has been checked.
struct CRLData: Encodable, Sendable {
    let serials: [String: [String: String]]
    let cdp = Nullable<None>(nil)
    let issuer: String
    let signature_verified: Bool
    let verified_by: Nullable<String>
    let warning: String?
}

/// A login: the role to check, or none to try every role.
struct CertLoginRequest: Decodable, Sendable { let name: String? }

extension RouteTable {
    func addVaultCertRoutes(vouch: Vouch, settings: ServerSettings) {
        let certs = "/v1/auth/cert/certs", crls = "/v1/auth/cert/crls"
        let write = { @Sendable (request: Request, context: VouchContext) async throws -> Response in
            try vouch.requireAdmin(request, context, settings: settings)
            let input = try await request.decode(CertRoleRequest.self, limit: settings.maxBodyBytes).input()
            try await vouch.putCertRole(context.parameters.require("name"), input, remote: settings.caller(request, context).ip)
            return noContent()
        }
        on(.post, certs + "/{name}", write)
        on(.put, certs + "/{name}", write)
        on(.get, certs + "/{name}") { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            return json(vault(data: CertRoleData(try await vouch.certRole(context.parameters.require("name")))))
        }
        on(.delete, certs + "/{name}") { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            try await vouch.deleteCertRole(context.parameters.require("name"), remote: settings.caller(request, context).ip)
            return noContent()
        }
        on(.get, certs) { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            try Self.requireList(request)
            let names = try await vouch.certRoleNames()
            if names.isEmpty { throw ServiceError.notFound("no_roles", "no cert roles") }
            return json(vault(data: VaultKeys(keys: names)))
        }

        let writeCRL = { @Sendable (request: Request, context: VouchContext) async throws -> Response in
            try vouch.requireAdmin(request, context, settings: settings)
            let body = try await request.decode(CRLRequest.self, limit: settings.maxCRLBodyBytes)
            if body.url != nil, body.crl == nil {
                throw ServiceError.badRequest("unsupported_field", "fetching CRLs from a url is not supported: push the CRL itself as crl")
            }
            guard let crl = body.crl else { throw ServiceError.badRequest("missing_field", "one of 'crl' or 'url' must be provided") }
            try await vouch.putCRL(context.parameters.require("name"), Array(crl.utf8), remote: settings.caller(request, context).ip)
            return noContent()
        }
        on(.post, crls + "/{name}", writeCRL)
        on(.put, crls + "/{name}", writeCRL)
        on(.get, crls + "/{name}") { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            let c = try vouch.crl(context.parameters.require("name"))
            let verifiedBy: String? =
                c.list.signatureChecked ? "trusted_ca" : c.list.verifiedIssuers > 0 ? "presented_intermediate" : nil
            return json(vault(data: CRLData(
                serials: Dictionary(c.serials.map { ($0, [:]) }, uniquingKeysWith: { a, _ in a }), issuer: c.list.issuer,
                signature_verified: verifiedBy != nil, verified_by: Nullable(verifiedBy),
                warning: verifiedBy != nil ? nil
                    : "the issuer \(c.list.issuer) is not a configured CA and no login has yet presented it: this CRL revokes nothing until one does and its signature verifies")))
        }
        on(.delete, crls + "/{name}") { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            try await vouch.deleteCRL(context.parameters.require("name"), remote: settings.caller(request, context).ip)
            return noContent()
        }
        on(.get, crls) { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            try Self.requireList(request)
            let names = vouch.crlNames()
            if names.isEmpty { throw ServiceError.notFound("no_crls", "no CRLs") }
            return json(vault(data: VaultKeys(keys: names)))
        }

        let login = { @Sendable (request: Request, context: VouchContext) async throws -> Response in
            let body = try await request.decode(CertLoginRequest.self, limit: settings.maxBodyBytes)
            let caller = settings.caller(request, context)
            let chain = try await settings.clientChain(request, context, caller: caller, audit: vouch.audit)
            let r = try await vouch.loginCert(role: body.name, chain: chain, remote: caller.ip)
            return json(vault(auth: VaultAuth(r.login.accessToken, r.login.record, leaseDuration: r.login.expiresIn)))
        }
        on(.post, "/v1/auth/cert/login", login)
        on(.put, "/v1/auth/cert/login", login)
    }

    static func requireList(_ request: Request) throws {
        guard request.uri.queryParameters.get("list") == "true" else {
            throw ServiceError(.notFound, "route_not_found", "to list, use LIST or GET with ?list=true")
        }
    }
}
