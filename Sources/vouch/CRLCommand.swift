// CRLCommand.swift: `vouch crl inspect`: what a CRL holds and whether its signature checks out.
import ArgumentParser
import Foundation
import VouchCore

struct CRLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crl", abstract: "Certificate revocation lists.", subcommands: [Inspect.self])

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a CRL's issuer, dates, number of serials and signature status.",
            discussion: "Exits 0 when every CRL loads (and, with --ca, its signature verifies), 1 when a signature does not check out, 2 for unusable input.")

        @Option(name: .long, help: "PEM bundle of CA certificates to check the signature against.")
        var ca: String?

        @Argument(help: "CRL file (PEM, may hold several CRLs, or DER).")
        var file: String

        func run() throws {
            var store: TrustStore?
            if let ca {
                do {
                    store = try TrustStore(pem: try readInput(ca, what: "CA"))
                } catch let e as VouchError {
                    warn("error (\(e.code)): CA bundle \(ca): \(e.message)")
                    throw ExitCode(2)
                }
            }
            var failed: Int32 = 0
            for (i, block) in RevocationList.split(try readInput(file, what: "CRL", limit: 1 << 30)).enumerated() {
                let start = DispatchTime.now().uptimeNanoseconds
                do {
                    let crl = try RevocationList(data: block, trustStore: store)
                    let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                    print("CRL \(i):")
                    print("  issuer:      \(crl.issuer)")
                    print("  this update: \(iso(crl.thisUpdate))")
                    print("  next update: \(crl.nextUpdate.map(iso) ?? "(none)")")
                    print("  serials:     \(crl.count)")
                    print("  signature:   \(crl.signatureChecked ? "verified" : "not checked (no --ca given)")")
                    print("  loaded in:   \(String(format: "%.3f", ms)) ms, \(crl.memoryBytes) bytes in memory")
                } catch let e as VouchError {
                    if e.isInputError {
                        warn("error (\(e.code)): CRL \(i) in \(file): \(e.message)")
                        throw ExitCode(2)
                    }
                    print("CRL \(i): REFUSED (\(e.code)): \(e.message)")
                    failed = 1
                }
            }
            if failed != 0 { throw ExitCode(failed) }
        }
    }
}
