// ServiceBench.swift: a TLS certificate login through the service layer in-process (no
// HTTP): chain verification, name checks, the token issued, stored (group commit) and
// signed, the audit line; N logins at once. Next to the core's verification of the same
// chain on one thread, in the same run, so the difference is the service's own cost.
import CVouchBench
import Foundation
import VouchCore
import VouchService

/// A service on its own data directory with one identity whose TLS auth trusts `rootPEM`.
func serviceWithTLSIdentity(rootPEM: String, name: String) async -> (Vouch, AuditLog, identityId: String) {
    let dataDir = dir.appendingPathComponent("\(name)-data").path
    let audit = try! AuditLog(path: dataDir + "-audit.log")
    let (vouch, _) = try! await Vouch.open(dataDir: dataDir, adminTokenFile: nil, audit: audit)
    let identity = try! await vouch.createIdentity(name: "bench", role: nil, policies: nil, remote: nil)
    var input = TLSCertAuthInput()
    input.caCertificate = rootPEM
    input.allowedCommonNames = "bench-leaf-*"
    _ = try! await vouch.attachTLSCertAuth(identityId: identity.id, input, remote: nil)
    return (vouch, audit, identity.id)
}

/// Logins per second with `concurrency` logins at once for `seconds`.
func serviceLogins(_ vouch: Vouch, identityId: String, leafPEM: String, concurrency: Int, seconds: Double) async -> Double {
    let chain = Array(leafPEM.utf8)
    let t0 = vb_now()
    let n = await withTaskGroup(of: Int.self) { group in
        for _ in 0..<concurrency {
            group.addTask {
                var n = 0
                while vb_now() - t0 < seconds {
                    _ = try! await vouch.loginTLSCertAuth(identityId: identityId, chain: chain, remote: "127.0.0.1")
                    n += 1
                }
                return n
            }
        }
        return await group.reduce(0, +)
    }
    return Double(n) / (vb_now() - t0)
}

func serviceBench(rootPEM: String, leafPEM: String) {
    let secs = smoke ? 0.05 : 3.0
    let figures = blocking { () -> [(Int, Double)] in
        let (vouch, audit, id) = await serviceWithTLSIdentity(rootPEM: rootPEM, name: "service")
        var figures: [(Int, Double)] = []
        for concurrency in [1, 32] {
            figures.append((concurrency, await serviceLogins(vouch, identityId: id, leafPEM: leafPEM, concurrency: concurrency, seconds: secs)))
        }
        audit.flush()
        return figures
    }
    let store = try! TrustStore(pem: Array(rootPEM.utf8))
    let leaf = Array(leafPEM.utf8)
    precondition(store.verify(chain: leaf).isAccepted, "bench chain must verify")
    let core = rate { _ = store.verify(chain: leaf).isAccepted }
    for (concurrency, r) in figures {
        add("service_tls_login_p256_\(concurrency)_at_once", r, "core chain verification of the same chain, one thread", core,
            note: "in-process, no HTTP: verify, names, token issued, group-committed to SQLite, signed, audited; "
                + "\(concurrency) logins at once on every core")
    }
}
