// RevocationList.swift: one loaded CRL (its serials in the C core's revocation set).
import CVouch
import Foundation

/// A CRL whose signature was checked against a trust store (or, for inspection only,
/// not checked). Immutable and safe to share; replacing a named CRL means building a
/// new one and swapping the reference.
public final class RevocationList: @unchecked Sendable {
    let raw: OpaquePointer

    /// Loads one CRL (PEM "X509 CRL" block or DER). With `trustStore`, an issuer there must
    /// have signed it. An issuer not there is refused, unless `deferUnknownIssuer`: then the
    /// CRL's signature is checked at verification against the issuer certificate the
    /// verified path presents (an intermediate), and until it verifies it revokes nothing.
    /// Without a store and without deferral nothing is checked (inspection only).
    public init(data: some DataProtocol, trustStore: TrustStore?, deferUnknownIssuer: Bool = false) throws {
        var out: OpaquePointer?
        let flags = deferUnknownIssuer ? UInt32(VOUCH_CRL_DEFER_ISSUER.rawValue) : 0
        func load(_ b: UnsafeBufferPointer<UInt8>, _ diag: UnsafeMutablePointer<vouch_diag>) -> Int32 {
            withExtendedLifetime(trustStore) { vouch_crl_load(trustStore?.raw, flags, b.baseAddress, b.count, &out, diag) }
        }
        try checked { diag in
            // a CRL can be tens of megabytes: read it in place when it is contiguous
            if let rc = data.withContiguousStorageIfAvailable({ load($0, diag) }) { return rc }
            return Array(data).withUnsafeBufferPointer { load($0, diag) }
        }
        raw = out!
    }

    deinit { vouch_crl_free(raw) }

    /// Distinct revoked serial numbers.
    public var count: Int { vouch_crl_count(raw) }
    /// The signature verified against a trust store when the CRL was loaded.
    public var signatureChecked: Bool { vouch_crl_signature_checked(raw) != 0 }
    /// The signature waits for an issuer certificate a verified chain presents.
    public var isDeferred: Bool { vouch_crl_is_deferred(raw) != 0 }
    /// How many distinct issuer certificates a deferred CRL has verified under so far.
    public var verifiedIssuers: Int { vouch_crl_verified_issuers(raw) }
    public var thisUpdate: Date { Date(timeIntervalSince1970: TimeInterval(vouch_crl_this_update(raw))) }
    public var nextUpdate: Date? {
        let t = vouch_crl_next_update(raw)
        return t == 0 ? nil : Date(timeIntervalSince1970: TimeInterval(t))
    }
    /// Bytes held by the revocation set.
    public var memoryBytes: Int { vouch_crl_memory(raw) }
    public var issuer: String {
        var buf = [CChar](repeating: 0, count: 512)
        vouch_crl_issuer(raw, &buf, buf.count)
        return String(decoding: buf.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The revoked serial numbers (DER INTEGER content bytes), in the CRL's order.
    public var serials: [[UInt8]] {
        var out: [[UInt8]] = []
        out.reserveCapacity(count)
        var cursor = 0
        var p: UnsafePointer<UInt8>?
        var n = 0
        while vouch_crl_next_serial(raw, &cursor, &p, &n) == 1, let p { out.append(Array(UnsafeBufferPointer(start: p, count: n))) }
        return out
    }

    /// Whether `serial` (a DER INTEGER's content bytes) is revoked.
    public func contains(serial: [UInt8]) -> Bool {
        serial.withUnsafeBufferPointer { vouch_crl_contains(raw, $0.baseAddress, $0.count) != 0 }
    }

    /// The same, without copying: for callers holding serials in a buffer of their own.
    public func contains(serial: UnsafeRawBufferPointer) -> Bool {
        vouch_crl_contains(raw, serial.baseAddress?.assumingMemoryBound(to: UInt8.self), serial.count) != 0
    }

    /// Splits a file holding several PEM "X509 CRL" blocks (or one DER CRL) into one
    /// input per CRL, in order.
    public static func split(_ data: some DataProtocol) -> [[UInt8]] {
        let bytes = Array(data)
        if bytes.first(where: { !$0.isWhitespaceByte }) == 0x30 { return [bytes] }
        let end = Array("-----END X509 CRL-----".utf8)
        var blocks: [[UInt8]] = []
        var start = 0
        var i = 0
        while i + end.count <= bytes.count {
            if bytes[i] == 0x2D, bytes[i..<(i + end.count)].elementsEqual(end) {
                blocks.append(Array(bytes[start..<(i + end.count)]))
                i += end.count
                start = i
            } else {
                i += 1
            }
        }
        if blocks.isEmpty || bytes[start...].contains(where: { !$0.isWhitespaceByte }) {
            blocks.append(Array(bytes[start...]))
        }
        return blocks
    }
}

extension UInt8 {
    fileprivate var isWhitespaceByte: Bool { self == 0x20 || self == 0x0A || self == 0x0D || self == 0x09 }
}
