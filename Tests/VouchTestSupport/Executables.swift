// Executables.swift: where the built `vouch` is, for tests that run it as a user would.
import Foundation

/// The built `vouch` executable (beside the test bundle).
public func vouchBinary() -> String {
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let beside = dir.appendingPathComponent("vouch").path
    if FileManager.default.isExecutableFile(atPath: beside) { return beside }
    return Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("vouch").path
}
