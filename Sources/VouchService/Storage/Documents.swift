// Documents.swift: the kinds of configuration document the store keeps for the newer auth
// methods, and their encoding through the one JSON path.
import VouchCore

enum DocumentKind {
    /// Per identity (key: the identity id), as Infisical attaches them.
    static let identityOIDC = "identity/oidc-auth"
    static let identityJWT = "identity/jwt-auth"
    static let identityKubernetes = "identity/kubernetes-auth"
    /// Vault: auth mounts (key: path), their configs (key: path), their roles (key: path/role).
    static let mount = "mount"
    static let mountConfig = "mount-config"
    static let mountRole = "mount-role"

    /// Vault secrets mounts (key: path); a mount's SSH CA (key: path) and roles (key: path/role).
    static let secretsMount = "secrets-mount"
    static let sshCA = "ssh-ca"
    static let sshRole = "ssh-role"
    /// Infisical-shaped SSH CAs and certificate templates (key: id).
    static let sshAuthority = "ssh-authority"
    static let sshTemplate = "ssh-template"
    /// ACL policies (key: name).
    static let policy = "acl-policy"

    static func identity(_ m: IdentityJWTAuth.Method) -> String { m == .oidc ? identityOIDC : identityJWT }
}

enum Document {
    static func encode(_ v: some Encodable) -> [UInt8] { Array(JSON.encode(v).utf8) }
    static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) throws -> T {
        try JSON.decode(type, from: bytes, maxBytes: 64 << 20, maxDepth: 32)
    }
}
