// SSH.swift: OpenSSH public keys, CA private keys, certificate requests and parsed
// certificates, over the C core (byte-exact with PROTOCOL.certkeys).
import CVouch
import Foundation

public enum SSHKeyKind: String, Sendable, CaseIterable {
    case rsa, ecdsaP256 = "ecdsa-p256", ecdsaP384 = "ecdsa-p384", ecdsaP521 = "ecdsa-p521", ed25519
    case skECDSA = "sk-ecdsa", skEd25519 = "sk-ed25519"

    init?(_ raw: Int32) {
        switch vouch_ssh_key_type(rawValue: UInt32(raw)) {
        case VOUCH_SSH_RSA: self = .rsa
        case VOUCH_SSH_ECDSA_P256: self = .ecdsaP256
        case VOUCH_SSH_ECDSA_P384: self = .ecdsaP384
        case VOUCH_SSH_ECDSA_P521: self = .ecdsaP521
        case VOUCH_SSH_ED25519: self = .ed25519
        case VOUCH_SSH_SK_ECDSA: self = .skECDSA
        case VOUCH_SSH_SK_ED25519: self = .skEd25519
        default: return nil
        }
    }

    var c: Int32 {
        let v: vouch_ssh_key_type
        switch self {
        case .rsa: v = VOUCH_SSH_RSA
        case .ecdsaP256: v = VOUCH_SSH_ECDSA_P256
        case .ecdsaP384: v = VOUCH_SSH_ECDSA_P384
        case .ecdsaP521: v = VOUCH_SSH_ECDSA_P521
        case .ed25519: v = VOUCH_SSH_ED25519
        case .skECDSA: v = VOUCH_SSH_SK_ECDSA
        case .skEd25519: v = VOUCH_SSH_SK_ED25519
        }
        return Int32(bitPattern: v.rawValue)
    }
}

/// An OpenSSH public key.
public final class SSHPublicKey: @unchecked Sendable {
    let raw: OpaquePointer

    init(raw: OpaquePointer) { self.raw = raw }

    /// From an authorized_keys-style line ("ssh-ed25519 AAAA... comment").
    public convenience init(line: String) throws {
        var out: OpaquePointer?
        var l = line
        try checked { diag in l.withUTF8 { u in u.withMemoryRebound(to: CChar.self) { vouch_ssh_pubkey_parse_line($0.baseAddress, $0.count, &out, diag) } } }
        self.init(raw: out!)
    }

    /// From the wire blob.
    public convenience init(blob: [UInt8]) throws {
        var out: OpaquePointer?
        try checked { diag in blob.withUnsafeBufferPointer { vouch_ssh_pubkey_parse($0.baseAddress, $0.count, &out, diag) } }
        self.init(raw: out!)
    }

    deinit { vouch_ssh_pubkey_free(raw) }

    public var kind: SSHKeyKind { SSHKeyKind(vouch_ssh_pubkey_kind(raw))! }
    public var typeName: String { String(cString: vouch_ssh_pubkey_type_name(raw)) }
    public var bits: Int { Int(vouch_ssh_pubkey_bits(raw)) }
    public var blob: [UInt8] {
        var n = 0
        let p = vouch_ssh_pubkey_blob(raw, &n)!
        return Array(UnsafeBufferPointer(start: p, count: n))
    }

    /// "TYPE BASE64 COMMENT"; control characters in the comment are dropped (a newline
    /// would start another line of authorized_keys).
    public func line(comment: String? = nil) -> String {
        var out: UnsafeMutablePointer<CChar>?
        _ = vouch_ssh_pubkey_line(raw, comment.map { sshComment($0) }, &out)
        defer { free(out) }
        return String(cString: out!).trimmingCharacters(in: .newlines)
    }

    /// "SHA256:..." as ssh-keygen -l prints it.
    public var fingerprint: String {
        var buf = [CChar](repeating: 0, count: 80)
        vouch_ssh_pubkey_fingerprint(raw, &buf, buf.count)
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A comment fit for one line of authorized_keys or a -cert.pub file.
func sshComment(_ s: String) -> String {
    String(String.UnicodeScalarView(s.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7f }))
}

/// A certificate to sign.
public struct SSHCertificateRequest: Sendable {
    public enum CertificateType: String, Sendable { case user, host }

    public var key: SSHPublicKey
    public var type: CertificateType
    public var serial: UInt64 = 0
    public var keyID: String = ""
    public var principals: [String] = []
    public var validAfter: UInt64
    public var validBefore: UInt64
    /// Critical options (force-command, source-address), sorted by the core.
    public var criticalOptions: [String: String] = [:]
    /// Extensions (permit-pty, ...), sorted by the core.
    public var extensions: [String] = []
    /// An RSA CA signs with rsa-sha2-256 instead of rsa-sha2-512.
    public var rsaSHA256 = false

    public init(key: SSHPublicKey, type: CertificateType, validAfter: UInt64, validBefore: UInt64) {
        self.key = key
        self.type = type
        self.validAfter = validAfter
        self.validBefore = validBefore
    }
}

/// A CA's private key.
public final class SSHPrivateKey: @unchecked Sendable {
    let raw: OpaquePointer

    init(raw: OpaquePointer) { self.raw = raw }

    /// From OpenSSH's private key format (unencrypted), PEM or PKCS#8.
    public convenience init(pem: some Collection<UInt8>) throws {
        let bytes = Array(pem)
        var out: OpaquePointer?
        try checked { diag in bytes.withUnsafeBufferPointer { vouch_ssh_privkey_load($0.baseAddress, $0.count, &out, diag) } }
        self.init(raw: out!)
    }

    /// A new key: RSA (2048 or 4096 bits), ECDSA P-256 / P-384, Ed25519.
    public static func generate(_ kind: SSHKeyKind, bits: Int = 0) throws -> SSHPrivateKey {
        var out: OpaquePointer?
        try checked { diag in vouch_ssh_privkey_generate(kind.c, Int32(clamping: bits), &out, diag) }
        return SSHPrivateKey(raw: out!)
    }

    deinit { vouch_ssh_privkey_free(raw) }

    public var publicKey: SSHPublicKey {
        var n = 0
        let p = vouch_ssh_pubkey_blob(vouch_ssh_privkey_public(raw), &n)!
        return try! SSHPublicKey(blob: Array(UnsafeBufferPointer(start: p, count: n)))
    }

    /// The key in OpenSSH's private key format, for `ssh -i`.
    public func openSSHFormat(comment: String = "") -> String {
        var out: UnsafeMutablePointer<CChar>?
        var n = 0
        _ = vouch_ssh_privkey_openssh(raw, sshComment(comment), &out, &n)
        defer { vouch_ssh_secret_free(out, n) }
        return String(cString: out!)
    }
}

/// Signs certificate requests with one CA key.
public struct SSHCertificateAuthority: Sendable {
    public let key: SSHPrivateKey

    public init(key: SSHPrivateKey) { self.key = key }

    /// Builds and signs the certificate: the hot path. The result is the encoded
    /// certificate; `parse()` reads it back (checking the signature) when fields are wanted.
    public func sign(_ q: SSHCertificateRequest) throws -> SSHSignedCertificate {
        // every string NUL-terminated in one buffer (the core sorts the options)
        let np = q.principals.count, no = q.criticalOptions.count, ne = q.extensions.count
        var strings = q.principals
        strings.reserveCapacity(np + 2 * no + ne + 1)
        for (name, _) in q.criticalOptions { strings.append(name) }
        for (_, value) in q.criticalOptions { strings.append(value) }
        strings += q.extensions
        strings.append(q.keyID)
        // C reads these up to a NUL: one inside would sign a shorter principal than asked for
        if strings.contains(where: { $0.utf8.contains(0) }) {
            throw VouchError(status: VOUCH_E_ARG.rawValue, detail: "a principal, key id, option or extension contains a NUL character")
        }
        var text: [UInt8] = []
        text.reserveCapacity(strings.reduce(0) { $0 + $1.utf8.count + 1 })
        var offsets: [Int] = []
        offsets.reserveCapacity(strings.count)
        for s in strings {
            offsets.append(text.count)
            text.append(contentsOf: s.utf8)
            text.append(0)
        }
        var blob: UnsafeMutablePointer<UInt8>?
        var len = 0
        try text.withUnsafeBytes { t in
            let chars = t.bindMemory(to: CChar.self).baseAddress!
            try withUnsafeTemporaryAllocation(of: UnsafePointer<CChar>?.self, capacity: offsets.count) { p in
                for (i, o) in offsets.enumerated() { p[i] = chars + o }
                let base = UnsafePointer(p.baseAddress!)
                var req = vouch_ssh_cert_request(
                    key: q.key.raw, type: q.type == .user ? VOUCH_SSH_CERT_USER : VOUCH_SSH_CERT_HOST,
                    serial: q.serial, key_id: base[np + 2 * no + ne], principals: base, nprincipals: np,
                    valid_after: q.validAfter, valid_before: q.validBefore, option_names: base + np, option_values: base + np + no,
                    noptions: no, extensions: base + np + 2 * no, nextensions: ne, rsa_sha256: q.rsaSHA256 ? 1 : 0)
                try withExtendedLifetime(q.key) {
                    try checked { diag in vouch_ssh_cert_sign(key.raw, &req, &blob, &len, diag) }
                }
            }
        }
        defer { free(blob) }
        return SSHSignedCertificate(blob: Array(UnsafeBufferPointer(start: blob, count: len)), kind: vouch_ssh_pubkey_kind(q.key.raw))
    }
}

/// A certificate just signed: its encoding, ready to hand out.
public struct SSHSignedCertificate: Sendable {
    public let blob: [UInt8]
    let kind: Int32
    /// "ssh-ed25519-cert-v01@openssh.com", ...
    public var typeName: String { String(cString: vouch_ssh_cert_type_name_for(kind)) }

    /// "TYPE-cert-v01@openssh.com BASE64 COMMENT", what goes into a -cert.pub file.
    public func line(comment: String? = nil) -> String {
        typeName + " " + Base64.encode(blob, .standard) + (comment.map { " " + sshComment($0) } ?? "")
    }

    /// The certificate read back, its signature checked.
    public func parse() throws -> SSHCertificate { try SSHCertificate(blob: blob) }
}

/// A parsed certificate whose signature checked out.
public final class SSHCertificate: @unchecked Sendable {
    let raw: OpaquePointer

    public init(blob: [UInt8]) throws {
        var out: OpaquePointer?
        try checked { diag in blob.withUnsafeBufferPointer { vouch_ssh_cert_parse($0.baseAddress, $0.count, &out, diag) } }
        raw = out!
    }

    public convenience init(line: String) throws {
        var out: OpaquePointer?
        var l = line
        try checked { diag in l.withUTF8 { u in u.withMemoryRebound(to: CChar.self) { vouch_ssh_cert_parse_line($0.baseAddress, $0.count, &out, diag) } } }
        self.init(parsed: out!)
    }

    private init(parsed: OpaquePointer) { raw = parsed }

    deinit { vouch_ssh_cert_free(raw) }

    public var blob: [UInt8] {
        var n = 0
        let p = vouch_ssh_cert_blob(raw, &n)!
        return Array(UnsafeBufferPointer(start: p, count: n))
    }
    public var typeName: String { String(cString: vouch_ssh_cert_type_name(raw)) }
    public var key: SSHPublicKey { try! SSHPublicKey(blob: Self.blob(of: vouch_ssh_cert_key(raw))) }
    public var signatureKey: SSHPublicKey { try! SSHPublicKey(blob: Self.blob(of: vouch_ssh_cert_signature_key(raw))) }
    public var signatureAlgorithm: String { String(cString: vouch_ssh_cert_signature_algorithm(raw)) }
    public var serial: UInt64 { vouch_ssh_cert_serial(raw) }
    public var type: SSHCertificateRequest.CertificateType { vouch_ssh_cert_kind(raw) == VOUCH_SSH_CERT_USER ? .user : .host }
    public var keyID: String { String(cString: vouch_ssh_cert_key_id(raw)) }
    public var validAfter: UInt64 { vouch_ssh_cert_valid_after(raw) }
    public var validBefore: UInt64 { vouch_ssh_cert_valid_before(raw) }
    public var principals: [String] {
        (0..<vouch_ssh_cert_principal_count(raw)).map { String(cString: vouch_ssh_cert_principal(raw, $0)) }
    }
    /// Critical options in order, with their values.
    public var criticalOptions: [(name: String, value: String)] { options(0) }
    public var extensions: [String] { options(1).map(\.name) }
    /// Critical options or extensions with their data fields as encoded: empty for a
    /// flag, else an SSH string holding the value (what ssh-keygen -L shows in hex).
    public func optionData(critical: Bool) -> [(name: String, data: [UInt8])] {
        let e: Int32 = critical ? 0 : 1
        return (0..<vouch_ssh_cert_option_count(raw, e)).map {
            var n = 0
            let p = vouch_ssh_cert_option_data(raw, e, $0, &n)
            return (String(cString: vouch_ssh_cert_option_name(raw, e, $0)), n == 0 ? [] : Array(UnsafeBufferPointer(start: p, count: n)))
        }
    }
    public var nonce: [UInt8] {
        var n = 0
        let p = vouch_ssh_cert_nonce(raw, &n)!
        return Array(UnsafeBufferPointer(start: p, count: n))
    }

    private func options(_ e: Int32) -> [(name: String, value: String)] {
        (0..<vouch_ssh_cert_option_count(raw, e)).map {
            (String(cString: vouch_ssh_cert_option_name(raw, e, $0)), String(cString: vouch_ssh_cert_option_value(raw, e, $0)))
        }
    }

    private static func blob(of k: OpaquePointer?) -> [UInt8] {
        var n = 0
        let p = vouch_ssh_pubkey_blob(k, &n)!
        return Array(UnsafeBufferPointer(start: p, count: n))
    }

    /// The certificate encoded again from its parsed fields.
    public func reencoded() -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        var n = 0
        _ = vouch_ssh_cert_encode(raw, &out, &n)
        defer { free(out) }
        return Array(UnsafeBufferPointer(start: out, count: n))
    }

    /// "TYPE-cert-v01@openssh.com BASE64 COMMENT".
    public func line(comment: String? = nil) -> String {
        typeName + " " + Base64.encode(blob, .standard) + (comment.map { " " + sshComment($0) } ?? "")
    }
}

extension SSHPrivateKey {
    /// Hands `body` the ssh-agent request that loads this key with `certificate` (a
    /// certificate blob for this key) for `lifetime` seconds (0: no constraint). The
    /// request holds the private key: it is built by the core, lent to `body` only (to
    /// write to the agent's socket), then wiped and freed.
    public func withAgentAddRequest<R>(certificate: [UInt8], comment: String, lifetime: UInt32,
                                       _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        var out: UnsafeMutablePointer<UInt8>?
        var n = 0
        try checked { diag in
            certificate.withUnsafeBufferPointer {
                vouch_ssh_agent_add_request(raw, $0.baseAddress, $0.count, sshComment(comment), lifetime, &out, &n, diag)
            }
        }
        defer { vouch_ssh_secret_free(UnsafeMutableRawPointer(out)?.assumingMemoryBound(to: CChar.self), n) }
        return try body(UnsafeRawBufferPointer(start: out, count: n))
    }
}
