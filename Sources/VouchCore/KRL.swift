// KRL.swift: OpenSSH Key Revocation Lists (PROTOCOL.krl) over the C core (vouch_krl.h):
// `SSHKRL` is what a KRL says (build one, encode it, read one back), `SSHRevocationList`
// a parsed KRL that checks certificates and keys as sshd's RevokedKeys does.
import CVouch
import Crypto
import Foundation

/// The content of an OpenSSH KRL. `encoded()` gives deterministic bytes (the same content,
/// the same bytes) that `ssh-keygen -Q` and sshd read; `init(parsing:)` reads one back,
/// normalised as OpenSSH loads it (sections of one CA merged, serials coalesced into
/// sorted ranges, key IDs and keys sorted and unique).
public struct SSHKRL: Sendable, Equatable {
    /// What one CA revokes.
    public struct CASection: Sendable, Equatable {
        /// The CA's public key blob; nil for the section that applies to every CA.
        public var caKey: [UInt8]?
        /// Revoked serials (each at least 1; serial 0 is no serial and never revoked).
        public var serials: [ClosedRange<UInt64>]
        /// Revoked key IDs (what `ssh-keygen -s -I` wrote into the certificates).
        public var keyIDs: [String]

        public init(caKey: [UInt8]?, serials: [ClosedRange<UInt64>] = [], keyIDs: [String] = []) {
            self.caKey = caKey
            self.serials = serials
            self.keyIDs = keyIDs
        }

        /// One CA's revoked serials and key IDs (nil CA: key IDs for every CA).
        public init(caKey: SSHPublicKey?, serials: [UInt64], keyIDs: [String] = []) {
            self.init(caKey: caKey?.blob, serials: serials.map { $0...$0 }, keyIDs: keyIDs)
        }
    }

    /// Why a certificate or key is revoked.
    public struct Revocation: Sendable, Equatable, CustomStringConvertible {
        public enum Reason: String, Sendable {
            case keySHA1 = "key-sha1", keySHA256 = "key-sha256", explicitKey = "explicit-key", keyID = "key-id", serial
        }
        public let reason: Reason
        /// The certificate's CA key is what is revoked (a revoked CA revokes what it signed).
        public let ofCAKey: Bool
        /// For `keyID` and `serial`: matched in the section for every CA (not the
        /// certificate's own CA's).
        public let anyCA: Bool
        /// For `serial`: the revoked range holding the serial.
        public let serials: ClosedRange<UInt64>?
        /// A sentence naming what matched.
        public let message: String
        public var description: String { message }
    }

    /// krl_version: grows with every KRL its issuer makes.
    public var version: UInt64
    /// Unix seconds.
    public var generatedDate: UInt64
    public var comment: String
    public var certificates: [CASection]
    /// Revoked public keys (wire blobs, not certificates): every certificate of the key
    /// is revoked too, and a revoked CA key revokes what it signed. Encoded as SHA-256
    /// fingerprints; a parsed KRL lists its explicit-key section here.
    public var revokedKeys: [[UInt8]]
    /// SHA-256 fingerprints (32 bytes) of revoked keys.
    public var revokedKeyHashes: [[UInt8]]
    /// SHA-1 fingerprints (20 bytes) of revoked keys (`ssh-keygen -k` with `sha1:` lines).
    public var revokedSHA1Hashes: [[UInt8]]
    /// Non-critical extensions a parsed KRL carried and that were skipped; never encoded.
    public internal(set) var skippedExtensions: [String] = []

    public init(version: UInt64 = 0, generatedDate: UInt64, comment: String = "", certificates: [CASection] = [],
                revokedKeys: [[UInt8]] = [], revokedKeyHashes: [[UInt8]] = [], revokedSHA1Hashes: [[UInt8]] = []) {
        self.version = version
        self.generatedDate = generatedDate
        self.comment = comment
        self.certificates = certificates
        self.revokedKeys = revokedKeys
        self.revokedKeyHashes = revokedKeyHashes
        self.revokedSHA1Hashes = revokedSHA1Hashes
    }

    /// Reads a KRL (strictly: see vouch_krl.h for what is refused).
    public init(parsing bytes: [UInt8]) throws {
        self = try SSHRevocationList(bytes: bytes).content
    }

    /// The KRL for one CA, as the server issues it: the CA's public key line, its revoked
    /// serials and key IDs, and revoked public key blobs.
    public static func build(caKey: String, serials: [UInt64], keyIDs: [String] = [], revokedKeys: [[UInt8]] = [],
                             version: UInt64, generatedDate: UInt64, comment: String = "") throws -> [UInt8] {
        let ca = try SSHPublicKey(line: caKey)
        return try SSHKRL(version: version, generatedDate: generatedDate, comment: comment,
                          certificates: [CASection(caKey: ca, serials: serials, keyIDs: keyIDs)], revokedKeys: revokedKeys).encoded()
    }

    /// The KRL's bytes: one certificate section per CA (sorted by key, the every-CA section
    /// first; a CA with nothing revoked left out), serials ascending (runs of three or more
    /// as ranges), key IDs sorted, then SHA-1 and SHA-256 sections sorted; no signature.
    public func encoded() throws -> [UInt8] {
        var allocations: [UnsafeMutableRawPointer?] = []
        defer { allocations.forEach { free($0) } }
        // every C-side array is malloc'd here and freed on the way out
        func alloc<T>(_: T.Type, _ n: Int) -> UnsafeMutablePointer<T> {
            let p = malloc(max(n, 1) * MemoryLayout<T>.stride)!
            allocations.append(p)
            return p.bindMemory(to: T.self, capacity: max(n, 1))
        }
        func copy(_ bytes: [UInt8]) -> UnsafePointer<UInt8> {
            let p = alloc(UInt8.self, bytes.count)
            bytes.withUnsafeBufferPointer { if let b = $0.baseAddress { p.update(from: b, count: bytes.count) } }
            return UnsafePointer(p)
        }
        func cString(_ s: String, _ what: String) throws -> UnsafePointer<CChar> {
            // C reads up to a NUL: one inside would revoke a shorter ID than asked for
            guard !s.utf8.contains(0) else { throw VouchError(status: VOUCH_E_ARG.rawValue, detail: "\(what) contains a NUL character") }
            let p = strdup(s)!
            allocations.append(p)
            return UnsafePointer(p)
        }
        func joined(_ hashes: [[UInt8]], _ size: Int, _ what: String) throws -> UnsafePointer<UInt8>? {
            if let bad = hashes.firstIndex(where: { $0.count != size }) {
                throw VouchError(status: VOUCH_E_ARG.rawValue, detail: "\(what) \(bad) is \(hashes[bad].count) bytes, not \(size)")
            }
            return hashes.isEmpty ? nil : copy(hashes.flatMap { $0 })
        }

        let comment = try cString(self.comment, "the comment")
        let cas = alloc(vouch_krl_ca_spec.self, certificates.count)
        for (i, section) in certificates.enumerated() {
            let ranges = alloc(vouch_krl_range.self, section.serials.count)
            for (j, r) in section.serials.enumerated() { ranges[j] = vouch_krl_range(lo: r.lowerBound, hi: r.upperBound) }
            let ids = alloc(UnsafePointer<CChar>?.self, section.keyIDs.count)
            for (j, id) in section.keyIDs.enumerated() { ids[j] = try cString(id, "key ID \(j) of CA \(i)") }
            let key = section.caKey.map(copy)
            cas[i] = vouch_krl_ca_spec(ca_key: key, ca_key_len: section.caKey?.count ?? 0, serials: ranges, nserials: section.serials.count,
                                       key_ids: ids, nkey_ids: section.keyIDs.count)
        }
        let keys = alloc(UnsafePointer<UInt8>?.self, revokedKeys.count), lens = alloc(Int.self, revokedKeys.count)
        for (i, k) in revokedKeys.enumerated() { keys[i] = copy(k); lens[i] = k.count }
        var spec = vouch_krl_spec(
            version: version, generated_date: generatedDate, comment: comment, cas: cas, ncas: certificates.count,
            keys: keys, key_lens: lens, nkeys: revokedKeys.count,
            sha256: try joined(revokedKeyHashes, 32, "SHA-256 hash"), nsha256: revokedKeyHashes.count,
            sha1: try joined(revokedSHA1Hashes, 20, "SHA-1 hash"), nsha1: revokedSHA1Hashes.count)
        var out: UnsafeMutablePointer<UInt8>?
        var len = 0
        try checked { diag in vouch_krl_encode(&spec, &out, &len, diag) }
        defer { free(out) }
        return Array(UnsafeBufferPointer(start: out, count: len))
    }

    /// Whether the KRL revokes a certificate (builds the KRL each call: to check many,
    /// keep an `SSHRevocationList`).
    public func isRevoked(_ certificate: SSHCertificate) throws -> Revocation? {
        try SSHRevocationList(bytes: encoded()).isRevoked(certificate)
    }

    /// Whether the KRL revokes a public key.
    public func isRevoked(_ key: SSHPublicKey) throws -> Revocation? {
        try SSHRevocationList(bytes: encoded()).isRevoked(key)
    }
}

/// A parsed KRL, ready to check certificates and keys as sshd does (ssh_krl_check_key):
/// the key (a certificate's own key) by SHA-1, SHA-256 and explicit listing; a certificate
/// by key ID and serial under its CA's section and the every-CA section; then its CA key as
/// a key. Immutable; checks may run from many threads at once.
public final class SSHRevocationList: @unchecked Sendable {
    let raw: OpaquePointer

    public init(bytes: [UInt8]) throws {
        var out: OpaquePointer?
        try checked { diag in bytes.withUnsafeBufferPointer { vouch_krl_parse($0.baseAddress, $0.count, &out, diag) } }
        raw = out!
    }

    deinit { vouch_krl_free(raw) }

    /// What the KRL holds. Explicit keys are listed in `revokedKeys`.
    public var content: SSHKRL {
        var krl = SSHKRL(version: vouch_krl_version(raw), generatedDate: vouch_krl_generated_date(raw),
                         comment: String(cString: vouch_krl_comment(raw)))
        krl.certificates = (0..<vouch_krl_ca_count(raw)).map { ca in
            var n = 0
            let p = vouch_krl_ca_key(raw, ca, &n)
            return SSHKRL.CASection(
                caKey: n == 0 ? nil : Array(UnsafeBufferPointer(start: p, count: n)),
                serials: (0..<vouch_krl_serial_range_count(raw, ca)).map { let r = vouch_krl_serial_range(raw, ca, $0); return r.lo...r.hi },
                keyIDs: (0..<vouch_krl_key_id_count(raw, ca)).map { String(cString: vouch_krl_key_id(raw, ca, $0)) })
        }
        krl.revokedKeys = (0..<vouch_krl_key_count(raw)).map {
            var n = 0
            let p = vouch_krl_key(raw, $0, &n)
            return Array(UnsafeBufferPointer(start: p, count: n))
        }
        krl.revokedKeyHashes = (0..<vouch_krl_hash_count(raw, 1)).map { Array(UnsafeBufferPointer(start: vouch_krl_hash(raw, 1, $0), count: 32)) }
        krl.revokedSHA1Hashes = (0..<vouch_krl_hash_count(raw, 0)).map { Array(UnsafeBufferPointer(start: vouch_krl_hash(raw, 0, $0), count: 20)) }
        krl.skippedExtensions = (0..<vouch_krl_extension_count(raw)).map { String(cString: vouch_krl_extension_name(raw, $0, nil)) }
        return krl
    }

    /// Why the certificate is revoked, or nil when it is not.
    public func isRevoked(_ certificate: SSHCertificate) -> SSHKRL.Revocation? {
        verdict { v, d in withExtendedLifetime(certificate) { vouch_krl_check_cert(raw, certificate.raw, v, d) } }
    }

    /// Why the key is revoked, or nil when it is not.
    public func isRevoked(_ key: SSHPublicKey) -> SSHKRL.Revocation? {
        verdict { v, d in withExtendedLifetime(key) { vouch_krl_check_key(raw, key.raw, v, d) } }
    }

    /// A public key or certificate blob (a certificate's signature is checked first).
    public func isRevoked(blob: [UInt8]) throws -> SSHKRL.Revocation? {
        var v = vouch_krl_verdict()
        var diag = vouch_diag()
        let rc = blob.withUnsafeBufferPointer { vouch_krl_check_blob(raw, $0.baseAddress, $0.count, &v, &diag) }
        if rc != 0 && rc != VOUCH_E_REVOKED.rawValue { throw VouchError(diag, status: rc) }
        return rc == 0 ? nil : revocation(v, diag)
    }

    private func verdict(_ body: (UnsafeMutablePointer<vouch_krl_verdict>, UnsafeMutablePointer<vouch_diag>) -> Int32) -> SSHKRL.Revocation? {
        var v = vouch_krl_verdict()
        var diag = vouch_diag()
        let rc = body(&v, &diag)
        return rc == 0 ? nil : revocation(v, diag)
    }

    private func revocation(_ v: vouch_krl_verdict, _ diag: vouch_diag) -> SSHKRL.Revocation {
        let reason: SSHKRL.Revocation.Reason
        switch vouch_krl_reason(rawValue: UInt32(bitPattern: v.reason)) {
        case VOUCH_KRL_BY_SHA1: reason = .keySHA1
        case VOUCH_KRL_BY_SHA256: reason = .keySHA256
        case VOUCH_KRL_BY_KEY: reason = .explicitKey
        case VOUCH_KRL_BY_KEY_ID: reason = .keyID
        default: reason = .serial
        }
        var n = 0
        if v.ca >= 0 { _ = vouch_krl_ca_key(raw, v.ca, &n) }
        return SSHKRL.Revocation(reason: reason, ofCAKey: v.ca_key != 0, anyCA: v.ca >= 0 && n == 0,
                                 serials: reason == .serial ? v.range.lo...v.range.hi : nil, message: VouchError(diag, status: diag.status).message)
    }
}

extension SSHKRL {
    /// The SHA-256 fingerprint of a public key blob, as a KRL lists it (32 bytes).
    public static func sha256(ofKey blob: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: blob)) }

    /// The SHA-1 fingerprint of a public key blob (20 bytes), for KRL SHA-1 sections.
    public static func sha1(ofKey blob: [UInt8]) -> [UInt8] { Array(Insecure.SHA1.hash(data: blob)) }

    /// "SHA256:" and the unpadded base64 of a SHA-256 fingerprint, as ssh-keygen -l prints.
    public static func fingerprint(sha256 hash: [UInt8]) -> String {
        "SHA256:" + Base64.encode(hash, .standard).replacingOccurrences(of: "=", with: "")
    }

    /// The fingerprint of a key blob (any key type, including ones Vouch does not use).
    public static func fingerprint(ofKey blob: [UInt8]) -> String { fingerprint(sha256: sha256(ofKey: blob)) }

    /// The key type a blob names ("ssh-ed25519"), from its first string.
    public static func keyType(ofKey blob: [UInt8]) -> String {
        guard blob.count >= 4 else { return "unknown" }
        let n = Int(blob[0]) << 24 | Int(blob[1]) << 16 | Int(blob[2]) << 8 | Int(blob[3])
        guard n <= blob.count - 4 else { return "unknown" }
        return String(decoding: blob[4..<(4 + n)], as: UTF8.self)
    }
}
