// ConfigBuilder.swift: the login configuration kept compiled from one change to the next.
// It holds the stored rows and what was compiled from them, and applies a change-log
// delta (ConfigurationDelta) by recompiling only what the changed rows touch: one
// identity's entries, one CRL, or one of the small groups (cert roles, Vault auth mounts,
// the ssh secrets engine, Infisical's SSH CAs and templates, ACL policies), whose costly
// parts are kept by their input bytes. The identity-scale maps are persistent
// (TreeDictionary): a snapshot shares them, and the next one is the previous one with the
// changed keys replaced. A full load is the same delta applied to an empty builder, so
// both paths compile alike.
//
// Every compiled part records what it holds on to (ConfigUses): the CA PEMs it parsed,
// the key sources and Kubernetes clusters it uses, and its warnings. Replacing a part
// takes the new uses before dropping the old, so reference counts say which trust stores,
// sources and clusters are still used, and which CA PEMs make up `allCAs`.
import HashTreeCollections
import VouchCore

/// A compiled part of the configuration, where its warnings sit in a full build's order.
struct ConfigPart: Hashable, Comparable, Sendable {
    enum Section: Int, Sendable {
        case tlsAuth, certRoles, crl, identityOIDC, identityJWT, identityKubernetes, authMounts, secretsMounts, sshAuthorities,
             sshTemplates, policies
    }
    let section: Section
    let key: String

    init(_ section: Section, _ key: String = "") {
        self.section = section
        self.key = key
    }

    static func < (a: ConfigPart, b: ConfigPart) -> Bool {
        a.section != b.section ? a.section.rawValue < b.section.rawValue : a.key < b.key
    }
}

/// A CA PEM parsed once, shared by every part that names the same text.
final class ParsedPEM: Sendable {
    let pem: String
    let result: Result<TrustStore, any Error>
    var store: TrustStore? { try? result.get() }

    init(_ pem: String) {
        self.pem = pem
        result = Result { try TrustStore(pem: Array(pem.utf8)) }
    }
}

/// What a compiled part holds on to.
struct ConfigUses {
    var warnings: [String] = []
    var pems: [ParsedPEM] = []
    var sources: [KeySourceConfig] = []
    var clusters: [KubernetesClusterConfig] = []

    var isEmpty: Bool { warnings.isEmpty && pems.isEmpty && sources.isEmpty && clusters.isEmpty }
}

/// Used only under Vouch's change lock (held in a Mutex there).
final class ConfigBuilder {
    /// The groups compiled as a whole when one of their kinds changes.
    enum Group: CaseIterable {
        case certRoles, authMounts, secretsMounts, sshAuthorities, sshTemplates, policies

        init?(kind: String) {
            switch kind {
            case DocumentKind.mount, DocumentKind.mountConfig, DocumentKind.mountRole: self = .authMounts
            case DocumentKind.secretsMount, DocumentKind.sshCA, DocumentKind.sshRole: self = .secretsMounts
            case DocumentKind.sshAuthority: self = .sshAuthorities
            case DocumentKind.sshTemplate: self = .sshTemplates
            case DocumentKind.policy: self = .policies
            default: return nil
            }
        }
    }

    /// An identity's entries that a delta touches (bits of a mask).
    private enum Entry {
        static let tls: UInt8 = 1, oidc: UInt8 = 2, jwt: UInt8 = 4, kubernetes: UInt8 = 8, all: UInt8 = 15
        static func of(kind: String) -> UInt8 {
            kind == DocumentKind.identityOIDC ? oidc : kind == DocumentKind.identityJWT ? jwt : kubernetes
        }
    }
    static let identityDocumentKinds = [DocumentKind.identityOIDC, DocumentKind.identityJWT, DocumentKind.identityKubernetes]

    let context: ConfigSnapshot.Context
    /// The change log's sequence number the state is at.
    private(set) var seq: Int64 = 0

    // the stored rows, by their keys
    private var identities = TreeDictionary<String, Identity>()
    private var tlsRows = TreeDictionary<String, TLSCertAuthConfig>()
    /// The identity document kinds, by identity id (a kind is there once any document of it was).
    private var identityDocs: [String: TreeDictionary<String, [UInt8]>] = [:]
    private var certRoleRows: [String: CertRole] = [:]
    private var crlRows: [String: [UInt8]] = [:]
    /// The small groups' document kinds, by kind, then key.
    private var groupDocs: [String: [String: [UInt8]]] = [:]

    // compiled: what snapshots hold
    private(set) var tlsAuth = TreeDictionary<String, ConfigSnapshot.TLSAuth>()
    private(set) var identityJWT = TreeDictionary<String, ConfigSnapshot.IdentityJWT>()
    private(set) var identityKubernetes = TreeDictionary<String, ConfigSnapshot.IdentityKubernetes>()
    private(set) var roles: [ConfigSnapshot.Role] = []
    private(set) var crls: [String: ConfigSnapshot.CRL] = [:]
    private(set) var crlList: [RevocationList] = []
    private(set) var allCAs = AllCAs([:])
    private(set) var mounts: [String: AuthMount] = [:]
    private(set) var vaultJWT: [String: ConfigSnapshot.VaultJWTMount] = [:]
    private(set) var vaultKubernetes: [String: ConfigSnapshot.VaultKubernetesMount] = [:]
    private(set) var secretsMounts: [String: SecretsMount] = [:]
    private(set) var ssh: [String: ConfigSnapshot.SSHMount] = [:]
    private(set) var sshAuthorities: [String: ConfigSnapshot.SSHAuthorityState] = [:]
    private(set) var sshTemplates: [String: SSHCertificateTemplate] = [:]
    private(set) var policies: [String: ACLPolicy] = [:]
    private(set) var aclCache = ACLCache([:])
    /// The warnings of each part that has any.
    private(set) var warnings = TreeDictionary<ConfigPart, [String]>()

    // what the parts hold on to
    private var uses = TreeDictionary<ConfigPart, ConfigUses>()
    /// Trust stores by PEM text, while any part uses them, and how many do.
    private var pems = TreeDictionary<String, ParsedPEM>()
    private var pemUsers: [ObjectIdentifier: Int] = [:]
    /// Whether the set of CA PEMs that parse and are used changed (allCAs is then rebuilt).
    private var casChanged = false
    private var sourceUses: [KeySourceConfig: Int] = [:]
    private var clusterUses: [KubernetesClusterConfig: Int] = [:]
    /// Sources and clusters whose last user went since `takeReleased`.
    private var releasedSources = Set<KeySourceConfig>()
    private var releasedClusters = Set<KubernetesClusterConfig>()

    // the small groups' costly parts, by their input bytes (those the group last used)
    private var sshEngineKeys: [[UInt8]: Result<SSHCertificateAuthority, any Error>] = [:]
    private var sshAuthorityKeys: [[UInt8]: Result<SSHCertificateAuthority, any Error>] = [:]
    private var compiledPolicies: [[UInt8]: CompiledPolicy] = [:]
    private let defaultPolicy = try? ACLPolicy(name: ACLPolicy.defaultName, text: ACLPolicy.defaultPolicyText)

    /// An empty configuration (the default mounts, the default policy).
    init(context: ConfigSnapshot.Context) {
        self.context = context
        for g in Group.allCases { compile(g) }
    }

    /// A builder holding `config`.
    convenience init(_ config: Configuration, context: ConfigSnapshot.Context) {
        self.init(context: context)
        apply(config.asDelta)
    }

    /// The key sources and clusters the configuration uses (the others are dropped).
    var sourcesInUse: Set<KeySourceConfig> { Set(sourceUses.keys) }
    var clustersInUse: Set<KubernetesClusterConfig> { Set(clusterUses.keys) }

    /// The sources and clusters no longer used since the last call (for the registries to drop).
    func takeReleased() -> (sources: Set<KeySourceConfig>, clusters: Set<KubernetesClusterConfig>) {
        defer {
            releasedSources = []
            releasedClusters = []
        }
        return (releasedSources.filter { sourceUses[$0] == nil }, releasedClusters.filter { clusterUses[$0] == nil })
    }

    func snapshot() -> ConfigSnapshot { ConfigSnapshot(self) }

    // MARK: applying changes

    /// Brings the state to `delta.seq`: the rows are replaced, then what they touch recompiled.
    func apply(_ delta: ConfigurationDelta) {
        // with no identity yet, an identity alone compiles to nothing: only its rows of TLS
        // auth and documents make entries (a full load of a large configuration)
        let first = identities.isEmpty && tlsRows.isEmpty && identityDocs.isEmpty
        var entries: [String: UInt8] = [:]  // by identity id
        entries.reserveCapacity((first ? 0 : delta.identities.count) + delta.tlsCertAuths.count)
        var groups = Set<Group>()
        var changedCRLs = Set<String>()
        for (id, identity) in delta.identities {
            identities[id] = identity
            if !first { entries[id] = Entry.all }
        }
        for (id, config) in delta.tlsCertAuths {
            tlsRows[id] = config
            entries[id, default: 0] |= Entry.tls
        }
        for (name, role) in delta.certRoles {
            certRoleRows[name] = role
            groups.insert(.certRoles)
        }
        for (name, data) in delta.crls {
            crlRows[name] = data
            changedCRLs.insert(name)
        }
        for (kind, key, doc) in delta.documents {
            if Self.identityDocumentKinds.contains(kind) {
                identityDocs[kind, default: [:]][key] = doc
                entries[key, default: 0] |= Entry.of(kind: kind)
            } else if let g = Group(kind: kind) {
                groupDocs[kind, default: [:]][key] = doc
                groups.insert(g)
            }  // a kind this Vouch does not know: not part of any login configuration
        }
        // a kind no document was ever of has no entries to recompile
        let kinds = Self.identityDocumentKinds.reduce(Entry.tls) { identityDocs[$1] == nil ? $0 : $0 | Entry.of(kind: $1) }
        for (id, all) in entries {
            let mask = all & kinds
            if mask & Entry.tls != 0 { compileTLS(id) }
            if mask & Entry.oidc != 0 { compileIdentityJWT(DocumentKind.identityOIDC, id) }
            if mask & Entry.jwt != 0 { compileIdentityJWT(DocumentKind.identityJWT, id) }
            if mask & Entry.kubernetes != 0 { compileIdentityKubernetes(id) }
        }
        for g in Group.allCases where groups.contains(g) { compile(g) }
        if casChanged {
            // CRLs are checked against every configured CA: a new set checks them again
            allCAs = AllCAs(pems)
            casChanged = false
            changedCRLs.formUnion(crlRows.keys)
        }
        for name in changedCRLs { compileCRL(name) }
        if !changedCRLs.isEmpty { crlList = crls.keys.sorted().compactMap { crls[$0]?.list } }
        seq = delta.seq
    }

    /// Puts a part's new uses in place of its old ones.
    private func replace(_ part: ConfigPart, _ new: ConfigUses) {
        for p in new.pems {
            let users = pemUsers[ObjectIdentifier(p), default: 0] + 1
            pemUsers[ObjectIdentifier(p)] = users
            if users == 1, p.store != nil { casChanged = true }
        }
        for s in new.sources { sourceUses[s, default: 0] += 1 }
        for c in new.clusters { clusterUses[c, default: 0] += 1 }
        let old = new.isEmpty ? uses.removeValue(forKey: part) : uses.updateValue(new, forKey: part)
        if let old {
            for p in old.pems {
                let users = pemUsers[ObjectIdentifier(p)]! - 1
                if users > 0 {
                    pemUsers[ObjectIdentifier(p)] = users
                } else {
                    pemUsers[ObjectIdentifier(p)] = nil
                    pems[p.pem] = nil
                    if p.store != nil { casChanged = true }
                }
            }
            for s in old.sources {
                sourceUses[s]! -= 1
                if sourceUses[s] == 0 {
                    sourceUses[s] = nil
                    releasedSources.insert(s)
                }
            }
            for c in old.clusters {
                clusterUses[c]! -= 1
                if clusterUses[c] == 0 {
                    clusterUses[c] = nil
                    releasedClusters.insert(c)
                }
            }
        }
        if new.warnings.isEmpty {
            if warnings[part] != nil { warnings[part] = nil }
        } else {
            warnings[part] = new.warnings
        }
    }

    // MARK: the parts' inputs

    /// A PEM's trust store, parsed once while any part uses it; recorded in `u`.
    private func trustStore(_ pem: String, _ u: inout ConfigUses) -> Result<TrustStore, any Error> {
        let p: ParsedPEM
        if let known = pems[pem] {
            p = known
        } else {
            p = ParsedPEM(pem)
            pems[pem] = p
        }
        u.pems.append(p)
        return p.result
    }

    private func source(_ c: KeySourceConfig, _ what: String, _ u: inout ConfigUses) -> KeySetSource? {
        do {
            let s = try context.sources.source(c)
            u.sources.append(c)
            return s
        } catch {
            u.warnings.append("\(what): \(error)")
            return nil
        }
    }

    /// A cluster's reviewer, its unsealed reviewer JWT and its local key source.
    private func cluster(_ c: KubernetesClusterConfig, _ what: String, _ u: inout ConfigUses) -> (TokenReviewer, String?, KeySetSource?)? {
        var jwt: String?
        if !c.sealedReviewerJWT.isEmpty {
            guard let bytes = try? context.sealer.open(c.sealedReviewerJWT, context: "kubernetes-reviewer-jwt") else {
                u.warnings.append("\(what): the reviewer JWT cannot be unsealed with this master key")
                return nil
            }
            jwt = String(decoding: bytes, as: UTF8.self)
        }
        var keys: KeySetSource?
        if let k = c.keySource {
            guard let s = source(k, what, &u) else { return nil }
            keys = s
        }
        u.clusters.append(c)
        return (context.reviewers.reviewer(c), jwt, keys)
    }

    /// An SSH CA's private key, unsealed and parsed.
    private func sshCA(_ sealed: [UInt8], _ memo: [[UInt8]: Result<SSHCertificateAuthority, any Error>])
        -> Result<SSHCertificateAuthority, any Error>
    {
        memo[sealed] ?? Result {
            SSHCertificateAuthority(key: try SSHPrivateKey(pem: try context.sealer.open(sealed, context: "ssh-ca-private-key")))
        }
    }

    // MARK: an identity's entries

    private func compileTLS(_ id: String) {
        let part = ConfigPart(.tlsAuth, id)
        let row = tlsRows[id]
        guard row != nil || uses[part] != nil else { return }  // an entry always has uses (its PEM)
        var u = ConfigUses()
        var entry: ConfigSnapshot.TLSAuth?
        if let c = row, let identity = identities[id] {
            switch trustStore(c.caCertificate, &u) {
            case .success(let store): entry = ConfigSnapshot.TLSAuth(config: c, identity: identity, store: store)
            case .failure(let error): u.warnings.append("TLS certificate auth of identity \(id): \(error)")
            }
        }
        tlsAuth[id] = entry
        replace(part, u)
    }

    private func compileIdentityJWT(_ kind: String, _ id: String) {
        let oidc = kind == DocumentKind.identityOIDC
        let part = ConfigPart(oidc ? .identityOIDC : .identityJWT, id)
        let doc = identityDocs[kind]?[id]
        guard doc != nil || uses[part] != nil else { return }  // an entry always has uses (its key source)
        let key = (oidc ? IdentityJWTAuth.Method.oidc : .jwt).rawValue + "/" + id
        var u = ConfigUses()
        var entry: ConfigSnapshot.IdentityJWT?
        if let doc {
            do {
                let c = try Document.decode(IdentityJWTAuth.self, doc)
                if let identity = identities[id], let s = source(c.source, "\(c.method.rawValue) of identity \(id)", &u) {
                    entry = ConfigSnapshot.IdentityJWT(config: c, identity: identity, check: JWTCheck(source: s, rules: c.rules))
                }
            } catch {
                u.warnings.append("\(kind) \(id): \(error)")
            }
        }
        identityJWT[key] = entry
        replace(part, u)
    }

    private func compileIdentityKubernetes(_ id: String) {
        let kind = DocumentKind.identityKubernetes
        let part = ConfigPart(.identityKubernetes, id)
        let doc = identityDocs[kind]?[id]
        guard doc != nil || uses[part] != nil else { return }  // an entry always has uses (its cluster)
        var u = ConfigUses()
        var entry: ConfigSnapshot.IdentityKubernetes?
        if let doc {
            do {
                let c = try Document.decode(IdentityKubernetesAuth.self, doc)
                if let identity = identities[id], let (reviewer, jwt, keys) = cluster(c.cluster, "kubernetes-auth of identity \(id)", &u) {
                    entry = ConfigSnapshot.IdentityKubernetes(
                        config: c, identity: identity,
                        check: KubernetesCheck(cluster: c.cluster, reviewerJWT: jwt, keys: keys, reviewer: reviewer, rules: c.rules))
                }
            } catch {
                u.warnings.append("\(kind) \(id): \(error)")
            }
        }
        identityKubernetes[id] = entry
        replace(part, u)
    }

    // MARK: CRLs

    private func compileCRL(_ name: String) {
        var u = ConfigUses()
        var entry: ConfigSnapshot.CRL?
        if let data = crlRows[name] {
            do {
                // an issuer that is no configured CA: checked at login against the chain's intermediate
                entry = ConfigSnapshot.CRL(list: try RevocationList(data: data, trustStore: allCAs.store, deferUnknownIssuer: true))
            } catch {
                u.warnings.append("CRL \(name): \(error)")
            }
        }
        crls[name] = entry
        replace(ConfigPart(.crl, name), u)
    }

    // MARK: the small groups

    private func compile(_ group: Group) {
        switch group {
        case .certRoles: compileCertRoles()
        case .authMounts: compileAuthMounts()
        case .secretsMounts: compileSecretsMounts()
        case .sshAuthorities: compileSSHAuthorities()
        case .sshTemplates: compileSSHTemplates()
        case .policies: compilePolicies()
        }
    }

    /// A group kind's documents in key order, decoded; those that do not decode are warned of.
    private func docs<T: Decodable>(_ kind: String, _ type: T.Type, _ u: inout ConfigUses) -> [(String, T)] {
        (groupDocs[kind] ?? [:]).sorted { $0.key < $1.key }.compactMap { key, doc in
            do { return (key, try Document.decode(type, doc)) } catch {
                u.warnings.append("\(kind) \(key): \(error)")
                return nil
            }
        }
    }

    private func compileCertRoles() {
        var u = ConfigUses()
        var r: [ConfigSnapshot.Role] = []
        for (_, role) in certRoleRows.sorted(by: { ($0.value.name, $0.key) < ($1.value.name, $1.key) }) {
            switch trustStore(role.certificate, &u) {
            case .success(let store): r.append(ConfigSnapshot.Role(role: role, store: store))
            case .failure(let error): u.warnings.append("cert role \(role.name): \(error)")
            }
        }
        roles = r
        replace(ConfigPart(.certRoles), u)
    }

    /// Vault auth mounts, the default ones included, with their configs (and key sources or
    /// clusters) and roles.
    private func compileAuthMounts() {
        var u = ConfigUses()
        var mounts = Dictionary(ConfigSnapshot.defaultMounts.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        for (path, m) in docs(DocumentKind.mount, AuthMount.self, &u) { mounts[path] = m }
        // a mount's config and roles, decoded as its type's
        func mountDocs(_ kind: String) -> [String: [(String, [UInt8])]] {
            var out: [String: [(String, [UInt8])]] = [:]
            for (key, doc) in (groupDocs[kind] ?? [:]).sorted(by: { $0.key < $1.key }) {
                let path = key.split(separator: "/", maxSplits: 1).first.map(String.init) ?? key
                out[path, default: []].append((key, doc))
            }
            return out
        }
        let configDocs = mountDocs(DocumentKind.mountConfig), roleDocs = mountDocs(DocumentKind.mountRole)
        func decoded<T: Decodable>(_ type: T.Type, _ d: (String, [UInt8])) -> T? {
            do { return try Document.decode(type, d.1) } catch {
                u.warnings.append("\(d.0): \(error)")
                return nil
            }
        }
        var vj: [String: ConfigSnapshot.VaultJWTMount] = [:], vk: [String: ConfigSnapshot.VaultKubernetesMount] = [:]
        for m in mounts.values.sorted(by: { $0.path < $1.path }) {
            switch m.type {
            case "jwt", "oidc":
                let c = configDocs[m.path]?.first.flatMap { decoded(VaultJWTConfig.self, $0) }
                let roles = (roleDocs[m.path] ?? []).compactMap { decoded(VaultJWTRole.self, $0) }
                vj[m.path] = ConfigSnapshot.VaultJWTMount(
                    config: c, source: c.flatMap { source($0.source, "auth/\(m.path)/config", &u) },
                    roles: Dictionary(roles.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a }))
            case "kubernetes":
                let c = configDocs[m.path]?.first.flatMap { decoded(VaultKubernetesConfig.self, $0) }
                let roles = (roleDocs[m.path] ?? []).compactMap { decoded(VaultKubernetesRole.self, $0) }
                let compiled = c.flatMap { cluster($0.cluster, "auth/\(m.path)/config", &u) }
                vk[m.path] = ConfigSnapshot.VaultKubernetesMount(
                    config: c, reviewer: compiled?.0, reviewerJWT: compiled?.1, keys: compiled?.2,
                    roles: Dictionary(roles.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a }))
            default: break
            }
        }
        self.mounts = mounts
        vaultJWT = vj
        vaultKubernetes = vk
        replace(ConfigPart(.authMounts), u)
    }

    /// Vault secrets mounts: the SSH CAs (private keys unsealed once per sealed key) and roles.
    private func compileSecretsMounts() {
        var u = ConfigUses()
        var sm = Dictionary(ConfigSnapshot.defaultSecretsMounts.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        for (path, m) in docs(DocumentKind.secretsMount, SecretsMount.self, &u) { sm[path] = m }
        let cas = Dictionary(docs(DocumentKind.sshCA, SSHCAConfig.self, &u), uniquingKeysWith: { a, _ in a })
        var sshRoles: [String: [String: SSHRole]] = [:]
        for (key, r) in docs(DocumentKind.sshRole, SSHRole.self, &u) {
            sshRoles[key.split(separator: "/", maxSplits: 1).first.map(String.init) ?? key, default: [:]][r.name] = r
        }
        var keys: [[UInt8]: Result<SSHCertificateAuthority, any Error>] = [:]
        var ssh: [String: ConfigSnapshot.SSHMount] = [:]
        for m in sm.values.sorted(by: { $0.path < $1.path }) where m.type == "ssh" {
            var ca: SSHCertificateAuthority?
            if let c = cas[m.path] {
                let r = sshCA(c.sealedPrivateKey, sshEngineKeys)
                keys[c.sealedPrivateKey] = r
                switch r {
                case .success(let a): ca = a
                case .failure(let error): u.warnings.append("ssh CA of \(m.path)/: \(error)")
                }
            }
            ssh[m.path] = ConfigSnapshot.SSHMount(mount: m, ca: ca, caPublicKey: cas[m.path]?.publicKey, roles: sshRoles[m.path] ?? [:])
        }
        sshEngineKeys = keys
        secretsMounts = sm
        self.ssh = ssh
        replace(ConfigPart(.secretsMounts), u)
    }

    /// Infisical-shaped SSH CAs, their keys unsealed once per sealed key.
    private func compileSSHAuthorities() {
        var u = ConfigUses()
        var keys: [[UInt8]: Result<SSHCertificateAuthority, any Error>] = [:]
        var authorities: [String: ConfigSnapshot.SSHAuthorityState] = [:]
        for (id, a) in docs(DocumentKind.sshAuthority, SSHAuthority.self, &u) {
            let r = sshCA(a.sealedPrivateKey, sshAuthorityKeys)
            keys[a.sealedPrivateKey] = r
            var ca: SSHCertificateAuthority?
            switch r {
            case .success(let c): ca = c
            case .failure(let error): u.warnings.append("ssh CA \(id): \(error)")
            }
            authorities[id] = ConfigSnapshot.SSHAuthorityState(doc: a, ca: ca)
        }
        sshAuthorityKeys = keys
        sshAuthorities = authorities
        replace(ConfigPart(.sshAuthorities), u)
    }

    private func compileSSHTemplates() {
        var u = ConfigUses()
        sshTemplates = Dictionary(docs(DocumentKind.sshTemplate, SSHCertificateTemplate.self, &u), uniquingKeysWith: { a, _ in a })
        replace(ConfigPart(.sshTemplates), u)
    }

    /// A stored policy document, decoded and compiled.
    private enum CompiledPolicy {
        case undecodable(any Error)
        case stored(StoredPolicy, Result<ACLPolicy, any Error>)
    }

    /// ACL policies by name, `default` always; each compiled once per stored text.
    private func compilePolicies() {
        var u = ConfigUses()
        var out: [String: ACLPolicy] = [:]
        if let d = defaultPolicy { out[d.name] = d }
        var memo: [[UInt8]: CompiledPolicy] = [:]
        for (key, doc) in (groupDocs[DocumentKind.policy] ?? [:]).sorted(by: { $0.key < $1.key }) {
            let c = compiledPolicies[doc] ?? { () -> CompiledPolicy in
                do {
                    let p = try Document.decode(StoredPolicy.self, doc)
                    return .stored(p, Result { try ACLPolicy(name: p.name, text: p.text) })
                } catch {
                    return .undecodable(error)
                }
            }()
            memo[doc] = c
            switch c {
            case .undecodable(let error): u.warnings.append("\(DocumentKind.policy) \(key): \(error)")
            case .stored(let p, .success(let policy)): out[p.name] = policy
            case .stored(let p, .failure(let error)): u.warnings.append("policy \(p.name): \(error)")
            }
        }
        compiledPolicies = memo
        policies = out
        aclCache = ACLCache(out)
        replace(ConfigPart(.policies), u)
    }
}
