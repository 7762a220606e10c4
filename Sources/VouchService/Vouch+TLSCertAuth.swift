// Vouch+TLSCertAuth.swift: TLS certificate auth attached to identities (Infisical's
// shapes), and the login: chain verified against the identity's CAs and every CRL,
// names checked against its allowed lists, a token issued under its token settings.
import Foundation
import VouchCore

/// The settable fields of an identity's TLS certificate auth; nil leaves a field as it is
/// (on attach: its default).
public struct TLSCertAuthInput: Sendable {
    public var caCertificate: String?
    public var allowedCommonNames: String?
    public var allowedDNSSANs: String?
    public var allowedEmailSANs: String?
    public var allowedURISANs: String?
    public var allowedOrganizationalUnits: String?
    public var accessTokenTTL: Int?
    public var accessTokenMaxTTL: Int?
    public var accessTokenNumUsesLimit: Int?
    public var accessTokenTrustedIps: [String]?
    public var strict: Bool?

    public init() {}
}

/// What a successful login hands back.
public struct LoginResult: Sendable {
    public let accessToken: String
    public let record: TokenRecord
    /// Seconds until the token expires, and until its max TTL, counted from `now`.
    public let expiresIn: Int
    public let maxTTL: Int

    init(accessToken: String, record: TokenRecord, now: Int64? = nil) {
        self.accessToken = accessToken
        self.record = record
        let t = now ?? record.createdAt
        expiresIn = Int(record.expiresAt - t)
        maxTTL = Int(record.maxExpiresAt - record.createdAt)
    }
}

extension Vouch {
    static let maxCABytes = 256 * 1024

    static func checkedCA(_ pem: String, field: String) throws -> String {
        guard pem.utf8.count <= maxCABytes else {
            throw ServiceError(.tooLarge, "invalid_ca_certificate", "\(field) is larger than \(maxCABytes) bytes")
        }
        do {
            _ = try TrustStore(pem: Array(pem.utf8))
        } catch let e as VouchError {
            throw ServiceError.badRequest("invalid_ca_certificate", "\(field): \(e.message)")
        }
        return pem
    }

    public func attachTLSCertAuth(identityId: String, _ input: TLSCertAuthInput, remote: String?) async throws -> TLSCertAuthConfig {
        _ = try await identity(identityId)
        guard let ca = input.caCertificate else {
            throw ServiceError.badRequest("missing_field", "caCertificate is required")
        }
        let now = Date(timeIntervalSince1970: TimeInterval(self.now()))
        var config = TLSCertAuthConfig(
            id: UUID().uuidString.lowercased(), identityId: identityId, caCertificate: try Self.checkedCA(ca, field: "caCertificate"),
            names: NamePolicy(), token: TokenSettings(), createdAt: now, updatedAt: now)
        try apply(input, to: &config)
        let attached = config
        let inserted = try await change { try await self.store.putTLSCertAuth(attached, insert: true) }
        guard inserted else {
            throw ServiceError(.conflict, "auth_method_exists", "TLS certificate auth is already attached to identity \(identityId)")
        }
        adminEvent("attach-tls-cert-auth", subject: identityId, remote: remote)
        return config
    }

    public func updateTLSCertAuth(identityId: String, _ input: TLSCertAuthInput, remote: String?) async throws -> TLSCertAuthConfig {
        var config = try await tlsCertAuth(identityId: identityId)
        if let ca = input.caCertificate { config.caCertificate = try Self.checkedCA(ca, field: "caCertificate") }
        try apply(input, to: &config)
        config.updatedAt = Date(timeIntervalSince1970: TimeInterval(now()))
        let updated = config
        _ = try await change { try await self.store.putTLSCertAuth(updated, insert: false) }
        adminEvent("update-tls-cert-auth", subject: identityId, remote: remote)
        return config
    }

    public func tlsCertAuth(identityId: String) async throws -> TLSCertAuthConfig {
        guard let c = try await store.tlsCertAuth(identityId: identityId) else {
            _ = try await identity(identityId)
            throw ServiceError.notFound("auth_method_not_found", "TLS certificate auth is not attached to identity \(identityId)")
        }
        return c
    }

    /// Detaches TLS certificate auth from the identity and revokes the tokens it issued.
    public func revokeTLSCertAuth(identityId: String, remote: String?) async throws -> TLSCertAuthConfig {
        let c = try await tlsCertAuth(identityId: identityId)
        _ = try await change { try await self.store.deleteTLSCertAuth(identityId: identityId) }
        adminEvent("revoke-tls-cert-auth", subject: identityId, remote: remote)
        return c
    }

    private func apply(_ input: TLSCertAuthInput, to config: inout TLSCertAuthConfig) throws {
        func names(_ s: String?) -> [String]? { s.map { NamePolicy.list([$0]) } }
        if let v = names(input.allowedCommonNames) { config.names.allowedCommonNames = v }
        if let v = names(input.allowedDNSSANs) { config.names.allowedDNSSANs = v }
        if let v = names(input.allowedEmailSANs) { config.names.allowedEmailSANs = v }
        if let v = names(input.allowedURISANs) { config.names.allowedURISANs = v }
        if let v = names(input.allowedOrganizationalUnits) { config.names.allowedOrganizationalUnits = v }
        if let v = input.accessTokenTTL { config.token.ttl = v }
        if let v = input.accessTokenMaxTTL { config.token.maxTTL = v }
        if let v = input.accessTokenNumUsesLimit { config.token.numUsesLimit = v }
        if let v = input.accessTokenTrustedIps { config.token.trustedIPs = try v.map(CIDR.init) }
        if let v = input.strict { config.strict = v }
        try config.token.validate(names: ("accessTokenTTL", "accessTokenMaxTTL", "accessTokenNumUsesLimit", "accessTokenTrustedIps"))
    }

    /// A TLS certificate login for `identityId` with the client's chain (leaf first; PEM
    /// or DER), from `remote`. Refusals are audited with the core's precise reason and
    /// thrown with a stable code and a message that does not help an attacker.
    public func loginTLSCertAuth(identityId: String, chain: [UInt8], remote: String) async throws -> LoginResult {
        let started = DispatchTime.now().uptimeNanoseconds
        defer { observeLogin("tls-cert-auth", since: started) }
        func refuse(_ code: String, _ detail: String, _ kind: ServiceError.Kind = .unauthorized, message: String? = nil)
            -> ServiceError
        {
            audit.record(.init(type: "login", action: "tls-cert-auth", outcome: "refused", remote: remote, subject: identityId,
                               code: code, reason: detail))
            metrics.increment("vouch_logins_total", [("method", "tls-cert-auth"), ("outcome", "refused")])
            return ServiceError(kind, code, message ?? "certificate refused", detail: detail)
        }
        guard let snap = try? liveSnapshot() else {
            throw refuse("configuration_unavailable", "the configuration is being reloaded after a failed reload", .unavailable,
                         message: "the configuration could not be reloaded after a change; logins resume once it is")
        }
        guard let auth = snap.tlsAuth[identityId] else {
            throw refuse("auth_method_not_found", "no TLS certificate auth is attached to this identity", .notFound,
                         message: "TLS certificate auth is not configured for this identity")
        }
        guard !chain.isEmpty else {
            throw refuse("missing_client_certificate", "no client certificate was presented", .badRequest,
                         message: "no client certificate was presented")
        }
        guard CIDR.anyContains(auth.config.token.trustedIPs, remote) else {
            throw refuse("ip_not_trusted", "\(remote) is not among the trusted IPs", .forbidden, message: "address not trusted")
        }
        let v = auth.store.verify(chain: chain, crls: snap.crlList, at: Date(timeIntervalSince1970: TimeInterval(now())),
                                  strict: auth.config.strict)
        if let r = v.refusal {
            if r.isInputError { throw refuse(r.code, r.message, .badRequest, message: "the client certificate is unreadable: \(r.code)") }
            throw refuse(r.code, r.message)
        }
        guard let names = v.leafNames else { throw refuse("malformed_der", "the accepted leaf has no readable names") }
        if let why = auth.config.names.refusal(names) { throw refuse("name_not_allowed", why) }
        let identity = auth.identity
        let result = try await issue(
            subject: identityId, method: "tls-cert-auth", displayName: identity.name, policies: identity.policies,
            metadata: ["identityName": identity.name, "role": identity.role, "common_name": names.commonNames.first ?? "",
                       "serial_number": names.serialNumber],
            settings: auth.config.token, identityId: identityId)
        var extra = ["common_name": names.commonNames.first ?? "", "serial_number": names.serialNumber]
        if case let w = v.warnings, !w.isEmpty { extra["warnings"] = w.map(\.message).joined(separator: "; ") }
        audit.record(.init(type: "login", action: "tls-cert-auth", outcome: "allowed", remote: remote, subject: identityId,
                           accessor: result.record.accessor, extra: extra))
        metrics.increment("vouch_logins_total", [("method", "tls-cert-auth"), ("outcome", "allowed")])
        return result
    }

    func observeLogin(_ method: String, since started: UInt64) {
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        metrics.observe("vouch_login_duration_seconds", [("method", method)], seconds: seconds)
    }
}
