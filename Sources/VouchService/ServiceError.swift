// ServiceError.swift: every refusal and bad input of the service, with a stable code, a
// message safe to show the caller, and (for the audit log only) the detail behind it.

public struct ServiceError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        case badRequest      // the input is malformed or breaks a rule: 400
        case unauthorized    // no or bad credentials, refused login: 401
        case forbidden       // credentials fine, not allowed (IP, uses): 403
        case notFound        // 404
        case conflict        // already exists: 409
        case tooLarge        // body over the limit: 413
        case unavailable     // the service cannot decide now (its configuration could not be reloaded): 503
    }

    public let kind: Kind
    public let code: String
    public let message: String
    /// The precise reason (which certificate, what was wrong): audit log, never the client.
    public let detail: String?

    public init(_ kind: Kind, _ code: String, _ message: String, detail: String? = nil) {
        self.kind = kind
        self.code = code
        self.message = message
        self.detail = detail
    }

    public static func badRequest(_ code: String, _ message: String) -> ServiceError { .init(.badRequest, code, message) }
    public static func notFound(_ code: String, _ message: String) -> ServiceError { .init(.notFound, code, message) }

    public var description: String { "\(code): \(message)" + (detail.map { " (\($0))" } ?? "") }
}
