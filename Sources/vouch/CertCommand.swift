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
                Exits 0 when accepted (printing the path), 1 when refused (printing the reason), \
                2 for unusable input.
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
            var crls: [RevocationList] = []
            for path in crl {
                for (i, block) in RevocationList.split(try readInput(path, what: "CRL")).enumerated() {
                    do {
                        crls.append(try RevocationList(data: block, trustStore: store))
                    } catch let e as VouchError {
                        warn("error (\(e.code)): CRL \(i) in \(path): \(e.message)")
                        throw ExitCode(2)
                    }
                }
            }
            let chain = try readInput(leaf, what: "certificate")
            let extra = try untrusted.map { try readInput($0, what: "untrusted") } ?? Data()
            let when = at.map { Date(timeIntervalSince1970: TimeInterval($0)) } ?? Date()
            let result = store.verify(chain: chain, untrusted: extra, crls: crls, at: when, purpose: purpose)
            if let refusal = result.refusal {
                if refusal.isInputError {
                    warn("error (\(refusal.code)): \(refusal.message)")
                    throw ExitCode(2)
                }
                print("REFUSED (\(refusal.code)): \(refusal.message)")
                throw ExitCode(1)
            }
            print("OK: accepted at \(iso(when))")
            for (i, cert) in result.path.enumerated() {
                let role = i == 0 ? "leaf" : cert.isAnchor ? "trusted CA" : "intermediate"
                print("  \(i) \(role): \(cert.subject)")
                print("      serial \(cert.serialHex), \(cert.key), valid \(iso(cert.notBefore)) to \(iso(cert.notAfter))")
            }
        }
    }
}

extension Purpose: ExpressibleByArgument {}
