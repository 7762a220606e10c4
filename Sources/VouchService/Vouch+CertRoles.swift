// Vouch+CertRoles.swift: Vault's cert auth method: named roles (a CA or a pinned
// certificate, allowed names, token settings), named CRLs, and the login that checks one
// named role or every role in name order, the first that accepts winning.
import Foundation
import VouchCore

/// The fields of a Vault cert role write, already decoded from either of Vault's names.
public struct CertRoleInput: Sendable {
    public var certificate: String?
    public var displayName: String?
    public var allowedNames: [String]?
    public var allowedCommonNames: [String]?
    public var allowedDNSSANs: [String]?
    public var allowedEmailSANs: [String]?
    public var allowedURISANs: [String]?
    public var allowedOrganizationalUnits: [String]?
    public var policies: [String]?
    public var ttl: Int?
    public var maxTTL: Int?
    public var numUses: Int?
    public var boundCIDRs: [String]?
    public var tokenType: String?
    public var strict: Bool?

    public init() {}
}

/// What a Vault cert login hands back.
public struct CertLoginResult: Sendable {
    public let login: LoginResult
    public let role: CertRole
    public let names: CertificateNames
}

extension Vouch {
    /// Vault's default and maximum token TTL (768h) stand in for 0.
    static let vaultDefaultTTL = 2_764_800

    /// Vault's token_* fields of a role (cert, jwt, kubernetes), written onto its token
    /// settings: 0 TTLs mean Vault's default, bound CIDRs none means everywhere, service
    /// tokens only; then the rules every auth method's settings share.
    static func applyVaultTokenFields(ttl: Int?, maxTTL: Int?, numUses: Int?, boundCIDRs: [String]?, tokenType type: String?,
                                      to token: inout TokenSettings, tokenType: inout String) throws {
        if let v = ttl {
            guard v >= 0 else { throw ServiceError.badRequest("invalid_ttl", "token_ttl must not be negative") }
            token.ttl = v == 0 ? vaultDefaultTTL : v
        }
        if let v = maxTTL {
            guard v >= 0 else { throw ServiceError.badRequest("invalid_ttl", "token_max_ttl must not be negative") }
            token.maxTTL = v == 0 ? vaultDefaultTTL : v
        }
        if let v = numUses { token.numUsesLimit = v }
        if let v = boundCIDRs { token.trustedIPs = v.isEmpty ? [.anyIPv4, .anyIPv6] : try NamePolicy.list(v).map(CIDR.init) }
        if let v = type {
            guard ["", "default", "service", "default-service"].contains(v) else {
                throw ServiceError.badRequest("invalid_token_type", "token_type \"\(v)\" is not supported (service tokens only)")
            }
            tokenType = v.isEmpty ? "default" : v
        }
        if token.ttl > token.maxTTL { throw ServiceError.badRequest("invalid_ttl", "ttl should be shorter than max_ttl") }
        try token.validate(names: ("token_ttl", "token_max_ttl", "token_num_uses", "token_bound_cidrs"))
    }

    /// A role or CRL name as Vault takes it (its GenericNameRegex, `\w(([\w-.]+)?\w)?`): ASCII
    /// letters, digits and `_`, with `-` and `.` allowed inside, so never `.`, `..` or `-a`;
    /// lower-cased, as Vault stores it; at most 128 characters (Vault sets no limit).
    static func roleName(_ name: String) throws -> String {
        let n = name.lowercased()
        func word(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || c == 0x5f }
        let b = Array(n.utf8)
        guard (1...128).contains(b.count), word(b.first!), word(b.last!),
              b.allSatisfy({ word($0) || $0 == 0x2d || $0 == 0x2e }) else {
            throw ServiceError.badRequest(
                "invalid_name", "a name is 1 to 128 ASCII letters, digits or _, with - and . allowed between them (as Vault's)")
        }
        return n
    }

    /// Writes a role (Vault's create-or-update: fields not given keep their value).
    public func putCertRole(_ name: String, _ input: CertRoleInput, remote: String?) async throws {
        let n = try Self.roleName(name)
        let existing = try await store.certRoles().first { $0.name == n }
        guard let cert = input.certificate ?? existing?.certificate, !cert.isEmpty else {
            throw ServiceError.badRequest("missing_field", "certificate is required")
        }
        var role = existing ?? CertRole(
            name: n, displayName: n, certificate: cert, names: NamePolicy(), policies: [],
            token: TokenSettings(ttl: Self.vaultDefaultTTL, maxTTL: Self.vaultDefaultTTL), tokenType: "default")
        role.certificate = try Self.checkedCA(cert, field: "certificate")
        if let v = input.displayName { role.displayName = v.isEmpty ? n : v }
        if let v = input.allowedNames { role.names.allowedNames = NamePolicy.list(v) }
        if let v = input.allowedCommonNames { role.names.allowedCommonNames = NamePolicy.list(v) }
        if let v = input.allowedDNSSANs { role.names.allowedDNSSANs = NamePolicy.list(v) }
        if let v = input.allowedEmailSANs { role.names.allowedEmailSANs = NamePolicy.list(v) }
        if let v = input.allowedURISANs { role.names.allowedURISANs = NamePolicy.list(v) }
        if let v = input.allowedOrganizationalUnits { role.names.allowedOrganizationalUnits = NamePolicy.list(v) }
        if let v = input.policies { role.policies = try Self.validPolicies(v) }
        try Self.applyVaultTokenFields(ttl: input.ttl, maxTTL: input.maxTTL, numUses: input.numUses, boundCIDRs: input.boundCIDRs,
                                       tokenType: input.tokenType, to: &role.token, tokenType: &role.tokenType)
        if let v = input.strict { role.strict = v }
        let written = role
        try await change { try await self.store.putCertRole(written) }
        adminEvent("write-cert-role", subject: n, remote: remote)
    }

    public func certRole(_ name: String) async throws -> CertRole {
        let n = name.lowercased()
        guard let r = try await store.certRoles().first(where: { $0.name == n }) else {
            throw ServiceError.notFound("role_not_found", "no cert role \(n)")
        }
        return r
    }

    public func certRoleNames() async throws -> [String] { try await store.certRoles().map(\.name) }

    public func deleteCertRole(_ name: String, remote: String?) async throws {
        let n = name.lowercased()
        guard try await change({ try await self.store.deleteCertRole(n) }) else { throw ServiceError.notFound("role_not_found", "no cert role \(n)") }
        adminEvent("delete-cert-role", subject: n, remote: remote)
    }

    // MARK: CRLs

    /// Stores a named CRL (PEM or DER); it applies to every TLS certificate login from then
    /// on. Issued by a configured CA, its signature is checked now. Issued by anyone else
    /// (typically an intermediate that the client presents), it is stored unverified: a
    /// login checks it against the verified intermediate of its chain, and until it
    /// verifies there it revokes nothing (reads say so).
    public func putCRL(_ name: String, _ data: [UInt8], remote: String?) async throws {
        let n = try Self.roleName(name)
        guard data.count <= 64 * 1024 * 1024 else { throw ServiceError(.tooLarge, "crl_too_large", "a CRL is at most 64 MiB") }
        let blocks = RevocationList.split(data)
        guard blocks.count == 1 else {
            throw ServiceError.badRequest("invalid_crl", "one CRL per name (\(blocks.count) were given)")
        }
        do {
            _ = try RevocationList(data: blocks[0], trustStore: current.allCAs, deferUnknownIssuer: true)
        } catch let e as VouchError {
            adminEvent("write-crl", subject: n, remote: remote, outcome: "failed", reason: e.message)
            throw ServiceError.badRequest("invalid_crl", e.message)
        }
        let block = blocks[0]
        try await change { try await self.store.putCRL(name: n, data: block) }
        adminEvent("write-crl", subject: n, remote: remote)
    }

    /// The serial numbers (decimal, as Vault lists them) of a named CRL.
    public func crl(_ name: String) throws -> (serials: [String], list: RevocationList) {
        let n = name.lowercased()
        guard let c = current.crls[n] else { throw ServiceError.notFound("crl_not_found", "no CRL \(n)") }
        return (c.list.serials.map(CertificateNames.decimal), c.list)
    }

    public func crlNames() -> [String] { current.crls.keys.sorted() }

    public func deleteCRL(_ name: String, remote: String?) async throws {
        let n = name.lowercased()
        guard try await change({ try await self.store.deleteCRL(n) }) else { throw ServiceError.notFound("crl_not_found", "no CRL \(n)") }
        adminEvent("delete-crl", subject: n, remote: remote)
    }

    // MARK: login

    public func loginCert(role name: String?, chain: [UInt8], remote: String) async throws -> CertLoginResult {
        let started = DispatchTime.now().uptimeNanoseconds
        defer { observeLogin("cert", since: started) }
        func refuse(_ code: String, _ detail: String, _ kind: ServiceError.Kind = .badRequest,
                    message: String = "failed to match all constraints for this login certificate") -> ServiceError {
            audit.record(.init(type: "login", action: "cert", outcome: "refused", remote: remote, subject: name, code: code,
                               reason: detail))
            metrics.increment("vouch_logins_total", [("method", "cert"), ("outcome", "refused")])
            return ServiceError(kind, code, message, detail: detail)
        }
        guard let snap = try? liveSnapshot() else {
            throw refuse("configuration_unavailable", "the configuration is being reloaded after a failed reload", .unavailable,
                         message: "the configuration could not be reloaded after a change; logins resume once it is")
        }
        guard !chain.isEmpty else {
            throw refuse("missing_client_certificate", "no client certificate", message: "client certificate must be supplied")
        }
        var roles = snap.roles
        if let name, !name.isEmpty {
            roles = roles.filter { $0.role.name == name.lowercased() }
            if roles.isEmpty { throw refuse("role_not_found", "no cert role \(name.lowercased())") }
        }
        let at = Date(timeIntervalSince1970: TimeInterval(now()))
        var reasons: [String] = []
        for r in roles {
            let v = r.store.verify(chain: chain, crls: snap.crlList, at: at, strict: r.role.strict)
            if let refusal = v.refusal {
                if refusal.isInputError {
                    throw refuse(refusal.code, refusal.message, message: "the client certificate is unreadable: \(refusal.code)")
                }
                reasons.append("\(r.role.name): \(refusal.code): \(refusal.message)")
                continue
            }
            guard let names = v.leafNames else { continue }
            if let why = r.role.names.refusal(names) {
                reasons.append("\(r.role.name): \(why)")
                continue
            }
            guard CIDR.anyContains(r.role.token.trustedIPs, remote) else {
                throw refuse("ip_not_trusted", "\(r.role.name): \(remote) is outside token_bound_cidrs", .forbidden,
                             message: "permission denied")
            }
            let metadata = [
                "cert_name": r.role.name, "common_name": names.commonNames.first ?? "", "serial_number": names.serialNumber,
                "subject_key_id": names.subjectKeyID, "authority_key_id": names.authorityKeyID,
            ]
            let login = try await issue(
                subject: "cert/\(r.role.name)", method: "cert", displayName: "cert-\(r.role.displayName)",
                policies: r.role.policies, metadata: metadata, settings: r.role.token, identityId: nil)
            var extra = ["common_name": names.commonNames.first ?? "", "serial_number": names.serialNumber]
            if case let w = v.warnings, !w.isEmpty { extra["warnings"] = w.map(\.message).joined(separator: "; ") }
            audit.record(.init(type: "login", action: "cert", outcome: "allowed", remote: remote, subject: r.role.name,
                               accessor: login.record.accessor, extra: extra))
            metrics.increment("vouch_logins_total", [("method", "cert"), ("outcome", "allowed")])
            return CertLoginResult(login: login, role: r.role, names: names)
        }
        throw refuse(roles.isEmpty ? "no_roles" : "no_role_matched", reasons.isEmpty ? "no cert roles are configured" : reasons.joined(separator: "; "))
    }
}
