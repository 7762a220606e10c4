// Vouch+SSHAuthorities.swift: Infisical's SSH shapes: CAs (`/api/v1/ssh/cas`, a key made
// here or supplied; disabled CAs sign nothing; an external CA's key can be replaced),
// certificate templates (what a caller may have a CA sign: users, hosts, TTLs, key ids),
// and signing and issuing under a template.
import Foundation
import VouchCore

/// A CA write, decoded (nil keeps a field on update).
public struct SSHAuthorityInput: Sendable {
    public var friendlyName: String?
    public var keyAlgorithm: String?
    public var keySource: String?
    public var status: String?
    public var publicKey: String?
    public var privateKey: String?
    public init() {}
}

/// A template write, decoded (nil keeps a field on update).
public struct SSHTemplateInput: Sendable {
    public var sshCaId: String?
    public var name: String?
    public var status: String?
    public var ttl: String?
    public var maxTTL: String?
    public var allowedUsers: [String]?
    public var allowedHosts: [String]?
    public var allowUserCertificates: Bool?
    public var allowHostCertificates: Bool?
    public var allowCustomKeyIds: Bool?
    public init() {}
}

extension Vouch {
    /// Infisical's key algorithm names.
    static let sshAlgorithms: [String: (SSHKeyKind, Int)] = [
        "RSA_2048": (.rsa, 2048), "RSA_4096": (.rsa, 4096), "EC_prime256v1": (.ecdsaP256, 0), "EC_secp384r1": (.ecdsaP384, 0),
        "ED25519": (.ed25519, 0),
    ]

    static func sshAlgorithmName(_ key: SSHPublicKey) -> String? {
        switch key.kind {
        case .rsa: key.bits == 2048 ? "RSA_2048" : key.bits == 4096 ? "RSA_4096" : nil
        case .ecdsaP256: "EC_prime256v1"
        case .ecdsaP384: "EC_secp384r1"
        case .ed25519: "ED25519"
        default: nil
        }
    }

    static func friendlyName(_ s: String) throws -> String {
        let n = s.trimmingCharacters(in: .whitespaces)
        guard (1...255).contains(n.utf8.count), !n.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw ServiceError.badRequest("invalid_name", "friendlyName is 1 to 255 characters without control characters")
        }
        return n
    }

    /// A supplied key pair: both halves, matching, of an algorithm Infisical names.
    static func suppliedSSHKey(privateKey: String, publicKey: String) throws -> (SSHPrivateKey, String) {
        let key = try sshKeyPair(privateKey: privateKey, publicKey: publicKey, names: ("privateKey", "publicKey"))
        guard let name = sshAlgorithmName(key.publicKey) else {
            throw ServiceError.badRequest("invalid_key_algorithm", "the key is \(key.publicKey.typeName) of \(key.publicKey.bits) bits: a CA key is RSA 2048 or 4096, ECDSA P-256 or P-384, or Ed25519")
        }
        return (key, name)
    }

    public func sshAuthorities() -> [SSHAuthority] { current.sshAuthorities.values.map(\.doc).sorted { $0.createdAt < $1.createdAt } }

    public func sshAuthority(_ id: String) throws -> SSHAuthority {
        guard let a = current.sshAuthorities[id.lowercased()] else { throw ServiceError.notFound("ca_not_found", "no SSH CA \(id.prefix(64))") }
        return a.doc
    }

    public func createSSHAuthority(_ input: SSHAuthorityInput, remote: String?) async throws -> SSHAuthority {
        let name = try Self.friendlyName(input.friendlyName ?? "")
        let source = input.keySource ?? "internal"
        let key: SSHPrivateKey, algorithm: String
        switch source {
        case "internal":
            guard (input.privateKey ?? "").isEmpty, (input.publicKey ?? "").isEmpty else {
                throw ServiceError.badRequest("unexpected_field", "publicKey and privateKey are for keySource external")
            }
            algorithm = input.keyAlgorithm ?? "ED25519"
            guard let (kind, bits) = Self.sshAlgorithms[algorithm] else {
                throw ServiceError.badRequest("invalid_key_algorithm", "keyAlgorithm is one of RSA_2048, RSA_4096, EC_prime256v1, EC_secp384r1, ED25519")
            }
            key = try await Self.generateSSHKey(kind, bits: bits)
        case "external":
            (key, algorithm) = try Self.suppliedSSHKey(privateKey: input.privateKey ?? "", publicKey: input.publicKey ?? "")
            if let asked = input.keyAlgorithm, asked != algorithm {
                throw ServiceError.badRequest("invalid_key_algorithm", "keyAlgorithm \(asked.prefix(20)) does not match the key supplied (\(algorithm))")
            }
        default:
            throw ServiceError.badRequest("invalid_key_source", "keySource is internal or external")
        }
        if let s = input.status, s != "active", s != "disabled" { throw ServiceError.badRequest("invalid_status", "status is active or disabled") }
        let t = now()
        let a = SSHAuthority(id: UUID().uuidString.lowercased(), friendlyName: name, keyAlgorithm: algorithm, keySource: source,
                             status: input.status ?? "active",
                             sealedPrivateKey: sealer.seal(Array(key.openSSHFormat().utf8), context: Self.sshCAContext),
                             publicKey: key.publicKey.line(), createdAt: t, updatedAt: t)
        _ = try await change { try await self.store.putDocument(kind: DocumentKind.sshAuthority, key: a.id, Document.encode(a), insert: true) }
        adminEvent("create-ssh-ca", subject: a.id, remote: remote)
        return a
    }

    /// Renames, enables or disables a CA; an external CA's key pair can be replaced (its
    /// certificates stay recorded, and its revocations stay in its KRL under the old key).
    public func updateSSHAuthority(_ id: String, _ input: SSHAuthorityInput, remote: String?) async throws -> SSHAuthority {
        let before = try sshAuthority(id)
        // checked and prepared before the lock; merged into the CA as it is under the lock, so
        // that two updates at once (a rename and a disable) both take effect
        let name = try input.friendlyName.map(Self.friendlyName)
        if let s = input.status, s != "active", s != "disabled" {
            throw ServiceError.badRequest("invalid_status", "status is active or disabled")
        }
        if let source = input.keySource, source != before.keySource {
            throw ServiceError.badRequest("immutable_field", "keySource cannot be changed (it is \(before.keySource))")
        }
        var replacement: (sealed: [UInt8], line: String, algorithm: String)?
        if input.privateKey != nil || input.publicKey != nil {
            guard before.keySource == "external" else {
                throw ServiceError.badRequest("internal_key", "the key of an internal CA cannot be replaced (create a new CA)")
            }
            let (key, algorithm) = try Self.suppliedSSHKey(privateKey: input.privateKey ?? "", publicKey: input.publicKey ?? "")
            if let asked = input.keyAlgorithm, asked != algorithm {
                throw ServiceError.badRequest("invalid_key_algorithm", "keyAlgorithm \(asked.prefix(20)) does not match the key supplied (\(algorithm))")
            }
            replacement = (sealer.seal(Array(key.openSSHFormat().utf8), context: Self.sshCAContext), key.publicKey.line(), algorithm)
        } else if let asked = input.keyAlgorithm, asked != before.keyAlgorithm {
            throw ServiceError.badRequest("immutable_field", "keyAlgorithm changes only with a new key pair (an external CA's publicKey and privateKey)")
        }
        let t = now()
        let newKey = replacement
        let updated = try await change { () -> SSHAuthority? in
            guard var a = self.current.sshAuthorities[before.id]?.doc else { return nil }
            if let name { a.friendlyName = name }
            if let s = input.status { a.status = s }
            if let r = newKey { (a.sealedPrivateKey, a.publicKey, a.keyAlgorithm) = (r.sealed, r.line, r.algorithm) }
            a.updatedAt = t
            _ = try await self.store.putDocument(kind: DocumentKind.sshAuthority, key: a.id, Document.encode(a), insert: false)
            return a
        }
        guard let a = updated else { throw ServiceError.notFound("ca_not_found", "no SSH CA \(id.prefix(64))") }
        adminEvent("update-ssh-ca", subject: a.id, remote: remote)
        return a
    }

    /// Deletes a CA and its templates (its certificates stay recorded).
    public func deleteSSHAuthority(_ id: String, remote: String?) async throws -> SSHAuthority {
        let a = try sshAuthority(id)
        _ = try await change {
            for t in self.current.sshTemplates.values where t.sshCaId == a.id {
                _ = try await self.store.deleteDocuments(kind: DocumentKind.sshTemplate, key: t.id, tokensOf: nil)
            }
            return try await self.store.deleteDocuments(kind: DocumentKind.sshAuthority, key: a.id, tokensOf: nil)
        }
        adminEvent("delete-ssh-ca", subject: a.id, remote: remote)
        return a
    }

    // MARK: templates

    public func sshTemplates(ca id: String) throws -> [SSHCertificateTemplate] {
        let a = try sshAuthority(id)
        return current.sshTemplates.values.filter { $0.sshCaId == a.id }.sorted { $0.createdAt < $1.createdAt }
    }

    public func sshTemplate(_ id: String) throws -> SSHCertificateTemplate {
        guard let t = current.sshTemplates[id.lowercased()] else {
            throw ServiceError.notFound("template_not_found", "no SSH certificate template \(id.prefix(64))")
        }
        return t
    }

    /// Infisical's user patterns: a Linux user name (at most 32), or "*".
    static func validUserName(_ s: String) -> Bool {
        guard (1...32).contains(s.utf8.count), let first = s.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic)
        else { return false }
        return s.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }
    }

    /// A host name (letters, digits, hyphens; dot-separated labels of at most 63), an IPv4 or
    /// IPv6 address; with `wildcard`, also "*.domain".
    static func validHostName(_ s: String, wildcard: Bool) -> Bool {
        guard (1...253).contains(s.utf8.count) else { return false }
        if CIDR.parseAddress(s) != nil { return true }
        var name = Substring(s)
        if wildcard, name.hasPrefix("*.") { name = name.dropFirst(2) }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 1 && labels.allSatisfy { l in
            (1...63).contains(l.utf8.count) && !l.hasPrefix("-") && !l.hasSuffix("-")
                && l.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }
        }
    }

    static func templateName(_ s: String) throws -> String {
        guard (1...36).contains(s.utf8.count), !s.hasPrefix("-"), !s.hasSuffix("-"), !s.contains("--"),
              s.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" })
        else { throw ServiceError.badRequest("invalid_name", "name must be a slug: 1 to 36 lower-case letters, digits and single hyphens") }
        return s
    }

    public func putSSHTemplate(id: String?, _ input: SSHTemplateInput, remote: String?) async throws -> SSHCertificateTemplate {
        let t0 = now()
        let creating = id == nil
        if creating {
            guard let ca = input.sshCaId, !ca.isEmpty else { throw ServiceError.badRequest("missing_field", "missing sshCaId") }
            for (f, present) in [("allowedUsers", input.allowedUsers != nil), ("allowedHosts", input.allowedHosts != nil),
                                 ("allowUserCertificates", input.allowUserCertificates != nil),
                                 ("allowHostCertificates", input.allowHostCertificates != nil),
                                 ("allowCustomKeyIds", input.allowCustomKeyIds != nil), ("name", input.name != nil)] where !present {
                throw ServiceError.badRequest("missing_field", "missing \(f)")
            }
        }
        // the fields checked before the lock; applied to the template as it is under it
        let name = try input.name.map(Self.templateName)
        if let s = input.status, s != "active", s != "disabled" { throw ServiceError.badRequest("invalid_status", "status is active or disabled") }
        let ttl = try input.ttl.map { ($0, try InfisicalDuration.seconds($0, field: "ttl")) }
        let maxTTL = try input.maxTTL.map { ($0, try InfisicalDuration.seconds($0, field: "maxTTL")) }
        if let u = input.allowedUsers {
            guard u.count <= 256, u.allSatisfy({ $0 == "*" || Self.validUserName($0) }) else {
                throw ServiceError.badRequest("invalid_user_pattern", "allowedUsers: each is a user name ([a-z_][a-z0-9_-]*, at most 32) or *; at most 256")
            }
        }
        if let h = input.allowedHosts {
            guard h.count <= 256, h.allSatisfy({ $0 == "*" || Self.validHostName($0, wildcard: true) }) else {
                throw ServiceError.badRequest("invalid_host_pattern", "allowedHosts: each is a host name, *.domain, an IP address or *; at most 256")
            }
        }
        let newID = UUID().uuidString.lowercased()
        let outcome = try await change { () -> Result<SSHCertificateTemplate, ServiceError> in
            var t: SSHCertificateTemplate
            if let id {
                guard let found = self.current.sshTemplates[id.lowercased()] else {
                    return .failure(.notFound("template_not_found", "no SSH certificate template \(id.prefix(64))"))
                }
                t = found
                if let c = input.sshCaId, c.lowercased() != t.sshCaId {
                    return .failure(.badRequest("immutable_field", "a template's sshCaId cannot be changed"))
                }
            } else {
                let caId = (input.sshCaId ?? "").lowercased()
                guard self.current.sshAuthorities[caId] != nil else {
                    return .failure(.notFound("ca_not_found", "no SSH CA \((input.sshCaId ?? "").prefix(64))"))
                }
                t = SSHCertificateTemplate(id: newID, sshCaId: caId, name: "", status: "active", ttl: "1h", maxTTL: "30d", ttlSeconds: 3600,
                                           maxTTLSeconds: 30 * 86400, allowedUsers: [], allowedHosts: [], allowUserCertificates: false,
                                           allowHostCertificates: false, allowCustomKeyIds: false, createdAt: t0, updatedAt: t0)
            }
            if let name { t.name = name }
            if let s = input.status { t.status = s }
            if let ttl { (t.ttl, t.ttlSeconds) = ttl }
            if let maxTTL { (t.maxTTL, t.maxTTLSeconds) = maxTTL }
            guard t.ttlSeconds <= t.maxTTLSeconds else { return .failure(.badRequest("invalid_ttl", "ttl cannot be longer than maxTTL")) }
            if let u = input.allowedUsers { t.allowedUsers = u }
            if let h = input.allowedHosts { t.allowedHosts = h }
            if let v = input.allowUserCertificates { t.allowUserCertificates = v }
            if let v = input.allowHostCertificates { t.allowHostCertificates = v }
            if let v = input.allowCustomKeyIds { t.allowCustomKeyIds = v }
            t.updatedAt = t0
            let written = t
            if self.current.sshTemplates.values.contains(where: { $0.sshCaId == written.sshCaId && $0.name == written.name && $0.id != written.id }) {
                return .failure(ServiceError(.conflict, "name_in_use", "the CA already has a template named \(written.name)"))
            }
            _ = try await self.store.putDocument(kind: DocumentKind.sshTemplate, key: written.id, Document.encode(written), insert: creating)
            return .success(written)
        }
        let t = try outcome.get()
        adminEvent(creating ? "create-ssh-template" : "update-ssh-template", subject: t.id, remote: remote)
        return t
    }

    public func deleteSSHTemplate(_ id: String, remote: String?) async throws -> SSHCertificateTemplate {
        let t = try sshTemplate(id)
        _ = try await change { try await self.store.deleteDocuments(kind: DocumentKind.sshTemplate, key: t.id, tokensOf: nil) }
        adminEvent("delete-ssh-template", subject: t.id, remote: remote)
        return t
    }

    // MARK: signing under a template

    /// Signs `input` under template `templateId` for the holder of `token`. `input.ttl` is
    /// in seconds (the route parses Infisical's durations).
    public func signWithTemplate(_ templateId: String, _ input: SSHSignInput, token: String, remote: String) async throws -> SSHSignResult {
        let holder = try await authorize(token: token, path: Self.templatePath(templateId, "sign"), .update, remote: remote)
        return try await signWithTemplate(templateId, input, holder: holder, remote: remote)
    }

    /// The access-policy path of a template's action (Infisical's calls are checked as these).
    static func templatePath(_ id: String, _ action: String) -> String { "sys/ssh/templates/\(id.prefix(64).lowercased())/\(action)" }

    func signWithTemplate(_ templateId: String, _ input: SSHSignInput, holder: TokenRecord, remote: String) async throws -> SSHSignResult {
        let subject = "templates/" + templateId.prefix(64).lowercased()
        func refuse(_ code: String, _ message: String) -> ServiceError {
            sshRefusal("sign", subject: subject, holder: holder, remote: remote, code: code, message)
        }
        guard let t = current.sshTemplates[templateId.lowercased()] else {
            throw sshRefusal("sign", subject: subject, holder: holder, remote: remote, code: "template_not_found",
                             "no SSH certificate template \(templateId.prefix(64))", kind: .notFound)
        }
        guard t.status == "active" else { throw refuse("template_disabled", "the certificate template is disabled") }
        guard let a = current.sshAuthorities[t.sshCaId], let ca = a.ca else { throw refuse("ca_not_found", "the template's CA does not exist") }
        guard a.doc.status == "active" else { throw refuse("ca_disabled", "the SSH CA is disabled") }
        let key = try sshPublicKey(input.publicKey, refuse: refuse)
        let plan = try Self.plan(t, input, holder: holder, refuse: refuse)
        return try await signAndRecord(SSHSigningCA(reference: SSHCertificateRecord.caReference(infisicalCA: a.doc.id), authority: ca,
                                                    publicKey: a.doc.publicKey),
                                       plan, key: key, holder: holder, role: t.name, action: "sign", subject: "templates/" + t.id,
                                       remote: remote)
    }

    /// Makes a key pair (Infisical's key algorithm names) and signs it under a template.
    public func issueWithTemplate(_ templateId: String, keyAlgorithm: String, _ input: SSHSignInput, token: String, remote: String)
        async throws -> SSHSignResult
    {
        guard let (kind, bits) = Self.sshAlgorithms[keyAlgorithm] else {
            throw ServiceError.badRequest("invalid_key_algorithm", "keyAlgorithm is one of RSA_2048, RSA_4096, EC_prime256v1, EC_secp384r1, ED25519")
        }
        let holder = try await authorize(token: token, path: Self.templatePath(templateId, "issue"), .update, remote: remote)
        // the template and its CA are looked at before a key is made (an RSA-4096 key costs a second);
        // signWithTemplate decides again, and audits, after
        let t = try sshTemplate(templateId)
        guard t.status == "active", current.sshAuthorities[t.sshCaId]?.doc.status == "active" else {
            return try await signWithTemplate(templateId, input, holder: holder, remote: remote)
        }
        let key = try await Self.generateSSHKey(kind, bits: bits)
        var q = input
        q.publicKey = key.publicKey.line()
        var r = try await signWithTemplate(templateId, q, holder: holder, remote: remote)
        r.privateKey = key.openSSHFormat()
        r.publicKey = q.publicKey
        r.keyType = keyAlgorithm
        return r
    }

    /// What a template lets `input` have, or why not (Infisical's rules).
    static func plan(_ t: SSHCertificateTemplate, _ input: SSHSignInput, holder: TokenRecord,
                     refuse: (String, String) -> ServiceError) throws -> SSHCertificatePlan {
        let type: SSHCertificateRequest.CertificateType
        switch input.certType {
        case "", "user":
            guard t.allowUserCertificates else { throw refuse("cert_type_not_allowed", "the template does not allow user certificates") }
            type = .user
        case "host":
            guard t.allowHostCertificates else { throw refuse("cert_type_not_allowed", "the template does not allow host certificates") }
            type = .host
        default: throw refuse("invalid_cert_type", "certType is user or host")
        }
        let principals = input.validPrincipals
        guard !principals.isEmpty else { throw refuse("missing_principals", "principals needs at least one name") }
        guard principals.count <= 256 else { throw refuse("principal_not_allowed", "at most 256 principals") }
        for p in principals {
            let ok: Bool
            if type == .user {
                ok = p != "*" && (t.allowedUsers.contains("*") ? validUserName(p) : t.allowedUsers.contains(p))
            } else {
                ok = !p.contains("*") && validHostName(p, wildcard: false)
                    && (t.allowedHosts.contains("*") || t.allowedHosts.contains { h in
                        h.hasPrefix("*.") ? p.hasSuffix(h.dropFirst(1)) && p.count > h.count - 1 : p == h
                    })
            }
            guard ok else { throw refuse("principal_not_allowed", "principal \(p.prefix(100)) is not allowed by the template") }
        }
        let ttl = input.ttl ?? t.ttlSeconds
        guard ttl > 0 else { throw refuse("invalid_ttl", "ttl must be at least one second") }
        guard ttl <= t.maxTTLSeconds else { throw refuse("ttl_too_long", "ttl is longer than the template's maxTTL (\(t.maxTTL))") }
        if !input.keyID.isEmpty, !t.allowCustomKeyIds { throw refuse("key_id_not_allowed", "the template does not allow custom key ids") }
        guard input.keyID.utf8.count <= 256 else { throw refuse("invalid_key_id", "keyId is at most 256 bytes") }
        let keyID = input.keyID.isEmpty ? "\(holder.displayName)@\(t.name)" : input.keyID
        return SSHCertificatePlan(type: type, principals: principals, ttl: ttl, keyID: keyID,
                                  extensions: type == .user ? defaultUserExtensions : [])
    }

    /// The extensions `ssh-keygen -s` (and so Infisical) gives a user certificate.
    static let defaultUserExtensions = ["permit-X11-forwarding", "permit-agent-forwarding", "permit-port-forwarding", "permit-pty",
                                        "permit-user-rc"]
}

/// Durations as Infisical writes them (the `ms` package): a number and a unit ("30m", "8h",
/// "1.5d", "2 hours"); a bare number is milliseconds, as there. Whole seconds, at least one.
public enum InfisicalDuration {
    static let units: [String: Double] = [
        "ms": 0.001, "msec": 0.001, "msecs": 0.001, "millisecond": 0.001, "milliseconds": 0.001, "": 0.001,
        "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1, "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
        "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600, "d": 86400, "day": 86400, "days": 86400,
        "w": 604_800, "week": 604_800, "weeks": 604_800, "y": 31_557_600, "yr": 31_557_600, "yrs": 31_557_600, "year": 31_557_600,
        "years": 31_557_600,
    ]

    public static func seconds(_ s: String, field: String) throws -> Int {
        let bad = ServiceError.badRequest("invalid_ttl", "\(field) is a duration such as 30m, 8h or 7d")
        let t = s.trimmingCharacters(in: .whitespaces).lowercased()
        guard t.utf8.count <= 32 else { throw bad }
        let numberEnd = t.firstIndex { !($0.isASCII && ($0.isNumber || $0 == ".")) } ?? t.endIndex
        guard let n = Double(t[..<numberEnd]), n.isFinite, n > 0,
              let unit = units[t[numberEnd...].trimmingCharacters(in: .whitespaces)] else { throw bad }
        let v = n * unit
        guard v >= 1 else { throw ServiceError.badRequest("invalid_ttl", "\(field) must be at least one second (a bare number is milliseconds)") }
        guard v <= Double(TokenSettings.limit) else { throw ServiceError.badRequest("invalid_ttl", "\(field) is at most \(TokenSettings.limit) seconds") }
        return Int(v)
    }
}
