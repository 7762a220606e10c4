// Vouch+SSHEngine.swift: Vault's ssh secrets engine (the CA mode): secrets mounts
// (`sys/mounts/{path}`, type ssh; `ssh` exists from the start), a CA per mount (generated,
// or a key pair supplied; the private key sealed under the master key and never read
// back), roles, and signing: a caller with an access token sends a public key and gets a
// certificate the role allows, recorded with its serial, principals, validity, key id,
// requester and key fingerprint.
import Foundation
import VouchCore

/// A role write, already decoded (Vault's create-or-update: nil keeps a field).
public struct SSHRoleInput: Sendable {
    public var allowedUsers: [String]?
    public var defaultUser: String?
    public var allowedDomains: [String]?
    public var allowSubdomains: Bool?
    public var allowBareDomains: Bool?
    public var ttl: Int?
    public var maxTTL: Int?
    public var allowedCriticalOptions: [String]?
    public var allowedExtensions: [String]?
    public var defaultCriticalOptions: [String: String]?
    public var defaultExtensions: [String: String]?
    public var allowUserCertificates: Bool?
    public var allowHostCertificates: Bool?
    public var allowUserKeyIDs: Bool?
    public var keyIDFormat: String?
    public var allowedUserKeyLengths: [String: [Int]]?
    public var algorithmSigner: String?

    public init() {}
}

/// A signing request, already decoded.
public struct SSHSignInput: Sendable {
    public var publicKey: String
    public var validPrincipals: [String] = []
    public var certType: String = "user"
    public var keyID: String = ""
    public var ttl: Int?
    public var criticalOptions: [String: String]?
    public var extensions: [String: String]?

    public init(publicKey: String) { self.publicKey = publicKey }
}

public struct SSHSignResult: Sendable {
    public let serial: String
    public let signedKey: String
    public let record: SSHCertificateRecord
    /// For `issue`: the key pair made for the caller.
    public var privateKey: String?
    public var publicKey: String?
    public var keyType: String?
}

extension Vouch {
    static let sshCAContext = "ssh-ca-private-key"
    /// Paths a secrets mount cannot take: the API's own first segments.
    static let reservedSecretsPaths: Set<String> = ["auth", "sys", "identity", "cubbyhole", "token"]

    public func secretsMounts() -> [SecretsMount] { current.secretsMounts.values.sorted { $0.path < $1.path } }

    func sshMount(_ path: String) throws -> SecretsMount {
        let p = try Self.mountPath(path)
        guard let m = current.secretsMounts[p], m.type == "ssh" else {
            throw ServiceError.notFound("mount_not_found", "no ssh secrets engine is mounted at \(p)/")
        }
        return m
    }

    public func enableSecretsMount(path: String, type: String, description: String, remote: String?) async throws {
        let p = try Self.mountPath(path)
        guard type == "ssh" else {
            throw ServiceError.badRequest("unsupported_mount", "unknown secrets engine type \"\(type)\" (ssh can be enabled)")
        }
        guard !Self.reservedSecretsPaths.contains(p) else { throw ServiceError.badRequest("reserved_path", "\(p) is reserved") }
        guard description.utf8.count <= 1024 else { throw ServiceError.badRequest("invalid_description", "description is at most 1024 bytes") }
        let m = SecretsMount(path: p, type: type, description: description,
                             accessor: "ssh_" + Secrets.random(count: 4).map { String(format: "%02x", $0) }.joined(),
                             uuid: UUID().uuidString.lowercased(), builtin: false)
        let inserted = try await change {
            guard self.current.secretsMounts[p] == nil else { return false }
            _ = try await self.store.deleteDocuments(kind: DocumentKind.sshRole, key: p, tokensOf: nil)
            _ = try await self.store.deleteDocuments(kind: DocumentKind.sshCA, key: p, tokensOf: nil)
            return try await self.store.putDocument(kind: DocumentKind.secretsMount, key: p, Document.encode(m), insert: true)
        }
        guard inserted else { throw ServiceError.badRequest("path_in_use", "path is already in use at \(p)/") }
        adminEvent("enable-secrets", subject: p, remote: remote)
    }

    public func disableSecretsMount(path: String, remote: String?) async throws {
        let p = try Self.mountPath(path)
        guard let m = current.secretsMounts[p] else { return }
        guard !m.builtin else { throw ServiceError.badRequest("builtin_mount", "\(p)/ is a default mount and cannot be disabled") }
        _ = try await change {
            _ = try await self.store.deleteDocuments(kind: DocumentKind.sshRole, key: p, tokensOf: nil)
            _ = try await self.store.deleteDocuments(kind: DocumentKind.sshCA, key: p, tokensOf: nil)
            return try await self.store.deleteDocuments(kind: DocumentKind.secretsMount, key: p, tokensOf: nil)
        }
        adminEvent("disable-secrets", subject: p, remote: remote)
    }

    // MARK: the CA

    /// Vault's key_type names (and its short ones) to the core's kinds.
    static func sshKeyKind(_ name: String, bits: Int) throws -> (SSHKeyKind, Int) {
        switch name.lowercased() {
        case "ssh-rsa", "rsa", "":
            let b = bits == 0 ? 4096 : bits
            guard b == 2048 || b == 3072 || b == 4096 else {
                throw ServiceError.badRequest("invalid_key_bits", "an RSA key is 2048, 3072 or 4096 bits")
            }
            return (.rsa, b)
        case "ec", "ecdsa":
            guard bits == 0 || bits == 256 || bits == 384 else { throw ServiceError.badRequest("invalid_key_bits", "an EC key is 256 or 384 bits") }
            return (bits == 384 ? .ecdsaP384 : .ecdsaP256, 0)
        case "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384":
            let want = name.lowercased().hasSuffix("256") ? 256 : 384
            guard bits == 0 || bits == want else {
                throw ServiceError.badRequest("invalid_key_bits", "\(name.lowercased()) is a \(want)-bit key (key_bits \(bits) contradicts it)")
            }
            return (want == 256 ? .ecdsaP256 : .ecdsaP384, 0)
        case "ssh-ed25519", "ed25519":
            guard bits == 0 || bits == 256 else { throw ServiceError.badRequest("invalid_key_bits", "an Ed25519 key has no key_bits to choose") }
            return (.ed25519, 0)
        default:
            throw ServiceError.badRequest("invalid_key_type", "key_type \(name.prefix(40)) is not one of ssh-rsa, ecdsa-sha2-nistp256, ecdsa-sha2-nistp384, ssh-ed25519")
        }
    }

    /// A CA key pair a caller supplied: both halves, the private key unencrypted and at most
    /// 64 KiB, the public half the private key's. `names` are the fields as the API spells them.
    static func sshKeyPair(privateKey: String, publicKey: String, names: (private: String, public: String)) throws -> SSHPrivateKey {
        guard !privateKey.isEmpty, !publicKey.isEmpty else {
            throw ServiceError.badRequest("missing_field", "both \(names.private) and \(names.public) are required to set a CA key pair")
        }
        guard privateKey.utf8.count <= 64 * 1024 else {
            throw ServiceError(.tooLarge, "invalid_private_key", "\(names.private) is at most 64 KiB")
        }
        let key: SSHPrivateKey
        do { key = try SSHPrivateKey(pem: Array(privateKey.utf8)) } catch let e as VouchError {
            throw ServiceError.badRequest("invalid_private_key", "\(names.private): \(e.message)")
        }
        let given: SSHPublicKey
        do { given = try SSHPublicKey(line: publicKey.trimmingCharacters(in: .whitespacesAndNewlines)) } catch let e as VouchError {
            throw ServiceError.badRequest("invalid_public_key", "\(names.public): \(e.message)")
        }
        guard given.blob == key.publicKey.blob else {
            throw ServiceError.badRequest("invalid_public_key", "\(names.public) is not the public half of \(names.private)")
        }
        return key
    }

    /// Configures the mount's CA: a key generated here, or the pair given. Returns the
    /// public key line. Replacing a CA is refused while one exists (delete it first), as Vault.
    public func putSSHCA(mount path: String, generate: Bool, keyType: String, keyBits: Int, privateKey: String, publicKey: String,
                         remote: String?) async throws -> String {
        let m = try sshMount(path)
        let key: SSHPrivateKey
        if !privateKey.isEmpty || !publicKey.isEmpty {
            key = try Self.sshKeyPair(privateKey: privateKey, publicKey: publicKey, names: ("private_key", "public_key"))
        } else {
            guard generate else { throw ServiceError.badRequest("missing_field", "missing public_key and private_key (or generate_signing_key)") }
            // refused before the key is made: a 4096-bit RSA key costs seconds
            guard current.ssh[m.path]?.caPublicKey == nil else {
                throw ServiceError.badRequest("ca_exists", "keys are already configured for this mount: delete config/ca first")
            }
            let (kind, bits) = try Self.sshKeyKind(keyType, bits: keyBits)
            key = try await Self.generateSSHKey(kind, bits: bits)
        }
        let line = key.publicKey.line()
        let config = SSHCAConfig(sealedPrivateKey: sealer.seal(Array(key.openSSHFormat().utf8), context: Self.sshCAContext),
                                 publicKey: line, generated: privateKey.isEmpty)
        let inserted = try await change {
            _ = try self.sshMount(m.path)
            return try await self.store.putDocument(kind: DocumentKind.sshCA, key: m.path, Document.encode(config), insert: true)
        }
        guard inserted else { throw ServiceError.badRequest("ca_exists", "keys are already configured for this mount: delete config/ca first") }
        adminEvent("write-ssh-ca", subject: m.path, remote: remote)
        return line
    }

    public func sshCAPublicKey(mount path: String) throws -> String {
        let m = try sshMount(path)
        guard let ca = current.ssh[m.path]?.caPublicKey else {
            throw ServiceError.badRequest("ca_not_configured", "no CA key is configured for \(m.path)/")
        }
        return ca
    }

    public func deleteSSHCA(mount path: String, remote: String?) async throws {
        let m = try sshMount(path)
        _ = try await change { try await self.store.deleteDocuments(kind: DocumentKind.sshCA, key: m.path, tokensOf: nil) }
        adminEvent("delete-ssh-ca", subject: m.path, remote: remote)
    }

    // MARK: roles

    public func putSSHRole(mount path: String, _ name: String, _ input: SSHRoleInput, remote: String?) async throws {
        let m = try sshMount(path)
        let n = try Self.roleName(name)
        var r = current.ssh[m.path]?.roles[n] ?? SSHRole(name: n)
        if let v = input.allowedUsers { r.allowedUsers = NamePolicy.list(v) }
        if let v = input.defaultUser { r.defaultUser = v }
        if let v = input.allowedDomains { r.allowedDomains = NamePolicy.list(v) }
        if let v = input.allowSubdomains { r.allowSubdomains = v }
        if let v = input.allowBareDomains { r.allowBareDomains = v }
        if let v = input.ttl { r.ttl = v }
        if let v = input.maxTTL { r.maxTTL = v }
        if let v = input.allowedCriticalOptions { r.allowedCriticalOptions = NamePolicy.list(v) }
        if let v = input.allowedExtensions { r.allowedExtensions = NamePolicy.list(v) }
        if let v = input.defaultCriticalOptions { r.defaultCriticalOptions = v }
        if let v = input.defaultExtensions {
            guard v.values.allSatisfy(\.isEmpty) else {
                throw ServiceError.badRequest("unsupported_extension_value",
                                              "default_extensions: extensions with values (login@github.com=...) are not supported yet; only empty values")
            }
            r.defaultExtensions = v
        }
        if let v = input.allowUserCertificates { r.allowUserCertificates = v }
        if let v = input.allowHostCertificates { r.allowHostCertificates = v }
        if let v = input.allowUserKeyIDs { r.allowUserKeyIDs = v }
        if let v = input.keyIDFormat { r.keyIDFormat = v }
        if let v = input.allowedUserKeyLengths { r.allowedUserKeyLengths = v }
        if let v = input.algorithmSigner {
            guard ["", "default", "rsa-sha2-256", "rsa-sha2-512"].contains(v) else {
                throw ServiceError.badRequest("invalid_algorithm_signer",
                                              "algorithm_signer is default, rsa-sha2-256 or rsa-sha2-512 (ssh-rsa signs with SHA-1: refused)")
            }
            r.algorithmSigner = v.isEmpty ? "default" : v
        }
        guard r.ttl >= 0, r.maxTTL >= 0, r.ttl <= TokenSettings.limit, r.maxTTL <= TokenSettings.limit else {
            throw ServiceError.badRequest("invalid_ttl", "ttl and max_ttl are between 0 and \(TokenSettings.limit) seconds")
        }
        if r.ttl > 0, r.maxTTL > 0, r.ttl > r.maxTTL { throw ServiceError.badRequest("invalid_ttl", "ttl cannot be longer than max_ttl") }
        for (k, v) in r.defaultCriticalOptions where k.utf8.contains(0) || v.utf8.contains(0) {
            throw ServiceError.badRequest("invalid_critical_options", "a critical option contains a NUL character")
        }
        let written = r
        _ = try await change {
            _ = try self.sshMount(m.path)
            return try await self.store.putDocument(kind: DocumentKind.sshRole, key: m.path + "/" + n, Document.encode(written), insert: false)
        }
        adminEvent("write-ssh-role", subject: m.path + "/" + n, remote: remote)
    }

    public func sshRole(mount path: String, _ name: String) throws -> SSHRole {
        let m = try sshMount(path)
        guard let r = current.ssh[m.path]?.roles[name.lowercased()] else {
            throw ServiceError.notFound("role_not_found", "Role \"\(name.lowercased())\" not found")
        }
        return r
    }

    public func sshRoleNames(mount path: String) throws -> [String] {
        let m = try sshMount(path)
        return (current.ssh[m.path]?.roles.keys).map { $0.sorted() } ?? []
    }

    public func deleteSSHRole(mount path: String, _ name: String, remote: String?) async throws {
        let m = try sshMount(path)
        let n = name.lowercased()
        _ = try await change { try await self.store.deleteDocuments(kind: DocumentKind.sshRole, key: m.path + "/" + n, tokensOf: nil) }
        adminEvent("delete-ssh-role", subject: m.path + "/" + n, remote: remote)
    }

    // MARK: signing

    /// Vault's default and maximum certificate TTL (768h) where a role sets none.
    static let sshDefaultTTL = 2_764_800

    /// Signs `input` under `role` for the holder of `token` (checked, a use counted).
    public func signSSH(mount path: String, role roleName: String, _ input: SSHSignInput, token: String, remote: String) async throws
        -> SSHSignResult
    {
        let m = try sshMount(path)
        let holder = try await authorize(token: token, path: "\(m.path)/sign/\(roleName.lowercased())", .update, remote: remote)
        return try await signSSH(mount: m.path, role: roleName, input, holder: holder, remote: remote)
    }

    /// Signs for a holder already authorized for `{mount}/sign/{role}` (the HTTP front's check).
    public func signSSH(mount path: String, role roleName: String, _ input: SSHSignInput, holder: TokenRecord, remote: String) async throws
        -> SSHSignResult
    {
        let m = try sshMount(path)
        let subject = m.path + "/" + roleName.lowercased()
        func refuse(_ code: String, _ message: String) -> ServiceError {
            sshRefusal("sign", subject: subject, holder: holder, remote: remote, code: code, message)
        }
        guard let state = current.ssh[m.path], let ca = state.ca, let caKey = state.caPublicKey else {
            throw refuse("ca_not_configured", "no CA key is configured for \(m.path)/")
        }
        guard let role = state.roles[roleName.lowercased()] else { throw refuse("role_not_found", "Unknown role: \(roleName.lowercased())") }
        let key = try sshPublicKey(input.publicKey, refuse: refuse)
        let plan = try Self.plan(role, input, key: key, holder: holder, refuse: refuse)
        return try await signAndRecord(SSHSigningCA(reference: m.path, authority: ca, publicKey: caKey), plan, key: key, holder: holder,
                                       role: role.name, action: "sign", subject: m.path + "/" + role.name, remote: remote)
    }

    /// What a Vault role lets `input` have, or why not.
    static func plan(_ role: SSHRole, _ input: SSHSignInput, key: SSHPublicKey, holder: TokenRecord,
                     refuse: (String, String) -> ServiceError) throws -> SSHCertificatePlan {
        if !role.allowedUserKeyLengths.isEmpty {
            let names: [String] = switch key.kind {
            case .rsa: ["rsa", "ssh-rsa"]
            case .ecdsaP256, .ecdsaP384, .ecdsaP521: ["ec", "ecdsa", key.typeName]
            case .ed25519: ["ed25519", "ssh-ed25519"]
            default: [key.typeName]
            }
            guard let allowed = names.lazy.compactMap({ role.allowedUserKeyLengths[$0] }).first else {
                throw refuse("key_type_not_allowed", "key type \(key.typeName) is not allowed by the role")
            }
            if key.kind == .rsa || !allowed.isEmpty, !allowed.contains(key.bits), !(allowed.contains(0)) {
                throw refuse("key_length_not_allowed", "key length \(key.bits) is not allowed by the role (\(allowed))")
            }
        }
        let type: SSHCertificateRequest.CertificateType
        switch input.certType.lowercased() {
        case "", "user":
            guard role.allowUserCertificates else { throw refuse("cert_type_not_allowed", "cert_type user is not allowed by the role") }
            type = .user
        case "host":
            guard role.allowHostCertificates else { throw refuse("cert_type_not_allowed", "cert_type host is not allowed by the role") }
            type = .host
        default: throw refuse("invalid_cert_type", "cert_type is user or host")
        }
        var principals = NamePolicy.list(input.validPrincipals)
        if principals.isEmpty, type == .user, !role.defaultUser.isEmpty { principals = [role.defaultUser] }
        guard !principals.isEmpty else { throw refuse("principal_not_allowed", "empty valid principals not allowed by role") }
        for p in principals {
            let ok: Bool
            if type == .user {
                ok = role.allowedUsers.contains("*") || role.allowedUsers.contains(p)
            } else {
                ok = role.allowedDomains.contains("*") || role.allowedDomains.contains { d in
                    (role.allowBareDomains && p == d) || (role.allowSubdomains && p.hasSuffix("." + d) && p.count > d.count + 1)
                }
            }
            guard ok else { throw refuse("principal_not_allowed", "\(p.prefix(100)) is not a valid value for valid_principals") }
        }
        let maxTTL = role.maxTTL == 0 ? Self.sshDefaultTTL : role.maxTTL
        let ttl = input.ttl.flatMap { $0 > 0 ? $0 : nil } ?? (role.ttl == 0 ? min(Self.sshDefaultTTL, maxTTL) : role.ttl)
        guard ttl <= maxTTL else { throw refuse("ttl_too_long", "ttl is larger than maximum allowed (\(maxTTL))") }
        guard input.keyID.isEmpty || role.allowUserKeyIDs else { throw refuse("key_id_not_allowed", "setting key_id is not allowed by role") }
        var keyID = input.keyID
        if keyID.isEmpty {
            let keyHash = Secrets.sha256(key.blob).map { String(format: "%02x", $0) }.joined()
            let format = role.keyIDFormat.isEmpty ? "vault-{{token_display_name}}-{{public_key_hash}}" : role.keyIDFormat
            keyID = format.replacingOccurrences(of: "{{token_display_name}}", with: holder.displayName)
                .replacingOccurrences(of: "{{role_name}}", with: role.name).replacingOccurrences(of: "{{public_key_hash}}", with: keyHash)
        }
        var critical = input.criticalOptions ?? [:]
        if critical.isEmpty { critical = role.defaultCriticalOptions }
        if !role.allowedCriticalOptions.isEmpty, let bad = critical.keys.sorted().first(where: { !role.allowedCriticalOptions.contains($0) }) {
            throw refuse("critical_option_not_allowed", "critical option \(bad.prefix(100)) is not allowed by the role")
        }
        var extensions = input.extensions ?? [:]
        // the core writes extensions with empty data: a value would be dropped, so it is refused
        if let valued = extensions.first(where: { !$0.value.isEmpty }) {
            throw refuse("unsupported_extension_value", "extension \(valued.key.prefix(100)) has a value: extensions with values are not supported yet")
        }
        if !extensions.isEmpty, !role.allowedExtensions.contains("*"),
           let bad = extensions.keys.sorted().first(where: { !role.allowedExtensions.contains($0) }) {
            throw refuse("extension_not_allowed", "extension \(bad.prefix(100)) is not allowed by the role")
        }
        if extensions.isEmpty { extensions = role.defaultExtensions }
        if type == .host { extensions = [:] }  // extensions are for user certificates
        return SSHCertificatePlan(type: type, principals: principals, ttl: ttl, keyID: keyID, criticalOptions: critical,
                                  extensions: extensions.keys.sorted(), rsaSHA256: role.algorithmSigner != "rsa-sha2-512")
    }

    /// Makes a key pair for the caller and signs its public key (Vault's issue).
    public func issueSSH(mount path: String, role: String, keyType: String, keyBits: Int, _ input: SSHSignInput, token: String, remote: String)
        async throws -> SSHSignResult
    {
        let m = try sshMount(path)
        let holder = try await authorize(token: token, path: "\(m.path)/issue/\(role.lowercased())", .update, remote: remote)
        return try await issueSSH(mount: m.path, role: role, keyType: keyType, keyBits: keyBits, input, holder: holder, remote: remote)
    }

    public func issueSSH(mount path: String, role: String, keyType: String, keyBits: Int, _ input: SSHSignInput, holder: TokenRecord,
                         remote: String) async throws -> SSHSignResult
    {
        let (kind, bits) = try Self.sshKeyKind(keyType.isEmpty ? "ssh-ed25519" : keyType, bits: keyBits)
        let key = try await Self.generateSSHKey(kind, bits: bits)
        var q = input
        q.publicKey = key.publicKey.line()
        var r = try await signSSH(mount: path, role: role, q, holder: holder, remote: remote)
        r.privateKey = key.openSSHFormat()
        r.publicKey = q.publicKey
        r.keyType = key.publicKey.typeName
        return r
    }


}
