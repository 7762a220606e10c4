// Errors.swift: every failure becomes JSON with a stable code and a 4xx status: Vault's
// shape ({"errors": [...]}) on Vault's paths, {"error", "message", "statusCode"} on the
// others. Nothing a client sends produces a 5xx; an unexpected error is logged with its
// detail and answered with a generic message.
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import VouchService

struct ErrorMiddleware: RouterMiddleware {
    typealias Context = VouchContext
    let logger: Logger

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
        }
    }

    static func isVaultPath(_ path: String) -> Bool { path.hasPrefix("/v1/") }

    static func response(_ request: Request, status: HTTPResponse.Status, code: String, message: String) -> Response {
        let body: [String: Any] = isVaultPath(request.uri.path)
            ? ["errors": [message]]
            : ["error": code, "message": message, "statusCode": status.code]
        return json(body, status: status)
    }
}

/// A JSON response (Content-Type exactly application/json: hvac compares it as a string).
func json(_ object: Any, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "application/json"],
             body: .init(byteBuffer: ByteBuffer(string: JSONText.encode(object))))
}
