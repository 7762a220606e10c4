// ChainVerification.swift: the outcome of one chain verification: the path, or the reason.
import CVouch

/// The outcome of `TrustStore.verify`: an accepted path, or a refusal with its reason.
public final class ChainVerification: @unchecked Sendable {
    private let raw: OpaquePointer?
    /// The accepted path points into the store's anchors: keep the store alive with it.
    private let store: TrustStore
    /// 0 when accepted, else the C core's status.
    public let status: Int32

    init(raw: OpaquePointer?, status: Int32, store: TrustStore) {
        self.raw = raw
        self.status = status
        self.store = store
    }

    deinit { vouch_verification_free(raw) }

    public var isAccepted: Bool { status == 0 }

    /// Why the chain was refused (nil when accepted).
    public var refusal: VouchError? {
        guard status != 0 else { return nil }
        guard let raw, let diag = vouch_verification_diag(raw) else { return VouchError(status: status) }
        return VouchError(diag.pointee, status: status)
    }

    /// What the accepted path breaks without being refused: RFC 5280 profile rules (not
    /// in strict mode) and CRLs whose signature could not be checked (they revoke nothing).
    public var warnings: [VerificationWarning] {
        guard let raw, status == 0 else { return [] }
        return (0..<vouch_verification_warning_count(raw)).compactMap { i in
            vouch_verification_warning(raw, i).map { VerificationWarning(VouchError($0.pointee, status: $0.pointee.status)) }
        }
    }

    /// The names the accepted leaf gives for its subject (nil when refused).
    public var leafNames: CertificateNames? {
        guard let raw, status == 0 else { return nil }
        var der: UnsafePointer<UInt8>?
        var len = 0
        guard vouch_verification_path_cert(raw, 0, &der, &len, nil) == 0, let der else { return nil }
        return CertificateNames(der: UnsafeBufferPointer(start: der, count: len))
    }

    /// The accepted path, leaf first and trust anchor last (empty when refused).
    public var path: [CertificateSummary] {
        guard let raw, status == 0 else { return [] }
        return (0..<vouch_verification_path_length(raw)).compactMap { i in
            var der: UnsafePointer<UInt8>?
            var len = 0
            var anchor: Int32 = 0
            guard vouch_verification_path_cert(raw, i, &der, &len, &anchor) == 0, let der else { return nil }
            return CertificateSummary(der: UnsafeBufferPointer(start: der, count: len), isAnchor: anchor != 0)
        }
    }
}

/// A rule an accepted chain breaks without being refused, in words a person can act on.
public struct VerificationWarning: Sendable, Equatable, CustomStringConvertible {
    /// `malformed_certificate` for a profile rule, `crl_signature` for a CRL that revokes nothing.
    public let code: String
    public let message: String
    /// Which path certificate it is about (0 = leaf), when it is about one.
    public let certificateIndex: Int?

    init(_ e: VouchError) {
        code = e.code
        message = e.message
        certificateIndex = e.certificateIndex
    }

    public var description: String { message }
}
