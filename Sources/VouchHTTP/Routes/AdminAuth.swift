// AdminAuth.swift: the admin token, as `Authorization: Bearer` or Vault's X-Vault-Token.
import HTTPTypes
import Hummingbird
import VouchService

extension Request {
    /// The token the caller presents: X-Vault-Token, else `Authorization: Bearer`.
    var presentedToken: String? {
        if let t = headers[HTTPField.Name("X-Vault-Token")!], !t.isEmpty { return t }
        guard let auth = headers[.authorization] else { return nil }
        let parts = auth.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1]).trimmingCharacters(in: .whitespaces)
    }
}

extension Vouch {
    /// Throws unless the request carries the admin token.
    func requireAdmin(_ request: Request) throws {
        guard let token = request.presentedToken else {
            throw ServiceError(.unauthorized, "missing_token", "this call needs the admin token (Authorization: Bearer)")
        }
        guard isAdmin(token) else { throw ServiceError(.forbidden, "permission_denied", "permission denied") }
    }
}

import Foundation
