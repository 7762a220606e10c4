// Store.swift: what the service keeps, behind one protocol: SQLite embedded (the
// default), PostgreSQL for several nodes on one database. Every method is one atomic step,
// and asynchronous: the store does its work on its own threads (or connections), never on
// the caller's.
import Foundation

public enum UseOutcome: Sendable, Equatable {
    case used(TokenRecord)   // counted; the record after the use
    case notFound
    case revoked
    case expired
    case exhausted           // no uses left
}

/// Every login configuration at once, read in one transaction (for the config snapshot).
public struct Configuration: Sendable {
    public var identities: [Identity]
    public var tlsCertAuths: [TLSCertAuthConfig]
    public var certRoles: [CertRole]
    public var crls: [(name: String, data: [UInt8])]
    /// The documents of the newer auth methods (Store.putDocument), by kind.
    public var documents: [String: [(key: String, doc: [UInt8])]] = [:]
    /// The change log's last sequence number, read in the same transaction: the
    /// configuration is the one every change up to it made.
    public var seq: Int64 = 0
}

/// What changed in the configuration after a sequence number of the change log: the
/// current row of every (kind, key) changed since (nil: deleted), read in one transaction
/// with the log's last sequence number. Keys are the tables' keys (an identity's id, the
/// identity id of its TLS auth, a cert role's or CRL's name, a document's kind and key).
public struct ConfigurationDelta: Sendable {
    /// The log's last sequence number: the delta brings a configuration up to it.
    public var seq: Int64
    public var identities: [(id: String, identity: Identity?)] = []
    public var tlsCertAuths: [(identityId: String, config: TLSCertAuthConfig?)] = []
    public var certRoles: [(name: String, role: CertRole?)] = []
    public var crls: [(name: String, data: [UInt8]?)] = []
    public var documents: [(kind: String, key: String, doc: [UInt8]?)] = []

    public init(seq: Int64) { self.seq = seq }

    /// How many (kind, key) changed.
    public var count: Int { identities.count + tlsCertAuths.count + certRoles.count + crls.count + documents.count }
}

extension Configuration {
    /// The whole configuration as the changes that make it from nothing.
    var asDelta: ConfigurationDelta {
        var d = ConfigurationDelta(seq: seq)
        d.identities = identities.map { ($0.id, $0) }
        d.tlsCertAuths = tlsCertAuths.map { ($0.identityId, $0) }
        d.certRoles = certRoles.map { ($0.name, $0) }
        d.crls = crls.map { ($0.name, $0.data) }
        d.documents = documents.keys.sorted().flatMap { kind in (documents[kind] ?? []).map { (kind, $0.key, $0.doc) } }
        return d
    }
}

public protocol Store: Sendable {
    func meta(_ key: String) async throws -> [UInt8]?
    /// Sets a value only if none is set; returns the value that is set afterwards.
    func setMetaIfAbsent(_ key: String, _ value: [UInt8]) async throws -> [UInt8]

    /// Every login configuration at once, with the change log's last sequence number.
    func configuration() async throws -> Configuration
    /// What changed after `seq` (see ConfigurationDelta); nil when the change log no longer
    /// reaches back that far (it is pruned), or `seq` is ahead of it: then read it all.
    func configurationChanges(after seq: Int64) async throws -> ConfigurationDelta?

    func identities() async throws -> [Identity]
    func identity(_ id: String) async throws -> Identity?
    func insertIdentity(_ identity: Identity) async throws
    func updateIdentity(_ identity: Identity) async throws
    /// Deletes the identity with its auth methods and tokens; false when there was none.
    func deleteIdentity(_ id: String) async throws -> Bool

    func tlsCertAuth(identityId: String) async throws -> TLSCertAuthConfig?
    /// Inserts (when `insert`, failing if one exists) or replaces an identity's config.
    func putTLSCertAuth(_ config: TLSCertAuthConfig, insert: Bool) async throws -> Bool
    func deleteTLSCertAuth(identityId: String) async throws -> Bool

    func certRoles() async throws -> [CertRole]
    func putCertRole(_ role: CertRole) async throws
    func deleteCertRole(_ name: String) async throws -> Bool

    func putCRL(name: String, data: [UInt8]) async throws
    func deleteCRL(_ name: String) async throws -> Bool

    /// Configuration documents by kind and key (identities' OIDC, JWT and Kubernetes auth,
    /// Vault auth mounts, their configs and roles): JSON the service encodes and decodes.
    func document(kind: String, key: String) async throws -> [UInt8]?
    func documents(kind: String) async throws -> [(key: String, doc: [UInt8])]
    /// Inserts (when `insert`, false if one exists) or replaces a document.
    func putDocument(kind: String, key: String, _ doc: [UInt8], insert: Bool) async throws -> Bool
    /// Deletes the documents of `kind` whose key is `key` or starts with `key + "/"`,
    /// and (when given) revokes the tokens of that auth method (and subject, when given), at once.
    func deleteDocuments(kind: String, key: String, tokensOf: (subject: String?, authMethod: String)?) async throws -> Bool

    /// Records a signed SSH certificate; false when its serial is already taken on its mount.
    func insertSSHCertificate(_ record: SSHCertificateRecord) async throws -> Bool
    /// A CA's certificates in the order they were recorded, `limit` at a time after the
    /// cursor `after` (0: from the first); each with its own cursor.
    func sshCertificates(mount: String, after: Int64, limit: Int) async throws -> [(cursor: Int64, record: SSHCertificateRecord)]
    func sshCertificate(mount: String, serial: String) async throws -> SSHCertificateRecord?
    /// The CA public keys a CA reference's certificates were signed by.
    func sshCAKeys(mount: String) async throws -> [String]
    /// Adds revocations (one transaction; those already there are kept); how many were new.
    func insertSSHRevocations(_ list: [SSHRevocation]) async throws -> Int
    /// A CA reference's revocations in the order they were made, with their sequence.
    func sshRevocations(mount: String) async throws -> [SSHRevocation]

    func insertToken(_ token: TokenRecord) async throws
    func token(id: String) async throws -> TokenRecord?
    func token(accessor: String) async throws -> TokenRecord?
    /// Counts one use atomically: of N concurrent uses of a token with N uses left, all
    /// succeed; of N + 1, exactly one fails.
    func useToken(id: String, now: Int64) async throws -> UseOutcome
    /// Moves the expiry of a live token; returns the record after, or nil if not live.
    func renewToken(id: String, expiresAt: Int64, now: Int64) async throws -> TokenRecord?
    func revokeToken(id: String) async throws -> Bool
    func revokeTokens(subject: String, authMethod: String) async throws
    /// Drops tokens whose hard expiry has passed.
    func purgeExpiredTokens(now: Int64) async throws -> Int

    /// Whether other processes write this store too (several nodes on one database): then
    /// a node follows their configuration changes (`watchConfiguration`, and a periodic check).
    var isShared: Bool { get }
    /// Calls `changed` each time another process announces a committed configuration
    /// change, until the calling task is cancelled or the store's feed breaks (it throws
    /// then; the caller watches again). A store no other process writes returns at once.
    func watchConfiguration(_ changed: @escaping @Sendable () -> Void) async throws
    /// Closes connections; the store answers nothing after it.
    func shutdown() async
}

extension Store {
    public var isShared: Bool { false }
    public func watchConfiguration(_ changed: @escaping @Sendable () -> Void) async throws {}
    public func shutdown() async {}
}

