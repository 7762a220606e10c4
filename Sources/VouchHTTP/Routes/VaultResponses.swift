// VaultResponses.swift: Vault's response envelope and the `auth` block logins and token
// renewals answer with, as hvac reads them.
import Foundation
import VouchService

/// Vault's envelope: `data` for reads, `auth` for logins; the rest as Vault writes it.
struct VaultResponse<Data: Encodable & Sendable, Auth: Encodable & Sendable>: Encodable, Sendable {
    let request_id = UUID().uuidString.lowercased()
    let lease_id = ""
    let renewable = false
    let lease_duration = 0
    let data: Nullable<Data>
    let wrap_info = Nullable<None>(nil)
    let warnings = Nullable<[String]>(nil)
    let auth: Nullable<Auth>
    let mount_type = ""
}

func vault<D: Encodable & Sendable>(data: D) -> VaultResponse<D, None> { VaultResponse(data: Nullable(data), auth: Nullable(nil)) }
func vault(auth: VaultAuth) -> VaultResponse<None, VaultAuth> { VaultResponse(data: Nullable(nil), auth: Nullable(auth)) }

/// Vault's `auth` block for a token.
struct VaultAuth: Encodable, Sendable {
    let client_token: String
    let accessor: String
    let policies: [String]
    let token_policies: [String]
    let identity_policies: [String] = []
    let metadata: [String: String]
    let lease_duration: Int
    let renewable = true
    let entity_id = ""
    let token_type = "service"
    let orphan = true
    let mfa_requirement = Nullable<None>(nil)
    let num_uses: Int

    init(_ token: String, _ r: TokenRecord, leaseDuration: Int) {
        client_token = token
        accessor = r.accessor
        policies = r.policies
        token_policies = r.policies
        metadata = r.metadata
        lease_duration = leaseDuration
        num_uses = r.usesLimit
    }
}

/// A list answer's data.
struct VaultKeys: Encodable, Sendable { let keys: [String] }
