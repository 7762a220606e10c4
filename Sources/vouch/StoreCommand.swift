// StoreCommand.swift: `vouch store copy`: moves a deployment from one store to another (the
// embedded SQLite to PostgreSQL, most of all; any to any), everything or nothing, into a store
// that holds nothing yet. Bad input, a store that cannot be opened and a target that is not
// empty exit 2 with `error (code): message`; no message ever holds a password.
import ArgumentParser
import Foundation
import VouchService

struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "Work on a Vouch store as a whole.", subcommands: [StoreCopyCommand.self])
}

struct StoreCopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy", abstract: "Copy everything a store holds into a new, empty store (SQLite to PostgreSQL, say).",
        discussion: """
            Copies, in one transaction on the target (all or nothing): meta (the sealed token \
            signing key, the admin token's hash), identities and their auth methods, cert roles, \
            CRLs, every configuration document (auth mounts, policies, SSH CAs and templates), \
            SSH certificates and revocations in their order, and the tokens not past their max \
            expiry with their uses, expiry and revocation. The source is read in one snapshot and \
            not changed; a target that holds anything is refused. Stop the servers of the source \
            during the copy: what they change after the snapshot is not copied.

            Stores: sqlite:DATA_DIR (the data directory holding vouch.db, or the .db file), \
            postgres://USER@HOST[:PORT]/DATABASE (or postgresql://). A PostgreSQL password comes \
            from --from-password-file or --to-password-file, else the URL, else PGPASSWORD.

            The master key does not move: every node serving the copy needs the master.key of the \
            source's data directory (on PostgreSQL: vouch serve --master-key-file).
            """)

    @Option(help: "The store to copy from: sqlite:DATA_DIR or postgres://USER@HOST/DATABASE.")
    var from: String

    @Option(help: "The empty store to copy into: sqlite:DATA_DIR or postgres://USER@HOST/DATABASE.")
    var to: String

    @Option(help: "A file holding the password of the --from database.")
    var fromPasswordFile: String?

    @Option(help: "A file holding the password of the --to database.")
    var toPasswordFile: String?

    /// A store named on the command line.
    enum Location {
        /// The database file, and the data directory it is in.
        case sqlite(file: String, dataDir: String)
        case postgres(url: String, password: String?)
    }

    /// Passwords met so far, taken out of any message before it is printed.
    final class Secrets {
        var values: [String] = []
        func redact(_ text: String) -> String {
            values.filter { !$0.isEmpty }.reduce(text) { $0.replacingOccurrences(of: $1, with: "****") }
        }
    }

    func run() async throws {
        let secrets = Secrets()
        var opened: [any Store] = []
        var failure: (any Error)?
        do {
            let source = try location(from, flag: "--from", passwordFile: fromPasswordFile, target: false, secrets: secrets)
            let target = try location(to, flag: "--to", passwordFile: toPasswordFile, target: true, secrets: secrets)
            let sourceStore = try await open(source, flag: "--from", target: false, secrets: secrets)
            opened.append(sourceStore)
            let targetStore = try await open(target, flag: "--to", target: true, secrets: secrets)
            opened.append(targetStore)
            let summary = try await StoreCopy.copy(from: sourceStore, to: targetStore, now: Int64(Date().timeIntervalSince1970))
            print("Copied \(describe(source)) to \(describe(target)):")
            print(summary.text)
            print(masterKeyReminder(source, target))
        } catch {
            failure = error
        }
        for s in opened { await (s as? PostgresStore)?.shutdown() }
        switch failure {
        case nil: return
        case let exit as ExitCode: throw exit
        case let e as ServiceError:
            warn(secrets.redact("error (\(e.code)): \(e.message)" + (e.detail.map { " (\($0))" } ?? "")))
        case let e?: warn(secrets.redact("error (store_copy_failed): \(e)"))
        }
        throw ExitCode(2)
    }

    /// Refuses with `error (code): message` on standard error, exit 2.
    func refuse(_ code: String, _ message: String) -> ExitCode {
        warn("error (\(code)): \(message)")
        return ExitCode(2)
    }

    /// Reads a store's name (never repeating it in a message: it may hold a password). A
    /// source must exist; a target data directory that does not is made (mode 0700).
    func location(_ text: String, flag: String, passwordFile: String?, target: Bool, secrets: Secrets) throws -> Location {
        let lower = text.lowercased()
        if lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://") {
            let inURL = (try? PostgresURL(text))?.password
            if let inURL { secrets.values.append(inURL) }
            // libpq's order: a password given apart, else the URL's, else PGPASSWORD
            var password: String?
            if let passwordFile {
                let bytes = try readInput(passwordFile, what: "\(flag) password", limit: 4096)
                password = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .newlines)
            } else if inURL == nil {
                password = ProcessInfo.processInfo.environment["PGPASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
            }
            if let password { secrets.values.append(password) }
            do {
                _ = try PostgresURL(text, password: password)
            } catch let e as ServiceError {
                throw refuse(e.code, "\(flag): \(e.message)")
            }
            return .postgres(url: text, password: password)
        }
        guard lower.hasPrefix("sqlite:") else {
            throw refuse("store_url", "\(flag) must be sqlite:DATA_DIR or postgres://USER@HOST/DATABASE")
        }
        var path = String(text.dropFirst("sqlite:".count))
        if path.hasPrefix("//") { path.removeFirst(2) }  // sqlite:///abs/path
        guard !path.isEmpty else { throw refuse("store_url", "\(flag): sqlite: needs a path (sqlite:DATA_DIR)") }
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        let exists = fm.fileExists(atPath: path, isDirectory: &isDirectory)
        if exists && !isDirectory.boolValue { return .sqlite(file: path, dataDir: (path as NSString).deletingLastPathComponent) }
        if exists {
            let file = path + "/vouch.db"
            guard target || fm.fileExists(atPath: file) else { throw refuse("store_not_found", "\(flag): \(path) holds no vouch.db") }
            return .sqlite(file: file, dataDir: path)
        }
        guard target else { throw refuse("store_not_found", "\(flag): \(path) does not exist") }
        if path.hasSuffix(".db") { return .sqlite(file: path, dataDir: (path as NSString).deletingLastPathComponent) }
        return .sqlite(file: path + "/vouch.db", dataDir: path)
    }

    /// Opens a store: SQLite as a server would (a source's file must exist: opening never
    /// makes one), PostgreSQL with few connections and no statement timeout (a large table's
    /// rows are read in one statement each). A store that cannot be opened is refused, naming
    /// its flag.
    func open(_ location: Location, flag: String, target: Bool, secrets: Secrets) async throws -> any Store {
        do {
            return try await open(location, target: target)
        } catch let e as ServiceError {
            throw refuse(e.code, secrets.redact("\(flag): \(e.message)" + (e.detail.map { " (\($0))" } ?? "")))
        } catch {
            throw refuse("store_open", secrets.redact("\(flag): \(error)"))
        }
    }

    private func open(_ location: Location, target: Bool) async throws -> any Store {
        switch location {
        case .sqlite(let file, let dataDir):
            if target && !FileManager.default.fileExists(atPath: dataDir.isEmpty ? "." : dataDir) {
                try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
            return try SQLiteStore(path: file)
        case .postgres(let url, let password):
            var settings = PostgresSettings()
            settings.maxConnections = 2
            settings.statementTimeout = nil
            settings.leaseTimeout = .seconds(30)
            return try await PostgresStore(url: url, password: password, settings: settings)
        }
    }

    /// A store's name for people: the file, or where the database is (never a password).
    func describe(_ location: Location) -> String {
        switch location {
        case .sqlite(let file, _): "sqlite:\(file)"
        case .postgres(let url, _): "postgres://" + ((try? PostgresURL(url))?.location ?? "")
        }
    }

    /// What the operator must do about the master key, which stays where it is.
    func masterKeyReminder(_ source: Location, _ target: Location) -> String {
        let key: String
        if case .sqlite(_, let dir) = source {
            key = (dir.isEmpty ? "." : dir) + "/master.key"
        } else {
            key = "the master.key of the source's nodes"
        }
        var text = "The master key does not move with the store: every node serving the copy needs \(key)"
        switch target {
        case .postgres: text += " (vouch serve --master-key-file)."
        case .sqlite(_, let dir): text += ", as master.key (mode 0600) in \(dir.isEmpty ? "." : dir)."
        }
        return text
    }
}
