// CertCommand.swift: `vouch cert verify`: "why is this certificate refused?", with Vouch's rules.
import ArgumentParser
import Foundation
import VouchCore

struct CertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cert", abstract: "X.509 client certificates.", subcommands: [Verify.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a client certificate chain as a TLS certificate login would.",
            discussion: """
                Exits 0 when accepted (printing the path and any warnings), 1 when refused \
                (printing the reason; a leaf or intermediates that cannot be read are refused), \
                2 when the operator's own inputs are unusable (the CA bundle, a CRL file, a flag). \
                RFC 5280 profile rules that Go's crypto/x509 (and so Vault) does not enforce \
                are warnings; --strict makes them refusals. A CRL whose issuer is not in the \
                CA bundle is checked against the intermediate the chain presents with that name.
                """)

        @Option(name: .long, help: "PEM bundle of trusted CA certificates (every one is a trust anchor).")
        var ca: String

        @Option(name: .long, help: "PEM file of untrusted intermediates (may be empty).")
        var untrusted: String?

        @Option(name: .long, help: "CRL file (PEM, may hold several CRLs, or DER); repeatable.")
        var crl: [String] = []

        @Option(name: .long, help: "Verify at this Unix time instead of now.")
        var at: Int64?

        @Option(name: .long, help: "What the leaf is for: client (a login, the default) or server.")
        var purpose: Purpose = .clientAuth

        @Flag(name: .long, help: "Refuse what breaks an RFC 5280 profile rule instead of warning.")
        var strict = false

        @Argument(help: "The leaf certificate, optionally followed by intermediates (PEM or DER).")
        var leaf: String

        func run() throws {
            let store: TrustStore
            do {
                store = try TrustStore(pem: try readInput(ca, what: "CA"))
            } catch let e as VouchError {
                warn("error (\(e.code)): CA bundle \(ca): \(e.message)")
                throw ExitCode(2)
            }
            var crls: [(list: RevocationList, name: String)] = []
            for path in crl {
                for (i, block) in RevocationList.split(try readInput(path, what: "CRL")).enumerated() {
                    do {
                        crls.append((try RevocationList(data: block, trustStore: store, deferUnknownIssuer: true), "CRL \(i) in \(path)"))
                    } catch let e as VouchError {
                        warn("error (\(e.code)): CRL \(i) in \(path): \(e.message)")
                        throw ExitCode(2)
                    }
                }
            }
            let chain = try readInput(leaf, what: "certificate")
            let extra = try untrusted.map { try readInput($0, what: "untrusted") } ?? Data()
            let when = at.map { Date(timeIntervalSince1970: TimeInterval($0)) } ?? Date()
            let result = store.verify(chain: chain, untrusted: extra, crls: crls.map(\.list), at: when, purpose: purpose, strict: strict)
            if let refusal = result.refusal {
                // what is judged (the leaf, the intermediates) being unreadable is a refusal, as at a login
                print("REFUSED (\(refusal.code)): \(refusal.message)")
                throw ExitCode(1)
            }
            print("OK: accepted at \(iso(when))")
            for (i, cert) in result.path.enumerated() {
                let role = i == 0 ? "leaf" : cert.isAnchor ? "trusted CA" : "intermediate"
                print("  \(i) \(role): \(cert.subject)")
                print("      serial \(cert.serialHex), \(cert.key), valid \(iso(cert.notBefore)) to \(iso(cert.notAfter))")
            }
            for w in result.warnings { print("  WARNING (\(w.code)): \(w.message)") }
            // a CRL whose issuer is neither a trusted CA nor in this path was not used at all
            let subjects = Set(result.path.map(\.subject))
            for c in crls where c.list.isDeferred && !subjects.contains(c.list.issuer) {
                print("  WARNING (crl_not_applicable): \(c.name) is from \(c.list.issuer), which is neither a trusted CA nor a certificate of this path: it was not used")
            }
        }
    }
}

extension Purpose: ExpressibleByArgument {}
