// TrustStore.swift: the immutable set of trust anchors a chain is verified against.
import CVouch
import Foundation

/// CA certificates parsed once; every certificate in the bundle is a trust anchor.
/// Immutable and safe to share between tasks: verification takes no locks.
public final class TrustStore: @unchecked Sendable {
    let raw: OpaquePointer

    /// Builds a store from PEM CERTIFICATE blocks (or one DER certificate).
    public init(pem data: some DataProtocol) throws {
        _ = P256Backend.installed
        let bytes = Array(data)
        var out: OpaquePointer?
        try checked { diag in
            bytes.withUnsafeBufferPointer { vouch_truststore_new($0.baseAddress, $0.count, &out, diag) }
        }
        raw = out!
    }

    deinit { vouch_truststore_free(raw) }

    /// How many anchors the store holds.
    public var count: Int { vouch_truststore_count(raw) }

    /// The anchors, described.
    public var certificates: [CertificateSummary] {
        (0..<count).compactMap { i in
            var der: UnsafePointer<UInt8>?
            var len = 0
            guard vouch_truststore_cert(raw, i, &der, &len) == 0, let der else { return nil }
            return CertificateSummary(der: UnsafeBufferPointer(start: der, count: len), isAnchor: true)
        }
    }

    /// CA-to-CA links remembered by the verified-link cache.
    public var cachedLinks: Int { vouch_truststore_cached_links(raw) }

    /// Verifies a presented chain (leaf first, then intermediates; PEM or DER) for TLS
    /// client authentication (or `purpose`) at `time`, with revocation from `crls`.
    /// RFC 5280 profile rules that Go's crypto/x509 does not enforce come back as
    /// `warnings` on an accepted chain; `strict` makes them refusals.
    public func verify(
        chain: some DataProtocol, untrusted: some DataProtocol = [UInt8](),
        crls: [RevocationList] = [], at time: Date = Date(), purpose: Purpose = .clientAuth, strict: Bool = false
    ) -> ChainVerification {
        let chainBytes = Array(chain), extra = Array(untrusted)
        let at = Int64(time.timeIntervalSince1970.rounded(.down))
        var out: OpaquePointer?
        let pointers: [OpaquePointer?] = crls.map { $0.raw }
        let rc = withExtendedLifetime(crls) {
            chainBytes.withUnsafeBufferPointer { c in
                extra.withUnsafeBufferPointer { u in
                    pointers.withUnsafeBufferPointer { p in
                        vouch_verify(
                            raw, purpose.c, strict ? UInt32(VOUCH_VERIFY_STRICT.rawValue) : 0, p.baseAddress, p.count, c.baseAddress, c.count, u.baseAddress, u.count, at, &out)
                    }
                }
            }
        }
        return ChainVerification(raw: out, status: rc, store: self)
    }
}

/// What the presented leaf is to be used for: logins verify `.clientAuth`.
public enum Purpose: String, Sendable, CaseIterable {
    case clientAuth = "client"
    case serverAuth = "server"

    var c: vouch_purpose { self == .clientAuth ? VOUCH_PURPOSE_CLIENT_AUTH : VOUCH_PURPOSE_SERVER_AUTH }
}
