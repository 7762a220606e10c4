// vouch-bench: Vouch's hot-path figures next to the raw primitive and peers, measured in
// the same run, written to bench-results.json. `--smoke` runs every measurement briefly
// (as `make test` does, so the benchmarks cannot rot); figures from a smoke run mean nothing.
import CVouchBench
import Foundation
import VouchCore
import X509

struct Result: Encodable {
    let name: String
    let ops_per_sec: Double?
    let baseline: String
    let baseline_ops_per_sec: Double?
    let ratio: Double?
    var note: String? = nil
}

let args = CommandLine.arguments
let smoke = args.contains("--smoke")
let outPath = args.firstIndex(of: "--out").map { args[$0 + 1] } ?? "bench-results.json"
nonisolated(unsafe) let seconds = smoke ? 0.02 : 1.0
nonisolated(unsafe) var results: [Result] = []

func log(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }

@discardableResult
func sh(_ args: [String]) -> Data {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = args
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try! p.run()
    let d = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    precondition(p.terminationStatus == 0, "failed: \(args.joined(separator: " "))")
    return d
}

/// Runs `body` in batches for about `seconds`; returns operations per second.
func rate(_ body: () -> Void) -> Double {
    var n = 0
    let t0 = vb_now()
    var t = 0.0
    repeat {
        for _ in 0..<16 { body() }
        n += 16
        t = vb_now() - t0
    } while t < seconds
    return Double(n) / t
}

func add(_ name: String, _ ours: Double?, _ baseline: String, _ base: Double?, higherIsBetter: Bool = true, note: String? = nil) {
    var ratio: Double? = nil
    if let ours, let base, ours > 0, base > 0 { ratio = higherIsBetter ? ours / base : base / ours }
    results.append(Result(name: name, ops_per_sec: ours, baseline: baseline, baseline_ops_per_sec: base, ratio: ratio, note: note))
    let f = { (x: Double?) in x.map { String(format: "%.1f", $0) } ?? "-" }
    log("\(name): \(f(ours)) vs \(baseline) \(f(base)) -> ratio \(ratio.map { String(format: "%.3f", $0) } ?? "-")")
}

// MARK: test PKI, made with the openssl CLI

nonisolated(unsafe) let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vouch-bench-\(getpid())")
try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: dir) }
nonisolated(unsafe) let cnf = dir.appendingPathComponent("x.cnf").path
try! """
[req]
distinguished_name=dn
[dn]
[ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always
[leaf]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always
subjectAltName=URI:spiffe://bench.example/workload
""".write(toFile: cnf, atomically: true, encoding: .utf8)

struct Chain { let root: String, int: String, leaf: String, rootKey: String }

func makeChain(_ label: String, _ keyArgs: [String]) -> Chain {
    func path(_ n: String) -> String { dir.appendingPathComponent("\(label)-\(n)").path }
    for n in ["root", "int", "leaf"] { sh(["openssl", "genpkey"] + keyArgs + ["-out", path("\(n).key")]) }
    sh(["openssl", "req", "-config", cnf, "-x509", "-new", "-key", path("root.key"), "-subj", "/CN=Bench Root \(label)",
        "-days", "30", "-extensions", "ca", "-out", path("root.pem")])
    for (n, issuer, ext) in [("int", "root", "ca"), ("leaf", "int", "leaf")] {
        sh(["openssl", "req", "-config", cnf, "-new", "-key", path("\(n).key"), "-subj", "/CN=bench-\(n)-\(label)/O=Bench",
            "-out", path("\(n).csr")])
        sh(["openssl", "x509", "-req", "-in", path("\(n).csr"), "-CA", path("\(issuer).pem"), "-CAkey", path("\(issuer).key"),
            "-days", "20", "-extfile", cnf, "-extensions", ext, "-out", path("\(n).pem"), "-set_serial", "4242"])
    }
    func read(_ n: String) -> String { try! String(contentsOfFile: path(n), encoding: .utf8) }
    return Chain(root: read("root.pem"), int: read("int.pem"), leaf: read("leaf.pem"), rootKey: read("root.key"))
}

// MARK: chain verification

for (label, keyArgs) in [("rsa2048", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]),
                         ("p256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])] {
    let c = makeChain(label, keyArgs)
    let raw = vb_raw_verify_leaf(c.leaf, c.int, seconds)
    let rawName = "raw \(label) signature verification (OpenSSL EVP_PKEY_verify, prepared context)"

    let presented = Array((c.leaf + c.int).utf8)
    let storeRoot = try! TrustStore(pem: Array(c.root.utf8))
    precondition(storeRoot.verify(chain: presented).isAccepted, "bench chain must verify")
    add("chain_verify_\(label)_3level_intermediate_presented", rate { _ = storeRoot.verify(chain: presented).isAccepted }, rawName, raw)

    let leafOnly = Array(c.leaf.utf8)
    let storeBoth = try! TrustStore(pem: Array((c.root + c.int).utf8))
    precondition(storeBoth.verify(chain: leafOnly).isAccepted)
    add("chain_verify_\(label)_3level_intermediate_in_bundle", rate { _ = storeBoth.verify(chain: leafOnly).isAccepted }, rawName, raw)

    let ossl = vb_openssl_verify_chain(c.root, c.int, c.leaf, seconds)
    add("peer_openssl_X509_verify_cert_\(label)_3level", ossl, rawName, raw, note: "leaf and intermediate parsed from PEM each time")

    // swift-certificates' Verifier, leaf parsed from PEM each time
    let root = try! Certificate(pemEncoded: c.root), int = try! Certificate(pemEncoded: c.int)
    let sem = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var scRate = 0.0
    let leafPEM = c.leaf
    Task.detached {
        var verifier = Verifier(rootCertificates: CertificateStore([root])) { RFC5280Policy(validationTime: Date()) }
        var n = 0
        let t0 = vb_now()
        var t = 0.0
        repeat {
            let leaf = try! Certificate(pemEncoded: leafPEM)
            guard case .validCertificate = await verifier.validate(leaf: leaf, intermediates: CertificateStore([int])) else {
                fatalError("swift-certificates refused the bench chain")
            }
            n += 1
            t = vb_now() - t0
        } while t < seconds
        scRate = Double(n) / t
        sem.signal()
    }
    sem.wait()
    add("peer_swift_certificates_verifier_\(label)_3level", scRate, rawName, raw, note: "leaf parsed from PEM each time")
}

// MARK: CRL

let crlChain = makeChain("crl", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
let crlStore = try! TrustStore(pem: Array(crlChain.root.utf8))
for n in smoke ? [10_000, 20_000] : [1_000_000, 10_000_000] {
    let label = n >= 1_000_000 ? "\(n / 1_000_000)m" : "\(n / 1000)k"
    var der: UnsafeMutablePointer<UInt8>? = nil
    var derLen = 0
    let serials = UnsafeMutableRawBufferPointer.allocate(byteCount: n * 20, alignment: 8)
    defer { serials.deallocate() }
    precondition(vb_crl_build(crlChain.root, crlChain.rootKey, n, &der, &derLen, serials.baseAddress!.assumingMemoryBound(to: UInt8.self)) == 0)
    defer { free(der) }
    let derBuf = UnsafeBufferPointer(start: der, count: derLen)

    let t0 = vb_now()
    let crl = try! RevocationList(data: derBuf, trustStore: crlStore)
    let loadSeconds = vb_now() - t0
    precondition(crl.count == n && crl.signatureChecked)
    let bytes = Double(crl.memoryBytes) / Double(n)

    var osslBytes = 0.0
    let first = n == (smoke ? 10_000 : 1_000_000)
    let osslLoad = first ? vb_openssl_crl_load_seconds(der, derLen, &osslBytes) : -1
    add("crl_load_\(label)_serials_signature_checked", 1 / loadSeconds, "OpenSSL d2i_X509_CRL (no signature check)",
        osslLoad > 0 ? 1 / osslLoad : nil, note: String(format: "loads per second; %.1f ms per load", loadSeconds * 1000))
    add("crl_memory_\(label)_bytes_per_serial", nil, "OpenSSL X509_CRL", nil,
        note: String(format: "%.1f bytes per serial (OpenSSL: %@)", bytes, first ? String(format: "%.1f", osslBytes) : "not measured"))

    // lookups: random order, present and absent
    let lookups = smoke ? 20_000 : 4_000_000
    var x: UInt64 = 88172645463325252
    var hits = 0
    var t1 = vb_now()
    for _ in 0..<lookups {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17
        let i = Int(x % UInt64(n))
        if crl.contains(serial: UnsafeRawBufferPointer(rebasing: serials[(i * 20)..<(i * 20 + 20)])) { hits += 1 }
    }
    let presentNs = (vb_now() - t1) / Double(lookups) * 1e9
    precondition(hits == lookups)
    var absent = [UInt8](repeating: 0, count: 20)
    hits = 0
    t1 = vb_now()
    for k in 0..<lookups {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17
        withUnsafeMutableBytes(of: &x) { absent.replaceSubrange(0..<8, with: $0) }
        absent[8] = UInt8(truncatingIfNeeded: k)
        absent[0] |= 0x80 // generated serials are positive: 0x80 first byte is never present
        if absent.withUnsafeBytes({ crl.contains(serial: $0) }) { hits += 1 }
    }
    let absentNs = (vb_now() - t1) / Double(lookups) * 1e9
    precondition(hits == 0)
    let osslNs = first ? vb_openssl_crl_lookup_ns(der, derLen, serials.baseAddress!.assumingMemoryBound(to: UInt8.self), n, smoke ? 2000 : 1_000_000) : -1
    add("crl_lookup_present_\(label)", 1e9 / presentNs, "OpenSSL X509_CRL_get0_by_serial", osslNs > 0 ? 1e9 / osslNs : nil,
        note: String(format: "%.1f ns per lookup", presentNs))
    add("crl_lookup_absent_\(label)", 1e9 / absentNs, "OpenSSL X509_CRL_get0_by_serial (present)", osslNs > 0 ? 1e9 / osslNs : nil,
        note: String(format: "%.1f ns per lookup", absentNs))
}

let enc = JSONEncoder()
enc.outputFormatting = [.prettyPrinted, .sortedKeys]
try! enc.encode(results).write(to: URL(fileURLWithPath: outPath))
log("wrote \(outPath)\(smoke ? " (smoke run: figures are meaningless)" : "")")
