// Repository.swift: where the repository's own files are, for tests that read them (the
// README, scripts, the public test vectors under Tests/Vectors). The only place a test
// finds a file by its own location; nothing here reaches outside the repository.
import Foundation

public enum Repository {
    /// The repository's root: this file is Tests/VouchTestSupport/Repository.swift.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A file under the repository's root ("README.md", "scripts/demo-pki.sh").
    public static func file(_ path: String) -> URL { root.appendingPathComponent(path) }

    /// A public test vector under Tests/Vectors (see Tests/Vectors/README.md for where each
    /// comes from). A missing vector fails the test that needs it, never skips it.
    public static func vector(_ path: String) throws -> URL {
        let url = root.appendingPathComponent("Tests/Vectors").appendingPathComponent(path)
        guard FileManager.default.fileExists(atPath: url.path) else { throw MissingVector(path: url.path) }
        return url
    }
}

public struct MissingVector: Error, CustomStringConvertible {
    public let path: String
    public var description: String { "test vector not found: \(path)" }
}
