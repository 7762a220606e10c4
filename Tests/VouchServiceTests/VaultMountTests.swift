// VaultMountTests.swift: Vault's sys/auth mounts and the jwt and kubernetes methods'
// configuration rules, every refusal with its code: paths in use, reserved and builtin
// paths, one key source, bound constraints, leeways, role types; disabling a mount revokes
// what it issued.
import Foundation
import VouchCore
import VouchService
import VouchTestSupport
import XCTest

final class VaultMountTests: XCTestCase {
    func code(_ body: () async throws -> Void) async -> String? {
        do {
            try await body()
            return nil
        } catch {
            return (error as? ServiceError)?.code ?? "\(error)"
        }
    }

    func pem() throws -> (priv: String, pub: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let priv = dir.appendingPathComponent("k.pem").path
        try PKI.run(["openssl", "genpkey"] + KeyType.p256.genpkeyArgs + ["-out", priv])
        return (priv, String(decoding: try PKI.run(["openssl", "pkey", "-in", priv, "-pubout"]), as: UTF8.self))
    }

    func testMountsAndTheirRefusals() async throws {
        let f = try await Fixture()
        let v = f.vouch
        XCTAssertEqual(v.mounts().map(\.path), ["cert", "jwt", "kubernetes", "oidc", "token"])
        try await v.enableMount(path: "jwt-github/", type: "jwt", description: "GitHub", remote: nil)
        let again = await code { try await v.enableMount(path: "jwt-github", type: "jwt", description: "", remote: nil) }
        XCTAssertEqual(again, "path_in_use")
        for reserved in ["jwt-auth", "tls-cert-auth", "oidc-auth", "kubernetes-auth"] {
            let c = await code { try await v.enableMount(path: reserved, type: "jwt", description: "", remote: nil) }
            XCTAssertEqual(c, "reserved_path", reserved)
        }
        var c = await code { try await v.enableMount(path: "cert2", type: "cert", description: "", remote: nil) }
        XCTAssertEqual(c, "unsupported_mount")
        c = await code { try await v.enableMount(path: "x", type: "ldap", description: "", remote: nil) }
        XCTAssertEqual(c, "unsupported_mount")
        c = await code { try await v.enableMount(path: "a/b", type: "jwt", description: "", remote: nil) }
        XCTAssertEqual(c, "invalid_path")
        c = await code { try await v.disableMount(path: "jwt", remote: nil) }
        XCTAssertEqual(c, "builtin_mount")
        // a kubernetes route on a jwt mount does not exist
        c = await code { _ = try v.vaultKubernetesConfig(mount: "jwt-github") }
        XCTAssertEqual(c, "route_not_found")
        XCTAssertTrue(f.audit.contains(#""action":"enable-auth""#))
    }

    func testJWTConfigAndRoleRules() async throws {
        let f = try await Fixture()
        let v = f.vouch
        let key = try pem()
        var config = VaultJWTConfigInput()
        var c = await code { try await v.putVaultJWTConfig(mount: "jwt", config, remote: nil) }
        XCTAssertEqual(c, "invalid_config", "one key source is required")
        config.validationPubkeys = [key.pub]
        config.jwksURL = "https://127.0.0.1:9/jwks.json"
        c = await code { try await v.putVaultJWTConfig(mount: "jwt", config, remote: nil) }
        XCTAssertEqual(c, "invalid_config", "exactly one")
        config.validationPubkeys = nil
        c = await code { try await v.putVaultJWTConfig(mount: "jwt", config, remote: nil) }
        XCTAssertEqual(c, "invalid_config", "a source that cannot be fetched now is refused at write, as Vault")
        config.jwksURL = nil
        config.validationPubkeys = [key.pub]
        config.supportedAlgs = ["HS256"]
        c = await code { try await v.putVaultJWTConfig(mount: "jwt", config, remote: nil) }
        XCTAssertEqual(c, "invalid_algorithm")
        config.supportedAlgs = ["ES256"]
        config.boundIssuer = "https://issuer.example"
        try await v.putVaultJWTConfig(mount: "jwt", config, remote: nil)

        var role = VaultJWTRoleInput()
        role.roleType = "jwt"
        c = await code { try await v.putVaultJWTRole(mount: "jwt", "ci", role, remote: nil) }
        XCTAssertEqual(c, "missing_field", "user_claim is required")
        role.userClaim = "sub"
        c = await code { try await v.putVaultJWTRole(mount: "jwt", "ci", role, remote: nil) }
        XCTAssertEqual(c, "missing_bound_constraint")
        role.boundAudiences = ["vouch"]
        role.expirationLeeway = Int.max
        c = await code { try await v.putVaultJWTRole(mount: "jwt", "ci", role, remote: nil) }
        XCTAssertEqual(c, "invalid_leeway")
        role.expirationLeeway = -1
        role.boundClaimsType = "regex"
        c = await code { try await v.putVaultJWTRole(mount: "jwt", "ci", role, remote: nil) }
        XCTAssertEqual(c, "invalid_bound_claims_type")
        role.boundClaimsType = "glob"
        role.claimMappings = ["a": "x", "b": "x"]
        c = await code { try await v.putVaultJWTRole(mount: "jwt", "ci", role, remote: nil) }
        XCTAssertEqual(c, "invalid_claim_mappings")
        role.claimMappings = ["email": "mail"]
        role.policies = ["deploy"]
        try await v.putVaultJWTRole(mount: "jwt", "ci", role, remote: nil)
        XCTAssertEqual(try v.vaultJWTRole(mount: "jwt", "ci").rules.expirationLeeway, -1)
        // a role written without role_type is Vault's default, oidc: refused at this login
        var oidcRole = VaultJWTRoleInput()
        oidcRole.userClaim = "sub"
        try await v.putVaultJWTRole(mount: "jwt", "browser", oidcRole, remote: nil)
        let now = Int(Date().timeIntervalSince1970)
        let token = try OIDCProvider.mint([.init(key: key.priv, alg: "ES256", kid: nil, claims: [
            "iss": "https://issuer.example", "aud": "vouch", "sub": "ci-1", "exp": .number(now + 600), "email": "ci@acme"])])[0]
        c = await code { _ = try await v.loginVaultJWT(mount: "jwt", role: "browser", jwt: token, remote: "10.0.0.1") }
        XCTAssertEqual(c, "role_type_not_allowed")
        let login = try await v.loginVaultJWT(mount: "jwt", role: "ci", jwt: token, remote: "10.0.0.1")
        XCTAssertEqual(login.metadata, ["role": "ci", "mail": "ci@acme"])
        XCTAssertEqual(login.login.record.authMethod, "jwt")
        // a mount of its own: disabling it revokes the tokens it issued
        try await v.enableMount(path: "jwt-ci", type: "jwt", description: "", remote: nil)
        try await v.putVaultJWTConfig(mount: "jwt-ci", config, remote: nil)
        try await v.putVaultJWTRole(mount: "jwt-ci", "ci", role, remote: nil)
        let mounted = try await v.loginVaultJWT(mount: "jwt-ci", role: "ci", jwt: token, remote: "10.0.0.1")
        try await v.disableMount(path: "jwt-ci", remote: nil)
        c = await code { _ = try await v.useToken(mounted.login.accessToken, remote: "10.0.0.1") }
        XCTAssertEqual(c, "token_revoked")
        _ = try await v.useToken(login.login.accessToken, remote: "10.0.0.1")  // the default mount's token lives on
        c = await code { _ = try v.vaultJWTConfig(mount: "jwt-ci") }
        XCTAssertEqual(c, "mount_not_found")
        // survives a restart, roles and config
        let restarted = try await f.restarted()
        _ = try await restarted.loginVaultJWT(mount: "jwt", role: "ci", jwt: token, remote: "10.0.0.1")
    }

    func testKubernetesConfigAndRoleRules() async throws {
        let f = try await Fixture()
        let v = f.vouch
        var config = VaultKubernetesConfigInput()
        var c = await code { try await v.putVaultKubernetesConfig(mount: "kubernetes", config, remote: nil) }
        XCTAssertEqual(c, "missing_field")
        config.host = "http://k8s.example.com"
        c = await code { try await v.putVaultKubernetesConfig(mount: "kubernetes", config, remote: nil) }
        XCTAssertEqual(c, "invalid_url", "plain http to a host that is not loopback")
        config.host = "https://k8s.example.com"
        config.reviewerJWT = "two words"
        c = await code { try await v.putVaultKubernetesConfig(mount: "kubernetes", config, remote: nil) }
        XCTAssertEqual(c, "invalid_token_reviewer_jwt")
        config.reviewerJWT = "eyJreviewer"
        config.reviewMode = "local"
        c = await code { try await v.putVaultKubernetesConfig(mount: "kubernetes", config, remote: nil) }
        XCTAssertEqual(c, "missing_field", "local review needs keys")
        config.reviewMode = nil
        try await v.putVaultKubernetesConfig(mount: "kubernetes", config, remote: nil)
        XCTAssertFalse(try v.vaultKubernetesConfig(mount: "kubernetes").cluster.sealedReviewerJWT.isEmpty)
        var role = VaultKubernetesRoleInput()
        role.names = ["api"]
        c = await code { try await v.putVaultKubernetesRole(mount: "kubernetes", "api", role, remote: nil) }
        XCTAssertEqual(c, "missing_field", "namespaces are required")
        role.namespaces = ["*"]
        role.aliasNameSource = "serviceaccount_email"
        c = await code { try await v.putVaultKubernetesRole(mount: "kubernetes", "api", role, remote: nil) }
        XCTAssertEqual(c, "invalid_alias_name_source")
        role.aliasNameSource = "serviceaccount_name"
        try await v.putVaultKubernetesRole(mount: "kubernetes", "api", role, remote: nil)
        XCTAssertEqual(try v.vaultKubernetesRoleNames(mount: "kubernetes"), ["api"])
        c = await code { _ = try await v.loginVaultKubernetes(mount: "kubernetes", role: "none", jwt: "x", remote: "10.0.0.1") }
        XCTAssertEqual(c, "role_not_found")
        c = await code { _ = try await v.loginVaultKubernetes(mount: "kubernetes", role: "api", jwt: "x.y", remote: "10.0.0.1") }
        XCTAssertEqual(c, "malformed_token")
    }

    func testInfisicalClaimMappingsRefuseOneClaimTwice() async throws {
        let f = try await Fixture()
        let key = try pem()
        let id = try await f.vouch.createIdentity(name: "m", role: nil, policies: nil, remote: nil).id
        var i = JWTAuthInput()
        i.configurationType = "static"
        i.publicKeys = [key.pub]
        i.claimMetadataMapping = ["a": "email", "b": "email"]
        let c = await code { _ = try await f.vouch.attachJWTAuth(.jwt, identityId: id, i, remote: nil) }
        XCTAssertEqual(c, "invalid_claim_metadata_mapping")
    }
}
