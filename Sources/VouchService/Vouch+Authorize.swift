// Vouch+Authorize.swift: who may call what. The admin token is root; any other caller
// presents an access token, which is checked (signature, expiry, revocation, trusted IPs),
// must carry a policy granting the capability on the path (`default` always counts, as
// Vault attaches it to every token), and then has one use counted. A refusal names the
// path and the missing capability, and is audited with the rule that decided.
import Foundation
import VouchCore

extension Vouch {
    /// The root holder: what the admin token stands for.
    static let rootHolder = TokenRecord(
        id: "", accessor: "admin", subject: "admin", authMethod: "admin", displayName: "root", policies: ["root"], metadata: [:],
        createdAt: 0, expiresAt: 0, maxExpiresAt: 0, ttl: 0, uses: 0, usesLimit: 0, trustedIPs: [], revoked: false)

    /// The holder of `token` if it may do `capability` on `path` (with `sudo`: also holds
    /// sudo there), one use counted; or why not.
    public func authorize(token: String, path raw: String, _ capability: Capability, sudo: Bool = false, remote: String) async throws
        -> TokenRecord
    {
        if isAdmin(token) { return Self.rootHolder }
        // a list is checked as Vault checks it, on the path with a trailing / (so `path "x/"` grants listing x)
        let path = Self.aclPath(raw) + (capability == .list ? "/" : "")
        let r: TokenRecord
        do { r = try await record(of: token) } catch {
            return try await useToken(token, remote: remote)  // refuses it again, audited and counted as a use
        }
        // a revoked, expired or exhausted token, or one used from an untrusted address, is
        // refused as such (useToken says which) before its policies are looked at
        guard !r.revoked, r.expiresAt > now(), r.usesLimit == 0 || r.uses < r.usesLimit, CIDR.anyContains(r.trustedIPs, remote) else {
            return try await useToken(token, remote: remote)
        }
        let decision = current.aclCache.acl(r.policies).allows(path, capability, sudo: sudo)
        guard decision.allowed else {
            audit.record(.init(type: "acl", action: "\(capability.rawValue) \(decision.path)", outcome: "refused", remote: remote,
                               subject: r.subject, code: "permission_denied", reason: decision.detail, accessor: r.accessor))
            metrics.increment("vouch_acl_refusals_total", [])
            throw decision.error
        }
        return try await useToken(token, remote: remote)
    }
}

extension Vouch {
    /// The form a path is checked in, the one the service acts on: empty segments dropped
    /// (as the router drops them) and lower-cased (as the service lower-cases the names a
    /// path holds), so no spelling of a path reaches an object its policy check did not name.
    public static func aclPath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/").lowercased()
    }

    /// Vault's existence check for a write on `path` (below /v1/): `create` when it names an
    /// object that does not exist yet (a role, a policy, a mount, a CA, a CRL, a method's
    /// config), `update` when it exists or the write is an action (sign, issue, revoke).
    public func writeCapability(_ path: String) -> Capability {
        let s = Self.aclPath(path).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let c = current
        func exists() -> Bool? {
            switch s.count {
            case 3 where s[0] == "sys" && s[1] == "mounts": return c.secretsMounts[s[2]] != nil
            case 3 where s[0] == "sys" && s[1] == "auth": return c.mounts[s[2]] != nil
            case 4 where s[0] == "sys" && s[1] == "policies" && s[2] == "acl": return c.policies[s[3]] != nil
            case 3 where s[0] == "sys" && s[1] == "policy": return c.policies[s[2]] != nil
            case 4 where s[0] == "auth" && s[1] == "cert" && s[2] == "certs": return c.roles.contains { $0.role.name == s[3] }
            case 4 where s[0] == "auth" && s[1] == "cert" && s[2] == "crls": return c.crls[s[3]] != nil
            case 4 where s[0] == "auth" && s[2] == "role":
                return c.vaultJWT[s[1]]?.roles[s[3]] != nil || c.vaultKubernetes[s[1]]?.roles[s[3]] != nil
            case 3 where s[0] == "auth" && s[2] == "config": return c.vaultJWT[s[1]]?.config != nil || c.vaultKubernetes[s[1]]?.config != nil
            case 3 where s[1] == "config" && s[2] == "ca": return c.ssh[s[0]]?.caPublicKey != nil
            case 3 where s[1] == "roles": return c.ssh[s[0]]?.roles[s[2]] != nil
            default: return nil
            }
        }
        return exists() == false ? .create : .update
    }
}
