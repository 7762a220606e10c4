// ConfigSnapshot.swift: every login configuration compiled once (trust stores parsed,
// CRLs loaded into revocation sets) into an immutable snapshot. A change builds a new
// snapshot and swaps it in; logins read whichever snapshot is current, without waiting.
import Foundation
import VouchCore

final class ConfigSnapshot: Sendable {
    struct TLSAuth: Sendable {
        let config: TLSCertAuthConfig
        let identity: Identity
        let store: TrustStore
    }
    struct Role: Sendable {
        let role: CertRole
        let store: TrustStore
    }
    struct CRL: Sendable {
        let list: RevocationList
    }

    let tlsAuth: [String: TLSAuth]   // by identity id
    let roles: [Role]                // by name, in order
    let crls: [String: CRL]          // by name
    let crlList: [RevocationList]
    /// Every configured CA, for checking pushed CRLs' signatures.
    let allCAs: TrustStore?
    /// What could not be loaded (a CRL that a configured CA with its issuer's name did not sign).
    let warnings: [String]

    init(_ config: Configuration) {
        let identities = config.identities, tlsAuths = config.tlsCertAuths, roles = config.certRoles, crls = config.crls
        var t: [String: TLSAuth] = [:]
        var warnings: [String] = []
        var pems: [String] = []
        let byId = Dictionary(identities.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for c in tlsAuths {
            guard let identity = byId[c.identityId] else { continue }
            do {
                t[c.identityId] = TLSAuth(config: c, identity: identity, store: try TrustStore(pem: Array(c.caCertificate.utf8)))
                pems.append(c.caCertificate)
            } catch {
                warnings.append("TLS certificate auth of identity \(c.identityId): \(error)")
            }
        }
        var r: [Role] = []
        for role in roles.sorted(by: { $0.name < $1.name }) {
            do {
                r.append(Role(role: role, store: try TrustStore(pem: Array(role.certificate.utf8))))
                pems.append(role.certificate)
            } catch {
                warnings.append("cert role \(role.name): \(error)")
            }
        }
        let all = pems.isEmpty ? nil : try? TrustStore(pem: Array(pems.joined(separator: "\n").utf8))
        var loaded: [String: CRL] = [:]
        for (name, data) in crls {
            do {
                // an issuer that is no configured CA: checked at login against the chain's intermediate
                loaded[name] = CRL(list: try RevocationList(data: data, trustStore: all, deferUnknownIssuer: true))
            } catch {
                warnings.append("CRL \(name): \(error)")
            }
        }
        tlsAuth = t
        self.roles = r
        self.crls = loaded
        crlList = loaded.keys.sorted().compactMap { loaded[$0]?.list }
        allCAs = all
        self.warnings = warnings
    }
}
