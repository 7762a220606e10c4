// CertificateNames.swift: the names a certificate gives for its subject, for allowed-name
// policies (common names, OUs, DNS / email / URI SANs) and audit records.
import CVouch
import Foundation

/// What a client certificate says about who it is.
public struct CertificateNames: Sendable, Equatable {
    public var commonNames: [String] = []
    public var organizationalUnits: [String] = []
    public var organizations: [String] = []
    public var dnsNames: [String] = []
    /// rfc822Name SANs, then any subject emailAddress attributes.
    public var emailAddresses: [String] = []
    public var uris: [String] = []
    public var ipAddresses: [String] = []
    /// The serial number as a decimal string (as Vault's login metadata gives it).
    public var serialNumber: String = "0"
    /// Key identifiers as lower-case hex bytes joined by colons ("ab:cd:..."), or "".
    public var subjectKeyID: String = ""
    public var authorityKeyID: String = ""

    public init() {}

    /// Reads the names of one DER certificate; nil when it is not a certificate Vouch reads.
    public init?(der: some ContiguousBytes) {
        let parsed: CertificateNames? = der.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var count = 0
            var names = [vouch_name](repeating: vouch_name(), count: 32)
            guard vouch_cert_names(bytes.baseAddress, bytes.count, &names, names.count, &count) == 0 else { return nil }
            if count > names.count {
                names = [vouch_name](repeating: vouch_name(), count: count)
                guard vouch_cert_names(bytes.baseAddress, bytes.count, &names, names.count, &count) == 0 else { return nil }
            }
            var out = CertificateNames()
            for n in names.prefix(count) {
                let value = Array(UnsafeBufferPointer(start: n.value, count: n.len))
                switch vouch_name_kind(rawValue: UInt32(n.kind)) {
                case VOUCH_NAME_CN: out.commonNames.append(Self.text(value, tag: n.tag))
                case VOUCH_NAME_OU: out.organizationalUnits.append(Self.text(value, tag: n.tag))
                case VOUCH_NAME_O: out.organizations.append(Self.text(value, tag: n.tag))
                case VOUCH_NAME_DNS: out.dnsNames.append(Self.text(value, tag: 0x16))
                case VOUCH_NAME_EMAIL: out.emailAddresses.append(Self.text(value, tag: n.tag == 0 ? 0x16 : n.tag))
                case VOUCH_NAME_URI: out.uris.append(Self.text(value, tag: 0x16))
                case VOUCH_NAME_IP: out.ipAddresses.append(Self.ip(value))
                case VOUCH_NAME_SERIAL: out.serialNumber = Self.decimal(value)
                case VOUCH_NAME_SUBJECT_KEY_ID: out.subjectKeyID = Self.colonHex(value)
                case VOUCH_NAME_AUTHORITY_KEY_ID: out.authorityKeyID = Self.colonHex(value)
                default: break
                }
            }
            return out
        }
        guard let parsed else { return nil }
        self = parsed
    }

    /// Directory strings as text: UTF-8 and the ASCII types as they are, BMPString as
    /// UTF-16BE, UniversalString as UTF-32BE, TeletexString as Latin-1.
    static func text(_ b: [UInt8], tag: Int32) -> String {
        switch tag {
        case 0x1e:
            let units = stride(from: 0, to: b.count - 1, by: 2).map { UInt16(b[$0]) << 8 | UInt16(b[$0 + 1]) }
            return String(decoding: units, as: UTF16.self)
        case 0x1c:
            let scalars = stride(from: 0, to: b.count - 3, by: 4).compactMap { (i: Int) -> Unicode.Scalar? in
                let hi = UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16
                let lo = UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
                return Unicode.Scalar(hi | lo)
            }
            return String(String.UnicodeScalarView(scalars))
        case 0x14: return String(String.UnicodeScalarView(b.map { Unicode.Scalar($0) }))
        default: return String(decoding: b, as: UTF8.self)
        }
    }

    static func ip(_ b: [UInt8]) -> String {
        if b.count == 4 { return b.map(String.init).joined(separator: ".") }
        var buf = [CChar](repeating: 0, count: 64)
        let ok = b.withUnsafeBytes { inet_ntop(AF_INET6, $0.baseAddress, &buf, socklen_t(buf.count)) } != nil
        return ok ? String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
    }

    /// A big-endian unsigned integer as decimal, by repeated division.
    public static func decimal(_ bytes: [UInt8]) -> String {
        var n = Array(bytes.drop { $0 == 0 })
        if n.isEmpty { return "0" }
        var digits: [UInt8] = []
        while !n.isEmpty {
            var rem = 0
            var q: [UInt8] = []
            for byte in n {
                let cur = rem * 256 + Int(byte)
                let d = cur / 10
                rem = cur % 10
                if !q.isEmpty || d != 0 { q.append(UInt8(d)) }
            }
            digits.append(UInt8(rem) + 48)
            n = q
        }
        return String(decoding: digits.reversed(), as: UTF8.self)
    }

    static func colonHex(_ b: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(b.count * 3)
        for (i, byte) in b.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ":")) }
            out += [digits[Int(byte >> 4)], digits[Int(byte & 15)]]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
