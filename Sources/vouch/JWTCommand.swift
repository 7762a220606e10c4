// JWTCommand.swift: `vouch jwt verify` ("why is this token refused?", with Vouch's rules)
// and `vouch jwt inspect` (decode only, marked unverified).
import ArgumentParser
import Foundation
import VouchCore
import VouchService

struct JWTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jwt", abstract: "JSON Web Tokens (JWS compact form).", subcommands: [Verify.self, Inspect.self])

    /// The token argument, or standard input for "-".
    static func token(_ arg: String) throws -> String {
        let text = arg == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) : arg
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func text(_ v: JSONValue) -> String { v.text }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a token against a JWK Set and check its claims, as a login would.",
            discussion: """
                Exits 0 and prints the verified claims, 1 when the token is refused (printing the reason; \
                a token that cannot be read is refused), 2 when the operator's own inputs are unusable \
                (the JWK Set or PEM keys, a flag).
                """)

        @Option(help: "JWK Set (JSON), or PEM public keys, to verify with.")
        var jwks: String

        @Option(help: "The issuer (iss) the token must carry.")
        var issuer: String?

        @Option(help: "An audience the token's aud must name; repeatable.")
        var audience: [String] = []

        @Option(help: "Check at this Unix time instead of now.")
        var at: Int64?

        @Option(help: "Seconds of clock skew allowed on exp, nbf and iat.")
        var leeway: Int64 = 150

        @Argument(help: "The token, or - to read it from standard input.")
        var token: String

        func run() throws {
            let keyData = Array(try readInput(jwks, what: "JWKS"))
            let isPEM = keyData.starts(with: Array("-----BEGIN".utf8))
                || String(decoding: keyData.prefix(200), as: UTF8.self).contains("-----BEGIN")
            let keys: JWKS
            do {
                keys = isPEM ? try JWKS(json: [UInt8](), pem: keyData) : try JWKS(json: keyData)
            } catch let e as VouchError {
                warn("error (\(e.code)): \(jwks): \(e.message)")
                throw ExitCode(2)
            }
            guard leeway >= 0 else {
                warn("error (invalid_leeway): --leeway must not be negative")
                throw ExitCode(2)
            }
            var policy = JWTPolicy(issuer: issuer, audiences: audience)
            policy.expirationLeeway = leeway
            policy.notBeforeLeeway = leeway
            let when = at.map { Date(timeIntervalSince1970: TimeInterval($0)) } ?? Date()
            do {
                let v = try keys.verify(try JWTCommand.token(token), policy: policy, at: when)
                print(JWTCommand.text(v.claims))
            } catch let e as VouchError {
                print("REFUSED (\(e.code)): \(e.message)")
                throw ExitCode(1)
            }
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode a token's header and claims WITHOUT verifying anything.",
            discussion: "Exits 0 when the token decodes, 1 when it is not a readable compact JWS.")

        @Argument(help: "The token, or - to read it from standard input.")
        var token: String

        func run() throws {
            do {
                let (header, payload) = try JWKS.inspect(try JWTCommand.token(token))
                print("UNVERIFIED: nothing below has been checked")
                print("header:  \(JWTCommand.text(header))")
                print("claims:  \(payload.map(JWTCommand.text) ?? "(not a JSON object)")")
            } catch let e as VouchError {
                print("REFUSED (\(e.code)): \(e.message)")
                throw ExitCode(1)
            }
        }
    }
}
