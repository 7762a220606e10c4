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

    enum CodingKeys: String, CodingKey { case name, ops_per_sec, baseline, baseline_ops_per_sec, ratio, note }

    /// Every key is written, null where a figure does not apply.
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(ops_per_sec, forKey: .ops_per_sec)
        try c.encode(baseline, forKey: .baseline)
        try c.encode(baseline_ops_per_sec, forKey: .baseline_ops_per_sec)
        try c.encode(ratio, forKey: .ratio)
        try c.encode(note, forKey: .note)
    }
}

let args = CommandLine.arguments
let smoke = args.contains("--smoke")
nonisolated(unsafe) let seconds = smoke ? 0.02 : 1.0
/// `--only chain,crl,jwt,ssh,keygen,threads,http,scale,cluster` runs those sections alone (all but
/// scale by default: `make bench-scale` asks for it, see ScaleBench.swift); such a
/// partial run writes bench-results-partial.json unless --out says otherwise, leaving the
/// full table alone.
let only = args.firstIndex(of: "--only").map { Set(args[$0 + 1].split(separator: ",").map(String.init)) }
let outPath = args.firstIndex(of: "--out").map { args[$0 + 1] } ?? (only == nil ? "bench-results.json" : "bench-results-partial.json")
func want(_ section: String) -> Bool { only?.contains(section) ?? true }
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

/// Runs `body` in batches for about `secs`; returns operations per second.
func rate(_ secs: Double = seconds, _ body: () -> Void) -> Double {
    var n = 0
    let t0 = vb_now()
    var t = 0.0
    repeat {
        for _ in 0..<16 { body() }
        n += 16
        t = vb_now() - t0
    } while t < secs
    return Double(n) / t
}

/// `rate` for async work: runs `body` on a detached task for about `secs` and waits. The
/// body is @Sendable so that it never hops to the main actor, which is blocked waiting.
func asyncRate(_ secs: Double, _ body: @escaping @Sendable () async -> Void) -> Double {
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var r = 0.0
    Task.detached {
        var n = 0
        let t0 = vb_now()
        var t = 0.0
        repeat {
            await body()
            n += 1
            t = vb_now() - t0
        } while t < secs
        r = Double(n) / t
        done.signal()
    }
    done.wait()
    return r
}

/// Measures ours and the baseline in alternating rounds (so that a slower or faster
/// stretch of a shared machine affects both) and returns the median rate of each.
func paired(_ ours: (Double) -> Double, _ base: (Double) -> Double) -> (ours: Double, base: Double) {
    let rounds = smoke ? 1 : 7
    var a: [Double] = [], b: [Double] = []
    for _ in 0..<rounds {
        b.append(base(seconds / 2))
        a.append(ours(seconds / 2))
    }
    return (a.sorted()[rounds / 2], b.sorted()[rounds / 2])
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

// `--profile-loop NAME`: one loop of ours alone, for perf record (ProfileLoop.swift)
if let i = args.firstIndex(of: "--profile-loop") {
    profileLoop(args[i + 1])
    try? FileManager.default.removeItem(at: dir)
    exit(0)
}

// MARK: chain verification

let chainKinds = [("rsa2048", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]),
                  ("p256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])]
for (label, keyArgs) in want("chain") ? chainKinds : [] {
    let c = makeChain(label, keyArgs)
    // the fastest vetted primitive is the baseline: OpenSSL for RSA, swift-crypto's BoringSSL for P-256
    let boring = label == "p256"
    let rawName = boring ? "raw p256 signature verification (swift-crypto BoringSSL, digest precomputed)"
        : "raw \(label) signature verification (OpenSSL EVP_PKEY_verify, prepared context)"
    let rawRate = { (s: Double) in boring ? boringP256LeafRate(leafPEM: c.leaf, issuerPEM: c.int, s) : vb_raw_verify_leaf(c.leaf, c.int, s) }

    let presented = Array((c.leaf + c.int).utf8)
    let storeRoot = try! TrustStore(pem: Array(c.root.utf8))
    precondition(storeRoot.verify(chain: presented).isAccepted, "bench chain must verify")
    var (ours, raw) = paired({ rate($0) { _ = storeRoot.verify(chain: presented).isAccepted } }, rawRate)
    add("chain_verify_\(label)_3level_intermediate_presented", ours, rawName, raw,
        note: "median of alternating rounds with the baseline; leaf and intermediate PEM decoded each time")

    let leafOnly = Array(c.leaf.utf8)
    let storeBoth = try! TrustStore(pem: Array((c.root + c.int).utf8))
    precondition(storeBoth.verify(chain: leafOnly).isAccepted)
    (ours, raw) = paired({ rate($0) { _ = storeBoth.verify(chain: leafOnly).isAccepted } }, rawRate)
    add("chain_verify_\(label)_3level_intermediate_in_bundle", ours, rawName, raw,
        note: "median of alternating rounds with the baseline; leaf PEM decoded each time")

    let ossl = vb_openssl_verify_chain(c.root, c.int, c.leaf, seconds)
    add("peer_openssl_X509_verify_cert_\(label)_3level", ossl, rawName, raw, note: "leaf and intermediate parsed from PEM each time")

    // swift-certificates' Verifier, leaf parsed from PEM each time
    let root = try! Certificate(pemEncoded: c.root), int = try! Certificate(pemEncoded: c.int)
    let leafPEM = c.leaf
    nonisolated(unsafe) var verifier = Verifier(rootCertificates: CertificateStore([root])) { RFC5280Policy(validationTime: Date()) }
    let scRate = asyncRate(seconds) {
        let leaf = try! Certificate(pemEncoded: leafPEM)
        guard case .validCertificate = await verifier.validate(leaf: leaf, intermediates: CertificateStore([int])) else {
            fatalError("swift-certificates refused the bench chain")
        }
    }
    add("peer_swift_certificates_verifier_\(label)_3level", scRate, rawName, raw, note: "leaf parsed from PEM each time")
}

// MARK: CRL

let crlChain = makeChain("crl", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
let crlStore = try! TrustStore(pem: Array(crlChain.root.utf8))
for n in !want("crl") ? [] : smoke ? [10_000, 20_000] : [1_000_000, 10_000_000] {
    let label = n >= 1_000_000 ? "\(n / 1_000_000)m" : "\(n / 1000)k"
    var der: UnsafeMutablePointer<UInt8>? = nil
    var derLen = 0
    let serials = UnsafeMutableRawBufferPointer.allocate(byteCount: n * 20, alignment: 8)
    defer { serials.deallocate() }
    precondition(vb_crl_build(crlChain.root, crlChain.rootKey, n, &der, &derLen, serials.baseAddress!.assumingMemoryBound(to: UInt8.self)) == 0)
    defer { free(der) }
    let derBuf = UnsafeBufferPointer(start: der, count: derLen)

    // the median of five loads, each building a fresh revocation set
    var loads: [Double] = []
    var loaded: RevocationList? = nil
    for _ in 0..<(smoke ? 1 : 5) {
        loaded = nil
        let t0 = vb_now()
        loaded = try! RevocationList(data: derBuf, trustStore: crlStore)
        loads.append(vb_now() - t0)
    }
    let crl = loaded!
    let loadSeconds = loads.sorted()[loads.count / 2]
    precondition(crl.count == n && crl.signatureChecked)
    let bytes = Double(crl.memoryBytes) / Double(n)

    var osslBytes = 0.0
    let first = n == (smoke ? 10_000 : 1_000_000)
    let osslLoad = first ? vb_openssl_crl_load_seconds(der, derLen, &osslBytes) : -1
    add("crl_load_\(label)_serials_signature_checked", 1 / loadSeconds, "OpenSSL d2i_X509_CRL (no signature check)",
        osslLoad > 0 ? 1 / osslLoad : nil, note: String(format: "loads per second; %.1f ms per load (median of %d; first %.1f ms)", loadSeconds * 1000,
                     loads.count, loads[0] * 1000))
    add("crl_memory_\(label)_bytes_per_serial", nil, "OpenSSL X509_CRL", nil,
        note: String(format: "%.1f bytes per serial (OpenSSL: %@)", bytes, first ? String(format: "%.1f", osslBytes) : "not measured"))

    // lookups in random order, present and absent. The serials to look up are laid out
    // beforehand, in the order they are asked for: a login has its serial at hand (it
    // has just read the certificate), so fetching it is not part of the lookup.
    let lookups = smoke ? 20_000 : 2_000_000
    var x: UInt64 = 88172645463325252
    let present = UnsafeMutableRawBufferPointer.allocate(byteCount: lookups * 20, alignment: 8)
    let absent = UnsafeMutableRawBufferPointer.allocate(byteCount: lookups * 20, alignment: 8)
    defer { present.deallocate(); absent.deallocate() }
    for k in 0..<lookups {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17
        let i = Int(x % UInt64(n))
        present.baseAddress!.advanced(by: k * 20).copyMemory(from: serials.baseAddress!.advanced(by: i * 20), byteCount: 20)
        for b in 0..<20 {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            absent[k * 20 + b] = UInt8(truncatingIfNeeded: x)
        }
        absent[k * 20] |= 0x80 // generated serials are positive: 0x80 first byte is never present
    }
    func timeLookups(_ keys: UnsafeMutableRawBufferPointer) -> (ns: Double, hits: Int) {
        var hits = 0
        let t = vb_now()
        for k in 0..<lookups where crl.contains(serial: UnsafeRawBufferPointer(rebasing: keys[(k * 20)..<(k * 20 + 20)])) {
            hits += 1
        }
        return ((vb_now() - t) / Double(lookups) * 1e9, hits)
    }
    let (presentNs, presentHits) = timeLookups(present)
    precondition(presentHits == lookups)
    let (absentNs, absentHits) = timeLookups(absent)
    precondition(absentHits == 0)
    let memNs = vb_random_read_ns(crl.memoryBytes, smoke ? 20_000 : 2_000_000)
    let osslNs = first ? vb_openssl_crl_lookup_ns(der, derLen, serials.baseAddress!.assumingMemoryBound(to: UInt8.self), n, smoke ? 2000 : 1_000_000) : -1
    add("crl_lookup_present_\(label)", 1e9 / presentNs, "OpenSSL X509_CRL_get0_by_serial", osslNs > 0 ? 1e9 / osslNs : nil,
        note: String(format: "%.1f ns per lookup; one dependent random read in a table of the same size: %.1f ns", presentNs, memNs))
    add("crl_lookup_absent_\(label)", 1e9 / absentNs, "OpenSSL X509_CRL_get0_by_serial (present)", osslNs > 0 ? 1e9 / osslNs : nil,
        note: String(format: "%.1f ns per lookup; one dependent random read in a table of the same size: %.1f ns", absentNs, memNs))
}

// MARK: JWT

if want("jwt") { jwtBench() }

// MARK: SSH certificates

if want("ssh") { sshBench() }

// MARK: RSA key generation, and the core on N threads at once

if want("keygen") { keygenBench() }
if want("threads") { threadsBench() }

// MARK: logins through the service, in-process

if want("service") {
    let c = makeChain("svc", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
    serviceBench(rootPEM: c.root + c.int, leafPEM: c.leaf)
}

// MARK: logins over HTTP

if !want("http") {
    log("HTTP logins not measured (--only)")
} else if let i = args.firstIndex(of: "--vouch") {
    let c = makeChain("http", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
    // as behind nginx: the leaf alone in the header, the intermediate in the identity's CA bundle
    httpBench(vouch: args[i + 1], pkiDir: dir, rootPEM: c.root + c.int, leafPEM: c.leaf)
} else {
    log("no --vouch PATH: HTTP logins not measured")
}

// MARK: logins over Vouch's own mTLS listener, a new connection each (resumed or not)

if want("mtls"), let i = args.firstIndex(of: "--vouch") {
    httpMTLSBench(vouch: args[i + 1], pkiDir: dir, secs: smoke ? 1 : 10)
}

// MARK: logins as the server's cores grow (make bench-scale): when asked by name, and briefly in a smoke run

if only?.contains("scale") == true || (smoke && only == nil) {
    if let i = args.firstIndex(of: "--vouch") { scaleBench(vouch: args[i + 1]) } else { log("no --vouch PATH: scale not measured") }
}

// MARK: configuration at scale (ConfigScaleBench.swift)

if !want("config") {
    log("configuration scale not measured (--only)")
} else if let i = args.firstIndex(of: "--vouch") {
    configScaleBench(vouch: args[i + 1])
} else {
    log("no --vouch PATH: configuration scale not measured")
}

// MARK: several nodes on one PostgreSQL behind nginx (ClusterBench.swift)

if !want("cluster") {
    log("several nodes not measured (--only)")
} else if let i = args.firstIndex(of: "--vouch") {
    clusterBench(vouch: args[i + 1])
} else {
    log("no --vouch PATH: several nodes not measured")
}

let enc = JSONEncoder()
enc.outputFormatting = [.prettyPrinted, .sortedKeys]
try! enc.encode(results).write(to: URL(fileURLWithPath: outPath))
log("wrote \(outPath)\(smoke ? " (smoke run: figures are meaningless)" : "")")
