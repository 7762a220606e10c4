// ConfigReference.swift: the oracle of the incremental snapshot tests: the full build of
// the login configuration as it was before the change log (every row compiled from scratch
// on every change), kept verbatim but for type names. An incrementally kept snapshot must
// hold what this builds from the same store.
import Foundation
@testable import VouchService
import VouchCore

struct ReferenceConfig {
    let tlsAuth: [String: ConfigSnapshot.TLSAuth]
    let roles: [ConfigSnapshot.Role]
    let crls: [String: ConfigSnapshot.CRL]
    let crlList: [RevocationList]
    let allCAs: TrustStore?
    let secretsMounts: [String: SecretsMount]
    let ssh: [String: ConfigSnapshot.SSHMount]
    let sshAuthorities: [String: ConfigSnapshot.SSHAuthorityState]
    let sshTemplates: [String: SSHCertificateTemplate]
    let policies: [String: ACLPolicy]
    let identityKubernetes: [String: ConfigSnapshot.IdentityKubernetes]
    let vaultKubernetes: [String: ConfigSnapshot.VaultKubernetesMount]
    let clustersInUse: Set<KubernetesClusterConfig>
    let identityJWT: [String: ConfigSnapshot.IdentityJWT]
    let mounts: [String: AuthMount]
    let vaultJWT: [String: ConfigSnapshot.VaultJWTMount]
    let sourcesInUse: Set<KeySourceConfig>
    let warnings: [String]

    init(_ config: Configuration, context: ConfigSnapshot.Context? = nil) {
        let sources = context?.sources
        let identities = config.identities, tlsAuths = config.tlsCertAuths, roles = config.certRoles, crls = config.crls
        var t: [String: ConfigSnapshot.TLSAuth] = [:]
        var warnings: [String] = []
        var pems: [String] = []
        let byId = Dictionary(identities.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for c in tlsAuths {
            guard let identity = byId[c.identityId] else { continue }
            do {
                t[c.identityId] = ConfigSnapshot.TLSAuth(config: c, identity: identity, store: try TrustStore(pem: Array(c.caCertificate.utf8)))
                pems.append(c.caCertificate)
            } catch {
                warnings.append("TLS certificate auth of identity \(c.identityId): \(error)")
            }
        }
        var r: [ConfigSnapshot.Role] = []
        for role in roles.sorted(by: { $0.name < $1.name }) {
            do {
                r.append(ConfigSnapshot.Role(role: role, store: try TrustStore(pem: Array(role.certificate.utf8))))
                pems.append(role.certificate)
            } catch {
                warnings.append("cert role \(role.name): \(error)")
            }
        }
        let all = pems.isEmpty ? nil : try? TrustStore(pem: Array(pems.joined(separator: "\n").utf8))
        var loaded: [String: ConfigSnapshot.CRL] = [:]
        for (name, data) in crls {
            do {
                // an issuer that is no configured CA: checked at login against the chain's intermediate
                loaded[name] = ConfigSnapshot.CRL(list: try RevocationList(data: data, trustStore: all, deferUnknownIssuer: true))
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
        var ij: [String: ConfigSnapshot.IdentityJWT] = [:]
        for kind in [DocumentKind.identityOIDC, DocumentKind.identityJWT] {
            for (id, c) in docs(kind, IdentityJWTAuth.self) {
                guard let identity = byId[id], let s = source(c.source, "\(c.method.rawValue) of identity \(id)") else { continue }
                ij[c.method.rawValue + "/" + id] = ConfigSnapshot.IdentityJWT(config: c, identity: identity, check: JWTCheck(source: s, rules: c.rules))
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
        var ik: [String: ConfigSnapshot.IdentityKubernetes] = [:]
        for (id, c) in docs(DocumentKind.identityKubernetes, IdentityKubernetesAuth.self) {
            guard let identity = byId[id], let (reviewer, jwt, keys) = cluster(c.cluster, "kubernetes-auth of identity \(id)") else { continue }
            ik[id] = ConfigSnapshot.IdentityKubernetes(config: c, identity: identity,
                                        check: KubernetesCheck(cluster: c.cluster, reviewerJWT: jwt, keys: keys, reviewer: reviewer, rules: c.rules))
        }
        var mounts = Dictionary(ConfigSnapshot.defaultMounts.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
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
        var vj: [String: ConfigSnapshot.VaultJWTMount] = [:], vk: [String: ConfigSnapshot.VaultKubernetesMount] = [:]
        for m in mounts.values {
            switch m.type {
            case "jwt", "oidc":
                let c = configDocs[m.path]?.first.flatMap { decoded(VaultJWTConfig.self, $0) }
                let roles = (roleDocs[m.path] ?? []).compactMap { decoded(VaultJWTRole.self, $0) }
                vj[m.path] = ConfigSnapshot.VaultJWTMount(config: c, source: c.flatMap { source($0.source, "auth/\(m.path)/config") },
                                           roles: Dictionary(roles.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a }))
            case "kubernetes":
                let c = configDocs[m.path]?.first.flatMap { decoded(VaultKubernetesConfig.self, $0) }
                let roles = (roleDocs[m.path] ?? []).compactMap { decoded(VaultKubernetesRole.self, $0) }
                let compiled = c.flatMap { cluster($0.cluster, "auth/\(m.path)/config") }
                vk[m.path] = ConfigSnapshot.VaultKubernetesMount(config: c, reviewer: compiled?.0, reviewerJWT: compiled?.1, keys: compiled?.2,
                                                  roles: Dictionary(roles.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a }))
            default: break
            }
        }
        // Vault secrets mounts: the SSH CAs (private keys unsealed once, here) and roles
        var sm = Dictionary(ConfigSnapshot.defaultSecretsMounts.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        for (path, m) in docs(DocumentKind.secretsMount, SecretsMount.self) { sm[path] = m }
        let cas = Dictionary(docs(DocumentKind.sshCA, SSHCAConfig.self), uniquingKeysWith: { a, _ in a })
        var sshRoles: [String: [String: SSHRole]] = [:]
        for (key, r) in docs(DocumentKind.sshRole, SSHRole.self) {
            sshRoles[key.split(separator: "/", maxSplits: 1).first.map(String.init) ?? key, default: [:]][r.name] = r
        }
        var ssh: [String: ConfigSnapshot.SSHMount] = [:]
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
            ssh[m.path] = ConfigSnapshot.SSHMount(mount: m, ca: ca, caPublicKey: cas[m.path]?.publicKey, roles: sshRoles[m.path] ?? [:])
        }
        secretsMounts = sm
        self.ssh = ssh
        var authorities: [String: ConfigSnapshot.SSHAuthorityState] = [:]
        for (id, a) in docs(DocumentKind.sshAuthority, SSHAuthority.self) {
            var ca: SSHCertificateAuthority?
            if let context {
                do {
                    ca = SSHCertificateAuthority(key: try SSHPrivateKey(pem: try context.sealer.open(a.sealedPrivateKey, context: "ssh-ca-private-key")))
                } catch {
                    warnings.append("ssh CA \(id): \(error)")
                }
            }
            authorities[id] = ConfigSnapshot.SSHAuthorityState(doc: a, ca: ca)
        }
        sshAuthorities = authorities
        sshTemplates = Dictionary(docs(DocumentKind.sshTemplate, SSHCertificateTemplate.self), uniquingKeysWith: { a, _ in a })
        // as Vouch.compiledPolicies was
        var compiled: [String: ACLPolicy] = [:]
        if let d = try? ACLPolicy(name: ACLPolicy.defaultName, text: ACLPolicy.defaultPolicyText) { compiled[d.name] = d }
        for (_, p) in docs(DocumentKind.policy, StoredPolicy.self) {
            do { compiled[p.name] = try ACLPolicy(name: p.name, text: p.text) } catch {
                warnings.append("policy \(p.name): \(error)")
            }
        }
        policies = compiled
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
