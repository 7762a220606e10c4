// PlainPKI.swift (test support): certificates made with Python `cryptography`'s plain
// builder (Tests/Tools/plain_pki.py): CAs with basicConstraints only, leaves with no
// extensions, as many users make them. Go and Vault accept them; Vouch warns.
import Foundation

public struct PlainPKI: Sendable {
    public let dir: URL

    /// Makes root, root-nc, inter, client, client-nc and client-inter (see the script).
    public init(in pki: PKI) throws {
        dir = pki.dir.appendingPathComponent("plain-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try PKI.run(["python3", Repository.file("Tests/Tools/plain_pki.py").path, dir.path])
    }

    public func certPath(_ name: String) -> String { dir.appendingPathComponent("\(name).pem").path }
    public func keyPath(_ name: String) -> String { dir.appendingPathComponent("\(name).key").path }
    public func pem(_ name: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: certPath(name))) }
}
