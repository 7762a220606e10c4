// Vouch+SSHSigning.swift: what every SSH certificate goes through, whichever API asked for
// it (a Vault role or an Infisical template decides what it holds): the caller (admin token
// or access token, a use counted, the access policy checked), the public key parsed, a
// random serial unused under that CA, the signature, the record and the audit line.
import Foundation
import VouchCore

/// What a role or template decided a certificate holds.
struct SSHCertificatePlan: Sendable {
    var type: SSHCertificateRequest.CertificateType
    var principals: [String]
    var ttl: Int
    var keyID: String
    var criticalOptions: [String: String] = [:]
    var extensions: [String] = []
    var rsaSHA256 = true
}

/// A CA ready to sign, and where its certificates are recorded.
struct SSHSigningCA: Sendable {
    let reference: String      // a Vault mount path, or cas/{id}
    let authority: SSHCertificateAuthority
    let publicKey: String
}

extension Vouch {
    /// Threads for making key pairs, apart from the ones requests run on: an RSA key takes
    /// from milliseconds to a second, and the cooperative pool has one thread per core.
    private static let keygen = DispatchQueue(label: "vouch.keygen", qos: .userInitiated, attributes: .concurrent)

    /// A new SSH key pair, made on the keygen threads.
    static func generateSSHKey(_ kind: SSHKeyKind, bits: Int) async throws -> SSHPrivateKey {
        try await withCheckedThrowingContinuation { cont in
            keygen.async { cont.resume(with: Result { try SSHPrivateKey.generate(kind, bits: bits) }) }
        }
    }

    /// A refusal of a signing request, audited and counted.
    func sshRefusal(_ action: String, subject: String, holder: TokenRecord?, remote: String, code: String, _ message: String,
                    kind: ServiceError.Kind = .badRequest) -> ServiceError {
        audit.record(.init(type: "ssh", action: action, outcome: "refused", remote: remote, subject: subject, code: code, reason: message,
                           accessor: holder?.accessor))
        metrics.increment("vouch_ssh_certificates_total", [("outcome", "refused")])
        return ServiceError(kind, code, message)
    }

    /// Parses the public key a caller sent.
    func sshPublicKey(_ line: String, refuse: (String, String) -> ServiceError) throws -> SSHPublicKey {
        do { return try SSHPublicKey(line: line.trimmingCharacters(in: .whitespacesAndNewlines)) } catch let e as VouchError {
            throw refuse("invalid_public_key", "failed to parse public_key as SSH key: \(e.message)")
        }
    }

    /// Signs `key` as `plan` says with `ca`, under a fresh random serial, and records it.
    func signAndRecord(_ ca: SSHSigningCA, _ plan: SSHCertificatePlan, key: SSHPublicKey, holder: TokenRecord, role: String,
                       action: String, subject: String, remote: String) async throws -> SSHSignResult {
        // a key id a KRL can revoke (and an audit line can hold): no control characters
        do { try Self.checkKeyID(plan.keyID) } catch let e as ServiceError {
            throw sshRefusal(action, subject: subject, holder: holder, remote: remote, code: e.code, e.message)
        }
        let now = self.now()
        var request = SSHCertificateRequest(key: key, type: plan.type, validAfter: UInt64(max(now - 30, 0)),
                                            validBefore: UInt64(now + Int64(plan.ttl)))
        request.keyID = plan.keyID
        request.principals = plan.principals
        request.criticalOptions = plan.criticalOptions
        request.extensions = plan.extensions
        request.rsaSHA256 = plan.rsaSHA256
        for _ in 0..<4 {
            request.serial = Secrets.random(count: 8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let signed: SSHSignedCertificate
            do { signed = try ca.authority.sign(request) } catch let e as VouchError {
                throw sshRefusal(action, subject: subject, holder: holder, remote: remote, code: "invalid_request", e.message)
            }
            let serial = SSHSerial.hex(request.serial)
            let record = SSHCertificateRecord(
                mount: ca.reference, serial: serial, role: role, keyID: plan.keyID, principals: plan.principals, type: plan.type.rawValue,
                validAfter: request.validAfter, validBefore: request.validBefore, fingerprint: key.fingerprint, requester: holder.subject,
                accessor: holder.accessor, issuedAt: now, caPublicKey: ca.publicKey)
            // a serial is unique per CA: on the (2^-64) chance of a repeat, sign again
            guard try await store.insertSSHCertificate(record) else { continue }
            audit.record(.init(type: "ssh", action: action, outcome: "ok", remote: remote, subject: subject, accessor: holder.accessor,
                               extra: ["serial": serial, "key_id": plan.keyID, "principals": plan.principals.joined(separator: ",")]))
            metrics.increment("vouch_ssh_certificates_total", [("outcome", "signed")])
            return SSHSignResult(serial: serial, signedKey: signed.line() + "\n", record: record)
        }
        throw ServiceError(.unavailable, "serial_exhausted", "no unused serial number was found")
    }
}

/// Serial numbers as the two APIs write them: Vault in hex (as Go's FormatUint, no leading
/// zeros: the store's form too), Infisical in decimal.
public enum SSHSerial {
    public static func hex(_ v: UInt64) -> String { String(v, radix: 16) }

    /// A serial as a caller writes it: decimal (Infisical's paths), hex (Vault's), or 0x-hex.
    public static func parse(_ s: String, decimal: Bool) -> UInt64? {
        let t = s.trimmingCharacters(in: .whitespaces)
        if t.hasPrefix("0x") || t.hasPrefix("0X") { return t.count > 2 && t.count <= 18 ? UInt64(t.dropFirst(2), radix: 16) : nil }
        guard !t.isEmpty, t.count <= 20 else { return nil }
        return decimal ? UInt64(t, radix: 10) : UInt64(t, radix: 16)
    }
}
