// VaultPolicyRoutes.swift: Vault's ACL policies over HTTP, as hvac uses them:
// sys/policies/acl (list, read, create or update, delete: sys.create_or_update_acl_policy
// and friends), the older sys/policy (sys.create_or_update_policy, sys.list_policies), and
// sys/capabilities-self. Who may call them is the ACL middleware's decision.
import Foundation
import Hummingbird
import VouchService

struct PolicyWriteRequest: Decodable, Sendable {
    let policy: String?
    let rules: String?       // the older sys/policy spelling
    let name: String?

    var text: String? { policy ?? rules }
}

struct ACLPolicyData: Encodable, Sendable {
    let name: String
    let policy: String
}

struct LegacyPolicyData: Encodable, Sendable {
    let name: String
    let rules: String
}

/// GET sys/policy: the names, under `policies` and `keys`, at the top level and in data.
struct LegacyPolicyList: Encodable, Sendable {
    struct Names: Encodable, Sendable {
        let policies: [String]
        let keys: [String]
    }
    let policies: [String]
    let keys: [String]
    let data: Names

    init(_ names: [String]) {
        policies = names
        keys = names
        data = Names(policies: names, keys: names)
    }
}

struct CapabilitiesRequest: Decodable, Sendable {
    let path: String?
    let paths: [String]?
}

/// sys/capabilities-self: `capabilities` for a single path, and one member per path.
struct CapabilitiesAnswer: Encodable, Sendable {
    let byPath: [(String, [String])]
    let capabilities: [String]

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(capabilities, forKey: Key(stringValue: "capabilities"))
        var data = c.nestedContainer(keyedBy: Key.self, forKey: Key(stringValue: "data"))
        try data.encode(capabilities, forKey: Key(stringValue: "capabilities"))
        for (p, caps) in byPath {
            try c.encode(caps, forKey: Key(stringValue: p))
            try data.encode(caps, forKey: Key(stringValue: p))
        }
    }
}

extension RouteTable {
    func addVaultPolicyRoutes(vouch: Vouch, settings: ServerSettings) {
        on(.get, "/v1/sys/policies/acl") { request, context in
            _ = try context.authorized()
            try Self.requireList(request)
            return json(vault(data: VaultKeys(keys: vouch.policyNames())))
        }
        on(.get, "/v1/sys/policies/acl/{name}") { _, context in
            _ = try context.authorized()
            let p = try vouch.policy(context.parameters.require("name"))
            return json(vault(data: ACLPolicyData(name: p.name, policy: p.text)))
        }
        let write = { @Sendable (request: Request, context: VouchContext) async throws -> Response in
            _ = try context.authorized()
            let b = try await request.decode(PolicyWriteRequest.self, limit: settings.maxBodyBytes)
            guard let text = b.text else { throw ServiceError.badRequest("missing_field", "missing policy") }
            try await vouch.putPolicy(context.parameters.require("name"), text: text, remote: settings.caller(request, context).ip)
            return noContent()
        }
        let delete = { @Sendable (request: Request, context: VouchContext) async throws -> Response in
            _ = try context.authorized()
            try await vouch.deletePolicy(context.parameters.require("name"), remote: settings.caller(request, context).ip)
            return noContent()
        }
        for base in ["/v1/sys/policies/acl/{name}", "/v1/sys/policy/{name}"] {
            on(.post, base, write)
            on(.put, base, write)
            on(.delete, base, delete)
        }
        on(.get, "/v1/sys/policy") { _, context in
            _ = try context.authorized()
            return json(LegacyPolicyList(vouch.policyNames()))
        }
        on(.get, "/v1/sys/policy/{name}") { _, context in
            _ = try context.authorized()
            let p = try vouch.policy(context.parameters.require("name"))
            return json(LegacyPolicyData(name: p.name, rules: p.text))
        }
        on(.post, "/v1/sys/capabilities-self") { request, context in
            let b = try await request.decode(CapabilitiesRequest.self, limit: settings.maxBodyBytes)
            var seen = Set<String>()
            let paths = ((b.paths ?? []) + (b.path.map { [$0] } ?? [])).filter { seen.insert($0).inserted }
            guard !paths.isEmpty, paths.count <= 100 else { throw ServiceError.badRequest("missing_field", "name 1 to 100 paths") }
            // Vault's answer has a member per path beside `capabilities` and `data`: those two names cannot be answered
            if let clash = paths.first(where: { $0 == "capabilities" || $0 == "data" }) {
                throw ServiceError.badRequest("invalid_path", "a path named \(clash) cannot be answered in Vault's shape (it is a member of the answer)")
            }
            let holder = try context.authorized()
            let byPath = paths.map { ($0, vouch.capabilities(of: holder, path: $0)) }
            return json(CapabilitiesAnswer(byPath: byPath, capabilities: paths.count == 1 ? byPath[0].1 : []))
        }
    }
}
