// ConfigSnapshotIncrementalTests.swift: the snapshot kept from change to change (the
// change log's deltas applied to the previous one) holds exactly what a full build from the
// same store holds, after any sequence of changes: randomised sequences with fixed seeds
// over every kind of configuration, through the service and, for what the service refuses
// to write (CA bundles that do not parse, documents that do not decode, orphans), straight
// into the store. Two references: the builder applied to the whole configuration at once,
// and the full build as it was before the change log (ConfigReference.swift).
import Foundation
import Synchronization
@testable import VouchService
import VouchCore
import VouchTestSupport
import XCTest

/// What a configuration snapshot holds, as text that can be compared.
struct ObservedConfig: Equatable {
    var entries: [String: String] = [:]
    var warnings: [String] = []
    var sources = Set<KeySourceConfig>()
    var clusters = Set<KubernetesClusterConfig>()

    static func enc(_ v: some Encodable) -> String { JSON.encode(v) }
    static func anchors(_ s: TrustStore?) -> String {
        s.map { $0.certificates.map { Base64.encode($0.der) }.joined(separator: ",") } ?? "none"
    }
    static func crl(_ l: RevocationList) -> String {
        "\(l.count) checked \(l.signatureChecked) deferred \(l.isDeferred) \(l.issuer) \(l.serials.map { Base64.encode($0) })"
    }
    static func sshKey(_ ca: SSHCertificateAuthority?) -> String { ca?.key.publicKey.line() ?? "-" }

    /// Every compiled part, keyed by where it sits.
    init(tlsAuth: [(String, ConfigSnapshot.TLSAuth)], roles: [ConfigSnapshot.Role], crls: [String: ConfigSnapshot.CRL],
         crlList: [RevocationList], allCAs: TrustStore?, identityJWT: [(String, ConfigSnapshot.IdentityJWT)],
         identityKubernetes: [(String, ConfigSnapshot.IdentityKubernetes)], mounts: [String: AuthMount],
         vaultJWT: [String: ConfigSnapshot.VaultJWTMount], vaultKubernetes: [String: ConfigSnapshot.VaultKubernetesMount],
         secretsMounts: [String: SecretsMount], ssh: [String: ConfigSnapshot.SSHMount],
         sshAuthorities: [String: ConfigSnapshot.SSHAuthorityState], sshTemplates: [String: SSHCertificateTemplate],
         policies: [String: ACLPolicy], warnings: [String], sources: Set<KeySourceConfig>, clusters: Set<KubernetesClusterConfig>)
    {
        typealias O = ObservedConfig
        for (id, t) in tlsAuth { entries["tls/\(id)"] = O.enc(t.config) + O.enc(t.identity) + O.anchors(t.store) }
        entries["roles"] = roles.map { O.enc($0.role) + O.anchors($0.store) }.joined(separator: "\n")
        for (name, c) in crls { entries["crl/\(name)"] = O.crl(c.list) }
        entries["crlList"] = crlList.map(O.crl).joined(separator: "\n")
        // the set of CAs (a full build repeated a CA that several parts name)
        entries["allCAs"] = allCAs.map { Set($0.certificates.map { Base64.encode($0.der) }).sorted().joined(separator: ",") } ?? "none"
        for (key, j) in identityJWT {
            entries["jwt/\(key)"] = O.enc(j.config) + O.enc(j.identity) + O.enc(j.check.source.config) + O.enc(j.check.rules)
        }
        for (id, k) in identityKubernetes {
            entries["k8s/\(id)"] = O.enc(k.config) + O.enc(k.identity) + O.enc(k.check.cluster) + (k.check.reviewerJWT ?? "-")
                + O.enc(k.check.keys?.config) + k.check.reviewer.host + O.enc(k.check.rules)
        }
        for (path, m) in mounts { entries["mount/\(path)"] = O.enc(m) }
        for (path, m) in vaultJWT {
            entries["vault-jwt/\(path)"] = O.enc(m.config) + O.enc(m.source?.config) + O.enc(m.roles)
        }
        for (path, m) in vaultKubernetes {
            entries["vault-k8s/\(path)"] = O.enc(m.config) + (m.reviewer?.host ?? "-") + (m.reviewerJWT ?? "-") + O.enc(m.keys?.config)
                + O.enc(m.roles)
        }
        for (path, m) in secretsMounts { entries["secrets-mount/\(path)"] = O.enc(m) }
        for (path, m) in ssh {
            entries["ssh/\(path)"] = O.enc(m.mount) + O.sshKey(m.ca) + (m.caPublicKey ?? "-") + O.enc(m.roles)
        }
        for (id, a) in sshAuthorities { entries["ssh-authority/\(id)"] = O.enc(a.doc) + O.sshKey(a.ca) }
        for (id, t) in sshTemplates { entries["ssh-template/\(id)"] = O.enc(t) }
        for (name, p) in policies { entries["policy/\(name)"] = p.name + "\n" + p.text }
        self.warnings = warnings.sorted()
        self.sources = sources
        self.clusters = clusters
    }

    init(_ s: ConfigSnapshot, sources: Set<KeySourceConfig>, clusters: Set<KubernetesClusterConfig>) {
        self.init(tlsAuth: s.tlsAuth.map { ($0.key, $0.value) }, roles: s.roles, crls: s.crls, crlList: s.crlList, allCAs: s.allCAs,
                  identityJWT: s.identityJWT.map { ($0.key, $0.value) }, identityKubernetes: s.identityKubernetes.map { ($0.key, $0.value) },
                  mounts: s.mounts, vaultJWT: s.vaultJWT, vaultKubernetes: s.vaultKubernetes, secretsMounts: s.secretsMounts, ssh: s.ssh,
                  sshAuthorities: s.sshAuthorities, sshTemplates: s.sshTemplates, policies: s.policies, warnings: s.warnings,
                  sources: sources, clusters: clusters)
    }

    init(_ r: ReferenceConfig) {
        self.init(tlsAuth: r.tlsAuth.map { ($0.key, $0.value) }, roles: r.roles, crls: r.crls, crlList: r.crlList, allCAs: r.allCAs,
                  identityJWT: r.identityJWT.map { ($0.key, $0.value) }, identityKubernetes: r.identityKubernetes.map { ($0.key, $0.value) },
                  mounts: r.mounts, vaultJWT: r.vaultJWT, vaultKubernetes: r.vaultKubernetes, secretsMounts: r.secretsMounts, ssh: r.ssh,
                  sshAuthorities: r.sshAuthorities, sshTemplates: r.sshTemplates, policies: r.policies, warnings: r.warnings,
                  sources: r.sourcesInUse, clusters: r.clustersInUse)
    }

    /// The keys whose values differ (or that one side lacks), for a failure message.
    func difference(_ other: ObservedConfig) -> String {
        var out: [String] = []
        for k in Set(entries.keys).union(other.entries.keys).sorted() where entries[k] != other.entries[k] {
            out.append("\(k):\n  kept:  \(entries[k]?.prefix(400) ?? "absent")\n  built: \(other.entries[k]?.prefix(400) ?? "absent")")
        }
        if warnings != other.warnings { out.append("warnings:\n  kept:  \(warnings)\n  built: \(other.warnings)") }
        if sources != other.sources { out.append("sources in use differ: \(sources.count) kept, \(other.sources.count) built") }
        if clusters != other.clusters { out.append("clusters in use differ: \(clusters.count) kept, \(other.clusters.count) built") }
        return out.joined(separator: "\n")
    }
}

/// SplitMix64: a fixed seed gives the same sequence everywhere.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The CAs, CRLs and keys the sequences draw from, made once with the openssl CLI.
struct ConfigMaterial: Sendable {
    let cas: [String]        // PEM bundles: three roots, and two of them together
    let crls: [[UInt8]]      // of root A (one revoked), of root B, of a CA no configuration names
    let publicKeys: [String] // PEM public keys (JWT and Kubernetes keys)
    static let badPEM = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"

    static func make() throws -> ConfigMaterial {
        let pki = try PKI()
        let a = try pki.make("root-a"), b = try pki.make("root-b", key: .p384), c = try pki.make("root-c"), d = try pki.make("root-d")
        let leaf = try pki.make("leaf-a", issuer: a, profile: .client)
        try pki.revoke(leaf, by: a)
        let pem = { (i: Issued) in String(decoding: i.pem, as: UTF8.self) }
        var keys: [String] = []
        for k in 0..<2 {
            let path = pki.dir.appendingPathComponent("jwt-\(k).key").path
            try PKI.run(["openssl", "genpkey"] + KeyType.p256.genpkeyArgs + ["-out", path])
            keys.append(String(decoding: try PKI.run(["openssl", "pkey", "-in", path, "-pubout"]), as: UTF8.self))
        }
        return ConfigMaterial(cas: [pem(a), pem(b), pem(c), pem(a) + pem(b)],
                              crls: [Array(try pki.crl(of: a)), Array(try pki.crl(of: b)), Array(try pki.crl(of: d))],
                              publicKeys: keys)
    }
}

final class ConfigSnapshotIncrementalTests: XCTestCase {
    /// A context of its own (registries of key sources and reviewers), so that building a
    /// reference never touches the running service's.
    func freshContext(_ v: Vouch) -> ConfigSnapshot.Context {
        .init(sources: KeySetSources(fetcher: v.fetcher, metrics: v.metrics, minRefetchInterval: 10),
              reviewers: TokenReviewers(fetcher: v.fetcher, metrics: v.metrics), sealer: v.sealer)
    }

    /// Brings the service's snapshot up to the store, then checks it against both references;
    /// returns what it held.
    @discardableResult
    func assertKeptAsBuilt(_ v: Vouch, _ what: @autoclosure () -> String, file: StaticString = #filePath, line: UInt = #line) async throws
        -> ObservedConfig
    {
        try await v.change {}
        let config = try await v.store.configuration()
        let kept = v.current
        let (keptSources, keptClusters) = v.builder.withLock { ($0.sourcesInUse, $0.clustersInUse) }
        XCTAssertEqual(kept.seq, config.seq, "the snapshot is at the log's last entry", file: file, line: line)
        // the registries hold what the configuration uses, no more
        XCTAssertEqual(v.keySources.held, keptSources, "key sources held: \(what())", file: file, line: line)
        XCTAssertEqual(v.reviewers.held, keptClusters, "reviewers held: \(what())", file: file, line: line)
        let observed = ObservedConfig(kept, sources: keptSources, clusters: keptClusters)
        let whole = ConfigBuilder(config, context: freshContext(v))
        let wholeObserved = ObservedConfig(whole.snapshot(), sources: whole.sourcesInUse, clusters: whole.clustersInUse)
        XCTAssertTrue(observed == wholeObserved, "after \(what()): kept and applied at once differ:\n\(observed.difference(wholeObserved))",
                      file: file, line: line)
        let reference = ObservedConfig(ReferenceConfig(config, context: freshContext(v)))
        XCTAssertTrue(observed == reference, "after \(what()): kept and the full build differ:\n\(observed.difference(reference))",
                      file: file, line: line)
        return observed
    }

    /// The state a sequence draws on: what exists, as far as the sequence knows.
    struct Names {
        var identities: [String] = []
        var mounts: [String: String] = [:]   // auth mounts made here: path -> type
        var sshMounts: [String] = []
        var authorities: [String] = []
        var templates: [String] = []
        var policies: [String] = []
        var serial = 0
        mutating func next(_ prefix: String) -> String {
            serial += 1
            return "\(prefix)\(serial)"
        }
    }

    func testRandomChangesKeepTheSnapshotAsAFullBuildMakesIt() async throws {
        let m = try ConfigMaterial.make()
        var done = Set<Int>(), seen = Set<String>()
        for seed: UInt64 in [0x5EED_0001, 0x5EED_0002] {
            let (d, s) = try await runSequence(seed: seed, steps: 160, material: m)
            done.formUnion(d)
            seen.formUnion(s)
        }
        // the sequences did what they are for: every change happened, every kind of part was held
        XCTAssertEqual(Set(0..<27).subtracting(done), [], "changes never made")
        let kinds: Set<String> = ["tls", "roles", "crl", "crlList", "allCAs", "jwt", "k8s", "mount", "vault-jwt", "vault-k8s",
                                  "secrets-mount", "ssh", "ssh-authority", "ssh-template", "policy", "TLS certificate auth",
                                  "cert role", "CRL", "identity/oidc-auth", "identity/jwt-auth", "identity/kubernetes-auth",
                                  "mount role", "acl-policy", "policy p3", "checked", "deferred", "sources", "clusters"]
        XCTAssertEqual(kinds.subtracting(seen), [], "never held")
    }

    /// What a snapshot shows of each kind (entries by key prefix, warnings by their start).
    func kinds(_ o: ObservedConfig) -> Set<String> {
        var out = Set(o.entries.filter { !$0.value.isEmpty && $0.value != "none" }.keys.map { String($0.split(separator: "/")[0]) })
        for w in o.warnings {
            for k in ["TLS certificate auth", "cert role", "CRL", "identity/oidc-auth", "identity/jwt-auth", "identity/kubernetes-auth",
                      "acl-policy", "policy p3"] where w.hasPrefix(k) { out.insert(k) }
            if w.contains("/broken: ") { out.insert("mount role") }
        }
        for (k, e) in o.entries where k.hasPrefix("crl/") {
            if e.contains("checked true") { out.insert("checked") }
            if e.contains("deferred true") { out.insert("deferred") }
        }
        if !o.sources.isEmpty { out.insert("sources") }
        if !o.clusters.isEmpty { out.insert("clusters") }
        return out
    }

    /// Returns the changes made (not refused) and the kinds the snapshots held.
    func runSequence(seed: UInt64, steps: Int, material m: ConfigMaterial) async throws -> (Set<Int>, Set<String>) {
        var done = Set<Int>(), seen = Set<String>()
        var refusals: [String: Int] = [:]
        defer { if !Set(0..<27).subtracting(done).isEmpty { print("refusals:", refusals.sorted { $0.key < $1.key }) } }
        let f = try await Fixture()
        let v = f.vouch
        var rng = SeededRandom(seed: seed)
        var n = Names()
        func pick<T>(_ list: [T]) -> T? { list.isEmpty ? nil : list[Int(rng.next() % UInt64(list.count))] }
        func chance(_ percent: UInt64) -> Bool { rng.next() % 100 < percent }
        for step in 0..<steps {
            // one to three changes, some through the service (each reloads), some written
            // straight into the store (loaded together by the next reload)
            var did: [String] = []
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let op = Int(rng.next() % 27)
                did.append("op \(op)")
                do {
                    if try await perform(op, v, &n, m, pick: { pick($0) }, chance: { chance($0) }) { done.insert(op) }
                } catch let e as ServiceError where e.code != "configuration_unavailable" {
                    did[did.count - 1] += " refused (\(e.code))"  // a refusal changes nothing
                    refusals["\(op) \(e.code)", default: 0] += 1
                } catch is JSONInputError {
                    did[did.count - 1] += " refused (a document written here does not decode)"
                }
            }
            let held = try await assertKeptAsBuilt(v, "seed \(String(seed, radix: 16)) step \(step): \(did.joined(separator: ", "))")
            seen.formUnion(kinds(held))
        }
        // and a restart's full load holds the same
        let again = try await f.restarted()
        let a = ObservedConfig(v.current, sources: [], clusters: []), b = ObservedConfig(again.current, sources: [], clusters: [])
        XCTAssertTrue(a == b, "a restart loads what was kept:\n\(a.difference(b))")
        return (done, seen)
    }

    /// Makes change `op` (or none, when what it needs is not there: false).
    func perform(_ op: Int, _ v: Vouch, _ n: inout Names, _ m: ConfigMaterial, pick: ([String]) -> String?,
                 chance: (UInt64) -> Bool) async throws -> Bool {
        let store = v.store
        let someId = pick(n.identities)
        switch op {
        case 0, 1:
            n.identities.append(try await v.createIdentity(name: n.next("id-"), role: nil, policies: ["p1"], remote: nil).id)
        case 2:
            guard let id = someId else { return false }
            _ = try await v.updateIdentity(id, name: n.next("renamed-"), role: "r", policies: chance(50) ? ["p2"] : nil, remote: nil)
        case 3:
            guard let id = someId, chance(60) else { return false }
            _ = try await v.deleteIdentity(id, remote: nil)
            n.identities.removeAll { $0 == id }
        case 4, 5:
            guard let id = someId else { return false }
            var input = TLSCertAuthInput()
            input.caCertificate = pick(m.cas)
            input.allowedCommonNames = "leaf-*"
            if (try? await store.tlsCertAuth(identityId: id)) != nil {
                _ = try await v.updateTLSCertAuth(identityId: id, input, remote: nil)
            } else {
                _ = try await v.attachTLSCertAuth(identityId: id, input, remote: nil)
            }
        case 6:
            guard let id = someId else { return false }
            _ = try await v.revokeTLSCertAuth(identityId: id, remote: nil)
        case 7:
            // a CA bundle the service would refuse, written straight into the store
            guard let id = someId, var c = try await store.tlsCertAuth(identityId: id) else { return false }
            c.caCertificate = ConfigMaterial.badPEM
            _ = try await store.putTLSCertAuth(c, insert: false)
        case 8, 9:
            guard let id = someId else { return false }
            let method: IdentityJWTAuth.Method = chance(50) ? .oidc : .jwt
            var input = JWTAuthInput()
            if method == .oidc {
                input.discoveryURL = "https://127.0.0.1:9/\(pick(["a", "b"])!)"
            } else if chance(50) {
                input.configurationType = "static"
                input.publicKeys = [pick(m.publicKeys)!]
            } else {
                input.configurationType = "jwks"
                input.jwksURL = "https://127.0.0.1:9/jwks"
            }
            input.boundAudiences = pick(["x", "y"])
            if (try? await v.jwtAuth(method, identityId: id)) != nil {
                _ = try await v.updateJWTAuth(method, identityId: id, input, remote: nil)
            } else {
                _ = try await v.attachJWTAuth(method, identityId: id, input, remote: nil)
            }
        case 10:
            guard let id = someId else { return false }
            _ = try await v.revokeJWTAuth(chance(50) ? .oidc : .jwt, identityId: id, remote: nil)
        case 11:
            // a document that does not decode, of an identity or of none
            let kind = pick(ConfigBuilder.identityDocumentKinds)!
            _ = try await store.putDocument(kind: kind, key: chance(70) ? (someId ?? "nobody") : UUID().uuidString.lowercased(),
                                            Array(#"{"id":1}"#.utf8), insert: false)
        case 12, 13:
            guard let id = someId else { return false }
            var input = KubernetesAuthInput()
            if chance(50) {
                input.kubernetesHost = "https://127.0.0.1:9"
                input.tokenReviewerJwt = pick(["", "reviewer-a", "reviewer-b"])
                input.tokenReviewMode = "api"
            } else {
                input.kubernetesHost = ""
                input.tokenReviewMode = "local"
                input.issuer = "https://kubernetes.default.svc"
                input.pemKeys = [pick(m.publicKeys)!]
            }
            input.allowedNamespaces = pick(["ns1", "ns2"])
            if (try? await v.kubernetesAuth(identityId: id)) != nil {
                _ = try await v.updateKubernetesAuth(identityId: id, input, remote: nil)
            } else {
                _ = try await v.attachKubernetesAuth(identityId: id, input, remote: nil)
            }
        case 14:
            guard let id = someId else { return false }
            _ = try await v.revokeKubernetesAuth(identityId: id, remote: nil)
        case 15:
            var input = CertRoleInput()
            input.certificate = pick(m.cas)
            input.allowedCommonNames = [pick(["leaf-a", "leaf-*"])!]
            try await v.putCertRole(pick(["web", "api", "db"])!, input, remote: nil)
        case 16:
            if chance(50) {
                try await v.deleteCertRole(pick(["web", "api", "db"])!, remote: nil)
            } else if var r = try await store.certRoles().first {
                r.certificate = ConfigMaterial.badPEM  // a role the service would refuse
                try await store.putCertRole(r)
            }
        case 17:
            let i = Int(pick(["0", "1", "2"])!)!
            if chance(65) {
                try await v.putCRL(pick(["crl-a", "crl-b"])!, m.crls[i], remote: nil)
            } else if chance(30) {
                try await store.putCRL(name: "crl-c", data: Array("not a CRL".utf8))  // one the service would refuse
            } else {
                try await v.deleteCRL(pick(["crl-a", "crl-b"])!, remote: nil)
            }
        case 18:
            let path = pick(["j1", "j2", "k1"])!
            if n.mounts[path] != nil, chance(40) {
                try await v.disableMount(path: path, remote: nil)
                n.mounts[path] = nil
            } else if n.mounts[path] == nil {
                let type = path.hasPrefix("k") ? "kubernetes" : pick(["jwt", "oidc"])!
                try await v.enableMount(path: path, type: type, description: "", remote: nil)
                n.mounts[path] = type
            }
        case 19:
            let path = pick(Array(n.mounts.keys.sorted()) + ["jwt", "kubernetes"])!
            if path.hasPrefix("k") {
                if chance(50) {
                    var c = VaultKubernetesConfigInput()
                    c.host = pick(["https://127.0.0.1:9", "https://127.0.0.1:8"])
                    c.reviewerJWT = pick(["", "rev"])
                    try await v.putVaultKubernetesConfig(mount: path, c, remote: nil)
                } else {
                    var r = VaultKubernetesRoleInput()
                    r.names = ["sa"]
                    r.namespaces = [pick(["ns1", "ns2"])!]
                    try await v.putVaultKubernetesRole(mount: path, pick(["r1", "r2"])!, r, remote: nil)
                }
            } else if chance(50) {
                var c = VaultJWTConfigInput()
                c.validationPubkeys = [pick(m.publicKeys)!]
                try await v.putVaultJWTConfig(mount: path, c, remote: nil)
            } else {
                var r = VaultJWTRoleInput()
                r.roleType = "jwt"
                r.userClaim = "sub"
                r.boundAudiences = [pick(["x", "y"])!]
                try await v.putVaultJWTRole(mount: path, pick(["r1", "r2"])!, r, remote: nil)
            }
        case 20:
            let path = pick(Array(n.mounts.keys.sorted()) + ["jwt", "kubernetes"])!
            if chance(30) {
                // a role that does not decode
                _ = try await store.putDocument(kind: DocumentKind.mountRole, key: path + "/broken", Array("{".utf8), insert: false)
            } else if path.hasPrefix("k") {
                try await v.deleteVaultKubernetesRole(mount: path, pick(["r1", "r2", "broken"])!, remote: nil)
            } else {
                try await v.deleteVaultJWTRole(mount: path, pick(["r1", "r2", "broken"])!, remote: nil)
            }
        case 21:
            let path = pick(["s1", "s2"])!
            if !n.sshMounts.contains(path) {
                try await v.enableSecretsMount(path: path, type: "ssh", description: "", remote: nil)
                n.sshMounts.append(path)
            } else if chance(30) {
                try await v.disableSecretsMount(path: path, remote: nil)
                n.sshMounts.removeAll { $0 == path }
            }
        case 22:
            let path = pick(n.sshMounts + ["ssh"])!
            if chance(40) {
                _ = try await v.putSSHCA(mount: path, generate: true, keyType: "ed25519", keyBits: 0, privateKey: "", publicKey: "", remote: nil)
            } else if chance(30) {
                try await v.deleteSSHCA(mount: path, remote: nil)
            } else if chance(60) {
                var r = SSHRoleInput()
                r.allowedUsers = [pick(["deploy", "ops"])!]
                r.allowUserCertificates = true
                try await v.putSSHRole(mount: path, pick(["r1", "r2"])!, r, remote: nil)
            } else {
                try await v.deleteSSHRole(mount: path, pick(["r1", "r2"])!, remote: nil)
            }
        case 23:
            if n.authorities.isEmpty || chance(30) {
                var a = SSHAuthorityInput()
                a.friendlyName = n.next("ca-")
                n.authorities.append(try await v.createSSHAuthority(a, remote: nil).id)
            } else if let id = pick(n.authorities) {
                if chance(30) {
                    _ = try await v.deleteSSHAuthority(id, remote: nil)
                    n.authorities.removeAll { $0 == id }
                } else {
                    var a = SSHAuthorityInput()
                    a.status = pick(["active", "disabled"])
                    _ = try await v.updateSSHAuthority(id, a, remote: nil)
                }
            }
        case 24:
            if let id = pick(n.templates), chance(40) {
                _ = try await v.deleteSSHTemplate(id, remote: nil)
                n.templates.removeAll { $0 == id }
            } else if let ca = pick(n.authorities) {
                var t = SSHTemplateInput()
                t.sshCaId = ca
                t.name = n.next("t-")
                t.ttl = "30m"
                t.maxTTL = "8h"
                t.allowedUsers = ["deploy"]
                t.allowedHosts = ["*.example.com"]
                t.allowUserCertificates = true
                t.allowHostCertificates = chance(50)
                t.allowCustomKeyIds = false
                n.templates.append(try await v.putSSHTemplate(id: nil, t, remote: nil).id)
            }
        case 25:
            let name = pick(["p1", "p2", "default"])!
            if chance(70) {
                try await v.putPolicy(name, text: "path \"secret/\(pick(["a", "b"])!)/*\" { capabilities = [\"read\"] }", remote: nil)
            } else {
                try await v.deletePolicy(name, remote: nil)
            }
        default:
            // policies the service would refuse: one that does not compile, one that does not decode
            if chance(50) {
                _ = try await store.putDocument(kind: DocumentKind.policy, key: "p3",
                                                Document.encode(StoredPolicy(name: "p3", text: "path {")), insert: false)
            } else {
                _ = try await store.putDocument(kind: DocumentKind.policy, key: "p4", Array("[]".utf8), insert: false)
            }
        }
        return true
    }

    /// A change recompiles what it touches only: other identities keep their compiled entries.
    func testAChangeLeavesOtherIdentitiesCompiledAsTheyWere() async throws {
        let m = try ConfigMaterial.make()
        let f = try await Fixture()
        let v = f.vouch
        var ids: [String] = []
        for k in 0..<4 {
            let id = try await v.createIdentity(name: "svc-\(k)", role: nil, policies: nil, remote: nil).id
            var input = TLSCertAuthInput()
            input.caCertificate = m.cas[k % 2]
            _ = try await v.attachTLSCertAuth(identityId: id, input, remote: nil)
            ids.append(id)
        }
        let before = v.current
        XCTAssertTrue(before.tlsAuth[ids[0]]!.store === before.tlsAuth[ids[2]]!.store, "one CA bundle, one trust store")
        _ = try await v.updateIdentity(ids[1], name: "svc-1b", role: nil, policies: nil, remote: nil)
        var input = TLSCertAuthInput()
        input.caCertificate = m.cas[2]
        _ = try await v.updateTLSCertAuth(identityId: ids[3], input, remote: nil)
        let after = v.current
        XCTAssertTrue(after.tlsAuth[ids[0]]!.store === before.tlsAuth[ids[0]]!.store, "an untouched identity keeps its trust store")
        XCTAssertTrue(after.tlsAuth[ids[1]]!.store === before.tlsAuth[ids[1]]!.store, "a rename does not parse the CA again")
        XCTAssertEqual(after.tlsAuth[ids[1]]!.identity.name, "svc-1b")
        XCTAssertFalse(after.tlsAuth[ids[3]]!.store === before.tlsAuth[ids[3]]!.store)
        XCTAssertTrue(before.tlsAuth[ids[1]]!.identity.name == "svc-1", "the snapshot before is unchanged")
        try await assertKeptAsBuilt(v, "the changes")
    }

    /// CRLs are checked against every configured CA: a CA that arrives later makes a CRL
    /// that waited (unknown issuer) a checked one, and one that goes makes it wait again.
    func testCRLsFollowTheSetOfConfiguredCAs() async throws {
        let m = try ConfigMaterial.make()
        let f = try await Fixture()
        let v = f.vouch
        try await v.putCRL("crl-a", m.crls[0], remote: nil)
        XCTAssertFalse(v.current.crls["crl-a"]!.list.signatureChecked, "no configured CA issued it yet")
        let id = try await v.createIdentity(name: "svc", role: nil, policies: nil, remote: nil).id
        var input = TLSCertAuthInput()
        input.caCertificate = m.cas[0]
        _ = try await v.attachTLSCertAuth(identityId: id, input, remote: nil)
        XCTAssertTrue(v.current.crls["crl-a"]!.list.signatureChecked, "checked once its CA is configured")
        try await assertKeptAsBuilt(v, "the CA")
        _ = try await v.revokeTLSCertAuth(identityId: id, remote: nil)
        XCTAssertFalse(v.current.crls["crl-a"]!.list.signatureChecked, "waits again once its CA is gone")
        try await assertKeptAsBuilt(v, "the CA removed")
    }
}
