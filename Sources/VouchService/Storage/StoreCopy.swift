// StoreCopy.swift: moving a deployment from one store to another (`vouch store copy`, SQLite
// to PostgreSQL most of all): every row the service keeps, read from the source in one
// snapshot and written into an empty target in one transaction, as stored: documents' bytes,
// token counters, SSH certificates' cursors and revocations' sequence numbers unchanged (no
// decoding and encoding again on the way). The change log is not copied: the target's own
// triggers log the rows as they are written, and a node reads the whole configuration at
// start anyway. Tokens past their max expiry are left behind (a purge would drop them).
import Foundation

/// A column's value as stored.
enum StoredValue: Sendable, Equatable {
    case int(Int64)
    case text(String)
    case bytes([UInt8])

    /// How many bytes it takes (for sizing batches).
    var size: Int {
        switch self {
        case .int: 8
        case .text(let s): s.utf8.count
        case .bytes(let b): b.count
        }
    }
}

/// A table the copy moves, described once for both stores: its columns (the same names and
/// kinds in both schemas: TEXT; BLOB or BYTEA; INTEGER or BIGINT) in the order the values
/// of a row are kept.
struct CopiedTable: Sendable {
    enum ColumnType: Sendable { case text, bytes, int }

    struct Column: Sendable {
        let name: String
        let type: ColumnType
        /// The column's name in SQLite when it differs (the SSH certificates' cursor is the rowid).
        var sqliteName: String? = nil
    }

    let name: String
    let columns: [Column]
    /// The columns that order the rows (a unique key): the same order from either store.
    let order: [String]
    /// The column that numbers rows in the order they were made, kept as is: SQLite's rowid or
    /// AUTOINCREMENT, PostgreSQL's identity column, whose sequence then continues after it.
    var ordinal: String? = nil
    /// The column of a row's hard expiry: only rows not past it at the copy's time are copied.
    var liveUntil: String? = nil

    static func text(_ names: String...) -> [Column] { names.map { Column(name: $0, type: .text) } }
    static func ints(_ names: String...) -> [Column] { names.map { Column(name: $0, type: .int) } }
    static func bytes(_ name: String) -> Column { Column(name: name, type: .bytes) }

    static let meta = CopiedTable(name: "meta", columns: text("key") + [bytes("value")], order: ["key"])
    static let identities = CopiedTable(name: "identities", columns: text("id", "name", "doc"), order: ["id"])
    static let tlsCertAuth = CopiedTable(name: "tls_cert_auth", columns: text("identity_id", "doc"), order: ["identity_id"])
    static let certRoles = CopiedTable(name: "cert_roles", columns: text("name", "doc"), order: ["name"])
    static let crls = CopiedTable(name: "crls", columns: text("name") + [bytes("data")], order: ["name"])
    static let documents = CopiedTable(name: "documents", columns: text("kind", "key") + [bytes("doc")], order: ["kind", "key"])
    static let sshCertificates = CopiedTable(
        name: "ssh_certificates",
        columns: [Column(name: "cursor", type: .int, sqliteName: "rowid")] + text("mount", "serial", "key_id") + ints("issued_at") + text("doc"),
        order: ["cursor"], ordinal: "cursor")
    static let sshRevocations = CopiedTable(
        name: "ssh_revocations", columns: ints("seq") + text("ca", "kind", "value", "ca_key") + ints("revoked_at") + text("doc"),
        order: ["seq"], ordinal: "seq")
    static let tokens = CopiedTable(
        name: "tokens",
        columns: text("id", "accessor", "subject", "auth_method") + ints("expires_at", "max_expires_at", "uses", "uses_limit", "revoked")
            + text("doc"),
        order: ["id"], liveUntil: "max_expires_at")

    /// Every table with the service's data, in the order they are written (an identity before
    /// its TLS auth). Not copied: the change log (the target's own) and the schema's version.
    static let all = [meta, identities, tlsCertAuth, certRoles, crls, documents, sshCertificates, sshRevocations, tokens]

    func column(_ name: String) -> Column? { columns.first { $0.name == name } }
}

/// Every copied table's rows as stored, each row's values in its table's column order.
struct StoredRows: Sendable, Equatable {
    var tables: [String: [[StoredValue]]] = [:]

    func rows(_ table: CopiedTable) -> [[StoredValue]] { tables[table.name] ?? [] }

    /// Rows per table.
    var counts: [String: Int] { tables.mapValues(\.count) }

    /// Refuses a target that holds anything (`counts`: its rows per table, read in the
    /// transaction that would write it).
    static func requireEmpty(_ counts: [String: Int]) throws {
        let held = CopiedTable.all.compactMap { t in counts[t.name].flatMap { $0 > 0 ? "\(t.name): \($0)" : nil } }
        guard held.isEmpty else {
            throw ServiceError(.conflict, "target_not_empty",
                               "the target store already holds data (\(held.joined(separator: ", "))); copy only into a new, empty store")
        }
    }

    /// Checks, before the target's transaction commits, that it holds exactly these rows' count
    /// in every table.
    func verify(_ counts: [String: Int]) throws {
        for t in CopiedTable.all where counts[t.name] ?? 0 != rows(t).count {
            throw ServiceError(.conflict, "copy_mismatch",
                               "\(t.name): \(rows(t).count) rows copied, but the target holds \(counts[t.name] ?? 0); nothing was written")
        }
    }
}

/// A store whose rows can be read whole and written whole (what `StoreCopy` needs).
protocol CopyableStore: Store {
    /// Every copied table's rows, read in one read-only transaction (one snapshot); of the
    /// tokens, those not past their max expiry at `now`.
    func storedRows(now: Int64) async throws -> StoredRows
    /// Writes `rows` into this store in one transaction, after checking in it that the store
    /// is empty (else `target_not_empty`, nothing written); returns the rows per table the
    /// transaction holds before it commits, once they are verified to be those of `rows`.
    func insertStoredRows(_ rows: StoredRows) async throws -> [String: Int]
}

/// Copies one store into another (see the top of this file).
public enum StoreCopy {
    /// What was copied.
    public struct Summary: Sendable {
        /// Rows per table, in the order written.
        public var tables: [(name: String, rows: Int)]
        /// Configuration documents per kind, by kind.
        public var documentKinds: [(kind: String, count: Int)]
        /// The meta keys copied (the sealed token signing key, the admin token's hash, ...).
        public var metaKeys: [String]

        /// A few lines for people: rows per table, documents per kind.
        public var text: String {
            let width = tables.map(\.name.count).max() ?? 0
            return tables.map { t in
                var line = "  " + t.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  \(t.rows)"
                if t.name == "meta", !metaKeys.isEmpty { line += "  (\(metaKeys.joined(separator: ", ")))" }
                if t.name == "documents", !documentKinds.isEmpty { line += "  (" + documentKinds.map { "\($0.kind) \($0.count)" }.joined(separator: ", ") + ")" }
                if t.name == "tokens" { line += "  (those not past their max expiry)" }
                return line
            }.joined(separator: "\n")
        }
    }

    /// Copies everything `source` keeps into `target`, which must be empty: read in one
    /// snapshot, written in one transaction (all or nothing), the counts per table checked
    /// before it commits. `now` decides which tokens are still live.
    public static func copy(from source: any Store, to target: any Store, now: Int64) async throws -> Summary {
        guard let source = source as? any CopyableStore, let target = target as? any CopyableStore else {
            throw ServiceError.badRequest("store_not_copyable", "only the SQLite and PostgreSQL stores can be copied")
        }
        let rows = try await source.storedRows(now: now)
        let written = try await target.insertStoredRows(rows)
        var kinds: [String: Int] = [:]
        for row in rows.rows(.documents) { if case .text(let kind) = row[0] { kinds[kind, default: 0] += 1 } }
        return Summary(
            tables: CopiedTable.all.map { ($0.name, written[$0.name] ?? 0) },
            documentKinds: kinds.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
            metaKeys: rows.rows(.meta).compactMap { if case .text(let k) = $0[0] { k } else { nil } })
    }
}
