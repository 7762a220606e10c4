// VouchError.swift: the one error type VouchCore throws, carrying the C core's status.
import CVouch

/// A refusal or an unusable input, with the reason a person can act on.
public struct VouchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The C core's status (negative `VOUCH_E_*`).
    public let status: Int32
    /// A stable machine code such as `expired` or `unknown_issuer`.
    public let code: String
    /// A sentence naming what was wrong and, where it applies, which certificate.
    public let message: String
    /// Which certificate the reason is about (0 = leaf / first), when it is about one.
    public let certificateIndex: Int?

    init(status: Int32, detail: String? = nil, index: Int32 = -1) {
        self.status = status
        self.code = String(cString: vouch_status_code(status))
        let text = String(cString: vouch_strerror(status))
        if let detail, !detail.isEmpty { self.message = detail } else { self.message = text }
        self.certificateIndex = index >= 0 ? Int(index) : nil
    }

    init(_ diag: vouch_diag, status: Int32) {
        let detail = withUnsafeBytes(of: diag.detail) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        self.init(status: status, detail: detail, index: diag.index)
    }

    /// True when the input could not be used at all (as opposed to refused by the rules).
    public var isInputError: Bool { vouch_status_is_input_error(status) != 0 }

    public var description: String { "\(code): \(message)" }
}

/// Calls a C function that fills a `vouch_diag`, throwing on failure.
@inline(__always)
func checked(_ body: (UnsafeMutablePointer<vouch_diag>) -> Int32) throws {
    var diag = vouch_diag()
    let rc = body(&diag)
    if rc != 0 { throw VouchError(diag, status: rc) }
}
