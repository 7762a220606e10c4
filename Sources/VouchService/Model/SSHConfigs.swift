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
    /// The public key line of the CA that signed it (absent in records written before it
    /// was kept: those are the mount's current CA's).
    public var caPublicKey: String?
}

extension SSHCertificateRecord {
    /// Where a certificate of an Infisical-shaped CA is recorded (a Vault mount path is one
    /// segment, so the two never meet).
    public static func caReference(infisicalCA id: String) -> String { "cas/" + id }
}

/// An Infisical-shaped SSH CA (`/api/v1/ssh/cas/{id}`): a key generated here (internal) or
/// supplied (external), sealed under the master key; disabled CAs sign nothing.
public struct SSHAuthority: Codable, Sendable, Equatable {
    public var id: String
    public var friendlyName: String
    public var keyAlgorithm: String     // RSA_2048 RSA_4096 EC_prime256v1 EC_secp384r1 ED25519
    public var keySource: String        // internal | external
    public var status: String           // active | disabled
    public var sealedPrivateKey: [UInt8]
    public var publicKey: String
    public var createdAt: Int64
    public var updatedAt: Int64
}

/// An Infisical certificate template (`/api/v1/ssh/certificate-templates/{id}`): what a
/// caller may have a CA sign.
public struct SSHCertificateTemplate: Codable, Sendable, Equatable {
    public var id: String
    public var sshCaId: String
    public var name: String
    public var status: String           // active | disabled
    public var ttl: String              // as written ("1h"); seconds in ttlSeconds
    public var maxTTL: String
    public var ttlSeconds: Int
    public var maxTTLSeconds: Int
    public var allowedUsers: [String]   // "*": any valid user name; empty: none
    public var allowedHosts: [String]   // "*.acme.com", "example.com", IPv4, IPv6, "*"
    public var allowUserCertificates: Bool
    public var allowHostCertificates: Bool
    public var allowCustomKeyIds: Bool
    public var createdAt: Int64
    public var updatedAt: Int64
}

/// One revocation a CA publishes in its KRL: a serial or a key id under one CA key, or a
/// public key (by the SHA-256 of its blob) whatever signed it.
public struct SSHRevocation: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case serial, keyID = "key_id", key }
    public var ca: String               // the CA reference: a mount path, or cas/{id}
    public var kind: Kind
    /// serial: 16 hex digits; key_id: the key id; key: the SHA-256 of the key blob, hex.
    public var value: String
    /// The CA public key line a serial is revoked under ("" for a key id, revoked under
    /// every key the CA has or will have, and for a key).
    public var caKey: String
    public var revokedAt: Int64
    public var revokedBy: String        // the revoker's token accessor, or "admin"
    /// For a key: its SHA256:... fingerprint (as records and ssh-keygen -l show it).
    public var fingerprint: String?
    /// Set by the store: the order of revocations (the KRL's version).
    public var sequence: Int64 = 0
}
