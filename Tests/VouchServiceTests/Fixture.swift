// Fixture.swift: a Vouch service in a fresh data directory, with a clock the test moves.
import Foundation
import Synchronization
import VouchService
import VouchTestSupport

final class Clock: Sendable {
    private let t = Mutex(Int64(Date().timeIntervalSince1970))
    var now: Int64 { t.withLock { $0 } }
    func advance(_ seconds: Int64) { t.withLock { $0 += seconds } }
}

struct Fixture {
    let dir: String
    let clock = Clock()
    let vouch: Vouch
    let adminToken: String
    let auditPath: String

    init(keyRefetchInterval: Int64 = 10) async throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("vouch-svc-\(UUID().uuidString)").path
        auditPath = dir + "-audit.log"
        let clock = self.clock
        let (v, first) = try await Vouch.open(dataDir: dir, adminTokenFile: nil, audit: try AuditLog(path: auditPath),
                                              keyRefetchInterval: keyRefetchInterval, now: { clock.now })
        vouch = v
        adminToken = first.adminToken!
    }

    /// A second service over the same data directory: what a restart sees.
    func restarted() async throws -> Vouch {
        let clock = self.clock
        let (v, first) = try await Vouch.open(dataDir: dir, adminTokenFile: nil, audit: try AuditLog(path: auditPath),
                                        now: { clock.now })
        precondition(first.adminToken == nil, "a restart makes no new admin token")
        return v
    }

    /// The audit log as written so far (the service's buffered lines flushed first).
    var audit: String {
        vouch.audit.flush()
        return (try? String(contentsOfFile: auditPath, encoding: .utf8)) ?? ""
    }
}
