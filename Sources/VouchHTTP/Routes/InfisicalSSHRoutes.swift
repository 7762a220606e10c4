// InfisicalSSHRoutes.swift: Infisical's SSH shapes: /api/v1/ssh/ca (and /cas; CAs, their public
// key unauthenticated, their templates, certificates, revocations and KRL),
// /api/v1/ssh/certificate-templates, and /api/v1/ssh/certificates/sign and /issue (any
// access token the template's policy path allows; the admin token too).
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import VouchService

struct SSHAuthorityRequest: Decodable, Sendable {
    let projectId: String?
    let friendlyName: String?
    let keyAlgorithm: String?
    let keySource: String?
    let status: String?
    let publicKey: String?
    let privateKey: String?

    var input: SSHAuthorityInput {
        var i = SSHAuthorityInput()
        i.friendlyName = friendlyName
        i.keyAlgorithm = keyAlgorithm
        i.keySource = keySource
        i.status = status
        i.publicKey = publicKey
        i.privateKey = privateKey
        return i
    }
}

/// A CA as Infisical shows it (never its private key).
struct SSHAuthorityBody: Encodable, Sendable {
    let id: String
    let projectId: String
    let friendlyName: String
    let status: String
    let keyAlgorithm: String
    let keySource: String
    let publicKey: String
    let createdAt: String
    let updatedAt: String

    init(_ a: SSHAuthority) {
        id = a.id
        projectId = ""
        friendlyName = a.friendlyName
        status = a.status
        keyAlgorithm = a.keyAlgorithm
        keySource = a.keySource
        publicKey = a.publicKey
        createdAt = ISO8601DateFormatter.api.string(from: Date(timeIntervalSince1970: TimeInterval(a.createdAt)))
        updatedAt = ISO8601DateFormatter.api.string(from: Date(timeIntervalSince1970: TimeInterval(a.updatedAt)))
    }
}

struct SSHAuthorityEnvelope: Encodable, Sendable { let ca: SSHAuthorityBody }
struct SSHAuthorityList: Encodable, Sendable { let cas: [SSHAuthorityBody] }

struct SSHTemplateRequest: Decodable, Sendable {
    let sshCaId: String?
    let name: String?
    let status: String?
    let ttl: String?
    let maxTTL: String?
    let allowedUsers: [String]?
    let allowedHosts: [String]?
    let allowUserCertificates: Bool?
    let allowHostCertificates: Bool?
    let allowCustomKeyIds: Bool?

    var input: SSHTemplateInput {
        var i = SSHTemplateInput()
        i.sshCaId = sshCaId
        i.name = name
        i.status = status
        i.ttl = ttl
        i.maxTTL = maxTTL
        i.allowedUsers = allowedUsers
        i.allowedHosts = allowedHosts
        i.allowUserCertificates = allowUserCertificates
        i.allowHostCertificates = allowHostCertificates
        i.allowCustomKeyIds = allowCustomKeyIds
        return i
    }
}

struct SSHTemplateBody: Encodable, Sendable {
    let id: String
    let sshCaId: String
    let projectId: String
    let status: String
    let name: String
    let ttl: String
    let maxTTL: String
    let allowedUsers: [String]
    let allowedHosts: [String]
    let allowUserCertificates: Bool
    let allowHostCertificates: Bool
    let allowCustomKeyIds: Bool

    init(_ t: SSHCertificateTemplate) {
        id = t.id
        sshCaId = t.sshCaId
        projectId = ""
        status = t.status
        name = t.name
        ttl = t.ttl
        maxTTL = t.maxTTL
        allowedUsers = t.allowedUsers
        allowedHosts = t.allowedHosts
        allowUserCertificates = t.allowUserCertificates
        allowHostCertificates = t.allowHostCertificates
        allowCustomKeyIds = t.allowCustomKeyIds
    }
}

struct SSHTemplateList: Encodable, Sendable { let certificateTemplates: [SSHTemplateBody] }

/// POST /api/v1/ssh/certificates/sign and /issue.
struct SSHTemplateSignRequest: Decodable, Sendable {
    let certificateTemplateId: String
    let publicKey: String?
    let keyAlgorithm: String?
    let certType: String?
    let principals: [String]
    let ttl: String?
    let keyId: String?

    func input(publicKey: String) throws -> SSHSignInput {
        var i = SSHSignInput(publicKey: publicKey)
        i.validPrincipals = principals
        i.certType = certType ?? "user"
        i.keyID = keyId ?? ""
        i.ttl = try ttl.map { try InfisicalDuration.seconds($0, field: "ttl") }
        return i
    }
}

struct SSHTemplateSigned: Encodable, Sendable {
    let serialNumber: String
    let signedKey: String
}

struct SSHTemplateIssued: Encodable, Sendable {
    let serialNumber: String
    let signedKey: String
    let privateKey: String
    let publicKey: String
    let keyAlgorithm: String
}

/// A recorded certificate, as both APIs list it (serials in the API's own base).
struct SSHCertificateBody: Encodable, Sendable {
    let serialNumber: String
    let keyId: String
    let principals: [String]
    let certType: String
    let validAfter: UInt64
    let validBefore: UInt64
    let publicKeyFingerprint: String
    let requester: String
    let requesterAccessor: String
    let template: String
    let issuedAt: String
    let revoked: Bool

    init(_ s: SSHCertificateStatus, decimal: Bool) {
        let r = s.record
        serialNumber = decimal ? UInt64(r.serial, radix: 16).map { String($0) } ?? r.serial : r.serial
        keyId = r.keyID
        principals = r.principals
        certType = r.type
        validAfter = r.validAfter
        validBefore = r.validBefore
        publicKeyFingerprint = r.fingerprint
        requester = r.requester
        requesterAccessor = r.accessor
        template = r.role
        issuedAt = ISO8601DateFormatter.api.string(from: Date(timeIntervalSince1970: TimeInterval(r.issuedAt)))
        revoked = s.revoked
    }
}

struct SSHCertificateList: Encodable, Sendable {
    let certificates: [SSHCertificateBody]
    /// Pass as `after` for the next page; absent on the last.
    let next: String?
}

struct SSHCertificateEnvelope: Encodable, Sendable { let certificate: SSHCertificateBody }

/// POST {CA}/revoke: exactly one of the three.
struct SSHRevokeRequest: Decodable, Sendable {
    let serialNumber: String?
    let keyId: String?
    let publicKey: String?
    // Vault's spelling
    let serial_number: String?
    let key_id: String?
    let public_key: String?

    func target(decimal: Bool) throws -> SSHRevocationTarget {
        let serial = serialNumber ?? serial_number, id = keyId ?? key_id, key = publicKey ?? public_key
        let given = [serial, id, key].compactMap { $0 }
        guard given.count == 1 else {
            throw ServiceError.badRequest("invalid_revocation", "name exactly one of a serial number, a key id or a public key")
        }
        if let serial {
            guard let v = SSHSerial.parse(serial, decimal: decimal) else {
                throw ServiceError.badRequest("invalid_serial", "the serial number is \(decimal ? "decimal" : "hex") (or 0x-hex), 64 bits")
            }
            return .serial(v)
        }
        if let id { return .keyID(id) }
        return .publicKey(key!)
    }
}

struct SSHRevoked: Encodable, Sendable {
    /// New KRL entries (0: it was revoked already).
    let revoked: Int
    let krlVersion: Int64
}

/// A page of certificates, from the query: limit (1-1000, default 100) and after (the
/// `next` of the page before).
func certificatePage(_ request: Request) throws -> (Int64, Int) {
    let q = request.uri.queryParameters
    let limit = try q.get("limit").map {
        guard let n = Int($0) else { throw ServiceError.badRequest("invalid_limit", "limit is a number") }
        return n
    } ?? 100
    guard let cursor = q.get("after") else { return (0, limit) }
    guard let after = Int64(cursor), after >= 0 else { throw ServiceError.badRequest("invalid_cursor", "after is the next value of a previous page") }
    return (after, limit)
}

/// A KRL answer: the bytes with an ETag, or 304 when the poller has them.
func krlResponse(_ krl: SSHKRLDocument, _ request: Request) -> Response {
    var headers: HTTPFields = [.eTag: krl.etag, .cacheControl: "no-cache", HTTPField.Name("X-KRL-Version")!: String(krl.version)]
    if let seen = request.headers[.ifNoneMatch], seen.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == krl.etag }) {
        return Response(status: .notModified, headers: headers)
    }
    headers[.contentType] = "application/octet-stream"
    return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: krl.bytes)))
}

extension RouteTable {
    func addInfisicalSSHRoutes(vouch: Vouch, settings: ServerSettings) {
        /// The caller, if its policies allow `capability` on `path` (the admin token is root).
        @Sendable func allow(_ request: Request, _ context: VouchContext, _ path: String, _ capability: Capability) async throws -> TokenRecord {
            guard let t = request.presentedToken else {
                throw ServiceError(.unauthorized, "missing_token", "this call needs an access token (Authorization: Bearer)")
            }
            return try await t.explained {
                try await vouch.authorize(token: $0, path: path, capability, remote: settings.caller(request, context).ip)
            }
        }
        // Infisical serves its CAs at /api/v1/ssh/ca; /api/v1/ssh/cas is the same, by its plural name
        for cas in ["/api/v1/ssh/ca", "/api/v1/ssh/cas"] {
            on(.post, cas) { request, context in
                _ = try await allow(request, context, "sys/ssh/cas", .create)
                let b = try await request.decode(SSHAuthorityRequest.self, limit: settings.maxBodyBytes)
                let a = try await vouch.createSSHAuthority(b.input, remote: settings.caller(request, context).ip)
                return json(SSHAuthorityEnvelope(ca: SSHAuthorityBody(a)))
            }
            on(.get, cas) { request, context in
                _ = try await allow(request, context, "sys/ssh/cas", .list)
                return json(SSHAuthorityList(cas: vouch.sshAuthorities().map(SSHAuthorityBody.init)))
            }
            on(.get, cas + "/{caId}") { request, context in
                _ = try await allow(request, context, "sys/ssh/cas/" + context.parameters.require("caId"), .read)
                return json(SSHAuthorityEnvelope(ca: SSHAuthorityBody(try vouch.sshAuthority(context.parameters.require("caId")))))
            }
            on(.patch, cas + "/{caId}") { request, context in
                _ = try await allow(request, context, "sys/ssh/cas/" + context.parameters.require("caId"), .update)
                let b = try await request.decode(SSHAuthorityRequest.self, limit: settings.maxBodyBytes)
                let a = try await vouch.updateSSHAuthority(context.parameters.require("caId"), b.input, remote: settings.caller(request, context).ip)
                return json(SSHAuthorityEnvelope(ca: SSHAuthorityBody(a)))
            }
            on(.delete, cas + "/{caId}") { request, context in
                _ = try await allow(request, context, "sys/ssh/cas/" + context.parameters.require("caId"), .delete)
                let a = try await vouch.deleteSSHAuthority(context.parameters.require("caId"), remote: settings.caller(request, context).ip)
                return json(SSHAuthorityEnvelope(ca: SSHAuthorityBody(a)))
            }
            on(.get, cas + "/{caId}/public-key") { _, context in
                let a = try vouch.sshAuthority(context.parameters.require("caId"))
                return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(string: a.publicKey + "\n")))
            }
            on(.get, cas + "/{caId}/certificate-templates") { request, context in
                _ = try await allow(request, context, "sys/ssh/cas/" + context.parameters.require("caId") + "/templates", .list)
                return json(SSHTemplateList(certificateTemplates: try vouch.sshTemplates(ca: context.parameters.require("caId")).map(SSHTemplateBody.init)))
            }
            on(.get, cas + "/{caId}/certificates") { request, context in
                _ = try await allow(request, context, "sys/ssh/cas/" + context.parameters.require("caId") + "/certificates", .list)
                let (after, limit) = try certificatePage(request)
                let (list, next) = try await vouch.sshCertificates(.authority(context.parameters.require("caId")), after: after, limit: limit)
                return json(SSHCertificateList(certificates: list.map { SSHCertificateBody($0, decimal: true) }, next: next.map(String.init)))
            }
            on(.get, cas + "/{caId}/certificates/{serialNumber}") { request, context in
                _ = try await allow(request, context, "sys/ssh/cas/" + context.parameters.require("caId") + "/certificates/"
                                    + context.parameters.require("serialNumber"), .read)
                guard let serial = SSHSerial.parse(try context.parameters.require("serialNumber"), decimal: true) else {
                    throw ServiceError.badRequest("invalid_serial", "the serial number is decimal (or 0x-hex), 64 bits")
                }
                let s = try await vouch.sshCertificate(.authority(context.parameters.require("caId")), serial: serial)
                return json(SSHCertificateEnvelope(certificate: SSHCertificateBody(s, decimal: true)))
            }
            on(.post, cas + "/{caId}/revoke") { request, context in
                let h = try await allow(request, context, "sys/ssh/cas/" + context.parameters.require("caId") + "/revoke", .update)
                let b = try await request.decode(SSHRevokeRequest.self, limit: settings.maxBodyBytes)
                let ca = SSHCAName.authority(try context.parameters.require("caId"))
                let added = try await vouch.revokeSSH(ca, try b.target(decimal: true), by: h.accessor, remote: settings.caller(request, context).ip)
                return json(SSHRevoked(revoked: added, krlVersion: try await vouch.sshKRL(ca).version))
            }
            on(.get, cas + "/{caId}/krl") { request, context in
                krlResponse(try await vouch.sshKRL(.authority(context.parameters.require("caId"))), request)
            }
        }

        let templates = "/api/v1/ssh/certificate-templates"
        on(.post, templates) { request, context in
            _ = try await allow(request, context, "sys/ssh/templates", .create)
            let b = try await request.decode(SSHTemplateRequest.self, limit: settings.maxBodyBytes)
            return json(SSHTemplateBody(try await vouch.putSSHTemplate(id: nil, b.input, remote: settings.caller(request, context).ip)))
        }
        on(.get, templates + "/{id}") { request, context in
            _ = try await allow(request, context, "sys/ssh/templates/" + context.parameters.require("id"), .read)
            return json(SSHTemplateBody(try vouch.sshTemplate(context.parameters.require("id"))))
        }
        on(.patch, templates + "/{id}") { request, context in
            _ = try await allow(request, context, "sys/ssh/templates/" + context.parameters.require("id"), .update)
            let b = try await request.decode(SSHTemplateRequest.self, limit: settings.maxBodyBytes)
            return json(SSHTemplateBody(try await vouch.putSSHTemplate(id: context.parameters.require("id"), b.input,
                                                                     remote: settings.caller(request, context).ip)))
        }
        on(.delete, templates + "/{id}") { request, context in
            _ = try await allow(request, context, "sys/ssh/templates/" + context.parameters.require("id"), .delete)
            return json(SSHTemplateBody(try await vouch.deleteSSHTemplate(context.parameters.require("id"), remote: settings.caller(request, context).ip)))
        }

        @Sendable func holder(_ request: Request) throws -> String {
            guard let t = request.presentedToken else {
                throw ServiceError(.unauthorized, "missing_token", "this call needs an access token (Authorization: Bearer)")
            }
            return t.value
        }
        on(.post, "/api/v1/ssh/certificates/sign") { request, context in
            let token = try holder(request)
            let b = try await request.decode(SSHTemplateSignRequest.self, limit: settings.maxBodyBytes)
            guard let key = b.publicKey, !key.isEmpty else { throw ServiceError.badRequest("missing_field", "missing publicKey") }
            guard b.keyAlgorithm == nil else { throw ServiceError.badRequest("unexpected_field", "keyAlgorithm is for /issue") }
            let r = try await vouch.signWithTemplate(b.certificateTemplateId, try b.input(publicKey: key), token: token,
                                                     remote: settings.caller(request, context).ip)
            return json(SSHTemplateSigned(serialNumber: String(UInt64(r.serial, radix: 16) ?? 0), signedKey: r.signedKey))
        }
        on(.post, "/api/v1/ssh/certificates/issue") { request, context in
            let token = try holder(request)
            let b = try await request.decode(SSHTemplateSignRequest.self, limit: settings.maxBodyBytes)
            guard b.publicKey == nil else { throw ServiceError.badRequest("unexpected_field", "publicKey is for /sign (issue makes the key)") }
            let r = try await vouch.issueWithTemplate(b.certificateTemplateId, keyAlgorithm: b.keyAlgorithm ?? "ED25519",
                                                      try b.input(publicKey: ""), token: token, remote: settings.caller(request, context).ip)
            return json(SSHTemplateIssued(serialNumber: String(UInt64(r.serial, radix: 16) ?? 0), signedKey: r.signedKey,
                                          privateKey: r.privateKey ?? "", publicKey: r.publicKey ?? "", keyAlgorithm: r.keyType ?? ""))
        }
    }
}
