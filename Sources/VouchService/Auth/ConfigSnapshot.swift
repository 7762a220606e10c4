// ConfigSnapshot.swift: every login configuration compiled (trust stores parsed, CRLs
// loaded into revocation sets) into an immutable snapshot. A change makes a new snapshot
// (ConfigBuilder: the previous one with what the change touched recompiled) and swaps it
// in; logins read whichever snapshot is current, without waiting.
import Foundation
import HashTreeCollections
import Synchronization
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

    /// The change log's sequence number this snapshot is the configuration of.
    let seq: Int64
    let tlsAuth: TreeDictionary<String, TLSAuth>   // by identity id
    let roles: [Role]                              // by name, in order
    let crls: [String: CRL]                        // by name
    let crlList: [RevocationList]                  // in the order of their names
    private let cas: AllCAs
    /// Every configured CA, for checking pushed CRLs' signatures.
    var allCAs: TrustStore? { cas.store }
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

    let identityKubernetes: TreeDictionary<String, IdentityKubernetes>   // by identity id
    let vaultKubernetes: [String: VaultKubernetesMount]
    /// By "oidc-auth/ID" and "jwt-auth/ID".
    let identityJWT: TreeDictionary<String, IdentityJWT>
    /// Vault auth mounts by path, the default ones included.
    let mounts: [String: AuthMount]
    let vaultJWT: [String: VaultJWTMount]
    private let warningsByPart: TreeDictionary<ConfigPart, [String]>
    /// What could not be loaded (a CA bundle that does not parse, a CRL that a configured CA
    /// with its issuer's name did not sign, ...): by kind, in the order a full build meets
    /// the kinds, then by key.
    var warnings: [String] { warningsByPart.sorted { $0.key < $1.key }.flatMap(\.value) }

    /// The mounts that exist from the start (Vault's token store, and one per method).
    static let defaultMounts: [AuthMount] = [("token", "token"), ("cert", "cert"), ("jwt", "jwt"), ("oidc", "oidc"),
                                              ("kubernetes", "kubernetes")].map { path, type in
        AuthMount(path: path, type: type, description: "", accessor: "auth_\(type)_vouch", uuid: "", builtin: true)
    }

    /// The builder's state as it stands: the persistent maps are shared, not copied.
    init(_ b: ConfigBuilder) {
        seq = b.seq
        tlsAuth = b.tlsAuth
        roles = b.roles
        crls = b.crls
        crlList = b.crlList
        cas = b.allCAs
        secretsMounts = b.secretsMounts
        ssh = b.ssh
        sshAuthorities = b.sshAuthorities
        sshTemplates = b.sshTemplates
        policies = b.policies
        aclCache = b.aclCache
        identityKubernetes = b.identityKubernetes
        vaultKubernetes = b.vaultKubernetes
        identityJWT = b.identityJWT
        mounts = b.mounts
        vaultJWT = b.vaultJWT
        warningsByPart = b.warnings
    }
}

/// Every distinct CA PEM the configuration holds (identities' TLS auth and cert roles), as
/// one trust store for checking pushed CRLs: built when first asked for, once per set.
final class AllCAs: Sendable {
    /// The PEMs in use when the set was made (the builder's map, shared).
    private let pems: TreeDictionary<String, ParsedPEM>
    private let built = Mutex<TrustStore??>(nil)

    init(_ pems: TreeDictionary<String, ParsedPEM>) { self.pems = pems }

    var store: TrustStore? {
        built.withLock { b in
            if let b { return b }
            // the order of anchors does not matter: a CRL is checked under each of its issuer's name
            let list = pems.compactMap { $0.value.store != nil ? $0.key : nil }
            let s = list.isEmpty ? nil : try? TrustStore(pem: Array(list.joined(separator: "\n").utf8))
            b = .some(s)
            return s
        }
    }
}
