// CertificateSummary.swift: a certificate described for people (CLI output, audit logs).
import CVouch
import Foundation

/// What a person wants to see of a certificate.
public struct CertificateSummary: Sendable, Equatable {
    public let subject: String
    public let issuer: String
    public let serialHex: String
    public let notBefore: Date
    public let notAfter: Date
    public let key: String
    public let signatureAlgorithm: String
    public let isCA: Bool
    /// True for the trust store's certificate that ends a path.
    public let isAnchor: Bool
    public let der: [UInt8]

    init?(der: UnsafeBufferPointer<UInt8>, isAnchor: Bool) {
        var s = vouch_cert_summary()
        guard vouch_cert_summarize(der.baseAddress, der.count, &s) == 0 else { return nil }
        func text<T>(_ tuple: T) -> String {
            withUnsafeBytes(of: tuple) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        }
        subject = text(s.subject)
        issuer = text(s.issuer)
        serialHex = text(s.serial_hex)
        notBefore = Date(timeIntervalSince1970: TimeInterval(s.not_before))
        notAfter = Date(timeIntervalSince1970: TimeInterval(s.not_after))
        key = text(s.key)
        signatureAlgorithm = text(s.sig_alg)
        isCA = s.is_ca != 0
        self.isAnchor = isAnchor
        self.der = Array(der)
    }
}
