// CIDR.swift: an IPv4 or IPv6 network ("10.0.0.0/8", "2001:db8::/32", or one address),
// for trusted IPs and Vault's bound CIDRs and trusted proxies.
import Foundation

public struct CIDR: Sendable, Hashable, Codable, CustomStringConvertible {
    public let address: [UInt8]  // 4 or 16 bytes, host bits cleared
    public let prefix: Int

    public static let anyIPv4 = try! CIDR("0.0.0.0/0")
    public static let anyIPv6 = try! CIDR("::/0")

    public init(_ text: String) throws {
        // trimming is for text with white space at an end (CharacterSet is slow, and stored
        // configurations hold many of these)
        let u = text.utf8
        let trimmed = u.first.map(CIDR.mayBeSpace) != false || u.last.map(CIDR.mayBeSpace) != false
            ? text.trimmingCharacters(in: .whitespaces) : text
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, let addr = CIDR.parseAddress(String(parts[0])) else {
            throw ServiceError.badRequest("invalid_cidr", "\"\(text)\" is not an IP address or CIDR range")
        }
        let maxPrefix = addr.count * 8
        var prefix = maxPrefix
        if parts.count == 2 {
            guard let p = Int(parts[1]), parts[1].allSatisfy(\.isNumber), (0...maxPrefix).contains(p) else {
                throw ServiceError.badRequest("invalid_cidr", "\"\(text)\" has a prefix length outside 0...\(maxPrefix)")
            }
            prefix = p
        }
        self.prefix = prefix
        self.address = CIDR.mask(addr, prefix)
    }

    public var description: String {
        let text = address.count == 4 ? address.map(String.init).joined(separator: ".") : CIDR.format6(address)
        return "\(text)/\(prefix)"
    }

    public var isIPv6: Bool { address.count == 16 }

    /// Whether `ip` (text, as a socket reports it) is inside this network. IPv4-mapped
    /// IPv6 addresses (::ffff:a.b.c.d) count as their IPv4 address.
    public func contains(_ ip: String) -> Bool {
        guard var a = CIDR.parseAddress(ip) else { return false }
        if a.count == 16, a.prefix(12) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] { a = Array(a.suffix(4)) }
        return a.count == address.count && CIDR.mask(a, prefix) == address
    }

    public static func anyContains(_ ranges: [CIDR], _ ip: String) -> Bool { ranges.contains { $0.contains(ip) } }

    public init(from decoder: Decoder) throws { try self.init(try decoder.singleValueContainer().decode(String.self)) }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    /// Whether a byte can be (part of) white space at an end of the text: ASCII space and
    /// controls, and every byte of a non-ASCII character.
    static func mayBeSpace(_ b: UInt8) -> Bool { b <= 0x20 || b >= 0x7f }

    static func parseAddress(_ s: String) -> [UInt8]? {
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, s, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        if inet_pton(AF_INET6, s, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    static func mask(_ a: [UInt8], _ prefix: Int) -> [UInt8] {
        a.enumerated().map { i, byte in
            let bits = max(0, min(8, prefix - i * 8))
            return bits == 8 ? byte : byte & ~(0xff >> bits)
        }
    }

    static func format6(_ a: [UInt8]) -> String {
        var buf = [CChar](repeating: 0, count: 64)
        _ = a.withUnsafeBytes { inet_ntop(AF_INET6, $0.baseAddress, &buf, socklen_t(buf.count)) }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
