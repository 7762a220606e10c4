// GoOracleTests.swift: a differential oracle for chain verification: Go's crypto/x509,
// used as Vault's cert auth method uses it (Tests/GoOracle, built here with Debian's Go),
// decides the same chains as Vouch's default mode: the openssl-made matrix, chains from
// Python cryptography's plain builder, x509-limbo's cases, and the fuzz_diff corpus
// (mutated tbsCertificates, which the oracle signs with the fuzz fixture CA's key).
// Every chain Go accepts and Vouch refuses must be refused by a rule the README lists
// (the go-oracle:refuses table); every chain Go refuses and Vouch accepts is a bug unless
// the README lists it (the go-oracle:accepts table: cases where Vouch reads RFC 5280 as
// x509-limbo does and Go 1.19 does not). A listed row that no chain exercises fails too.
import Foundation
import VouchCore
import VouchTestSupport
import XCTest

final class GoOracleTests: XCTestCase {
    struct GoCase: Encodable {
        let id: String
        var roots: [String] = []
        var intermediates: [String] = []
        var leaf = ""
        let time: Int64
        var purpose = "client"
        var tbs: Data? = nil
        var sign_key: String? = nil
    }

    struct GoResult: Decodable {
        let id: String
        let accepted: Bool
        let error: String?
        let leaf_der: Data?
    }

    /// The oracle, built once into a temporary folder (offline: standard library only).
    static func buildOracle(into dir: URL) throws -> String {
        let out = dir.appendingPathComponent("gooracle").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["go", "build", "-o", out, "."]
        p.currentDirectoryURL = Repository.file("Tests/GoOracle")
        var env = ProcessInfo.processInfo.environment
        env["GOCACHE"] = dir.appendingPathComponent("gocache").path
        env["GOPATH"] = dir.appendingPathComponent("gopath").path
        env["GOPROXY"] = "off"
        env["GOFLAGS"] = "-mod=mod"
        p.environment = env
        let err = Pipe()
        p.standardError = err
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw NSError(domain: "go build", code: 1, userInfo: [NSLocalizedDescriptionKey: text]) }
        return out
    }

    /// The fuzz fixture CA (certificate, key, time) from Fuzz/fuzz_fixture.h's C strings.
    static func fuzzFixture() throws -> (ca: String, key: String, at: Int64) {
        let text = try String(contentsOf: Repository.file("Fuzz/fuzz_fixture.h"), encoding: .utf8)
        func literal(_ name: String) throws -> String {
            let start = try XCTUnwrap(text.range(of: "\(name)[] =")).upperBound
            let end = try XCTUnwrap(text[start...].range(of: ";")).lowerBound
            return text[start..<end].split(separator: "\n").compactMap { line -> String? in
                guard let a = line.firstIndex(of: "\""), let b = line.lastIndex(of: "\""), a < b else { return nil }
                return line[line.index(after: a)..<b].replacingOccurrences(of: "\\n", with: "\n")
            }.joined()
        }
        let atLine = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("#define FUZZ_AT ") })
        let at = try XCTUnwrap(Int64(atLine.split(separator: " ")[2]))
        return (try literal("FUZZ_CA_PEM"), try literal("FUZZ_CA_KEY_PEM"), at)
    }

    /// The first column (in backquotes) of a README table between `<!-- go-oracle:NAME -->`
    /// and the next `<!-- go-oracle:end -->`.
    static func listed(_ table: String) throws -> Set<String> {
        let readme = try String(contentsOf: Repository.file("README.md"), encoding: .utf8)
        let start = try XCTUnwrap(readme.range(of: "<!-- go-oracle:\(table) -->")).upperBound
        let end = try XCTUnwrap(readme[start...].range(of: "<!-- go-oracle:end -->")).lowerBound
        return Set(readme[start..<end].split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("| `") else { return nil }
            return line.dropFirst(3).split(separator: "`").first.map(String.init)
        })
    }

    /// A case for both verifiers: what Vouch verifies, and what the oracle gets.
    struct Pair {
        let go: GoCase
        let verify: (Data?) -> ChainVerification?
    }

    func pem(_ d: Data) -> String { String(decoding: d, as: UTF8.self) }

    /// Splits a PEM bundle into its certificates.
    func blocks(_ bundle: String) -> [String] {
        bundle.components(separatedBy: "-----END CERTIFICATE-----").compactMap { part in
            guard let r = part.range(of: "-----BEGIN CERTIFICATE-----") else { return nil }
            return String(part[r.lowerBound...]) + "-----END CERTIFICATE-----\n"
        }
    }

    func testVouchAgreesWithGoCryptoX509() throws {
        let pki = try PKI()
        let oracle = try Self.buildOracle(into: pki.dir)
        var pairs: [Pair] = []

        // the openssl-made matrix
        for c in try OpenSSLMatrixTests.matrix(pki) {
            let store = try TrustStore(pem: c.bundle.reduce(Data()) { $0 + $1.pem })
            let untrusted = c.untrusted.reduce(Data()) { $0 + $1.pem }
            let go = GoCase(id: "matrix:\(c.name)", roots: c.bundle.map { pem($0.pem) }, intermediates: c.untrusted.map { pem($0.pem) },
                            leaf: pem(c.leaf), time: Int64(c.at.timeIntervalSince1970))
            pairs.append(Pair(go: go) { _ in store.verify(chain: c.leaf, untrusted: untrusted, at: c.at) })
        }
        // Python cryptography's plain builder
        let plain = try PlainPKI(in: pki)
        for (anchor, leaf, untrusted) in [("root", "client", ""), ("root-nc", "client-nc", ""), ("root", "client-inter", "inter")] {
            let store = try TrustStore(pem: try plain.pem(anchor))
            let extra = untrusted.isEmpty ? Data() : try plain.pem(untrusted)
            let leafPEM = try plain.pem(leaf)
            let go = GoCase(id: "plain:\(leaf)", roots: [pem(try plain.pem(anchor))], intermediates: untrusted.isEmpty ? [] : [pem(extra)],
                            leaf: pem(leafPEM), time: Int64(Date().timeIntervalSince1970))
            pairs.append(Pair(go: go) { _ in store.verify(chain: leafPEM, untrusted: extra) })
        }
        // x509-limbo (Go has no CRLs: cases with CRLs are left to LimboTests)
        let limbo = try JSONDecoder().decode(LimboTests.Suite.self, from: Data(contentsOf: try Repository.vector("x509-limbo/limbo.json")))
        let iso = ISO8601DateFormatter(), isoFrac = ISO8601DateFormatter()
        isoFrac.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for c in limbo.testcases where c.crls.isEmpty {
            let at = c.validation_time.flatMap { iso.date(from: $0) ?? isoFrac.date(from: $0) } ?? Date()
            guard let store = try? TrustStore(pem: Data(c.trusted_certs.joined(separator: "\n").utf8)) else { continue }
            let purpose: Purpose = c.validation_kind == "CLIENT" ? .clientAuth : .serverAuth
            let go = GoCase(id: "limbo:\(c.id)", roots: c.trusted_certs.flatMap(blocks), intermediates: c.untrusted_intermediates.flatMap(blocks),
                            leaf: c.peer_certificate, time: Int64(at.timeIntervalSince1970), purpose: purpose == .clientAuth ? "client" : "server")
            pairs.append(Pair(go: go) { _ in
                store.verify(chain: Data(c.peer_certificate.utf8), untrusted: Data(c.untrusted_intermediates.joined(separator: "\n").utf8),
                             at: at, purpose: purpose)
            })
        }
        // the fuzz_diff corpus: tbsCertificates the oracle signs with the fixture CA's key
        let fixture = try Self.fuzzFixture()
        let fixtureStore = try TrustStore(pem: Data(fixture.ca.utf8))
        let corpus = Repository.file("Fuzz/corpus/fuzz_diff")
        for name in try FileManager.default.contentsOfDirectory(atPath: corpus.path).sorted() {
            let tbs = try Data(contentsOf: corpus.appendingPathComponent(name))
            guard tbs.count >= 2 else { continue }
            let go = GoCase(id: "fuzz_diff:\(name)", roots: [fixture.ca], time: fixture.at, tbs: tbs, sign_key: fixture.key)
            pairs.append(Pair(go: go) { der in
                der.map { fixtureStore.verify(chain: $0, at: Date(timeIntervalSince1970: TimeInterval(fixture.at))) }
            })
        }

        // the oracle's decisions
        let input = try pki.write(try JSONEncoder().encode(pairs.map(\.go)), "go-cases.json")
        let out = try PKI.run(["bash", "-c", "\"$0\" < \"$1\"", oracle, input])
        let results = try String(decoding: out, as: UTF8.self).split(separator: "\n").map {
            try JSONDecoder().decode(GoResult.self, from: Data($0.utf8))
        }
        XCTAssertEqual(results.count, pairs.count)

        let listed = try Self.listed("refuses"), accepted = try Self.listed("accepts")
        var bugs: [String] = [], unlisted: [String] = [], seen: [String: Int] = [:], seenAccepted: Set<String> = []
        var agree = 0
        var reasons: [String: Set<String>] = [:]
        for (pair, go) in zip(pairs, results) {
            XCTAssertEqual(pair.go.id, go.id)
            guard let v = pair.verify(go.leaf_der) else { continue }  // the oracle could not even sign it
            if v.isAccepted == go.accepted { agree += 1; continue }
            if v.isAccepted {
                let limboID = go.id.hasPrefix("limbo:") ? String(go.id.dropFirst(6)) : ""
                if accepted.contains(limboID) { seenAccepted.insert(limboID); continue }
                bugs.append("\(go.id): Go refuses (\(go.error ?? "")), Vouch accepts")
            } else {
                let code = v.refusal?.code ?? "?"
                seen[code, default: 0] += 1
                // the reason without the certificate's description, for the log
                let message = v.refusal?.message ?? ""
                reasons[code, default: []].insert(String(message.split(separator: ":").last ?? Substring(message))
                    .trimmingCharacters(in: .whitespaces))
                if !listed.contains(code) { unlisted.append("\(go.id): Go accepts, Vouch refuses: \(v.refusal!)") }
            }
        }
        print("go oracle: \(pairs.count) chains, \(agree) decided alike; Vouch refuses what Go accepts by: "
              + seen.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
              + "; Vouch accepts what Go refuses in \(seenAccepted.count) listed limbo cases")
        for (code, why) in reasons.sorted(by: { $0.key < $1.key }) { print("  \(code): \(why.sorted().joined(separator: " | "))") }
        XCTAssertGreaterThan(pairs.count, 250)
        XCTAssertEqual(bugs, [], "\n" + bugs.joined(separator: "\n"))
        XCTAssertEqual(unlisted, [], "\n" + unlisted.joined(separator: "\n"))
        XCTAssertEqual(listed.subtracting(seen.keys).sorted(), [], "listed in the README but exercised by no chain")
        XCTAssertEqual(accepted.subtracting(seenAccepted).sorted(), [], "listed in the README but no longer differing")
    }
}
