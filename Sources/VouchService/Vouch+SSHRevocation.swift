// Vouch+SSHRevocation.swift: the certificates a CA signed (listed and looked up from the
// store), their revocation by serial, by key id or by public key, and the OpenSSH KRL a CA
// publishes of what it revoked (PROTOCOL.krl), with an ETag for cheap polling.
import Foundation
import VouchCore

/// A CA, as either API names it.
public enum SSHCAName: Sendable {
    case mount(String)       // Vault: the ssh secrets mount
    case authority(String)   // Infisical: the CA id
}

/// What a revocation names.
public enum SSHRevocationTarget: Sendable {
    case serial(UInt64)
    case keyID(String)
    case publicKey(String)
}

/// A certificate's record and whether the CA's revocations cover it.
public struct SSHCertificateStatus: Sendable {
    public let record: SSHCertificateRecord
    public let revoked: Bool
    /// Where a listing that ends here continues (`after`).
    public var cursor: Int64 = 0
}

/// A CA's KRL: the bytes, its version (the last revocation's sequence) and an ETag.
public struct SSHKRLDocument: Sendable {
    public let bytes: [UInt8]
    public let version: Int64
    public let etag: String
}

extension Vouch {
    /// The store's reference of a CA and its current public key line.
    func sshCA(_ name: SSHCAName) throws -> (reference: String, publicKey: String?) {
        switch name {
        case .mount(let path):
            let m = try sshMount(path)
            return (m.path, current.ssh[m.path]?.caPublicKey)
        case .authority(let id):
            let a = try sshAuthority(id)
            return (SSHCertificateRecord.caReference(infisicalCA: a.id), a.publicKey)
        }
    }

    /// A CA's certificates in issue order, at most `limit` (1...1000) after the cursor
    /// `after`, and the cursor of the next page (nil on the last).
    public func sshCertificates(_ ca: SSHCAName, after: Int64 = 0, limit: Int = 100) async throws
        -> (certificates: [SSHCertificateStatus], next: Int64?)
    {
        let (ref, key) = try sshCA(ca)
        guard (1...1000).contains(limit) else { throw ServiceError.badRequest("invalid_limit", "limit is between 1 and 1000") }
        let records = try await store.sshCertificates(mount: ref, after: after, limit: limit + 1)
        let covered = try await revocationIndex(ref)
        let page = records.prefix(limit).map {
            SSHCertificateStatus(record: $0.record, revoked: covered.covers($0.record, currentKey: key), cursor: $0.cursor)
        }
        return (Array(page), records.count > limit ? page.last?.cursor : nil)
    }

    public func sshCertificate(_ ca: SSHCAName, serial: UInt64) async throws -> SSHCertificateStatus {
        let (ref, key) = try sshCA(ca)
        guard let r = try await store.sshCertificate(mount: ref, serial: SSHSerial.hex(serial)) else {
            throw ServiceError.notFound("certificate_not_found", "no certificate with serial \(SSHSerial.hex(serial)) was signed by this CA")
        }
        return SSHCertificateStatus(record: r, revoked: try await revocationIndex(ref).covers(r, currentKey: key))
    }

    /// Revokes what `target` names under `ca` (idempotent). A serial is revoked under the CA
    /// key that signed it (the record says; every key the CA has signed with, for a serial
    /// not recorded or recorded before the key was kept), a key id under every key the CA
    /// has or will have, a public key whatever signed it. Returns how many entries were new.
    @discardableResult
    public func revokeSSH(_ ca: SSHCAName, _ target: SSHRevocationTarget, by holder: String, remote: String?) async throws -> Int {
        let (ref, current) = try sshCA(ca)
        let t = now()
        var list: [SSHRevocation] = []
        switch target {
        case .serial(let serial):
            guard serial != 0 else { throw ServiceError.badRequest("invalid_serial", "serial 0 means no serial: it cannot be revoked") }
            let recorded = try await store.sshCertificate(mount: ref, serial: SSHSerial.hex(serial))
            var keys = Set<String>()
            if let k = recorded?.caPublicKey {
                keys = [k]
            } else {
                keys = Set(try await store.sshCAKeys(mount: ref))
                if let current { keys.insert(current) }
            }
            guard !keys.isEmpty else { throw ServiceError.badRequest("ca_not_configured", "the CA has no key and signed no certificate") }
            list = keys.sorted().map { SSHRevocation(ca: ref, kind: .serial, value: SSHSerial.hex(serial), caKey: $0, revokedAt: t, revokedBy: holder) }
        case .keyID(let id):
            try Self.checkKeyID(id)
            list = [SSHRevocation(ca: ref, kind: .keyID, value: id, caKey: "", revokedAt: t, revokedBy: holder)]
        case .publicKey(let line):
            // a certificate line stands for its key: what OpenSSH checks a KRL's keys against
            let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
            let plain: SSHPublicKey
            do { plain = try SSHPublicKey(line: text) } catch let e as VouchError {
                guard let cert = try? SSHCertificate(line: text) else {
                    throw ServiceError.badRequest("invalid_public_key", "public_key: \(e.message)")
                }
                plain = cert.key
            }
            list = [SSHRevocation(ca: ref, kind: .key, value: Secrets.sha256(plain.blob).map { String(format: "%02x", $0) }.joined(),
                                  caKey: "", revokedAt: t, revokedBy: holder, fingerprint: plain.fingerprint)]
        }
        let added = try await store.insertSSHRevocations(list)
        audit.record(.init(type: "ssh", action: "revoke", outcome: "ok", remote: remote, subject: ref, accessor: holder,
                           extra: ["kind": list[0].kind.rawValue, "value": list[0].fingerprint ?? list[0].value]))
        metrics.increment("vouch_ssh_revocations_total", [])
        return added
    }

    /// A key id a certificate may carry and a KRL can hold: 1 to 1024 bytes, no control characters.
    static func checkKeyID(_ id: String) throws {
        guard (1...1024).contains(id.utf8.count), !id.utf8.contains(where: { $0 < 0x20 || $0 == 0x7f }) else {
            throw ServiceError.badRequest("invalid_key_id", "a key id is 1 to 1024 bytes without control characters")
        }
    }

    /// The CA's revocations as an OpenSSH KRL: serials under the key that signed them, key
    /// ids under every key the CA has signed with (and its current one), keys by their hash.
    public func sshKRL(_ ca: SSHCAName) async throws -> SSHKRLDocument {
        let (ref, current) = try sshCA(ca)
        let revocations = try await store.sshRevocations(mount: ref)
        let version = revocations.last?.sequence ?? 0
        var krl = SSHKRL(version: UInt64(max(version, 0)), generatedDate: UInt64(max(revocations.last?.revokedAt ?? 0, 0)),
                         comment: "vouch \(ref)")
        var keys = Set(try await store.sshCAKeys(mount: ref))
        if let current { keys.insert(current) }
        var serials: [String: [UInt64]] = [:]
        var ids: [String] = []
        for r in revocations {
            switch r.kind {
            case .serial:
                // rows the encoder cannot hold are never written (revokeSSH refuses them); skipped, not fatal
                guard let s = UInt64(r.value, radix: 16), s != 0 else { continue }
                serials[r.caKey, default: []].append(s)
                keys.insert(r.caKey)
            case .keyID:
                guard (try? Self.checkKeyID(r.value)) != nil else { continue }
                ids.append(r.value)
            case .key: if let h = Self.hexBytes(r.value), h.count == 32 { krl.revokedKeyHashes.append(h) }
            }
        }
        for line in keys.sorted() {
            guard let key = try? SSHPublicKey(line: line) else { continue }
            let s = serials[line] ?? []
            if s.isEmpty && ids.isEmpty { continue }
            krl.certificates.append(.init(caKey: key, serials: s, keyIDs: ids))
        }
        let bytes: [UInt8]
        do { bytes = try krl.encoded() } catch let e as VouchError {
            throw ServiceError(.unavailable, "krl_unavailable", "the KRL could not be built: \(e.message)")
        }
        let etag = "\"" + Secrets.sha256(bytes).prefix(12).map { String(format: "%02x", $0) }.joined() + "\""
        return SSHKRLDocument(bytes: bytes, version: version, etag: etag)
    }

    static func hexBytes(_ s: String) -> [UInt8]? {
        guard s.utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        var i = s.startIndex
        while i < s.endIndex {
            let j = s.index(i, offsetBy: 2)
            guard let b = UInt8(s[i..<j], radix: 16) else { return nil }
            out.append(b)
            i = j
        }
        return out
    }

    /// A CA's revocations, indexed to judge records.
    struct RevocationIndex {
        var serials: [String: Set<String>] = [:]   // serial -> the CA keys it is revoked under
        var keyIDs = Set<String>()                 // revoked under every key of the CA
        var fingerprints = Set<String>()

        func covers(_ r: SSHCertificateRecord, currentKey: String?) -> Bool {
            if let keys = serials[r.serial] {
                // a record made before the signing key was kept: revoked under any key (so filed)
                guard let k = r.caPublicKey else { return true }
                if keys.contains(k) { return true }
            }
            return keyIDs.contains(r.keyID) || fingerprints.contains(r.fingerprint)
        }
    }

    func revocationIndex(_ ref: String) async throws -> RevocationIndex {
        var index = RevocationIndex()
        for r in try await store.sshRevocations(mount: ref) {
            switch r.kind {
            case .serial: index.serials[r.value, default: []].insert(r.caKey)
            case .keyID: index.keyIDs.insert(r.value)
            case .key: if let f = r.fingerprint { index.fingerprints.insert(f) }
            }
        }
        return index
    }
}
