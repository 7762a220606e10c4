// Vouch+Policies.swift: Vault's ACL policies (`sys/policies/acl/{name}`): stored as the text
// written (HCL or JSON), compiled once per configuration snapshot; `default` exists from
// the start and can be changed, not deleted; `root` is built in.
import Foundation
import Synchronization
import VouchCore

/// A policy as the store keeps it: the name and the text as written.
struct StoredPolicy: Codable, Sendable {
    var name: String
    var text: String
}

/// The ACLs of the policy sets tokens carry, built once per snapshot and set.
final class ACLCache: Sendable {
    private let policies: [String: ACLPolicy]
    private let built = Mutex<[String: ACL]>([:])

    init(_ policies: [String: ACLPolicy]) { self.policies = policies }

    /// The ACL of a token's policies, with `default` as Vault attaches it to every token.
    /// A token from a login never holds root (it cannot be granted, and is dropped here
    /// should an old record carry it): only the admin token is root.
    func acl(_ names: [String]) -> ACL {
        let key = names.joined(separator: "\u{0}")
        if let a = built.withLock({ $0[key] }) { return a }
        let a = ACL(policyNames: [ACLPolicy.defaultName] + names.filter { ACLPolicy.normalizedName($0) != ACLPolicy.rootName }) {
            self.policies[$0]
        }
        built.withLock { if $0.count > 4096 { $0.removeAll() }; $0[key] = a }
        return a
    }
}

extension Vouch {
    /// The names of the policies, `root` and `default` included, as Vault lists them.
    public func policyNames() -> [String] { (Array(current.policies.keys) + [ACLPolicy.rootName]).sorted() }

    /// A policy's text (`root` has none).
    public func policy(_ name: String) throws -> (name: String, text: String) {
        let n = try ACLPolicy.validatedName(name)
        if n == ACLPolicy.rootName { return (n, "") }
        guard let p = current.policies[n] else { throw ServiceError.notFound("policy_not_found", "no policy named \(n)") }
        return (p.name, p.text)
    }

    /// Creates or replaces a policy; the text is parsed (and refused with the reason) first.
    public func putPolicy(_ name: String, text: String, remote: String?) async throws {
        let n = try ACLPolicy.checkWritable(name)
        guard text.utf8.count <= ACLPolicy.maxBytes else { throw ServiceError(.tooLarge, "invalid_policy", "a policy is at most 1 MiB") }
        _ = try ACLPolicy(name: n, text: text)
        _ = try await change {
            try await self.store.putDocument(kind: DocumentKind.policy, key: n, Document.encode(StoredPolicy(name: n, text: text)), insert: false)
        }
        adminEvent("write-policy", subject: n, remote: remote)
    }

    public func deletePolicy(_ name: String, remote: String?) async throws {
        let n = try ACLPolicy.checkDeletable(name)
        _ = try await change { try await self.store.deleteDocuments(kind: DocumentKind.policy, key: n, tokensOf: nil) }
        adminEvent("delete-policy", subject: n, remote: remote)
    }

    /// What `holder` may do on `path` (`sys/capabilities-self`), the path read as a request's is.
    public func capabilities(of holder: TokenRecord, path: String) -> [String] {
        holder.accessor == Self.rootHolder.accessor && holder.subject == Self.rootHolder.subject
            ? [ACLPolicy.rootName]
            : current.aclCache.acl(holder.policies).capabilities(Self.aclPath(path) + (path.hasSuffix("/") ? "/" : ""))
    }
}
