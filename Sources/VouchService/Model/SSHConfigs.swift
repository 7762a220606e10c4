// SSHConfigs.swift: the SSH certificate authority as Vault's ssh secrets engine keeps it:
// secrets mounts (`sys/mounts/{path}`, type ssh), a CA per mount (its private key sealed
// under the master key), roles, and the record of every certificate signed.
import Foundation

/// A Vault secrets mount (`sys/mounts/{path}`).
public struct SecretsMount: Codable, Sendable, Equatable {
    public var path: String
    public var type: String          // ssh
    public var description: String
    public var accessor: String
    public var uuid: String
    public var builtin: Bool
}

/// A mount's CA (`{mount}/config/ca`).
public struct SSHCAConfig: Codable, Sendable, Equatable {
    /// The CA's private key in OpenSSH's format, sealed under the master key.
    public var sealedPrivateKey: [UInt8]
    /// Its public key line (what `TrustedUserCAKeys` and `@cert-authority` lines name).
    public var publicKey: String
    public var generated: Bool
}

/// A role (`{mount}/roles/{name}`, key_type ca).
public struct SSHRole: Codable, Sendable, Equatable {
    public var name: String
    public var allowedUsers: [String] = []          // "*": any
    public var defaultUser: String = ""
    public var allowedDomains: [String] = []
    public var allowSubdomains = false
    public var allowBareDomains = false
    public var ttl = 0                               // 0: the mount's default (768h, as Vault)
    public var maxTTL = 0
    public var allowedCriticalOptions: [String] = [] // none: any
    public var allowedExtensions: [String] = []      // none: none; "*": any
    public var defaultCriticalOptions: [String: String] = [:]
    public var defaultExtensions: [String: String] = [:]
    public var allowUserCertificates = false
    public var allowHostCertificates = false
    public var allowUserKeyIDs = false
    public var keyIDFormat = ""
    /// Key type -> allowed sizes (bits; for RSA), as Vault's allowed_user_key_lengths.
    public var allowedUserKeyLengths: [String: [Int]] = [:]
    public var algorithmSigner = "default"

    public init(name: String) { self.name = name }
}

/// One certificate the CA signed, as the store keeps it.
public struct SSHCertificateRecord: Codable, Sendable, Equatable {
    public var mount: String
    public var serial: String          // hex, as Vault answers it
    public var role: String
    public var keyID: String
    public var principals: [String]
    public var type: String            // user | host
    public var validAfter: UInt64
    public var validBefore: UInt64
    public var fingerprint: String     // SHA256:... of the signed public key
    public var requester: String       // the token's subject
    public var accessor: String        // the token's accessor
    public var issuedAt: Int64
}
