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
    /// An identity's OIDC or JWT auth, with its key source.
    struct IdentityJWT: Sendable {
        let config: IdentityJWTAuth
        let identity: Identity
        let check: JWTCheck
    }
    /// A Vault jwt/oidc mount: its config (and key source) and roles.
    struct VaultJWTMount: Sendable {
        let config: VaultJWTConfig?
        let source: KeySetSource?
        let roles: [String: VaultJWTRole]
    }

    let tlsAuth: [String: TLSAuth]   // by identity id
    let roles: [Role]                // by name, in order
    let crls: [String: CRL]          // by name
    let crlList: [RevocationList]
    /// Every configured CA, for checking pushed CRLs' signatures.
    let allCAs: TrustStore?
    /// An identity's Kubernetes auth, with its cluster.
    struct IdentityKubernetes: Sendable {
        let config: IdentityKubernetesAuth
        let identity: Identity
        let check: KubernetesCheck
    }
    /// A Vault kubernetes mount: its config (with the cluster's reviewer and keys) and roles.
    struct VaultKubernetesMount: Sendable {
        let config: VaultKubernetesConfig?
        let reviewer: TokenReviewer?
        let reviewerJWT: String?
        let keys: KeySetSource?
        let roles: [String: VaultKubernetesRole]

        func check(_ role: VaultKubernetesRole) -> KubernetesCheck? {
            guard let config, let reviewer else { return nil }
            return KubernetesCheck(cluster: config.cluster, reviewerJWT: reviewerJWT, keys: keys, reviewer: reviewer, rules: role.rules,
                                   style: .vault)
        }
    }
    /// What compiling a snapshot uses beyond the stored configuration.
    struct Context: Sendable {
        let sources: KeySetSources
        let reviewers: TokenReviewers
        let sealer: SealingKey
    }

    /// A Vault ssh secrets mount: its CA (unsealed, ready to sign) and roles.
    struct SSHMount: Sendable {
        let mount: SecretsMount
        let ca: SSHCertificateAuthority?
        let caPublicKey: String?
        let roles: [String: SSHRole]
    }
    let secretsMounts: [String: SecretsMount]
    let ssh: [String: SSHMount]
    /// An Infisical-shaped SSH CA and its key, unsealed once here (nil: it could not be).
    struct SSHAuthorityState: Sendable {
        let doc: SSHAuthority
        let ca: SSHCertificateAuthority?
    }
    let sshAuthorities: [String: SSHAuthorityState]
    let sshTemplates: [String: SSHCertificateTemplate]
    /// ACL policies by name (`default` always), and the ACLs of the sets tokens carry.
    let policies: [String: ACLPolicy]
    let aclCache: ACLCache
    static let defaultSecretsMounts = [SecretsMount(path: "ssh", type: "ssh", description: "", accessor: "ssh_vouch", uuid: "", builtin: true)]

    let identityKubernetes: [String: IdentityKubernetes]
    let vaultKubernetes: [String: VaultKubernetesMount]
    let clustersInUse: Set<KubernetesClusterConfig>
    /// By "oidc-auth/ID" and "jwt-auth/ID".
    let identityJWT: [String: IdentityJWT]
    /// Vault auth mounts by path, the default ones included.
    let mounts: [String: AuthMount]
    let vaultJWT: [String: VaultJWTMount]
    /// Every key source the configuration names (the others are dropped).
    let sourcesInUse: Set<KeySourceConfig>
    /// What could not be loaded (a CRL that a configured CA with its issuer's name did not sign).
    let warnings: [String]

    /// The mounts that exist from the start (Vault's token store, and one per method).
    static let defaultMounts: [AuthMount] = [("token", "token"), ("cert", "cert"), ("jwt", "jwt"), ("oidc", "oidc"),
                                              ("kubernetes", "kubernetes")].map { path, type in
        AuthMount(path: path, type: type, description: "", accessor: "auth_\(type)_vouch", uuid: "", builtin: true)
    }

    init(_ config: Configuration, context: Context? = nil) {
        let sources = context?.sources
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
        // documents: identities' OIDC / JWT auth, Vault mounts with their configs and roles
        func docs<T: Decodable>(_ kind: String, _ type: T.Type) -> [(String, T)] {
            (config.documents[kind] ?? []).compactMap { d in
                do { return (d.key, try Document.decode(type, d.doc)) } catch {
                    warnings.append("\(kind) \(d.key): \(error)")
                    return nil
                }
            }
        }
        var used = Set<KeySourceConfig>()
        func source(_ c: KeySourceConfig, _ what: String) -> KeySetSource? {
            guard let sources else { return nil }
            do {
                let s = try sources.source(c)
                used.insert(c)
                return s
            } catch {
                warnings.append("\(what): \(error)")
                return nil
            }
        }
        var ij: [String: IdentityJWT] = [:]
        for kind in [DocumentKind.identityOIDC, DocumentKind.identityJWT] {
            for (id, c) in docs(kind, IdentityJWTAuth.self) {
                guard let identity = byId[id], let s = source(c.source, "\(c.method.rawValue) of identity \(id)") else { continue }
                ij[c.method.rawValue + "/" + id] = IdentityJWT(config: c, identity: identity, check: JWTCheck(source: s, rules: c.rules))
            }
        }
        var clusters = Set<KubernetesClusterConfig>()
        /// A cluster's reviewer, its unsealed reviewer JWT and its local key source.
        func cluster(_ c: KubernetesClusterConfig, _ what: String) -> (TokenReviewer, String?, KeySetSource?)? {
            guard let context else { return nil }
            var jwt: String?
            if !c.sealedReviewerJWT.isEmpty {
                guard let bytes = try? context.sealer.open(c.sealedReviewerJWT, context: "kubernetes-reviewer-jwt") else {
                    warnings.append("\(what): the reviewer JWT cannot be unsealed with this master key")
                    return nil
                }
                jwt = String(decoding: bytes, as: UTF8.self)
            }
            var keys: KeySetSource?
            if let k = c.keySource {
                guard let s = source(k, what) else { return nil }
                keys = s
            }
            clusters.insert(c)
            return (context.reviewers.reviewer(c), jwt, keys)
        }
        var ik: [String: IdentityKubernetes] = [:]
        for (id, c) in docs(DocumentKind.identityKubernetes, IdentityKubernetesAuth.self) {
            guard let identity = byId[id], let (reviewer, jwt, keys) = cluster(c.cluster, "kubernetes-auth of identity \(id)") else { continue }
            ik[id] = IdentityKubernetes(config: c, identity: identity,
                                        check: KubernetesCheck(cluster: c.cluster, reviewerJWT: jwt, keys: keys, reviewer: reviewer, rules: c.rules))
        }
        var mounts = Dictionary(Self.defaultMounts.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        for (path, m) in docs(DocumentKind.mount, AuthMount.self) { mounts[path] = m }
        // a mount's config and roles, decoded as its type's
        func mountDocs(_ kind: String) -> [String: [(String, [UInt8])]] {
            var out: [String: [(String, [UInt8])]] = [:]
            for d in config.documents[kind] ?? [] {
                let path = d.key.split(separator: "/", maxSplits: 1).first.map(String.init) ?? d.key
                out[path, default: []].append((d.key, d.doc))
            }
            return out
        }
        let configDocs = mountDocs(DocumentKind.mountConfig), roleDocs = mountDocs(DocumentKind.mountRole)
        func decoded<T: Decodable>(_ type: T.Type, _ d: (String, [UInt8])) -> T? {
            do { return try Document.decode(type, d.1) } catch {
                warnings.append("\(d.0): \(error)")
                return nil
            }
        }
        var vj: [String: VaultJWTMount] = [:], vk: [String: VaultKubernetesMount] = [:]
        for m in mounts.values {
            switch m.type {
            case "jwt", "oidc":
                let c = configDocs[m.path]?.first.flatMap { decoded(VaultJWTConfig.self, $0) }
                let roles = (roleDocs[m.path] ?? []).compactMap { decoded(VaultJWTRole.self, $0) }
                vj[m.path] = VaultJWTMount(config: c, source: c.flatMap { source($0.source, "auth/\(m.path)/config") },
                                           roles: Dictionary(roles.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a }))
            case "kubernetes":
                let c = configDocs[m.path]?.first.flatMap { decoded(VaultKubernetesConfig.self, $0) }
                let roles = (roleDocs[m.path] ?? []).compactMap { decoded(VaultKubernetesRole.self, $0) }
                let compiled = c.flatMap { cluster($0.cluster, "auth/\(m.path)/config") }
                vk[m.path] = VaultKubernetesMount(config: c, reviewer: compiled?.0, reviewerJWT: compiled?.1, keys: compiled?.2,
                                                  roles: Dictionary(roles.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a }))
            default: break
            }
        }
        // Vault secrets mounts: the SSH CAs (private keys unsealed once, here) and roles
        var sm = Dictionary(Self.defaultSecretsMounts.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        for (path, m) in docs(DocumentKind.secretsMount, SecretsMount.self) { sm[path] = m }
        let cas = Dictionary(docs(DocumentKind.sshCA, SSHCAConfig.self), uniquingKeysWith: { a, _ in a })
        var sshRoles: [String: [String: SSHRole]] = [:]
        for (key, r) in docs(DocumentKind.sshRole, SSHRole.self) {
            sshRoles[key.split(separator: "/", maxSplits: 1).first.map(String.init) ?? key, default: [:]][r.name] = r
        }
        var ssh: [String: SSHMount] = [:]
        for m in sm.values where m.type == "ssh" {
            var ca: SSHCertificateAuthority?
            if let c = cas[m.path], let context {
                do {
                    let pem = try context.sealer.open(c.sealedPrivateKey, context: "ssh-ca-private-key")
                    ca = SSHCertificateAuthority(key: try SSHPrivateKey(pem: pem))
                } catch {
                    warnings.append("ssh CA of \(m.path)/: \(error)")
                }
            }
            ssh[m.path] = SSHMount(mount: m, ca: ca, caPublicKey: cas[m.path]?.publicKey, roles: sshRoles[m.path] ?? [:])
        }
        secretsMounts = sm
        self.ssh = ssh
        var authorities: [String: SSHAuthorityState] = [:]
        for (id, a) in docs(DocumentKind.sshAuthority, SSHAuthority.self) {
            var ca: SSHCertificateAuthority?
            if let context {
                do {
                    ca = SSHCertificateAuthority(key: try SSHPrivateKey(pem: try context.sealer.open(a.sealedPrivateKey, context: "ssh-ca-private-key")))
                } catch {
                    warnings.append("ssh CA \(id): \(error)")
                }
            }
            authorities[id] = SSHAuthorityState(doc: a, ca: ca)
        }
        sshAuthorities = authorities
        sshTemplates = Dictionary(docs(DocumentKind.sshTemplate, SSHCertificateTemplate.self), uniquingKeysWith: { a, _ in a })
        policies = Vouch.compiledPolicies(docs(DocumentKind.policy, StoredPolicy.self), warnings: &warnings)
        aclCache = ACLCache(policies)
        identityKubernetes = ik
        vaultKubernetes = vk
        clustersInUse = clusters
        identityJWT = ij
        self.mounts = mounts
        vaultJWT = vj
        sourcesInUse = used
        tlsAuth = t
        self.roles = r
        self.crls = loaded
        crlList = loaded.keys.sorted().compactMap { loaded[$0]?.list }
        allCAs = all
        self.warnings = warnings
    }
}
