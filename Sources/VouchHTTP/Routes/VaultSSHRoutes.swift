// VaultSSHRoutes.swift: Vault's ssh secrets engine over HTTP, as hvac's secrets.ssh and
// sys.enable_secrets_engine use it: /v1/sys/mounts, and per mount /config/ca,
// /public_key (unauthenticated, plain text, for TrustedUserCAKeys), /roles/{name},
// /sign/{role} and /issue/{role} (any access token; the admin token too).
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import VouchService

/// POST /v1/sys/mounts/{path}: what hvac's sys.enable_secrets_engine sends.
struct EnableSecretsRequest: Decodable, Sendable {
    let type: String
    let description: String?
    let config: [String: VaultDuration]?
    let options: [String: String]?
    let plugin_name: String?
    let local: Bool?
    let seal_wrap: Bool?
    let external_entropy_access: Bool?
}

struct SecretsMountInfo: Encodable, Sendable {
    struct Config: Encodable, Sendable {
        let default_lease_ttl = 0
        let max_lease_ttl = 0
        let force_no_cache = false
    }
    let type: String
    let description: String
    let accessor: String
    let uuid: String
    let config = Config()
    let local = false
    let seal_wrap = false
    let external_entropy_access = false
    let options = Nullable<None>(nil)

    init(_ m: SecretsMount) {
        type = m.type
        description = m.description
        accessor = m.accessor
        uuid = m.uuid
    }
}

struct SSHCARequest: Decodable, Sendable {
    let private_key: String?
    let public_key: String?
    let generate_signing_key: Bool?
    let key_type: String?
    let key_bits: Int?
    let managed_key_name: String?
    let managed_key_id: String?
}

struct SSHPublicKeyData: Encodable, Sendable { let public_key: String }

/// POST /v1/{mount}/roles/{name}: hvac sends every field of the OTP and dynamic modes too,
/// at their defaults; those are accepted when empty and refused otherwise.
struct SSHRoleRequest: Decodable, Sendable {
    let key_type: String?
    let allowed_users: VaultList?
    let default_user: String?
    let allowed_domains: VaultList?
    let allow_subdomains: VaultBool?
    let allow_bare_domains: VaultBool?
    let ttl: VaultDuration?
    let max_ttl: VaultDuration?
    let allowed_critical_options: VaultList?
    let allowed_extensions: VaultList?
    let default_critical_options: [String: String]?
    let default_extensions: [String: String]?
    let allow_user_certificates: VaultBool?
    let allow_host_certificates: VaultBool?
    let allow_user_key_ids: VaultBool?
    let key_id_format: String?
    let allowed_user_key_lengths: [String: VaultIntList]?
    let algorithm_signer: String?
    // the OTP / dynamic modes' fields, sent by hvac at their defaults
    let key: String?
    let admin_user: String?
    let cidr_list: String?
    let exclude_cidr_list: String?
    let port: Int?
    let key_bits: Int?
    let install_script: String?
    let allowed_users_template: VaultBool?
    let key_option_specs: String?
    let name: String?

    func input() throws -> SSHRoleInput {
        guard key_type == "ca" else {
            throw ServiceError.badRequest("unsupported_key_type", "key_type must be \"ca\" (the OTP and dynamic modes are not supported)")
        }
        for (f, v) in [("key", key), ("admin_user", admin_user), ("cidr_list", cidr_list), ("exclude_cidr_list", exclude_cidr_list),
                       ("install_script", install_script), ("key_option_specs", key_option_specs)] where !(v ?? "").isEmpty {
            throw ServiceError.badRequest("unsupported_field", "\(f) belongs to the OTP and dynamic modes, which are not supported")
        }
        if allowed_users_template?.value == true {
            throw ServiceError.badRequest("unsupported_field", "allowed_users_template is not supported")
        }
        var i = SSHRoleInput()
        i.allowedUsers = allowed_users?.items
        i.defaultUser = default_user
        i.allowedDomains = allowed_domains?.items
        i.allowSubdomains = allow_subdomains?.value
        i.allowBareDomains = allow_bare_domains?.value
        i.ttl = ttl?.seconds
        i.maxTTL = max_ttl?.seconds
        i.allowedCriticalOptions = allowed_critical_options?.items
        i.allowedExtensions = allowed_extensions?.items
        i.defaultCriticalOptions = default_critical_options
        i.defaultExtensions = default_extensions
        i.allowUserCertificates = allow_user_certificates?.value
        i.allowHostCertificates = allow_host_certificates?.value
        i.allowUserKeyIDs = allow_user_key_ids?.value
        i.keyIDFormat = key_id_format
        i.allowedUserKeyLengths = allowed_user_key_lengths?.mapValues(\.values)
        i.algorithmSigner = algorithm_signer
        return i
    }
}

/// An integer or a list of integers (Vault's allowed_user_key_lengths values).
struct VaultIntList: Decodable, Sendable {
    let values: [Int]
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let n = try? c.decode(Int.self) { values = [n] } else { values = try c.decode([Int].self) }
    }
}

struct SSHRoleData: Encodable, Sendable {
    let key_type = "ca"
    let allowed_users: String
    let default_user: String
    let allowed_domains: String
    let allow_subdomains: Bool
    let allow_bare_domains: Bool
    let ttl: Int
    let max_ttl: Int
    let allowed_critical_options: String
    let allowed_extensions: String
    let default_critical_options: [String: String]
    let default_extensions: [String: String]
    let allow_user_certificates: Bool
    let allow_host_certificates: Bool
    let allow_user_key_ids: Bool
    let key_id_format: String
    let allowed_user_key_lengths: [String: [Int]]
    let algorithm_signer: String

    init(_ r: SSHRole) {
        allowed_users = r.allowedUsers.joined(separator: ",")
        default_user = r.defaultUser
        allowed_domains = r.allowedDomains.joined(separator: ",")
        allow_subdomains = r.allowSubdomains
        allow_bare_domains = r.allowBareDomains
        ttl = r.ttl
        max_ttl = r.maxTTL
        allowed_critical_options = r.allowedCriticalOptions.joined(separator: ",")
        allowed_extensions = r.allowedExtensions.joined(separator: ",")
        default_critical_options = r.defaultCriticalOptions
        default_extensions = r.defaultExtensions
        allow_user_certificates = r.allowUserCertificates
        allow_host_certificates = r.allowHostCertificates
        allow_user_key_ids = r.allowUserKeyIDs
        key_id_format = r.keyIDFormat
        allowed_user_key_lengths = r.allowedUserKeyLengths
        algorithm_signer = r.algorithmSigner
    }
}

struct SSHSignRequest: Decodable, Sendable {
    let public_key: String?
    let valid_principals: VaultList?
    let cert_type: String?
    let key_id: String?
    let ttl: VaultDuration?
    let critical_options: [String: String]?
    let extensions: [String: String]?
    // issue
    let key_type: String?
    let key_bits: Int?

    func input(publicKey: String) -> SSHSignInput {
        var i = SSHSignInput(publicKey: publicKey)
        i.validPrincipals = valid_principals?.items ?? []
        i.certType = cert_type ?? "user"
        i.keyID = key_id ?? ""
        i.ttl = ttl?.seconds
        i.criticalOptions = critical_options
        i.extensions = extensions
        return i
    }
}

struct SSHSignedData: Encodable, Sendable {
    let serial_number: String
    let signed_key: String
}

struct SSHCertificateKeys: Encodable, Sendable {
    let keys: [String]
    let key_info: [String: SSHCertificateBody]
    let next: String?
}

struct SSHIssuedData: Encodable, Sendable {
    let serial_number: String
    let signed_key: String
    let private_key: String
    let private_key_type: String
}

extension RouteTable {
    func addVaultSSHRoutes(vouch: Vouch, settings: ServerSettings) {
        on(.get, "/v1/sys/mounts") { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            let mounts = vouch.secretsMounts().map { ($0.path + "/", SecretsMountInfo($0)) }
            return json(SecretsMountList(mounts: mounts, inner: vault(data: Dictionary(mounts, uniquingKeysWith: { a, _ in a }))))
        }
        let enable = { @Sendable (request: Request, context: VouchContext) async throws -> Response in
            try vouch.requireAdmin(request, context, settings: settings)
            let body = try await request.decode(EnableSecretsRequest.self, limit: settings.maxBodyBytes)
            if let p = body.plugin_name, !p.isEmpty, p != body.type {
                throw ServiceError.badRequest("unsupported_field", "plugin_name: external plugins are not supported")
            }
            if let c = body.config, c.values.contains(where: { $0.seconds != 0 }) {
                throw ServiceError.badRequest("unsupported_field", "config: lease settings are not supported (set ttl / max_ttl on the roles)")
            }
            try await vouch.enableSecretsMount(path: context.parameters.require("path"), type: body.type, description: body.description ?? "",
                                               remote: settings.caller(request, context).ip)
            return noContent()
        }
        on(.post, "/v1/sys/mounts/{path}", enable)
        on(.put, "/v1/sys/mounts/{path}", enable)
        on(.delete, "/v1/sys/mounts/{path}") { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            try await vouch.disableSecretsMount(path: context.parameters.require("path"), remote: settings.caller(request, context).ip)
            return noContent()
        }

        let base = "/v1/{mount}"
        let writeCA = { @Sendable (request: Request, context: VouchContext) async throws -> Response in
            try vouch.requireAdmin(request, context, settings: settings)
            let b = try await request.decode(SSHCARequest.self, limit: settings.maxBodyBytes)
            if !(b.managed_key_name ?? "").isEmpty || !(b.managed_key_id ?? "").isEmpty {
                throw ServiceError.badRequest("unsupported_field", "managed keys are not supported")
            }
            let line = try await vouch.putSSHCA(
                mount: context.parameters.require("mount"), generate: b.generate_signing_key ?? true, keyType: b.key_type ?? "ssh-rsa",
                keyBits: b.key_bits ?? 0, privateKey: b.private_key ?? "", publicKey: b.public_key ?? "",
                remote: settings.caller(request, context).ip)
            return json(vault(data: SSHPublicKeyData(public_key: line)))
        }
        on(.post, base + "/config/ca", writeCA)
        on(.put, base + "/config/ca", writeCA)
        on(.get, base + "/config/ca") { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            return json(vault(data: SSHPublicKeyData(public_key: try vouch.sshCAPublicKey(mount: context.parameters.require("mount")))))
        }
        on(.delete, base + "/config/ca") { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            try await vouch.deleteSSHCA(mount: context.parameters.require("mount"), remote: settings.caller(request, context).ip)
            return noContent()
        }
        on(.get, base + "/public_key") { _, context in
            let line = try vouch.sshCAPublicKey(mount: context.parameters.require("mount"))
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: line + "\n")))
        }
        let writeRole = { @Sendable (request: Request, context: VouchContext) async throws -> Response in
            try vouch.requireAdmin(request, context, settings: settings)
            let b = try await request.decode(SSHRoleRequest.self, limit: settings.maxBodyBytes)
            try await vouch.putSSHRole(mount: context.parameters.require("mount"), context.parameters.require("name"), try b.input(),
                                       remote: settings.caller(request, context).ip)
            return noContent()
        }
        on(.post, base + "/roles/{name}", writeRole)
        on(.put, base + "/roles/{name}", writeRole)
        on(.get, base + "/roles/{name}") { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            return json(vault(data: SSHRoleData(try vouch.sshRole(mount: context.parameters.require("mount"), context.parameters.require("name")))))
        }
        on(.delete, base + "/roles/{name}") { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            try await vouch.deleteSSHRole(mount: context.parameters.require("mount"), context.parameters.require("name"),
                                          remote: settings.caller(request, context).ip)
            return noContent()
        }
        on(.get, base + "/roles") { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            try Self.requireList(request)
            let names = try vouch.sshRoleNames(mount: context.parameters.require("mount"))
            if names.isEmpty { throw ServiceError.notFound("no_roles", "no roles") }
            return json(vault(data: VaultKeys(keys: names)))
        }
        /// The caller the ACL middleware authorized (one use counted there).
        @Sendable func holder(_ context: VouchContext) throws -> TokenRecord {
            guard let h = context.holder else { throw ServiceError(.forbidden, "missing_token", "permission denied") }
            return h
        }
        let sign = { @Sendable (request: Request, context: VouchContext) async throws -> Response in
            let h = try holder(context)
            let b = try await request.decode(SSHSignRequest.self, limit: settings.maxBodyBytes)
            guard let key = b.public_key, !key.isEmpty else { throw ServiceError.badRequest("missing_field", "missing public_key") }
            let r = try await vouch.signSSH(mount: context.parameters.require("mount"), role: context.parameters.require("role"),
                                            b.input(publicKey: key), holder: h, remote: settings.caller(request, context).ip)
            return json(vault(data: SSHSignedData(serial_number: r.serial, signed_key: r.signedKey)))
        }
        on(.post, base + "/sign/{role}", sign)
        on(.put, base + "/sign/{role}", sign)
        let issue = { @Sendable (request: Request, context: VouchContext) async throws -> Response in
            let h = try holder(context)
            let b = try await request.decode(SSHSignRequest.self, limit: settings.maxBodyBytes)
            let r = try await vouch.issueSSH(mount: context.parameters.require("mount"), role: context.parameters.require("role"),
                                             keyType: b.key_type ?? "", keyBits: b.key_bits ?? 0, b.input(publicKey: ""), holder: h,
                                             remote: settings.caller(request, context).ip)
            return json(vault(data: SSHIssuedData(serial_number: r.serial, signed_key: r.signedKey, private_key: r.privateKey ?? "",
                                                  private_key_type: r.keyType ?? "")))
        }
        on(.post, base + "/issue/{role}", issue)
        on(.put, base + "/issue/{role}", issue)

        // what the CA signed, revoked, and its KRL (Vouch's own: Vault's engine has none)
        on(.get, base + "/certs") { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            try Self.requireList(request)
            let (after, limit) = try certificatePage(request)
            let (list, next) = try await vouch.sshCertificates(.mount(context.parameters.require("mount")), after: after, limit: limit)
            if list.isEmpty { throw ServiceError.notFound("no_certificates", "no certificates") }
            return json(vault(data: SSHCertificateKeys(keys: list.map(\.record.serial),
                                                       key_info: Dictionary(list.map { ($0.record.serial, SSHCertificateBody($0, decimal: false)) },
                                                                            uniquingKeysWith: { a, _ in a }),
                                                       next: next.map(String.init))))
        }
        on(.get, base + "/cert/{serial}") { request, context in
            try vouch.requireAdmin(request, context, settings: settings)
            guard let serial = SSHSerial.parse(try context.parameters.require("serial"), decimal: false) else {
                throw ServiceError.badRequest("invalid_serial", "the serial number is hex (as sign answers it), 64 bits")
            }
            let s = try await vouch.sshCertificate(.mount(context.parameters.require("mount")), serial: serial)
            return json(vault(data: SSHCertificateBody(s, decimal: false)))
        }
        let revoke = { @Sendable (request: Request, context: VouchContext) async throws -> Response in
            try vouch.requireAdmin(request, context, settings: settings)
            let b = try await request.decode(SSHRevokeRequest.self, limit: settings.maxBodyBytes)
            let ca = SSHCAName.mount(try context.parameters.require("mount"))
            let added = try await vouch.revokeSSH(ca, try b.target(decimal: false), by: try holder(context).accessor,
                                                  remote: settings.caller(request, context).ip)
            return json(vault(data: SSHRevoked(revoked: added, krlVersion: try await vouch.sshKRL(ca).version)))
        }
        on(.post, base + "/revoke", revoke)
        on(.put, base + "/revoke", revoke)
        on(.get, base + "/krl") { request, context in
            krlResponse(try await vouch.sshKRL(.mount(context.parameters.require("mount"))), request)
        }
    }
}

/// GET /v1/sys/mounts: the mounts by "path/", at the top level and under data, as Vault answers.
struct SecretsMountList: Encodable, Sendable {
    let mounts: [(String, SecretsMountInfo)]
    let inner: VaultResponse<[String: SecretsMountInfo], None>

    func encode(to encoder: Encoder) throws {
        try inner.encode(to: encoder)
        var c = encoder.container(keyedBy: AuthMountList.Key.self)
        for (k, v) in mounts { try c.encode(v, forKey: AuthMountList.Key(stringValue: k)) }
    }
}
