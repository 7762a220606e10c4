// AdminAuth.swift: the token a caller presents, as Vault reads it (X-Vault-Token wins over
// `Authorization: Bearer`, which is used only when X-Vault-Token is absent or empty), and
// the admin check, which audits every refusal with the caller's address.
import HTTPTypes
import Hummingbird
import VouchService

/// A token from the request and where it came from.
struct PresentedToken {
    let value: String
    let fromVaultHeader: Bool
    /// Both headers were sent; X-Vault-Token was used.
    let bearerIgnored: Bool

    /// What a refusal adds so that a caller who sent both knows which one was judged.
    var precedenceNote: String {
        bearerIgnored ? " (X-Vault-Token was used: it takes precedence over Authorization: Bearer, as in Vault)" : ""
    }
}

extension Request {
    var presentedToken: PresentedToken? {
        var bearer: String?
        if let auth = headers[.authorization] {
            let parts = auth.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { bearer = String(parts[1]).trimmingCharacters(in: .whitespaces) }
        }
        if let t = headers[HTTPField.Name("X-Vault-Token")!], !t.isEmpty {
            return PresentedToken(value: t, fromVaultHeader: true, bearerIgnored: bearer != nil)
        }
        return bearer.map { PresentedToken(value: $0, fromVaultHeader: false, bearerIgnored: false) }
    }
}

extension Vouch {
    /// Throws unless the request carries the admin token (or, on /v1/, passed the policy check); a refusal is audited with the
    /// caller's address and the path (never the token).
    func requireAdmin(_ request: Request, _ context: VouchContext, settings: ServerSettings) throws {
        // a /v1/ call the caller's policies allow (the ACL middleware decided; root is the admin)
        if context.holder != nil, ErrorMiddleware.isVaultPath(request.uri.path) { return }
        guard let token = request.presentedToken else {
            auditAdminRefusal(request, context, settings: settings, code: "missing_token")
            throw ServiceError(.unauthorized, "missing_token", "this call needs the admin token (Authorization: Bearer or X-Vault-Token)")
        }
        guard isAdmin(token.value) else {
            auditAdminRefusal(request, context, settings: settings, code: "permission_denied")
            throw ServiceError(.forbidden, "permission_denied", "permission denied" + token.precedenceNote)
        }
    }

    private func auditAdminRefusal(_ request: Request, _ context: VouchContext, settings: ServerSettings, code: String) {
        audit.record(.init(type: "admin", action: "\(request.method.rawValue) \(request.uri.path)", outcome: "refused",
                           remote: settings.caller(request, context).ip, code: code))
    }
}

extension PresentedToken {
    /// Runs a use of the token; a refusal says which header was judged when both were sent.
    func explained<T>(_ body: (String) async throws -> T) async throws -> T {
        do {
            return try await body(value)
        } catch let e as ServiceError where bearerIgnored {
            throw ServiceError(e.kind, e.code, e.message + precedenceNote, detail: e.detail)
        }
    }
}
