// Vouch.swift: the `vouch` command line: the root command and its exit-code discipline.
// Exit codes: 0 accepted/ok, 1 refused by the rules, 2 unusable input (including bad flags).
import ArgumentParser
import Foundation
import VouchService

@main
struct VouchCLI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vouch",
        abstract: "Machine-identity login server and SSH certificate authority.",
        subcommands: [ServeCommand.self, CertCommand.self, CRLCommand.self, JWTCommand.self, SSHCommand.self, LoginCommand.self, StoreCommand.self]
    )

    static func main() async {
        do {
            var command = try parseAsRoot()
            if var async = command as? AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
    }
}

/// Prints to standard error (after the log lines waiting in their buffer).
func warn(_ text: String) {
    LineWriter.standardError.flush()
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Reads a whole file, or exits 2 naming it.
func readInput(_ path: String, what: String, limit: Int = 64 << 20) throws -> Data {
    let stdin = path == "-"
    guard let handle = stdin ? FileHandle.standardInput : try? FileHandle(forReadingFrom: URL(fileURLWithPath: path)) else {
        warn("error (unreadable_file): cannot read \(what) file \(path)")
        throw ExitCode(2)
    }
    defer { if !stdin { try? handle.close() } }
    let data: Data
    do {
        data = try handle.read(upToCount: limit + 1) ?? Data()
    } catch {
        warn("error (unreadable_file): cannot read \(what) file \(path): \(error.localizedDescription)")
        throw ExitCode(2)
    }
    if data.count > limit {
        warn("error (input_too_large): \(what) file \(path) is larger than \(limit) bytes")
        throw ExitCode(2)
    }
    return data
}

/// ISO 8601 in UTC, seconds precision.
func iso(_ date: Date) -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    return f.string(from: date)
}
