// Errors.swift: every failure becomes JSON with a stable code and a 4xx status: Vault's
// shape ({"errors": [...]}) on Vault's paths, {"error", "message", "statusCode"} on the
// others. Nothing a client sends produces a 5xx; an unexpected error is logged with its
// detail and answered with a generic message.
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import VouchService

struct ErrorMiddleware: RouterMiddleware {
    typealias Context = VouchContext
    let logger: Logger
    let metrics: Metrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as ServiceError {
            // Vault answers a missing, bad or revoked token with 403, never 401 (hvac counts on it)
            let status = Self.isVaultPath(request.uri.path) && e.kind == .unauthorized ? .forbidden : Self.status(e.kind)
            return Self.response(request, status: status, code: e.code, message: e.message)
        } catch let e as HTTPError {
            let code = e.status == .notFound ? "route_not_found" : e.status == .contentTooLarge ? "body_too_large" : "bad_request"
            let message = e.status == .notFound ? "no such path: \(request.method) \(request.uri.path)" : e.body ?? e.status.reasonPhrase
            return Self.response(request, status: e.status.code >= 500 ? .badRequest : e.status, code: code, message: message)
        } catch is NIOTooManyBytesError {
            return Self.response(request, status: .contentTooLarge, code: "body_too_large", message: "the request body is too large")
        } catch let e as HTTPParserError {
            // the request ended before its body did: the client went away (or was cut off as too
            // slow). Not a server failure: counted apart and logged at debug level.
            if e == .invalidEOFState {
                metrics.increment("vouch_http_client_aborts_total", [])
                logger.debug("client aborted the request", metadata: ["path": .string(request.uri.path)])
                return Self.response(request, status: .badRequest, code: "client_aborted", message: "the request ended before its body")
            }
            return Self.response(request, status: .badRequest, code: "malformed_request", message: "malformed HTTP request: \(e)")
        } catch {
            logger.error("unexpected error", metadata: ["path": .string(request.uri.path), "error": .string("\(error)")])
            return Self.response(request, status: .internalServerError, code: "internal_error", message: "internal error")
        }
    }

    static func status(_ kind: ServiceError.Kind) -> HTTPResponse.Status {
        switch kind {
        case .badRequest: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .tooLarge: .contentTooLarge
        case .unavailable: .serviceUnavailable
        }
    }

    static func isVaultPath(_ path: String) -> Bool { path.hasPrefix("/v1/") }

    /// Vault's error shape, and Infisical's.
    struct VaultErrors: Encodable { let errors: [String] }
    struct APIError: Encodable {
        let error: String
        let message: String
        let statusCode: Int
    }

    static func response(_ request: Request, status: HTTPResponse.Status, code: String, message: String) -> Response {
        var r = isVaultPath(request.uri.path)
            ? json(VaultErrors(errors: [message]), status: status)
            : json(APIError(error: code, message: message, statusCode: status.code), status: status)
        // the stable code where Vault's body has no room for it (`vouch login` and `vouch ssh` show it)
        r.headers[errorCodeHeader] = code
        return r
    }

    static let errorCodeHeader = HTTPField.Name("X-Vouch-Error")!
}
