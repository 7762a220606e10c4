// SSHBench.swift: OpenSSH certificates signed per second for each CA key type, request in
// and encoded certificate out, next to the raw signature of the same key over the same
// bytes in the same run; peers: `ssh-keygen -s` (a process per certificate, what an
// operator would otherwise script) and Python cryptography's SSHCertificateBuilder.
import CVouchBench
import Foundation
import VouchCore

/// Python cryptography signing the same certificate in a loop; prints certificates/s.
let sshPeerPython = #"""
import sys, time
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import ssh
key = serialization.load_pem_private_key(open(sys.argv[1], "rb").read(), None)
subject = serialization.load_ssh_public_key(open(sys.argv[2], "rb").read())
secs = float(sys.argv[3])
now = int(time.time())
n, t0 = 0, time.perf_counter()
while True:
    b = (ssh.SSHCertificateBuilder().public_key(subject).serial(7).type(ssh.SSHCertificateType.USER)
         .key_id(b"bench").valid_principals([b"alice", b"deploy"]).valid_after(now - 30).valid_before(now + 3600)
         .add_critical_option(b"source-address", b"10.0.0.0/8").add_extension(b"permit-pty", b"")
         .add_extension(b"permit-agent-forwarding", b""))
    b.sign(key).public_bytes()
    n += 1
    t = time.perf_counter() - t0
    if t >= secs:
        break
print(n / t)
"""#

func sshBench() {
    let subjectPath = dir.appendingPathComponent("ssh-user").path
    sh(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "alice@laptop", "-f", subjectPath])
    let subject = try! SSHPublicKey(line: String(contentsOfFile: subjectPath + ".pub", encoding: .utf8))
    let now = UInt64(Date().timeIntervalSince1970)
    var q = SSHCertificateRequest(key: subject, type: .user, validAfter: now - 30, validBefore: now + 3600)
    q.serial = 7
    q.keyID = "bench"
    q.principals = ["alice", "deploy"]
    q.criticalOptions = ["source-address": "10.0.0.0/8"]
    q.extensions = ["permit-pty", "permit-agent-forwarding"]

    for (label, args, raw) in [
        ("rsa2048", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], "OpenSSL, prepared context, SHA-512"),
        ("rsa4096", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:4096"], "OpenSSL, prepared context, SHA-512"),
        ("p256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], "OpenSSL ECDSA_do_sign"),
        ("p384", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"], "nettle"),
        ("ed25519", ["-algorithm", "ed25519"], "libsodium"),
    ] {
        let keyPath = dir.appendingPathComponent("ssh-ca-\(label).pem").path
        sh(["openssl", "genpkey"] + args + ["-out", keyPath])
        let pem = try! String(contentsOfFile: keyPath, encoding: .utf8)
        let ca = SSHCertificateAuthority(key: try! SSHPrivateKey(pem: Array(pem.utf8)))
        let sample = try! ca.sign(q)
        precondition((try? sample.parse()) != nil, "the bench certificate must verify")
        // the raw signature covers the same bytes: the certificate up to its signature
        let body = signedPart(sample.blob, caKey: ca.key.publicKey.blob)
        let rawName = "raw \(label) signature of the certificate's bytes (\(raw))"
        let (ours, base) = paired({ s in rate(s) { _ = try! ca.sign(q) } }, { s in vb_raw_ssh_sign(pem, body, body.count, s) })
        add("ssh_cert_sign_\(label)", ours, rawName, base,
            note: "median of alternating rounds; request in, encoded certificate out (32-byte nonce, 2 principals, source-address, 2 extensions)")

        // ssh-keygen -s, a process per certificate, the CA key in OpenSSH's format
        let caFile = dir.appendingPathComponent("ssh-ca-\(label)").path
        try! ca.key.openSSHFormat().write(toFile: caFile, atomically: true, encoding: .utf8)
        chmod(caFile, 0o600)
        let keygenArgs = ["/usr/bin/ssh-keygen", "-q", "-s", caFile, "-I", "bench", "-n", "alice,deploy", "-V", "-30s:+1h", "-z", "7",
                          "-O", "clear", "-O", "source-address=10.0.0.0/8", "-O", "permit-pty", "-O", "permit-agent-forwarding",
                          subjectPath + ".pub"]
        let argv = keygenArgs.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let keygen = argv.withUnsafeBufferPointer { p in
            p.withMemoryRebound(to: UnsafePointer<CChar>?.self) { vb_spawn_rate($0.baseAddress, smoke ? 0.01 : seconds) }
        }
        add("peer_ssh_keygen_s_\(label)", keygen, rawName, base, note: "OpenSSH ssh-keygen -s, one process per certificate (the signature is a small part)")
        let py = Double(String(decoding: sh(["python3", "-c", sshPeerPython, keyPath, subjectPath + ".pub", String(smoke ? 0.02 : seconds)]),
                               as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        add("peer_python_cryptography_\(label)", py, rawName, base, note: "Python cryptography's SSHCertificateBuilder.sign, same fields")
    }
}

/// The signed part of a certificate: everything up to and including the signature key
/// field (the CA's public key), which comes right before the signature.
func signedPart(_ blob: [UInt8], caKey: [UInt8]) -> [UInt8] {
    let n = caKey.count
    let field = [UInt8(n >> 24 & 0xff), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] + caKey
    var off = blob.count - field.count
    while off > 0 && Array(blob[off..<(off + field.count)]) != field { off -= 1 }
    precondition(off > 0, "the signature key field must be in the certificate")
    return Array(blob.prefix(off + field.count))
}
